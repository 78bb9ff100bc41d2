-- params: root_key (VARCHAR, process key of the tree's root)
-- returns: one row per file change by the root process or any descendant (by fork lineage): time, proc_key, pid, comm, kind (open for writing, unlink, rename, chmod, chown, mkdir, link, symlink, truncate), path, path2, error, oldest first
WITH RECURSIVE tree(key, depth) AS (
    SELECT $root_key::VARCHAR, 0
    UNION
    SELECT f.child_key, t.depth + 1
    FROM process_events f
    JOIN tree t ON f.proc_key = t.key
    WHERE f.kind = 'fork' AND NOT f.is_thread AND t.depth < 256
)
SELECT f.time, f.proc_key, f.pid, f.comm, f.kind, f.path, f.path2, f.error
FROM file f
WHERE f.proc_key IN (SELECT key FROM tree)
  AND (f.kind <> 'open' OR (f.flags & 3) <> 0 OR (f.flags & 512) <> 0)
ORDER BY f.time, f.seq
