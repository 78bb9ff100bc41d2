/**
 * Falco fields -> SQL over one `rule_events` row (formats/rule-events.md).
 * Each field resolves to an expression of a Falco type (string, number,
 * bool, ip, net: a CIDR test over an IP expression), or to a special form:
 * any element of a list column (`proc.aname` without index: any ancestor),
 * either of two expressions (`fd.ip`: client or server), a constant
 * (`evt.dir` is always `<`: every row is an exit event), a positive number
 * of unknown value (`evt.num`), the event type, or a field the recording
 * does not hold. Choices that differ from a plain column:
 * - `user.uid`/`user.name` are the effective user (Falco's driver reports euid);
 * - `proc.exe` is argv[0], `proc.exepath` the executable path; `proc.pname`,
 *   `proc.pexe`, `proc.pcmdline` are the original parent's (the processes view);
 * - `proc.cwd` ends with `/` like Falco's; `proc.tty` is the device number
 *   Falco reports, computed from the recorded terminal name (0 when none);
 * - IP fields compare as addresses through `hs_cidr_contains` (so `1.2.3.4`
 *   equals the recorded IPv4-mapped `::ffff:1.2.3.4`);
 * - `fd.*` of files exist for opens and for fchmod/fchown/ftruncate (calls that
 *   name a path have no fd in Falco either); `fd.name` of an IP socket is
 *   `cip:cport->sip:sport` (bound/listening: `ip:port`), of a unix socket its path;
 *   the server end is local for accept/bind/listen rows, remote otherwise;
 * - `container.id` is `host` outside containers.
 */
import { sqlString } from '../../analyze/sql.js';
import type { FieldRef } from './ast.js';
import { resolveArg } from './event-args.js';
import {
  CLIENT_IP_SQL, CLIENT_PORT_SQL, CWD_SQL, EVT_TIME_SQL, FDNAME_SQL, FILE_FDNAME_SQL, FDNUM_SQL, FDTYPE_SQL, FILE_FD_ROW_SQL, INET_ROW_SQL,
  LOGINUID_SQL, NET_ROW_SQL, RAWRES_SQL, RES_SQL, SERVER_IP_SQL, SERVER_PORT_SQL, TTY_NUMBER_SQL, TTY_TEXT_SQL, TYPECHAR_SQL,
} from './render-sql.js';

const q = sqlString;

/** Falco value types as far as comparisons care. */
export type FieldType = 'string' | 'number' | 'bool' | 'ip' | 'net';

/** What a field is over a row. */
export type FieldResolution =
  | { kind: 'scalar'; type: FieldType; sql: string; notes?: string[]; render?: string }
  | { kind: 'any'; type: FieldType; list: string }
  | { kind: 'either'; type: FieldType; sqls: string[] }
  | { kind: 'const'; type: 'string'; value: string }
  | { kind: 'positive' }
  | { kind: 'evttype' }
  | { kind: 'missing'; what: string }
  | { kind: 'invalid'; reason: string };

/**
 * What field resolution may depend on: the recorded event types the rule can
 * match; `partial` (outputs) renders event parameters for the types that
 * have them rather than calling the field missing.
 */
export interface FieldContext { eventTypes: ReadonlySet<string>; partial?: boolean }

const s = (sql: string): FieldResolution => ({ kind: 'scalar', type: 'string', sql });
const n = (sql: string): FieldResolution => ({ kind: 'scalar', type: 'number', sql });
const b = (sql: string): FieldResolution => ({ kind: 'scalar', type: 'bool', sql });
const ip = (sql: string): FieldResolution => ({ kind: 'scalar', type: 'ip', sql });
const net = (sql: string): FieldResolution => ({ kind: 'scalar', type: 'net', sql });

const FILE = (sql: string): string => `(CASE WHEN ${FILE_FD_ROW_SQL} THEN ${sql} END)`;
const INET = (sql: string): string => `(CASE WHEN ${INET_ROW_SQL} THEN ${sql} END)`;
const NET = (sql: string): string => `(CASE WHEN ${NET_ROW_SQL} THEN ${sql} END)`;

/** Fields without an argument. */
const SIMPLE: Record<string, FieldResolution> = {
  'evt.type': { kind: 'evttype' },
  'evt.dir': { kind: 'const', type: 'string', value: '<' },
  'evt.source': { kind: 'const', type: 'string', value: 'syscall' },
  'evt.num': { kind: 'positive' },
  'evt.rawres': n(RAWRES_SQL),
  'evt.res': s(RES_SQL),
  'evt.failed': b(`(${RAWRES_SQL} < 0)`),
  'evt.is_open_read': b('is_open_read'),
  'evt.is_open_write': b('is_open_write'),
  'evt.hostname': s('host'),
  'evt.time': s(EVT_TIME_SQL),
  'evt.rawtime': n('epoch_ns(time)'),

  'proc.name': s('proc_name'),
  'proc.exe': s('proc_argv[1]'),
  'proc.exepath': s('proc_exe'),
  // The recorder names a memfd image `/memfd:<name>` (its exe_memfd flag), so the prefix is exact.
  'proc.is_exe_from_memfd': b("starts_with(proc_exe, '/memfd:')"),
  'proc.cmdline': s('proc_cmdline'),
  'proc.exeline': s('proc_commandline'),
  'proc.args': s('proc_args'),
  'proc.cmdnargs': n('(len(proc_argv) - 1)'),
  'proc.pid': n('pid'),
  'proc.ppid': n('ppid'),
  'proc.pname': s('parent_name'),
  'proc.pcmdline': s('parent_cmdline'),
  'proc.pexe': s('parent_argv[1]'),
  'proc.pexepath': s('parent_exe'),
  'proc.cwd': s(CWD_SQL),
  'proc.tty': { kind: 'scalar', type: 'number', sql: TTY_NUMBER_SQL, render: TTY_TEXT_SQL },
  'proc.sid': n('sid'),
  'proc.is_sid_leader': b('(pid = sid)'),
  'proc.duration': n('(epoch_ns(time) - epoch_ns(proc_start))'),
  'proc.aname': { kind: 'any', type: 'string', list: 'anc_names' },
  'proc.apid': { kind: 'any', type: 'number', list: 'anc_pids' },
  'proc.aexepath': { kind: 'any', type: 'string', list: 'anc_exes' },
  'thread.tid': n('tid'),

  'user.uid': n('euid'),
  'user.name': s('euser'),
  'user.loginuid': n(LOGINUID_SQL),

  'container.id': s(`coalesce(container_id, ${q('host')})`),

  'fd.num': n(FDNUM_SQL),
  'fd.name': s(FDNAME_SQL),
  'fd.directory': s(FILE('path_dir')),
  'fd.filename': s(FILE('path_name')),
  'fd.typechar': s(TYPECHAR_SQL),
  'fd.type': s(FDTYPE_SQL),
  'fd.l4proto': s(INET('l4proto')),
  'fd.sockfamily': s(NET(`(CASE family WHEN ${q('inet')} THEN ${q('ip')} WHEN ${q('inet6')} THEN ${q('ip')} WHEN ${q('unix')} THEN ${q('unix')} END)`)),
  'fd.is_server': b(NET(`kind IN (${q('accept')}, ${q('bind')}, ${q('listen')})`)),
  'fd.sip': ip(SERVER_IP_SQL),
  'fd.sport': n(SERVER_PORT_SQL),
  'fd.cip': ip(CLIENT_IP_SQL),
  'fd.cport': n(CLIENT_PORT_SQL),
  'fd.lip': ip(INET('saddr')),
  'fd.lport': n(INET('sport')),
  'fd.rip': ip(INET(`(CASE WHEN kind NOT IN (${q('bind')}, ${q('listen')}) THEN daddr END)`)),
  'fd.rport': n(INET(`(CASE WHEN kind NOT IN (${q('bind')}, ${q('listen')}) THEN dport END)`)),
  'fd.ip': { kind: 'either', type: 'ip', sqls: [CLIENT_IP_SQL, SERVER_IP_SQL] },
  'fd.port': { kind: 'either', type: 'number', sqls: [CLIENT_PORT_SQL, SERVER_PORT_SQL] },
  'fd.net': { kind: 'either', type: 'net', sqls: [CLIENT_IP_SQL, SERVER_IP_SQL] },
  'fd.snet': net(SERVER_IP_SQL),
  'fd.cnet': net(CLIENT_IP_SQL),
  'fd.lnet': net(INET('saddr')),
  'fd.rnet': net(INET(`(CASE WHEN kind NOT IN (${q('bind')}, ${q('listen')}) THEN daddr END)`)),
};

/** Event types whose fd is a file: there `fd.name` is just the path. */
const FILE_FD_TYPES: ReadonlySet<string> = new Set(['open', 'openat', 'openat2', 'creat', 'fchmod', 'fchown', 'ftruncate']);

/** Fields whose argument is an ancestor level: level 0 is the process itself. */
const LEVELED: Record<string, (level: number) => FieldResolution | undefined> = {
  'proc.aname': (l) => (l === 0 ? s('proc_name') : s(`anc_names[${l}]`)),
  'proc.apid': (l) => (l === 0 ? n('pid') : n(`anc_pids[${l}]`)),
  'proc.aexepath': (l) => (l === 0 ? s('proc_exe') : s(`anc_exes[${l}]`)),
  'proc.aexe': (l) => (l === 0 ? s('proc_argv[1]') : l === 1 ? s('parent_argv[1]') : undefined),
  'proc.acmdline': (l) => (l === 0 ? s('proc_cmdline') : l === 1 ? s('parent_cmdline') : undefined),
};

/** Resolve a field reference for a rule whose recorded event types are `ctx.eventTypes`. */
export function resolveField(f: FieldRef, ctx: FieldContext): FieldResolution {
  const text = f.arg === undefined ? f.name : `${f.name}[${f.arg}]`;
  if (f.name === 'evt.arg' && f.arg !== undefined) {
    if (!/^\d+$/.test(f.arg)) return resolveArgField({ name: f.arg }, ctx, false);
    return resolveArgField({ index: Number(f.arg) }, ctx, false);
  }
  const argMatch = /^evt\.(arg|rawarg)\.([A-Za-z0-9_]+)$/.exec(f.name);
  if (argMatch !== null) {
    if (f.arg !== undefined) return { kind: 'invalid', reason: `field ${f.name} takes no argument` };
    return resolveArgField({ name: argMatch[2]! }, ctx, argMatch[1] === 'rawarg');
  }
  const leveled = LEVELED[f.name];
  if (leveled !== undefined && f.arg !== undefined) {
    if (!/^\d+$/.test(f.arg)) return { kind: 'invalid', reason: `field ${f.name} needs a numeric argument, got ${JSON.stringify(f.arg)}` };
    return leveled(Number(f.arg)) ?? { kind: 'missing', what: text };
  }
  const simple = SIMPLE[f.name];
  if (simple !== undefined) {
    if (f.arg !== undefined) return { kind: 'invalid', reason: `field ${f.name} takes no argument` };
    if (f.name === 'fd.name' && [...ctx.eventTypes].every((t) => FILE_FD_TYPES.has(t))) return s(FILE_FDNAME_SQL);
    return simple;
  }
  return { kind: 'missing', what: text };
}

function resolveArgField(spec: { name: string } | { index: number }, ctx: FieldContext, raw: boolean): FieldResolution {
  const r = resolveArg(spec, ctx.eventTypes, raw, ctx.partial === true);
  if (r.kind === 'missing') return { kind: 'missing', what: r.what };
  const type: FieldType = raw ? 'number' : 'string';
  if (r.kind === 'absent') return { kind: 'scalar', type, sql: `NULL::${raw ? 'BIGINT' : 'VARCHAR'}` };
  return { kind: 'scalar', type, sql: r.sql, notes: r.notes };
}
