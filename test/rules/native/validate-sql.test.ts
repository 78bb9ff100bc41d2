/**
 * validateNativeRuleSql: DuckDB binds each condition without running it, and
 * its errors come back at the rule file's line:column; the fixture file of
 * fixtures/rules/native/ end to end.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckSession } from '../../../src/analyze/session.js';
import { IP_MACROS_SQL } from '../../../src/rules/ip-sql.js';
import { compileNativeFiles } from '../../../src/rules/native/compile.js';
import { errorLocation, validateNativeRuleSql } from '../../../src/rules/native/validate-sql.js';
import type { CompiledRule } from '../../../src/rules/types.js';
import { createRuleEvents } from '../../helpers/rule-table.js';

let s: DuckSession;
beforeAll(async () => {
  s = await DuckSession.open();
  for (const stmt of IP_MACROS_SQL) await s.query(stmt);
  await createRuleEvents(s, []);
});
afterAll(() => s.close());

const HEAD = 'id: v1\ntitle: T\nseverity: high\n';

function compile(text: string): CompiledRule {
  const r = compileNativeFiles([{ path: 'v.yml', text }]);
  expect(r.skipped).toEqual([]);
  return r.compiled[0]!;
}

describe('validateNativeRuleSql', () => {
  it.each([
    ['a misspelt column, at the column', `${HEAD}condition: |\n  kind = 'exec'\n  AND proc_nam = 'curl'\n`,
      /^v\.yml:6:7: condition: Binder Error: Referenced column "proc_nam" not found in FROM clause! Candidate bindings: "proc_name"/],
    ['a syntax error, at the token', `${HEAD}condition: "kind = 'exec' AND AND pid = 1"\n`,
      /^v\.yml:4:31: condition: Parser Error: syntax error at or near "AND"$/],
    ['an unknown function, at the call', `${HEAD}condition: |\n  kind = 'exec' AND no_such_fn(path)\n`,
      /^v\.yml:5:21: condition: Catalog Error: Scalar Function with name no_such_fn does not exist!/],
    ['a type error in a later sequence step, in that step', `${HEAD}sequence:\n  within: 1m\n  steps:\n    - condition: kind = 'exec'\n    - condition: pid + 'x' > 1\n`,
      /^v\.yml:8:22: condition: Binder Error: /],
    ['an error far into a long line, at the column', `${HEAD}condition: "${"kind = 'exec' AND ".repeat(8)}nope = 1"\n`,
      /^v\.yml:4:157: condition: Binder Error: Referenced column "nope" not found/],
    ['a condition that is not boolean', `${HEAD}condition: |\n  proc_name\n`, /^v\.yml:5:3: condition is VARCHAR, not BOOLEAN$/],
  ])('reports %s', async (_name, text, want) => {
    const bad = await validateNativeRuleSql(s, compile(text));
    expect(bad).toMatchObject({ source: 'native', id: 'v1', title: 'T', status: 'error', position: { file: 'v.yml', line: 1, column: 1 } });
    expect(bad!.reason).toMatch(want);
  });

  it.each([
    ['a plain rule', `${HEAD}condition: kind = 'exec' AND hs_cidr_contains('10.0.0.0/8', daddr)\nmessage: "{proc_exe}"\n`],
    ['a sequence rule', `${HEAD}sequence:\n  within: 1m\n  scope: tree\n  by: [path]\n  steps:\n    - condition: kind = 'open'\n    - condition: kind = 'exec' AND hs_ioc_path(path)\n`],
    ['a threshold rule', `${HEAD}threshold:\n  condition: kind = 'open' AND ret < 0\n  group_by: [proc_key, "user"]\n  window: 10s\n  count: 5\n  distinct: path\n`],
  ])('accepts %s', async (_name, text) => {
    expect(await validateNativeRuleSql(s, compile(text))).toBeNull();
  });

  it('checks a CompiledRule it did not make as a whole, at the rule', async () => {
    const rule = { ...compile(`${HEAD}condition: kind = 'exec'\n`), match: { where: 'nope = 1' } };
    const bad = await validateNativeRuleSql(s, rule);
    expect(bad!.reason).toMatch(/^v\.yml:1:1: rule SQL: Binder Error: Referenced column "nope" not found/);
  });
});

describe('errorLocation', () => {
  it.each([
    ['a short line', 'Parser Error: x\n\nLINE 2: a AND AND b\n              ^', 'q\na AND AND b', { line: 2, column: 6 }],
    ['an excerpt of a long line', `Binder Error: x\n\nLINE 1: ...b c d e f g\n                   ^`, 'a b c d e f g', { line: 1, column: 10 }],
    ['a message without a line', 'IO Error: x', 'q', null],
  ])('finds the caret in %s', (_name, message, query, want) => {
    expect(errorLocation(message, query)).toEqual(want);
  });
});

describe('the fixture file with rules of every type', () => {
  it('compiles the good rules, skips the disabled and broken ones with positions, and DuckDB finds the bad column', async () => {
    const path = 'fixtures/rules/native/mixed.yml';
    const text = readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');
    const r = compileNativeFiles([{ path, text }]);
    expect(r.compiled.map((c) => [c.id, 'where' in c.match ? 'where' : 'query'])).toEqual([
      ['fx-plain-ptrace', 'where'], ['fx-sequence-setuid-then-shell', 'query'], ['fx-threshold-connect-scan', 'query'], ['fx-bad-column', 'where'],
    ]);
    expect(r.skipped.map((x) => [x.id, x.status, x.reason])).toEqual([
      ['fx-disabled', 'disabled', 'enabled: false'],
      ['fx-bad-duration', 'error', `${path}:43:11: window: bad duration "5 seconds" (expected a number with a unit: 500ms, 60s, 5m, 1h)`],
    ]);
    const checks = await Promise.all(r.compiled.map((c) => validateNativeRuleSql(s, c)));
    expect(checks.map((c) => c?.reason ?? null)).toEqual([null, null, null,
      expect.stringMatching(new RegExp(`^${path}:51:7: condition: Binder Error: Referenced column "proc_nmae" not found`))]);
  });
});
