/**
 * The recorder core: decoded kernel events in, enriched rows out, segments
 * rotated by time and size.
 *
 * `ingest` is the hot path: synchronous, one row per event, no I/O. Row
 * groups are written when the builder fills or a segment closes; every
 * segment opens with snapshot rows of the processes alive at that moment.
 * Losses reported by the kernel counters become `loss` rows and gap entries.
 * Storage errors (a full disk) stop the recorder: the open segment is
 * abandoned, closed segments are never touched, and the error is rethrown
 * from the next call so the caller can exit with it.
 *
 * This module knows nothing of BPF: the record command feeds it.
 */
import type { KernelEvent } from '../events/decode.js';
import { KIND } from '../events/layout.js';
import { bootPrefix } from '../events/process-key.js';
import type { ColumnBatch } from './batch.js';
import { SegmentEncodeError } from './errors.js';
import { CgroupPaths, containerIdFromCgroup } from './cgroups.js';
import type { ExeHash, ExeHasher } from './exe-hash.js';
import { ProcessTable, type LiveProcess } from './process-table.js';
import type { ProcEntry } from './proc-snapshot.js';
import { KIND_NAMES, RowBuilder, type RowContext } from './rows.js';
import type { UserNames } from './users.js';

/** Statistics of one segment, for the manifest. */
export interface SegmentStats {
  rows: number;
  timeMinNs: bigint | null;
  timeMaxNs: bigint | null;
  seqMin: bigint | null;
  seqMax: bigint | null;
  countsByKind: Record<string, number>;
  lost: { ring_full: bigint; stash_full: bigint; decode_error: bigint; encode_error: bigint };
}

/** A segment being written. */
export interface OpenSegment {
  writeRowGroup(batch: ColumnBatch): void;
  readonly bytesWritten: number;
}

/** Where segments go: implemented over RecordingStore + Manifest by the store adapter. */
export interface SegmentStore {
  /** Opens a segment whose first row is at wall time `startNs`. */
  openSegment(startNs: bigint): OpenSegment;
  /** Finishes `seg` durably and records it (manifest, retention). */
  closeSegment(seg: OpenSegment, stats: SegmentStats): Promise<void>;
  /** Abandons `seg` (its rows are lost), e.g. after a storage error. */
  abortSegment(seg: OpenSegment): void;
  /** Records a window in which events are missing. */
  noteGap(fromNs: bigint, toNs: bigint, reason: string): void;
}

export interface RecorderOptions {
  host: string;
  bootId: string;
  /** Wall clock minus CLOCK_BOOTTIME, ns. */
  wallOffsetNs: bigint;
  /** Close a segment after this long. */
  rotateMs: number;
  /** Close a segment when it reaches this size. */
  segmentMaxBytes: number;
  /** Rows per Parquet row group. */
  rowGroupRows: number;
}

export interface RecorderDeps {
  users: UserNames;
  cgroups: CgroupPaths;
  hasher: ExeHasher;
  /** Wall-clock now, ns. */
  nowNs: () => bigint;
  /** CLOCK_BOOTTIME now, ns. */
  bootNowNs: () => bigint;
  /** Reports a problem that does not stop recording. */
  warn: (message: string) => void;
}

/** Running totals for the status line and the stop entry. */
export interface RecorderTotals {
  events: number;
  lost: bigint;
  segments: number;
  bytes: number;
}

function emptyStats(): SegmentStats {
  return {
    rows: 0, timeMinNs: null, timeMaxNs: null, seqMin: null, seqMax: null, countsByKind: {},
    lost: { ring_full: 0n, stash_full: 0n, decode_error: 0n, encode_error: 0n },
  };
}

/** Turns events into segments. */
export class Recorder {
  private readonly table: ProcessTable;
  private readonly boot: string;
  private rows: RowBuilder;
  private seg: OpenSegment | null = null;
  private segOpenedMs = 0;
  private stats = emptyStats();
  private seq = 0n;
  private writing: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private lastLossCheckNs: bigint;
  private lastCounters = { ring_full: 0n, stash_full: 0n };
  private cgroupCache = { id: -1n, path: null as string | null, container: null as string | null };
  readonly totals: RecorderTotals = { events: 0, lost: 0n, segments: 0, bytes: 0 };
  private readonly ctx: RowContext;

  constructor(private readonly store: SegmentStore, private readonly opts: RecorderOptions, private readonly deps: RecorderDeps) {
    this.boot = bootPrefix(opts.bootId);
    this.table = new ProcessTable(this.boot);
    this.rows = new RowBuilder({ host: opts.host, bootId: opts.bootId }, opts.rowGroupRows);
    this.lastLossCheckNs = deps.nowNs();
    this.ctx = {
      seq: 0n, wallOffsetNs: opts.wallOffsetNs, key: '', parentKey: null, user: null, euser: null, group: null,
      cgroup: null, containerId: null, childKey: undefined,
    };
  }

  /** Seeds the process table and opens the first segment. */
  start(snapshot: ProcEntry[], snapshotHash: (p: ProcEntry) => Promise<ExeHash> | null): void {
    this.table.addSnapshot(snapshot, () => null);
    const byPid = new Map(snapshot.map((e) => [e.pid, e]));
    for (const p of this.table.liveProcesses()) {
      const entry = byPid.get(p.pid);
      if (entry !== undefined) p.exeHash = snapshotHash(entry);
    }
    this.openSegment();
  }

  private checkFailure(): void {
    if (this.failure !== null) throw this.failure;
  }

  private openSegment(): void {
    const now = this.deps.nowNs();
    this.seg = this.store.openSegment(now);
    this.segOpenedMs = Date.now();
    this.stats = emptyStats();
    for (const p of this.table.liveProcesses()) {
      this.rows.addSnapshot(p, now, this.snapshotContext(p), p.exeHash);
      this.countRow('snapshot', now, null);
      if (this.rows.isFull) this.flush();
    }
  }

  private snapshotContext(p: LiveProcess): RowContext {
    const cg = this.cgroup(p.cgroupId);
    return {
      seq: 0n, wallOffsetNs: this.ctx.wallOffsetNs, key: p.key, parentKey: p.parentKey,
      user: this.deps.users.userName(p.uid), euser: this.deps.users.userName(p.euid), group: this.deps.users.groupName(p.gid),
      cgroup: cg.path ?? p.cgroupPath, containerId: cg.container ?? (p.cgroupPath === null ? null : containerIdFromCgroup(p.cgroupPath)),
    };
  }

  private cgroup(id: bigint | null): { path: string | null; container: string | null } {
    if (id === null) return { path: null, container: null };
    const c = this.cgroupCache;
    if (c.id !== id) {
      c.id = id;
      c.path = this.deps.cgroups.path(id);
      c.container = c.path === null ? null : containerIdFromCgroup(c.path);
    }
    return c;
  }

  private countRow(kind: string, timeNs: bigint, seq: bigint | null): void {
    const s = this.stats;
    s.rows++;
    s.countsByKind[kind] = (s.countsByKind[kind] ?? 0) + 1;
    if (s.timeMinNs === null || timeNs < s.timeMinNs) s.timeMinNs = timeNs;
    if (s.timeMaxNs === null || timeNs > s.timeMaxNs) s.timeMaxNs = timeNs;
    if (seq !== null) {
      if (s.seqMin === null) s.seqMin = seq;
      s.seqMax = seq;
    }
  }

  /** Records one kernel event (hot path). */
  ingest(ev: KernelEvent): void {
    this.checkFailure();
    const table = this.table;
    const key = table.keyFor(ev.pid, ev.startNs);
    const parentKey = ev.ppid === 0 ? null : table.keyFor(ev.ppid, ev.parentStartNs);
    const cg = this.cgroup(ev.cgroupId);
    const seq = this.seq++;
    // One context object, reused for every event: the hot path allocates none.
    const ctx = this.ctx;
    ctx.seq = seq;
    ctx.key = key;
    ctx.parentKey = parentKey;
    ctx.user = this.deps.users.userName(ev.uid);
    ctx.euser = ev.euid === ev.uid ? ctx.user : this.deps.users.userName(ev.euid);
    ctx.group = this.deps.users.groupName(ev.gid);
    ctx.cgroup = cg.path;
    ctx.containerId = cg.container;
    ctx.childKey = undefined;
    let hash: Promise<ExeHash> | null = null;
    switch (ev.kind) {
      case KIND.EXEC:
        if (ev.type === 'exec') {
          hash = this.deps.hasher.hash({
            pid: ev.pid, path: typeof ev.exe === 'string' ? ev.exe : null,
            dev: ev.exeDev, ino: ev.exeIno, mtimeNs: ev.exeMtimeNs, size: ev.exeSize,
          });
          table.onExec(ev, key, parentKey, hash);
        }
        break;
      case KIND.FORK:
        if (ev.type === 'fork') {
          ctx.childKey = table.keyFor(ev.childPid, ev.childStartNs);
          table.onFork(ev, key, ctx.childKey);
        }
        break;
      case KIND.EXIT:
        table.onExit(key);
        break;
      default:
        break;
    }
    this.rows.addEvent(ev, ctx, hash);
    this.countRow(KIND_NAMES[ev.kind] ?? 'unknown', ctx.wallOffsetNs + ev.ktimeNs, seq);
    this.totals.events++;
    if (this.rows.isFull) this.flush();
  }

  /**
   * Compares the kernel's loss counters with the last reading; a rise becomes
   * a loss row and a gap covering the time since the last reading.
   */
  noteCounters(counters: { ring_full: bigint; stash_full: bigint }): void {
    this.checkFailure();
    const now = this.deps.nowNs();
    const ktime = this.deps.bootNowNs();
    for (const reason of ['ring_full', 'stash_full'] as const) {
      const delta = counters[reason] - this.lastCounters[reason];
      if (delta <= 0n) continue;
      this.noteLoss(reason, delta, now, ktime);
      this.store.noteGap(this.lastLossCheckNs, now, `events lost: ${delta} (${reason})`);
    }
    this.lastCounters = { ...counters };
    this.lastLossCheckNs = now;
  }

  /** Records `count` events lost for `reason` (also used for undecodable records). */
  noteLoss(reason: 'ring_full' | 'stash_full' | 'decode_error' | 'encode_error', count: bigint, now = this.deps.nowNs(), ktime = this.deps.bootNowNs()): void {
    const ctx: RowContext = {
      seq: this.seq, wallOffsetNs: this.ctx.wallOffsetNs, key: null, parentKey: null,
      user: null, euser: null, group: null, cgroup: null, containerId: null,
    };
    this.rows.addLoss(now, ktime, count, reason, ctx);
    this.countRow('loss', now, null);
    this.stats.lost[reason] += count;
    this.totals.lost += count;
  }

  /** True when the open segment is due for rotation (time or size). */
  rotationDue(nowMs = Date.now()): boolean {
    if (this.seg === null) return false;
    return nowMs - this.segOpenedMs >= this.opts.rotateMs || this.seg.bytesWritten >= this.opts.segmentMaxBytes;
  }

  /** Writes buffered rows as a row group of the open segment (serialised). */
  flush(): Promise<void> {
    const seg = this.seg;
    if (seg === null || this.rows.rowCount === 0) return this.writing;
    const pending = this.rows.take();
    this.writing = this.writing.then(async () => {
      const batch = await pending;
      if (this.failure !== null) return;
      try {
        seg.writeRowGroup(batch);
      } catch (err) {
        if (err instanceof SegmentEncodeError) this.dropBatch(batch, err);
        else this.fail(err);
      }
    });
    return this.writing;
  }

  /**
   * A batch the writer could not encode: its rows are lost, which is said in
   * a warning, a loss row and a gap covering the batch's time range; the
   * recording goes on.
   */
  private dropBatch(batch: ColumnBatch, err: Error): void {
    let from: bigint | null = null;
    let to: bigint | null = null;
    for (const t of batch.columns.time ?? []) {
      if (typeof t !== 'bigint') continue;
      if (from === null || t < from) from = t;
      if (to === null || t > to) to = t;
    }
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    this.deps.warn(`${err.message}${cause}; ${batch.rowCount} rows lost`);
    this.noteLoss('encode_error', BigInt(batch.rowCount));
    const now = this.deps.nowNs();
    this.store.noteGap(from ?? now, to ?? now, `events lost: ${batch.rowCount} (encode_error${cause})`);
  }

  private fail(err: unknown): void {
    if (this.failure !== null) return;
    this.failure = err;
    if (this.seg !== null) {
      try { this.store.abortSegment(this.seg); } catch { /* the original error matters */ }
      this.seg = null;
    }
  }

  /**
   * Sets the wall clock minus CLOCK_BOOTTIME for rows from now on: the wall
   * clock can be stepped (NTP, settimeofday) during a long recording, so the
   * caller samples it again at each rotation.
   */
  setWallOffset(ns: bigint): void {
    this.ctx.wallOffsetNs = ns;
  }

  /** Closes the open segment and opens the next one. */
  async rotate(): Promise<void> {
    await this.closeCurrent();
    this.checkFailure();
    this.openSegment();
  }

  private async closeCurrent(): Promise<void> {
    const seg = this.seg;
    if (seg === null) return;
    const stats = this.stats;
    await this.flush();
    if (this.failure !== null) throw this.failure;
    this.seg = null;
    try {
      await this.store.closeSegment(seg, stats);
      this.totals.segments++;
      this.totals.bytes += seg.bytesWritten;
    } catch (err) {
      this.failure = err;
      throw err;
    }
  }

  /** Flushes and closes the open segment; the recorder accepts no more events. */
  async stop(): Promise<void> {
    await this.closeCurrent();
    this.checkFailure();
  }

  /** Processes alive now (for tests and status). */
  get liveProcessCount(): number {
    return this.table.size;
  }

  /** Rows built but not yet written as a row group, for the status line. */
  get bufferedRows(): number {
    return this.rows.rowCount;
  }

  /** Bytes written to the open segment so far, for the status line. */
  get openSegmentBytes(): number {
    return this.seg?.bytesWritten ?? 0;
  }
}
