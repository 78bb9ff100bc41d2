/**
 * Hostile indicator values (quotes, backslashes, LIKE wildcards, newlines,
 * SQL comment and dollar-quote markers, invalid UTF-8 decoded by
 * Buffer.toString, NUL) through every input format and compileIocs: the SQL
 * never breaks, each value matches only itself, and a NUL or a lone
 * surrogate is refused with a clear error instead of reaching DuckDB.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckSession } from '../../../src/analyze/session.js';
import { compileIocs } from '../../../src/rules/ioc/compile.js';
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

const PIECES = ["'", "''", '"', '\\', "\\'", '%', '_', '\n', '\r\n', '\t', ';', '--', '/*', '*/', '$$', '$a$', '{', '}', '[', ']',
  ' ', 'é', '😀', '\u200b', 'a', 'Z', '0', '.', '|', ',', '#', ':',
  Buffer.from([0xff, 0xfe]).toString('utf8'), Buffer.from([0xc3]).toString('utf8'), Buffer.from([0xed, 0xa0, 0x80]).toString('utf8')];

function queryOf(rule: CompiledRule): string {
  if (!('query' in rule.match)) throw new Error('expected a query rule');
  return rule.match.query;
}

let seed = 20261121;
function rand(n: number): number {
  seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
  return seed % n;
}
function hostile(): string {
  return Array.from({ length: 1 + rand(8) }, () => PIECES[rand(PIECES.length)]).join('');
}
/** A value that differs from `v` but would match it under LIKE or a sloppy escape. */
function decoy(v: string): string {
  const swapped = v.replace(/%/g, 'x').replace(/_/g, 'y').replace(/\\/g, '').replace(/''/g, "'");
  return swapped !== v ? swapped : `${v}x`;
}

const names = Array.from(new Set(Array.from({ length: 150 }, hostile).map((v) => v.replace(/\//g, '')))).filter((v) => v !== '' && v !== '.' && v !== '..');

describe('hostile values', () => {
  it('the generator covers quotes, backslashes, wildcards, newlines and invalid UTF-8', () => {
    expect(names.length).toBeGreaterThan(100);
    const all = names.join('');
    for (const piece of ["'", '\\', '%', '_', '\n', '\uFFFD']) expect(all).toContain(piece);
  });

  it('each path and file name matches only the events that hold exactly it', async () => {
    const rows: RuleEventRow[] = [];
    names.forEach((name, i) => {
      rows.push({ rid: 4 * i + 1, time: '2026-11-21 10:00:00', kind: 'open', proc_key: `k${i}`, pid: i, proc_exe: '/bin/true', path: `/tmp/${name}`, path_name: name });
      rows.push({ rid: 4 * i + 2, time: '2026-11-21 10:00:01', kind: 'open', proc_key: `k${i}`, pid: i, proc_exe: '/bin/true', path: `/tmp/${decoy(name)}`, path_name: decoy(name) });
      rows.push({ rid: 4 * i + 3, time: '2026-11-21 10:00:02', kind: 'open', proc_key: `k${i}`, pid: i, proc_exe: '/bin/true', path: `/var/${name}%`, path_name: `${name}%` });
    });
    await createRuleEvents(s, rows);
    const indicators: Indicator[] = names.flatMap((name, i) => [
      { type: 'path' as const, value: `/tmp/${name}`, label: 'path', file: 'fuzz', line: i + 1 },
      { type: 'filename' as const, value: name, label: 'filename', file: 'fuzz', line: i + 1, comment: name },
    ]);
    const rule = compileIocs(indicators, `fuzz '--${names[0]}`);
    for (const stmt of rule.setup!) await s.query(stmt);
    const found = await s.query(`SELECT f.rule_id, f.extra.indicator_kind AS kind, f.extra.sightings AS n, e.path, e.path_name
      FROM (${queryOf(rule)}) f JOIN rule_events e ON e.rid = f.rid`);
    // The oracle: exact string equality in JavaScript.
    const byOrder = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0])) || String(a[1]).localeCompare(String(b[1]));
    const expected = indicators.map((i) => [i.value, i.type, BigInt(rows.filter((r) => (i.type === 'path' ? r.path : r.path_name) === i.value).length)])
      .filter((e) => e[2] !== 0n).sort(byOrder);
    const got = found.map((r) => [r.rule_id, r.kind, r.n]).sort(byOrder);
    expect(got).toEqual(expected);
    for (const r of found) {
      if (r.kind === 'path') expect(r.path).toBe(r.rule_id);
      else expect(r.path_name).toBe(r.rule_id);
    }
  });

  it('survive every input format and compile into SQL that runs', async () => {
    await createRuleEvents(s, [{ rid: 1, time: '2026-11-21 10:00:00', kind: 'open', proc_key: 'k', pid: 1, path: '/x', path_name: 'x' }]);
    const text = names.map((n) => `filename:${n.replace(/[\r\n]/g, ' ')}`).join('\n');
    const csv = `type,value,comment\n${names.map((n) => `filename,"${n.replace(/"/g, '""')}","${n.replace(/"/g, '""')}"`).join('\n')}\n`;
    const misp = JSON.stringify({ Event: { info: names[0], Attribute: names.map((n, i) => ({ type: 'filename', value: n, uuid: `u${i}`, comment: n })) } });
    for (const [path, body] of [['f.txt', text], ['f.csv', csv], ['f.json', misp]] as const) {
      const { indicators } = parseIocFile({ path, text: body });
      expect(indicators.length, path).toBeGreaterThan(names.length / 2);
      const rule = compileIocs(indicators, path);
      for (const stmt of rule.setup!) await s.query(stmt);
      await s.query(queryOf(rule));
    }
  });

  it('keep a CSV value with quotes, commas and line breaks intact', () => {
    const value = 'a "b",\nc\\d%_';
    const { indicators } = parseIocFile({ path: 'f.csv', text: `type,value\nfilename,"${value.replace(/"/g, '""')}"\n` });
    expect(indicators.map((i) => i.value)).toEqual([value]);
  });
});

describe('NUL and lone surrogates', () => {
  it.each([
    ['a text list', 'n.txt', 'evil.test\nfilename:a\0b\n/tmp/ok\n'],
    ['a CSV list', 'n.csv', 'type,value\nfilename,a\0b\npath,/tmp/ok\n'],
    ['a MISP export', 'n.json', JSON.stringify({ Event: { Attribute: [{ type: 'filename', value: 'a\0b', uuid: 'u' }, { type: 'path', value: '/tmp/ok', uuid: 'v' }] } })],
  ])('a NUL in %s skips that entry with a clear reason and keeps the rest', (_name, path, text) => {
    const r = parseIocFile({ path, text });
    expect(r.skipped.map((x) => x.reason)).toEqual([expect.stringMatching(/NUL byte, which no recorded field can hold/)]);
    expect(r.indicators.map((i) => i.value)).toContain('/tmp/ok');
  });

  it('a lone surrogate skips that entry', () => {
    const r = parseIocFile({ path: 's.txt', text: 'filename:a\uD800b\nfilename:ok\n' });
    expect(r.skipped.map((x) => x.reason)).toEqual([expect.stringMatching(/lone surrogate/)]);
    expect(r.indicators.map((i) => i.value)).toEqual(['ok']);
  });

  it.each([
    ['a NUL in a value', { type: 'filename', value: 'a\0b', label: 'filename', file: 'f', line: 3 }, /^ioc: f:3: value contains a NUL byte: "a\\u0000b"$/],
    ['a NUL in a file name', { type: 'filename', value: 'ab', label: 'filename', file: 'f\0', line: 3 }, /file name contains a NUL byte/],
    ['a lone surrogate in a value', { type: 'filename', value: 'a\uDC00', label: 'filename', file: 'f', line: 3 }, /value is not valid Unicode/],
  ] as const)('compileIocs refuses %s with a clear error', (_name, indicator, message) => {
    expect(() => compileIocs([indicator as Indicator], 'l')).toThrow(message);
  });

  it('compileIocs refuses a list name with a NUL byte', () => {
    expect(() => compileIocs([], 'a\0b')).toThrow(/^ioc: list name contains a NUL byte/);
  });
});
