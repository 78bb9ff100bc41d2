/**
 * The capture switch of the real object: attached programs record nothing
 * until `capture_paused` is cleared through BpfObject.setData, and nothing
 * after it is set again, whatever runs on the host meanwhile.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BpfObject, setLibbpfOutput } from '../../src/capture/bpf-object.js';
import { COUNTER } from '../../src/events/layout.js';

const OBJECT = new URL('../../build/hindsight.bpf.o', import.meta.url).pathname;

function emitted(obj: BpfObject): bigint {
  return obj.readCounters('counters')[COUNTER.EMITTED] ?? 0n;
}

function activity(): void {
  for (let i = 0; i < 5; i++) execFileSync('/bin/true');
}

describe('capture_paused', () => {
  it('starts paused, records once cleared, and stops when set again', () => {
    setLibbpfOutput(false);
    const obj = BpfObject.open(OBJECT);
    try {
      obj.setMaxEntries('events', 1 << 20);
      obj.load();
      obj.attachAll();
      activity();
      expect(emitted(obj)).toBe(0n);
      obj.setData('capture_paused', 0);
      activity();
      const running = emitted(obj);
      expect(running).toBeGreaterThanOrEqual(15n); // 5 x (fork, exec, exit) at least
      obj.setData('capture_paused', 1);
      const after = emitted(obj);
      activity();
      expect(emitted(obj)).toBe(after);
    } finally {
      obj.close();
    }
  });

  it('names an unknown variable', () => {
    setLibbpfOutput(false);
    const obj = BpfObject.open(OBJECT);
    try {
      obj.setMaxEntries('events', 1 << 20);
      obj.load();
      expect(() => obj.setData('no_such', 1)).toThrow(/no variable no_such in \.data/);
    } finally {
      obj.close();
    }
  });
});
