// Real ring buffers filled by bpf/selftest.bpf.c for a getppid-loop child of
// this test (filtered on its tgid, so a busy host does not disturb counts).
import { beforeAll, describe, expect, it } from 'vitest';
import { RawRingReader, RingReader } from '../../src/capture/ring-reader.js';
import type { BpfObject } from '../../src/capture/bpf-object.js';
import { ensureTracefs } from '../../src/capture/environment.js';
import { Trigger, buildFixtures, expectedLength, loadSelftest, parseRecord } from './helpers.js';
import type { SelftestRecord, SelftestSettings } from './helpers.js';

const HS_CNT_EMITTED = 0;
const HS_CNT_LOST_RING = 1;

beforeAll(() => {
  buildFixtures();
  ensureTracefs();
});

/** Starts a paused trigger, loads the selftest for it, lets it run to exit. */
async function runToExit(count: number, settings: SelftestSettings): Promise<BpfObject> {
  const trigger = new Trigger(count);
  const obj = loadSelftest(trigger.pid, settings);
  trigger.go();
  expect(await trigger.exited).toBe(0);
  return obj;
}

function counters(obj: BpfObject): { emitted: number; lost: number } {
  const c = obj.readCounters('counters', 2);
  return { emitted: Number(c[HS_CNT_EMITTED]), lost: Number(c[HS_CNT_LOST_RING]) };
}

describe('RawRingReader', () => {
  it.each([
    { name: 'fixed-size records arrive in order with exact payloads', count: 2000, sizeMin: 100, sizeMax: 100, discardEvery: 0 },
    { name: 'variable-size records, with discarded ones between, arrive in order', count: 3000, sizeMin: 0, sizeMax: 301, discardEvery: 7 },
    { name: 'header-only records (empty payload) arrive in order', count: 1000, sizeMin: 0, sizeMax: 0, discardEvery: 3 },
  ])('$name', async ({ count, sizeMin, sizeMax, discardEvery }) => {
    const obj = await runToExit(count, { sizeMin, sizeMax, discardEvery, ringBytes: 4 << 20 });
    const reader = new RawRingReader(obj.mapFd('events'), obj.maxEntries('events'));
    try {
      const seen: SelftestRecord[] = [];
      const result = reader.drain((buf, off, len) => seen.push(parseRecord(buf, off, len)));
      expect(counters(obj)).toEqual({ emitted: count, lost: 0 });
      expect(result.records).toBe(count);
      expect(result.discarded).toBe(discardEvery ? Math.ceil(count / discardEvery) : 0);
      expect(seen.map((r) => r.seq)).toEqual(Array.from({ length: count }, (_, i) => i));
      expect(seen.map((r) => r.len)).toEqual(seen.map((r) => expectedLength(r.seq, sizeMin, sizeMax)));
      expect(seen.every((r) => r.payloadOk)).toBe(true);
      expect(reader.pendingBytes()).toBe(0);
      expect(reader.drain(() => {})).toEqual({ records: 0, discarded: 0, bytes: 0 });
    } finally {
      reader.close();
      obj.close();
    }
  });

  it('wraps around a 64 KiB ring many times without corrupting a record, and every gap is a counted loss', async () => {
    const count = 40_000; // about 8.5 MB of records through 64 KiB, at 100k records/s
    const trigger = new Trigger(count, 100_000);
    const obj = loadSelftest(trigger.pid, { sizeMin: 150, sizeMax: 250, discardEvery: 11, ringBytes: 64 << 10 });
    const reader = new RawRingReader(obj.mapFd('events'), 64 << 10);
    try {
      let records = 0;
      let bytes = 0;
      let bad = 0;
      let lastSeq = -1;
      let gaps = 0;
      const onRecord = (buf: Uint8Array, off: number, len: number): void => {
        const r = parseRecord(buf, off, len);
        if (!r.payloadOk || r.seq <= lastSeq) bad++;
        gaps += r.seq - lastSeq - 1;
        lastSeq = r.seq;
        records++;
      };
      trigger.go();
      // Drain in a tight loop (the event loop is blocked, so the end is seen
      // through the counters, not the child's exit event).
      const deadline = Date.now() + 60_000;
      for (;;) {
        const r = reader.drain(onRecord);
        bytes += r.bytes;
        if (r.bytes === 0) {
          const c = counters(obj);
          if (c.emitted + c.lost === count && reader.pendingBytes() === 0) break;
          if (Date.now() > deadline) throw new Error(`test: timed out with ${records} records`);
        }
      }
      expect(await trigger.exited).toBe(0);
      const c = counters(obj);
      expect(bad).toBe(0);
      expect(records).toBe(c.emitted);
      expect(gaps + (count - 1 - lastSeq)).toBe(c.lost);
      // At least eight trips round the ring, however many records a busy host made us lose.
      expect(bytes).toBeGreaterThan(8 * (64 << 10));
    } finally {
      reader.close();
      obj.close();
    }
  });

  it('counts the records the kernel could not write while nobody read, and delivers the ones it wrote', async () => {
    const count = 5000;
    const obj = await runToExit(count, { sizeMin: 200, sizeMax: 200, ringBytes: 64 << 10 });
    const reader = new RawRingReader(obj.mapFd('events'), 64 << 10);
    try {
      const seqs: number[] = [];
      reader.drain((buf, off, len) => seqs.push(parseRecord(buf, off, len).seq));
      const c = counters(obj);
      expect(c.emitted + c.lost).toBe(count);
      expect(c.lost).toBeGreaterThan(0);
      // Once full, the ring stays full: the first `emitted` calls got in.
      expect(seqs).toEqual(Array.from({ length: c.emitted }, (_, i) => i));
      expect(c.emitted).toBe(Math.floor((64 << 10) / (8 + 232)));
    } finally {
      reader.close();
      obj.close();
    }
  });

  it('stops a drain once maxBytes were consumed and leaves the rest for the next one', async () => {
    const obj = await runToExit(100, { sizeMin: 88, sizeMax: 88, ringBytes: 1 << 20 }); // 128 ring bytes a record
    const reader = new RawRingReader(obj.mapFd('events'), 1 << 20);
    try {
      const first = reader.drain(() => {}, 1000);
      expect(first).toEqual({ records: 8, discarded: 0, bytes: 1024 });
      expect(reader.pendingBytes()).toBe(92 * 128);
      const seqs: number[] = [];
      expect(reader.drain((b, o, l) => seqs.push(parseRecord(b, o, l).seq)).records).toBe(92);
      expect(seqs[0]).toBe(8);
    } finally {
      reader.close();
      obj.close();
    }
  });

  it('consumes the record a callback threw on, so one bad record cannot wedge the reader', async () => {
    const obj = await runToExit(10, { ringBytes: 1 << 20 });
    const reader = new RawRingReader(obj.mapFd('events'), 1 << 20);
    try {
      let calls = 0;
      expect(() => reader.drain(() => {
        if (++calls === 3) throw new Error('boom');
      })).toThrow('boom');
      const seqs: number[] = [];
      reader.drain((b, o, l) => seqs.push(parseRecord(b, o, l).seq));
      expect(seqs).toEqual([3, 4, 5, 6, 7, 8, 9]);
    } finally {
      reader.close();
      obj.close();
    }
  });

  it('drains on a 10 ms timer with pollEvery until stopped, losing nothing at 100k records/s', async () => {
    const count = 100_000;
    const trigger = new Trigger(count, 100_000);
    const obj = loadSelftest(trigger.pid, { sizeMin: 192, sizeMax: 192, ringBytes: 16 << 20 });
    const reader = new RawRingReader(obj.mapFd('events'), 16 << 20);
    try {
      let records = 0;
      let batches = 0;
      let done: () => void = () => {};
      const finished = new Promise<void>((res) => { done = res; });
      const poller = reader.pollEvery(10, () => { records++; }, {
        onBatch: () => {
          batches++;
          if (records === count) done();
        },
        onError: (e) => { throw e; },
      });
      trigger.go();
      expect(await trigger.exited).toBe(0);
      await finished;
      poller.stop();
      poller.stop();
      expect(counters(obj)).toEqual({ emitted: count, lost: 0 });
      expect(batches).toBeGreaterThan(10);
    } finally {
      reader.close();
      obj.close();
    }
  });

  it.each([
    { name: 'a size that is not a power of two', size: 3 * 4096 },
    { name: 'a size below the page size', size: 1024 },
  ])('refuses $name', ({ size }) => {
    expect(() => new RawRingReader(0, size)).toThrow(/capture: ring of fd 0: size \d+ is not a power of two/);
  });

  it('names the errno when the fd is not a ring buffer', () => {
    expect(() => new RawRingReader(-1, 4096)).toThrow('capture: mmap consumer page of ring fd -1: EBADF');
  });

  it('closes idempotently and refuses to drain afterwards', async () => {
    const obj = await runToExit(1, { ringBytes: 1 << 16 });
    const reader = new RawRingReader(obj.mapFd('events'), 1 << 16);
    reader.close();
    reader.close();
    obj.close();
    expect(() => reader.drain(() => {})).toThrow('capture: drain: ring reader is closed');
  });
});

describe('RingReader', () => {
  it('returns copies that stay intact after the ring space they came from was reused', async () => {
    const count = 5000; // about 1 MB through 64 KiB
    const trigger = new Trigger(count, 50_000);
    const obj = loadSelftest(trigger.pid, { sizeMin: 200, sizeMax: 200, label: 'copy', ringBytes: 64 << 10 });
    const reader = new RingReader(obj.mapFd('events'), 64 << 10);
    try {
      const kept: Uint8Array[] = [];
      trigger.go();
      const deadline = Date.now() + 60_000;
      for (;;) {
        if (reader.drain((record) => kept.push(record)).bytes === 0) {
          const c = counters(obj);
          if (c.emitted + c.lost === count) break;
          if (Date.now() > deadline) throw new Error(`test: timed out with ${kept.length} records`);
        }
      }
      await trigger.exited;
      kept.push(...reader.readAll());
      const records = kept.map((r) => parseRecord(r, 0, r.length));
      expect(kept.length).toBe(counters(obj).emitted);
      expect(kept.length * 240).toBeGreaterThan(8 * (64 << 10));
      expect(records.every((r) => r.payloadOk && r.label === 'copy')).toBe(true);
      expect(records.every((r, i) => i === 0 || r.seq > (records[i - 1]?.seq ?? -1))).toBe(true);
    } finally {
      reader.close();
      obj.close();
    }
  });
});
