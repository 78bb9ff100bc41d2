/**
 * The SQL of each step of the `processes` build; src/analyze/processes.ts
 * runs them in order, and formats/views.md (section `processes`) defines
 * every column. Pure text: nothing here talks to DuckDB.
 *
 * The shape follows what costs in DuckDB (measured on 1M processes, 2.9M
 * lineage rows): moving strings and lists, aggregates with string or struct
 * states, and joins whose build side is wide. So:
 * - The lineage rows of `events` are read once, into `lineage_events`.
 * - One aggregate per process keeps only numbers: times, counts, and a
 *   reference to its latest non-snapshot row (`rowid * 8 + kind code`). Text
 *   columns come from that row, the exec row and the fork row by joins. A
 *   process with more than one exec, exit or fork row (rare) takes the exact
 *   aggregate over those rows instead, so every value is as views.md defines it.
 * - Processes are joined on 64-bit hashes of their keys (`hash(key, $salt)`);
 *   the caller checks that no two keys share a hash ({@link HASH_CLASHES_SQL})
 *   and builds again with another salt if they do.
 * - Only processes with children are walked, one level per statement; each
 *   carries its ancestry as one string (keys or exes joined by NUL, a NULL exe
 *   written as \x01), split into lists once at the end. When a key or exe
 *   holds those characters the walk carries lists instead ({@link AncestryForm}).
 */

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

/** The rows and columns of `events` that lineage reads, materialized once as `lineage_events`. */
export const LINEAGE_EVENTS_SQL = `
SELECT host, boot_id, kind, time, seq, pid, ppid, proc_key, parent_key, proc_start, uid, "user", comm,
       exe, argv, exec_tid, exit_code, exit_signal, core_dumped, child_pid, child_key, is_thread
FROM events
WHERE kind IN ('snapshot', 'fork', 'exec', 'exit', 'loss')
`;

/** A (host, boot_id) pair as a number: `hb` below. */
const HB = (t: string): string => `hash(${t}host, ${t}boot_id, $salt)`;

/** (host, boot_id) by `hb`. */
export const LINEAGE_HOSTS_SQL = `SELECT ${HB('')} AS hb, host, boot_id FROM (SELECT host, boot_id FROM lineage_events GROUP BY ALL)`;

/** Kind codes in the low 3 bits of a row reference. */
const FORK = 0, EXEC = 1, EXIT = 2, FORKED = 3;
/** exec rows are counted in the low 40 bits of `n_exec_exit`, exit rows above. */
const EXIT_UNIT = 2 ** 40;

/**
 * One row per process (`key`, hashed as `k`) with every column except those
 * the walk gives: the parent (`parent_h`, and `parent_key_text` when the
 * parent is not the forking process), image, exit, times, and the user and
 * host of the latest row.
 */
export const PROCESS_FACTS_SQL = `
WITH
lineage_rows AS (
  -- A process's own rows, and the child side of each fork (so a process whose own rows were all lost still has a row).
  SELECT proc_key AS key, kind, time, proc_start, NULL::UBIGINT AS fork_ph, NULL::INTEGER AS fork_ppid,
         rowid * 8 + CASE kind WHEN 'fork' THEN ${FORK} WHEN 'exec' THEN ${EXEC} WHEN 'exit' THEN ${EXIT} END AS r
  FROM lineage_events WHERE proc_key IS NOT NULL AND kind IN ('snapshot', 'fork', 'exec', 'exit')
  UNION ALL
  SELECT child_key, 'forked', time, NULL, CASE WHEN time IS NOT NULL THEN hash(proc_key, $salt) END,
         CASE WHEN time IS NOT NULL THEN pid END, rowid * 8 + ${FORKED}
  FROM lineage_events WHERE kind = 'fork' AND NOT is_thread AND child_key IS NOT NULL
),
counts AS MATERIALIZED (
  SELECT key,
    min(time) AS first_seen, max(time) AS last_seen, min(proc_start) AS min_start,
    arg_max(r, time) FILTER (WHERE kind <> 'snapshot') AS last_r,
    sum(CASE kind WHEN 'exec' THEN 1 WHEN 'exit' THEN ${EXIT_UNIT} END) AS n_exec_exit,
    count(CASE WHEN kind = 'forked' THEN 1 END) AS fork_count,
    min(CASE WHEN kind = 'forked' THEN time END) AS fork_time,
    -- the fork row's parent, right when there is one fork row
    max(fork_ph) AS fork_ph1, max(fork_ppid) AS fork_ppid1
  FROM lineage_rows GROUP BY key
),
procs AS (
  SELECT * EXCLUDE (n_exec_exit),
    coalesce(n_exec_exit % ${EXIT_UNIT}, 0) AS exec_count,
    coalesce(n_exec_exit // ${EXIT_UNIT}, 0) AS exit_count,
    last_r % 8 AS last_kind
  FROM counts
),
snap AS (
  SELECT proc_key AS key,
         arg_min(parent_key, time) AS snap_pkey,
         arg_min(ppid, time) AS snap_ppid,
         arg_max(exe, time) AS snap_exe,
         arg_max(argv, time) AS snap_argv,
         max(time) AS snap_time,
         arg_max({'pkey': parent_key, 'ppid': ppid, 'hb': ${HB('')}, 'pid': pid, 'uid': uid, 'user': "user", 'comm': comm}, time) AS snap_last
  FROM lineage_events WHERE kind = 'snapshot' AND proc_key IS NOT NULL
  GROUP BY proc_key
),
-- The exact aggregates, for the few processes the single-row paths below do not cover.
multi_exec AS (
  SELECT proc_key AS key, arg_max({'exe': exe, 'argv': argv}, time) AS last_exec, list(exe ORDER BY time, seq) AS exe_chain,
         max(time) AS exec_time, bool_or(exec_tid IS NOT NULL) AS thread_exec
  FROM lineage_events
  WHERE kind = 'exec' AND proc_key IN (SELECT key FROM procs WHERE exec_count > 1)
  GROUP BY proc_key
),
multi_exit AS (
  SELECT proc_key AS key, min(time) AS end_time, arg_min(exit_code, time) AS exit_code,
         arg_min(exit_signal, time) AS exit_signal, arg_min(core_dumped, time) AS core_dumped
  FROM lineage_events
  WHERE kind = 'exit'
    AND proc_key IN (SELECT key FROM procs WHERE exit_count > 1 OR (exit_count = 1 AND last_kind IS DISTINCT FROM ${EXIT}))
  GROUP BY proc_key
),
multi_fork AS (
  SELECT child_key AS key, arg_min(hash(proc_key, $salt), time) AS fork_ph, arg_min(pid, time) AS fork_ppid
  FROM lineage_events
  WHERE kind = 'fork' AND NOT is_thread AND child_key IN (SELECT key FROM procs WHERE fork_count > 1)
  GROUP BY child_key
),
-- The parent on the earliest non-snapshot row: used only without a fork row.
event_parent AS (
  SELECT proc_key AS key, arg_min({'pkey': parent_key, 'ppid': ppid}, time) AS event_parent
  FROM lineage_events
  WHERE kind IN ('fork', 'exec', 'exit') AND proc_key IN (SELECT key FROM procs WHERE fork_count = 0)
  GROUP BY proc_key
),
recording_start AS (
  SELECT ${HB('')} AS hb, min(time) AS t0 FROM lineage_events WHERE kind = 'snapshot' GROUP BY host, boot_id
),
latest AS (
  -- The latest non-snapshot row (own, or the fork row naming this process as the child).
  SELECT p.*,
    p.exit_count = 1 AND p.last_kind = ${EXIT} AS exit_is_latest,
    l.time AS last_time, l.exit_code AS l_exit_code, l.exit_signal AS l_exit_signal, l.core_dumped AS l_core_dumped,
    CASE WHEN p.last_kind = ${FORKED} THEN l.proc_key ELSE l.parent_key END AS last_pkey,
    CASE WHEN p.last_kind = ${FORKED} THEN l.pid ELSE l.ppid END AS last_ppid,
    CASE WHEN p.last_kind = ${FORKED} THEN l.child_pid ELSE l.pid END AS last_pid,
    ${HB('l.')} AS last_hb, l.uid AS last_uid, l."user" AS last_user, l.comm AS last_comm
  FROM procs p LEFT JOIN lineage_events l ON l.rowid = p.last_r // 8
),
joined AS (
  SELECT p.*, s.* EXCLUDE (key), ev.event_parent,
    CASE WHEN p.exec_count > 1 THEN me.last_exec.exe WHEN x.time IS NOT NULL THEN x.exe END AS exec_exe,
    CASE WHEN p.exec_count > 1 THEN me.last_exec.argv WHEN x.time IS NOT NULL THEN x.argv END AS exec_argv,
    CASE WHEN p.exec_count > 1 THEN me.exec_time ELSE x.time END AS exec_time,
    CASE WHEN p.exec_count > 1 THEN me.thread_exec ELSE x.exec_tid IS NOT NULL END AS thread_exec,
    me.exe_chain,
    CASE WHEN p.exit_is_latest THEN p.last_time ELSE mx.end_time END AS end_time,
    CASE WHEN p.exit_is_latest THEN p.l_exit_code ELSE mx.exit_code END AS exit_code,
    CASE WHEN p.exit_is_latest THEN p.l_exit_signal ELSE mx.exit_signal END AS exit_signal,
    CASE WHEN p.exit_is_latest THEN p.l_core_dumped ELSE mx.core_dumped END AS core_dumped,
    CASE WHEN p.fork_count > 1 THEN mf.fork_ph ELSE p.fork_ph1 END AS fork_ph,
    CASE WHEN p.fork_count > 1 THEN mf.fork_ppid ELSE p.fork_ppid1 END AS fork_ppid,
    -- the latest row is the latest non-snapshot row unless a snapshot row is later
    p.last_r IS NULL OR s.snap_time > p.last_time AS snap_is_latest
  FROM latest p
  LEFT JOIN (SELECT proc_key, time, exe, argv, exec_tid FROM lineage_events WHERE kind = 'exec') x
    ON x.proc_key = CASE WHEN p.exec_count = 1 THEN p.key END
  LEFT JOIN snap s ON s.key = p.key
  LEFT JOIN multi_exec me ON me.key = p.key
  LEFT JOIN multi_exit mx ON mx.key = p.key
  LEFT JOIN multi_fork mf ON mf.key = p.key
  LEFT JOIN event_parent ev ON ev.key = p.key
)
SELECT j.key, hash(j.key, $salt) AS k, j.first_seen, j.last_seen,
  coalesce(j.min_start, j.fork_time) AS start_time,
  j.exec_count, j.exec_exe, j.exec_argv, j.exec_time, j.thread_exec, j.exe_chain,
  j.end_time, j.exit_code, j.exit_signal, j.core_dumped,
  j.fork_time, j.fork_ph, j.snap_exe, j.snap_argv,
  -- The original parent: the forking process (by hash: a fork row's proc_key is always a process), else the earliest
  -- snapshot's parent, else the parent on the earliest event (by key: it may be no process of the recording).
  CASE WHEN j.fork_ph IS NULL THEN coalesce(j.snap_pkey, j.event_parent.pkey) END AS parent_key_text,
  coalesce(j.fork_ph, hash(coalesce(j.snap_pkey, j.event_parent.pkey), $salt)) AS parent_h,
  CASE WHEN j.fork_count > 0 THEN j.fork_ppid WHEN j.snap_ppid IS NOT NULL THEN j.snap_ppid ELSE j.event_parent.ppid END AS ppid,
  CASE WHEN j.fork_count > 0 THEN 'fork'
       WHEN j.snap_pkey IS NOT NULL OR j.snap_ppid IS NOT NULL THEN 'snapshot'
       WHEN j.event_parent.pkey IS NOT NULL THEN 'event' END AS parent_source,
  j.fork_count = 0 AND (rs.t0 IS NULL OR coalesce(j.min_start, j.fork_time) >= rs.t0) AS fork_missing,
  CASE WHEN j.snap_is_latest THEN j.snap_last.hb ELSE j.last_hb END AS hb,
  CASE WHEN j.snap_is_latest THEN j.snap_last.pid ELSE j.last_pid END AS pid,
  CASE WHEN j.snap_is_latest THEN j.snap_last.uid ELSE j.last_uid END AS uid,
  CASE WHEN j.snap_is_latest THEN j.snap_last.user ELSE j.last_user END AS "user",
  CASE WHEN j.snap_is_latest THEN j.snap_last.comm ELSE j.last_comm END AS comm,
  -- the parent on the latest row, from an event row when there is one, else a snapshot
  CASE WHEN j.last_r IS NULL THEN j.snap_last.pkey ELSE j.last_pkey END AS last_parent_key,
  CASE WHEN j.last_r IS NULL THEN j.snap_last.ppid ELSE j.last_ppid END AS last_ppid
FROM joined j
LEFT JOIN recording_start rs ON rs.hb = CASE WHEN j.snap_is_latest THEN j.snap_last.hb ELSE j.last_hb END
`;

/**
 * One row if two different keys share a hash: two processes, a parent key
 * named by snapshot or event rows and a process, or two (host, boot_id).
 */
export const HASH_CLASHES_SQL = `
SELECT 'process' AS what FROM lineage_facts GROUP BY k HAVING count(*) > 1
UNION ALL
SELECT 'parent' FROM lineage_facts x JOIN lineage_facts y ON y.k = x.parent_h
WHERE x.parent_key_text IS NOT NULL AND y.key <> x.parent_key_text
UNION ALL
SELECT 'host' FROM lineage_hosts GROUP BY hb HAVING count(*) > 1
LIMIT 1
`;

/** The processes that are some process's parent, with what their children need: the walk runs over these. */
export const LINEAGE_PARENTS_SQL = `
SELECT k, key, parent_h, parent_source, fork_missing, fork_time, fork_ph, snap_exe,
       exec_count, exec_time, exec_exe, exec_argv
FROM lineage_facts WHERE k IN (SELECT parent_h FROM lineage_facts)
`;

/** Children whose forking parent exec'd more than once (rare): the parent's last exec at or before the fork. */
export const FORK_IMAGES_SQL = `
SELECT c.k, e.exe AS parent_exec_exe, e.argv AS parent_exec_argv
FROM (SELECT c.k, y.key AS fork_pkey, c.fork_time
      FROM lineage_facts c JOIN lineage_facts y ON y.k = c.fork_ph WHERE y.exec_count > 1) c
ASOF LEFT JOIN (SELECT proc_key, time, exe, argv FROM lineage_events
                WHERE kind = 'exec' AND proc_key IN (SELECT key FROM lineage_facts WHERE exec_count > 1)) e
  ON c.fork_pkey = e.proc_key AND c.fork_time >= e.time
`;

/** Whether a key or exe in an ancestry holds a character the `paths` form uses (NUL, \x01). */
export const PATH_CHARACTERS_SQL = `
SELECT EXISTS (SELECT 1 FROM lineage_parents WHERE contains(key, chr(0)) OR contains(key, chr(1)))
    OR EXISTS (SELECT 1 FROM lineage_events WHERE kind IN ('exec', 'snapshot') AND (contains(exe, chr(0)) OR contains(exe, chr(1)))) AS found
`;

/**
 * How the walk carries ancestry: `paths`, one string of elements joined by
 * NUL (cheap to extend and to copy); `lists`, VARCHAR[] (used when a key or
 * exe holds NUL or \x01).
 */
export type AncestryForm = 'paths' | 'lists';

interface PathOps {
  /** The ancestry made of one element. */
  start(elem: string): string;
  /** The ancestry `path` followed by `elem`. */
  append(path: string, elem: string): string;
  /** The ancestry as VARCHAR[] (`nullable`: elements may be NULL). */
  list(path: string, nullable: boolean): string;
}

const PATH_OPS: Record<AncestryForm, PathOps> = {
  paths: {
    start: (elem) => `coalesce(${elem}, chr(1))`,
    append: (path, elem) => `${path} || chr(0) || coalesce(${elem}, chr(1))`,
    list: (path, nullable) => nullable
      ? `CASE WHEN contains(${path}, chr(1)) THEN list_transform(string_split(${path}, chr(0)), e -> nullif(e, chr(1))) ELSE string_split(${path}, chr(0)) END`
      : `string_split(${path}, chr(0))`,
  },
  lists: {
    start: (elem) => `[${elem}]::VARCHAR[]`,
    append: (path, elem) => `list_append(${path}, ${elem})`,
    list: (path) => path,
  },
};

/**
 * The image `c` inherited at fork from its forking parent `y` (a row of
 * lineage_walk): the parent's last exec at or before the fork.
 */
function forkImage(c: string, y: string, field: 'exe' | 'argv'): string {
  return `CASE WHEN ${c}.fork_ph IS NULL THEN NULL
       WHEN ${y}.exec_count > 1 THEN fi.parent_exec_${field}
       WHEN ${y}.exec_count = 1 AND ${y}.exec_time <= ${c}.fork_time THEN ${y}.exec_${field} END`;
}

/** The walk over lineage_parents: roots (parents whose own parent is no process), one level, and the parents never reached. */
export function walkSql(form: AncestryForm): { roots: string; level: string; unreached: string } {
  const ops = PATH_OPS[form];
  const inherited = `coalesce(${forkImage('c', 'w', 'exe')}, w.start_image)`;
  return {
    // anc_keys/anc_exes: the ancestry including the process itself, i.e. its children's ancestry
    roots: `
SELECT p.k, p.key, 0 AS depth, ${ops.start('p.key')} AS anc_keys, ${ops.start('coalesce(p.exec_exe, p.snap_exe)')} AS anc_exes,
       p.snap_exe AS start_image, p.fork_missing AS below_uncertain,
       p.exec_count, p.exec_time, p.exec_exe, p.exec_argv
FROM lineage_parents p
WHERE p.parent_h IS NULL OR p.parent_h NOT IN (SELECT k FROM lineage_parents)`,
    level: `
SELECT c.k, c.key, w.depth + 1,
       ${ops.append('w.anc_keys', 'c.key')},
       ${ops.append('w.anc_exes', `coalesce(c.exec_exe, c.snap_exe, CASE WHEN c.parent_source = 'fork' THEN ${inherited} END)`)},
       CASE WHEN c.parent_source = 'fork' THEN ${inherited} ELSE c.snap_exe END,
       w.below_uncertain OR c.fork_missing,
       c.exec_count, c.exec_time, c.exec_exe, c.exec_argv
FROM lineage_walk w JOIN lineage_parents c ON c.parent_h = w.k
LEFT JOIN lineage_fork_images fi ON fi.k = c.k
WHERE w.depth = $depth`,
    // kept without depth so that their children are marked as in a parent cycle
    unreached: `
SELECT k, key, NULL, NULL, NULL, NULL, NULL, exec_count, exec_time, exec_exe, exec_argv
FROM lineage_parents WHERE k NOT IN (SELECT k FROM lineage_walk)`,
  };
}

/**
 * Processes alive across a loss window (the loss row's time minus the
 * window, up to the row). All windows have the same length, so the earliest
 * one ending after a process started is the only one to compare.
 */
export const LOSSES_SQL = `
SELECT x.k FROM lineage_facts x
ASOF JOIN (SELECT ${HB('')} AS hb, time AS to_t FROM lineage_events WHERE kind = 'loss') l
  ON l.hb = x.hb AND coalesce(x.start_time, x.first_seen) <= l.to_t
WHERE l.to_t - INTERVAL ($loss_window_ms) MILLISECOND <= coalesce(x.end_time, x.last_seen)
`;

/**
 * The view: each process joined to its parent's walk row `y` (none for a
 * root; one without depth when the parent was not reached).
 */
export function processesSql(form: AncestryForm, withLosses: boolean): string {
  const ops = PATH_OPS[form];
  const lost = withLosses ? '(x.k IN (SELECT k FROM lineage_losses))' : 'false';
  const parentKey = 'CASE WHEN x.fork_ph IS NOT NULL THEN y.key ELSE x.parent_key_text END';
  const inherited = `coalesce(${forkImage('x', 'y', 'exe')}, y.start_image)`;
  const cycle = 'y.k IS NOT NULL AND y.depth IS NULL';
  return `
SELECT
  x.key,
  ${parentKey} AS parent_key,
  x.parent_source,
  x.last_parent_key,
  x.last_parent_key IS DISTINCT FROM ${parentKey} AND x.last_parent_key IS NOT NULL AS reparented,
  h.host,
  h.boot_id,
  x.pid,
  x.ppid,
  x.last_ppid,
  x.start_time,
  x.end_time,
  x.exit_code,
  x.exit_signal,
  x.core_dumped,
  CASE WHEN y.depth IS NULL THEN coalesce(x.exec_exe, x.snap_exe)
       ELSE coalesce(x.exec_exe, x.snap_exe, CASE WHEN x.parent_source = 'fork' THEN ${inherited} END) END AS exe,
  CASE WHEN x.exec_count > 0 THEN x.exec_argv WHEN x.snap_argv IS NOT NULL THEN x.snap_argv ELSE ${forkImage('x', 'y', 'argv')} END AS argv,
  x.exec_count::INTEGER AS exec_count,
  CASE WHEN x.exec_count > 1 THEN x.exe_chain WHEN x.exec_count = 1 THEN [x.exec_exe] ELSE []::VARCHAR[] END AS exe_chain,
  CASE WHEN y.k IS NULL THEN x.snap_exe
       WHEN y.depth IS NULL THEN NULL
       WHEN x.parent_source = 'fork' THEN ${inherited}
       ELSE x.snap_exe END AS start_image,
  coalesce(x.thread_exec, false) AS thread_exec,
  x.uid,
  x."user",
  x.comm,
  CASE WHEN y.k IS NULL THEN []::VARCHAR[] WHEN y.depth IS NOT NULL THEN ${ops.list('y.anc_keys', false)} END AS ancestry_keys,
  CASE WHEN y.k IS NULL THEN []::VARCHAR[] WHEN y.depth IS NOT NULL THEN ${ops.list('y.anc_exes', true)} END AS ancestry_exes,
  CASE WHEN y.k IS NULL THEN 0 ELSE y.depth + 1 END AS depth,
  x.first_seen,
  x.last_seen,
  (x.fork_missing OR ${lost} OR coalesce(y.below_uncertain, false) OR (${cycle})) AS uncertain,
  nullif(concat_ws(',',
    CASE WHEN x.fork_missing THEN '${UNCERTAIN_REASONS.forkNotRecorded}' END,
    CASE WHEN ${lost} THEN '${UNCERTAIN_REASONS.eventsLost}' END,
    CASE WHEN y.below_uncertain THEN '${UNCERTAIN_REASONS.ancestorUncertain}' END,
    CASE WHEN ${cycle} THEN '${UNCERTAIN_REASONS.parentCycle}' END), '') AS uncertain_reason
FROM lineage_facts x
LEFT JOIN lineage_hosts h ON h.hb = x.hb
LEFT JOIN lineage_fork_images fi ON fi.k = x.k
LEFT JOIN lineage_walk y ON y.k = x.parent_h`;
}
