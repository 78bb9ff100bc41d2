/**
 * Reads one benchmark recording back: the manifest's segment entries (rows,
 * bytes, losses) and, through DuckDB, the workload's own events.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineEventsView, findSegments } from '../../src/analyze/recording.js';
import type { DuckSession } from '../../src/analyze/session.js';

/** Totals over a recording's `segment` manifest entries. */
export interface ManifestTotals {
  segments: number;
  rows: number;
  sizeBytes: number;
  /** Sum of every `lost` reason over the segments. */
  lost: bigint;
  lostByReason: Record<string, bigint>;
  countsByKind: Record<string, number>;
}

interface SegmentLine {
  type: string;
  rows: number;
  size_bytes: number;
  lost?: Record<string, string>;
  counts_by_kind?: Record<string, number>;
}

export function readManifestTotals(hostDir: string): ManifestTotals {
  const t: ManifestTotals = { segments: 0, rows: 0, sizeBytes: 0, lost: 0n, lostByReason: {}, countsByKind: {} };
  for (const line of readFileSync(join(hostDir, 'manifest.jsonl'), 'utf8').split('\n')) {
    if (line === '') continue;
    const e = JSON.parse(line) as SegmentLine;
    if (e.type !== 'segment') continue;
    t.segments++;
    t.rows += e.rows;
    t.sizeBytes += e.size_bytes;
    for (const [reason, n] of Object.entries(e.lost ?? {})) {
      t.lost += BigInt(n);
      t.lostByReason[reason] = (t.lostByReason[reason] ?? 0n) + BigInt(n);
    }
    for (const [kind, n] of Object.entries(e.counts_by_kind ?? {})) t.countsByKind[kind] = (t.countsByKind[kind] ?? 0) + n;
  }
  return t;
}

/** What the segments say about one workload run. */
export interface WorkloadCounts {
  /** The workload's events, by the workload's count names. */
  counts: Record<string, number>;
  /** Sum of lost_count over `loss` rows (whole host). */
  lossRows: bigint;
  /** The workload root was found in the recording (its exec or fork row). */
  rootFound: boolean;
}

/**
 * Counts a workload's events in a recording. The root is the process the harness
 * (pid `harnessPid`) spawned as `workloadPid`: its exec row, else the fork row.
 */
export async function countWorkload(
  session: DuckSession, hostDir: string, harnessPid: number, workloadPid: number,
  countSql: string, params: Record<string, string | number>,
): Promise<WorkloadCounts> {
  await defineEventsView(session, findSegments([hostDir]));
  const root = await session.query(`SELECT coalesce(
      (SELECT proc_key FROM events WHERE kind = 'exec' AND pid = $pid AND ppid = $harness ORDER BY seq LIMIT 1),
      (SELECT child_key FROM events WHERE kind = 'fork' AND pid = $harness AND child_pid = $pid AND NOT is_thread ORDER BY seq LIMIT 1)
    ) AS root`, { pid: workloadPid, harness: harnessPid });
  const rootKey = root[0]?.root as string | null | undefined;
  const loss = await session.query(`SELECT coalesce(sum(lost_count), 0)::BIGINT AS lost FROM events WHERE kind = 'loss'`);
  const lossRows = BigInt(loss[0]?.lost as bigint);
  if (rootKey === null || rootKey === undefined) return { counts: {}, lossRows, rootFound: false };
  const rows = await session.query(countSql, { root: rootKey, ...params });
  const counts: Record<string, number> = {};
  for (const [k, v] of Object.entries(rows[0] ?? {})) counts[k] = Number(v);
  return { counts, lossRows, rootFound: true };
}
