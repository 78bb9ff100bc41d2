/**
 * The segment schema's column names as a TypeScript type. The schema itself is
 * formats/segment-schema.json; test/record/columns.test.ts checks that this
 * list and the JSON agree, column for column and in order.
 */

export const COLUMN_NAMES = [
  'seq', 'time', 'ktime_ns', 'kind', 'syscall', 'host', 'boot_id', 'pid', 'tid', 'ppid', 'proc_key',
  'parent_key', 'proc_start', 'uid', 'gid', 'euid', 'user', 'euser', 'group_name', 'comm', 'cgroup_id', 'cgroup',
  'container_id', 'exe', 'exe_raw', 'filename', 'script', 'interp', 'argv', 'argv_raw', 'argv_truncated',
  'argc', 'cwd', 'cwd_raw', 'egid', 'loginuid', 'sessionid', 'sid', 'tty', 'exe_ino', 'exe_dev', 'exe_mtime',
  'exe_size', 'exe_deleted', 'exe_memfd', 'exe_sha256', 'exe_hash_status', 'exec_tid', 'child_pid',
  'child_tid', 'child_key', 'is_thread', 'exit_code', 'exit_signal', 'core_dumped', 'ret', 'error', 'path',
  'path_raw', 'path_source', 'path_arg', 'path_arg_raw', 'path2', 'path2_raw', 'flags', 'mode', 'fd', 'ino',
  'dev', 'uid_arg', 'gid_arg', 'size_arg', 'family', 'protocol', 'saddr', 'sport', 'daddr', 'dport',
  'tcp_old_state', 'tcp_new_state', 'backlog', 'unix_path', 'dns_query', 'dns_qtype', 'sock_cookie',
  'softirq', 'target_pid', 'ptrace_request', 'id_real', 'id_effective', 'id_saved', 'name', 'bpf_prog_type',
  'bpf_insn_cnt', 'lost_count', 'lost_reason',
] as const;

export type ColumnName = (typeof COLUMN_NAMES)[number];

/** One value array per column, indexed by row. */
export type ColumnArrays = { [K in ColumnName]: unknown[] };
