/**
 * Parses the CLI's durations ("30s", "1m", "500ms", "2h") and sizes ("1G",
 * "512M", "64KiB", plain bytes). Errors name the option and the value.
 */

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_UNITS: Record<string, number> = {
  '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2,
  g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4, tib: 1024 ** 4,
};

/** A bad option value; the CLI reports it as a usage error. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Milliseconds in a duration like "30s"; a bare number is seconds. */
export function parseDuration(option: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/i.exec(value.trim());
  if (!m) throw new UsageError(`${option}: not a duration: ${JSON.stringify(value)} (use e.g. 500ms, 30s, 5m, 2h)`);
  const ms = Number(m[1]) * DURATION_UNITS[(m[2] ?? 's').toLowerCase()]!;
  if (!(ms > 0)) throw new UsageError(`${option}: must be more than zero: ${JSON.stringify(value)}`);
  return Math.round(ms);
}

/** Bytes in a size like "1G" or "64MiB" (powers of 1024). */
export function parseSize(option: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
  const unit = m ? SIZE_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new UsageError(`${option}: not a size: ${JSON.stringify(value)} (use e.g. 4096, 64M, 1G)`);
  const bytes = Math.floor(Number(m[1]) * unit);
  if (!(bytes > 0)) throw new UsageError(`${option}: must be more than zero: ${JSON.stringify(value)}`);
  return bytes;
}

/** Human-readable bytes: 1.5 MiB. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}
