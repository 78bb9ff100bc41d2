-- params: none
-- returns: one row per process whose parent never appears in the recording (no event, snapshot or fork of the parent key): host, proc_key, pid, parent_key, ppid, comm, exe, first_time; started before the recording or their parent's events were lost
WITH procs AS (
    SELECT host, proc_key, any_value(pid) AS pid, arg_min(parent_key, time) AS parent_key, arg_min(ppid, time) AS ppid,
           arg_min(comm, time) AS comm, arg_max(exe, time) FILTER (WHERE exe IS NOT NULL) AS exe, min(time) AS first_time
    FROM events
    WHERE proc_key IS NOT NULL AND kind <> 'loss'
    GROUP BY host, proc_key
),
known AS (
    SELECT DISTINCT proc_key AS key FROM events WHERE proc_key IS NOT NULL
    UNION
    SELECT DISTINCT child_key FROM process_events WHERE kind = 'fork' AND child_key IS NOT NULL
)
SELECT host, proc_key, pid, parent_key, ppid, comm, exe, first_time
FROM procs
WHERE parent_key IS NULL OR parent_key NOT IN (SELECT key FROM known)
ORDER BY first_time, proc_key
