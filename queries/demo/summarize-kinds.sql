-- params: none
-- returns: one row per event kind: kind, events, first and last time
SELECT kind, count(*) AS events, min(time) AS first_time, max(time) AS last_time
FROM events
GROUP BY kind
ORDER BY events DESC, kind
