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
  const hostRows = await session.query(`
    SELECT host, list(DISTINCT boot_id ORDER BY boot_id) AS boots, min(time) AS first, max(time) AS last, count(*) AS n
    FROM events GROUP BY host ORDER BY host`);
  const kinds = await session.query('SELECT kind, count(*) AS n FROM events GROUP BY kind ORDER BY n DESC, kind');
  const [lost] = await session.query("SELECT coalesce(sum(lost_count), 0)::BIGINT AS n FROM events WHERE kind = 'loss'");
  const gaps = await session.query('SELECT * FROM gaps ORDER BY host, from_time NULLS LAST, source');
  const hosts: HostSummary[] = hostRows.map((r) => ({
    host: String(r.host), bootIds: (r.boots as string[]).map(String),
    firstNs: r.first as bigint | null, lastNs: r.last as bigint | null, events: r.n as bigint,
  }));
  const times = hosts.flatMap((h) => [h.firstNs, h.lastNs]).filter((t): t is bigint => t !== null);
  return {
    hosts,
    firstNs: times.length === 0 ? null : times.reduce((a, b) => (a < b ? a : b)),
    lastNs: times.length === 0 ? null : times.reduce((a, b) => (a > b ? a : b)),
    countsByKind: kinds.map((r) => ({ kind: String(r.kind), events: r.n as bigint })),
    lostEvents: lost!.n as bigint,
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
