/**
 * `hindsight record`: wires capture (BPF object, ring reader) to the
 * recorder core and the segment store, and runs until a signal or the
 * requested duration.
 *
 * Order of a run: check privileges, BTF and tracefs; lock and recover the
 * output directory; load and attach the BPF programs; snapshot /proc; print
 * the ready line; drain the ring every 10 ms; on stop detach first, drain what
 * is left, then close the segment and write the manifest's stop entry.
 */
import { hostname } from 'node:os';
import { readFileSync, statSync } from 'node:fs';
import { BpfObject, setLibbpfOutput } from '../capture/bpf-object.js';
import { bootClockOffsetNs, boottimeNs } from '../capture/clock.js';
import { checkBtf, checkPrivileges, ensureTracefs } from '../capture/environment.js';
import { RawRingReader } from '../capture/ring-reader.js';
import { DecodeError, decodeRecord } from '../events/decode.js';
import { COUNTER, HS_ARGV_MAX, HS_RO_PREFIXES, HS_RO_PREFIX_LEN } from '../events/layout.js';
import { CgroupPaths } from '../record/cgroups.js';
import { ExeHasher } from '../record/exe-hash.js';
import { snapshotProcesses, type ProcEntry } from '../record/proc-snapshot.js';
import { Recorder } from '../record/recorder.js';
import { openRecordingSink, type RecordingSink } from '../record/sink.js';
import { UserNames } from '../record/users.js';
import { formatBytes, UsageError } from './units.js';

/** The BPF object built by `make -C bpf`. */
export const BPF_OBJECT_PATH = new URL('../../build/hindsight.bpf.o', import.meta.url).pathname;

/** Programs without which a recording would be misleading: loading stops if one fails. */
const ESSENTIAL_PROGRAMS = ['handle_exec', 'handle_fork', 'handle_exit'];

export interface RecordOptions {
  out: string;
  durationMs: number | null;
  rotateMs: number;
  maxSizeBytes: number | null;
  segmentMaxBytes: number;
  argvMax: number;
  ringSizeBytes: number;
  ignoreReadPrefixes: string[];
  host: string;
  zstdLevel: number;
  rowGroupRows: number;
  /** Status line on a TTY; quiet log lines otherwise. */
  statusLine: boolean;
  log: (line: string) => void;
  status: (line: string) => void;
  /** Called once capture is running (the ready line). */
  onReady: (info: { dir: string; pid: number; attached: number; failed: string[] }) => void;
  /** Resolves when the run should stop (signal); the duration is handled here. */
  stopSignal: Promise<string>;
}

/** Default settings of the CLI. */
export const RECORD_DEFAULTS = {
  rotateMs: 60_000,
  segmentMaxBytes: 256 * 1024 * 1024,
  argvMax: 4096,
  ringSizeBytes: 64 * 1024 * 1024,
  zstdLevel: 1,
  rowGroupRows: 65_536,
  pollIntervalMs: 10,
  counterIntervalMs: 1000,
};

function readBootId(): string {
  return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
}

/** Checks option values that the parser cannot. */
export function validateRecordOptions(o: RecordOptions): void {
  if (o.argvMax < 1 || o.argvMax > HS_ARGV_MAX) throw new UsageError(`--argv-max: must be between 1 and ${HS_ARGV_MAX}: ${o.argvMax}`);
  const page = 4096;
  if (o.ringSizeBytes < page || (o.ringSizeBytes & (o.ringSizeBytes - 1)) !== 0) {
    throw new UsageError(`--ring-size: must be a power of two of at least 4 KiB: ${o.ringSizeBytes}`);
  }
  if (o.ignoreReadPrefixes.length > HS_RO_PREFIXES) {
    throw new UsageError(`--ignore-read-prefix: at most ${HS_RO_PREFIXES} prefixes, got ${o.ignoreReadPrefixes.length}`);
  }
  for (const p of o.ignoreReadPrefixes) {
    if (!p.startsWith('/') || Buffer.byteLength(p) >= HS_RO_PREFIX_LEN) {
      throw new UsageError(`--ignore-read-prefix: must be an absolute path shorter than ${HS_RO_PREFIX_LEN} bytes: ${JSON.stringify(p)}`);
    }
  }
}

function configureObject(obj: BpfObject, o: RecordOptions): void {
  obj.setRodata('self_tgid', process.pid);
  obj.setRodata('argv_max', o.argvMax);
  obj.setRodata('ro_prefix_count', o.ignoreReadPrefixes.length);
  const lens = new Uint8Array(4 * HS_RO_PREFIXES);
  const table = new Uint8Array(HS_RO_PREFIXES * HS_RO_PREFIX_LEN);
  o.ignoreReadPrefixes.forEach((p, i) => {
    const b = Buffer.from(p);
    new DataView(lens.buffer).setUint32(4 * i, b.length, true);
    table.set(b, i * HS_RO_PREFIX_LEN);
  });
  obj.setRodata('ro_prefix_len', lens);
  obj.setRodata('ro_prefixes', table);
  obj.setMaxEntries('events', o.ringSizeBytes);
}

function hashSnapshotExe(hasher: ExeHasher) {
  return (p: ProcEntry) => {
    if (p.exe === null) return null;
    try {
      const st = statSync(`/proc/${p.pid}/exe`, { bigint: true });
      return hasher.hash({
        pid: p.pid, path: typeof p.exe === 'string' ? p.exe : null,
        dev: 0, ino: st.ino, mtimeNs: st.mtimeNs, size: st.size,
      });
    } catch {
      return Promise.resolve({ sha256: null, status: 'gone' as const });
    }
  };
}

/** Runs a recording; resolves with the totals when it stopped cleanly. */
export async function runRecord(o: RecordOptions): Promise<{ events: number; lost: bigint; segments: number; dir: string }> {
  validateRecordOptions(o);
  checkPrivileges();
  checkBtf();
  ensureTracefs();
  setLibbpfOutput(false);

  const bootId = readBootId();
  const sink: RecordingSink = openRecordingSink({
    out: o.out, host: o.host, bootId, zstdLevel: o.zstdLevel, maxSizeBytes: o.maxSizeBytes,
    settings: {
      rotate_ms: o.rotateMs, segment_max_bytes: o.segmentMaxBytes, argv_max: o.argvMax,
      ring_size_bytes: o.ringSizeBytes, ignore_read_prefixes: o.ignoreReadPrefixes, max_size_bytes: o.maxSizeBytes,
    },
    log: o.log,
  });

  let obj: BpfObject | null = null;
  let reader: RawRingReader | null = null;
  try {
    obj = BpfObject.open(BPF_OBJECT_PATH);
    configureObject(obj, o);
    obj.load();
    const report = obj.attachAll();
    const failed = report.failed.map((f) => `${f.program} (${f.section}): ${f.error?.message ?? 'failed'}`);
    const missingEssential = report.failed.filter((f) => ESSENTIAL_PROGRAMS.includes(f.program));
    if (missingEssential.length > 0) {
      throw new Error(`capture: essential hooks failed to attach: ${failed.join('; ')}`);
    }
    for (const f of failed) o.log(`warning: hook not attached, its events will be missing: ${f}`);

    const wallOffsetNs = bootClockOffsetNs();
    const setPaused = (paused: boolean) => obj!.setData('capture_paused', paused ? 1 : 0);
    const hasher = new ExeHasher();
    const recorder = new Recorder(sink.store, {
      host: o.host, bootId, wallOffsetNs, rotateMs: o.rotateMs, segmentMaxBytes: o.segmentMaxBytes,
      rowGroupRows: o.rowGroupRows,
    }, {
      users: new UserNames(), cgroups: new CgroupPaths(), hasher,
      nowNs: () => BigInt(Date.now()) * 1_000_000n, bootNowNs: boottimeNs,
      warn: (m) => o.log(`warning: ${m}`),
    });
    // Every hook is attached: start capture in all of them at once, then read
    // /proc, so that every process is in the snapshot, in the events, or both.
    setPaused(false);
    recorder.start(snapshotProcesses(o.argvMax), hashSnapshotExe(hasher));

    const ring = new RawRingReader(obj.mapFd('events'), obj.maxEntries('events'));
    reader = ring;
    let view: DataView | null = null;
    let viewOf: Uint8Array | null = null;
    const onRecord = (buf: Uint8Array, offset: number, length: number) => {
      if (viewOf !== buf) { viewOf = buf; view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength); }
      let ev;
      try {
        ev = decodeRecord(view!, buf, offset, length);
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
        recorder.noteLoss('decode_error', 1n);
        o.log(`warning: ${err.message}`);
        return;
      }
      recorder.ingest(ev);
    };
    const readCounters = () => {
      const c = obj!.readCounters('counters');
      return { ring_full: c[COUNTER.LOST_RING] ?? 0n, stash_full: c[COUNTER.LOST_STASH] ?? 0n };
    };

    o.onReady({ dir: sink.hostDir, pid: process.pid, attached: report.attached.length, failed });

    const startedMs = Date.now();
    let lastCountersMs = startedMs;
    let lastStatusEvents = 0;
    let stopReason: string | null = null;
    void o.stopSignal.then((why) => { stopReason = why; });
    let busy = false;
    let loopError: unknown = null;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (busy) return;
        busy = true;
        void (async () => {
          try {
            ring.drain(onRecord);
            const now = Date.now();
            if (o.durationMs !== null && now - startedMs >= o.durationMs && stopReason === null) stopReason = 'duration reached';
            if (now - lastCountersMs >= RECORD_DEFAULTS.counterIntervalMs) {
              recorder.noteCounters(readCounters());
              const rate = ((recorder.totals.events - lastStatusEvents) * 1000) / (now - lastCountersMs);
              lastStatusEvents = recorder.totals.events;
              lastCountersMs = now;
              if (o.statusLine) {
                o.status(`events ${recorder.totals.events} (${Math.round(rate)}/s)  lost ${recorder.totals.lost}  `
                  + `written ${formatBytes(recorder.totals.bytes + recorder.openSegmentBytes)} (+${recorder.bufferedRows} rows buffered)  `
                  + `segments ${recorder.totals.segments}`);
              }
            }
            if (recorder.rotationDue(now)) {
              recorder.setWallOffset(bootClockOffsetNs());
              await recorder.rotate();
              sink.enforceRetention();
            }
          } catch (err) {
            loopError = err;
          } finally {
            busy = false;
          }
          if (loopError !== null || stopReason !== null) {
            clearInterval(timer);
            resolve();
          }
        })();
      }, RECORD_DEFAULTS.pollIntervalMs);
    });
    if (loopError !== null) throw loopError;

    // Stop: pause every hook at once, detach, then take what they wrote.
    setPaused(true);
    await obj.detachConcurrently();
    ring.drain(onRecord);
    recorder.noteCounters(readCounters());
    await recorder.stop();
    sink.enforceRetention();
    sink.close({ events: recorder.totals.events, lost: recorder.totals.lost, reason: stopReason ?? 'stopped' });
    o.log(`stopped (${stopReason}): ${recorder.totals.events} events, ${recorder.totals.lost} lost, ${recorder.totals.segments} segments in ${sink.hostDir}`);
    return { events: recorder.totals.events, lost: recorder.totals.lost, segments: recorder.totals.segments, dir: sink.hostDir };
  } catch (err) {
    sink.abandon(err);
    throw err;
  } finally {
    reader?.close();
    obj?.close();
  }
}

/** The host name used in the layout: the kernel's, without a domain. */
export function defaultHost(): string {
  return hostname().split('.')[0] || 'localhost';
}
