-- params: root_key (VARCHAR, process key of the tree's root)
-- returns: every event of the root process and its descendants (by fork lineage), oldest first, with the depth below the root
WITH RECURSIVE tree(key, depth) AS (
    SELECT $root_key, 0
    UNION
    SELECT f.child_key, t.depth + 1
    FROM events f
    JOIN tree t ON f.proc_key = t.key
    WHERE f.kind = 'fork' AND NOT f.is_thread AND t.depth < 64
)
SELECT t.depth, e.*
FROM events e
JOIN (SELECT key, min(depth) AS depth FROM tree GROUP BY key) t ON e.proc_key = t.key
WHERE e.kind <> 'snapshot'
ORDER BY e.seq
