/**
 * Native rule validation: every problem is reported at its file:line:column
 * (unknown keys, missing fields, bad durations, unknown columns, message
 * placeholders, conditions that do not lex), YAML errors fail the file, and a
 * valid rule reads into the NativeRule it describes.
 */
import { describe, expect, it } from 'vitest';
import { compileNativeFiles } from '../../../src/rules/native/compile.js';
import { parseDuration } from '../../../src/rules/native/duration.js';
import { parseNativeFile } from '../../../src/rules/native/parse.js';
import { checkConditionLexically } from '../../../src/rules/native/sql-lexer.js';
import { compileTemplate } from '../../../src/rules/native/template.js';
import { RuleFileError } from '../../../src/rules/types.js';

const HEAD = 'id: r1\ntitle: T\nseverity: high\n';

/** The reason the one rule in `text` is skipped. */
function reason(text: string): string {
  const r = compileNativeFiles([{ path: 'r.yml', text }]);
  expect(r.compiled).toEqual([]);
  expect(r.skipped.length).toBe(1);
  return r.skipped[0]!.reason;
}

describe('a rule with a problem is skipped with its position', () => {
  it.each([
    ['an unknown top-level key, at the key', `${HEAD}conditon: kind = 'exec'\n`, /^r\.yml:4:1: unknown key "conditon" in rule \(allowed: /],
    ['a missing id', "title: T\nseverity: high\ncondition: kind = 'exec'\n", 'r.yml:1:1: missing id'],
    ['a missing title', "id: r1\nseverity: high\ncondition: kind = 'exec'\n", 'r.yml:1:1: missing title'],
    ['a missing severity', "id: r1\ntitle: T\ncondition: kind = 'exec'\n", 'r.yml:1:1: missing severity'],
    ['a bad severity, at the value', `id: r1\ntitle: T\nseverity: urgent\ncondition: kind = 'exec'\n`,
      'r.yml:3:11: severity "urgent" is not one of critical, high, medium, low, informational'],
    ['an id with a space', "id: my rule\ntitle: T\nseverity: low\ncondition: kind = 'exec'\n", /^r\.yml:1:5: id "my rule" may hold only/],
    ['no condition, sequence or threshold', HEAD, 'r.yml:1:1: missing condition, sequence or threshold'],
    ['two of condition, sequence, threshold, at the second', `${HEAD}condition: kind = 'exec'\nthreshold:\n  condition: x\n`,
      'r.yml:5:1: only one of condition, sequence, threshold may be given (found condition, threshold)'],
    ['a condition that is not a string', `${HEAD}condition: [a, b]\n`, 'r.yml:4:12: condition must be a non-empty string'],
    ['an empty condition', `${HEAD}condition: ""\n`, 'r.yml:4:12: condition must be a non-empty string'],
    ['a condition with only a comment', `${HEAD}condition: "-- nothing"\n`, 'r.yml:4:13: condition: empty condition'],
    ['an unterminated string, at its quote', `${HEAD}condition: |\n  kind = 'exec'\n  AND proc_name = 'curl\n`,
      "r.yml:6:19: condition: unterminated string literal"],
    ['an unmatched closing parenthesis', `${HEAD}condition: "kind = 'exec')"\n`, "r.yml:4:26: condition: unmatched ')'"],
    ['an unclosed parenthesis', `${HEAD}condition: |\n  (kind = 'exec'\n  OR (pid = 1)\n`, "r.yml:5:3: condition: unclosed '('"],
    ['a semicolon', `${HEAD}condition: "kind = 'exec'; DROP TABLE x"\n`, "r.yml:4:26: condition: ';' is not allowed: a condition is one SQL expression"],
    ['an unterminated block comment', `${HEAD}condition: "kind = 'exec' /* x"\n`, 'r.yml:4:27: condition: unterminated /* comment'],
    ['a message placeholder that is not a column, at the placeholder', `${HEAD}condition: kind = 'exec'\nmessage: "ran {proc_exe} as {usr}"\n`,
      'r.yml:5:30: {usr} in message is not a rule_events column'],
    ['an unclosed brace in the message', `${HEAD}condition: kind = 'exec'\nmessage: "ran {proc_exe"\n`,
      "r.yml:5:15: unclosed '{' in message (write '{{' for a literal brace)"],
    ['a sequence without within', `${HEAD}sequence:\n  steps:\n    - condition: a\n    - condition: b\n`, 'r.yml:4:1: sequence: missing within'],
    ['a sequence with a bare number as within', `${HEAD}sequence:\n  within: 60\n  steps:\n    - condition: a\n    - condition: b\n`,
      'r.yml:5:11: within: bad duration "60" (expected a number with a unit: 500ms, 60s, 5m, 1h)'],
    ['a sequence with an unknown unit', `${HEAD}sequence:\n  within: 60 sec\n  steps:\n    - condition: a\n    - condition: b\n`,
      /^r\.yml:5:11: within: bad duration "60 sec"/],
    ['a sequence with one step', `${HEAD}sequence:\n  within: 1m\n  steps:\n    - condition: a\n`, 'r.yml:7:5: sequence: steps must be a list of at least 2 steps'],
    ['a sequence step with an unknown key', `${HEAD}sequence:\n  within: 1m\n  steps:\n    - condition: a\n    - conditon: b\n`,
      /^r\.yml:8:7: unknown key "conditon" in sequence step/],
    ['a sequence with a bad scope', `${HEAD}sequence:\n  within: 1m\n  scope: session\n  steps:\n    - condition: a\n    - condition: b\n`,
      'r.yml:6:10: sequence: scope "session" is not one of process, tree, host'],
    ['a sequence by a column that does not exist', `${HEAD}sequence:\n  within: 1m\n  by: [path, file]\n  steps:\n    - condition: a\n    - condition: b\n`,
      'r.yml:6:14: by: "file" is not a rule_events column'],
    ['an unknown key in sequence', `${HEAD}sequence:\n  within: 1m\n  order: strict\n  steps:\n    - condition: a\n    - condition: b\n`,
      /^r\.yml:6:3: unknown key "order" in sequence/],
    ['a threshold without count', `${HEAD}threshold:\n  condition: a\n  window: 10s\n`, 'r.yml:4:1: threshold: missing count'],
    ['a threshold with count 0', `${HEAD}threshold:\n  condition: a\n  window: 10s\n  count: 0\n`, 'r.yml:7:10: threshold: count must be a whole number of at least 1, not 0'],
    ['a threshold with a fractional count', `${HEAD}threshold:\n  condition: a\n  window: 10s\n  count: 2.5\n`, /^r\.yml:7:10: threshold: count must be a whole number/],
    ['a threshold with a zero window', `${HEAD}threshold:\n  condition: a\n  window: 0s\n  count: 2\n`, /^r\.yml:6:11: window: bad duration "0s"/],
    ['a threshold grouped by an unknown column', `${HEAD}threshold:\n  condition: a\n  window: 1s\n  count: 2\n  group_by: [proc]\n`,
      'r.yml:8:14: group_by: "proc" is not a rule_events column'],
    ['a threshold counting two distinct columns', `${HEAD}threshold:\n  condition: a\n  window: 1s\n  count: 2\n  distinct: [path, pid]\n`,
      'r.yml:8:13: threshold: distinct names one column'],
    ['enabled that is not a boolean', `${HEAD}enabled: maybe\ncondition: a\n`, 'r.yml:4:10: enabled must be true or false'],
    ['tags that are not strings', `${HEAD}tags: [a, [b]]\ncondition: a\n`, 'r.yml:4:11: tags must be a list of strings'],
  ])('%s', (_name, text, want) => {
    const got = reason(text);
    if (typeof want === 'string') expect(got).toBe(want);
    else expect(got).toMatch(want);
  });

  it('names the rule by its id and title, at its first key', () => {
    const r = compileNativeFiles([{ path: 'r.yml', text: `# c\n${HEAD}conditon: x\n` }]);
    expect(r.skipped[0]).toMatchObject({ source: 'native', id: 'r1', title: 'T', status: 'error', position: { file: 'r.yml', line: 2, column: 1 } });
  });
});

describe('files and documents', () => {
  it('a YAML syntax error fails the whole file at its position', () => {
    const err = (() => { try { compileNativeFiles([{ path: 'bad.yml', text: 'id: a\ntitle: [unclosed\n' }]); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(RuleFileError);
    expect((err as RuleFileError).message).toMatch(/^bad\.yml:\d+:\d+: native: YAML: /);
  });

  it('a document that is not a mapping fails the file', () => {
    expect(() => compileNativeFiles([{ path: 'l.yml', text: '- a\n- b\n' }])).toThrow(/^l\.yml:1:1: native: a rule document must be a mapping/);
  });

  it('reads several rules from one file, one per document', () => {
    const r = compileNativeFiles([{ path: 'm.yml', text: `${HEAD}condition: a\n---\nid: r2\ntitle: U\nseverity: low\ncondition: b\n` }]);
    expect(r.compiled.map((c) => [c.id, c.position.line])).toEqual([['r1', 1], ['r2', 6]]);
  });

  it('skips a disabled rule as disabled', () => {
    const r = compileNativeFiles([{ path: 'd.yml', text: `${HEAD}enabled: false\ncondition: a\n` }]);
    expect(r.skipped).toEqual([{ source: 'native', id: 'r1', title: 'T', position: { file: 'd.yml', line: 1, column: 1 }, status: 'disabled', reason: 'enabled: false' }]);
  });

  it('keeps the first of two rules with the same id', () => {
    const r = compileNativeFiles([{ path: 'a.yml', text: `${HEAD}condition: a\n` }, { path: 'b.yml', text: `\n${HEAD}condition: b\n` }]);
    expect(r.compiled.map((c) => c.position.file)).toEqual(['a.yml']);
    expect(r.skipped.map((x) => x.reason)).toEqual(['b.yml:2:1: duplicate id r1 (first defined at a.yml:1:1)']);
  });

  it('reads a valid sequence rule with everything it says', () => {
    const text = `id: seq
title: A then B
severity: Critical
author: me
description: d
tags: [t1, t2]
references: [https://example.test]
sequence:
  within: 1m30s
  scope: tree
  by: [path, host]
  steps:
    - condition: kind = 'open'
    - condition: |
        kind = 'exec'
        AND pid > 1
message: "{path} by {pid} {{literal}}"
`;
    const { rules, skipped } = parseNativeFile({ path: 's.yml', text });
    expect(skipped).toEqual([]);
    const rule = rules[0]!;
    expect(rule).toMatchObject({
      id: 'seq', title: 'A then B', severity: 'critical', author: 'me', description: 'd', tags: ['t1', 't2'], kind: 'sequence',
      position: { file: 's.yml', line: 1, column: 1 },
      sequence: { within: '1m30s', withinNs: 90_000_000_000n, scope: 'tree', by: ['path', 'host'] },
      message: { template: '{path} by {pid} {{literal}}' },
    });
    expect(rule.conditions.map((c) => [c.text, c.position.line, c.position.column])).toEqual([
      ["kind = 'open'", 13, 18], ["kind = 'exec'\nAND pid > 1\n", 15, 9],
    ]);
    expect(rule.conditions[1]!.at(rule.conditions[1]!.text.indexOf('pid'))).toEqual({ file: 's.yml', line: 16, column: 13 });
  });

  it('a rule without a message reports its title', () => {
    const { rules } = parseNativeFile({ path: 'm.yml', text: 'id: r\ntitle: Odd {title}\nseverity: low\ncondition: a\n' });
    expect(rules[0]!.message.sql).toBe("'Odd {title}'");
  });
});

describe('durations', () => {
  it.each([
    ['500ms', 500_000_000n], ['60s', 60_000_000_000n], ['1m30s', 90_000_000_000n], ['2h', 7_200_000_000_000n], ['1d', 86_400_000_000_000n],
    ['10us', 10_000n], ['7ns', 7n], ['60', null], ['0s', null], ['-5s', null], ['1.5s', null], ['s', null], ['60 s', null], ['', null],
  ] as const)('%s is %s ns', (text, want) => {
    expect(parseDuration(text)).toBe(want);
  });
});

describe('the condition lexer', () => {
  it.each([
    ['a plain comparison', "kind = 'exec'", null],
    ['a doubled quote inside a string', "proc_name = 'it''s'", null],
    ['a parenthesis inside a string', "path = '/tmp/(x'", null],
    ['a semicolon inside a string', "proc_args LIKE '%;%'", null],
    ['a quoted identifier', '"user" = \'root\'', null],
    ['a line comment with a parenthesis', "kind = 'exec' -- (not closed\n", null],
    ['nested block comments', "kind = 'exec' /* a /* b */ c */", null],
    ['a dollar-quoted string with a quote in it', "path = $$it's$$", null],
    ['a backslash escape in an E string', "path = E'\\''", null],
    ['a lambda', 'len(list_filter(anc_names, lambda a: a = \'sshd\')) > 0', null],
    ['an unterminated quoted identifier', '"user = 1', { offset: 0, message: 'unterminated quoted identifier' }],
    ['an unterminated dollar string', 'x = $t$abc', { offset: 4, message: 'unterminated $t$ string' }],
    ['a NUL byte', "kind = 'a\0'", { offset: 9, message: 'NUL byte in condition' }],
  ])('%s', (_name, sql, want) => {
    expect(checkConditionLexically(sql)).toEqual(want);
  });
});

describe('message templates', () => {
  it.each([
    ['plain text', 'hello', "'hello'"],
    ['a column', '{pid}', `coalesce(CAST("pid" AS VARCHAR), '<NA>')`],
    ['text and columns', "it's {proc_exe}!", `('it''s ' || coalesce(CAST("proc_exe" AS VARCHAR), '<NA>') || '!')`],
    ['escaped braces', '{{x}}', "'{x}'"],
    ['a keyword column, quoted', '{user}', `coalesce(CAST("user" AS VARCHAR), '<NA>')`],
  ])('%s', (_name, template, want) => {
    expect(compileTemplate(template)).toEqual({ sql: want });
  });

  it('refuses a NUL byte', () => {
    expect(compileTemplate('a\0')).toEqual({ error: { offset: 1, message: 'NUL byte in message' } });
  });
});
