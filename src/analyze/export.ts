/**
 * The SQL behind `hindsight export`: every event in time order, and for
 * Timesketch (https://timesketch.org/guides/user/import-from-json-csv/) a
 * `message` and a `timestamp_desc` per kind. The caller streams the result
 * (DuckSession.stream) and adds `datetime`/`timestamp` from `time`.
 */

/** Timesketch's `timestamp_desc` for each event kind. */
export const TIMESTAMP_DESC: Record<string, string> = {
  exec: 'Process Exec', exec_fail: 'Process Exec Failed', fork: 'Process Fork', exit: 'Process Exit',
  open: 'File Open', unlink: 'File Unlink', rename: 'File Rename', chmod: 'File Chmod', chown: 'File Chown',
  mkdir: 'File Mkdir', link: 'File Link', symlink: 'File Symlink', truncate: 'File Truncate',
  connect: 'Network Connect', accept: 'Network Accept', bind: 'Network Bind', listen: 'Network Listen',
  tcp_state: 'TCP State Change', dns: 'DNS Query', ptrace: 'Process Ptrace', setuid: 'Process Setuid',
  setgid: 'Process Setgid', memfd: 'Memfd Create', module: 'Kernel Module', bpf_prog: 'BPF Program Load',
  loss: 'Events Lost',
};

const FILE_KINDS = ['open', 'unlink', 'rename', 'chmod', 'chown', 'mkdir', 'link', 'symlink', 'truncate'];

/** A one-line description of an event, as SQL over the events columns. */
export const MESSAGE_SQL = `coalesce(comm, '?') || '[' || coalesce(pid::VARCHAR, '?') || '] ' || CASE
  WHEN kind = 'exec' THEN 'exec ' || coalesce(exe, '?') || coalesce(' ' || array_to_string(argv, ' '), '')
  WHEN kind = 'exec_fail' THEN 'exec failed ' || coalesce(filename, '?') || coalesce(' (' || error || ')', '')
  WHEN kind = 'fork' THEN (CASE WHEN is_thread THEN 'thread ' ELSE 'fork ' END) || coalesce(child_pid::VARCHAR, '?') || coalesce(' ' || child_key, '')
  WHEN kind = 'exit' THEN 'exit' || coalesce(' code ' || exit_code, '') || coalesce(' signal ' || exit_signal, '') || (CASE WHEN core_dumped THEN ' (core dumped)' ELSE '' END)
  WHEN kind IN (${FILE_KINDS.map((k) => `'${k}'`).join(', ')}) THEN kind || ' ' || coalesce(path, '?') || coalesce(' -> ' || path2, '') || coalesce(' (' || error || ')', '')
  WHEN kind IN ('connect', 'accept', 'bind', 'listen') THEN kind || ' ' || coalesce(protocol || ' ', '') || coalesce(unix_path, coalesce(daddr || ':' || dport, saddr || ':' || sport), '?') || coalesce(' (' || error || ')', '')
  WHEN kind = 'tcp_state' THEN 'tcp ' || coalesce(saddr || ':' || sport, '?') || ' -> ' || coalesce(daddr || ':' || dport, '?') || ' ' || coalesce(tcp_old_state, '?') || ' -> ' || coalesce(tcp_new_state, '?')
  WHEN kind = 'dns' THEN 'dns query ' || coalesce(dns_query, '?') || coalesce(' ' || dns_qtype, '')
  WHEN kind = 'ptrace' THEN 'ptrace ' || coalesce(ptrace_request, '?') || coalesce(' pid ' || target_pid, '')
  WHEN kind IN ('setuid', 'setgid') THEN kind || coalesce(' real=' || id_real, '') || coalesce(' effective=' || id_effective, '') || coalesce(' saved=' || id_saved, '') || coalesce(' (' || error || ')', '')
  WHEN kind IN ('memfd', 'module', 'bpf_prog') THEN kind || ' ' || coalesce(name, '?') || coalesce(' ' || bpf_prog_type, '')
  WHEN kind = 'loss' THEN 'lost ' || coalesce(lost_count::VARCHAR, '?') || ' events (' || coalesce(lost_reason, '?') || ')'
  ELSE kind END`;

export type ExportFormat = 'jsonl' | 'csv' | 'timesketch';

/**
 * The statement for an export: every column of `events` in (time, host, seq)
 * order; for Timesketch also `message` and `timestamp_desc`, without the
 * per-segment snapshot rows (state, not events).
 */
export function exportSql(format: ExportFormat): string {
  if (format !== 'timesketch') return 'SELECT * FROM events ORDER BY time, host, seq NULLS FIRST';
  const desc = Object.entries(TIMESTAMP_DESC).map(([k, v]) => `WHEN '${k}' THEN '${v}'`).join(' ');
  return `SELECT ${MESSAGE_SQL} AS message, CASE kind ${desc} ELSE kind END AS timestamp_desc, *
    FROM events WHERE kind <> 'snapshot' ORDER BY time, host, seq`;
}
