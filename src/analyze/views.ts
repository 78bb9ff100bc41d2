/**
 * The views an analyst queries (formats/views.md): `events` over the usable
 * segments of an opened recording, per-kind views over it, and `gaps`, where
 * the data is incomplete.
 *
 * Guarantees:
 * - A time window is written into the `events` view as literal
 *   TIMESTAMP_NS bounds on `time`, so DuckDB prunes row groups by the Parquet
 *   min/max statistics the writer keeps for `time`: row groups outside the
 *   window are never read (test/analyze/views.test.ts proves it by corrupting one).
 * - The segment files are given to DuckDB as a list, without hive
 *   partitioning, so the `host=`/`date=` folder names never add columns (the
 *   `host` column is the one in the segment).
 * - Per-kind views select the common columns and the columns the schema
 *   (formats/segment-schema.json) marks meaningful for their kinds, in schema order.
 */
import { readFileSync } from 'node:fs';
import type { OpenedRecording } from './recording.js';
import type { DuckSession } from './session.js';
import { sqlIdentifier, sqlString } from './sql.js';

/** A half-open time window [sinceNs, untilNs), ns since the epoch (UTC); null = unbounded. */
export interface TimeWindow {
  sinceNs: bigint | null;
  untilNs: bigint | null;
}

export const NO_WINDOW: TimeWindow = { sinceNs: null, untilNs: null };

/** No usable segment: nothing to query. */
export class EmptyRecordingError extends Error {
  override name = 'EmptyRecordingError';
}

interface SchemaColumn { name: string; kinds: '*' | string[] }

const SCHEMA_URL = new URL('../../formats/segment-schema.json', import.meta.url);

/** Per-kind views: name -> event kinds (formats/views.md). */
export const KIND_VIEWS: Record<string, string[]> = {
  exec: ['exec', 'exec_fail'],
  process_events: ['fork', 'exit'],
  file: ['open', 'unlink', 'rename', 'chmod', 'chown', 'mkdir', 'link', 'symlink', 'truncate'],
  net: ['connect', 'accept', 'bind', 'listen', 'tcp_state', 'dns'],
  dns: ['dns'],
  security: ['ptrace', 'setuid', 'setgid', 'memfd', 'module', 'bpf_prog'],
};

/** Columns of the `gaps` view, in order. */
export const GAP_COLUMNS = ['host', 'from_time', 'to_time', 'reason', 'lost_count', 'source'] as const;

let schemaColumns: SchemaColumn[] | null = null;

/** The columns of the segment schema, in order. */
export function segmentColumns(): SchemaColumn[] {
  if (schemaColumns === null) {
    const json = JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as { columns: SchemaColumn[] };
    schemaColumns = json.columns.map((c) => ({ name: c.name, kinds: c.kinds }));
  }
  return schemaColumns;
}

/**
 * The columns of a per-kind view over `kinds`: those the schema marks for the
 * kinds (or all kinds), in schema order, limited to `present` (the columns the
 * segments actually have, so segments written before a column was added still open).
 */
export function kindViewColumns(kinds: string[], present?: ReadonlySet<string>): string[] {
  return segmentColumns()
    .filter((c) => (c.kinds === '*' || c.kinds.some((k) => kinds.includes(k))) && (present === undefined || present.has(c.name)))
    .map((c) => c.name);
}

/** A TIMESTAMP_NS literal for ns since the epoch (UTC). */
export function timestampLiteral(ns: bigint): string {
  const ms = ns / 1_000_000n;
  const sub = ((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n;
  const iso = new Date(Number(ms - (ms % 1000n) - (ns < 0n && sub !== 0n ? 1000n : 0n))).toISOString().slice(0, 19).replace('T', ' ');
  return `TIMESTAMP_NS '${iso}.${sub.toString().padStart(9, '0')}'`;
}

/** The SQL condition on `time` for `window` ('true' when unbounded). */
export function windowCondition(window: TimeWindow, column = 'time'): string {
  const parts: string[] = [];
  if (window.sinceNs !== null) parts.push(`${column} >= ${timestampLiteral(window.sinceNs)}`);
  if (window.untilNs !== null) parts.push(`${column} < ${timestampLiteral(window.untilNs)}`);
  return parts.length === 0 ? 'true' : parts.join(' AND ');
}

/**
 * Defines `events`, the per-kind views and `gaps` over `rec`, limited to `window`.
 * @throws EmptyRecordingError when no segment is usable (naming what was found).
 */
export async function defineViews(session: DuckSession, rec: OpenedRecording, window: TimeWindow = NO_WINDOW): Promise<void> {
  if (rec.segments.length === 0) {
    const where = rec.inputs.join(', ');
    const entries = rec.manifests.reduce((n, m) => n + m.read.entries.length, 0);
    const detail = rec.skipped.length > 0
      ? `all ${rec.skipped.length} segment(s) were skipped`
      : `${rec.manifests.length} manifest(s) with ${entries} entries, no segments`;
    throw new EmptyRecordingError(`empty recording: ${where}: ${detail}`);
  }
  const list = rec.segments.map((s) => sqlString(s.path)).join(', ');
  // union_by_name makes every binding of the view read all footers again
  // (about 100 ms per view for 100 segments); it is only needed when the
  // segments' columns differ (segments from before a column was added).
  const unionByName = !(await sameColumns(session, list, rec.segments.length));
  await session.query(`CREATE OR REPLACE VIEW events AS
    SELECT * FROM read_parquet([${list}], union_by_name = ${unionByName}, hive_partitioning = false)
    WHERE ${windowCondition(window)}`);
  const present = new Set((await session.query('SELECT column_name FROM (DESCRIBE events)')).map((r) => String(r.column_name)));
  for (const [view, kinds] of Object.entries(KIND_VIEWS)) {
    const cols = kindViewColumns(kinds, present).map(sqlIdentifier).join(', ');
    await session.query(`CREATE OR REPLACE VIEW ${sqlIdentifier(view)} AS
      SELECT ${cols} FROM events WHERE kind IN (${kinds.map(sqlString).join(', ')})`);
  }
  await defineGaps(session, rec, window);
}

/** True when all `count` files of `list` have the same columns in the same order (one footer read each). */
async function sameColumns(session: DuckSession, list: string, count: number): Promise<boolean> {
  if (count <= 1) return true;
  const rows = await session.query(`
    SELECT count(DISTINCT cols) AS shapes, count(*) AS files FROM (
      SELECT file_name, string_agg(name || ':' || coalesce(type, 'group'), ',' ORDER BY rowid) AS cols
      FROM (SELECT *, row_number() OVER () AS rowid FROM parquet_schema([${list}]))
      GROUP BY file_name)`);
  return rows[0]!.shapes === 1n && rows[0]!.files === BigInt(count);
}

/** One row of the `gaps` view as built from the manifests and the skipped files. */
export interface GapRow {
  host: string;
  fromNs: bigint | null;
  toNs: bigint | null;
  reason: string;
  lostCount: bigint | null;
  source: 'gap' | 'retired' | 'skipped' | 'missing';
}

/**
 * The gaps the manifests and the open itself know of: `gap` entries; `retired`
 * segments (with the time range their `segment` entry had); segments skipped
 * as unreadable; segments the manifest lists that are neither on disk nor retired.
 */
export function manifestGaps(rec: OpenedRecording): GapRow[] {
  const out: GapRow[] = [];
  const onDisk = new Set([...rec.segments.map((s) => s.path), ...rec.skipped.map((s) => s.path)]);
  const skipped = new Map(rec.skipped.map((s) => [s.path, s.reason]));
  for (const m of rec.manifests) {
    const ranges = new Map<string, { from: bigint | null; to: bigint | null; lost: bigint | null }>();
    const retired = new Set<string>();
    for (const e of m.read.entries) {
      if (e.type === 'segment') {
        const lost = Object.values(e.lost ?? {}).reduce((a, v) => a + BigInt(v), 0n);
        ranges.set(e.file, { from: big(e.time_min), to: big(e.time_max), lost: lost > 0n ? lost : null });
      } else if (e.type === 'gap') {
        out.push({ host: m.host, fromNs: big(e.from_ns), toNs: big(e.to_ns), reason: e.reason, lostCount: lostInReason(e.reason), source: 'gap' });
      } else if (e.type === 'retired') {
        retired.add(e.file);
        const r = ranges.get(e.file);
        out.push({ host: m.host, fromNs: r?.from ?? null, toNs: r?.to ?? null, reason: `segment ${e.file} deleted: ${e.reason}`, lostCount: null, source: 'retired' });
      }
    }
    for (const [file, r] of ranges) {
      const abs = `${m.hostDir}/${file}`;
      const why = skipped.get(abs);
      if (why !== undefined) out.push({ host: m.host, fromNs: r.from, toNs: r.to, reason: `segment ${file} skipped: ${why}`, lostCount: null, source: 'skipped' });
      else if (!onDisk.has(abs) && !retired.has(file) && m.covered) {
        out.push({ host: m.host, fromNs: r.from, toNs: r.to, reason: `segment ${file} missing: listed in the manifest, not on disk, not retired`, lostCount: null, source: 'missing' });
      }
    }
  }
  for (const s of rec.skipped) {
    if (s.hostDir !== null && rec.manifests.some((m) => m.hostDir === s.hostDir && m.read.entries.some((e) => e.type === 'segment' && `${m.hostDir}/${e.file}` === s.path))) continue;
    const host = rec.manifests.find((m) => m.hostDir === s.hostDir)?.host ?? '(unknown)';
    out.push({ host, fromNs: null, toNs: null, reason: `file ${s.path} skipped: ${s.reason}`, lostCount: null, source: 'skipped' });
  }
  return out;
}

function big(v: string | null | undefined): bigint | null {
  return v === null || v === undefined ? null : BigInt(v);
}

function lostInReason(reason: string): bigint | null {
  const m = /(\d+) (?:events|records)/.exec(reason);
  return m ? BigInt(m[1]!) : null;
}

async function defineGaps(session: DuckSession, rec: OpenedRecording, window: TimeWindow): Promise<void> {
  await session.query(`CREATE OR REPLACE TEMP TABLE manifest_gaps (
    host VARCHAR, from_time TIMESTAMP_NS, to_time TIMESTAMP_NS, reason VARCHAR, lost_count BIGINT, source VARCHAR)`);
  const rows = manifestGaps(rec);
  for (let i = 0; i < rows.length; i += 500) {
    const values = rows.slice(i, i + 500).map((g) => `(${[
      sqlString(g.host),
      g.fromNs === null ? 'NULL' : timestampLiteral(g.fromNs),
      g.toNs === null ? 'NULL' : timestampLiteral(g.toNs),
      sqlString(g.reason),
      g.lostCount === null ? 'NULL' : `${g.lostCount}::BIGINT`,
      sqlString(g.source),
    ].join(', ')})`);
    await session.query(`INSERT INTO manifest_gaps VALUES ${values.join(', ')}`);
  }
  const overlap: string[] = [];
  if (window.sinceNs !== null) overlap.push(`(to_time IS NULL OR to_time >= ${timestampLiteral(window.sinceNs)})`);
  if (window.untilNs !== null) overlap.push(`(from_time IS NULL OR from_time < ${timestampLiteral(window.untilNs)})`);
  await session.query(`CREATE OR REPLACE VIEW gaps AS
    SELECT * FROM (
      SELECT host, from_time, to_time, reason, lost_count, source FROM manifest_gaps
      UNION ALL
      SELECT host, time, time, 'events lost: ' || coalesce(lost_reason, 'unknown'), lost_count, 'loss' FROM events WHERE kind = 'loss'
    ) WHERE ${overlap.length === 0 ? 'true' : overlap.join(' AND ')}`);
}
