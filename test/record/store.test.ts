import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSegmentSchema } from '../../src/record/batch.js';
import { LockedError, OutputNotWritableError } from '../../src/record/errors.js';
import { readManifest, verifyChain } from '../../src/record/manifest.js';
import { RecordingStore, type SegmentSummary } from '../../src/record/store.js';
import { processStartTime } from '../../src/record/store-lock.js';

const schema = loadSegmentSchema();
const T0 = 1_763_709_303_123_000_000n; // 2025-11-21T07:15:03.123Z
let out: string;
let clock: bigint;
const nowNs = (): bigint => (clock += 1_000_000_000n);

beforeEach(() => {
  out = mkdtempSync(join(tmpdir(), 'hs-store-'));
  clock = T0;
});
afterEach(() => rmSync(out, { recursive: true, force: true }));

function open(runId = 'run001aaaa'): RecordingStore {
  return RecordingStore.open({ out, runId, host: 'box1', nowNs });
}

function summary(rows: number, startNs: bigint): SegmentSummary {
  return {
    timeMinNs: startNs, timeMaxNs: startNs + BigInt(rows), seqMin: 0n, seqMax: BigInt(rows - 1),
    countsByKind: { open: rows }, lost: { ring_full: 0n, stash_full: 3n },
  };
}

/** Write and journal one closed segment of `rows` rows starting at `startNs`. */
async function addSegment(store: RecordingStore, startNs: bigint, rows = 20): Promise<string> {
  const w = store.openSegment(startNs, schema);
  w.writeRowGroup({ rowCount: rows, columns: { seq: Array.from({ length: rows }, (_, i) => BigInt(i)), kind: Array(rows).fill('open') } });
  const info = await w.finish();
  return store.recordSegment(info, summary(rows, startNs)).file;
}

describe('recording store layout', () => {
  it('puts segments under host=/date= with time-sorted names, 0700 directories and 0600 files', async () => {
    const store = open();
    store.recordStart({ pid: process.pid, host: 'box1', boot_id: 'b', hindsight_version: '0.1.0', schema_version: 1, settings: {} });
    const file = await addSegment(store, T0);
    store.recordStop({ events: 20n });
    store.close();
    expect(file).toBe('date=2025-11-21/seg-20251121T071503.123Z-run001-000001.parquet');
    const hostDir = join(out, 'host=box1');
    for (const d of [hostDir, join(hostDir, 'date=2025-11-21')]) expect(statSync(d).mode & 0o777).toBe(0o700);
    for (const f of [join(hostDir, file), join(hostDir, 'manifest.jsonl')]) expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(existsSync(join(hostDir, 'recorder.lock'))).toBe(false);
    const { entries } = readManifest(join(hostDir, 'manifest.jsonl'));
    expect(entries.map((e) => e.type)).toEqual(['start', 'segment', 'stop']);
    expect(entries[1]).toMatchObject({ file, rows: 20, time_min: String(T0), seq_max: '19', lost: { ring_full: '0', stash_full: '3' } });
    expect(verifyChain(entries)).toBeNull();
  });

  it.each([
    ['a time just before midnight UTC', 1_763_769_599_999_000_000n, 'date=2025-11-21', 'seg-20251121T235959.999Z'],
    ['midnight UTC', 1_763_769_600_000_000_000n, 'date=2025-11-22', 'seg-20251122T000000.000Z'],
  ])('names a segment starting at %s by its UTC day', (_name, startNs, dir, prefix) => {
    const store = open();
    const name = store.segmentName(startNs, 42);
    store.close();
    expect(name).toEqual({ dir, baseName: `${prefix}-run001-000042` });
  });

  it('reports free space of the output filesystem', () => {
    const store = open();
    const space = store.freeSpace();
    store.close();
    expect(space.totalBytes).toBeGreaterThan(0);
    expect(space.availableBytes).toBeGreaterThanOrEqual(0);
    expect(space.availableBytes).toBeLessThanOrEqual(space.totalBytes);
  });

  it('names the output directory when it cannot be created', () => {
    const file = join(out, 'a-file');
    writeFileSync(file, '');
    expect(() => RecordingStore.open({ out: join(file, 'rec'), runId: 'run001', host: 'box1' })).toThrow(OutputNotWritableError);
    expect(() => RecordingStore.open({ out: join(file, 'rec'), runId: 'run001', host: 'box1' })).toThrow(`output directory ${join(file, 'rec')} is not writable`);
  });
});

describe('recovery after an unclean stop', () => {
  it('removes leftover tmp files and journals a gap from the last segment to now', async () => {
    const first = open('deadrun111');
    first.recordStart({ pid: 1, host: 'box1', boot_id: 'b', hindsight_version: '0.1.0', schema_version: 1, settings: {} });
    await addSegment(first, T0, 10);
    const crashed = first.openSegment(T0 + 5_000_000_000n, schema); // never finished: the process "dies"
    crashed.writeRowGroup({ rowCount: 1, columns: { seq: [10n] } });
    first.close(); // releases the lock as a dead process's would be stale

    const second = open('liverun222');
    const hostDir = second.hostDir;
    expect(second.recovery.removedTmp).toEqual([`date=2025-11-21/${crashed.tmpPath.split('/').pop()}`]);
    expect(second.recovery.gap).toMatchObject({
      type: 'gap', run_id: 'deadrun111', from_ns: String(T0 + 10n), reason: 'recorder killed: no clean stop (previous run deadrun111)',
    });
    expect(second.recovery.gap!.to_ns).toBe(second.recovery.gap!.time_ns);
    second.close();
    expect(readdirSync(join(hostDir, 'date=2025-11-21')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const { entries } = readManifest(join(hostDir, 'manifest.jsonl'));
    expect(entries.map((e) => e.type)).toEqual(['start', 'segment', 'gap']);
    expect(verifyChain(entries)).toBeNull();
  });

  it('journals the gap from the start entry when the run closed no segment', () => {
    const first = open('deadrun111');
    const start = first.recordStart({ pid: 1, host: 'box1', boot_id: 'b', hindsight_version: '0.1.0', schema_version: 1, settings: {} });
    first.close();
    const second = open('liverun222');
    second.close();
    expect(second.recovery.gap?.from_ns).toBe(start.time_ns);
  });

  it.each([
    ['a run that stopped cleanly', true],
    ['an empty manifest', false],
  ])('adds no gap after %s', (_name, withRun) => {
    if (withRun) {
      const first = open('cleanrun11');
      first.recordStart({ pid: 1, host: 'box1', boot_id: 'b', hindsight_version: '0.1.0', schema_version: 1, settings: {} });
      first.recordStop({ events: 0 });
      first.close();
    }
    const second = open('liverun222');
    second.close();
    expect(second.recovery.gap).toBeNull();
  });
});

describe('retention', () => {
  it('deletes the oldest closed segments first until the rest fit, and journals each', async () => {
    const store = open();
    const files: string[] = [];
    for (let i = 0; i < 4; i++) files.push(await addSegment(store, T0 + BigInt(i) * 60_000_000_000n));
    const open_ = store.openSegment(T0 + 300_000_000_000n, schema);
    const sizes = store.closedSegments().map((s) => s.sizeBytes);
    const retired = store.enforceRetention(sizes[2]! + sizes[3]!);
    expect(retired.map((r) => r.file)).toEqual([files[0], files[1]]);
    expect(store.closedSegments().map((s) => s.file)).toEqual([files[2], files[3]]);
    expect(existsSync(join(store.hostDir, files[0]!))).toBe(false);
    expect(existsSync(join(store.hostDir, files[2]!))).toBe(true);
    expect(existsSync(open_.tmpPath)).toBe(true);
    expect(store.enforceRetention(0).map((r) => r.file)).toEqual([files[2], files[3]]);
    expect(existsSync(open_.tmpPath)).toBe(true);
    open_.abort();
    store.close();
    const { entries } = readManifest(store.manifestPath);
    expect(entries.filter((e) => e.type === 'retired').map((e) => e.file)).toEqual(files);
    expect(verifyChain(entries)).toBeNull();
  });

  it('sees segments of earlier runs in the same host directory', async () => {
    const first = open('firstrun11');
    const old = await addSegment(first, T0);
    first.close();
    const second = open('secondrun2');
    await addSegment(second, T0 + 60_000_000_000n);
    expect(second.enforceRetention(second.closedSegments()[1]!.sizeBytes).map((r) => r.file)).toEqual([old]);
    second.close();
  });
});

describe('recorder lock', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
  });

  function writeLock(pid: number, startTime: string): void {
    const hostDir = join(out, 'host=box1');
    mkdirSync(hostDir, { recursive: true });
    writeFileSync(join(hostDir, 'recorder.lock'), JSON.stringify({ pid, start_time: startTime, run_id: 'other1' }));
  }

  it('refuses to open while a live process holds the lock', async () => {
    child = spawn('sleep', ['60'], { stdio: 'ignore' });
    await new Promise((r) => child!.once('spawn', r));
    writeLock(child.pid!, processStartTime(child.pid!)!);
    expect(() => open()).toThrow(LockedError);
    expect(() => open()).toThrow(`another recorder (pid ${child.pid}) is writing to ${join(out, 'host=box1')}`);
  });

  it('refuses a second store in the same process', () => {
    const store = open();
    expect(() => open('another1')).toThrow(LockedError);
    store.close();
  });

  it.each([
    ['a dead pid', async (): Promise<[number, string]> => {
      const c = spawn('true', { stdio: 'ignore' });
      await new Promise((r) => c.once('exit', r));
      return [c.pid!, '12345'];
    }],
    ['a live pid with another start time (pid reused)', async (): Promise<[number, string]> => [process.pid, '1']],
    ['an unreadable lock file', async (): Promise<[number, string]> => [-1, '']],
  ])('takes over a stale lock left by %s', async (_name, owner) => {
    const [pid, start] = await owner();
    if (pid === -1) {
      mkdirSync(join(out, 'host=box1'), { recursive: true });
      writeFileSync(join(out, 'host=box1', 'recorder.lock'), 'garbage');
    } else {
      writeLock(pid, start);
    }
    const store = open();
    expect(store.recovery.staleLock).not.toBeNull();
    store.close();
  });
});
