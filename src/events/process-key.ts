/**
 * Process instance keys: '<boot id, 12 hex>:<start in clock ticks>:<pid>'.
 *
 * The start time is CLOCK_BOOTTIME at process creation (task->start_boottime)
 * in USER_HZ ticks (10 ms), the resolution /proc/<pid>/stat exposes, so a key
 * computed from a kernel record (ns) and one computed from /proc agree for the
 * same process, across recorder runs. Two instances of one pid inside a single
 * tick can only come from a forced pid reuse; the recorder tells them apart by
 * adding '+<ns within the tick>' to the later one's time (see ProcessKeys).
 */

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, fixed at 100 on Linux). */
export const USER_HZ = 100;
export const NS_PER_TICK = 1_000_000_000n / BigInt(USER_HZ);

/** The key's boot part: the first 12 hex digits of the boot id, dashes removed. */
export function bootPrefix(bootId: string): string {
  return bootId.replace(/-/g, '').slice(0, 12).toLowerCase();
}

/** Key of the process `pid` that started at `startNs` (CLOCK_BOOTTIME ns) in boot `boot` (bootPrefix). */
export function processKey(boot: string, startNs: bigint, pid: number): string {
  return `${boot}:${startNs / NS_PER_TICK}:${pid}`;
}

/** Key with the sub-tick disambiguator, for a pid reused within one tick. */
export function processKeyExact(boot: string, startNs: bigint, pid: number): string {
  return `${boot}:${startNs / NS_PER_TICK}+${startNs % NS_PER_TICK}:${pid}`;
}
