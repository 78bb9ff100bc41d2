import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckSession } from '../../src/analyze/session.js';

let session: DuckSession;
beforeAll(async () => {
  session = await DuckSession.open();
});
afterAll(() => session.close());

describe('DuckSession', () => {
  it.each([
    ['an INTEGER as a number', 'SELECT 42::INTEGER v', 42],
    ['a BIGINT above 2^53 as an exact bigint', 'SELECT 9007199254740993::BIGINT v', 9007199254740993n],
    ['a HUGEINT as a bigint', 'SELECT (2::HUGEINT ** 70)::HUGEINT v', 2n ** 70n],
    ['a TIMESTAMP_NS as bigint ns since the epoch', "SELECT '2025-11-21 07:15:03.123456789'::TIMESTAMP_NS v", 1763709303123456789n],
    ['a TIMESTAMP as bigint µs since the epoch', "SELECT '2025-11-21 07:15:03.123456'::TIMESTAMP v", 1763709303123456n],
    ['a VARCHAR as a string', "SELECT 'a' || chr(10) || 'b' v", 'a\nb'],
    ['a BLOB as bytes', "SELECT '\\xFF\\x00'::BLOB v", new Uint8Array([0xff, 0])],
    ['a VARCHAR[] as an array', "SELECT ['x', NULL, ''] v", ['x', null, '']],
    ['a NULL as null', 'SELECT NULL v', null],
    ['a BOOLEAN as a boolean', 'SELECT true v', true],
  ])('returns %s', async (_name, sql, want) => {
    const [row] = await session.query(sql);
    const v = row!.v;
    expect(v instanceof Uint8Array ? new Uint8Array(v) : v).toEqual(want);
  });

  it('binds positional and named parameters', async () => {
    expect(await session.query('SELECT ?::BIGINT + 1 a, ?::VARCHAR b', [41n, 'x'])).toEqual([{ a: 42n, b: 'x' }]);
    expect(await session.query('SELECT $n::INTEGER * 2 a', { n: 21 })).toEqual([{ a: 42 }]);
  });

  it('names the failing statement and keeps DuckDB\'s error as the cause', async () => {
    const err = await session.query('SELECT * FROM no_such_table').catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe('session: query: SELECT * FROM no_such_table');
    expect(String(((err as Error).cause as Error).message)).toMatch(/no_such_table/);
  });
});
