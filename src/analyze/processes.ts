/**
 * The `processes` view: one row per process instance (proc_key), built in SQL
 * over the `events` view, so it scales to millions of processes without a
 * row passing through JavaScript.
 *
 * How each column is derived (formats/views.md, section `processes`, is the
 * contract):
 * - The parent is the ORIGINAL parent: the process that forked it (the
 *   `fork` row whose child_key is this key). Without a fork row, the earliest
 *   `snapshot` row's parent (what /proc said when the recording started), and
 *   without either, the parent_key of the process's earliest event. The last
 *   parent seen (after reparenting to init or a subreaper) is `last_parent_key`.
 * - The image: `exe`/`argv` of the last exec; without an exec, of the latest
 *   snapshot; without either, the image inherited at fork (the parent's last
 *   exec before the fork, else the parent's own inherited image).
 * - Ancestry is walked from the roots down by a recursive CTE (one join per
 *   tree level, never per row), so `ancestry_keys`/`ancestry_exes` list the
 *   ancestors root first (the process itself excluded) and `depth` is their
 *   number.
 * - A parent is never guessed: when a link could be hidden by missing data,
 *   `uncertain` is true and `uncertain_reason` says why (see
 *   {@link UNCERTAIN_REASONS}).
 */
import type { DuckSession } from './session.js';

/**
 * A `loss` row records events lost since the recorder's previous counter
 * check (every second, src/cli/record.ts), so a loss row at time T may hide
 * events back to about T - 1 s; 5 s leaves room for a stalled loop.
 */
export const LOSS_WINDOW_NS = 5_000_000_000n;

/** Values of `uncertain_reason` (comma-separated when several apply). */
export const UNCERTAIN_REASONS = {
  /** Started during the recording but no fork row: the fork was lost or fell in a gap between recorder runs. */
  forkNotRecorded: 'fork_not_recorded',
  /** A loss window overlaps the process's life: an exec, reparent, child fork or its exit may be missing. */
  eventsLost: 'events_lost',
  /** An ancestor's own parent link is uncertain. */
  ancestorUncertain: 'ancestor_uncertain',
  /** The parent links loop (inconsistent input): no ancestry. */
  parentCycle: 'parent_cycle',
} as const;

/**
 * The view's SQL. Kinds read: snapshot, fork, exec, exit, loss, and every
 * other row for first/last seen and the last parent.
 */
/** The rows and columns of `events` that lineage reads, materialized once as `lineage_events`. */
export const LINEAGE_EVENTS_SQL = `
SELECT host, boot_id, kind, time, seq, pid, ppid, proc_key, parent_key, proc_start, uid, "user", comm,
       exe, argv, exec_tid, exit_code, exit_signal, core_dumped, child_pid, child_key, is_thread
FROM events
WHERE kind IN ('snapshot', 'fork', 'exec', 'exit', 'loss')
`;

export const PROCESSES_BASE_SQL = `
WITH
lineage_rows AS (
  -- Only the rows that carry lineage: a process's own snapshot, fork (as parent),
  -- exec and exit rows, not its file and network events, which on a real host
  -- are nearly all rows and would multiply the aggregates' cost.
  SELECT host, boot_id, kind, time, pid, ppid, proc_key, parent_key, proc_start, uid, "user", comm
  FROM lineage_events
  WHERE proc_key IS NOT NULL AND kind IN ('snapshot', 'fork', 'exec', 'exit')
  UNION ALL
  -- The child side of each fork, so a process whose own rows were all lost still has a row.
  SELECT host, boot_id, 'forked', time, child_pid, pid, child_key, proc_key, NULL, uid, "user", comm
  FROM lineage_events
  WHERE kind = 'fork' AND NOT is_thread AND child_key IS NOT NULL
),
-- Each aggregate runs over the rows of its own kind only (their cost grows
-- with rows x aggregates): common facts over lineage rows, the image from
-- snapshot and exec rows, the end from exit rows; joined per key.
common AS (
  SELECT
    proc_key AS key,
    any_value({'host': host, 'boot_id': boot_id, 'pid': pid}) AS who,
    coalesce(min(proc_start), min(time) FILTER (WHERE kind = 'forked')) AS start_time,
    min(time) AS first_seen,
    max(time) AS last_seen,
    arg_min({'key': parent_key, 'pid': ppid}, time) FILTER (WHERE kind <> 'snapshot') AS event_parent,
    -- The latest parent, from an event row when there is one, else a snapshot.
    arg_max({'key': parent_key, 'pid': ppid}, (kind <> 'snapshot', time)) AS last_parent,
    arg_max({'uid': uid, 'user': "user", 'comm': comm}, time) AS latest
  FROM lineage_rows
  GROUP BY proc_key
),
snap AS (
  SELECT proc_key AS key,
         arg_min(parent_key, time) AS snap_parent_key,
         arg_min(ppid, time) AS snap_ppid,
         arg_max(exe, time) AS snap_exe,
         arg_max(argv, time) AS snap_argv
  FROM lineage_events WHERE kind = 'snapshot' AND proc_key IS NOT NULL
  GROUP BY proc_key
),
image AS (
  SELECT proc_key AS key,
         count(*) AS exec_count,
         arg_max({'exe': exe, 'argv': argv}, time) AS last_exec,
         bool_or(exec_tid IS NOT NULL) AS thread_exec
  FROM lineage_events WHERE kind = 'exec' AND proc_key IS NOT NULL
  GROUP BY proc_key
),
-- The ordered list aggregate is slow: only processes that exec'd more than
-- once need it; a single exec's chain is that exe.
chains AS (
  SELECT proc_key AS key, list(exe ORDER BY time, seq) AS exe_chain
  FROM lineage_events
  WHERE kind = 'exec' AND proc_key IN (SELECT key FROM image WHERE exec_count > 1)
  GROUP BY proc_key
),
ending AS (
  SELECT proc_key AS key,
         min(time) AS end_time,
         arg_min(exit_code, time) AS exit_code,
         arg_min(exit_signal, time) AS exit_signal,
         arg_min(core_dumped, time) AS core_dumped
  FROM lineage_events WHERE kind = 'exit' AND proc_key IS NOT NULL
  GROUP BY proc_key
),
per_key AS MATERIALIZED (
  SELECT c.key, c.who.host AS host, c.who.boot_id AS boot_id, c.who.pid AS pid, c.start_time, c.first_seen, c.last_seen,
         s.snap_parent_key, s.snap_ppid, s.snap_exe, s.snap_argv,
         c.event_parent.key AS event_parent_key, c.event_parent.pid AS event_ppid,
         c.last_parent.key AS last_parent_key, c.last_parent.pid AS last_ppid,
         coalesce(i.exec_count, 0) AS exec_count, i.last_exec.exe AS exec_exe, i.last_exec.argv AS exec_argv,
         CASE WHEN i.exec_count > 1 THEN ch.exe_chain WHEN i.exec_count = 1 THEN [i.last_exec.exe] END AS exe_chain,
         i.thread_exec,
         e.end_time, e.exit_code, e.exit_signal, e.core_dumped,
         c.latest.uid AS uid, c.latest.user AS "user", c.latest.comm AS comm
  FROM common c
  LEFT JOIN snap s ON s.key = c.key
  LEFT JOIN image i ON i.key = c.key
  LEFT JOIN chains ch ON ch.key = c.key
  LEFT JOIN ending e ON e.key = c.key
),
forks AS MATERIALIZED (
  SELECT child_key AS key,
         arg_min(proc_key, time) AS fork_parent_key,
         arg_min(pid, time) AS fork_ppid,
         min(time) AS fork_time
  FROM lineage_events
  WHERE kind = 'fork' AND NOT is_thread AND child_key IS NOT NULL
  GROUP BY child_key
),
execs AS (
  SELECT proc_key, time, exe, argv FROM lineage_events WHERE kind = 'exec'
),
fork_image AS (
  SELECT f.key, f.fork_parent_key, f.fork_ppid, f.fork_time, e.exe AS parent_exec_exe, e.argv AS parent_exec_argv
  FROM forks f ASOF LEFT JOIN execs e ON f.fork_parent_key = e.proc_key AND f.fork_time >= e.time
),
recording_start AS (
  SELECT host, boot_id, min(time) AS t0 FROM lineage_events WHERE kind = 'snapshot' GROUP BY host, boot_id
),
losses AS (
  SELECT host, boot_id, time - INTERVAL ($loss_window_ms) MILLISECOND AS from_t, time AS to_t
  FROM lineage_events WHERE kind = 'loss'
),
base AS MATERIALIZED (
  SELECT
    p.*,
    fi.fork_time,
    fi.parent_exec_exe,
    fi.parent_exec_argv,
    coalesce(fi.fork_parent_key, p.snap_parent_key, p.event_parent_key) AS parent_key,
    CASE WHEN fi.key IS NOT NULL THEN fi.fork_ppid WHEN p.snap_ppid IS NOT NULL THEN p.snap_ppid ELSE p.event_ppid END AS ppid,
    CASE WHEN fi.key IS NOT NULL THEN 'fork'
         WHEN p.snap_parent_key IS NOT NULL OR p.snap_ppid IS NOT NULL THEN 'snapshot'
         WHEN p.event_parent_key IS NOT NULL THEN 'event' END AS parent_source,
    fi.key IS NULL AND (rs.t0 IS NULL OR p.start_time >= rs.t0) AS fork_missing,
    EXISTS (SELECT 1 FROM losses l
            WHERE l.host IS NOT DISTINCT FROM p.host AND l.boot_id IS NOT DISTINCT FROM p.boot_id
              AND l.to_t >= coalesce(p.start_time, p.first_seen) AND l.from_t <= coalesce(p.end_time, p.last_seen)) AS loss_in_life
  FROM per_key p
  LEFT JOIN fork_image fi ON fi.key = p.key
  LEFT JOIN recording_start rs ON rs.host IS NOT DISTINCT FROM p.host AND rs.boot_id IS NOT DISTINCT FROM p.boot_id
)
SELECT * FROM base
`;

/**
 * The view from \`lineage_base\` (PROCESSES_BASE_SQL, kept as a table: a CTE
 * referenced inside a recursive CTE would be recomputed at every level).
 */
export const PROCESSES_LINKS_SQL = `
SELECT key, parent_key, parent_source, fork_missing, parent_exec_exe, snap_exe, exec_exe FROM lineage_base
`;

export const PROCESSES_SQL = `
WITH
base AS (SELECT * FROM lineage_base),
links AS (SELECT * FROM lineage_links),
roots AS (
  SELECT l.key, l.snap_exe, l.exec_exe, l.fork_missing FROM links l
  WHERE l.parent_key IS NULL
  UNION ALL
  SELECT l.key, l.snap_exe, l.exec_exe, l.fork_missing FROM links l ANTI JOIN links p ON p.key = l.parent_key
  WHERE l.parent_key IS NOT NULL
),
walk AS (
  WITH RECURSIVE w(key, ancestry_keys, ancestry_exes, depth, start_image, exe, link_uncertain, uncertain_above) AS (
    SELECT key, []::VARCHAR[], []::VARCHAR[], 0, snap_exe, coalesce(exec_exe, snap_exe), fork_missing, false
    FROM roots
    UNION ALL
    SELECT c.key, list_append(w.ancestry_keys, w.key), list_append(w.ancestry_exes, w.exe), w.depth + 1,
           CASE WHEN c.parent_source = 'fork' THEN coalesce(c.parent_exec_exe, w.start_image) ELSE c.snap_exe END,
           coalesce(c.exec_exe, c.snap_exe, CASE WHEN c.parent_source = 'fork' THEN coalesce(c.parent_exec_exe, w.start_image) END),
           c.fork_missing,
           w.uncertain_above OR w.link_uncertain
    FROM w JOIN links c ON c.parent_key = w.key
    WHERE w.depth < 100000
  )
  SELECT * FROM w
)
SELECT
  b.key,
  b.parent_key,
  b.parent_source,
  b.last_parent_key,
  b.last_parent_key IS DISTINCT FROM b.parent_key AND b.last_parent_key IS NOT NULL AS reparented,
  b.host,
  b.boot_id,
  b.pid,
  b.ppid,
  b.last_ppid,
  b.start_time,
  b.end_time,
  b.exit_code,
  b.exit_signal,
  b.core_dumped,
  coalesce(w.exe, b.exec_exe, b.snap_exe) AS exe,
  CASE WHEN b.exec_count > 0 THEN b.exec_argv WHEN b.snap_argv IS NOT NULL THEN b.snap_argv ELSE b.parent_exec_argv END AS argv,
  b.exec_count::INTEGER AS exec_count,
  coalesce(b.exe_chain, []::VARCHAR[]) AS exe_chain,
  w.start_image,
  coalesce(b.thread_exec, false) AS thread_exec,
  b.uid,
  b."user",
  b.comm,
  w.ancestry_keys,
  w.ancestry_exes,
  w.depth,
  b.first_seen,
  b.last_seen,
  (b.fork_missing OR b.loss_in_life OR coalesce(w.uncertain_above, false) OR w.key IS NULL) AS uncertain,
  nullif(concat_ws(',',
    CASE WHEN b.fork_missing THEN '${UNCERTAIN_REASONS.forkNotRecorded}' END,
    CASE WHEN b.loss_in_life THEN '${UNCERTAIN_REASONS.eventsLost}' END,
    CASE WHEN w.uncertain_above THEN '${UNCERTAIN_REASONS.ancestorUncertain}' END,
    CASE WHEN w.key IS NULL THEN '${UNCERTAIN_REASONS.parentCycle}' END), '') AS uncertain_reason
FROM base b
LEFT JOIN walk w ON w.key = b.key
`;

/**
 * Builds `processes` as a table from the `events` view, which must exist. A
 * table, not a view: it is built in two steps (see PROCESSES_SQL), and every
 * later query reads the result instead of redoing the walk. Call it again
 * after redefining `events`.
 * @throws Error `processes: build` with DuckDB's error as cause.
 */
export async function defineProcessesView(session: DuckSession): Promise<void> {
  const baseSql = PROCESSES_BASE_SQL.replace('$loss_window_ms', String(LOSS_WINDOW_NS / 1_000_000n));
  try {
    // One scan of `events` for the rows lineage needs; every step below reads
    // this table (on a real host file and network rows are nearly all rows).
    await session.query(`CREATE OR REPLACE TEMP TABLE lineage_events AS ${LINEAGE_EVENTS_SQL}`);
    await session.query(`CREATE OR REPLACE TEMP TABLE lineage_base AS ${baseSql}`);
    await session.query(`CREATE OR REPLACE TEMP TABLE lineage_links AS ${PROCESSES_LINKS_SQL}`);
    await session.query(`CREATE OR REPLACE TABLE processes AS ${PROCESSES_SQL}`);
    await session.query('DROP TABLE lineage_links');
    await session.query('DROP TABLE lineage_base');
    await session.query('DROP TABLE lineage_events');
  } catch (cause) {
    throw new Error('processes: build', { cause });
  }
}

/**
 * The ancestors of `key`, root first, read straight from the fork rows of
 * `events` (falling back to the earliest snapshot's parent) without building
 * the whole view: one indexed step per generation.
 */
export async function processAncestry(session: DuckSession, key: string): Promise<string[]> {
  const rows = await session.query(`
    WITH RECURSIVE links AS MATERIALIZED (
      SELECT child_key AS key, arg_min(proc_key, time) AS parent_key
      FROM events WHERE kind = 'fork' AND NOT is_thread AND child_key IS NOT NULL GROUP BY child_key
      UNION ALL
      SELECT proc_key, arg_min(parent_key, time) FROM events
      WHERE kind = 'snapshot' AND proc_key NOT IN (SELECT child_key FROM events WHERE kind = 'fork' AND NOT is_thread AND child_key IS NOT NULL)
      GROUP BY proc_key
    ),
    up(key, n) AS (
      SELECT $key::VARCHAR, 0
      UNION ALL
      SELECT l.parent_key, up.n + 1 FROM up JOIN links l ON l.key = up.key
      WHERE l.parent_key IS NOT NULL AND up.n < 100000
    )
    SELECT key FROM up WHERE n > 0 ORDER BY n DESC`, { key });
  return rows.map((r) => String(r.key));
}

/** Keys of the processes matching a selector, oldest first; the `processes` view must exist. */
export async function findProcesses(session: DuckSession, sel: { pid?: number; key?: string; exe?: string }): Promise<string[]> {
  const where: string[] = [];
  const params: Record<string, string | number> = {};
  if (sel.pid !== undefined) { where.push('pid = $pid'); params.pid = sel.pid; }
  if (sel.key !== undefined) { where.push('key = $key'); params.key = sel.key; }
  if (sel.exe !== undefined) { where.push('(exe = $exe OR list_contains(exe_chain, $exe))'); params.exe = sel.exe; }
  const rows = await session.query(`SELECT key FROM processes ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY start_time, key`, params);
  return rows.map((r) => String(r.key));
}
