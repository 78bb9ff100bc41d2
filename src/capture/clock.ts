/**
 * CLOCK_BOOTTIME, the clock of every BPF timestamp (bpf_ktime_get_boot_ns,
 * task->start_boottime), read from user space, and its offset to the wall
 * clock. Node has no CLOCK_BOOTTIME (process.hrtime is CLOCK_MONOTONIC, which
 * stops during suspend), so this goes through clock_gettime(2); each call is
 * an ffi call of a few microseconds: fine per batch or per second, not per event.
 */
import { CLOCK_BOOTTIME, CLOCK_REALTIME, clock_gettime } from './libbpf.js';

const timespec = new Uint8Array(16);
const view = new DataView(timespec.buffer);

function readClockNs(clockId: number): bigint {
  if (clock_gettime(clockId, timespec) !== 0) throw new Error(`capture: clock_gettime(${clockId}) failed`);
  return view.getBigInt64(0, true) * 1_000_000_000n + view.getBigInt64(8, true);
}

/** CLOCK_BOOTTIME now, in ns since boot (suspend included). */
export function boottimeNs(): bigint {
  return readClockNs(CLOCK_BOOTTIME);
}

/**
 * Wall clock (CLOCK_REALTIME) minus CLOCK_BOOTTIME, in ns: add it to a BPF
 * timestamp to get Unix time in ns. Takes the tightest of `rounds` samples
 * (realtime, boottime, realtime); the error is half that bracket, a few us.
 * The offset moves when the wall clock is stepped (NTP, settimeofday):
 * sample it again at each segment rotation.
 */
export function bootClockOffsetNs(rounds = 5): bigint {
  let best: bigint | null = null;
  let bestSpan = 0n;
  for (let i = 0; i < rounds; i++) {
    const r0 = readClockNs(CLOCK_REALTIME);
    const b = readClockNs(CLOCK_BOOTTIME);
    const r1 = readClockNs(CLOCK_REALTIME);
    const span = r1 - r0;
    if (best === null || span < bestSpan) {
      best = (r0 + r1) / 2n - b;
      bestSpan = span;
    }
  }
  return best ?? 0n;
}
