import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DuckSession } from '../../src/analyze/session.js';
import { loadSegmentSchema, parseSegmentSchema, type ColumnBatch } from '../../src/record/batch.js';
import { SegmentWriter } from '../../src/record/segment-writer.js';
import { edgeBatch, normalize } from './segment-fixtures.js';

const schema = loadSegmentSchema();
let session: DuckSession;
let dir: string;

beforeAll(async () => {
  session = await DuckSession.open();
});
afterAll(() => session.close());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hs-seg-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Write `batches` as one segment and return its path. */
async function writeSegment(batches: ColumnBatch[], baseName = 'seg'): Promise<string> {
  const w = SegmentWriter.open({ dir, baseName, schema, kvMetadata: { 'hindsight.run_id': 'run123' } });
  for (const b of batches) w.writeRowGroup(b);
  return (await w.finish()).path;
}

/** The messages of the error `f` throws and its causes, joined by ': ' (as the CLI prints them). */
function errorChain(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    const parts: string[] = [];
    for (let e: unknown = err; e instanceof Error; e = e.cause) parts.push(e.message);
    return parts.join(': ');
  }
  throw new Error('expected an error');
}

async function readBack(path: string): Promise<Record<string, unknown>[]> {
  return session.query(`SELECT * FROM read_parquet('${path}') ORDER BY seq`);
}

function expectedRows(batches: ColumnBatch[]): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const b of batches) {
    for (let i = 0; i < b.rowCount; i++) {
      const row: Record<string, unknown> = {};
      for (const c of schema.columns) row[c.name] = normalize(b.columns[c.name]?.[i] ?? null);
      rows.push(row);
    }
  }
  return rows.sort((a, b) => (a.seq as bigint) < (b.seq as bigint) ? -1 : 1);
}

describe('segment schema', () => {
  it('loads the shipped contract with 96 typed columns', () => {
    expect(schema.version).toBe(1);
    expect(schema.columns).toHaveLength(96);
  });

  it.each([
    ['an unknown type is named in the error', { name: 's', version: 1, columns: [{ name: 'a', type: 'float64' }] }, /column a: unsupported column type: float64/],
    ['a duplicate column is named', { name: 's', version: 1, columns: [{ name: 'a', type: 'int32' }, { name: 'a', type: 'int32' }] }, /duplicate column: a/],
    ['a missing version is rejected', { name: 's', columns: [{ name: 'a', type: 'int32' }] }, /bad version/],
  ])('%s', (_name, doc, message) => {
    expect(() => parseSegmentSchema(doc)).toThrow(message);
  });
});

describe('segment round trip through DuckDB', () => {
  it.each([
    ['repeated edge cases (dictionary-encoded) read back exactly', false],
    ['mostly distinct values (plain-encoded) read back exactly', true],
  ])('%s', async (_name, unique) => {
    const batches = [edgeBatch(schema, 0, 400, unique), edgeBatch(schema, 400, 1, unique), edgeBatch(schema, 401, 599, unique)];
    const path = await writeSegment(batches);
    const rows = await readBack(path);
    expect(rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, normalize(v)])))).toEqual(expectedRows(batches));
  });

  it('maps every schema type to the intended DuckDB type', async () => {
    const path = await writeSegment([edgeBatch(schema, 0, 10, false)]);
    const types = await session.query(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${path}'))`);
    const byName = new Map(types.map((t) => [t.column_name, t.column_type]));
    const want = { string: 'VARCHAR', blob: 'BLOB', int32: 'INTEGER', int64: 'BIGINT', bool: 'BOOLEAN', timestamp_ns: 'TIMESTAMP_NS', 'list<string>': 'VARCHAR[]' };
    for (const c of schema.columns) expect([c.name, byName.get(c.name)]).toEqual([c.name, want[c.type]]);
  });

  it('keeps nanoseconds and values above 2^53 exact in SQL, not only in JS', async () => {
    const path = await writeSegment([{ rowCount: 1, columns: { seq: [2n ** 62n + 1n], time: [1763709303123456789n], uid: [9007199254740993n] } }]);
    const [row] = await session.query(`SELECT seq::VARCHAR s, epoch_ns(time)::VARCHAR t, strftime(time, '%Y-%m-%d %H:%M:%S.%n') iso, (uid - 9007199254740992)::VARCHAR u FROM read_parquet('${path}')`);
    expect(row).toEqual({ s: '4611686018427387905', t: '1763709303123456789', iso: '2025-11-21 07:15:03.123456789', u: '1' });
  });

  it('writes one Parquet row group per writeRowGroup call', async () => {
    const path = await writeSegment([edgeBatch(schema, 0, 5, false), edgeBatch(schema, 5, 7, false), edgeBatch(schema, 12, 1, false)]);
    const groups = await session.query(`SELECT row_group_id, row_group_num_rows n FROM parquet_metadata('${path}') WHERE path_in_schema = 'seq' ORDER BY 1`);
    expect(groups.map((g) => g.n)).toEqual([5n, 7n, 1n]);
  });

  it('treats columns missing from a batch as all null', async () => {
    const path = await writeSegment([{ rowCount: 3, columns: { seq: [1n, 2n, 3n] } }]);
    const [row] = await session.query(`SELECT count(*) n, count(time) t, count(argv) a, count(path_raw) p FROM read_parquet('${path}')`);
    expect(row).toEqual({ n: 3n, t: 0n, a: 0n, p: 0n });
  });

  it('puts the schema version and caller metadata in the footer', async () => {
    const path = await writeSegment([edgeBatch(schema, 0, 3, false)]);
    const kv = await session.query(`SELECT decode(key) k, decode(value) v FROM parquet_kv_metadata('${path}') ORDER BY 1`);
    expect(Object.fromEntries(kv.map((r) => [r.k, r.v]))).toEqual({
      'hindsight.run_id': 'run123', 'hindsight.schema_name': 'hindsight.events', 'hindsight.schema_version': '1', 'hindsight.time_zone': 'UTC',
    });
  });

  it('writes min/max statistics DuckDB can prune on for time and seq', async () => {
    const path = await writeSegment([{ rowCount: 3, columns: { seq: [10n, 11n, 12n], time: [5n, 1763709303123456789n, 7n] } }]);
    const stats = await session.query(`SELECT path_in_schema p, stats_min_value mn, stats_max_value mx FROM parquet_metadata('${path}') WHERE path_in_schema IN ('seq', 'time') ORDER BY 1`);
    expect(stats).toEqual([
      { p: 'seq', mn: '10', mx: '12' },
      { p: 'time', mn: '1970-01-01 00:00:00.000000005', mx: '2025-11-21 07:15:03.123456789' },
    ]);
  });
});

describe('segment file lifecycle', () => {
  it('publishes <base>.parquet with mode 0600 and the sha256 of its bytes', async () => {
    const w = SegmentWriter.open({ dir, baseName: 'a', schema });
    expect(readdirSync(dir)).toEqual(['a.parquet.tmp']);
    expect(statSync(w.tmpPath).mode & 0o777).toBe(0o600);
    w.writeRowGroup(edgeBatch(schema, 0, 50, false));
    expect(w.rowCount).toBe(50);
    expect(w.bytesWritten).toBeGreaterThan(4);
    const info = await w.finish();
    expect(readdirSync(dir)).toEqual(['a.parquet']);
    expect(statSync(info.path).mode & 0o777).toBe(0o600);
    const bytes = readFileSync(info.path);
    expect(info).toMatchObject({ rows: 50, sizeBytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
  });

  it('leaves only the tmp file when the process dies before finish, and abort removes it', () => {
    const w = SegmentWriter.open({ dir, baseName: 'b', schema });
    w.writeRowGroup(edgeBatch(schema, 0, 10, false));
    expect(readdirSync(dir)).toEqual(['b.parquet.tmp']);
    w.abort();
    expect(readdirSync(dir)).toEqual([]);
    w.abort();
  });

  it.each([
    ['an unknown column', { rowCount: 1, columns: { sequence: [1n] } }, /unknown column: sequence/],
    ['a column of the wrong length', { rowCount: 2, columns: { seq: [1n] } }, /column seq has 1 values, batch has 2 rows/],
    ['a number in an int64 column', { rowCount: 1, columns: { seq: [1] } }, /column seq \(int64\): unexpected value number 1/],
    ['a fractional int32', { rowCount: 1, columns: { pid: [1.5] } }, /pid \(int32\): value out of range: 1.5/],
    ['an int64 above 2^63-1', { rowCount: 1, columns: { ino: [2n ** 63n] } }, /ino \(int64\): value out of range/],
    ['a string in a blob column', { rowCount: 1, columns: { path_raw: ['x'] } }, /path_raw \(blob\): unexpected value string x/],
    ['a list item that is not a string', { rowCount: 1, columns: { argv: [['a', 1]] } }, /argv \(list<string>\): unexpected value number 1/],
  ])('rejects a batch with %s and stays usable', async (_name, bad, message) => {
    const w = SegmentWriter.open({ dir, baseName: 'c', schema });
    w.writeRowGroup({ rowCount: 1, columns: { seq: [1n], pid: [7] } });
    expect(errorChain(() => w.writeRowGroup(bad as ColumnBatch))).toMatch(message);
    w.writeRowGroup({ rowCount: 1, columns: { seq: [2n], pid: [8] } });
    const info = await w.finish();
    expect(await session.query(`SELECT seq, pid FROM read_parquet('${info.path}') ORDER BY seq`)).toEqual([{ seq: 1n, pid: 7 }, { seq: 2n, pid: 8 }]);
  });

  it('refuses to clobber a leftover tmp file', () => {
    SegmentWriter.open({ dir, baseName: 'd', schema });
    expect(() => SegmentWriter.open({ dir, baseName: 'd', schema })).toThrow(/segment: create .*d\.parquet\.tmp/);
    expect(existsSync(join(dir, 'd.parquet'))).toBe(false);
  });
});
