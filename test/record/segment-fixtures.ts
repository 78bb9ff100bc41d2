// Test data for segment round trips: edge-case values per schema type.
import type { ColumnBatch, ColumnType, SegmentSchema } from '../../src/record/batch.js';

const LONG = 'x'.repeat(5000);
const MANY = Array.from({ length: 300 }, (_, i) => `arg${i}`);

/** Edge cases per type; cycled through the rows (null included). */
export const EDGE_CASES: Record<ColumnType, unknown[]> = {
  string: ['', 'a\nb\r\n', 'ünïcödé ✓ 𝄞', 'tab\tquote"\\', null, LONG, '\\xff escaped'],
  blob: [new Uint8Array([0xff, 0xfe, 0x00, 0xc3, 0x28]), new Uint8Array(0), null, new Uint8Array([0x80]), new Uint8Array([0x61, 0x0a])],
  int32: [0, -1, 2147483647, -2147483648, null, 42],
  int64: [0n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n, null, 9007199254740993n, -(2n ** 53n) - 3n],
  timestamp_ns: [1763709303123456789n, 0n, -1n, null, 1n, 2n ** 62n + 7n, -(2n ** 60n)],
  bool: [true, false, null],
  'list<string>': [[], ['a'], null, ['x', '', 'y\nz', 'ü'], MANY],
};

/** A value for row `i`: an edge case, or (when `unique`) mostly a row-specific value. */
export function valueFor(type: ColumnType, i: number, unique: boolean, salt: number): unknown {
  const cases = EDGE_CASES[type];
  if (!unique || i % 3 === 0) return cases[(i + salt) % cases.length];
  switch (type) {
    case 'string': return `row ${i} salt ${salt} ✓`;
    case 'blob': return new Uint8Array([i & 0xff, (i >> 8) & 0xff, 0xff, salt & 0xff]);
    case 'int32': return (i * 7919 + salt) | 0;
    case 'int64': return BigInt(i) * 1_000_000_007n * (i % 2 ? -1n : 1n) + BigInt(salt);
    case 'timestamp_ns': return 1_763_709_303_000_000_000n + BigInt(i) * 1_234_567n + BigInt(salt);
    case 'bool': return i % 2 === 0;
    case 'list<string>': return [`r${i}`, `s${salt}`];
  }
}

/** A batch of rows `from..from+count` covering every column of `schema`. */
export function edgeBatch(schema: SegmentSchema, from: number, count: number, unique: boolean): ColumnBatch {
  const columns: Record<string, unknown[]> = {};
  schema.columns.forEach((c, salt) => {
    const values: unknown[] = [];
    for (let i = from; i < from + count; i++) values.push(valueFor(c.type, i, unique, salt));
    columns[c.name] = values;
  });
  // seq identifies the row so the read-back can be ordered
  columns.seq = Array.from({ length: count }, (_, k) => BigInt(from + k));
  return { rowCount: count, columns };
}

/** Comparable form of a cell: blobs as hex, everything else as is. */
export function normalize(v: unknown): unknown {
  if (v instanceof Uint8Array) return `hex:${Buffer.from(v).toString('hex')}`;
  if (Array.isArray(v)) return v.map(normalize);
  return v;
}
