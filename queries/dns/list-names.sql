-- params: none
-- returns: one row per process and DNS name it queried: host, proc_key, pid, comm, name, types (query types seen), queries, first and last time
SELECT host, proc_key, any_value(pid) AS pid, any_value(comm) AS comm, dns_query AS name,
       list(DISTINCT dns_qtype ORDER BY dns_qtype) AS types, count(*) AS queries,
       min(time) AS first_time, max(time) AS last_time
FROM dns
WHERE dns_query IS NOT NULL
GROUP BY host, proc_key, dns_query
ORDER BY first_time, proc_key, name
