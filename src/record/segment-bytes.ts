/**
 * Low-level Parquet encodings over a growable byte buffer: little-endian
 * integers, varints, the RLE/bit-packed hybrid (levels and dictionary
 * indexes) and PLAIN byte arrays. Pure; no I/O.
 *
 * Reference: https://parquet.apache.org/docs/file-format/data-pages/encodings/
 */

/** A growable byte buffer, reused across column chunks to avoid allocation. */
export class Bytes {
  buf: Uint8Array;
  view: DataView;
  len = 0;

  constructor(initialBytes = 1 << 16) {
    this.buf = new Uint8Array(initialBytes);
    this.view = new DataView(this.buf.buffer);
  }

  reset(): void {
    this.len = 0;
  }

  /** The bytes written so far (a view, valid until the next write). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.len++] = v;
  }

  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.len, v, true);
    this.len += 4;
  }

  /** Overwrite a u32 written earlier (a length prefix). */
  patchU32(at: number, v: number): void {
    this.view.setUint32(at, v, true);
  }

  varint(v: number): void {
    this.ensure(5);
    while (v > 0x7f) {
      this.buf[this.len++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.len++] = v;
  }

  append(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }
}

/** Bits needed to store values 0..maxValue (at least 1). */
export function bitWidthFor(maxValue: number): number {
  return maxValue <= 1 ? 1 : 32 - Math.clz32(maxValue);
}

/** Max groups of 8 in one bit-packed run; 63 keeps the run header one byte, as parquet-mr does. */
const MAX_PACKED_GROUPS = 63;

/**
 * RLE/bit-packed hybrid encoding of `values[0..count)` (each < 2^bitWidth,
 * bitWidth <= 24): runs of 8 or more equal values become RLE runs, the rest
 * bit-packed groups of 8 (the last group padded with zeros).
 */
export function writeHybrid(out: Bytes, values: Uint8Array | Uint32Array, count: number, bitWidth: number): void {
  const valueBytes = (bitWidth + 7) >> 3;
  let i = 0;
  let packStart = -1;
  let packGroups = 0;
  while (i < count) {
    const v = values[i]!;
    let run = 1;
    while (i + run < count && values[i + run] === v) run++;
    if (run >= 8) {
      if (packGroups) {
        writePacked(out, values, count, packStart, packGroups, bitWidth);
        packGroups = 0;
      }
      out.varint(run * 2);
      for (let b = 0; b < valueBytes; b++) out.u8((v >>> (8 * b)) & 0xff);
      i += run;
    } else {
      if (packGroups === 0) packStart = i;
      packGroups++;
      i += 8;
      if (packGroups === MAX_PACKED_GROUPS) {
        writePacked(out, values, count, packStart, packGroups, bitWidth);
        packGroups = 0;
      }
    }
  }
  if (packGroups) writePacked(out, values, count, packStart, packGroups, bitWidth);
}

function writePacked(out: Bytes, values: Uint8Array | Uint32Array, count: number, start: number, groups: number, bitWidth: number): void {
  out.varint((groups << 1) | 1);
  out.ensure(groups * bitWidth);
  const buf = out.buf;
  let pos = out.len;
  let acc = 0;
  let bits = 0;
  const end = start + groups * 8;
  for (let i = start; i < end; i++) {
    const v = i < count ? values[i]! : 0;
    acc |= v << bits; // bits < 8 and bitWidth <= 24, so this fits in 32 bits
    bits += bitWidth;
    while (bits >= 8) {
      buf[pos++] = acc & 0xff;
      acc >>>= 8;
      bits -= 8;
    }
  }
  out.len = pos;
}

/** PLAIN BOOLEAN: one bit per value, LSB first. */
export function writePlainBools(out: Bytes, values: readonly boolean[]): void {
  const n = values.length;
  out.ensure((n + 7) >> 3);
  const buf = out.buf;
  let pos = out.len;
  for (let i = 0; i < n; i += 8) {
    let byte = 0;
    for (let b = 0; b < 8 && i + b < n; b++) if (values[i + b]) byte |= 1 << b;
    buf[pos++] = byte;
  }
  out.len = pos;
}

/** PLAIN BYTE_ARRAY: u32 length, then the bytes, per value. */
export function writePlainBlobs(out: Bytes, values: readonly Uint8Array[]): void {
  for (const v of values) {
    out.u32(v.length);
    out.append(v);
  }
}

/** PLAIN BYTE_ARRAY of strings as UTF-8 (lone surrogates become U+FFFD). */
export function writePlainStrings(out: Bytes, values: readonly string[]): void {
  for (const s of values) {
    // a UTF-16 code unit takes at most 3 UTF-8 bytes
    out.ensure(4 + s.length * 3);
    const n = bufferOf(out).write(s, out.len + 4, s.length * 3, 'utf8');
    out.patchU32(out.len, n);
    out.len += 4 + n;
  }
}

/** A Buffer view over the current backing store of `out` (cached per store). */
const buffers = new WeakMap<Uint8Array, Buffer>();
function bufferOf(out: Bytes): Buffer {
  let b = buffers.get(out.buf);
  if (!b) {
    b = Buffer.from(out.buf.buffer, out.buf.byteOffset, out.buf.byteLength);
    buffers.set(out.buf, b);
  }
  return b;
}

/** PLAIN INT32. */
export function writePlainInt32(out: Bytes, values: readonly number[]): void {
  out.ensure(values.length * 4);
  const view = out.view;
  let pos = out.len;
  for (const v of values) {
    view.setInt32(pos, v, true);
    pos += 4;
  }
  out.len = pos;
}

/** PLAIN INT64. */
export function writePlainInt64(out: Bytes, values: readonly bigint[]): void {
  out.ensure(values.length * 8);
  const view = out.view;
  let pos = out.len;
  for (const v of values) {
    view.setBigInt64(pos, v, true);
    pos += 8;
  }
  out.len = pos;
}
