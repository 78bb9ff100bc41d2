/**
 * `evt.arg.<name>`, `evt.arg[<n>]` and `evt.rawarg.<name>`: Falco's event
 * parameters, by the recorded event types. PARAMS lists each recorded
 * type's parameter names in Falco's order (exit events, which in current
 * Falco also carry the enter parameters); ARG_SQL says how to compute the
 * ones the recording holds, as Falco renders them (`evt.arg`, text) or raw
 * (`evt.rawarg`, numbers). A parameter a rule can meet but the recording
 * lacks (`evt.arg.flags` of execve, `dirfd`, ...) makes the rule
 * unsupported; a parameter no event of the rule has is simply absent.
 */
import { sqlString } from '../../analyze/sql.js';
import {
  eventTypeTestSql, FDNAME_SQL, MODE_TEXT_SQL, OPEN_FLAGS_TEXT_SQL, PTRACE_REQUEST_NUMBER_SQL, PTRACE_REQUEST_TEXT_SQL, RAWRES_SQL, RES_TEXT_SQL, TYPECHAR_SQL, CWD_SQL, FDNUM_SQL, TTY_NUMBER_SQL,
} from './render-sql.js';

const q = sqlString;

const EXEC_PARAMS = ['res', 'exe', 'args', 'tid', 'pid', 'ptid', 'cwd', 'fdlimit', 'pgft_maj', 'pgft_min', 'vm_size', 'vm_rss', 'vm_swap',
  'comm', 'cgroups', 'env', 'tty', 'vpgid', 'loginuid', 'flags', 'cap_inheritable', 'cap_permitted', 'cap_effective', 'exe_ino',
  'exe_ino_ctime', 'exe_ino_mtime', 'uid', 'trusted_exepath', 'pgid', 'gid'];
const CLONE_PARAMS = ['res', 'exe', 'args', 'tid', 'pid', 'ptid', 'cwd', 'fdlimit', 'pgft_maj', 'pgft_min', 'vm_size', 'vm_rss', 'vm_swap',
  'comm', 'cgroups', 'flags', 'uid', 'gid', 'vtid', 'vpid', 'pidns_init_start_ts'];

/** Falco's parameter names of each recorded event type. */
const PARAMS: Record<string, readonly string[]> = {
  execve: [...EXEC_PARAMS, 'filename'],
  execveat: [...EXEC_PARAMS, 'dirfd', 'pathname', 'flags'],
  open: ['fd', 'name', 'flags', 'mode', 'dev', 'ino'],
  openat: ['fd', 'dirfd', 'name', 'flags', 'mode', 'dev', 'ino'],
  openat2: ['fd', 'dirfd', 'name', 'flags', 'mode', 'resolve', 'dev', 'ino'],
  creat: ['fd', 'name', 'mode', 'dev', 'ino'],
  unlink: ['res', 'path'],
  unlinkat: ['res', 'dirfd', 'name', 'flags'],
  rmdir: ['res', 'path'],
  rename: ['res', 'oldpath', 'newpath'],
  renameat: ['res', 'olddirfd', 'oldpath', 'newdirfd', 'newpath'],
  renameat2: ['res', 'olddirfd', 'oldpath', 'newdirfd', 'newpath', 'flags'],
  chmod: ['res', 'filename', 'mode'],
  fchmod: ['res', 'fd', 'mode'],
  fchmodat: ['res', 'dirfd', 'filename', 'mode'],
  chown: ['res', 'path', 'uid', 'gid'],
  lchown: ['res', 'path', 'uid', 'gid'],
  fchown: ['res', 'fd', 'uid', 'gid'],
  fchownat: ['res', 'dirfd', 'pathname', 'uid', 'gid', 'flags'],
  mkdir: ['res', 'path', 'mode'],
  mkdirat: ['res', 'dirfd', 'path', 'mode'],
  link: ['res', 'oldpath', 'newpath'],
  linkat: ['res', 'olddir', 'oldpath', 'newdir', 'newpath', 'flags'],
  symlink: ['res', 'target', 'linkpath'],
  symlinkat: ['res', 'target', 'linkdirfd', 'linkpath'],
  connect: ['res', 'tuple', 'fd', 'addr'],
  accept: ['fd', 'tuple', 'queuepct', 'queuelen', 'queuemax'],
  accept4: ['fd', 'tuple', 'queuepct', 'queuelen', 'queuemax', 'flags'],
  bind: ['res', 'addr', 'fd'],
  listen: ['res', 'fd', 'backlog'],
  sendto: ['res', 'data', 'fd', 'size', 'tuple'],
  sendmsg: ['res', 'data', 'fd', 'size', 'tuple'],
  ptrace: ['res', 'addr', 'data', 'request', 'pid'],
  setuid: ['res', 'uid'],
  setgid: ['res', 'gid'],
  setreuid: ['res', 'ruid', 'euid'],
  setregid: ['res', 'rgid', 'egid'],
  setresuid: ['res', 'ruid', 'euid', 'suid'],
  setresgid: ['res', 'rgid', 'egid', 'sgid'],
  memfd_create: ['fd', 'name', 'flags'],
  init_module: ['res', 'img', 'length', 'uargs'],
  finit_module: ['res', 'fd', 'uargs', 'flags'],
  bpf: ['res_or_fd', 'cmd'],
  clone: CLONE_PARAMS,
  clone3: CLONE_PARAMS,
  fork: CLONE_PARAMS,
  vfork: CLONE_PARAMS,
  procexit: ['status', 'ret', 'sig', 'core', 'reaper_tid'],
};

const OPENS = ['open', 'openat', 'openat2', 'creat'];
const FD_TEXT = `(${q('<')} || ${TYPECHAR_SQL} || ${q('>')} || ${FDNAME_SQL})`;
const FD_RESULT_TEXT = `(CASE WHEN ret < 0 THEN error ELSE ${FD_TEXT} END)`;

interface ArgMapping { types: readonly string[]; sql: string; note?: string }

/** How each parameter renders (`evt.arg.<name>`), for the types that hold it. */
const ARG_SQL: Record<string, ArgMapping[]> = {
  res: [{ types: Object.keys(PARAMS).filter((t) => PARAMS[t]![0] === 'res' && !['clone', 'clone3', 'fork', 'vfork'].includes(t)), sql: RES_TEXT_SQL }],
  res_or_fd: [{ types: ['bpf'], sql: RES_TEXT_SQL }],
  fd: [
    { types: OPENS, sql: FD_RESULT_TEXT },
    { types: ['accept', 'accept4'], sql: FD_RESULT_TEXT },
    { types: ['connect', 'bind', 'listen', 'sendto', 'sendmsg'], sql: FD_TEXT },
  ],
  name: [{ types: ['open', 'openat', 'openat2', 'creat', 'unlinkat'], sql: 'path' }, { types: ['memfd_create'], sql: 'name' }],
  path: [{ types: ['unlink', 'rmdir', 'mkdir', 'mkdirat', 'chown', 'lchown'], sql: 'path' }],
  pathname: [{ types: ['fchownat'], sql: 'path' }],
  filename: [{ types: ['chmod', 'fchmodat'], sql: 'path' }],
  oldpath: [{ types: ['rename', 'renameat', 'renameat2', 'link', 'linkat'], sql: 'path' }],
  newpath: [{ types: ['rename', 'renameat', 'renameat2', 'link', 'linkat'], sql: 'path2' }],
  target: [{ types: ['symlink', 'symlinkat'], sql: 'path2' }],
  linkpath: [{ types: ['symlink', 'symlinkat'], sql: 'path' }],
  flags: [{ types: ['open', 'openat', 'openat2'], sql: OPEN_FLAGS_TEXT_SQL }],
  mode: [{ types: ['chmod', 'fchmod', 'fchmodat'], sql: MODE_TEXT_SQL }],
  request: [{ types: ['ptrace'], sql: PTRACE_REQUEST_TEXT_SQL }],
  pid: [{ types: ['ptrace'], sql: 'CAST(target_pid AS VARCHAR)' }, { types: ['execve', 'execveat'], sql: 'CAST(pid AS VARCHAR)' }],
  uid: [
    {
      types: ['setuid'],
      sql: '(CASE WHEN id_effective = euid THEN euser END)',
      note: 'evt.arg.uid of setuid is known (as the user name) only when the call took effect: it is then the new effective user',
    },
    { types: ['execve', 'execveat'], sql: 'coalesce(euser, CAST(euid AS VARCHAR))' },
  ],
  tuple: [{ types: ['connect', 'accept', 'accept4', 'sendto', 'sendmsg'], sql: FDNAME_SQL }],
  cmd: [{ types: ['bpf'], sql: q('BPF_PROG_LOAD') }],
  exe: [{ types: ['execve', 'execveat'], sql: 'proc_argv[1]' }],
  args: [{ types: ['execve', 'execveat'], sql: 'proc_args' }],
  cwd: [{ types: ['execve', 'execveat'], sql: CWD_SQL }],
  comm: [{ types: ['execve', 'execveat'], sql: 'proc_name' }],
  tid: [{ types: ['execve', 'execveat'], sql: 'CAST(tid AS VARCHAR)' }],
  ptid: [{ types: ['execve', 'execveat'], sql: 'CAST(ppid AS VARCHAR)' }],
  tty: [{ types: ['execve', 'execveat'], sql: `CAST(${TTY_NUMBER_SQL} AS VARCHAR)` }],
};

/** Raw numeric values (`evt.rawarg.<name>`). */
const RAWARG_SQL: Record<string, ArgMapping[]> = {
  res: [{ types: ARG_SQL.res![0]!.types, sql: RAWRES_SQL }],
  res_or_fd: [{ types: ['bpf'], sql: 'ret' }],
  fd: [{ types: [...OPENS, 'accept', 'accept4', 'connect', 'bind', 'listen', 'sendto', 'sendmsg', 'fchmod', 'fchown'], sql: FDNUM_SQL }],
  flags: [{ types: ['open', 'openat', 'openat2'], sql: 'open_flags' }],
  mode: [{ types: ['chmod', 'fchmod', 'fchmodat'], sql: 'mode' }],
  request: [{ types: ['ptrace'], sql: PTRACE_REQUEST_NUMBER_SQL }],
  pid: [{ types: ['ptrace'], sql: 'target_pid' }, { types: ['execve', 'execveat'], sql: 'pid' }],
  uid: [{ types: ['setuid'], sql: 'id_effective' }, { types: ['execve', 'execveat'], sql: 'euid' }],
  gid: [{ types: ['setgid'], sql: 'id_effective' }],
  ruid: [{ types: ['setreuid', 'setresuid'], sql: 'id_real' }],
  euid: [{ types: ['setreuid', 'setresuid'], sql: 'id_effective' }],
  rgid: [{ types: ['setregid', 'setresgid'], sql: 'id_real' }],
  egid: [{ types: ['setregid', 'setresgid'], sql: 'id_effective' }],
  tid: [{ types: ['execve', 'execveat'], sql: 'tid' }],
  ptid: [{ types: ['execve', 'execveat'], sql: 'ppid' }],
};

/** A parameter resolved for the event types a rule can match. */
export type ArgResolution =
  | { kind: 'sql'; sql: string; notes: string[] }
  | { kind: 'absent' }
  | { kind: 'missing'; what: string };

/**
 * The SQL of parameter `name` (or of position `index`) over the rows of
 * `types` (the rule's recorded event types); `raw` for `evt.rawarg`.
 * `partial` (output rendering) leaves types whose parameter is not recorded
 * without a value instead of reporting it missing.
 */
export function resolveArg(spec: { name: string } | { index: number }, types: ReadonlySet<string>, raw: boolean, partial = false): ArgResolution {
  const table = raw ? RAWARG_SQL : ARG_SQL;
  const branches = new Map<string, string[]>();
  const unmapped: string[] = [];
  const notes = new Set<string>();
  let known = false;
  for (const t of [...types].sort()) {
    const params = PARAMS[t];
    if (params === undefined) continue;
    const name = 'name' in spec ? spec.name : params[spec.index];
    if (name === undefined || !params.includes(name)) continue;
    known = true;
    const m = table[name]?.find((x) => x.types.includes(t));
    if (m === undefined) {
      unmapped.push(t);
      continue;
    }
    if (m.note) notes.add(m.note);
    branches.set(m.sql, [...(branches.get(m.sql) ?? []), t]);
  }
  const label = 'name' in spec ? `evt.${raw ? 'rawarg' : 'arg'}.${spec.name}` : `evt.arg[${spec.index}]`;
  if (unmapped.length > 0 && !partial) return { kind: 'missing', what: `${label} of ${unmapped.join('/')}` };
  if (branches.size === 0) {
    const anywhere = 'name' in spec ? Object.values(PARAMS).some((p) => p.includes(spec.name)) : true;
    return known || anywhere ? { kind: 'absent' } : { kind: 'missing', what: label };
  }
  const cases = [...branches].map(([sql, ts]) => `WHEN ${eventTypeTestSql(ts)} THEN ${sql}`);
  return { kind: 'sql', sql: `(CASE ${cases.join(' ')} END)`, notes: [...notes] };
}
