/**
 * Writes one segment: a ZSTD-compressed Parquet file of event rows, built
 * incrementally one row group at a time and published atomically.
 *
 * Guarantees:
 * - While open, the segment exists only as `<baseName>.parquet.tmp` (mode
 *   0600). `finish()` writes the footer, fsyncs the file, renames it to
 *   `<baseName>.parquet` and fsyncs the directory: a `.parquet` file is always
 *   complete and durable, a crash leaves at most a `.tmp` for recovery to
 *   delete (see store.ts).
 * - Memory stays bounded by one row group: each `writeRowGroup()` encodes the
 *   batch and drains it to the file.
 * - A batch that does not fit the schema (unknown column, wrong JS type) is
 *   rejected whole and the writer stays usable.
 * - ENOSPC/EDQUOT at any step raise {@link StorageFullError} after the tmp file
 *   has been removed; other segments are untouched.
 * - Any other I/O failure leaves the writer unusable: call `abort()`.
 *
 * Column chunks are encoded by segment-chunk.ts; the Thrift footer is
 * hyparquet-writer's `writeMetadata` (a deep import of its src/, so the
 * dependency stays pinned to 0.17.x). Physical layout and the type mapping:
 * segment-columns.ts, formats/segment.md.
 */
import { closeSync, fchmodSync, fsync, openSync, renameSync, unlinkSync, fsyncSync, constants } from 'node:fs';
import { join } from 'node:path';
import type { ColumnChunk, KeyValue, RowGroup, SchemaElement } from 'hyparquet';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import { Compressor } from 'zstd-napi';
import type { ColumnBatch, SegmentSchema } from './batch.js';
import { StorageFullError, isStorageFull, SegmentEncodeError } from './errors.js';
import { ChunkScratch, writeChunk, type ChunkColumn, type Compress } from './segment-chunk.js';
import { FileSink } from './segment-file.js';
import { chunkColumns, parquetSchema } from './segment-columns.js';

/** 'PAR1', the magic at both ends of a Parquet file. */
const MAGIC = 0x31524150;

/** Default ZSTD level: see formats/segment.md for the measurements behind it. */
export const DEFAULT_ZSTD_LEVEL = 1;

export interface SegmentWriterOptions {
  /** Directory of the segment; must exist. */
  dir: string;
  /** File name without `.parquet`. */
  baseName: string;
  schema: SegmentSchema;
  /** Extra footer key-value metadata; `hindsight.*` keys set here are overridden. */
  kvMetadata?: Record<string, string>;
  /** ZSTD level (negative = faster, up to 22). Default {@link DEFAULT_ZSTD_LEVEL}. */
  zstdLevel?: number;
  /** Permission bits of the file. Default 0o600. */
  fileMode?: number;
  /** Footer `created_by`. Default 'hindsight'. */
  createdBy?: string;
}

/** A finished, durable segment. */
export interface SegmentInfo {
  /** Absolute or dir-relative path of the `.parquet` file, as `dir` was given. */
  path: string;
  sizeBytes: number;
  rows: number;
  /** Hex sha256 of the whole file. */
  sha256: string;
}

type State = 'open' | 'finishing' | 'done' | 'broken';

export class SegmentWriter {
  /** Path of the file while open. */
  readonly tmpPath: string;
  /** Path of the file once finished. */
  readonly finalPath: string;
  private readonly dir: string;
  private readonly fd: number;
  private readonly sink: FileSink;
  private readonly schema: SchemaElement[];
  private readonly columns: ChunkColumn[];
  private readonly known: Set<string>;
  private readonly compress: Compress;
  private readonly kv: KeyValue[];
  private readonly createdBy: string;
  private readonly scratch = new ChunkScratch();
  private readonly rowGroups: RowGroup[] = [];
  private rows = 0;
  private state: State = 'open';
  private closed = false;

  private constructor(opts: SegmentWriterOptions, fd: number, tmpPath: string, finalPath: string) {
    this.dir = opts.dir;
    this.fd = fd;
    this.tmpPath = tmpPath;
    this.finalPath = finalPath;
    this.sink = new FileSink(fd);
    const compressor = new Compressor();
    compressor.setParameters({ compressionLevel: opts.zstdLevel ?? DEFAULT_ZSTD_LEVEL });
    const kv: Record<string, string> = {
      ...opts.kvMetadata,
      'hindsight.schema_name': opts.schema.name,
      'hindsight.schema_version': String(opts.schema.version),
      'hindsight.time_zone': 'UTC',
    };
    this.compress = (bytes) => compressor.compress(bytes);
    this.kv = Object.entries(kv).map(([key, value]) => ({ key, value }));
    this.createdBy = opts.createdBy ?? 'hindsight';
    this.schema = parquetSchema(opts.schema.columns);
    this.columns = chunkColumns(opts.schema.columns);
    this.known = new Set(this.columns.map((c) => c.name));
    this.sink.appendUint32(MAGIC);
  }

  /**
   * Create `<dir>/<baseName>.parquet.tmp` (O_EXCL) and write the Parquet header.
   * @throws StorageFullError when the file cannot be created for lack of space;
   *   Error `segment: create <path>` otherwise (EEXIST when a tmp file is left over).
   */
  static open(opts: SegmentWriterOptions): SegmentWriter {
    const tmpPath = join(opts.dir, `${opts.baseName}.parquet.tmp`);
    const finalPath = join(opts.dir, `${opts.baseName}.parquet`);
    const mode = opts.fileMode ?? 0o600;
    let fd: number;
    try {
      fd = openSync(tmpPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
    } catch (cause) {
      if (isStorageFull(cause)) throw new StorageFullError(tmpPath, cause);
      throw new Error(`segment: create ${tmpPath}`, { cause });
    }
    try {
      fchmodSync(fd, mode); // umask may have cleared bits the caller asked for
      return new SegmentWriter(opts, fd, tmpPath, finalPath);
    } catch (cause) {
      closeSync(fd);
      unlinkSync(tmpPath);
      throw new Error(`segment: create ${tmpPath}`, { cause });
    }
  }

  /** Bytes of the file so far (what the finished file would be, minus the footer). */
  get bytesWritten(): number {
    return this.sink.offset;
  }

  /** Rows written so far. */
  get rowCount(): number {
    return this.rows;
  }

  /**
   * Encode `batch` as one row group and append it to the file. An empty batch
   * writes nothing.
   * @throws Error `segment: unknown column: x`, a length mismatch or
   *   `segment: encode row group ...` for a value of the wrong type: nothing
   *   was written and the writer stays usable.
   * @throws StorageFullError: the tmp file was removed.
   * @throws Error `segment: write row group to <tmp>` (I/O error): the writer is broken, call `abort()`.
   */
  writeRowGroup(batch: ColumnBatch): void {
    this.assertOpen('writeRowGroup');
    const n = batch.rowCount;
    if (!Number.isInteger(n) || n < 0) throw new Error(`segment: bad rowCount: ${n}`);
    for (const [name, values] of Object.entries(batch.columns)) {
      if (!this.known.has(name)) throw new Error(`segment: unknown column: ${name}`);
      if (values.length !== n) {
        throw new Error(`segment: column ${name} has ${values.length} values, batch has ${n} rows`);
      }
    }
    if (n === 0) return;
    const start = this.sink.offset;
    const groups = this.rowGroups.length;
    try {
      const chunks: ColumnChunk[] = [];
      let uncompressed = 0n;
      for (const column of this.columns) {
        const chunk = writeChunk(this.sink, column, batch.columns[column.name], n, this.compress, this.scratch);
        uncompressed += chunk.meta_data!.total_uncompressed_size;
        chunks.push(chunk);
      }
      this.rowGroups.push({
        columns: chunks,
        num_rows: BigInt(n),
        total_byte_size: uncompressed,
        total_compressed_size: BigInt(this.sink.offset - start),
        file_offset: BigInt(start),
      });
    } catch (cause) {
      this.sink.rollback();
      this.rowGroups.length = groups;
      throw new SegmentEncodeError(`segment: encode row group for ${this.tmpPath}`, { cause });
    }
    try {
      this.sink.flush();
    } catch (cause) {
      this.fail(cause, 'write row group to');
    }
    this.rows += n;
  }

  /**
   * Write the footer, fsync, rename to `<baseName>.parquet`, fsync the directory.
   * @throws StorageFullError (tmp removed); Error `segment: finish <tmp>` (tmp removed).
   */
  async finish(): Promise<SegmentInfo> {
    this.assertOpen('finish');
    this.state = 'finishing';
    try {
      writeMetadata(this.sink, {
        version: 2,
        schema: this.schema,
        num_rows: BigInt(this.rows),
        row_groups: this.rowGroups,
        key_value_metadata: this.kv,
        created_by: this.createdBy,
      } as Parameters<typeof writeMetadata>[1]);
      this.sink.appendUint32(MAGIC);
      this.sink.finish();
      await fsyncFd(this.fd);
      this.closed = true;
      closeSync(this.fd);
      renameSync(this.tmpPath, this.finalPath);
    } catch (cause) {
      this.fail(cause, 'finish');
    }
    this.state = 'done';
    try {
      fsyncDir(this.dir);
    } catch (cause) {
      throw new Error(`segment: fsync directory ${this.dir}`, { cause });
    }
    return { path: this.finalPath, sizeBytes: this.sink.bytesFlushed, rows: this.rows, sha256: this.sink.digest() };
  }

  /** Close and delete the tmp file. Safe to call more than once and after a failure. */
  abort(): void {
    if (this.state === 'done') return;
    this.state = 'broken';
    this.closeQuietly();
    try {
      unlinkSync(this.tmpPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`segment: remove ${this.tmpPath}`, { cause: err });
    }
  }

  private fail(cause: unknown, verb: string): never {
    if (isStorageFull(cause)) {
      this.abort();
      throw new StorageFullError(this.tmpPath, cause);
    }
    if (verb === 'finish') this.abort();
    else this.state = 'broken';
    throw new Error(`segment: ${verb} ${this.tmpPath}`, { cause });
  }

  private assertOpen(what: string): void {
    if (this.state !== 'open') throw new Error(`segment: ${what} on a ${this.state} writer: ${this.tmpPath}`);
  }

  private closeQuietly(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      closeSync(this.fd);
    } catch {
      // the fd is gone either way; the unlink that follows is what matters
    }
  }
}

function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
}

/** fsync a directory so a rename or unlink in it is durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
