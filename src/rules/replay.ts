/**
 * Replay: runs compiled rules (src/rules/types.ts) over the `rule_events`
 * table of a session (src/analyze/rule-events.ts) and turns every match into
 * a finding with the actor's process lineage.
 *
 * Guarantees:
 * - `where` rules run in batches, one scan of `rule_events` per batch; a batch
 *   that fails is rerun rule by rule, so one failing rule never stops the others
 *   (its error is in its RuleRun).
 * - A finding whose time lies inside a known hole in the data (a manifest gap,
 *   or the window a `loss` row may hide) is flagged `incomplete` with the
 *   reasons; the actor's lineage being uncertain is flagged separately.
 * - Findings come back in time order (then rule, then event).
 */
import { LOSS_WINDOW_NS } from '../analyze/processes.js';
import type { DuckSession, SqlRow, SqlValue } from '../analyze/session.js';
import { sqlIdentifier, sqlString } from '../analyze/sql.js';
import { createIocTableSql } from './ioc/compile.js';
import { CIDR_LOOKUP_SQL, IP_MACROS_SQL } from './ip-sql.js';
import { validateNativeRuleSql } from './native/validate-sql.js';
import type { CompiledRule, RuleSource } from './types.js';

/** One ancestor of a finding's actor. */
export interface AncestorRef {
  key: string;
  pid: number | null;
  exe: string | null;
}

/** A rule match, as `hindsight replay` prints it (formats/findings.md). */
export interface Finding {
  source: RuleSource;
  ruleId: string;
  rule: string;
  severity: string;
  author: string | null;
  tags: string[];
  /** Event time, ns since the epoch (UTC). */
  timeNs: bigint;
  host: string;
  procKey: string | null;
  pid: number | null;
  exe: string | null;
  cmdline: string | null;
  parentExe: string | null;
  /** Ancestors root first (the actor excluded). */
  ancestry: AncestorRef[];
  /** The matched event's own fields (nulls left out), with its `rid`. */
  event: Record<string, SqlValue>;
  message: string;
  /** The event lies in a window where events are known to be missing. */
  incomplete: boolean;
  incompleteReasons: string[];
  lineageUncertain: boolean;
  /** Source-specific facts (IOC sightings, sequence steps). */
  extra: Record<string, unknown> | null;
}

/** How one rule ran. */
export interface RuleRun {
  rule: CompiledRule;
  findings: number;
  /** Set when the rule failed at run time (its SQL errored). */
  error: string | null;
}

export interface ReplayResult {
  findings: Finding[];
  runs: RuleRun[];
}

/** Rules per scan of `rule_events` (one query: beyond this, plans grow faster than scans cost). */
const BATCH = 64;

/** Options of {@link replayRules}. */
export interface ReplayOptions {
  /** Called after each batch or query rule, for progress. */
  onRule?: (done: number, total: number) => void;
  /** Scan every row for every rule, ignoring CompiledRule.kinds (tests compare the two). */
  ignoreKinds?: boolean;
}

/** Event columns of `rule_events` a finding's `event` shows. */
const EVENT_COLUMNS = [
  'rid', 'kind', 'syscall', 'ret', 'error', 'path', 'path2', 'open_flags', 'mode', 'fd', 'family', 'l4proto',
  'saddr', 'sport', 'daddr', 'dport', 'unix_path', 'dns_query', 'target_pid', 'ptrace_request', 'id_real',
  'id_effective', 'name', 'uid', 'euid', 'user', 'tid',
] as const;

/** The finding columns selected from a `rule_events` row aliased `h`. */
const FINDING_COLUMNS = `
  h.rid, h.time, h.host, h.proc_key, h.pid, h.proc_exe, h.proc_commandline, h.parent_exe,
  h.anc_keys, h.anc_exes, h.anc_pids, h.lineage_uncertain,
  {${EVENT_COLUMNS.map((c) => `${sqlIdentifier(c)}: h.${sqlIdentifier(c)}`).join(', ')}} AS event,
  (SELECT list(g.reason ORDER BY g.reason) FROM rule_gaps g
    WHERE g.host = h.host AND h.time BETWEEN g.from_time AND g.to_time) AS gap_reasons`;

/**
 * The known holes in the data as time windows, from the `gaps` view: manifest
 * gaps, skipped or missing segments with a known range, and for each `loss`
 * row the LOSS_WINDOW_NS before it (what it may hide).
 */
const RULE_GAPS_SQL = `
CREATE OR REPLACE TEMP TABLE rule_gaps AS
SELECT host,
       CASE WHEN source = 'loss' THEN from_time - to_microseconds(${LOSS_WINDOW_NS / 1000n}) ELSE from_time END AS from_time,
       to_time, reason
FROM gaps
WHERE from_time IS NOT NULL AND to_time IS NOT NULL AND source <> 'retired'`;

function toFinding(rule: CompiledRule, row: SqlRow, message: string, ruleId?: string, title?: string, extra?: Record<string, unknown> | null): Finding {
  const keys = (row.anc_keys as string[] | null) ?? [];
  const exes = (row.anc_exes as (string | null)[] | null) ?? [];
  const pids = (row.anc_pids as (number | null)[] | null) ?? [];
  const ancestry = keys.map((key, i) => ({ key, pid: pids[i] ?? null, exe: exes[i] ?? null })).reverse();
  const event: Record<string, SqlValue> = {};
  for (const [k, v] of Object.entries((row.event ?? {}) as Record<string, SqlValue>)) if (v !== null) event[k] = v;
  const gaps = (row.gap_reasons as string[] | null) ?? [];
  return {
    source: rule.source,
    ruleId: ruleId ?? rule.id,
    rule: title ?? rule.title,
    severity: rule.severity,
    author: rule.author ?? null,
    tags: rule.tags,
    timeNs: row.time as bigint,
    host: row.host as string,
    procKey: (row.proc_key as string | null) ?? null,
    pid: (row.pid as number | null) ?? null,
    exe: (row.proc_exe as string | null) ?? null,
    cmdline: (row.proc_commandline as string | null) ?? null,
    parentExe: (row.parent_exe as string | null) ?? null,
    ancestry,
    event,
    message,
    incomplete: gaps.length > 0,
    incompleteReasons: gaps,
    lineageUncertain: row.lineage_uncertain === true,
    extra: extra ?? null,
  };
}

function errorText(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e !== undefined && e !== null && parts.length < 6; e = e instanceof Error ? e.cause : undefined) {
    parts.push(e instanceof Error ? e.message : String(e));
  }
  return parts.join(': ');
}

/**
 * Runs `where` rules together, over the rows of `kinds` only (null: every
 * row), in two steps: one scan computes which rules each row matches (in the
 * SELECT list, where DuckDB computes each `rule_events` column once per row;
 * as a WHERE clause it would inline the column expressions into every rule
 * that reads them), then only the matched rows are read again for the
 * finding's columns and message.
 */
async function runWhereBatch(session: DuckSession, rules: CompiledRule[], kinds: string[] | null): Promise<Map<number, Finding[]>> {
  const hits = rules.map((r, i) => `CASE WHEN coalesce((${(r.match as { where: string }).where}), false) THEN ${i} END`).join(', ');
  const kindFilter = kinds === null ? 'true' : `kind IN (${kinds.map(sqlString).join(', ')})`;
  await session.query(`CREATE OR REPLACE TEMP TABLE rule_hits AS
    SELECT rid, unnest(hits) AS idx FROM (
      SELECT rid, list_filter([${hits}], x -> x IS NOT NULL) AS hits FROM rule_events WHERE ${kindFilter})
    WHERE len(hits) > 0`);
  const messages = rules.map((r, i) => `WHEN ${i} THEN (${r.message})`).join(' ');
  const sql = `
    SELECT x.idx, CAST(CASE x.idx ${messages} END AS VARCHAR) AS message, ${FINDING_COLUMNS}
    FROM rule_hits x JOIN (SELECT * FROM rule_events WHERE ${kindFilter} AND rid IN (SELECT rid FROM rule_hits)) h ON h.rid = x.rid`;
  const out = new Map<number, Finding[]>();
  for (const row of await session.query(sql)) {
    const idx = row.idx as number;
    const rule = rules[idx]!;
    const list = out.get(idx) ?? [];
    list.push(toFinding(rule, row, (row.message as string | null) ?? rule.title));
    out.set(idx, list);
  }
  return out;
}

async function runQueryRule(session: DuckSession, rule: CompiledRule, query: string): Promise<Finding[]> {
  const cols = new Set((await session.query(`DESCRIBE SELECT * FROM (${query}) q`)).map((r) => String(r.column_name)));
  for (const need of ['rid', 'message']) {
    if (!cols.has(need)) throw new Error(`replay: rule ${rule.id}: its query returns no ${need} column`);
  }
  const opt = (c: string) => (cols.has(c) ? `q.${c}` : 'NULL');
  const sql = `
    SELECT q.message, ${opt('rule_id')} AS q_rule_id, ${opt('rule')} AS q_rule,
           ${cols.has('extra') ? 'to_json(q.extra)::VARCHAR' : 'NULL'} AS q_extra, ${FINDING_COLUMNS}
    FROM (${query}) q JOIN rule_events h ON h.rid = q.rid`;
  return (await session.query(sql)).map((row) => toFinding(
    rule, row, (row.message as string | null) ?? rule.title,
    (row.q_rule_id as string | null) ?? undefined, (row.q_rule as string | null) ?? undefined,
    row.q_extra === null ? null : JSON.parse(row.q_extra as string) as Record<string, unknown>,
  ));
}

/**
 * Runs `rules` over `rule_events` (defined in `session`, with the `gaps`
 * view). `onRule` is called after each rule (or batch) for progress.
 */
export async function replayRules(session: DuckSession, rules: CompiledRule[], opts: ReplayOptions = {}): Promise<ReplayResult> {
  const { onRule } = opts;
  await session.query(RULE_GAPS_SQL);
  for (const stmt of IP_MACROS_SQL) await session.query(stmt);
  await session.query(createIocTableSql());
  if (rules.some((r) => JSON.stringify(r.match).includes('hs_cidr_contains'))) {
    for (const stmt of CIDR_LOOKUP_SQL) await session.query(stmt);
  }
  const runs = new Map<CompiledRule, RuleRun>(rules.map((r) => [r, { rule: r, findings: 0, error: null }]));
  const findings: Finding[] = [];
  const record = (rule: CompiledRule, list: Finding[]) => {
    runs.get(rule)!.findings += list.length;
    findings.push(...list);
  };
  // Every rule's setup first: an IOC list's table is read by native rules too.
  for (const rule of rules) {
    try {
      for (const stmt of rule.setup ?? []) await session.query(stmt);
    } catch (err) {
      runs.get(rule)!.error = `setup: ${errorText(err)}`;
    }
  }
  // Native conditions are SQL by the rule's author: bind them first, so an error names its file:line:column.
  for (const rule of rules) {
    if (rule.source !== 'native' || runs.get(rule)!.error !== null) continue;
    const bad = await validateNativeRuleSql(session, rule);
    if (bad !== null) runs.get(rule)!.error = bad.reason;
  }
  const where = rules.filter((r) => 'where' in r.match && runs.get(r)!.error === null);
  // Rules that can match the same kinds share scans of just those rows.
  const groups = new Map<string, { kinds: string[] | null; rules: CompiledRule[] }>();
  for (const rule of where) {
    const kinds = opts.ignoreKinds || rule.kinds === undefined ? null : rule.kinds;
    const key = kinds === null ? '*' : kinds.join(',');
    const g = groups.get(key) ?? { kinds, rules: [] };
    g.rules.push(rule);
    groups.set(key, g);
  }
  let done = 0;
  for (const { kinds, rules: group } of groups.values()) {
    for (let i = 0; i < group.length; i += BATCH) {
      const batch = group.slice(i, i + BATCH);
      try {
        for (const [idx, list] of await runWhereBatch(session, batch, kinds)) record(batch[idx]!, list);
      } catch {
        for (const rule of batch) {
          try {
            for (const list of (await runWhereBatch(session, [rule], kinds)).values()) record(rule, list);
          } catch (err) {
            runs.get(rule)!.error = errorText(err);
          }
        }
      }
      done += batch.length;
      onRule?.(done, rules.length);
    }
  }
  for (const rule of rules) {
    if (!('query' in rule.match) || runs.get(rule)!.error !== null) continue;
    try {
      record(rule, await runQueryRule(session, rule, rule.match.query));
    } catch (err) {
      runs.get(rule)!.error = errorText(err);
    }
    onRule?.(++done, rules.length);
  }
  findings.sort((a, b) => (a.timeNs < b.timeNs ? -1 : a.timeNs > b.timeNs ? 1 : 0)
    || a.rule.localeCompare(b.rule) || Number((a.event.rid as bigint) - (b.event.rid as bigint)));
  return { findings, runs: [...runs.values()] };
}
