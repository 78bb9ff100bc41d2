/**
 * Durations in native rules: one or more `<integer><unit>` parts, units
 * `ns`, `us` (or `µs`), `ms`, `s`, `m`, `h`, `d` (`60s`, `1m30s`, `500ms`).
 * A bare number has no unit and is refused, so `within: 60` is never read
 * as 60 ns or 60 s by guesswork.
 */

const UNIT_NS: Record<string, bigint> = {
  ns: 1n, us: 1_000n, µs: 1_000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n, d: 86_400_000_000_000n,
};

/** `text` in nanoseconds, or null when it is not a duration greater than zero. */
export function parseDuration(text: string): bigint | null {
  if (!/^(\d+(ns|us|µs|ms|s|m|h|d))+$/.test(text)) return null;
  let total = 0n;
  for (const m of text.matchAll(/(\d+)(ns|us|µs|ms|s|m|h|d)/g)) total += BigInt(m[1]!) * UNIT_NS[m[2]!]!;
  return total > 0n ? total : null;
}
