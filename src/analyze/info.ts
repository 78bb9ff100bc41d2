/**
 * A recording's summary for `hindsight info`: hosts and boots, time range,
 * events by kind, lost events, gaps, schema versions, segment count and bytes.
 * Reads the views (views.ts) and the opened recording; prints nothing.
 */
import type { OpenedRecording } from './recording.js';
import type { DuckSession } from './session.js';

export interface HostSummary {
  host: string;
  bootIds: string[];
  firstNs: bigint | null;
  lastNs: bigint | null;
  events: bigint;
}

export interface RecordingSummary {
  hosts: HostSummary[];
  firstNs: bigint | null;
  lastNs: bigint | null;
  /** Kind -> events, largest first (snapshot rows included). */
  countsByKind: { kind: string; events: bigint }[];
  /** Sum of `lost_count` over loss rows. */
  lostEvents: bigint;
  gaps: { host: string; fromNs: bigint | null; toNs: bigint | null; reason: string; lostCount: bigint | null; source: string }[];
  schemaVersions: number[];
  segments: number;
  segmentBytes: number;
  skipped: number;
  manifests: number;
  recorderRuns: number;
}

/** Summarizes `rec` through the views defined over it. */
export async function summarizeRecording(session: DuckSession, rec: OpenedRecording): Promise<RecordingSummary> {
  // One scan for everything counted: a row per (host, boot, kind), folded here.
  const rows = await session.query(`
    SELECT host, boot_id, kind, count(*) AS n, min(time) AS first, max(time) AS last,
           coalesce(sum(lost_count), 0)::BIGINT AS lost
    FROM events GROUP BY host, boot_id, kind`);
  const byHost = new Map<string, HostSummary>();
  const byKind = new Map<string, bigint>();
  let lostEvents = 0n;
  for (const r of rows) {
    const host = String(r.host);
    let h = byHost.get(host);
    if (h === undefined) byHost.set(host, h = { host, bootIds: [], firstNs: null, lastNs: null, events: 0n });
    if (r.boot_id !== null && !h.bootIds.includes(String(r.boot_id))) h.bootIds.push(String(r.boot_id));
    const first = r.first as bigint | null;
    const last = r.last as bigint | null;
    if (first !== null && (h.firstNs === null || first < h.firstNs)) h.firstNs = first;
    if (last !== null && (h.lastNs === null || last > h.lastNs)) h.lastNs = last;
    h.events += r.n as bigint;
    byKind.set(String(r.kind), (byKind.get(String(r.kind)) ?? 0n) + (r.n as bigint));
    if (r.kind === 'loss') lostEvents += r.lost as bigint;
  }
  for (const h of byHost.values()) h.bootIds.sort();
  const kinds = [...byKind].map(([kind, n]) => ({ kind, n }))
    .sort((a, b) => (a.n === b.n ? (a.kind < b.kind ? -1 : 1) : a.n > b.n ? -1 : 1));
  const gaps = await session.query('SELECT * FROM gaps ORDER BY host, from_time NULLS LAST, source');
  const hosts = [...byHost.values()].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
  const times = hosts.flatMap((h) => [h.firstNs, h.lastNs]).filter((t): t is bigint => t !== null);
  return {
    hosts,
    firstNs: times.length === 0 ? null : times.reduce((a, b) => (a < b ? a : b)),
    lastNs: times.length === 0 ? null : times.reduce((a, b) => (a > b ? a : b)),
    countsByKind: kinds.map((r) => ({ kind: r.kind, events: r.n })),
    lostEvents,
    gaps: gaps.map((g) => ({
      host: String(g.host), fromNs: g.from_time as bigint | null, toNs: g.to_time as bigint | null,
      reason: String(g.reason), lostCount: g.lost_count as bigint | null, source: String(g.source),
    })),
    schemaVersions: [...new Set(rec.segments.map((s) => s.schemaVersion))].sort(),
    segments: rec.segments.length,
    segmentBytes: rec.segments.reduce((a, s) => a + s.sizeBytes, 0),
    skipped: rec.skipped.length,
    manifests: rec.manifests.length,
    recorderRuns: rec.manifests.reduce((n, m) => n + m.read.entries.filter((e) => e.type === 'start').length, 0),
  };
}
