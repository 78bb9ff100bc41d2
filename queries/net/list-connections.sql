-- params: none
-- returns: one row per process and remote endpoint it connected to or accepted from: host, proc_key, pid, comm, exe (of its last exec or snapshot), kind (connect or accept), family, protocol, remote (address:port or unix path), attempts, failures, first and last time
WITH exe_of AS (
    SELECT proc_key, arg_max(exe, time) AS exe
    FROM events
    WHERE kind IN ('exec', 'snapshot') AND exe IS NOT NULL
    GROUP BY proc_key
)
SELECT n.host, n.proc_key, any_value(n.pid) AS pid, any_value(n.comm) AS comm, any_value(x.exe) AS exe,
       n.kind, n.family, n.protocol,
       coalesce(n.unix_path, CASE WHEN n.family = 'inet6' THEN '[' || n.daddr || ']' ELSE n.daddr END || ':' || n.dport) AS remote,
       count(*) AS attempts, count(*) FILTER (WHERE n.ret < 0) AS failures,
       min(n.time) AS first_time, max(n.time) AS last_time
FROM net n
LEFT JOIN exe_of x ON x.proc_key = n.proc_key
WHERE n.kind IN ('connect', 'accept')
GROUP BY n.host, n.proc_key, n.kind, n.family, n.protocol, remote
ORDER BY first_time, n.proc_key, remote
