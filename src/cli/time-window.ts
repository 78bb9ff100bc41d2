/**
 * Parses --since/--until: an ISO 8601 time (UTC unless it has an offset; a
 * fraction up to 9 digits is kept to the ns) or a duration before now (2h,
 * 30m, 1d). Returns ns since the epoch.
 */
import type { TimeWindow } from '../analyze/views.js';
import { parseDuration, UsageError } from './units.js';

const ISO = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** ns since the epoch for a --since/--until value. */
export function parseTimeArg(option: string, value: string, nowNs: bigint): bigint {
  const v = value.trim();
  const m = ISO.exec(v);
  if (m) {
    const zone = m[4] === undefined || m[4].toUpperCase() === 'Z' ? 'Z' : m[4].length === 5 ? `${m[4].slice(0, 3)}:${m[4].slice(3)}` : m[4];
    const ms = Date.parse(`${m[1]}T${m[2] ?? '00:00'}${m[2]?.length === 5 ? ':00' : ''}${zone}`);
    if (Number.isNaN(ms)) throw new UsageError(`${option}: not a time: ${JSON.stringify(value)}`);
    return BigInt(ms) * 1_000_000n + BigInt((m[3] ?? '').padEnd(9, '0') || '0');
  }
  if (/^\d/.test(v)) {
    try {
      return nowNs - BigInt(parseDuration(option, v)) * 1_000_000n;
    } catch {
      // fall through to the combined message
    }
  }
  throw new UsageError(`${option}: not a time: ${JSON.stringify(value)} (use an ISO time like 2025-11-21T07:15:00Z, or a duration before now like 2h)`);
}

/** The window of --since/--until options. */
export function parseWindow(opts: { since?: string; until?: string }, nowNs = BigInt(Date.now()) * 1_000_000n): TimeWindow {
  const w: TimeWindow = {
    sinceNs: opts.since === undefined ? null : parseTimeArg('--since', opts.since, nowNs),
    untilNs: opts.until === undefined ? null : parseTimeArg('--until', opts.until, nowNs),
  };
  if (w.sinceNs !== null && w.untilNs !== null && w.untilNs <= w.sinceNs) throw new UsageError('--until must be after --since');
  return w;
}
