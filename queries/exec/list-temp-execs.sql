-- params: none
-- returns: one row per execution of a file under /tmp, /var/tmp or /dev/shm, from a memfd, or of a deleted file through /proc/<pid>/fd (fileless): time, host, proc_key, pid, parent_key, user, exe, filename, argv, exe_sha256, why
SELECT time, host, proc_key, pid, parent_key, user, exe, filename, argv, exe_sha256,
       CASE
           WHEN exe_memfd OR exe LIKE '/memfd:%' THEN 'memfd'
           WHEN filename LIKE '/proc/%/fd/%' THEN 'fileless (/proc fd)'
           WHEN exe LIKE '/dev/shm/%' THEN '/dev/shm'
           ELSE 'temp dir'
       END AS why
FROM exec
WHERE kind = 'exec'
  AND (exe LIKE '/tmp/%' OR exe LIKE '/var/tmp/%' OR exe LIKE '/dev/shm/%'
       OR exe_memfd OR exe LIKE '/memfd:%'
       OR (exe_deleted AND filename LIKE '/proc/%/fd/%'))
ORDER BY time, seq
