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
 * - Ancestry is walked from the roots down, one statement per tree level over
 *   the processes that have children, so `ancestry_keys`/`ancestry_exes` list
 *   the ancestors root first (the process itself excluded) and `depth` is
 *   their number.
 * - A parent is never guessed: when a link could be hidden by missing data,
 *   `uncertain` is true and `uncertain_reason` says why (see
 *   {@link UNCERTAIN_REASONS}).
 *
 * The steps and why they are shaped so are in ./processes-sql.ts.
 */
import type { DuckSession } from './session.js';
import {
  FORK_IMAGES_SQL, HASH_CLASHES_SQL, LINEAGE_EVENTS_SQL, LINEAGE_HOSTS_SQL, LINEAGE_PARENTS_SQL, LOSSES_SQL,
  PATH_CHARACTERS_SQL, PROCESS_FACTS_SQL, processesSql, walkSql, type AncestryForm,
} from './processes-sql.js';

export { LINEAGE_EVENTS_SQL, UNCERTAIN_REASONS } from './processes-sql.js';

/**
 * A `loss` row records events lost since the recorder's previous counter
 * check (every second, src/cli/record.ts), so a loss row at time T may hide
 * events back to about T - 1 s; 5 s leaves room for a stalled loop.
 */
export const LOSS_WINDOW_NS = 5_000_000_000n;

/** The per-process step of the build (one row per process, before the walk; `$salt` is an integer). */
export const PROCESSES_BASE_SQL = PROCESS_FACTS_SQL;
/** The processes the walk runs over: those with children. */
export const PROCESSES_LINKS_SQL = LINEAGE_PARENTS_SQL;
/** The view's final select over the build's intermediate tables (ancestry carried as strings, no loss rows). */
export const PROCESSES_SQL = processesSql('paths', false);

/** The depth at which the walk stops, as the recursive walk it replaced did (deeper processes are treated as in a cycle). */
const MAX_DEPTH = 100_000;

/** The build's intermediate tables, dropped when it ends. */
const TEMP_TABLES = ['lineage_losses', 'lineage_walk', 'lineage_fork_images', 'lineage_parents', 'lineage_facts', 'lineage_hosts', 'lineage_events'];

/**
 * Builds `processes` as a table from the `events` view, which must exist. A
 * table, not a view: it is built in steps, and every later query reads the
 * result instead of redoing the walk. Call it again after redefining
 * `events`. Runs with `preserve_insertion_order` off (the row order of
 * `processes` is unspecified) and restores the setting.
 * @throws Error `processes: build` with DuckDB's error as cause.
 */
export async function defineProcessesView(session: DuckSession): Promise<void> {
  const [setting] = await session.query("SELECT current_setting('preserve_insertion_order') AS v");
  try {
    await session.query('SET preserve_insertion_order = false');
    await session.query(`CREATE OR REPLACE TEMP TABLE lineage_events AS ${LINEAGE_EVENTS_SQL}`);
    // Keys are joined by hash; a salt that makes two keys collide is replaced (in practice never).
    let salt = 0;
    const salted = (text: string): string => text.replaceAll('$salt', String(salt));
    for (; ; salt++) {
      if (salt === 8) throw new Error('processes: keys collide under every salt tried');
      await session.query(`CREATE OR REPLACE TEMP TABLE lineage_hosts AS ${salted(LINEAGE_HOSTS_SQL)}`);
      await session.query(`CREATE OR REPLACE TEMP TABLE lineage_facts AS ${salted(PROCESS_FACTS_SQL)}`);
      if ((await session.query(HASH_CLASHES_SQL)).length === 0) break;
    }
    await session.query(`CREATE OR REPLACE TEMP TABLE lineage_parents AS ${LINEAGE_PARENTS_SQL}`);
    await session.query(`CREATE OR REPLACE TEMP TABLE lineage_fork_images AS ${FORK_IMAGES_SQL}`);
    const [chars] = await session.query(PATH_CHARACTERS_SQL);
    const form: AncestryForm = chars!.found === true ? 'lists' : 'paths';
    const walk = walkSql(form);
    await session.query(`CREATE OR REPLACE TEMP TABLE lineage_walk AS ${walk.roots}`);
    for (let depth = 0; depth + 1 < MAX_DEPTH; depth++) {
      const [inserted] = await session.query(`INSERT INTO lineage_walk ${walk.level.replace('$depth', String(depth))}`);
      if (inserted!.Count === 0n) break;
    }
    await session.query(`INSERT INTO lineage_walk ${walk.unreached}`);
    const [losses] = await session.query("SELECT count(*) AS n FROM lineage_events WHERE kind = 'loss'");
    const withLosses = losses!.n !== 0n;
    if (withLosses) {
      const window = String(LOSS_WINDOW_NS / 1_000_000n);
      await session.query(`CREATE OR REPLACE TEMP TABLE lineage_losses AS ${salted(LOSSES_SQL).replace('$loss_window_ms', window)}`);
    }
    // The final step reads neither: their memory goes to the table it builds.
    await session.query('DROP TABLE temp.lineage_events');
    await session.query('DROP TABLE temp.lineage_parents');
    await session.query(`CREATE OR REPLACE TABLE processes AS ${processesSql(form, withLosses)}`);
  } catch (cause) {
    throw new Error('processes: build', { cause });
  } finally {
    for (const table of TEMP_TABLES) await session.query(`DROP TABLE IF EXISTS temp.${table}`);
    await session.query(`SET preserve_insertion_order = ${setting!.v === false ? 'false' : 'true'}`);
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
