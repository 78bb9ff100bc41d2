import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckSession } from '../../../src/analyze/session.js';
import { sqlString } from '../../../src/analyze/sql.js';
import { globSql } from '../../../src/rules/falco/glob.js';

let session: DuckSession;
beforeAll(async () => {
  session = await DuckSession.open();
});
afterAll(() => session.close());

describe('globSql (fnmatch without flags)', () => {
  it.each<[string, string, string, boolean, boolean?]>([
    ['* matches the empty string', '*', '', true],
    ['* matches across slashes', 'a*c', 'a/b/c', true],
    ['? matches exactly one character', 'a?c', 'abc', true],
    ['? does not match zero characters', 'a?c', 'ac', false],
    ['an escaped star is literal', 'a\\*c', 'a*c', true],
    ['an escaped star is not a wildcard', 'a\\*c', 'abc', false],
    ['an escaped backslash matches a backslash', 'a\\\\c', 'a\\c', true],
    ['% and _ are ordinary characters', '50%_*', '50%_x', true],
    ['% is not a wildcard', '50%_*', '50xyz', false],
    ['a dot is an ordinary character', 'a.c', 'abc', false],
    ['a class range matches a member', '[a-c]x', 'bx', true],
    ['a class range rejects a non-member', '[a-c]x', 'dx', false],
    ['[! negates a class', '[!a-c]x', 'bx', false],
    ['[^ negates a class too', '[^a]x', 'bx', true],
    ['] first in a class is a member', '[]a]x', ']x', true],
    ['- last in a class is a member', '[a-]x', '-x', true],
    ['- last in a class does not make a range', '[a-]x', 'bx', false],
    ['regex characters in a class pattern stay literal', '[.]+', '.+', true],
    ['a dot in a class pattern is not any character', '[.]+', 'a+', false],
    ['an unclosed [ is literal', 'a[b', 'a[b', true],
    ['a named class matches its characters', 'v[[:digit:]]', 'v1', true],
    ['iglob ignores case without a class', 'A*C', 'abc', true, true],
    ['iglob ignores case with a class', 'A[B]C', 'abc', true, true],
    ['glob is case-sensitive', 'A*C', 'abc', false],
  ])('%s', async (_name, pattern, value, want, ci = false) => {
    const [row] = await session.query(`SELECT ${globSql('v', pattern, ci)} AS m FROM (SELECT ${sqlString(value)} AS v)`);
    expect(row!.m).toBe(want);
  });
});
