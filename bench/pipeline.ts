/**
 * Micro-benchmark of the user-space pipeline without the kernel: builds
 * hs_file open records as the BPF side writes them, then decodes, ingests
 * and writes them to a real segment. Prints ns per event for each stage.
 * Run: npx tsx bench/pipeline.ts [events]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeRecord } from '../src/events/decode.js';
import { KIND, LAYOUT } from '../src/events/layout.js';
import { CgroupPaths } from '../src/record/cgroups.js';
import { ExeHasher } from '../src/record/exe-hash.js';
import { Recorder } from '../src/record/recorder.js';
import { openRecordingSink } from '../src/record/sink.js';
import { UserNames } from '../src/record/users.js';

const N = Number(process.argv[2] ?? 500_000);
const H = LAYOUT.hs_header.fields;
const F = LAYOUT.hs_file.fields;

function buildRing(n: number): { bytes: Uint8Array; offsets: number[]; lengths: number[] } {
  const paths = Array.from({ length: 200 }, (_, i) => new TextEncoder().encode(`/tmp/hindsight-bench/file-${i}.dat`));
  const recs: Uint8Array[] = [];
  for (let i = 0; i < 200; i++) {
    const p = paths[i]!;
    const size = LAYOUT.hs_file.size + p.length * 2;
    const b = new Uint8Array(size);
    const v = new DataView(b.buffer);
    v.setUint16(H.kind, KIND.OPEN, true); v.setUint16(H.size, size, true); v.setUint16(H.syscall, 257, true);
    v.setBigUint64(H.start_ns, 5_000_000_000n, true); v.setBigUint64(H.parent_start_ns, 1_000_000_000n, true);
    v.setBigUint64(H.cgroup_id, 1n, true);
    v.setUint32(H.pid, 4242, true); v.setUint32(H.tid, 4242, true); v.setUint32(H.ppid, 1, true);
    b.set(new TextEncoder().encode('bench'), H.comm);
    v.setBigInt64(F.ret, 3n, true); v.setInt32(F.dirfd, -100, true);
    v.setUint16(F.path, LAYOUT.hs_file.size, true); v.setUint16(F.path + 2, p.length, true); b.set(p, LAYOUT.hs_file.size);
    v.setUint16(F.path_arg, LAYOUT.hs_file.size + p.length, true); v.setUint16(F.path_arg + 2, p.length, true); b.set(p, LAYOUT.hs_file.size + p.length);
    recs.push(b);
  }
  const total = recs.reduce((s, r) => s + ((r.length + 7) & ~7), 0);
  const bytes = new Uint8Array(total * Math.ceil(n / 200));
  const offsets: number[] = []; const lengths: number[] = [];
  let at = 0;
  for (let i = 0; i < n; i++) {
    const r = recs[i % 200]!;
    bytes.set(r, at);
    new DataView(bytes.buffer).setBigUint64(at + H.ktime_ns, 10_000_000_000n + BigInt(i) * 1000n, true);
    offsets.push(at); lengths.push(r.length);
    at += (r.length + 7) & ~7;
  }
  return { bytes, offsets, lengths };
}

const { bytes, offsets, lengths } = buildRing(N);
const view = new DataView(bytes.buffer);
const out = mkdtempSync(join(tmpdir(), 'hs-bench-'));
const sink = openRecordingSink({ out, host: 'bench', bootId: 'fa8a2298-d416-4846-b3d0-cae699e1d766', zstdLevel: 3, maxSizeBytes: null, settings: {}, log: () => {} });
const recorder = new Recorder(sink.store, { host: 'bench', bootId: 'fa8a2298-d416-4846-b3d0-cae699e1d766', wallOffsetNs: 1_700_000_000_000_000_000n, rotateMs: 1e9, segmentMaxBytes: 1e12, rowGroupRows: 65536 },
  { users: new UserNames(), cgroups: new CgroupPaths(), hasher: new ExeHasher(), nowNs: () => BigInt(Date.now()) * 1_000_000n, bootNowNs: () => 0n, warn: (m: string) => console.error(m) });
recorder.start([], () => null);

const cpuNs = (u: NodeJS.CpuUsage) => (u.user + u.system) * 1000;
let c0 = process.cpuUsage();
let t0 = process.hrtime.bigint();
let sum = 0;
for (let i = 0; i < N; i++) sum += decodeRecord(view, bytes, offsets[i]!, lengths[i]!).pid;
let t1 = process.hrtime.bigint();
console.log(`decode only: ${(Number(t1 - t0) / N).toFixed(0)} ns/event wall, ${(cpuNs(process.cpuUsage(c0)) / N).toFixed(0)} cpu (${sum > 0})`);
{
  // Rows only: the recorder without the Parquet writer.
  const nullStore = { openSegment: () => ({ writeRowGroup() {}, bytesWritten: 0 }), closeSegment: async () => {}, abortSegment() {}, noteGap() {} };
  const r2 = new Recorder(nullStore, { host: 'bench', bootId: 'fa8a2298-d416-4846-b3d0-cae699e1d766', wallOffsetNs: 1_700_000_000_000_000_000n, rotateMs: 1e9, segmentMaxBytes: 1e12, rowGroupRows: 65536 },
    { users: new UserNames(), cgroups: new CgroupPaths(), hasher: new ExeHasher(), nowNs: () => BigInt(Date.now()) * 1_000_000n, bootNowNs: () => 0n, warn: (m: string) => console.error(m) });
  r2.start([], () => null);
  const t2 = process.hrtime.bigint();
  const c2 = process.cpuUsage();
  for (let i = 0; i < N; i++) r2.ingest(decodeRecord(view, bytes, offsets[i]!, lengths[i]!));
  await r2.stop();
  console.log(`decode+rows (no writer): ${(Number(process.hrtime.bigint() - t2) / N).toFixed(0)} ns/event wall, ${(cpuNs(process.cpuUsage(c2)) / N).toFixed(0)} cpu`);
}
if (process.env.ROWS_ONLY) process.exit(0);
const cpu0 = process.cpuUsage();
t0 = process.hrtime.bigint();
for (let i = 0; i < N; i++) recorder.ingest(decodeRecord(view, bytes, offsets[i]!, lengths[i]!));
await recorder.stop();
t1 = process.hrtime.bigint();
const cpu = process.cpuUsage(cpu0);
console.log(`decode+ingest+write: ${Number(t1 - t0) / N} ns/event wall, ${((cpu.user + cpu.system) * 1000) / N} ns/event cpu; bytes ${recorder.totals.bytes} = ${(recorder.totals.bytes / N).toFixed(2)} B/event`);
sink.close({ events: N, lost: 0n, reason: 'bench' });
rmSync(out, { recursive: true });
