/**
 * The recorder's storage, assembled: a RecordingStore (layout, lock,
 * manifest, retention) adapted to the Recorder's SegmentStore interface, plus
 * the start/stop journal entries of a run.
 *
 * Opening refuses an output directory that is already full (less than
 * MIN_FREE_BYTES available), so a run never starts only to fail at its first
 * segment, and reports what recovery found (leftover tmp files of a killed
 * recorder, the gap it left) through `log`.
 */
import { randomBytes } from 'node:crypto';
import { loadSegmentSchema, type SegmentSchema } from './batch.js';
import { StorageFullError } from './errors.js';
import type { OpenSegment, SegmentStats, SegmentStore } from './recorder.js';
import type { SegmentWriter } from './segment-writer.js';
import { RecordingStore } from './store.js';

/** Below this much free space the recorder does not start. */
export const MIN_FREE_BYTES = 16 * 1024 * 1024;

const VERSION = '0.1.0';

export interface SinkOptions {
  out: string;
  host: string;
  bootId: string;
  zstdLevel: number;
  /** Retention: total bytes of closed segments to keep; null keeps all. */
  maxSizeBytes: number | null;
  settings: Record<string, unknown>;
  log: (line: string) => void;
}

/** The storage side of one recorder run. */
export interface RecordingSink {
  store: SegmentStore;
  hostDir: string;
  runId: string;
  /** Deletes the oldest segments beyond --max-size (no-op without it). */
  enforceRetention(): void;
  /** Journals a clean stop and releases the lock. */
  close(totals: { events: number; lost: bigint; reason: string }): void;
  /** Releases the lock after a failure; no stop entry, so the next run records a gap. */
  abandon(err: unknown): void;
}

class StoreAdapter implements SegmentStore {
  constructor(private readonly store: RecordingStore, private readonly schema: SegmentSchema, private readonly zstdLevel: number) {}

  openSegment(startNs: bigint): OpenSegment {
    return this.store.openSegment(startNs, this.schema, { zstdLevel: this.zstdLevel });
  }

  async closeSegment(seg: OpenSegment, stats: SegmentStats): Promise<void> {
    const info = await (seg as SegmentWriter).finish();
    this.store.recordSegment(info, stats);
  }

  abortSegment(seg: OpenSegment): void {
    (seg as SegmentWriter).abort();
  }

  noteGap(fromNs: bigint, toNs: bigint, reason: string): void {
    this.store.recordGap(fromNs, toNs, reason);
  }
}

/** Opens the output directory for a run. */
export function openRecordingSink(o: SinkOptions): RecordingSink {
  const runId = randomBytes(4).toString('hex');
  const store = RecordingStore.open({ out: o.out, runId, host: o.host });
  try {
    const free = store.freeSpace();
    if (free.availableBytes < MIN_FREE_BYTES) {
      const err = Object.assign(new Error(`${free.availableBytes} bytes free`), { code: 'ENOSPC' });
      throw new StorageFullError(store.hostDir, err);
    }
    const r = store.recovery;
    if (r.staleLock !== null) o.log(`previous recorder (pid ${r.staleLock.pid}) did not stop cleanly; took over its lock`);
    for (const f of r.removedTmp) o.log(`removed unfinished segment of a killed recorder: ${f}`);
    if (r.gap !== null) o.log(`recorded gap: ${r.gap.reason}`);
    if (r.tornManifestBytes > 0) o.log(`manifest had a torn last line (${r.tornManifestBytes} bytes), cut off`);
    const schema = loadSegmentSchema();
    store.recordStart({
      pid: process.pid, host: o.host, boot_id: o.bootId, hindsight_version: VERSION,
      schema_version: schema.version, settings: o.settings,
    });
    return {
      store: new StoreAdapter(store, schema, o.zstdLevel),
      hostDir: store.hostDir,
      runId,
      enforceRetention() {
        if (o.maxSizeBytes === null) return;
        for (const e of store.enforceRetention(o.maxSizeBytes)) o.log(`retention: deleted ${e.file}`);
      },
      close(totals) {
        store.recordStop({ events: totals.events, lost: totals.lost, reason: totals.reason });
        store.close();
      },
      abandon() {
        store.close();
      },
    };
  } catch (err) {
    store.close();
    throw err;
  }
}
