// Throughput of RawRingReader.drain, measured with bpf/selftest.bpf.c. Off by
// default (it takes about 30 s and prints numbers rather than asserting
// tight bounds): HINDSIGHT_BENCH=1 npx vitest run test/capture/ring-throughput
import { beforeAll, describe, expect, it } from 'vitest';
import { RawRingReader } from '../../src/capture/ring-reader.js';
import { ensureTracefs } from '../../src/capture/environment.js';
import { Trigger, buildFixtures, loadSelftest } from './helpers.js';

const PAYLOAD = 168; // + 32-byte selftest header = 200-byte records, 208 ring bytes each

beforeAll(() => {
  buildFixtures();
  ensureTracefs();
});

/** A callback that touches each record as a decoder would start to: its sequence number. */
function makeCounter(): { onRecord: (buf: Uint8Array, off: number) => void; state: { records: number; lastSeq: number; outOfOrder: number } } {
  const state = { records: 0, lastSeq: -1, outOfOrder: 0 };
  return {
    state,
    onRecord: (buf, off) => {
      const seq = (buf[off]! | (buf[off + 1]! << 8) | (buf[off + 2]! << 16) | (buf[off + 3]! << 24)) >>> 0;
      if (seq <= state.lastSeq) state.outOfOrder++;
      state.lastSeq = seq;
      state.records++;
    },
  };
}

const cpuUs = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

describe.skipIf(!process.env.HINDSIGHT_BENCH)('RawRingReader throughput', () => {
  it('drains a backlog of 1M 200-byte records', async () => {
    const count = 1_000_000;
    const trigger = new Trigger(count);
    const obj = loadSelftest(trigger.pid, { sizeMin: PAYLOAD, sizeMax: PAYLOAD, ringBytes: 256 << 20 });
    const reader = new RawRingReader(obj.mapFd('events'), 256 << 20);
    try {
      trigger.go();
      await trigger.exited;
      const { onRecord, state } = makeCounter();
      const c0 = cpuUs();
      const t0 = process.hrtime.bigint();
      const r = reader.drain(onRecord);
      const wallUs = Number(process.hrtime.bigint() - t0) / 1000;
      const cpu = cpuUs() - c0;
      console.log(`backlog: ${r.records} records, ${(r.bytes / 2 ** 20).toFixed(0)} MiB in ${(wallUs / 1000).toFixed(1)} ms: ` +
        `${(wallUs / r.records * 1000).toFixed(0)} ns/record wall, ${(cpu / r.records * 1000).toFixed(0)} ns/record CPU, ` +
        `${(r.records / wallUs).toFixed(2)}M records/s`);
      expect(r.records).toBe(count);
      expect(state.outOfOrder).toBe(0);
    } finally {
      reader.close();
      obj.close();
    }
  });

  it.each([100_000, 200_000, 400_000, 0])('keeps up at %i records/s (0: as fast as the producer goes) on a 10 ms timer', async (rate) => {
    const seconds = 3;
    const count = rate ? rate * seconds : 3_000_000;
    const trigger = new Trigger(count, rate);
    const obj = loadSelftest(trigger.pid, { sizeMin: PAYLOAD, sizeMax: PAYLOAD, ringBytes: 16 << 20 });
    const reader = new RawRingReader(obj.mapFd('events'), 16 << 20);
    try {
      const { onRecord, state } = makeCounter();
      let maxBatch = 0;
      const poller = reader.pollEvery(10, onRecord, { onBatch: (r) => { maxBatch = Math.max(maxBatch, r.records); } });
      const c0 = cpuUs();
      const t0 = process.hrtime.bigint();
      trigger.go();
      await trigger.exited;
      const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
      await new Promise((res) => setTimeout(res, 50));
      poller.stop();
      reader.drain(onRecord);
      const cpu = cpuUs() - c0;
      const c = obj.readCounters('counters', 2);
      const lost = Number(c[1]);
      console.log(`rate ${rate || 'max'}: ${count} calls in ${wallS.toFixed(2)} s (${(count / wallS / 1000).toFixed(0)}k/s offered), ` +
        `${state.records} read, ${lost} lost; consumer CPU ${(cpu / wallS / 1e4).toFixed(1)}% of a core, ` +
        `${(cpu / Math.max(state.records, 1) * 1000).toFixed(0)} ns/record; largest batch ${maxBatch}`);
      expect(state.records + lost).toBe(count);
      expect(state.outOfOrder).toBe(0);
    } finally {
      reader.close();
      obj.close();
    }
  });
});
