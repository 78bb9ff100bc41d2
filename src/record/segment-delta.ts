/**
 * DELTA_BINARY_PACKED for INT64 columns that grow row by row (seq, time,
 * ktime_ns), in float64 arithmetic instead of BigInt arithmetic: about ten
 * times faster. Same parameters and bytes as hyparquet-writer's encoder
 * (blocks of 128 values, 4 miniblocks of 32), which remains the fallback for
 * deltas this fast path cannot hold exactly.
 *
 * Reference: https://parquet.apache.org/docs/file-format/data-pages/encodings/#delta-encoding-delta_binary_packed--5
 */
import { ByteWriter } from 'hyparquet-writer';
import { deltaBinaryPack } from 'hyparquet-writer/src/delta.js';
import type { Bytes } from './segment-bytes.js';

const BLOCK = 128;
const MINIBLOCKS = 4;
const PER_MINIBLOCK = BLOCK / MINIBLOCKS;
const TWO_32 = 4294967296;
/** Largest delta - minDelta packed by the fast path (31 bits). */
const MAX_ADJUSTED = 0x7fffffff;

let scratch = new BigInt64Array(0);
let deltas = new Float64Array(0);

/** Append `values` (non-empty, each a signed 64-bit bigint) DELTA_BINARY_PACKED to `out`. */
export function writeDeltaInt64(out: Bytes, values: readonly bigint[]): void {
  if (!tryFast(out, values)) {
    const w = new ByteWriter(values.length * 4 + 64);
    deltaBinaryPack(w, values as bigint[], 'INT64');
    out.append(w.getBytes());
  }
}

function tryFast(out: Bytes, values: readonly bigint[]): boolean {
  const n = values.length;
  if (scratch.length < n) {
    scratch = new BigInt64Array(n * 2);
    deltas = new Float64Array(n * 2);
  }
  for (let i = 0; i < n; i++) scratch[i] = values[i]!;
  const lo = new Uint32Array(scratch.buffer, 0, n * 2);
  const hi = new Int32Array(scratch.buffer, 0, n * 2);
  // delta i (for value i+1) from the 32-bit halves: exact while |delta| < 2^53
  for (let i = 1; i < n; i++) {
    const d = (hi[2 * i + 1]! - hi[2 * i - 1]!) * TWO_32 + (lo[2 * i]! - lo[2 * i - 2]!);
    if (d > Number.MAX_SAFE_INTEGER || d < -Number.MAX_SAFE_INTEGER) return false;
    deltas[i - 1] = d;
  }
  // check every block fits before writing anything
  for (let b = 0; b < n - 1; b += BLOCK) {
    const end = Math.min(b + BLOCK, n - 1);
    let min = deltas[b]!;
    let max = min;
    for (let i = b + 1; i < end; i++) {
      const d = deltas[i]!;
      if (d < min) min = d;
      else if (d > max) max = d;
    }
    if (max - min > MAX_ADJUSTED) return false;
  }

  const start = out.len;
  out.varint(BLOCK);
  out.varint(MINIBLOCKS);
  out.varint(n);
  const first = values[0]!;
  zigzagBig(out, first);
  const widths = new Uint8Array(MINIBLOCKS);
  for (let b = 0; b < n - 1; b += BLOCK) {
    const end = Math.min(b + BLOCK, n - 1);
    let min = deltas[b]!;
    for (let i = b + 1; i < end; i++) if (deltas[i]! < min) min = deltas[i]!;
    zigzagNumber(out, min);
    for (let m = 0; m < MINIBLOCKS; m++) {
      const ms = b + m * PER_MINIBLOCK;
      const me = Math.min(ms + PER_MINIBLOCK, end);
      let max = 0;
      for (let i = ms; i < me; i++) {
        const a = deltas[i]! - min;
        if (a > max) max = a;
      }
      widths[m] = max === 0 ? 0 : 32 - Math.clz32(max);
    }
    out.append(widths);
    for (let m = 0; m < MINIBLOCKS; m++) {
      const width = widths[m]!;
      if (width === 0) continue;
      const ms = b + m * PER_MINIBLOCK;
      out.ensure(width * 4);
      const buf = out.buf;
      let pos = out.len;
      let acc = 0;
      let bits = 0;
      for (let k = 0; k < PER_MINIBLOCK; k++) {
        const i = ms + k;
        const a = i < end ? deltas[i]! - min : 0;
        // acc holds < 8 pending bits; a < 2^31: the sum stays below 2^39, exact in a double
        acc += a * 2 ** bits;
        bits += width;
        while (bits >= 8) {
          buf[pos++] = acc % 256;
          acc = Math.floor(acc / 256);
          bits -= 8;
        }
      }
      out.len = pos;
    }
  }
  return out.len > start;
}

/** ULEB128 of the zigzag of a signed 64-bit bigint. */
function zigzagBig(out: Bytes, v: bigint): void {
  let z = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
  while (z > 0x7fn) {
    out.u8(Number(z & 0x7fn) | 0x80);
    z >>= 7n;
  }
  out.u8(Number(z));
}

/** ULEB128 of the zigzag of a safe integer. */
function zigzagNumber(out: Bytes, v: number): void {
  let z = v >= 0 ? v * 2 : -v * 2 - 1;
  while (z > 0x7f) {
    out.u8((z % 128) | 0x80);
    z = Math.floor(z / 128);
  }
  out.u8(z);
}
