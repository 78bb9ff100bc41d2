/**
 * Sigma string values: wildcards, escapes and case folding, parsed and then
 * evaluated by DuckDB against real strings (including SQL's own wildcards).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckSession } from '../../../src/analyze/session.js';
import { sqlString } from '../../../src/analyze/sql.js';
import { parsePattern, patternSql, type MatchHow, type Pattern } from '../../../src/rules/sigma/pattern.js';

const T = (text: string) => ({ kind: 'text', text }) as const;
const ANY = { kind: 'any' } as const;
const ONE = { kind: 'one' } as const;

describe('parsePattern', () => {
  const cases: [string, string, Pattern][] = [
    ['plain text is one text part', 'abc', [T('abc')]],
    ['a star is any run of characters', 'a*c', [T('a'), ANY, T('c')]],
    ['a question mark is one character', 'a?c', [T('a'), ONE, T('c')]],
    ['an escaped star is a literal star', 'a\\*c', [T('a*c')]],
    ['an escaped question mark is a literal question mark', 'a\\?', [T('a?')]],
    ['a doubled backslash is one backslash', 'a\\\\b', [T('a\\b')]],
    ['a doubled backslash before a star keeps the star a wildcard', 'a\\\\*', [T('a\\'), ANY]],
    ['a backslash before an ordinary character is kept', 'C:\\Windows\\x', [T('C:\\Windows\\x')]],
    ['a trailing backslash is kept', 'a\\', [T('a\\')]],
    ['runs of stars collapse to one', 'a**b', [T('a'), ANY, T('b')]],
    ['the empty string has no parts', '', []],
  ];
  it.each(cases)('%s', (_name, value, expected) => {
    expect(parsePattern(value)).toEqual(expected);
  });
});

describe('patternSql evaluated by DuckDB', () => {
  let s: DuckSession;
  beforeAll(async () => {
    s = await DuckSession.open();
  });
  afterAll(() => s.close());

  const matches = async (value: string, how: MatchHow, subject: string | null, cased = false): Promise<boolean | null> => {
    const pred = patternSql('v', parsePattern(value), how, cased);
    const rows = await s.query(`SELECT ${pred} AS m FROM (SELECT ${subject === null ? 'NULL::VARCHAR' : sqlString(subject)} AS v)`);
    return rows[0]!.m as boolean | null;
  };

  const cases: [string, string, MatchHow, string | null, boolean | null, boolean?][] = [
    ['equality ignores case', '/usr/bin/Base64', 'equals', '/USR/BIN/base64', true],
    ['equality is whole-string', '/bin/sh', 'equals', '/bin/sh -c', false],
    ['cased equality respects case', 'Abc', 'equals', 'abc', false, true],
    ['cased equality matches the same case', 'Abc', 'equals', 'Abc', true, true],
    ['contains finds a substring in any case', 'BASE64 ', 'contains', 'echo x | base64 -d', true],
    ['startswith anchors at the start', '/tmp/', 'startswith', '/var/tmp/x', false],
    ['endswith anchors at the end', '/shred', 'endswith', '/usr/bin/shred', true],
    ['a star in the middle spans characters', 'curl*|*sh', 'contains', 'curl http://x | bash', true],
    ['a question mark is exactly one character', 'a?c', 'equals', 'abbc', false],
    ['a question mark matches one character', 'a?c', 'equals', 'abc', true],
    ['an escaped star matches only a star', 'a\\*c', 'equals', 'abc', false],
    ['an escaped star matches a literal star', 'a\\*c', 'equals', 'a*c', true],
    ['a percent sign in a value is literal', '100%', 'equals', '100 percent', false],
    ['a percent sign in a value matches itself', '50%*', 'startswith', '50%xyz', true],
    ['an underscore in a value is literal', 'a_c', 'contains', 'xabcx', false],
    ['an underscore with a wildcard is still literal', 'a_*', 'equals', 'abz', false],
    ['an underscore with a wildcard matches itself', 'a_*', 'equals', 'a_z', true],
    ['a backslash before a wildcard pattern is literal', 'C:\\dir*', 'equals', 'C:\\dir\\x', true],
    ['a quote in a value is matched, not SQL', "it's", 'contains', "it's here", true],
    ['a newline in a value is matched literally', 'a\nb', 'contains', 'xa\nby', true],
    ['a lone star matches any present value', '*', 'equals', '', true],
    ['a null column gives null (the caller coalesces)', 'x', 'contains', null, null],
    ['the empty value equals only the empty string', '', 'equals', 'x', false],
    ['non-ASCII text folds case like DuckDB does', 'ÄRGER', 'contains', 'viel ärger', true],
  ];
  it.each(cases)('%s', async (_name, value, how, subject, expected, cased) => {
    expect(await matches(value, how, subject, cased ?? false)).toBe(expected);
  });
});
