/**
 * compileIocs run in DuckDB over hand-made `rule_events` rows: every
 * indicator type matches what formats/ioc.md says and nothing else, one row
 * per indicator with its first sighting, last sighting, count and processes,
 * lists side by side, and the hs_ioc_* helpers for native rules.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DuckSession, type SqlRow } from '../../../src/analyze/session.js';
import { compileIocs, createIocTableSql } from '../../../src/rules/ioc/compile.js';
import type { Indicator } from '../../../src/rules/ioc/indicator.js';
import { parseIocFile } from '../../../src/rules/ioc/parse.js';
import { IP_MACROS_SQL } from '../../../src/rules/ip-sql.js';
import type { CompiledRule } from '../../../src/rules/types.js';
import { type RuleEventRow, createRuleEvents } from '../../helpers/rule-table.js';

let s: DuckSession;
beforeAll(async () => {
  s = await DuckSession.open();
  for (const stmt of IP_MACROS_SQL) await s.query(stmt);
});
afterAll(() => s.close());
beforeEach(async () => {
  await s.query('DELETE FROM ioc_indicators');
});

const T = (sec: number) => `2026-11-21 10:00:${String(sec).padStart(2, '0')}`;
const SHA = 'c0ffee'.padEnd(64, '0');
const curl = { proc_key: 'b:1:100', pid: 100, proc_exe: '/usr/bin/curl' } as const;
const dropper = { proc_key: 'b:2:200', pid: 200, proc_exe: '/tmp/.x/dropper', proc_sha256: SHA.toUpperCase() } as const;

function queryOf(rule: CompiledRule): string {
  if (!('query' in rule.match)) throw new Error('expected a query rule');
  return rule.match.query;
}

async function run(rule: CompiledRule): Promise<SqlRow[]> {
  for (const stmt of rule.setup ?? []) await s.query(stmt);
  return s.query(queryOf(rule));
}

function ind(type: Indicator['type'], value: string, line = 1, label: string = type): Indicator {
  return { type, value, label, file: 'lists/test.txt', line };
}

/** Runs one indicator over `rows`; the rids of its first sighting and its sightings count (or null when unseen). */
async function sightings(indicator: Indicator, rows: RuleEventRow[]): Promise<{ rid: bigint; sightings: bigint } | null> {
  await createRuleEvents(s, rows);
  const out = await run(compileIocs([indicator], 'one'));
  expect(out.length).toBeLessThanOrEqual(1);
  if (out.length === 0) return null;
  const extra = out[0]!.extra as { sightings: bigint };
  return { rid: out[0]!.rid as bigint, sightings: extra.sightings };
}

describe('each indicator type', () => {
  it.each([
    ['a sha256 matches proc_sha256 in any case, counting every event of the process', ind('sha256', SHA), [
      { rid: 1, time: T(1), kind: 'exec', ...dropper, path: dropper.proc_exe },
      { rid: 2, time: T(2), kind: 'open', ...dropper, path: '/etc/passwd' },
      { rid: 3, time: T(3), kind: 'open', ...curl, path: '/etc/hosts', proc_sha256: 'ab'.repeat(32) },
    ], { rid: 1n, sightings: 2n }],
    ['an IPv4 address matches daddr, also in its IPv4-mapped form', ind('ip', '203.0.113.7'), [
      { rid: 1, time: T(1), kind: 'connect', ...curl, daddr: '203.0.113.8' },
      { rid: 2, time: T(2), kind: 'connect', ...curl, daddr: '::ffff:203.0.113.7' },
      { rid: 3, time: T(3), kind: 'connect', ...curl, daddr: '203.0.113.7' },
    ], { rid: 2n, sightings: 2n }],
    ['an IP address never matches the local saddr', ind('ip', '10.0.0.5'), [
      { rid: 1, time: T(1), kind: 'connect', ...curl, saddr: '10.0.0.5', daddr: '203.0.113.1' },
    ], null],
    ['an IPv6 address matches daddr written in any valid form', ind('ip', '2001:DB8::7'), [
      { rid: 1, time: T(1), kind: 'connect', ...curl, daddr: '2001:db8:0:0:0:0:0:7' },
      { rid: 2, time: T(2), kind: 'connect', ...curl, daddr: '2001:db8::8' },
    ], { rid: 1n, sightings: 1n }],
    ['an IPv4 network matches the addresses in it and not its neighbours', ind('cidr', '198.51.100.0/24'), [
      { rid: 1, time: T(1), kind: 'connect', ...curl, daddr: '198.51.99.255' },
      { rid: 2, time: T(2), kind: 'connect', ...curl, daddr: '198.51.100.0' },
      { rid: 3, time: T(3), kind: 'accept', ...curl, daddr: '198.51.100.255' },
      { rid: 4, time: T(4), kind: 'connect', ...curl, daddr: '198.51.101.0' },
    ], { rid: 2n, sightings: 2n }],
    ['an IPv6 network matches the addresses in it', ind('cidr', '2001:db8:bad::/48'), [
      { rid: 1, time: T(1), kind: 'connect', ...curl, daddr: '2001:db8:bad:1::1' },
      { rid: 2, time: T(2), kind: 'connect', ...curl, daddr: '2001:db8:bae::1' },
    ], { rid: 1n, sightings: 1n }],
    ['a domain matches itself and subdomains, in any case and with a trailing dot', ind('domain', 'evil.example.com'), [
      { rid: 1, time: T(1), kind: 'dns', ...curl, dns_query: 'notevil.example.com' },
      { rid: 2, time: T(2), kind: 'dns', ...curl, dns_query: 'Evil.Example.COM.' },
      { rid: 3, time: T(3), kind: 'dns', ...curl, dns_query: 'a.b.evil.example.com' },
      { rid: 4, time: T(4), kind: 'dns', ...curl, dns_query: 'evil.example.com.attacker.test' },
      { rid: 5, time: T(5), kind: 'dns', ...curl, dns_query: 'example.com' },
    ], { rid: 2n, sightings: 2n }],
    ['a path matches path, path2 and proc_exe, exactly', ind('path', '/tmp/.x/dropper'), [
      { rid: 1, time: T(1), kind: 'open', ...curl, path: '/tmp/.x/dropper', path_name: 'dropper' },
      { rid: 2, time: T(2), kind: 'rename', ...curl, path: '/tmp/a', path2: '/tmp/.x/dropper', path_name: 'a' },
      { rid: 3, time: T(3), kind: 'exec', ...dropper, path: '/tmp/.x/dropper', path_name: 'dropper' },
      { rid: 4, time: T(4), kind: 'connect', ...dropper, daddr: '192.0.2.1' },
      { rid: 5, time: T(5), kind: 'open', ...curl, path: '/tmp/.x/dropper2', path_name: 'dropper2' },
      { rid: 6, time: T(6), kind: 'open', ...curl, path: '/TMP/.x/dropper', path_name: 'dropper' },
    ], { rid: 1n, sightings: 4n }],
    ['a file name matches path_name and the basename of proc_exe', ind('filename', 'dropper'), [
      { rid: 1, time: T(1), kind: 'exec', ...dropper, path: dropper.proc_exe, path_name: 'dropper' },
      { rid: 2, time: T(2), kind: 'open', ...dropper, path: '/etc/passwd', path_name: 'passwd' },
      { rid: 3, time: T(3), kind: 'unlink', ...curl, path: '/var/tmp/dropper', path_name: 'dropper' },
      { rid: 4, time: T(4), kind: 'open', ...curl, path: '/var/tmp/dropper.bak', path_name: 'dropper.bak' },
    ], { rid: 1n, sightings: 3n }],
  ] as const)('%s', async (_name, indicator, rows, want) => {
    expect(await sightings(indicator, rows as unknown as RuleEventRow[])).toEqual(want);
  });
});

describe('a finding', () => {
  const rows: RuleEventRow[] = [
    { rid: 10, time: T(5), kind: 'connect', ...curl, daddr: '203.0.113.7', dport: 443 },
    { rid: 11, time: T(1), kind: 'connect', proc_key: 'b:3:300', pid: 300, proc_exe: '/usr/bin/wget', daddr: '203.0.113.7' },
    { rid: 12, time: T(9), kind: 'connect', ...curl, daddr: '203.0.113.7' },
    { rid: 13, time: T(7), kind: 'accept', ...dropper, daddr: '203.0.113.7' },
    // The same connection's TCP state changes are not sightings of their own.
    { rid: 14, time: T(0), kind: 'tcp_state', ...dropper, daddr: '203.0.113.7' },
  ];

  it('is one row per indicator, at the first sighting, with last sighting, count and processes in order', async () => {
    await createRuleEvents(s, rows);
    const [row, ...more] = await run(compileIocs([{ ...ind('ip', '203.0.113.7', 7, 'ip-dst'), comment: 'C2', ref: 'uuid-7' }], 'list.misp.json'));
    expect(more).toEqual([]);
    expect(row).toMatchObject({
      rid: 11n,
      rule_id: '203.0.113.7',
      rule: 'IOC ip-dst 203.0.113.7 (test.txt)',
      message: 'IOC ip-dst 203.0.113.7 seen in 4 event(s) of 3 process(es); first in daddr = 203.0.113.7 by /usr/bin/wget (pid 300)',
    });
    expect(row!.extra).toEqual({
      indicator_type: 'ip-dst',
      indicator_kind: 'ip',
      indicator_source: 'lists/test.txt:7',
      indicator_ref: 'uuid-7',
      indicator_comment: 'C2',
      first_seen: 1795255201000000000n,
      last_seen: 1795255209000000000n,
      sightings: 4n,
      matched_field: 'daddr',
      matched_value: '203.0.113.7',
      process_count: 3n,
      processes: [
        { first_seen: 1795255201000000000n, proc_key: 'b:3:300', exe: '/usr/bin/wget', pid: 300 },
        { first_seen: 1795255205000000000n, proc_key: 'b:1:100', exe: '/usr/bin/curl', pid: 100 },
        { first_seen: 1795255207000000000n, proc_key: 'b:2:200', exe: '/tmp/.x/dropper', pid: 200 },
      ],
    });
  });

  it('lists at most 20 processes but counts them all', async () => {
    await createRuleEvents(s, Array.from({ length: 25 }, (_, i) => ({
      rid: i + 1, time: T(i), kind: 'dns', proc_key: `b:9:${i}`, pid: 1000 + i, proc_exe: '/usr/bin/dig', dns_query: 'x.evil.test',
    })));
    const [row] = await run(compileIocs([ind('domain', 'evil.test')], 'l'));
    const extra = row!.extra as { processes: { pid: number }[]; process_count: bigint; sightings: bigint };
    expect(extra.processes.map((p) => p.pid)).toEqual(Array.from({ length: 20 }, (_, i) => 1000 + i));
    expect(extra.process_count).toBe(25n);
    expect(extra.sightings).toBe(25n);
  });

  it('reports only indicators that were seen, ordered by first sighting', async () => {
    await createRuleEvents(s, rows);
    const out = await run(compileIocs([ind('domain', 'never.test'), ind('path', '/tmp/.x/dropper'), ind('ip', '203.0.113.7')], 'l'));
    // The dropper's exe is seen on its first row of any kind (rid 14, at T(0)).
    expect(out.map((r) => [r.rule_id, r.rid])).toEqual([['/tmp/.x/dropper', 14n], ['203.0.113.7', 11n]]);
  });
});

describe('the indicator table', () => {
  it('keeps each list in its own rows, so lists load side by side and reload in place', async () => {
    await createRuleEvents(s, [{ rid: 1, time: T(1), kind: 'connect', ...curl, daddr: '192.0.2.1' }]);
    const a = compileIocs([ind('ip', '192.0.2.1')], 'a.txt');
    const b = compileIocs([ind('ip', '192.0.2.1'), ind('domain', 'b.test')], 'b.txt');
    for (const stmt of [...a.setup!, ...b.setup!, ...a.setup!]) await s.query(stmt);
    expect(await s.query('SELECT list, count(*) AS n FROM ioc_indicators GROUP BY list ORDER BY list')).toEqual([
      { list: 'a.txt', n: 1n }, { list: 'b.txt', n: 2n },
    ]);
    expect((await s.query(queryOf(a))).length).toBe(1);
    expect((await s.query(queryOf(b))).length).toBe(1);
  });

  it('holds one row per type and value, with ranges for IPs and networks', async () => {
    const rule = compileIocs([ind('cidr', '10.1.2.3/8'), ind('ip', '::1'), ind('ip', '::1', 9), ind('domain', 'A.Test.')], 'l');
    expect(rule.notes).toEqual(['1 duplicate indicator(s) ignored (same type and value as an earlier one)']);
    for (const stmt of rule.setup!) await s.query(stmt);
    expect(await s.query('SELECT id, type, value, lo, hi, prefix, line FROM ioc_indicators ORDER BY id')).toEqual([
      { id: 1, type: 'cidr', value: '10.1.2.3/8', lo: 0xffff0a000000n, hi: 0xffff0affffffn, prefix: 104, line: 1 },
      { id: 2, type: 'ip', value: '::1', lo: 1n, hi: 1n, prefix: 128, line: 1 },
      { id: 3, type: 'domain', value: 'a.test', lo: null, hi: null, prefix: null, line: 1 },
    ]);
  });

  it('loads many indicators in chunks of about a megabyte, each one INSERT', async () => {
    const long = Array.from({ length: 300 }, (_, i) => ind('path', `/${String(i).padStart(4000, 'x')}`, i + 1));
    const many = Array.from({ length: 5000 }, (_, i) => ind('filename', `f${i}`, i + 1));
    const rule = compileIocs([...long, ...many], 'big');
    expect(rule.setup!.filter((x) => x.startsWith('INSERT')).length).toBe(3);
    for (const stmt of rule.setup!) await s.query(stmt);
    expect(await s.query("SELECT count(*) AS n, count(DISTINCT id) AS ids, max(id) AS top FROM ioc_indicators WHERE list = 'big'")).toEqual([{ n: 5300n, ids: 5300n, top: 5300 }]);
    expect(await s.query("SELECT value, line FROM ioc_indicators WHERE list = 'big' AND id IN (1, 5300) ORDER BY id")).toEqual([
      { value: `/${'0'.padStart(4000, 'x')}`, line: 1 }, { value: 'f4999', line: 5000 },
    ]);
  });

  it('is created empty, and creating it again keeps its rows', async () => {
    for (const stmt of compileIocs([ind('ip', '::2')], 'keep').setup!) await s.query(stmt);
    await s.query(createIocTableSql());
    expect(await s.query('SELECT value FROM ioc_indicators')).toEqual([{ value: '::2' }]);
  });

  it('an empty list compiles to a query that finds nothing', async () => {
    await createRuleEvents(s, [{ rid: 1, time: T(1), kind: 'connect', ...curl, daddr: '192.0.2.1' }]);
    expect(await run(compileIocs([], 'empty'))).toEqual([]);
  });

  it.each([
    ['a sha256 that is not one', ind('sha256', 'xyz'), /^ioc: lists\/test\.txt:1: not a sha256: "xyz"$/],
    ['an IP that is not one', ind('ip', '1.2.3.999'), /^ioc: lists\/test\.txt:1: not an IP address or network: "1\.2\.3\.999"$/],
    ['a domain that is not one', ind('domain', 'a b'), /not a domain name/],
    ['a value with a NUL byte', ind('path', '/tmp/a\0b'), /^ioc: lists\/test\.txt:1: value contains a NUL byte: /],
    ['a comment with a NUL byte', { ...ind('path', '/tmp/a'), comment: 'x\0' }, /comment contains a NUL byte/],
  ])('refuses %s, naming file and line', (_name, indicator, message) => {
    expect(() => compileIocs([indicator], 'l')).toThrow(message);
  });

  it('describes the rule as an IOC list', () => {
    const rule = compileIocs([ind('ip', '::1')], 'feeds/c2.txt');
    expect(rule).toMatchObject({ source: 'ioc', id: 'feeds/c2.txt', title: 'IOC list feeds/c2.txt', severity: 'high', tags: ['ioc'],
      position: { file: 'lists/test.txt', line: 1, column: 1 } });
  });
});

describe('the fixture lists end to end', () => {
  it('find what each of the text, CSV and MISP lists names', async () => {
    await createRuleEvents(s, [
      { rid: 1, time: T(1), kind: 'connect', ...curl, daddr: '203.0.113.7' },
      { rid: 2, time: T(2), kind: 'dns', ...curl, dns_query: 'www.evil.example.net' },
      { rid: 3, time: T(3), kind: 'exec', proc_key: 'b:4:400', pid: 400, proc_exe: '/usr/local/bin/kworkerds', path: '/usr/local/bin/kworkerds', path_name: 'kworkerds' },
      { rid: 4, time: T(4), kind: 'connect', ...curl, daddr: '2001:db8:dead:beef::1' },
      { rid: 5, time: T(5), kind: 'open', ...curl, path: '/dev/shm/.cache/payload', path_name: 'payload' },
    ]);
    const dir = new URL('../../../fixtures/rules/ioc/', import.meta.url).pathname;
    const seen: Record<string, string[]> = {};
    for (const name of ['list.txt', 'list.csv', 'event.misp.json']) {
      const { indicators } = parseIocFile({ path: name, text: readFileSync(dir + name, 'utf8') });
      seen[name] = (await run(compileIocs(indicators, name))).map((r) => r.rule as string);
    }
    expect(seen).toEqual({
      'list.txt': ['IOC ip 203.0.113.7 (list.txt)'],
      'list.csv': ['IOC domain evil.example.net (list.csv)', 'IOC path /dev/shm/.cache/payload (list.csv)'],
      'event.misp.json': ['IOC ip-dst 203.0.113.7 (event.misp.json)', 'IOC filename kworkerds (event.misp.json)', 'IOC ip-src 2001:db8:dead::/48 (event.misp.json)'],
    });
  });
});

describe('the hs_ioc_* helpers', () => {
  it.each([
    ['hs_ioc_ip finds an address in a listed network', "hs_ioc_ip('198.51.100.9')", true],
    ['hs_ioc_ip finds a listed address in its mapped form', "hs_ioc_ip('::ffff:192.0.2.1')", true],
    ['hs_ioc_ip does not find an unlisted address', "hs_ioc_ip('192.0.2.2')", false],
    ['hs_ioc_ip is false for NULL', 'hs_ioc_ip(NULL::VARCHAR)', false],
    ['hs_ioc_domain finds a subdomain', "hs_ioc_domain('X.Evil.Test.')", true],
    ['hs_ioc_domain does not find a parent domain', "hs_ioc_domain('test')", false],
    ['hs_ioc_sha256 finds a hash in any case', `hs_ioc_sha256('${SHA.toUpperCase()}')`, true],
    ['hs_ioc_path finds a listed path', "hs_ioc_path('/tmp/.x/dropper')", true],
    ['hs_ioc_path does not match a prefix', "hs_ioc_path('/tmp/.x')", false],
    ['hs_ioc_filename finds a listed name', "hs_ioc_filename('xmrig')", true],
    ['hs_domain_suffixes lists the name and its parents', "hs_domain_suffixes('A.b.Evil.com.')", ['a.b.evil.com', 'b.evil.com', 'evil.com', 'com']],
  ])('%s', async (_name, expr, want) => {
    const rule = compileIocs([ind('cidr', '198.51.100.0/24'), ind('ip', '192.0.2.1'), ind('domain', 'evil.test'), ind('sha256', SHA),
      ind('path', '/tmp/.x/dropper'), ind('filename', 'xmrig')], 'helpers');
    for (const stmt of rule.setup!) await s.query(stmt);
    expect((await s.query(`SELECT ${expr} AS v`))[0]!.v).toEqual(want);
  });
});
