/**
 * Conditions compiled and evaluated by DuckDB over hand-made rule_events
 * rows: each case lists rows and the rids that must match.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckSession } from '../../../src/analyze/session.js';
import { compileFalcoCondition } from '../../../src/rules/falco/compile.js';
import { createRuleEvents, type RuleEventRow } from '../../helpers/rule-table.js';

/** IPv4-only stand-in for src/rules/ip-sql.ts's hs_cidr_contains. */
const CIDR_MACRO = `CREATE OR REPLACE MACRO hs_cidr_contains(cidr, ip) AS (
  CASE WHEN ip IS NULL OR NOT regexp_full_match(ip, '[0-9]+[.][0-9]+[.][0-9]+[.][0-9]+') THEN false ELSE
    ((CAST(split_part(ip, '.', 1) AS BIGINT) * 16777216 + CAST(split_part(ip, '.', 2) AS BIGINT) * 65536
      + CAST(split_part(ip, '.', 3) AS BIGINT) * 256 + CAST(split_part(ip, '.', 4) AS BIGINT))
      // CAST(pow(2, 32 - CAST(split_part(cidr, '/', 2) AS INTEGER)) AS BIGINT))
    = ((CAST(split_part(split_part(cidr, '/', 1), '.', 1) AS BIGINT) * 16777216 + CAST(split_part(split_part(cidr, '/', 1), '.', 2) AS BIGINT) * 65536
      + CAST(split_part(split_part(cidr, '/', 1), '.', 3) AS BIGINT) * 256 + CAST(split_part(split_part(cidr, '/', 1), '.', 4) AS BIGINT))
      // CAST(pow(2, 32 - CAST(split_part(cidr, '/', 2) AS INTEGER)) AS BIGINT))
  END)`;

let session: DuckSession;
beforeAll(async () => {
  session = await DuckSession.open();
  await session.query(CIDR_MACRO);
});
afterAll(() => session.close());

const LISTS = {
  shell_binaries: ['bash', 'sh'],
  all_shells: ['shell_binaries', 'zsh'],
  http_server_binaries: ['nginx', 'httpd'],
  rfc_1918_addresses: ['"10.0.0.0/8"', '"172.16.0.0/12"', '"192.168.0.0/16"'],
  empty: [],
};
const MACROS = {
  spawned_process: 'evt.type in (execve, execveat)',
  container: 'container.id != host',
  never_true: '(evt.num=0)',
  open_read: "(evt.type in (open,openat,openat2) and evt.is_open_read=true and fd.typechar='f' and fd.num>=0)",
  open_file_failed: "(evt.type in (open,openat,openat2) and fd.typechar='f' and fd.num=-1 and evt.res startswith E)",
};

const exec = (r: RuleEventRow): RuleEventRow => ({ kind: 'exec', syscall: 'execve', ...r });
const open = (path: string, r: RuleEventRow = {}): RuleEventRow => {
  const dir = path.slice(0, path.lastIndexOf('/')) || '/';
  return { kind: 'open', syscall: 'openat', path, path_dir: dir, path_name: path.slice(path.lastIndexOf('/') + 1), open_flags: 0, is_open_read: true, is_open_write: false, ret: 3, fd: 3, ...r };
};
const connect = (r: RuleEventRow): RuleEventRow => ({ kind: 'connect', syscall: 'connect', family: 'inet', l4proto: 'tcp', ret: 0, fd: 5, ...r });

async function matches(where: string, rows: RuleEventRow[]): Promise<number[]> {
  await createRuleEvents(session, rows);
  const got = await session.query(`SELECT rid FROM rule_events WHERE ${where} ORDER BY rid`);
  return got.map((r) => Number(r.rid));
}

describe('compileFalcoCondition evaluated by DuckDB', () => {
  it.each<[string, string, RuleEventRow[], number[]]>([
    [
      'a shell spawned by a web server in a container with a terminal matches; the same on the host, without a terminal, or under sshd does not',
      'spawned_process and container and proc.name in (shell_binaries) and proc.pname in (http_server_binaries) and proc.tty != 0',
      [
        exec({ proc_name: 'bash', parent_name: 'nginx', container_id: 'c0ffee', tty: 'pts/0' }),
        exec({ proc_name: 'bash', parent_name: 'nginx', container_id: null, tty: 'pts/0' }),
        exec({ proc_name: 'bash', parent_name: 'nginx', container_id: 'c0ffee', tty: null }),
        exec({ proc_name: 'bash', parent_name: 'sshd', container_id: 'c0ffee', tty: 'pts/0' }),
        open('/bin/bash', { proc_name: 'bash', parent_name: 'nginx', container_id: 'c0ffee', tty: 'pts/0' }),
      ],
      [1],
    ],
    ['not of a check on a missing field holds, as in Falco', 'not proc.pname in (sshd)',
      [exec({ parent_name: null }), exec({ parent_name: 'sshd' }), exec({ parent_name: 'bash' })], [1, 3]],
    ['!= on a missing field is false', 'proc.pname != sshd',
      [exec({ parent_name: null }), exec({ parent_name: 'sshd' }), exec({ parent_name: 'bash' })], [3]],
    ['exists is false for a missing field', 'proc.pname exists', [exec({ parent_name: null }), exec({ parent_name: '' })], [2]],
    ['strings compare case-sensitively', 'proc.name = Bash', [exec({ proc_name: 'bash' }), exec({ proc_name: 'Bash' })], [2]],
    ['a glob star also matches slashes (fnmatch without flags)', "fd.name glob '/home/*/.ssh/*'",
      [open('/home/u/.ssh/id_rsa'), open('/home/u/x/.ssh/k'), open('/root/.ssh/k')], [1, 2]],
    ['a glob character class and ? match one character', "fd.name glob '/tmp/[a-c]?.log'",
      [open('/tmp/b1.log'), open('/tmp/d1.log'), open('/tmp/b12.log')], [1]],
    ['a negated glob class excludes its characters', "fd.name glob '/tmp/[!a-c]1'", [open('/tmp/b1'), open('/tmp/x1')], [2]],
    ['a backslash makes a glob star literal', 'proc.name glob a\\*b', [exec({ proc_name: 'a*b' }), exec({ proc_name: 'axb' })], [1]],
    ['iglob ignores case', "proc.name iglob 'BA*'", [exec({ proc_name: 'bash' }), exec({ proc_name: 'sh' })], [1]],
    ['pmatch matches a listed directory and what is below it, by whole components', 'fd.name pmatch (/etc, /usr/lib/)',
      [open('/etc'), open('/etc/passwd'), open('/etcx/y'), open('/usr/lib/x.so'), open('/usr/libx')], [1, 2, 4]],
    ['intersects on a string field is membership', 'proc.args intersects ("-V", "-l")',
      [exec({ proc_args: '-V' }), exec({ proc_args: '-l' }), exec({ proc_args: '-x' })], [1, 2]],
    ['in expands named lists, nested ones too', 'proc.name in (all_shells, fish)',
      [exec({ proc_name: 'bash' }), exec({ proc_name: 'zsh' }), exec({ proc_name: 'fish' }), exec({ proc_name: 'python' })], [1, 2, 3]],
    ['a bare list name after in is expanded', 'proc.name in shell_binaries', [exec({ proc_name: 'sh' }), exec({ proc_name: 'zsh' })], [1]],
    ['in an empty list is false for every row', 'proc.name in (empty)', [exec({ proc_name: 'sh' })], []],
    ['contains treats % and _ literally', 'proc.cmdline contains "50%_off"',
      [exec({ proc_cmdline: 'x 50%_off now' }), exec({ proc_cmdline: 'x 50Xyoff' })], [1]],
    ['startswith treats _ literally', 'fd.name startswith /tmp/_x', [open('/tmp/_x1'), open('/tmp/ax1')], [1]],
    ['endswith matches the end only', 'fd.name endswith authorized_keys', [open('/root/.ssh/authorized_keys'), open('/root/.ssh/authorized_keys2')], [1]],
    ['icontains ignores case on both sides', 'proc.args icontains "AWS_SECRET"', [exec({ proc_args: '--aws_secret_access_key=x' }), exec({ proc_args: 'x' })], [1]],
    ['bcontains compares hex bytes as text', 'proc.cmdline bcontains 6e63202d65', [exec({ proc_cmdline: 'nc -e sh' }), exec({ proc_cmdline: 'nc' })], [1]],
    ['evt.type execve also takes exec rows without a syscall name', 'spawned_process',
      [exec({}), { kind: 'exec', syscall: null }, { kind: 'exec_fail', syscall: 'execve', ret: -2 }, open('/x')], [1, 2, 3]],
    ['procexit is an exit row and clone a fork row', 'evt.type in (procexit, clone)',
      [{ kind: 'exit' }, { kind: 'fork' }, exec({})], [1, 2]],
    ['evt.type != open holds for exit rows but never for tcp_state rows', 'evt.type != open',
      [{ kind: 'exit' }, open('/x', { syscall: 'open' }), { kind: 'tcp_state' }, open('/x')], [1, 4]],
    ['evt.type in only unrecorded types matches nothing and its negation everything', 'not evt.type in (dup, dup2)',
      [exec({}), { kind: 'exit' }], [1, 2]],
    ['never_true is false on every row and its negation true', 'spawned_process and not never_true', [exec({}), open('/x')], [1]],
    ['evt.dir=< holds for every row (all rows are exit events)', 'spawned_process and evt.dir=<', [exec({})], [1]],
    ['proc.aname without an index is any ancestor', 'proc.aname = sshd',
      [exec({ anc_names: ['bash', 'sshd', 'systemd'] }), exec({ anc_names: ['bash'] }), exec({ anc_names: null })], [1]],
    ['proc.aname[2] is the grandparent', 'proc.aname[2] = sshd',
      [exec({ anc_names: ['bash', 'sshd'] }), exec({ anc_names: ['sshd', 'bash'] })], [1]],
    ['proc.aname with another operator tests each ancestor', 'proc.aname startswith google_',
      [exec({ anc_names: ['sh', 'google_accounts'] }), exec({ anc_names: ['sh'] })], [1]],
    ['proc.exe is argv[0] and proc.exepath the executable', 'proc.exe = ./x and proc.exepath = /tmp/x',
      [exec({ proc_argv: ['./x', '-v'], proc_exe: '/tmp/x' }), exec({ proc_argv: ['/tmp/x'], proc_exe: '/tmp/x' })], [1]],
    ['proc.cwd ends with a slash like Falco', 'proc.cwd startswith "/dev/shm/"', [exec({ proc_cwd: '/dev/shm' }), exec({ proc_cwd: '/dev' })], [1]],
    ['an unset loginuid is -1', 'user.loginuid = -1', [exec({ loginuid: 4294967295 }), exec({ loginuid: 1000 })], [1]],
    ['user.name and user.uid are the effective user', 'user.name = root and user.uid = 0',
      [exec({ user: 'alice', uid: 1000, euser: 'root', euid: 0 }), exec({ user: 'root', uid: 0, euser: 'alice', euid: 1000 })], [1]],
    ['proc.duration is nanoseconds since the process started', 'proc.duration <= 5000000000',
      [exec({ time: '2025-01-01 00:00:05', proc_start: '2025-01-01 00:00:01' }), exec({ time: '2025-01-01 00:00:15', proc_start: '2025-01-01 00:00:01' })], [1]],
    ['container.id is host outside containers', 'container.id = host', [exec({ container_id: null }), exec({ container_id: 'c0ffee' })], [1]],
    ['val() compares two fields of the row', 'proc.pname = val(proc.name)', [exec({ proc_name: 'bash', parent_name: 'bash' }), exec({ proc_name: 'bash', parent_name: 'sh' })], [1]],
    ['tolower() lower-cases the field', 'tolower(proc.name) = bash', [exec({ proc_name: 'BASH' }), exec({ proc_name: 'sh' })], [1]],
    ['open_read takes successful plain-file read opens only', 'open_read',
      [open('/etc/shadow'), open('/etc/shadow', { ret: -2, error: 'ENOENT', fd: null }), open('/etc', { open_flags: 65536 }), open('/x', { is_open_read: false, is_open_write: true })], [1]],
    ['open_file_failed takes failed opens (fd -1, errno result)', 'open_file_failed',
      [open('/etc/shadow'), open('/root/.ssh/id_rsa', { ret: -2, error: 'ENOENT', fd: null })], [2]],
    ['evt.res is SUCCESS for a successful exec with no ret', 'spawned_process and evt.res = SUCCESS', [exec({ ret: null }), { kind: 'exec_fail', syscall: 'execve', ret: -13, error: 'EACCES' }], [1]],
    ['evt.arg.flags renders open flags by name', 'evt.type = openat and evt.arg.flags contains O_CREAT and evt.arg.flags contains O_TRUNC',
      [open('/x', { open_flags: 0o1101 }), open('/y', { open_flags: 0o101 }), open('/z', { open_flags: 0 })], [1]],
    ['evt.arg.flags shows O_RDONLY for a read-only open', 'evt.type = openat and evt.arg.flags = O_RDONLY', [open('/x', { open_flags: 0 }), open('/x', { open_flags: 2 })], [1]],
    ['evt.arg.mode renders chmod mode bits by name', 'evt.type = fchmodat and evt.arg.mode contains S_ISUID',
      [{ kind: 'chmod', syscall: 'fchmodat', path: '/tmp/x', mode: 0o4755 }, { kind: 'chmod', syscall: 'fchmodat', path: '/tmp/x', mode: 0o755 }], [1]],
    ['evt.arg.request renders ptrace requests by name', 'evt.type = ptrace and evt.arg.request contains PTRACE_ATTACH',
      [{ kind: 'ptrace', syscall: 'ptrace', ptrace_request: 'PTRACE_ATTACH' }, { kind: 'ptrace', syscall: 'ptrace', ptrace_request: 'PTRACE_TRACEME' }], [1]],
    ['evt.arg.target of a symlink is the link text and linkpath the new link', 'evt.type = symlinkat and evt.arg.target = /etc/shadow and evt.arg.linkpath = /tmp/l',
      [{ kind: 'symlink', syscall: 'symlinkat', path: '/tmp/l', path2: '/etc/shadow' }, { kind: 'symlink', syscall: 'symlinkat', path: '/etc/shadow', path2: '/tmp/l' }], [1]],
    ['evt.arg.newpath of a rename is its destination', 'evt.type in (rename, renameat2) and evt.arg.newpath startswith /usr/bin/',
      [{ kind: 'rename', syscall: 'renameat2', path: '/tmp/x', path2: '/usr/bin/x' }, { kind: 'rename', syscall: 'renameat2', path: '/usr/bin/x', path2: '/tmp/x' }], [1]],
    ['evt.arg[N] is the parameter at position N of the event', 'evt.type = renameat2 and evt.arg[4] = /usr/bin/x',
      [{ kind: 'rename', syscall: 'renameat2', path: '/tmp/x', path2: '/usr/bin/x' }, { kind: 'rename', syscall: 'renameat2', path: '/usr/bin/x', path2: '/tmp/x' }], [1]],
    ['evt.rawarg gives raw numbers', 'evt.type = setuid and evt.rawarg.uid = 0 and evt.rawres = 0',
      [{ kind: 'setuid', syscall: 'setuid', id_effective: 0, ret: 0 }, { kind: 'setuid', syscall: 'setuid', id_effective: 1000, ret: 0 }], [1]],
    ['evt.arg.uid of a setuid that took effect is the new user name', 'evt.type = setuid and evt.arg.uid = nobody',
      [{ kind: 'setuid', syscall: 'setuid', id_effective: 65534, euid: 65534, euser: 'nobody', ret: 0 }, { kind: 'setuid', syscall: 'setuid', id_effective: 65534, euid: 0, euser: 'root', ret: -1 }], [1]],
    ['a parameter no event of the rule has is absent', 'spawned_process and not evt.arg.newpath exists', [exec({ path2: '/x' })], [1]],
    ['fd.sip and fd.sport are the remote end of a connect', 'fd.sip = "169.254.169.254" and fd.sport = "80"',
      [connect({ saddr: '10.0.0.5', sport: 40000, daddr: '169.254.169.254', dport: 80 }), connect({ saddr: '169.254.169.254', sport: 80, daddr: '10.0.0.5', dport: 40000 })], [1]],
    ['fd.cip is the remote end of an accept', 'fd.cip = 203.0.113.9 and fd.sport = 22 and fd.lport = 22',
      [connect({ kind: 'accept', syscall: 'accept4', saddr: '10.0.0.5', sport: 22, daddr: '203.0.113.9', dport: 5555 })], [1]],
    ['fd.name of an IP socket is client->server', 'fd.name = "10.0.0.5:40000->169.254.169.254:80" and fd.typechar = 4 and fd.type = ipv4',
      [connect({ saddr: '10.0.0.5', sport: 40000, daddr: '169.254.169.254', dport: 80 })], [1]],
    ['fd.ip = X holds when either end is X', 'fd.ip = "10.0.0.5"',
      [connect({ saddr: '10.0.0.5', sport: 1, daddr: '1.1.1.1', dport: 53 }), connect({ saddr: '1.1.1.1', sport: 1, daddr: '10.0.0.5', dport: 53 }), connect({ saddr: '1.1.1.1', sport: 1, daddr: '8.8.8.8', dport: 53 })], [1, 2]],
    ['fd.net != N holds when neither end is in N', 'fd.net != "127.0.0.0/8"',
      [connect({ saddr: '10.0.0.5', sport: 1, daddr: '169.254.169.254', dport: 80 }), connect({ saddr: '127.0.0.1', sport: 1, daddr: '127.0.0.1', dport: 80 }), connect({ saddr: '10.0.0.5', sport: 1, daddr: '127.0.0.1', dport: 80 })], [1]],
    ['fd.snet in a list of networks tests the server address', 'fd.snet in (rfc_1918_addresses)',
      [connect({ saddr: '8.8.8.8', sport: 1, daddr: '10.1.2.3', dport: 80 }), connect({ saddr: '10.1.2.3', sport: 1, daddr: '8.8.8.8', dport: 80 })], [1]],
    ['proc.tty is the device number Falco reports, from the terminal name', 'proc.tty = 34816 or proc.tty = 1025 or proc.tty = 1089 or proc.tty = 1083395',
      [exec({ tty: 'pts/0' }), exec({ tty: 'pts0' }), exec({ tty: 'tty1' }), exec({ tty: 'ttyS1' }), exec({ tty: 'pts/259' }), exec({ tty: 'pts/1' })], [1, 2, 3, 4, 5]],
    ['proc.tty is 0 without a terminal, and a terminal of unknown number is not 0', 'proc.tty = 0',
      [exec({ tty: null }), exec({ tty: 'hvc0x' }), exec({ tty: 'pts/0' })], [1]],
    ['!= on an address or network field is false when there is no address', 'fd.snet != "10.0.0.0/8" or fd.sip != 1.2.3.4 or fd.ip != 1.2.3.4',
      [open('/x'), connect({ saddr: '10.0.0.5', sport: 1, daddr: '8.8.8.8', dport: 53 })], [2]],
    ['fd fields of a socket are absent on file rows', 'not fd.sip exists and fd.typechar = f', [open('/x')], [1]],
  ])('%s', async (_name, condition, rows, want) => {
    const r = compileFalcoCondition(condition, { lists: LISTS, macros: MACROS });
    if (r.status !== 'compiled') throw new Error(`not compiled: ${r.reason}`);
    expect(await matches(r.where, rows)).toEqual(want);
  });

  it.each<[string, string, 'unsupported' | 'error', string]>([
    ['an unknown macro is an error at its position', 'spawned_process and no_such_macro', 'error', "<condition>:1:21: undefined macro 'no_such_macro'"],
    ['a macro that uses itself is an error', 'loop', 'error', "macro 'loop' uses itself"],
    ['a field the recording lacks is unsupported, named exactly', 'spawned_process and k8s.ns.name = default', 'unsupported', 'field k8s.ns.name is not recorded'],
    ['several missing fields are all named', 'container.image.repository = x or thread.cap_effective contains CAP_SYS_ADMIN', 'unsupported', 'fields container.image.repository, thread.cap_effective are not recorded'],
    ['only unrecorded event types is unsupported', 'evt.type in (dup, dup2) and proc.name = sh', 'unsupported', 'event type(s) dup, dup2 not recorded'],
    ['a word for a numeric field is an error', 'fd.sport = http', 'error', '<condition>:1:12: "http" is not a number (field fd.sport)'],
    ['a string operator on a numeric field is an error', 'proc.tty contains 1', 'error', 'operator contains is not supported for the number field proc.tty'],
    ['an argument on a field that takes none is an error', 'proc.name[1] = x', 'error', 'field proc.name takes no argument'],
    ['a bad address for an IP field is an error', 'fd.sip = 300.1.1.1', 'error', '"300.1.1.1" is not an IP address'],
    ['evt.num compared with an arbitrary number is unsupported', 'evt.num = 42', 'unsupported', 'field evt.num is not recorded'],
    ['a parameter of a recorded type that is not recorded is unsupported', 'evt.type = execve and evt.arg.env contains X', 'unsupported', 'field evt.arg.env of execve is not recorded'],
    ['a parameter some matching types do not record is unsupported, naming them', 'evt.arg.flags contains O_CREAT', 'unsupported', 'field evt.arg.flags of'],
    ['a syntax error is an error at the character', 'proc.name in (a', 'error', "<condition>:1:16: expected ',' or ')'"],
  ])('%s', (_name, condition, status, reason) => {
    const r = compileFalcoCondition(condition, { macros: { ...MACROS, loop: 'spawned_process and loop' } });
    expect(r.status).toBe(status);
    expect(r.status === 'compiled' ? '' : r.reason).toContain(reason);
  });

  it('compiles a rule using recorded and unrecorded event types, with a note naming the missing ones', () => {
    const r = compileFalcoCondition('evt.type in (connect, recvfrom) and proc.name = curl');
    expect(r).toMatchObject({ status: 'compiled', notes: ['event type(s) recvfrom not recorded'] });
  });

  it('ignores a missing field under an unrecorded event type: that branch never runs', () => {
    const r = compileFalcoCondition('evt.type = accept or (evt.type = recvfrom and fd.connected = false)');
    expect(r.status).toBe('compiled');
  });

  it('notes the types recorded only in part', () => {
    const r = compileFalcoCondition('evt.type in (sendto, bpf)');
    expect(r.status === 'compiled' && r.notes).toEqual([
      'sendto, sendmsg and sendmmsg are recorded only for DNS queries (UDP to port 53)',
      'bpf is recorded only for BPF_PROG_LOAD',
    ]);
  });
});
