/**
 * The columnar batch handed to the segment writer, and the segment schema
 * contract (formats/segment-schema.json) it is checked against.
 *
 * A batch is column-major: one array per column, all `rowCount` long. The JS
 * type of each value is fixed by the column's schema type (see
 * {@link ColumnValue}); 64-bit values stay `bigint` so nothing above 2^53 ever
 * passes through a JS number. A column absent from `columns` is all null.
 */
import { readFileSync } from 'node:fs';

/** Column types of the segment schema, version 1. */
export const COLUMN_TYPES = ['string', 'blob', 'int32', 'int64', 'bool', 'timestamp_ns', 'list<string>'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

/** JS value of one cell, by schema type; `null` is always allowed. */
export interface ColumnValue {
  string: string;
  blob: Uint8Array;
  int32: number;
  int64: bigint;
  bool: boolean;
  /** ns since the Unix epoch, UTC. */
  timestamp_ns: bigint;
  'list<string>': string[];
}

/** Rows in column-major form. Every array in `columns` has `rowCount` entries. */
export interface ColumnBatch {
  rowCount: number;
  columns: Record<string, unknown[]>;
}

export interface SegmentColumn {
  name: string;
  type: ColumnType;
  /** '*' or the event kinds the column is meaningful for. */
  kinds: '*' | string[];
  doc: string;
}

export interface SegmentSchema {
  name: string;
  version: number;
  columns: SegmentColumn[];
}

/** The schema contract shipped with the package: formats/segment-schema.json. */
export const SEGMENT_SCHEMA_URL = new URL('../../formats/segment-schema.json', import.meta.url);

/**
 * Read and validate the segment schema.
 * @param path defaults to the contract shipped with the package.
 * @throws Error `segment schema: ...` naming the offending column or type.
 */
export function loadSegmentSchema(path: string | URL = SEGMENT_SCHEMA_URL): SegmentSchema {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new Error(`segment schema: read ${String(path)}`, { cause });
  }
  return parseSegmentSchema(json);
}

/**
 * Validate a parsed schema document.
 * @throws Error on a missing field, a duplicate column or an unknown type (named in the message).
 */
export function parseSegmentSchema(json: unknown): SegmentSchema {
  if (!isObject(json)) throw new Error('segment schema: not an object');
  const { name, version, columns } = json;
  if (typeof name !== 'string') throw new Error('segment schema: missing name');
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new Error(`segment schema: bad version: ${String(version)}`);
  }
  if (!Array.isArray(columns) || columns.length === 0) throw new Error('segment schema: no columns');
  const seen = new Set<string>();
  const out: SegmentColumn[] = columns.map((c: unknown, i) => {
    if (!isObject(c) || typeof c.name !== 'string' || c.name === '') {
      throw new Error(`segment schema: column ${i} has no name`);
    }
    if (seen.has(c.name)) throw new Error(`segment schema: duplicate column: ${c.name}`);
    seen.add(c.name);
    if (!(COLUMN_TYPES as readonly unknown[]).includes(c.type)) {
      throw new Error(`segment schema: column ${c.name}: unsupported column type: ${String(c.type)}`);
    }
    const kinds = c.kinds === '*' ? '*' : Array.isArray(c.kinds) ? c.kinds.map(String) : '*';
    return { name: c.name, type: c.type as ColumnType, kinds, doc: typeof c.doc === 'string' ? c.doc : '' };
  });
  return { name, version, columns: out };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
