/**
 * The on-disk layout of a recording and its housekeeping:
 *
 *   <out>/host=<hostname>/manifest.jsonl          hash-chained journal (manifest.ts)
 *   <out>/host=<hostname>/recorder.lock           one recorder per host directory (store-lock.ts)
 *   <out>/host=<hostname>/date=<YYYY-MM-DD>/seg-<UTC start>-<run id 6>-<index 6>.parquet
 *
 * Directories are created 0700, files 0600. Segment names sort by start time
 * (the date directory is the UTC day of the segment's start). Opening a store
 * takes the lock and recovers from an unclean stop: leftover `.parquet.tmp`
 * files are removed and a run with a `start` but no `stop` gets a `gap` entry.
 * Retention deletes the oldest closed segments first and journals each one.
 */
import { chmodSync, mkdirSync, readdirSync, statfsSync, unlinkSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import type { SegmentSchema } from './batch.js';
import { OutputNotWritableError } from './errors.js';
import { Manifest, wallClockNs, type GapEntry, type ManifestEntry, type NewEntry, type RetiredEntry, type SegmentEntry, type StartEntry, type StopEntry } from './manifest.js';
import { acquireLock, releaseLock, type LockOwner } from './store-lock.js';
import { SegmentWriter, fsyncDir, type SegmentInfo } from './segment-writer.js';

export interface StoreOptions {
  /** The output root (`<out>`). Created if missing. */
  out: string;
  /** This recorder run's id (at least 6 characters; the first 6 go into segment names). */
  runId: string;
  /** Host name for the directory; default os.hostname(). */
  host?: string;
  /** Wall clock in ns; default Date.now(). */
  nowNs?: () => bigint;
}

/** What opening the store found and fixed. */
export interface RecoveryReport {
  /** Leftover tmp files removed, relative to the host directory. */
  removedTmp: string[];
  /** The gap appended for a run that never stopped, if any. */
  gap: GapEntry | null;
  /** A stale lock taken over, if any. */
  staleLock: LockOwner | null;
  /** Bytes of a torn last manifest line that were cut off (0 if none). */
  tornManifestBytes: number;
}

/** Space on the output's filesystem. */
export interface FreeSpace {
  /** Bytes available to this (unprivileged) user. */
  availableBytes: number;
  totalBytes: number;
}

/** A closed segment still on disk, as the manifest knows it. */
export interface ClosedSegment {
  file: string;
  sizeBytes: number;
  sha256: string;
  runId: string;
}

/** Per-segment facts for the manifest that the writer does not know. */
export interface SegmentSummary {
  timeMinNs: bigint | null;
  timeMaxNs: bigint | null;
  seqMin: bigint | null;
  seqMax: bigint | null;
  countsByKind: Record<string, number>;
  /** Records lost while the segment was open, by reason (ring_full, stash_full, ...). */
  lost: Record<string, bigint | number>;
}

const LOCK_FILE = 'recorder.lock';
const MANIFEST_FILE = 'manifest.jsonl';

export class RecordingStore {
  readonly hostDir: string;
  readonly manifestPath: string;
  readonly recovery: RecoveryReport;
  private readonly manifest: Manifest;
  private readonly lockPath: string;
  private readonly nowNs: () => bigint;
  /** Every manifest entry, as read at open plus those appended since. */
  private readonly journal: ManifestEntry[];
  private segmentIndex = 0;
  private closed = false;

  private constructor(private readonly opts: StoreOptions, hostDir: string, manifest: Manifest, recovery: RecoveryReport) {
    this.hostDir = hostDir;
    this.manifestPath = manifest.path;
    this.manifest = manifest;
    this.recovery = recovery;
    this.lockPath = join(hostDir, LOCK_FILE);
    this.nowNs = opts.nowNs ?? wallClockNs;
    this.journal = [...manifest.existing.entries];
  }

  /**
   * Create the host directory, take the lock, and recover from an unclean stop.
   * @throws OutputNotWritableError naming the directory; LockedError when a live
   *   recorder holds the lock; StorageFullError when even the manifest cannot grow.
   */
  static open(opts: StoreOptions): RecordingStore {
    if (opts.runId.length < 6) throw new Error(`store: run id too short: ${opts.runId}`);
    const host = opts.host ?? osHostname();
    if (!/^[A-Za-z0-9._-]+$/.test(host)) throw new Error(`store: host name unusable in a path: ${host}`);
    const hostDir = join(opts.out, `host=${host}`);
    try {
      mkdirSync(opts.out, { recursive: true, mode: 0o700 }); // an existing <out> keeps its mode
      makeDir(hostDir);
    } catch (cause) {
      throw new OutputNotWritableError(opts.out, cause);
    }
    let staleLock: LockOwner | null;
    try {
      staleLock = acquireLock(join(hostDir, LOCK_FILE), hostDir, opts.runId).tookOver;
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM') throw new OutputNotWritableError(hostDir, cause);
      throw cause;
    }
    try {
      const removedTmp = removeTmpFiles(hostDir);
      const manifest = Manifest.open(join(hostDir, MANIFEST_FILE), opts.nowNs ?? wallClockNs);
      const recovery: RecoveryReport = { removedTmp, gap: null, staleLock, tornManifestBytes: manifest.existing.torn?.bytes ?? 0 };
      const store = new RecordingStore(opts, hostDir, manifest, recovery);
      recovery.gap = store.closeUnfinishedRun(manifest.existing.entries);
      return store;
    } catch (err) {
      releaseLock(join(hostDir, LOCK_FILE));
      throw err;
    }
  }

  /** Free and total bytes of the output filesystem (statfs). */
  freeSpace(): FreeSpace {
    const s = statfsSync(this.hostDir);
    return { availableBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
  }

  /** Journal the start of this run. */
  recordStart(entry: Omit<StartEntry, 'type' | 'run_id' | 'v' | 'prev' | 'hash' | 'time_ns'>): StartEntry {
    return this.append({ type: 'start', run_id: this.opts.runId, ...entry }) as StartEntry;
  }

  /**
   * Open a new segment starting at wall time `startNs` under its date directory.
   * @throws as SegmentWriter.open
   */
  openSegment(startNs: bigint, schema: SegmentSchema, options: { kvMetadata?: Record<string, string>; zstdLevel?: number } = {}): SegmentWriter {
    const { dir, baseName } = this.segmentName(startNs, ++this.segmentIndex);
    const full = join(this.hostDir, dir);
    makeDir(full);
    return SegmentWriter.open({
      dir: full,
      baseName,
      schema,
      kvMetadata: { 'hindsight.run_id': this.opts.runId, 'hindsight.segment_start_ns': String(startNs), ...options.kvMetadata },
      ...(options.zstdLevel !== undefined ? { zstdLevel: options.zstdLevel } : {}),
    });
  }

  /** Journal a finished segment (call after `SegmentWriter.finish()`). */
  recordSegment(info: SegmentInfo, summary: SegmentSummary): SegmentEntry {
    return this.append({
      type: 'segment',
      run_id: this.opts.runId,
      file: this.relative(info.path),
      rows: info.rows,
      size_bytes: info.sizeBytes,
      sha256: info.sha256,
      time_min: nsString(summary.timeMinNs),
      time_max: nsString(summary.timeMaxNs),
      seq_min: nsString(summary.seqMin),
      seq_max: nsString(summary.seqMax),
      counts_by_kind: summary.countsByKind,
      lost: Object.fromEntries(Object.entries(summary.lost).map(([k, v]) => [k, String(v)])),
    }) as SegmentEntry;
  }

  /** Journal a window with missing events. */
  recordGap(fromNs: bigint, toNs: bigint, reason: string): GapEntry {
    return this.append({ type: 'gap', run_id: this.opts.runId, from_ns: String(fromNs), to_ns: String(toNs), reason }) as GapEntry;
  }

  /** Journal a clean stop of this run. */
  recordStop(totals: Record<string, string | number | bigint>): StopEntry {
    const t = Object.fromEntries(Object.entries(totals).map(([k, v]) => [k, typeof v === 'bigint' ? String(v) : v]));
    return this.append({ type: 'stop', run_id: this.opts.runId, totals: t }) as StopEntry;
  }

  /** Closed segments still on disk, oldest first (by file name, which sorts by start time). */
  closedSegments(): ClosedSegment[] {
    const live = new Map<string, ClosedSegment>();
    for (const e of this.journal) {
      if (e.type === 'segment') live.set(e.file, { file: e.file, sizeBytes: e.size_bytes, sha256: e.sha256, runId: e.run_id });
      else if (e.type === 'retired') live.delete(e.file);
    }
    return [...live.values()].sort((a, b) => segmentSortKey(a.file).localeCompare(segmentSortKey(b.file)));
  }

  /**
   * Delete the oldest closed segments until the closed ones total at most
   * `maxBytes`, journaling a `retired` entry for each. The open segment (a
   * .tmp file, not in the manifest) is never touched.
   * @returns the entries appended
   */
  enforceRetention(maxBytes: number): RetiredEntry[] {
    const segments = this.closedSegments();
    let total = segments.reduce((sum, s) => sum + s.sizeBytes, 0);
    const retired: RetiredEntry[] = [];
    const dirs = new Set<string>();
    for (const s of segments) {
      if (total <= maxBytes) break;
      const path = join(this.hostDir, s.file);
      let reason = 'retention';
      try {
        unlinkSync(path);
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`store: delete ${path}`, { cause });
        reason = 'retention (file already gone)';
      }
      dirs.add(join(path, '..'));
      retired.push(this.append({ type: 'retired', run_id: this.opts.runId, file: s.file, sha256: s.sha256, reason }) as RetiredEntry);
      total -= s.sizeBytes;
    }
    for (const d of dirs) fsyncDir(d);
    return retired;
  }

  /** Release the lock and close the manifest. Does not write a `stop` entry. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.manifest.close();
    releaseLock(this.lockPath);
  }

  /** `date=YYYY-MM-DD` and `seg-<YYYYMMDDTHHMMSS.mmmZ>-<run6>-<index6>` for a segment. */
  segmentName(startNs: bigint, index: number): { dir: string; baseName: string } {
    const iso = new Date(Number(startNs / 1_000_000n)).toISOString(); // 2026-11-21T07:15:03.123Z
    const stamp = iso.replace(/[-:]/g, '');
    return {
      dir: `date=${iso.slice(0, 10)}`,
      baseName: `seg-${stamp}-${this.opts.runId.slice(0, 6)}-${String(index).padStart(6, '0')}`,
    };
  }

  private append(entry: NewEntry): ManifestEntry {
    const e = this.manifest.append(entry);
    this.journal.push(e);
    return e;
  }

  /**
   * If the last run in the manifest started and never stopped, journal a gap
   * from its last known time (its last segment's time_max, else its start
   * entry's time) to now.
   */
  private closeUnfinishedRun(existing: readonly ManifestEntry[]): GapEntry | null {
    let start: StartEntry | null = null;
    let lastEventNs: string | null = null; // latest time_max of the run's segments
    for (const e of existing) {
      if (e.type === 'start') {
        start = e;
        lastEventNs = null;
      } else if (e.type === 'stop' && start && e.run_id === start.run_id) {
        start = null;
      } else if (e.type === 'segment' && start && e.run_id === start.run_id && e.time_max !== null) {
        if (lastEventNs === null || BigInt(e.time_max) > BigInt(lastEventNs)) lastEventNs = e.time_max;
      }
    }
    if (!start) return null;
    const now = String(this.nowNs());
    return this.append({
      type: 'gap',
      time_ns: now,
      run_id: start.run_id,
      from_ns: lastEventNs ?? start.time_ns,
      to_ns: now,
      reason: `recorder killed: no clean stop (previous run ${start.run_id})`,
    }) as GapEntry;
  }

  private relative(path: string): string {
    const prefix = this.hostDir.endsWith('/') ? this.hostDir : this.hostDir + '/';
    if (!path.startsWith(prefix)) throw new Error(`store: segment outside the host directory: ${path}`);
    return path.slice(prefix.length);
  }
}

function nsString(v: bigint | null): string | null {
  return v === null ? null : String(v);
}

/** The file name part, which sorts by start time across date directories. */
function segmentSortKey(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1);
}

/** Create a directory of ours (mode 0700, also when it already existed). */
function makeDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/** Remove `*.parquet.tmp` files under the date directories; returns their relative paths. */
function removeTmpFiles(hostDir: string): string[] {
  const removed: string[] = [];
  for (const d of readdirSync(hostDir, { withFileTypes: true })) {
    if (!d.isDirectory() || !d.name.startsWith('date=')) continue;
    const dir = join(hostDir, d.name);
    let any = false;
    for (const f of readdirSync(dir)) {
      if (!f.endsWith('.parquet.tmp')) continue;
      unlinkSync(join(dir, f));
      removed.push(`${d.name}/${f}`);
      any = true;
    }
    if (any) fsyncDir(dir);
  }
  return removed.sort();
}
