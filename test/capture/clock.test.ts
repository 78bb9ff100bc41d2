// CLOCK_BOOTTIME from user space, checked against the kernel's other views of
// the same clock (/proc/uptime) and against the wall clock.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bootClockOffsetNs, boottimeNs } from '../../src/capture/clock.js';

describe('boottimeNs', () => {
  it('agrees with /proc/uptime (10 ms resolution) and never goes back', () => {
    const a = boottimeNs();
    const uptimeNs = BigInt(Math.round(Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1000)) * 1_000_000n;
    const b = boottimeNs();
    expect(b).toBeGreaterThanOrEqual(a);
    expect(uptimeNs).toBeGreaterThanOrEqual(a - 20_000_000n);
    expect(uptimeNs).toBeLessThanOrEqual(b + 20_000_000n);
  });
});

describe('bootClockOffsetNs', () => {
  it('maps CLOCK_BOOTTIME onto the wall clock within a millisecond', () => {
    const offset = bootClockOffsetNs();
    const before = BigInt(Date.now()) * 1_000_000n;
    const wall = offset + boottimeNs();
    const after = BigInt(Date.now()) * 1_000_000n;
    expect(wall).toBeGreaterThanOrEqual(before - 1_000_000n);
    expect(wall).toBeLessThanOrEqual(after + 2_000_000n);
  });
});
