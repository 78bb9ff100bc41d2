import { ByteWriter } from 'hyparquet-writer';
import { deltaBinaryPack } from 'hyparquet-writer/src/delta.js';
import { describe, expect, it } from 'vitest';
import { Bytes } from '../../src/record/segment-bytes.js';
import { writeDeltaInt64 } from '../../src/record/segment-delta.js';

function reference(values: bigint[]): string {
  const w = new ByteWriter();
  deltaBinaryPack(w, values, 'INT64');
  return Buffer.from(w.getBytes()).toString('hex');
}

function ours(values: bigint[]): string {
  const out = new Bytes(16);
  writeDeltaInt64(out, values);
  return Buffer.from(out.bytes()).toString('hex');
}

let seed = 1;
const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const T0 = 1_763_709_303_123_456_789n;

describe('delta encoding of int64 columns', () => {
  it.each([
    ['one value', [T0]],
    ['a counter', Array.from({ length: 1000 }, (_, i) => BigInt(i))],
    ['ns timestamps a few µs apart', Array.from({ length: 777 }, (_, i) => T0 + BigInt(i * 2300 + Math.floor(rand() * 150)))],
    ['equal values', Array(300).fill(T0)],
    ['decreasing values', Array.from({ length: 200 }, (_, i) => T0 - BigInt(i * 1000))],
    ['a jump of 2^40 ns (fallback path)', [T0, T0 + 2n ** 40n, T0 + 2n ** 40n + 1n]],
    ['deltas of 20 to 30 bits', Array.from({ length: 500 }, (_, i) => BigInt(i) * 1_000_000n + BigInt(Math.floor(rand() * 2 ** 30)))],
    ['the int64 extremes (wrapping deltas)', [2n ** 63n - 1n, -(2n ** 63n), 0n, -1n, 2n ** 63n - 1n]],
    ['negative values', Array.from({ length: 130 }, (_, i) => -(2n ** 60n) + BigInt(i * 3))],
  ])('matches hyparquet-writer byte for byte for %s', (_name, values) => {
    expect(ours(values)).toBe(reference(values));
  });
});
