/**
 * SQL expressions over one `rule_events` row that render values the way
 * Falco prints them: the event type name, `evt.res`, open flags
 * (`O_WRONLY|O_CREAT|O_TRUNC`), chmod modes (`S_IRUSR|S_ISUID`), ptrace
 * requests (`PTRACE_ATTACH`), and the socket tuple of `fd.name`
 * (`client-ip:port->server-ip:port`). Shared by field mapping (conditions)
 * and output templates. Every literal goes through sqlString.
 */
import { sqlString } from '../../analyze/sql.js';
import { EXIT_TYPE, FORK_TYPES, RECORDED_SYSCALLS } from './event-types.js';

const q = sqlString;

/** Falco's `evt.type` of a row: the syscall; `execve` for an exec row without one; `procexit` for exit rows. */
export const EVT_TYPE_SQL =
  `(CASE WHEN kind = ${q('exec')} AND syscall IS NULL THEN ${q('execve')} WHEN kind = ${q('exit')} THEN ${q('procexit')} WHEN kind = ${q('tcp_state')} THEN NULL ELSE syscall END)`;

/** Falco's `evt.rawres`: the return value (a successful exec returns 0). */
export const RAWRES_SQL = `(CASE WHEN kind = ${q('exec')} THEN coalesce(ret, 0) ELSE ret END)`;

/** Falco's `evt.res`: `SUCCESS`, or the errno name. */
export const RES_SQL = `(CASE WHEN ${RAWRES_SQL} >= 0 THEN ${q('SUCCESS')} WHEN ${RAWRES_SQL} < 0 THEN error END)`;

/** A return value as Falco renders a `res` parameter: the number, or the errno name when negative. */
export const RES_TEXT_SQL = `(CASE WHEN ${RAWRES_SQL} < 0 THEN error ELSE CAST(${RAWRES_SQL} AS VARCHAR) END)`;

/** Rows that are socket calls (the `fd.*` socket fields apply). */
export const NET_ROW_SQL = `kind IN (${q('connect')}, ${q('accept')}, ${q('bind')}, ${q('listen')}, ${q('dns')})`;
/** Socket rows of an IP family. */
export const INET_ROW_SQL = `(${NET_ROW_SQL} AND family IN (${q('inet')}, ${q('inet6')}))`;
/** Rows whose fd is a file: opens, and the f* calls that name an open file. */
export const FILE_FD_ROW_SQL = `(kind = ${q('open')} OR syscall IN (${q('fchmod')}, ${q('fchown')}, ${q('ftruncate')}))`;
/** Socket rows where this process is the server end (the local address is the server's). */
const SERVER_LOCAL_SQL = `kind IN (${q('accept')}, ${q('bind')}, ${q('listen')})`;

/** `fd.sip`, `fd.sport`, `fd.cip`, `fd.cport`: server and client ends of a socket row. */
export const SERVER_IP_SQL = `(CASE WHEN ${INET_ROW_SQL} THEN (CASE WHEN ${SERVER_LOCAL_SQL} THEN saddr ELSE daddr END) END)`;
export const SERVER_PORT_SQL = `(CASE WHEN ${INET_ROW_SQL} THEN (CASE WHEN ${SERVER_LOCAL_SQL} THEN sport ELSE dport END) END)`;
export const CLIENT_IP_SQL = `(CASE WHEN ${INET_ROW_SQL} AND kind NOT IN (${q('bind')}, ${q('listen')}) THEN (CASE WHEN kind = ${q('accept')} THEN daddr ELSE saddr END) END)`;
export const CLIENT_PORT_SQL = `(CASE WHEN ${INET_ROW_SQL} AND kind NOT IN (${q('bind')}, ${q('listen')}) THEN (CASE WHEN kind = ${q('accept')} THEN dport ELSE sport END) END)`;

/** `fd.typechar`: f/d for files (O_DIRECTORY opens are d), 4/6 for IP sockets, u for unix sockets. */
export const TYPECHAR_SQL =
  `(CASE WHEN kind = ${q('open')} THEN (CASE WHEN open_flags & 65536 <> 0 THEN ${q('d')} ELSE ${q('f')} END) ` +
  `WHEN ${NET_ROW_SQL} THEN (CASE family WHEN ${q('inet')} THEN ${q('4')} WHEN ${q('inet6')} THEN ${q('6')} WHEN ${q('unix')} THEN ${q('u')} END) END)`;

/** `fd.type`: file, directory, ipv4, ipv6, unix. */
export const FDTYPE_SQL =
  `(CASE WHEN kind = ${q('open')} THEN (CASE WHEN open_flags & 65536 <> 0 THEN ${q('directory')} ELSE ${q('file')} END) ` +
  `WHEN ${NET_ROW_SQL} THEN (CASE family WHEN ${q('inet')} THEN ${q('ipv4')} WHEN ${q('inet6')} THEN ${q('ipv6')} WHEN ${q('unix')} THEN ${q('unix')} END) END)`;

/**
 * `fd.name`: the path of a file fd; for an IP socket `cip:cport->sip:sport`
 * (a listening or bound socket: `ip:port`); for a unix socket its path.
 */
export const FDNAME_SQL =
  `(CASE WHEN ${FILE_FD_ROW_SQL} THEN path ` +
  `WHEN ${NET_ROW_SQL} AND family = ${q('unix')} THEN unix_path ` +
  `WHEN ${INET_ROW_SQL} AND kind IN (${q('bind')}, ${q('listen')}) THEN saddr || ${q(':')} || CAST(sport AS VARCHAR) ` +
  `WHEN ${INET_ROW_SQL} AND kind = ${q('accept')} THEN daddr || ${q(':')} || CAST(dport AS VARCHAR) || ${q('->')} || saddr || ${q(':')} || CAST(sport AS VARCHAR) ` +
  `WHEN ${INET_ROW_SQL} THEN saddr || ${q(':')} || CAST(sport AS VARCHAR) || ${q('->')} || daddr || ${q(':')} || CAST(dport AS VARCHAR) END)`;

/** `fd.name` where only file rows can match. */
export const FILE_FDNAME_SQL = `(CASE WHEN ${FILE_FD_ROW_SQL} THEN path END)`;

/** `fd.num`: the fd of the call; for open and accept the returned fd, -1 when they failed. */
export const FDNUM_SQL =
  `(CASE WHEN kind IN (${q('open')}, ${q('accept')}) THEN (CASE WHEN ret < 0 THEN -1 ELSE coalesce(fd, ret) END) ` +
  `WHEN ${NET_ROW_SQL} OR syscall IN (${q('fchmod')}, ${q('fchown')}, ${q('ftruncate')}) THEN fd END)`;

/** Names joined by `|` for the bits set in `expr` (flags: [name, mask, value]). */
function flagText(expr: string, flags: readonly (readonly [string, number, number])[]): string {
  const parts = flags.map(([name, mask, value]) => `CASE WHEN (${expr} & ${mask}) = ${value} THEN ${sqlString(name)} END`);
  return `(CASE WHEN ${expr} IS NOT NULL THEN concat_ws(${q('|')}, ${parts.join(', ')}) END)`;
}

/** Open flags in Falco's order (x86_64 O_* values; the access mode is the low two bits). */
const OPEN_FLAGS: readonly (readonly [string, number, number])[] = [
  ['O_LARGEFILE', 0o100000, 0o100000], ['O_DIRECTORY', 0o200000, 0o200000], ['O_DIRECT', 0o40000, 0o40000],
  ['O_TRUNC', 0o1000, 0o1000], ['O_SYNC', 0o4010000, 0o4010000], ['O_NONBLOCK', 0o4000, 0o4000],
  ['O_EXCL', 0o200, 0o200], ['O_DSYNC', 0o10000, 0o10000], ['O_APPEND', 0o2000, 0o2000],
  ['O_CREAT', 0o100, 0o100], ['O_RDWR', 3, 2], ['O_WRONLY', 3, 1], ['O_RDONLY', 3, 0],
  ['O_CLOEXEC', 0o2000000, 0o2000000], ['O_TMPFILE', 0o20000000, 0o20000000],
];

/** `evt.arg.flags` of an open: `O_RDONLY|O_CLOEXEC`. */
export const OPEN_FLAGS_TEXT_SQL = flagText('open_flags', OPEN_FLAGS);

const MODE_FLAGS: readonly (readonly [string, number, number])[] = [
  ['S_IXOTH', 0o1, 0o1], ['S_IWOTH', 0o2, 0o2], ['S_IROTH', 0o4, 0o4], ['S_IXGRP', 0o10, 0o10],
  ['S_IWGRP', 0o20, 0o20], ['S_IRGRP', 0o40, 0o40], ['S_IXUSR', 0o100, 0o100], ['S_IWUSR', 0o200, 0o200],
  ['S_IRUSR', 0o400, 0o400], ['S_ISVTX', 0o1000, 0o1000], ['S_ISGID', 0o2000, 0o2000], ['S_ISUID', 0o4000, 0o4000],
];

/** `evt.arg.mode` of a chmod: `S_IXUSR|S_IWUSR|S_IRUSR|S_ISUID`. */
export const MODE_TEXT_SQL = flagText('mode', MODE_FLAGS);

/** ptrace request names (include/uapi/linux/ptrace.h), as src/events/names.ts names them. */
const PTRACE_REQUESTS: readonly (readonly [number, string])[] = [
  [0, 'PTRACE_TRACEME'], [1, 'PTRACE_PEEKTEXT'], [2, 'PTRACE_PEEKDATA'], [3, 'PTRACE_PEEKUSER'],
  [4, 'PTRACE_POKETEXT'], [5, 'PTRACE_POKEDATA'], [6, 'PTRACE_POKEUSER'], [7, 'PTRACE_CONT'],
  [8, 'PTRACE_KILL'], [9, 'PTRACE_SINGLESTEP'], [12, 'PTRACE_GETREGS'], [13, 'PTRACE_SETREGS'],
  [16, 'PTRACE_ATTACH'], [17, 'PTRACE_DETACH'], [0x4206, 'PTRACE_SEIZE'], [0x4207, 'PTRACE_INTERRUPT'],
];

/** `evt.arg.request` of a ptrace: the request's name, as recorded (`PTRACE_<n>` when unnamed). */
export const PTRACE_REQUEST_TEXT_SQL = 'ptrace_request';

/** `evt.rawarg.request` of a ptrace: the request's number, from the recorded name. */
export const PTRACE_REQUEST_NUMBER_SQL =
  `(CASE ptrace_request ${PTRACE_REQUESTS.map(([n, name]) => `WHEN ${sqlString(name)} THEN ${n}`).join(' ')} ELSE TRY_CAST(regexp_extract(ptrace_request, '^PTRACE_([0-9]+)$', 1) AS BIGINT) END)`;

/** Falco's `proc.cwd`: the working directory with a trailing `/`. */
export const CWD_SQL = `(CASE WHEN ends_with(proc_cwd, ${q('/')}) THEN proc_cwd ELSE proc_cwd || ${q('/')} END)`;

/** The number at the end of the tty name (`pts/3` -> 3). */
const TTY_N = `CAST(regexp_extract(tty, ${q('[0-9]+$')}) AS BIGINT)`;
/** new_encode_dev() of major `major`, minor `minor` (what Falco's driver reports). */
const encodeDev = (major: number, minor: string): string => `((${minor}) % 256 + ${major * 256} + ((${minor}) - (${minor}) % 256) * 4096)`;

/**
 * Falco's `proc.tty`: the terminal's device number (new_encode_dev), 0 when
 * none. The recording keeps the terminal's name: `pts/N` (major 136), `ttyN`
 * (major 4) and `ttySN` (major 4, minor 64+N) are numbered as the kernel
 * does; another name is a terminal of unknown number, -1 (so `!= 0` holds).
 */
export const TTY_NUMBER_SQL =
  `(CASE WHEN tty IS NULL THEN 0 ` +
  `WHEN regexp_full_match(tty, ${q('pts/?[0-9]+')}) THEN ${encodeDev(136, TTY_N)} ` +
  `WHEN regexp_full_match(tty, ${q('tty[0-9]+')}) THEN ${encodeDev(4, TTY_N)} ` +
  `WHEN regexp_full_match(tty, ${q('ttyS[0-9]+')}) THEN ${encodeDev(4, `64 + ${TTY_N}`)} ELSE -1 END)`;

/** `proc.tty` in an output: the number, or the name when it has no known number. */
export const TTY_TEXT_SQL = `(CASE WHEN ${TTY_NUMBER_SQL} = -1 THEN tty ELSE CAST(${TTY_NUMBER_SQL} AS VARCHAR) END)`;

/** Falco's `user.loginuid`: -1 when unset. */
export const LOGINUID_SQL = `(CASE WHEN loginuid = 4294967295 THEN -1 ELSE loginuid END)`;

/** Falco's `evt.time`: `HH:MM:SS.nnnnnnnnn` (UTC). */
export const EVT_TIME_SQL = `(strftime(time, ${q('%H:%M:%S')}) || ${q('.')} || lpad(CAST(epoch_ns(time) % 1000000000 AS VARCHAR), 9, ${q('0')}))`;

/**
 * A test that a row is of one of the Falco event types `names`, or null when
 * none of them is recorded. Recorded syscalls test `syscall`; `execve` also
 * takes exec rows without a syscall; `procexit` is an exit row; the fork
 * types are fork rows.
 */
export function eventTypeTestSql(names: Iterable<string>): string | null {
  const all = new Set(names);
  const parts: string[] = [];
  const syscalls = [...all].filter((t) => RECORDED_SYSCALLS.has(t));
  if (syscalls.length > 0) parts.push(`syscall IN (${syscalls.map((t) => q(t)).join(', ')})`);
  if (all.has('execve')) parts.push(`(kind = ${q('exec')} AND syscall IS NULL)`);
  if (all.has(EXIT_TYPE)) parts.push(`kind = ${q('exit')}`);
  if ([...all].some((t) => FORK_TYPES.has(t))) parts.push(`kind = ${q('fork')}`);
  if (parts.length === 0) return null;
  return parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`;
}
