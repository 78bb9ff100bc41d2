/**
 * `rule_events`: the one table every compiled rule runs over
 * (formats/rule-events.md is the contract, src/analyze/rule-event-columns.ts
 * its column list, and a test holds the two together).
 *
 * Built from the segments of an opened recording and the `processes` table:
 * - `rid` is `(file index << 32) | row number in the file`, stable for the
 *   session, so a finding points at exactly one stored row;
 * - per-process facts (image, parent, ancestors nearest first) are computed
 *   once per process into `rule_procs` and joined to each event by key, so
 *   rules read one row per event and no per-event list is ever materialized;
 * - `rule_events` is a view: columns a rule does not read are never computed.
 *
 * Requires the `events` view and the `processes` table of the same session
 * (defineViews, defineProcessesView) with the same time window.
 */
import type { OpenedRecording } from './recording.js';
import type { DuckSession } from './session.js';
import { sqlString } from './sql.js';
import { type TimeWindow, NO_WINDOW, windowCondition } from './views.js';

/** O_WRONLY|O_RDWR mask, O_CREAT, O_TRUNC (asm-generic/fcntl.h). */
const O_ACCMODE = 3;
const O_CREAT = 0o100;
const O_TRUNC = 0o1000;

/**
 * Per process: the facts a rule reads about the actor, its parent and its
 * ancestors. A parent's (and each ancestor's) image is the one it had when it
 * forked the line below it (its latest exec or snapshot row at or before that
 * child's start), not its last one: `bash -c '...; python3 x'` execs python3
 * at the end, but the children it forked before still have a bash parent.
 * Without such a row, its current image.
 */
const RULE_PROCS_SQL = `
CREATE OR REPLACE TEMP TABLE rule_procs AS
WITH
img AS (
  -- The latest exec or snapshot row of each process: its session facts.
  SELECT proc_key AS key,
         arg_max({'loginuid': loginuid, 'sessionid': sessionid, 'sid': sid, 'tty': tty,
                  'cwd': cwd, 'sha256': exe_sha256, 'script': script}, time) AS f
  FROM events
  WHERE kind IN ('exec', 'snapshot') AND proc_key IS NOT NULL
  GROUP BY proc_key
),
images AS (
  SELECT proc_key, time, exe, argv, comm FROM events WHERE kind IN ('exec', 'snapshot') AND proc_key IS NOT NULL
),
execs AS (
  SELECT proc_key AS key, min(time) AS first_exec, max(time) AS last_exec, count(*) AS exec_count
  FROM events WHERE kind = 'exec' AND proc_key IS NOT NULL GROUP BY proc_key
),
-- The earliest snapshot of a process known from before the recording: its image then.
snap0 AS (
  SELECT proc_key AS key, arg_min({'exe': exe, 'argv': argv}, time) AS f
  FROM events WHERE kind = 'snapshot' AND proc_key IS NOT NULL GROUP BY proc_key
),
-- The parent's image when this process started (seen at its first row for a process known from snapshots).
pimg AS (
  SELECT c.key, x.exe, x.argv, x.comm
  FROM (SELECT key, parent_key, greatest(start_time, first_seen) AS at FROM processes WHERE parent_key IS NOT NULL) c
  ASOF JOIN images x ON x.proc_key = c.parent_key AND x.time <= c.at
),
parent AS (
  SELECT c.key, pp.pid, coalesce(pimg.exe, pp.exe) AS exe, coalesce(pimg.argv, pp.argv) AS argv,
         coalesce(pimg.comm, pp.comm) AS comm
  FROM processes c
  JOIN processes pp ON pp.key = c.parent_key
  LEFT JOIN pimg ON pimg.key = c.key
),
-- Ancestor i (nearest first) as its child on the line, ancestor i-1 (ancestor 0 is the process), saw it.
anc AS (
  SELECT u.key, list(a.comm ORDER BY u.i) AS names, list(a.exe ORDER BY u.i) AS exes
  FROM (
    SELECT key, unnest(list_prepend(key, list_slice(list_reverse(ancestry_keys), 1, len(ancestry_keys) - 1))) AS down,
           unnest(range(1, len(ancestry_keys) + 1)) AS i
    FROM processes WHERE len(ancestry_keys) > 0
  ) u
  JOIN parent a ON a.key = u.down
  GROUP BY u.key
)
SELECT p.key, p.parent_key, p.exe, p.argv, p.start_time, p.uncertain,
       execs.first_exec, execs.last_exec, coalesce(execs.exec_count, 0) AS exec_count,
       -- The image before the first exec: inherited at fork (the parent's then), else the first snapshot's.
       CASE WHEN p.parent_source = 'fork' THEN coalesce(pimg.exe, p.start_image) ELSE coalesce(snap0.f.exe, p.start_image) END AS start_exe,
       CASE WHEN p.parent_source = 'fork' THEN pimg.argv ELSE snap0.f.argv END AS start_argv,
       ${argsOf('p.argv')} AS args, array_to_string(p.argv, ' ') AS commandline,
       ${argsOf('start_argv')} AS start_args, array_to_string(start_argv, ' ') AS start_commandline,
       img.f.loginuid AS loginuid, img.f.sessionid AS sessionid, img.f.sid AS sid, img.f.tty AS tty,
       img.f.cwd AS cwd, img.f.sha256 AS sha256, img.f.script AS script,
       parent.pid AS parent_pid, parent.exe AS parent_exe, parent.comm AS parent_name, parent.argv AS parent_argv,
       ${cmdlineOf('parent.comm', 'parent.argv')} AS parent_cmdline, array_to_string(parent.argv, ' ') AS parent_commandline,
       coalesce(anc.names, []::VARCHAR[]) AS anc_names,
       coalesce(anc.exes, []::VARCHAR[]) AS anc_exes,
       list_reverse(p.ancestry_keys) AS anc_keys
FROM processes p
LEFT JOIN img ON img.key = p.key
LEFT JOIN parent ON parent.key = p.key
LEFT JOIN anc ON anc.key = p.key
LEFT JOIN execs ON execs.key = p.key
LEFT JOIN snap0 ON snap0.key = p.key
LEFT JOIN pimg ON pimg.key = p.key
`;

/**
 * The image of events that lie between two execs of one process (rare: an
 * exec chain such as `bash -c 'exec env python3 x'`, or failed execs between
 * successful ones): the latest exec at or before each such event, by rid.
 * Every other event's image comes from rule_procs without a per-event join.
 */
const RULE_BETWEEN_SQL = `
CREATE OR REPLACE TEMP TABLE rule_between AS
SELECT e.rid, x.exe, x.argv, ${argsOf('x.argv')} AS args, array_to_string(x.argv, ' ') AS commandline, x.script, x.exe_sha256
FROM (SELECT r.rid, r.proc_key, r.time FROM rule_raw r
      JOIN rule_procs p ON p.key = r.proc_key AND p.exec_count > 1
      WHERE r.kind NOT IN ('exec', 'snapshot', 'loss') AND r.time > p.first_exec AND r.time < p.last_exec) e
ASOF JOIN (SELECT proc_key, time, exe, argv, script, exe_sha256 FROM events WHERE kind = 'exec') x
  ON x.proc_key = e.proc_key AND x.time <= e.time
`;

/** argv[1..] joined by spaces ('' when none). */
function argsOf(argv: string): string {
  return `coalesce(array_to_string((${argv})[2:], ' '), '')`;
}

/** Falco's cmdline: the task name, then the arguments. */
function cmdlineOf(name: string, argv: string): string {
  return `CASE WHEN ${name} IS NULL THEN NULL WHEN ${argsOf(argv)} = '' THEN ${name} ELSE ${name} || ' ' || ${argsOf(argv)} END`;
}

/** A session fact (loginuid, cwd, ...): the exec row's own, else the process's latest. */
const IMAGE = (col: string, procCol: string) => `CASE WHEN e.kind = 'exec' THEN e.${col} ELSE p.${procCol} END`;

/** Derived image columns of an exec row, computed from the row (other rows read them precomputed). */
const EXEC_ROW: Record<string, string> = {
  args: argsOf('e.argv'),
  commandline: "array_to_string(e.argv, ' ')",
};

/**
 * The actor's image at the event: an exec row's own; between two execs, the
 * one before (rule_between); before the first exec, the image it started with;
 * else the last.
 */
const IMAGE_AT = (col: string, procCol: string, startCol: string | null) => `CASE
    WHEN e.kind = 'exec' THEN ${EXEC_ROW[col] ?? `e.${col}`}
    WHEN b.rid IS NOT NULL THEN b.${col}
    WHEN e.time < p.first_exec THEN ${startCol === null ? 'NULL' : `p.${startCol}`}
    ELSE p.${procCol} END`;

const PATH = `CASE WHEN e.kind = 'exec' THEN e.exe ELSE e.path END`;

/** The view's SELECT list, in contract order (formats/rule-events.md). */
const RULE_EVENTS_SELECT = `
  e.rid,
  e.time, e.host, e.kind, e.syscall, e.ret, e.error,
  e.pid, e.tid, e.ppid, e.proc_key, p.parent_key,
  e.uid, e.euid, e.gid, e."user", e.euser,
  ${IMAGE('loginuid', 'loginuid')} AS loginuid,
  ${IMAGE('sessionid', 'sessionid')}::BIGINT AS sessionid,
  ${IMAGE('sid', 'sid')}::BIGINT AS sid,
  nullif(${IMAGE('tty', 'tty')}, '') AS tty,
  e.container_id,
  e.comm AS proc_name,
  ${IMAGE_AT('exe', 'exe', 'start_exe')} AS proc_exe,
  ${IMAGE_AT('argv', 'argv', 'start_argv')} AS proc_argv,
  ${IMAGE_AT('args', 'args', 'start_args')} AS proc_args,
  CASE WHEN e.comm IS NULL THEN NULL WHEN proc_args = '' THEN e.comm ELSE e.comm || ' ' || proc_args END AS proc_cmdline,
  ${IMAGE_AT('commandline', 'commandline', 'start_commandline')} AS proc_commandline,
  ${IMAGE_AT('script', 'script', null)} AS proc_script,
  ${IMAGE('cwd', 'cwd')} AS proc_cwd,
  ${IMAGE_AT('exe_sha256', 'sha256', null)} AS proc_sha256,
  coalesce(e.proc_start, p.start_time) AS proc_start,
  p.parent_pid, p.parent_exe, p.parent_name, p.parent_argv,
  p.parent_cmdline, p.parent_commandline,
  coalesce(p.anc_names, []::VARCHAR[]) AS anc_names,
  coalesce(p.anc_exes, []::VARCHAR[]) AS anc_exes,
  coalesce(list_transform(p.anc_keys, k -> TRY_CAST(string_split(k, ':')[-1] AS INTEGER)), []::INTEGER[]) AS anc_pids,
  coalesce(p.anc_keys, []::VARCHAR[]) AS anc_keys,
  coalesce(p.uncertain, true) AS lineage_uncertain,
  ${PATH} AS path,
  e.path2,
  CASE WHEN ${PATH} IS NULL THEN NULL ELSE coalesce(nullif(parse_dirpath(${PATH}, 'forward_slash'), ''), '/') END AS path_dir,
  parse_filename(${PATH}, false, 'forward_slash') AS path_name,
  CASE WHEN e.kind = 'open' THEN e.flags END AS open_flags,
  e.kind = 'open' AND (e.flags & ${O_ACCMODE}) IN (0, 2) AS is_open_read,
  e.kind = 'open' AND ((e.flags & ${O_ACCMODE}) IN (1, 2) OR (e.flags & ${O_CREAT | O_TRUNC}) <> 0) AS is_open_write,
  false AS is_open_exec,
  e.mode::BIGINT AS mode,
  coalesce(e.fd, CASE WHEN e.kind = 'open' AND e.ret >= 0 THEN e.ret END)::BIGINT AS fd,
  e.family,
  CASE WHEN e.protocol IN ('tcp', 'udp') THEN e.protocol END AS l4proto,
  e.saddr, e.daddr, e.sport::INTEGER AS sport, e.dport::INTEGER AS dport,
  e.unix_path,
  e.kind IN ('connect', 'dns') AS is_outbound,
  e.kind = 'accept' AS is_inbound,
  e.dns_query,
  e.target_pid::INTEGER AS target_pid,
  e.ptrace_request,
  e.id_real::BIGINT AS id_real, e.id_effective::BIGINT AS id_effective,
  e.name
`;

/**
 * Defines `rule_files`, `rule_procs` and the `rule_events` view over the
 * usable segments of `rec`, within `window` (the same window as `events`).
 */
export async function defineRuleEvents(session: DuckSession, rec: OpenedRecording, window: TimeWindow = NO_WINDOW): Promise<void> {
  const files = rec.segments.map((s, i) => `(${i}, ${sqlString(s.path)})`);
  await session.query('CREATE OR REPLACE TEMP TABLE rule_files (file_idx INTEGER, file_name VARCHAR)');
  for (let i = 0; i < files.length; i += 500) {
    await session.query(`INSERT INTO rule_files VALUES ${files.slice(i, i + 500).join(', ')}`);
  }
  await session.query(RULE_PROCS_SQL);
  const list = rec.segments.map((s) => sqlString(s.path)).join(', ');
  await session.query(`CREATE OR REPLACE VIEW rule_raw AS
    SELECT (f.file_idx::BIGINT << 32) | r.file_row_number::BIGINT AS rid, r.*
    FROM read_parquet([${list}], union_by_name = true, hive_partitioning = false, filename = 'hs_file', file_row_number = true) r
    JOIN rule_files f ON f.file_name = r.hs_file
    WHERE ${windowCondition(window, 'r.time')}`);
  await session.query(RULE_BETWEEN_SQL);
  await session.query(`CREATE OR REPLACE VIEW rule_events AS
    SELECT ${RULE_EVENTS_SELECT}
    FROM rule_raw e
    LEFT JOIN rule_procs p ON p.key = e.proc_key
    LEFT JOIN rule_between b ON b.rid = e.rid
    WHERE e.kind NOT IN ('snapshot', 'loss')`);
}
