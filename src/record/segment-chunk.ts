/**
 * Encodes one column chunk of a row group: levels, values, optional
 * dictionary, ZSTD, page headers and the chunk's metadata. Pure apart from
 * appending to the given `Writer`.
 *
 * Layout per chunk: at most one dictionary page and exactly one DATA_PAGE (v1).
 * v1 pages compress the definition levels together with the values: in v2
 * pages levels are stored raw, which for a sparse event table (most columns
 * null in most rows) costs about one uncompressed bit per row per column.
 *
 * Value encodings:
 * - `delta` columns (seq, time, ktime_ns): DELTA_BINARY_PACKED.
 * - string, int32, int64, timestamp_ns, list<string> items: RLE_DICTIONARY when
 *   the distinct values are at most half the non-null values, else PLAIN.
 * - bool, blob: PLAIN.
 * Everything then goes through ZSTD.
 *
 * Written for speed over a wide, mostly-null table: one pass over each
 * column to split levels from values, then work only on the non-null values.
 */
import type { ColumnChunk, Encoding, SchemaElement, Statistics } from 'hyparquet';
import type { Writer } from 'hyparquet-writer';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import type { ColumnType } from './batch.js';
import { writeDeltaInt64 } from './segment-delta.js';
import {
  Bytes, bitWidthFor, writeHybrid, writePlainBlobs, writePlainBools, writePlainInt32, writePlainInt64, writePlainStrings,
} from './segment-bytes.js';

/** What the encoder needs to know about a column. */
export interface ChunkColumn {
  name: string;
  type: ColumnType;
  /** The leaf schema element (for list<string>: the `element` node). */
  leaf: SchemaElement;
  /** Schema path of the leaf below the root, e.g. ['argv', 'list', 'element']. */
  path: string[];
  delta: boolean;
  statistics: boolean;
}

export type Compress = (bytes: Uint8Array) => Uint8Array;

/** Scratch buffers reused across chunks (one set per writer). */
export class ChunkScratch {
  body = new Bytes(1 << 20);
  defs = new Uint8Array(0);
  reps = new Uint8Array(0);
  indexes = new Uint32Array(0);
  values: unknown[] = [];

  levels(n: number): void {
    if (this.defs.length < n) {
      this.defs = new Uint8Array(n * 2);
      this.reps = new Uint8Array(n * 2);
    }
  }
}

/** A dictionary may not hold more distinct values than this (keeps index width <= 20 bits). */
const MAX_DICTIONARY = 1 << 20;

/**
 * Append the chunk of `column` for `rowCount` rows to `writer` and return its
 * metadata. `data` undefined means all null.
 * @throws Error `segment: column <name>: ...` on a value of the wrong JS type.
 */
export function writeChunk(writer: Writer, column: ChunkColumn, data: readonly unknown[] | undefined, rowCount: number,
  compress: Compress, scratch: ChunkScratch): ColumnChunk {
  const start = writer.offset;
  const isList = column.type === 'list<string>';
  // 1. split levels from values
  let levelCount: number;
  let values: unknown[];
  let nulls = 0;
  scratch.levels(rowCount);
  if (!isList) {
    levelCount = rowCount;
    if (data) {
      if (scratch.values.length < rowCount) scratch.values = new Array<unknown>(rowCount).fill(null);
      nulls = splitFlat(column, data, rowCount, scratch.defs, scratch.values);
      values = scratch.values.slice(0, rowCount - nulls);
    } else {
      values = [];
      scratch.defs.fill(0, 0, rowCount);
      nulls = rowCount;
    }
  } else {
    ({ levelCount, values, nulls } = listLevels(column, data, rowCount, scratch));
  }

  // 2. encode values
  const body = scratch.body;
  let dictionary: Uint8Array | undefined;
  let dictionarySize = 0;
  let encoding: Encoding = 'PLAIN';
  let statistics: Statistics | undefined;
  body.reset();
  // levels first: [reps] [defs], each u32-length-prefixed
  if (isList) writeLevels(body, scratch.reps, levelCount, 1);
  writeLevels(body, scratch.defs, levelCount, isList ? 3 : 1);
  if (values.length) {
    if (column.type === 'int32' || column.type === 'blob') checkValues(column, values);
    let statsOver: readonly unknown[] = values;
    if (column.delta) {
      checkValues(column, values);
      encoding = 'DELTA_BINARY_PACKED';
      writeDeltaInt64(body, values as bigint[]);
    } else if (column.type !== 'bool' && column.type !== 'blob') {
      const dict = buildDictionary(values, scratch);
      if (column.type === 'int64' || column.type === 'timestamp_ns') checkValues(column, dict ?? values);
      if (dict) {
        statsOver = dict;
        encoding = 'RLE_DICTIONARY';
        dictionarySize = dict.length;
        const d = new Bytes(4096);
        writePlain(d, column.type, dict);
        dictionary = d.bytes();
        const width = bitWidthFor(dict.length - 1);
        body.u8(width);
        writeHybrid(body, scratch.indexes, values.length, width);
      } else {
        writePlain(body, column.type, values);
      }
    } else {
      writePlain(body, column.type, values);
    }
    if (column.statistics) statistics = minMax(column, statsOver);
  }
  if (statistics) statistics.null_count = BigInt(nulls);
  else if (column.statistics) statistics = { null_count: BigInt(nulls) };

  // 3. pages
  let uncompressed = 0;
  let dictionaryOffset: bigint | undefined;
  if (dictionary) {
    dictionaryOffset = BigInt(writer.offset);
    const packed = compress(dictionary);
    const h0 = writer.offset;
    writePageHeader(writer, {
      type: 'DICTIONARY_PAGE',
      uncompressed_page_size: dictionary.length,
      compressed_page_size: packed.length,
      dictionary_page_header: { num_values: dictionarySize, encoding: 'PLAIN' },
    });
    uncompressed += writer.offset - h0 + dictionary.length;
    writer.appendBytes(packed);
  }
  const dataOffset = BigInt(writer.offset);
  const raw = body.bytes();
  const packed = compress(raw);
  const h0 = writer.offset;
  writePageHeader(writer, {
    type: 'DATA_PAGE',
    uncompressed_page_size: raw.length,
    compressed_page_size: packed.length,
    data_page_header: {
      num_values: levelCount,
      encoding,
      definition_level_encoding: 'RLE',
      repetition_level_encoding: 'RLE',
    },
  });
  uncompressed += writer.offset - h0 + raw.length;
  writer.appendBytes(packed);

  const encodings: Encoding[] = dictionary ? ['PLAIN', 'RLE', 'RLE_DICTIONARY'] : encoding === 'PLAIN' ? ['PLAIN', 'RLE'] : ['RLE', encoding];
  return {
    file_offset: BigInt(start),
    meta_data: {
      type: column.leaf.type!,
      encodings,
      path_in_schema: column.path,
      codec: 'ZSTD',
      num_values: BigInt(levelCount),
      total_uncompressed_size: BigInt(uncompressed),
      total_compressed_size: BigInt(writer.offset - start),
      data_page_offset: dataOffset,
      ...(dictionaryOffset !== undefined ? { dictionary_page_offset: dictionaryOffset } : {}),
      ...(statistics ? { statistics } : {}),
    },
  };
}

/**
 * Definition levels of a flat optional column into `defs` (1 = value, 0 =
 * null) and its non-null values into the front of `values` (a reused,
 * preallocated array: pushing onto a fresh array measured 15x slower);
 * returns the null count.
 */
function splitFlat(column: ChunkColumn, data: readonly unknown[], rowCount: number, defs: Uint8Array, values: unknown[]): number {
  const want = JS_TYPE[column.type];
  let nulls = 0;
  let k = 0;
  for (let i = 0; i < rowCount; i++) {
    const v = data[i];
    if (v === null || v === undefined) {
      defs[i] = 0;
      nulls++;
    } else if (typeof v === want) {
      defs[i] = 1;
      values[k++] = v;
    } else {
      throw badValue(column, v);
    }
  }
  return nulls;
}

/** Levels for a 3-level LIST of optional strings: max repetition 1, max definition 3. */
function listLevels(column: ChunkColumn, data: readonly unknown[] | undefined, rowCount: number, scratch: ChunkScratch):
  { levelCount: number; values: unknown[]; nulls: number } {
  const values: unknown[] = [];
  let count = 0;
  let nulls = 0;
  const push = (rep: number, def: number): void => {
    if (count === scratch.defs.length) {
      const d = new Uint8Array(count * 2);
      d.set(scratch.defs);
      scratch.defs = d;
      const r = new Uint8Array(count * 2);
      r.set(scratch.reps);
      scratch.reps = r;
    }
    scratch.reps[count] = rep;
    scratch.defs[count++] = def;
  };
  for (let i = 0; i < rowCount; i++) {
    const row = data?.[i];
    if (row === null || row === undefined) {
      push(0, 0);
      nulls++;
      continue;
    }
    if (!Array.isArray(row)) throw new Error(`segment: column ${column.name}: expected string[] or null, got ${typeof row}`);
    if (row.length === 0) {
      push(0, 1);
      continue;
    }
    for (let j = 0; j < row.length; j++) {
      const item: unknown = row[j];
      if (item === null || item === undefined) {
        push(j === 0 ? 0 : 1, 2);
      } else {
        if (typeof item !== 'string') throw badValue(column, item);
        push(j === 0 ? 0 : 1, 3);
        values.push(item);
      }
    }
  }
  return { levelCount: count, values, nulls };
}

function writeLevels(out: Bytes, levels: Uint8Array, count: number, maxLevel: number): void {
  const at = out.len;
  out.u32(0);
  writeHybrid(out, levels, count, bitWidthFor(maxLevel));
  out.patchU32(at, out.len - at - 4);
}

const JS_TYPE: Record<ColumnType, string> = {
  string: 'string', 'list<string>': 'string', int32: 'number', int64: 'bigint', timestamp_ns: 'bigint', bool: 'boolean', blob: 'object',
};

function badValue(column: ChunkColumn, v: unknown): Error {
  return new Error(`segment: column ${column.name} (${column.type}): unexpected value ${describe(v)}`);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Range checks the JS type cannot express: int32 integers, int64 within
 * signed 64 bits (a u64 above 2^63-1 would otherwise wrap silently), blobs
 * being Uint8Array. Run over the values actually encoded (the dictionary, when
 * there is one), so repeated values are checked once.
 */
function checkValues(column: ChunkColumn, values: readonly unknown[]): void {
  if (column.type === 'int32') {
    for (const v of values as number[]) {
      if ((v | 0) !== v) throw new Error(`segment: column ${column.name} (int32): value out of range: ${v}`);
    }
  } else if (column.type === 'int64' || column.type === 'timestamp_ns') {
    for (const v of values as bigint[]) {
      if (v < INT64_MIN || v > INT64_MAX) throw new Error(`segment: column ${column.name} (${column.type}): value out of range: ${v}`);
    }
  } else if (column.type === 'blob') {
    for (const v of values) if (!(v instanceof Uint8Array)) throw badValue(column, v);
  }
}

function describe(v: unknown): string {
  if (typeof v === 'object') return v === null ? 'null' : (v.constructor?.name ?? 'object');
  return `${typeof v} ${String(v).slice(0, 40)}`;
}

/**
 * Dictionary of the distinct values, indexes into scratch.indexes; undefined
 * when more than half the values are distinct (plain + ZSTD is then smaller
 * and cheaper).
 */
function buildDictionary(values: readonly unknown[], scratch: ChunkScratch): unknown[] | undefined {
  const n = values.length;
  const limit = Math.min(MAX_DICTIONARY, Math.max(16, n >> 1));
  if (scratch.indexes.length < n) scratch.indexes = new Uint32Array(Math.max(n, scratch.indexes.length * 2));
  const indexes = scratch.indexes;
  const map = new Map<unknown, number>();
  const dict: unknown[] = [];
  let last: unknown = undefined;
  let lastIndex = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === last) {
      indexes[i] = lastIndex; // runs of one value (a file-open storm) skip the hash lookup
      continue;
    }
    let k = map.get(v);
    if (k === undefined) {
      if (dict.length === limit) return undefined;
      k = dict.length;
      map.set(v, k);
      dict.push(v);
    }
    indexes[i] = k;
    last = v;
    lastIndex = k;
  }
  return dict;
}

function writePlain(out: Bytes, type: ColumnType, values: readonly unknown[]): void {
  switch (type) {
    case 'string':
    case 'list<string>':
      return writePlainStrings(out, values as string[]);
    case 'blob':
      return writePlainBlobs(out, values as Uint8Array[]);
    case 'int32':
      return writePlainInt32(out, values as number[]);
    case 'int64':
    case 'timestamp_ns':
      return writePlainInt64(out, values as bigint[]);
    case 'bool':
      return writePlainBools(out, values as boolean[]);
  }
}

/** min/max of the non-null values; strings and blobs compare as bytes (UTF-8 order). */
function minMax(column: ChunkColumn, values: readonly unknown[]): Statistics {
  if (column.type === 'bool' || column.type === 'list<string>') return {};
  if (column.type === 'string' || column.type === 'blob') {
    let min = toBytes(values[0]);
    let max = min;
    let last: unknown = values[0];
    for (const v of values) {
      if (v === last) continue; // runs of one value are common and need no compare
      last = v;
      const b = toBytes(v);
      if (Buffer.compare(b, min) < 0) min = b;
      else if (Buffer.compare(b, max) > 0) max = b;
    }
    return { min_value: min, max_value: max };
  }
  let min = values[0] as number | bigint;
  let max = min;
  for (const v of values as (number | bigint)[]) {
    if (v < min) min = v;
    else if (v > max) max = v;
  }
  return { min_value: min, max_value: max };
}

function toBytes(v: unknown): Uint8Array {
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : (v as Uint8Array);
}
