/**
 * The recorder core over hand-built kernel records and an in-memory store:
 * rows, keys, loss accounting, and what happens when a batch cannot be encoded.
 */
import { describe, expect, it } from 'vitest';
import { decodeRecord } from '../../src/events/decode.js';
import { KIND, LAYOUT } from '../../src/events/layout.js';
import type { ColumnBatch } from '../../src/record/batch.js';
import { CgroupPaths } from '../../src/record/cgroups.js';
import { SegmentEncodeError } from '../../src/record/errors.js';
import { ExeHasher } from '../../src/record/exe-hash.js';
import { Recorder, type OpenSegment, type SegmentStats, type SegmentStore } from '../../src/record/recorder.js';
import { UserNames } from '../../src/record/users.js';

const H = LAYOUT.hs_header.fields;
const F = LAYOUT.hs_file.fields;
const BOOT = 'fa8a2298-d416-4846-b3d0-cae699e1d766';

function openRecord(path: string, flags: number, mode: number) {
  const p = new TextEncoder().encode(path);
  const size = LAYOUT.hs_file.size + p.length;
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  v.setUint16(H.kind, KIND.OPEN, true);
  v.setUint16(H.size, size, true);
  v.setUint16(H.syscall, 257, true);
  v.setBigUint64(H.ktime_ns, 5_000_000_000n, true);
  v.setBigUint64(H.start_ns, 1_230_000_000n, true);
  v.setUint32(H.pid, 77, true);
  v.setUint32(H.tid, 77, true);
  v.setUint32(H.ppid, 1, true);
  v.setUint32(F.flags, flags, true);
  v.setUint32(F.mode, mode, true);
  v.setBigInt64(F.ret, 3n, true);
  v.setUint16(F.path, LAYOUT.hs_file.size, true);
  v.setUint16(F.path + 2, p.length, true);
  b.set(p, LAYOUT.hs_file.size);
  return decodeRecord(v, b, 0, size);
}

class MemoryStore implements SegmentStore {
  batches: ColumnBatch[] = [];
  closed: SegmentStats[] = [];
  gaps: string[] = [];
  failNext = false;
  openSegment(): OpenSegment {
    const store = this;
    return {
      bytesWritten: 0,
      writeRowGroup(batch: ColumnBatch) {
        if (store.failNext) {
          store.failNext = false;
          throw new SegmentEncodeError('segment: encode row group for x.tmp', { cause: new Error('column mode (int32): value out of range') });
        }
        store.batches.push(batch);
      },
    };
  }
  async closeSegment(_seg: OpenSegment, stats: SegmentStats) { this.closed.push(stats); }
  abortSegment() {}
  noteGap(_from: bigint, _to: bigint, reason: string) { this.gaps.push(reason); }
}

function recorder(store: MemoryStore, warnings: string[]) {
  const r = new Recorder(store, { host: 'h', bootId: BOOT, wallOffsetNs: 1_000_000_000_000_000_000n, rotateMs: 1e9, segmentMaxBytes: 1e12, rowGroupRows: 4 }, {
    users: new UserNames(), cgroups: new CgroupPaths(), hasher: new ExeHasher(),
    nowNs: () => 1_000_000_005_000_000_000n, bootNowNs: () => 5_000_000_000n, warn: (m) => warnings.push(m),
  });
  r.start([], () => null);
  return r;
}

describe('Recorder', () => {
  it('writes an open row with its key, time, resolved path, and mode only when it creates', async () => {
    const store = new MemoryStore();
    const r = recorder(store, []);
    r.ingest(openRecord('/etc/passwd', 0, 0xe1f2a807));
    r.ingest(openRecord('/tmp/new', 0o101, 0o644));
    await r.stop();
    const rows = store.batches.flatMap((b) => Array.from({ length: b.rowCount }, (_, i) =>
      Object.fromEntries(Object.entries(b.columns).map(([k, v]) => [k, v[i] ?? null]))));
    const opens = rows.filter((x) => x.kind === 'open');
    expect(opens.map((x) => [x.path, x.mode, x.proc_key, x.seq])).toEqual([
      ['/etc/passwd', null, 'fa8a2298d416:123:77', 0n],
      ['/tmp/new', 0o644, 'fa8a2298d416:123:77', 1n],
    ]);
    expect(opens[0]!.time).toBe(1_000_000_005_000_000_000n);
    expect(opens[0]!.path_source).toBe('kernel');
  });

  it('keeps recording when a batch cannot be encoded, and records the loss', async () => {
    const store = new MemoryStore();
    const warnings: string[] = [];
    const r = recorder(store, warnings);
    store.failNext = true;
    for (let i = 0; i < 4; i++) r.ingest(openRecord(`/tmp/a${i}`, 0, 0));
    await r.flush();
    for (let i = 0; i < 2; i++) r.ingest(openRecord(`/tmp/b${i}`, 0, 0));
    await r.stop();
    expect(warnings.join('\n')).toMatch(/value out of range; 4 rows lost/);
    expect(store.gaps).toEqual(['events lost: 4 (encode_error: column mode (int32): value out of range)']);
    expect(store.closed[0]!.lost.encode_error).toBe(4n);
    const kinds = store.batches.flatMap((b) => b.columns.kind!.slice(0, b.rowCount));
    expect(kinds).toEqual(['loss', 'open', 'open']);
  });
});
