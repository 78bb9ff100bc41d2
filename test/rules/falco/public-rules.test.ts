/**
 * The public Falco rule files, loaded unmodified: exact compile counts, and
 * every compiled rule's condition and message run by DuckDB over an empty
 * rule_events table (so each is valid SQL over the contract's columns).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckSession } from '../../../src/analyze/session.js';
import { compileFalcoFiles, type FalcoCompileResult } from '../../../src/rules/falco/compile.js';
import { summarizeCompile } from '../../../src/rules/falco/report.js';
import { createRuleEvents, type RuleEventRow } from '../../helpers/rule-table.js';
import { PUBLIC_FALCO } from '../../helpers/public-rules.js';

const DIR = `${PUBLIC_FALCO}/`;
const FILES = ['falco_rules.yaml', 'falco-incubating_rules.yaml', 'falco-sandbox_rules.yaml'];
const read = (name: string) => ({ path: name, text: readFileSync(DIR + name, 'utf8') });

let session: DuckSession;
beforeAll(async () => {
  session = await DuckSession.open();
  await createRuleEvents(session, []);
  await session.query('CREATE MACRO hs_cidr_contains(cidr, ip) AS ip IS NOT NULL AND cidr IS NOT NULL');
});
afterAll(() => session.close());

async function runsAll(r: FalcoCompileResult): Promise<string[]> {
  const failures: string[] = [];
  for (const c of r.compiled) {
    if (!('where' in c.match)) throw new Error(`${c.id}: expected a where match`);
    await session.query(`SELECT rid, ${c.message} AS message FROM rule_events WHERE ${c.match.where}`)
      .catch((e: Error) => failures.push(`${c.id}: ${String((e.cause as Error | undefined)?.message ?? e.message)}`));
  }
  return failures;
}

describe('the public Falco rules', () => {
  it.each([
    ['falco_rules.yaml', { total: 25, compiled: 14, unsupported: 11, disabled: 0, error: 0 }],
    ['falco-incubating_rules.yaml', { total: 31, compiled: 20, unsupported: 11, disabled: 0, error: 0 }],
    ['falco-sandbox_rules.yaml', { total: 37, compiled: 18, unsupported: 7, disabled: 12, error: 0 }],
  ])('%s compiles to exact counts, and every compiled rule runs in DuckDB', async (name, counts) => {
    const r = compileFalcoFiles([read(name)]);
    expect(summarizeCompile(r)).toMatchObject(counts);
    expect(await runsAll(r)).toEqual([]);
  });

  it('all three files applied in order compile to the sum, and every compiled rule runs in DuckDB', async () => {
    const r = compileFalcoFiles(FILES.map(read));
    const s = summarizeCompile(r);
    expect(s).toMatchObject({ total: 93, compiled: 52, unsupported: 29, disabled: 12, error: 0 });
    expect(s.missing.slice(0, 3)).toEqual([
      { item: 'field container.image.repository', count: 11 },
      { item: 'field k8s.ns.name', count: 4 },
      { item: 'field proc.vpid', count: 4 },
    ]);
    expect(await runsAll(r)).toEqual([]);
  });

  it.each([
    ['Terminal shell in container', 'compiled', undefined],
    ['Run shell untrusted', 'compiled', undefined],
    ['Read sensitive file untrusted', 'compiled', undefined],
    ['Directory traversal monitored file read', 'unsupported', 'field fd.nameraw is not recorded'],
    ['Redirect STDOUT/STDIN to Network Connection in Container', 'unsupported', 'event type(s) dup, dup2, dup3 not recorded'],
    ['Disallowed SSH Connection Non Standard Port', 'unsupported', 'fields fd.connected, fd.name_changed are not recorded'],
    ['Drop and execute new binary in container', 'unsupported', 'field proc.is_exe_upper_layer is not recorded'],
  ])('falco_rules.yaml: %s is %s', (id, status, reason) => {
    const r = compileFalcoFiles([read('falco_rules.yaml')]);
    if (status === 'compiled') expect(r.compiled.map((c) => c.id)).toContain(id);
    else expect(r.skipped.find((s) => s.id === id)).toMatchObject({ status, reason });
  });

  const exec = (r: RuleEventRow): RuleEventRow => ({ kind: 'exec', syscall: 'execve', proc_argv: [String(r.proc_name)], ...r });
  it.each<[string, string, RuleEventRow[], number[]]>([
    ['Terminal shell in container takes a shell with a tty in a container under the runtime, not on the host or without a tty',
      'Terminal shell in container', [
        exec({ proc_name: 'bash', container_id: 'c0ffee', tty: 'pts/0', parent_name: 'containerd-shim' }),
        exec({ proc_name: 'bash', container_id: null, tty: 'pts/0', parent_name: 'containerd-shim' }),
        exec({ proc_name: 'bash', container_id: 'c0ffee', tty: null, parent_name: 'containerd-shim' }),
        exec({ proc_name: 'bash', container_id: 'c0ffee', tty: 'pts/0', parent_name: null }),
        exec({ proc_name: 'bash', container_id: 'c0ffee', tty: 'pts/0', parent_name: 'python' }),
      ], [1, 4]],
    ['Run shell untrusted takes a shell under a web server, except known command lines',
      'Run shell untrusted', [
        exec({ proc_name: 'sh', proc_cmdline: 'sh -c id', parent_name: 'nginx', anc_names: ['nginx', 'systemd'] }),
        exec({ proc_name: 'sh', proc_cmdline: 'sh -c uname -a 2>&1', parent_name: 'nginx', anc_names: ['nginx', 'systemd'] }),
        exec({ proc_name: 'sh', proc_cmdline: 'sh -c id', parent_name: 'bash', anc_names: ['bash', 'sshd'] }),
      ], [1]],
    ['Read sensitive file untrusted takes a read of /etc/shadow by an untrusted program only',
      'Read sensitive file untrusted', [
        { kind: 'open', syscall: 'openat', proc_name: 'python3', path: '/etc/shadow', path_dir: '/etc', path_name: 'shadow', open_flags: 0, is_open_read: true, ret: 3, fd: 3 },
        { kind: 'open', syscall: 'openat', proc_name: 'sshd', path: '/etc/shadow', path_dir: '/etc', path_name: 'shadow', open_flags: 0, is_open_read: true, ret: 3, fd: 3 },
        { kind: 'open', syscall: 'openat', proc_name: 'python3', path: '/etc/hosts', path_dir: '/etc', path_name: 'hosts', open_flags: 0, is_open_read: true, ret: 3, fd: 3 },
      ], [1]],
    ['PTRACE attached to process takes PTRACE_ATTACH, not PTRACE_TRACEME',
      'PTRACE attached to process', [
        { kind: 'ptrace', syscall: 'ptrace', proc_name: 'gdb', ptrace_request: 'PTRACE_ATTACH', target_pid: 42, ret: 0 },
        { kind: 'ptrace', syscall: 'ptrace', proc_name: 'gdb', ptrace_request: 'PTRACE_TRACEME', ret: 0 },
      ], [1]],
  ])('%s', async (_name, id, rows, want) => {
    const rule = compileFalcoFiles([read('falco_rules.yaml')]).compiled.find((c) => c.id === id);
    if (!rule || !('where' in rule.match)) throw new Error(`${id} did not compile`);
    await createRuleEvents(session, rows);
    const got = await session.query(`SELECT rid FROM rule_events WHERE ${rule.match.where} ORDER BY rid`);
    await createRuleEvents(session, []);
    expect(got.map((r) => Number(r.rid))).toEqual(want);
  });
});
