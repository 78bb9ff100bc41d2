/**
 * The RE2 compatibility check for `|re` values, each verdict cross-checked
 * with DuckDB itself: what the check passes DuckDB must compile, and what it
 * calls unsupported DuckDB must refuse.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckSession } from '../../../src/analyze/session.js';
import { sqlString } from '../../../src/analyze/sql.js';
import { checkRe2 } from '../../../src/rules/sigma/regex.js';

let s: DuckSession;
beforeAll(async () => {
  s = await DuckSession.open();
});
afterAll(() => s.close());

async function duckdbAccepts(pattern: string): Promise<boolean> {
  try {
    await s.query(`SELECT regexp_matches(v, ${sqlString(pattern)}) FROM (SELECT 'x' AS v WHERE false)`);
    return true;
  } catch {
    return false;
  }
}

describe('checkRe2', () => {
  const accepted: [string, string][] = [
    ['a dotted-quad pattern from a public rule', '[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}'],
    ['an inline case-insensitive flag', '(?i)/lib/python3\\.([5-9]|[0-9]{2})/site-packages/'],
    ['a non-capturing group with classes', '(?:\\s-[^-\\s]{0,20}i|\\s--inode\\s)'],
    ['a counted repetition of 1000', 'a{1000}'],
    ['a lazy quantifier', 'a+?b*?'],
    ['a Python-style named group', '(?P<name>a)'],
    ['a Unicode class', '\\p{L}+'],
    ['a POSIX class inside brackets', '[[:alpha:]]+'],
    ['escaped punctuation', '\\/\\-\\.\\*'],
    ['a quoted literal run', '\\Q(a)+\\E'],
    ['scoped flags', '(?s-m:a.b)'],
    ['a hex escape with braces', '\\x{41}'],
  ];
  it.each(accepted)('accepts %s, as DuckDB does', async (_name, pattern) => {
    expect(checkRe2(pattern)).toBeNull();
    expect(await duckdbAccepts(pattern)).toBe(true);
  });

  const unsupported: [string, string, string][] = [
    ['a lookahead', 'a(?=b)', 'lookahead (?= at offset 1'],
    ['a negative lookahead', '(?!x)', 'lookahead (?!'],
    ['a lookbehind', '(?<=a)b', 'lookbehind (?<='],
    ['a negative lookbehind', '(?<!a)b', 'lookbehind (?<!'],
    ['a numbered backreference', '(a)\\1', 'backreference \\1 at offset 3'],
    ['a named backreference', '(?P<n>a)(?P=n)', 'backreference (?P=name)'],
    ['a \\k backreference', '(?P<n>a)\\k<n>', 'backreference \\k'],
    ['an atomic group', '(?>a+)', 'atomic group'],
    ['a possessive star', 'a*+', 'possessive quantifier'],
    ['a possessive counted repetition', 'a{2}+', 'possessive quantifier'],
    ['a conditional group', '(a)?(?(1)b|c)', 'conditional group'],
    ['recursion', '(a(?R)?b)', 'recursion'],
    ['an end-of-subject \\Z', 'a\\Z', 'escape \\Z'],
    ['a \\G anchor', '\\Ga', 'escape \\G'],
    ['a \\h class', '\\h', 'escape \\h'],
    ['a \\u escape', '\\u0041', 'escape \\u'],
    ['a .NET-style named group', '(?<n>a)', 'named group'],
    ['a comment group', '(?#note)a', 'comment group'],
    ['the x flag', '(?x) a b', 'flag x'],
    ['a repetition above 1000', 'a{1001}', 'repetition {1001} above 1000'],
  ];
  it.each(unsupported)('reports %s as unsupported, and DuckDB refuses it', async (_name, pattern, reason) => {
    const problem = checkRe2(pattern);
    expect(problem?.kind).toBe('unsupported');
    expect(problem?.reason).toContain(reason);
    expect(await duckdbAccepts(pattern)).toBe(false);
  });

  const malformed: [string, string, string][] = [
    ['an unclosed group', '(ab', "unbalanced '('"],
    ['a stray closing parenthesis', 'ab)', "unbalanced ')'"],
    ['an unclosed class', '[ab', 'unterminated character class'],
    ['a trailing backslash', 'ab\\', 'trailing backslash'],
  ];
  it.each(malformed)('reports %s as malformed, and DuckDB refuses it', async (_name, pattern, reason) => {
    const problem = checkRe2(pattern);
    expect(problem?.kind).toBe('malformed');
    expect(problem?.reason).toContain(reason);
    expect(await duckdbAccepts(pattern)).toBe(false);
  });
});
