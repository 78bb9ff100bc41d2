-- params: none
-- returns: one row per change to a persistence location (cron, systemd units, init scripts, shell rc and profile files, authorized_keys, ld.so.preload, sudoers): time, host, proc_key, pid, comm, user, kind, path, path2, location; reads are left out
SELECT time, host, proc_key, pid, comm, user, kind, path, path2,
       CASE
           WHEN p LIKE '/etc/cron%' OR p LIKE '/var/spool/cron/%' OR p LIKE '/etc/anacrontab' THEN 'cron'
           WHEN p LIKE '%/systemd/system/%' OR p LIKE '%/systemd/user/%' OR p LIKE '%/.config/systemd/%' THEN 'systemd unit'
           WHEN p LIKE '/etc/init.d/%' OR p LIKE '/etc/rc.local' OR p LIKE '/etc/rc_.d/%' THEN 'init script'
           WHEN p LIKE '%/.ssh/authorized_keys%' THEN 'authorized_keys'
           WHEN p LIKE '/etc/ld.so.preload' THEN 'ld.so.preload'
           WHEN p LIKE '/etc/sudoers%' THEN 'sudoers'
           ELSE 'shell rc'
       END AS location
FROM (SELECT *, unnest([path, path2]) AS p FROM file) f
WHERE p IS NOT NULL
  AND (kind <> 'open' OR (flags & 3) <> 0 OR (flags & 512) <> 0)
  AND (p LIKE '/etc/cron%' OR p LIKE '/var/spool/cron/%' OR p = '/etc/anacrontab'
       OR p LIKE '%/systemd/system/%' OR p LIKE '%/systemd/user/%' OR p LIKE '%/.config/systemd/%'
       OR p LIKE '/etc/init.d/%' OR p = '/etc/rc.local' OR p LIKE '/etc/rc_.d/%'
       OR p LIKE '%/.ssh/authorized_keys%' OR p = '/etc/ld.so.preload' OR p LIKE '/etc/sudoers%'
       OR regexp_matches(p, '/\.(bashrc|bash_profile|bash_login|bash_logout|profile|zshrc|zprofile|zshenv|zlogin)$')
       OR p = '/etc/profile' OR p LIKE '/etc/profile.d/%' OR p LIKE '/etc/bash.bashrc%' OR p LIKE '/etc/zsh/%')
ORDER BY time, seq
