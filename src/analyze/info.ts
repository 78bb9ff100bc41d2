/**
 * A recording's summary for `hindsight info`: hosts and boots, time range,
 * events by kind, lost events, gaps, schema versions, segment count and bytes.
 * Reads the views (views.ts), the opened recording, its manifests and the
 * segments' footers; prints nothing.
 *
 * Guarantees: every number and boot id is the one counting the rows of
 * `events` gives. A segment is counted from its manifest `segment` entry
 * (`counts_by_kind`; host and boot id from its run's `start` entry) instead
 * of its rows only when the entry provably describes it:
 * - the manifest's hash chain holds and no line of it is damaged;
 * - the entry's size is the file's, its row count the footer's, and its
 *   `counts_by_kind` names only kinds the recorder writes and adds up to the rows;
 * - every row has the claimed host and boot id (no null), and, with a time
 *   window, a time inside it: checked by filters DuckDB pushes into the
 *   Parquet reader, which skip row groups by their dictionaries and `time`
 *   statistics instead of decoding them;
 * - the host's first and last times are read from the rows at or before the
 *   claimed first time and at or after the claimed last one (a few row groups).
 * Segments that fail a check, or that the window cuts, are counted from
 * their rows, all in one statement; so are all of them with `scan`.
 * Not detected: a manifest rewritten with a rebuilt hash chain whose counts by
 * kind were moved between kinds keeping their sum (`verify` does not see that either).
 */
import { verifyChain, type SegmentEntry } from '../events/manifest-format.js';
import type { OpenedRecording, UsableSegment } from './recording.js';
import type { DuckSession, SqlRow } from './session.js';
import { sqlString } from './sql.js';
import { NO_WINDOW, timestampLiteral, windowCondition, type TimeWindow } from './views.js';

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
  /** How many segments were counted from their manifest entries and how many from their rows. */
  countedFrom: { manifest: number; rows: number };
}

export interface SummaryOptions {
  /** The window the views were defined with (default: none). */
  window?: TimeWindow;
  /** Count every segment from its rows (the reference the other way is tested against). */
  scan?: boolean;
}

/** Kinds the recorder writes (formats/segment-schema.json, `kind`). */
const KINDS = new Set([
  'snapshot', 'exec', 'exec_fail', 'fork', 'exit', 'open', 'unlink', 'rename', 'chmod', 'chown', 'mkdir', 'link',
  'symlink', 'truncate', 'connect', 'accept', 'bind', 'listen', 'tcp_state', 'dns', 'ptrace', 'setuid', 'setgid',
  'memfd', 'module', 'bpf_prog', 'loss',
]);

/** What a manifest says of a segment: its entry and its run's host and boot id. */
interface Claim {
  entry: SegmentEntry;
  host: string;
  bootId: string;
}

/** Events of one (host, boot, kind) and their time range: what both ways of counting give. */
interface CountRow {
  host: string;
  bootId: string | null;
  kind: string;
  n: bigint;
  firstNs: bigint | null;
  lastNs: bigint | null;
}

/**
 * Turns on DuckDB's Parquet metadata cache in `session`, so that each footer
 * is parsed once: opening the recording, defining the views and the checks of
 * {@link summarizeRecording} read every footer several times. Call it before
 * opening the recording (at 100 segments it saves about 0.4 s).
 */
export async function cacheFooters(session: DuckSession): Promise<void> {
  await session.query('SET parquet_metadata_cache = true');
}

/**
 * Summarizes `rec` through the views defined over it with `opts.window`.
 * Turns on the footer cache ({@link cacheFooters}) if it is not on yet.
 */
export async function summarizeRecording(session: DuckSession, rec: OpenedRecording, opts: SummaryOptions = {}): Promise<RecordingSummary> {
  const window = opts.window ?? NO_WINDOW;
  await cacheFooters(session);
  const { counts, countedFrom } = opts.scan === true
    ? { counts: await scanCounts(session, rec.segments, rec, window), countedFrom: { manifest: 0, rows: rec.segments.length } }
    : await countSegments(session, rec, window);

  const byHost = new Map<string, HostSummary>();
  const byKind = new Map<string, bigint>();
  for (const r of counts) {
    let h = byHost.get(r.host);
    if (h === undefined) byHost.set(r.host, h = { host: r.host, bootIds: [], firstNs: null, lastNs: null, events: 0n });
    if (r.bootId !== null && !h.bootIds.includes(r.bootId)) h.bootIds.push(r.bootId);
    if (r.firstNs !== null && (h.firstNs === null || r.firstNs < h.firstNs)) h.firstNs = r.firstNs;
    if (r.lastNs !== null && (h.lastNs === null || r.lastNs > h.lastNs)) h.lastNs = r.lastNs;
    h.events += r.n;
    byKind.set(r.kind, (byKind.get(r.kind) ?? 0n) + r.n);
  }
  for (const h of byHost.values()) h.bootIds.sort();
  const kinds = [...byKind].map(([kind, events]) => ({ kind, events }))
    .sort((a, b) => (a.events === b.events ? (a.kind < b.kind ? -1 : 1) : a.events > b.events ? -1 : 1));
  const gaps = (await session.query('SELECT * FROM gaps ORDER BY host, from_time NULLS LAST, source')).map((g) => ({
    host: String(g.host), fromNs: g.from_time as bigint | null, toNs: g.to_time as bigint | null,
    reason: String(g.reason), lostCount: g.lost_count as bigint | null, source: String(g.source),
  }));
  const hosts = [...byHost.values()].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
  const times = hosts.flatMap((h) => [h.firstNs, h.lastNs]).filter((t): t is bigint => t !== null);
  return {
    hosts,
    firstNs: times.length === 0 ? null : times.reduce((a, b) => (a < b ? a : b)),
    lastNs: times.length === 0 ? null : times.reduce((a, b) => (a > b ? a : b)),
    countsByKind: kinds,
    // the loss rows of `events` are the rows of `gaps` with source 'loss'
    lostEvents: gaps.reduce((a, g) => (g.source === 'loss' && g.lostCount !== null ? a + g.lostCount : a), 0n),
    gaps,
    schemaVersions: [...new Set(rec.segments.map((s) => s.schemaVersion))].sort(),
    segments: rec.segments.length,
    segmentBytes: rec.segments.reduce((a, s) => a + s.sizeBytes, 0),
    skipped: rec.skipped.length,
    manifests: rec.manifests.length,
    recorderRuns: rec.manifests.reduce((n, m) => n + m.read.entries.filter((e) => e.type === 'start').length, 0),
    countedFrom,
  };
}

/** Counts of every segment: from its manifest entry where that is exact (module comment), else from its rows. */
async function countSegments(session: DuckSession, rec: OpenedRecording, window: TimeWindow): Promise<{ counts: CountRow[]; countedFrom: RecordingSummary['countedFrom'] }> {
  const claims = manifestClaims(rec);
  // segments their manifest puts (partly) outside the window are left to the scan, which skips their row groups by statistics
  const inside = (e: SegmentEntry): boolean => e.time_min !== null && e.time_max !== null
    && (window.sinceNs === null || BigInt(e.time_min) >= window.sinceNs) && (window.untilNs === null || BigInt(e.time_max) < window.untilNs);
  const candidates = rec.segments.flatMap((segment) => {
    const c = claims.get(segment.path);
    return c !== undefined && c.entry.size_bytes === segment.sizeBytes && inside(c.entry) ? [{ ...c, segment }] : [];
  });
  const rows = await footerRows(session, candidates.map((c) => c.segment.path));
  const checked = await checkClaims(session, candidates.filter((c) => entryMatches(c.entry, rows.get(c.segment.path))), window);
  const counts: CountRow[] = [];
  for (const g of checked) {
    for (const c of g.members) {
      for (const [kind, n] of Object.entries(c.entry.counts_by_kind)) {
        // first/last are the group's, not the kind's: right per host, which is all that is reported
        if (n > 0) counts.push({ host: g.host, bootId: g.bootId, kind, n: BigInt(n), firstNs: g.firstNs, lastNs: g.lastNs });
      }
    }
  }
  const fromManifest = new Set(checked.flatMap((g) => g.members.map((c) => c.segment)));
  const toScan = rec.segments.filter((s) => !fromManifest.has(s));
  if (toScan.length > 0) counts.push(...await scanCounts(session, toScan, rec, window));
  return { counts, countedFrom: { manifest: fromManifest.size, rows: toScan.length } };
}

/** The entry's rows and kinds agree with the file's footer (`rows`: its row count). */
function entryMatches(e: SegmentEntry, rows: bigint | undefined): boolean {
  const counts = Object.entries(e.counts_by_kind ?? {});
  return rows !== undefined && Number.isSafeInteger(e.rows) && BigInt(e.rows) === rows
    && counts.every(([k, n]) => KINDS.has(k) && Number.isSafeInteger(n) && n >= 0)
    && counts.reduce((a, [, n]) => a + BigInt(n), 0n) === rows;
}

/** Segments that share a claimed host and boot id, and what their rows say. */
interface ClaimGroup {
  host: string;
  bootId: string;
  members: (Claim & { segment: UsableSegment })[];
  firstNs: bigint | null;
  lastNs: bigint | null;
}

/**
 * The groups of `claimed` (by host and boot id) whose claims every row bears
 * out, with their first and last time, in one statement. Each check is a
 * filter DuckDB pushes into the Parquet reader, so it skips row groups by
 * dictionary or statistics instead of decoding them; only the null counts of
 * `host` and `boot_id` read every row group's definition levels.
 */
async function checkClaims(session: DuckSession, claimed: (Claim & { segment: UsableSegment })[], window: TimeWindow): Promise<ClaimGroup[]> {
  const byClaim = new Map<string, ClaimGroup>();
  for (const c of claimed) {
    const k = JSON.stringify([c.host, c.bootId]);
    const g = byClaim.get(k) ?? { host: c.host, bootId: c.bootId, members: [], firstNs: null, lastNs: null };
    g.members.push(c);
    byClaim.set(k, g);
  }
  const groups = [...byClaim.values()];
  if (groups.length === 0) return [];
  const parts = groups.flatMap((g, i) => {
    const files = `read_parquet([${g.members.map((c) => sqlString(c.segment.path)).join(', ')}], union_by_name = true, hive_partitioning = false)`;
    // the true first time is among the rows at or before the claimed one (none there: the claim is wrong), the last likewise
    const mins = g.members.map((c) => BigInt(c.entry.time_min!));
    const maxes = g.members.map((c) => BigInt(c.entry.time_max!));
    const minNs = mins.reduce((a, b) => (b < a ? b : a));
    const maxNs = maxes.reduce((a, b) => (b > a ? b : a));
    const must0 = [
      `host <> ${sqlString(g.host)}`,
      `boot_id <> ${sqlString(g.bootId)}`,
      ...(window.sinceNs !== null || window.untilNs !== null ? ['time IS NULL'] : []),
      ...(window.sinceNs !== null ? [`time < ${timestampLiteral(window.sinceNs)}`] : []),
      ...(window.untilNs !== null ? [`time >= ${timestampLiteral(window.untilNs)}`] : []),
    ];
    return [
      ...must0.map((w) => `SELECT ${i} AS g, 'zero' AS what, count(*) AS v FROM ${files} WHERE ${w}`),
      `SELECT ${i} AS g, 'zero' AS what, count(*) - count(host) + count(*) - count(boot_id) AS v FROM ${files}`,
      `SELECT ${i} AS g, 'first' AS what, epoch_ns(min(time)) AS v FROM ${files} WHERE time <= ${timestampLiteral(minNs)}`,
      `SELECT ${i} AS g, 'last' AS what, epoch_ns(max(time)) AS v FROM ${files} WHERE time >= ${timestampLiteral(maxNs)}`,
    ];
  });
  const bad = new Set<number>();
  for (const r of await session.query(parts.join('\nUNION ALL\n'))) {
    const g = groups[Number(r.g)]!;
    if (r.what === 'zero' && r.v !== 0n) bad.add(Number(r.g));
    else if (r.what !== 'zero' && r.v === null) bad.add(Number(r.g));
    else if (r.what === 'first') g.firstNs = r.v as bigint;
    else if (r.what === 'last') g.lastNs = r.v as bigint;
  }
  return groups.filter((_, i) => !bad.has(i));
}

/** Counts of the rows of `segments` inside `window`, in one statement (over `events` when they are all of `rec`). */
async function scanCounts(session: DuckSession, segments: UsableSegment[], rec: OpenedRecording, window: TimeWindow): Promise<CountRow[]> {
  const from = segments.length === rec.segments.length
    ? 'events'
    : `read_parquet([${segments.map((s) => sqlString(s.path)).join(', ')}], union_by_name = true, hive_partitioning = false) WHERE ${windowCondition(window)}`;
  const rows = await session.query(`SELECT host, boot_id, kind, count(*) AS n, min(time) AS first, max(time) AS last
    FROM ${from} GROUP BY host, boot_id, kind`);
  return rows.map((r) => ({
    host: String(r.host), bootId: r.boot_id === null ? null : String(r.boot_id), kind: String(r.kind),
    n: r.n as bigint, firstNs: r.first as bigint | null, lastNs: r.last as bigint | null,
  }));
}

/**
 * The manifest entry of each segment and its run's host and boot id, by
 * absolute path, from manifests whose chain holds and that have no damaged line.
 */
function manifestClaims(rec: OpenedRecording): Map<string, Claim> {
  const out = new Map<string, Claim>();
  for (const m of rec.manifests) {
    if (m.read.invalidLines.length > 0 || verifyChain(m.read.entries) !== null) continue;
    const runs = new Map<string, { host: string; bootId: string }>();
    for (const e of m.read.entries) {
      const path = 'file' in e ? `${m.hostDir}/${e.file}` : '';
      if (e.type === 'start' && typeof e.host === 'string' && typeof e.boot_id === 'string') runs.set(e.run_id, { host: e.host, bootId: e.boot_id });
      else if (e.type === 'segment' && runs.has(e.run_id)) out.set(path, { entry: e, ...runs.get(e.run_id)! });
      else if (e.type === 'segment' || e.type === 'retired') out.delete(path);
    }
  }
  return out;
}

/** Row counts of `paths` from their footers, in one statement. */
async function footerRows(session: DuckSession, paths: string[]): Promise<Map<string, bigint>> {
  const out = new Map<string, bigint>();
  if (paths.length === 0) return out;
  for (const r of await session.query(`SELECT file_name, num_rows FROM parquet_file_metadata([${paths.map(sqlString).join(', ')}])`)) {
    out.set(String(r.file_name), r.num_rows as bigint);
  }
  return out;
}
