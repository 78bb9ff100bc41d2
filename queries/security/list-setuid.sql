-- params: none
-- returns: one row per setuid/setgid-family call: time, host, proc_key, pid, comm, user (before), euser, kind (setuid or setgid), syscall, id_real, id_effective, id_saved, ret, error; a successful call to a different id than the caller's is a privilege change
SELECT time, host, proc_key, pid, comm, user, euser, kind, syscall, id_real, id_effective, id_saved, ret, error
FROM security
WHERE kind IN ('setuid', 'setgid')
ORDER BY time, seq
