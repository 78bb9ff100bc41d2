/**
 * Maps segment schema types to Parquet schema elements and per-column
 * encoding choices. Pure: no I/O.
 *
 * | schema type   | Parquet                                                        | DuckDB       |
 * |---------------|----------------------------------------------------------------|--------------|
 * | int32         | INT32                                                          | INTEGER      |
 * | int64         | INT64                                                          | BIGINT       |
 * | timestamp_ns  | INT64, TIMESTAMP(isAdjustedToUTC=false, NANOS); values are UTC | TIMESTAMP_NS |
 * | string        | BYTE_ARRAY, STRING (UTF8)                                      | VARCHAR      |
 * | blob          | BYTE_ARRAY                                                     | BLOB         |
 * | bool          | BOOLEAN                                                        | BOOLEAN      |
 * | list<string>  | 3-level LIST: optional group (LIST) { repeated group list { optional binary element (STRING) } } | VARCHAR[] |
 *
 * Every column is OPTIONAL. Why isAdjustedToUTC=false: DuckDB (1.5) reads a
 * NANOS timestamp with isAdjustedToUTC=true as TIMESTAMPTZ, which holds
 * microseconds, and silently drops the last three digits; with false it reads
 * TIMESTAMP_NS exactly. The values are still ns since the Unix epoch in UTC;
 * the footer says so in `hindsight.time_zone=UTC` (formats/segment.md).
 */
import type { SchemaElement } from 'hyparquet';
import type { ColumnType, SegmentColumn } from './batch.js';
import type { ChunkColumn } from './segment-chunk.js';

/**
 * Columns that grow with every row: DELTA_BINARY_PACKED stores them in a few
 * bits per row, where plain + ZSTD needs several bytes.
 */
const DELTA_COLUMNS = new Set(['seq', 'time', 'ktime_ns']);

/**
 * Columns worth min/max statistics: the ones queries filter on by range or
 * equality, so DuckDB can skip row groups. Statistics on every column would
 * cost CPU per value and footer bytes for little use.
 */
const STATS_COLUMNS = new Set(['seq', 'time', 'ktime_ns', 'kind', 'pid', 'proc_key', 'uid', 'cgroup_id']);

/** Parquet schema elements (root first) for the segment columns. */
export function parquetSchema(columns: readonly SegmentColumn[]): SchemaElement[] {
  const out: SchemaElement[] = [{ name: 'root', num_children: columns.length }];
  for (const c of columns) out.push(...elementsFor(c.name, c.type));
  return out;
}

/** What the chunk encoder needs per column, in schema order. */
export function chunkColumns(columns: readonly SegmentColumn[]): ChunkColumn[] {
  return columns.map((c) => {
    const elements = elementsFor(c.name, c.type);
    return {
      name: c.name,
      type: c.type,
      leaf: elements[elements.length - 1]!,
      path: elements.map((e) => e.name),
      delta: DELTA_COLUMNS.has(c.name) && (c.type === 'int64' || c.type === 'timestamp_ns'),
      statistics: STATS_COLUMNS.has(c.name),
    };
  });
}

function elementsFor(name: string, type: ColumnType): SchemaElement[] {
  const optional = 'OPTIONAL' as const;
  switch (type) {
    case 'int32':
      return [{ name, type: 'INT32', repetition_type: optional }];
    case 'int64':
      return [{ name, type: 'INT64', repetition_type: optional }];
    case 'timestamp_ns':
      return [{
        name, type: 'INT64', repetition_type: optional,
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'NANOS' },
      }];
    case 'string':
      return [{ name, type: 'BYTE_ARRAY', repetition_type: optional, converted_type: 'UTF8', logical_type: { type: 'STRING' } }];
    case 'blob':
      return [{ name, type: 'BYTE_ARRAY', repetition_type: optional }];
    case 'bool':
      return [{ name, type: 'BOOLEAN', repetition_type: optional }];
    case 'list<string>':
      return [
        { name, repetition_type: optional, num_children: 1, converted_type: 'LIST', logical_type: { type: 'LIST' } },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'element', type: 'BYTE_ARRAY', repetition_type: optional, converted_type: 'UTF8', logical_type: { type: 'STRING' } },
      ];
  }
}
