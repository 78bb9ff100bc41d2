/**
 * Rule strings never inject SQL: hostile values written in Falco lists and
 * Sigma detections (quotes, backslashes, LIKE and glob wildcards, NUL,
 * newlines, SQL comment and statement text, replacement and lone-surrogate
 * characters from invalid UTF-8) compile through the one quoting function
 * (src/analyze/sql.ts sqlString) and match exactly the row holding that value,
 * never a near miss, never an error. NUL, which a DuckDB string cannot hold,
 * is refused with a clear message naming the rule.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DuckSession } from '../../src/analyze/session.js';
import { sqlString } from '../../src/analyze/sql.js';
import { compileFalcoFiles } from '../../src/rules/falco/compile.js';
import { IP_MACROS_SQL } from '../../src/rules/ip-sql.js';
import { compileSigmaFiles } from '../../src/rules/sigma/compile.js';
import type { CompiledRule, CompileResult } from '../../src/rules/types.js';
import { createRuleEvents } from '../helpers/rule-table.js';

const HOSTILE: [string, string][] = [
  ['a single quote', "it's"],
  ['doubled single quotes', "''"],
  ['a double quote', 'say "hi"'],
  ['a backslash', 'C:\\temp\\x'],
  ['a trailing backslash', 'end\\'],
  ['LIKE wildcards', '100%_done'],
  ['glob characters', 'a*b?c[d]'],
  ['a newline and a tab', 'line1\nline2\tx'],
  ['a SQL comment', 'x -- y'],
  ['a closing quote and statement', "'); DROP TABLE rule_events; --"],
  ['an OR-true injection', "' OR true OR '"],
  ['replacement characters from invalid UTF-8', Buffer.from([0x61, 0xff, 0xfe, 0x62]).toString('utf8')],
  ['a lone surrogate', 'x\uD800y'],
  ['percent-encoded text', '%27%20OR%201=1'],
  ['dollar quoting', '$$x$$'],
];

let s: DuckSession;
beforeAll(async () => {
  s = await DuckSession.open();
  for (const stmt of IP_MACROS_SQL) await s.query(stmt);
});
afterAll(() => s.close());

async function matches(rule: CompiledRule): Promise<number[]> {
  const where = (rule.match as { where: string }).where;
  const rows = await s.query(`SELECT rid, (${rule.message})::VARCHAR AS m FROM rule_events WHERE coalesce((${where}), false) ORDER BY rid`);
  return rows.map((r) => Number(r.rid));
}

function only(result: CompileResult): CompiledRule {
  expect(result.skipped, JSON.stringify(result.skipped)).toEqual([]);
  expect(result.compiled).toHaveLength(1);
  return result.compiled[0]!;
}

function falcoRule(value: string): CompileResult {
  const text = stringify([
    { list: 'hostile_names', items: [value] },
    { rule: 'hostile', desc: 'd', condition: 'evt.type = execve and proc.name in (hostile_names)', output: 'name=%proc.name', priority: 'WARNING' },
  ]);
  return compileFalcoFiles([{ path: 'hostile.yaml', text }]);
}

/** Sigma's own escapes: `*`, `?` and `\` stand for themselves when escaped with `\`. */
function sigmaEscape(value: string): string {
  return value.replace(/[\\*?]/g, (c) => `\\${c}`);
}

function sigmaRule(value: string, modifier = ''): CompileResult {
  const text = stringify({
    title: 'hostile', id: '00000000-0000-4000-8000-000000000001', status: 'test', author: 'tester', level: 'high',
    logsource: { product: 'linux', category: 'process_creation' },
    detection: { selection: { [`CommandLine${modifier}`]: sigmaEscape(value) }, condition: 'selection' },
  });
  return compileSigmaFiles([{ path: 'hostile.yml', text }]);
}

describe.each(HOSTILE)('a rule value with %s', (_name, value) => {
  beforeAll(async () => {
    await createRuleEvents(s, [
      { rid: 1, kind: 'exec', syscall: 'execve', proc_name: value, proc_commandline: value, time: '2026-11-21 00:00:01' },
      { rid: 2, kind: 'exec', syscall: 'execve', proc_name: `${value}x`, proc_commandline: `${value}x`, time: '2026-11-21 00:00:02' },
      { rid: 3, kind: 'exec', syscall: 'execve', proc_name: 'x', proc_commandline: 'x', time: '2026-11-21 00:00:03' },
      { rid: 4, kind: 'exec', syscall: 'execve', proc_name: value.slice(1), proc_commandline: value.slice(1), time: '2026-11-21 00:00:04' },
    ]);
  });

  // Falco pastes list items into the condition, so an item that is itself quoted ('' or
  // ' OR true OR ') is a string of the condition language, as in Falco: the text inside
  // the quotes, which no row holds. Either way nothing is injected.
  it('in a Falco list matches only the row holding it', async () => {
    const quoted = /^(['"]).*\1$/s.test(value);
    expect(await matches(only(falcoRule(value)))).toEqual(quoted ? [] : [1]);
  });

  it('in a Sigma detection matches only the row holding it', async () => {
    expect(await matches(only(sigmaRule(value)))).toEqual([1]);
  });

  it('in a Sigma |startswith matches the row holding it and the one extending it', async () => {
    expect(await matches(only(sigmaRule(value, '|startswith')))).toEqual([1, 2]);
  });
});

describe('a NUL byte in a rule value', () => {
  it('is refused by the quoting function with the value named', () => {
    expect(() => sqlString('a\0b')).toThrow(/NUL byte in string literal: "a\\u0000b"/);
  });

  it('makes a Falco rule an error with its reason, not a crash', () => {
    const r = falcoRule('a\0b');
    expect(r.compiled).toEqual([]);
    expect(r.skipped).toEqual([expect.objectContaining({ id: 'hostile', status: 'error', reason: expect.stringMatching(/NUL/) })]);
  });

  it('makes a Sigma rule an error with its reason, not a crash', () => {
    const r = sigmaRule('a\0b');
    expect(r.compiled).toEqual([]);
    expect(r.skipped).toEqual([expect.objectContaining({ status: 'error', reason: expect.stringMatching(/NUL/) })]);
  });
});

describe('a long Sigma |contains list (compiled to one regex alternation)', () => {
  const VALUES = ['a.b', '(x)', 'c++', '[y]', '$z', '^w', 'p|q', 'r{2}', 'back\\\\slash', "it's", 'UPPER'];

  function listRule(modifier: string): CompiledRule {
    const text = stringify({
      title: 'list', id: '00000000-0000-4000-8000-000000000003', status: 'test', author: 'tester', level: 'high',
      logsource: { product: 'linux', category: 'process_creation' },
      detection: { selection: { [`CommandLine${modifier}`]: VALUES }, condition: 'selection' },
    });
    return only(compileSigmaFiles([{ path: 'list.yml', text }]));
  }

  it('is one regexp_matches, and matches regex metacharacters literally and case-insensitively', async () => {
    const rule = listRule('|contains');
    expect((rule.match as { where: string }).where).toMatch(/regexp_matches/);
    const lines = ['xx a.b yy', 'axb', 'f(x)', 'fx', 'c++', 'cc', '[y]', 'y', 'cost $z', 'z', '^w', 'w', 'p|q', 'p', 'rr', 'r{2}',
      'back\\slash', 'backslash', "it's", 'its', 'upper', 'UpPeR case'];
    await createRuleEvents(s, lines.map((l, i) => ({ rid: i + 1, kind: 'exec', syscall: 'execve', proc_commandline: l, time: '2026-11-21 00:00:01' })));
    const want = lines.flatMap((l, i) => (VALUES.some((v) => l.toLowerCase().includes(v.replace(/\\\\/g, '\\').toLowerCase())) ? [i + 1] : []));
    expect(await matches(rule)).toEqual(want);
    expect(want).toEqual([1, 3, 5, 7, 9, 11, 13, 16, 17, 19, 21, 22]);
  });

  it('anchors |startswith and |endswith lists', async () => {
    await createRuleEvents(s, [
      { rid: 1, kind: 'exec', syscall: 'execve', proc_commandline: 'a.b tail', time: '2026-11-21 00:00:01' },
      { rid: 2, kind: 'exec', syscall: 'execve', proc_commandline: 'head a.b', time: '2026-11-21 00:00:01' },
    ]);
    expect(await matches(listRule('|startswith'))).toEqual([1]);
    expect(await matches(listRule('|endswith'))).toEqual([2]);
  });
});
