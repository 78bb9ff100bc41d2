/**
 * A DuckDB session: the only importer of @duckdb/node-api.
 *
 * Rows come back as plain objects keyed by column name, converted as:
 * BOOLEAN -> boolean; TINYINT..INTEGER, UTINYINT..UINTEGER, FLOAT, DOUBLE -> number;
 * BIGINT, UBIGINT, HUGEINT, UHUGEINT -> bigint; DECIMAL -> number;
 * VARCHAR, ENUM, UUID -> string; BLOB -> Uint8Array;
 * TIMESTAMP_NS -> bigint ns since the epoch (exact); TIMESTAMP, TIMESTAMPTZ -> bigint µs;
 * TIMESTAMP_MS -> bigint ms; TIMESTAMP_S -> bigint s; DATE -> number (days since the epoch);
 * LIST/ARRAY -> arrays, STRUCT -> objects, MAP -> [{key, value}]; NULL -> null.
 * Timestamps stay integers so no precision is lost to a JS Date.
 */
import {
  DuckDBInstance,
  DuckDBTypeId,
  JSDuckDBValueConverter,
  createDuckDBValueConverter,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBDateValue,
  type DuckDBConnection,
  type DuckDBValue,
  type DuckDBValueConverter,
  type JS,
} from '@duckdb/node-api';

/** A value in a result row. */
export type SqlValue = JS;
/** A result row: column name -> value. */
export type SqlRow = Record<string, SqlValue>;
/** Query parameters: positional (`?`, `$1`) or named (`$name`). */
export type SqlParams = DuckDBValue[] | Record<string, DuckDBValue>;
/** A result column: its name and DuckDB type as SQL text (`TIMESTAMP_NS`, `VARCHAR[]`, ...). */
export interface SqlColumn { name: string; type: string }
/** One chunk of a streamed result (at most a DuckDB vector, 2048 rows). */
export interface SqlChunk { columns: SqlColumn[]; rows: SqlRow[] }


function timestampAsBigint(value: DuckDBValue): JS {
  if (value instanceof DuckDBTimestampNanosecondsValue) return value.nanos;
  if (value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue) return value.micros;
  if (value instanceof DuckDBTimestampMillisecondsValue) return value.millis;
  if (value instanceof DuckDBTimestampSecondsValue) return value.seconds;
  if (value instanceof DuckDBDateValue) return value.days;
  throw new Error(`session: expected a timestamp, got ${String(value)}`);
}

const converters = {} as Record<DuckDBTypeId, DuckDBValueConverter<JS> | undefined>;
for (const id of Object.values(DuckDBTypeId)) {
  if (typeof id === 'number') converters[id as DuckDBTypeId] = JSDuckDBValueConverter;
}
for (const id of [
  DuckDBTypeId.TIMESTAMP_NS, DuckDBTypeId.TIMESTAMP, DuckDBTypeId.TIMESTAMP_TZ,
  DuckDBTypeId.TIMESTAMP_MS, DuckDBTypeId.TIMESTAMP_S, DuckDBTypeId.DATE,
]) {
  converters[id] = (value) => timestampAsBigint(value);
}
const rowConverter = createDuckDBValueConverter<JS>(converters);

export class DuckSession {
  private constructor(private readonly instance: DuckDBInstance, private readonly connection: DuckDBConnection) {}

  /** Open an in-memory database with one connection. */
  static async open(): Promise<DuckSession> {
    const instance = await DuckDBInstance.create(':memory:');
    try {
      return new DuckSession(instance, await instance.connect());
    } catch (cause) {
      instance.closeSync();
      throw new Error('session: connect', { cause });
    }
  }

  /**
   * Run one statement and return all its rows.
   * @throws Error `session: query: <first line of sql>` with DuckDB's error as cause.
   */
  async query(sql: string, params?: SqlParams): Promise<SqlRow[]> {
    try {
      const reader = await this.connection.runAndReadAll(sql, params);
      return reader.convertRowObjects(rowConverter) as SqlRow[];
    } catch (cause) {
      throw new Error(`session: query: ${sql.trim().split('\n')[0]}`, { cause });
    }
  }

  /**
   * Run one statement and yield its rows chunk by chunk, so a large result is
   * never held in memory whole. Every chunk carries the column names and types
   * (a result with no rows yields one empty chunk, so callers still learn the columns).
   * @throws Error `session: query: <first line of sql>` with DuckDB's error as cause.
   */
  async *stream(sql: string, params?: SqlParams): AsyncGenerator<SqlChunk> {
    let columns: SqlColumn[];
    let rows: AsyncIterableIterator<SqlRow[]>;
    try {
      const result = await this.connection.stream(sql, params);
      const types = result.columnTypes();
      columns = result.columnNames().map((name, i) => ({ name, type: String(types[i]) }));
      rows = result.yieldConvertedRowObjects(rowConverter) as AsyncIterableIterator<SqlRow[]>;
    } catch (cause) {
      throw new Error(`session: query: ${sql.trim().split('\n')[0]}`, { cause });
    }
    let any = false;
    try {
      for await (const chunk of rows) {
        if (chunk.length === 0) continue;
        any = true;
        yield { columns, rows: chunk };
      }
    } catch (cause) {
      throw new Error(`session: read result of: ${sql.trim().split('\n')[0]}`, { cause });
    }
    if (!any) yield { columns, rows: [] };
  }

  /** Release the connection and the database. */
  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
