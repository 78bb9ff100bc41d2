/**
 * Native rules (formats/native-rules.md) -> SQL over `rule_events`.
 *
 * - plain: the condition as a `where` expression.
 * - sequence: one finding per event of the last step that completes a chain
 *   step 1 -> ... -> step N (each at or after the previous, by time then rid;
 *   all within `within` of step 1; every step in `scope` of step 1's actor;
 *   `by` columns equal to step 1's). Of the chains ending at one event, the
 *   one with the latest step 1 is reported. Joins are equi-joins: on the
 *   scope key (a step's actor and each of its ancestors, for `tree`) and on a
 *   time bucket of `within` (a step can only lie in step 1's bucket or the
 *   next), so the cost follows the matches, not their product.
 * - threshold: per group, the events matching the condition are counted over
 *   a sliding window (`[t - window, t]`); one finding each time the count
 *   rises to `count` (a burst), at the event that reached it.
 *
 * The condition text is the rule author's SQL, trusted like a query; it is
 * pasted on lines of its own so a trailing `--` comment cannot swallow ours.
 * Every value hindsight adds (template text, durations) goes through sqlString,
 * every column name through sqlIdentifier.
 */
import { sqlIdentifier, sqlString } from '../../analyze/sql.js';
import type { CompileResult, CompiledRule, SkippedRule } from '../types.js';
import { type NativeRule, parseNativeFile } from './parse.js';

/** The parsed rule behind each compiled rule, for validateNativeRuleSql. */
const origins = new WeakMap<CompiledRule, NativeRule>();

/** The NativeRule a CompiledRule was made from (same object identity), if any. */
export function nativeRuleOf(rule: CompiledRule): NativeRule | undefined {
  return origins.get(rule);
}

/** A condition as a boolean that is false (not null) when the SQL yields null. */
function truth(cond: string): string {
  return `coalesce((\n${cond}\n), false)`;
}

/** Columns `cols` selected as hs_<prefix><i>. */
function aliased(cols: string[], prefix: string): string {
  return cols.map((c, i) => `, ${sqlIdentifier(c)} AS hs_${prefix}${i}`).join('');
}

/** The final SELECT: the reported event's row, its message, and `extra` (a STRUCT over the joined CTEs). */
function report(rule: NativeRule, from: string, extra: string, ridExpr: string): string {
  return `SELECT rid, ${rule.message.sql} AS message, hs_extra AS extra FROM (
  SELECT e.*, ${extra} AS hs_extra
  FROM ${from} JOIN rule_events e ON e.rid = ${ridExpr}
) ORDER BY time, rid`;
}

function sequenceSql(rule: NativeRule): string {
  const { withinNs, within, scope, by } = rule.sequence!;
  const w = withinNs.toString();
  const k = rule.conditions.length;
  const firstKey = scope === 'host' ? 'host' : 'proc_key';
  const laterKey = scope === 'tree' ? 'unnest(list_prepend(proc_key, coalesce(anc_keys, [])))' : firstKey;
  const ctes = rule.conditions.map((cond, i) => {
    const n = i + 1;
    if (n === 1) {
      return `hs_s1 AS (
  SELECT rid, time, epoch_ns(time) AS ts, epoch_ns(time) // ${w} AS bucket, ${firstKey} AS sk${aliased(by, 'by')}
  FROM rule_events WHERE ${truth(cond.text)}
)`;
    }
    // Each row twice: its bucket and the one before, since step 1 lies in one of them.
    return `hs_s${n} AS (
  SELECT rid, time, ts, sk${by.map((_, j) => `, hs_by${j}`).join('')}, unnest([bucket, bucket - 1]) AS bucket
  FROM (SELECT rid, time, epoch_ns(time) AS ts, epoch_ns(time) // ${w} AS bucket, ${laterKey} AS sk${aliased(by, 'by')}
        FROM rule_events WHERE ${truth(cond.text)})
)`;
  });
  const joins = rule.conditions.slice(1).map((_, i) => {
    const n = i + 2;
    const prev = `s${n - 1}`;
    const cur = `s${n}`;
    const eq = by.map((_, j) => ` AND ${cur}.hs_by${j} = s1.hs_by${j}`).join('');
    return `JOIN hs_s${n} ${cur} ON ${cur}.sk = s1.sk AND ${cur}.bucket = s1.bucket${eq}
  AND ${cur}.ts <= s1.ts + ${w} AND (${cur}.ts > ${prev}.ts OR (${cur}.ts = ${prev}.ts AND ${cur}.rid > ${prev}.rid))`;
  });
  const cols = rule.conditions.map((_, i) => `s${i + 1}.rid AS r${i + 1}, s${i + 1}.time AS t${i + 1}, s${i + 1}.ts AS n${i + 1}`).join(', ');
  const order = rule.conditions.slice(0, -1).map((_, i) => `n${i + 1} DESC, r${i + 1} DESC`).join(', ');
  const earlier = rule.conditions.slice(0, -1).map((_, i) => i + 1);
  const extra = `{'earlier_rids': [${earlier.map((i) => `b.r${i}`).join(', ')}], 'earlier_times': [${earlier.map((i) => `b.t${i}`).join(', ')}], `
    + `'within': ${sqlString(within)}, 'scope': ${sqlString(scope)}}`;
  return `WITH ${ctes.join(',\n')},
hs_chain AS (
  SELECT ${cols}
  FROM hs_s1 s1
  ${joins.join('\n  ')}
),
hs_best AS (
  SELECT * FROM hs_chain QUALIFY row_number() OVER (PARTITION BY r${k} ORDER BY ${order}) = 1
)
${report(rule, 'hs_best b', extra, `b.r${k}`)}`;
}

function thresholdSql(rule: NativeRule): string {
  const { windowNs, window, count, groupBy, distinct } = rule.threshold!;
  const w = windowNs.toString();
  const groups = groupBy.map((_, i) => `hs_g${i}`);
  const partition = groups.length > 0 ? `PARTITION BY ${groups.join(', ')} ` : '';
  const counted = distinct === undefined ? 'count(*)' : 'count(DISTINCT hs_d)';
  const sameGroup = groups.map((g) => ` AND m.${g} IS NOT DISTINCT FROM x.${g}`).join('');
  const group = groupBy.length > 0 ? `'group': {${groupBy.map((c, i) => `${sqlString(c)}: x.hs_g${i}`).join(', ')}}, ` : '';
  const extra = `{'count': x.hs_n, 'window': ${sqlString(window)}, ${group}'window_start': r.hs_start, 'rids': r.hs_rids}`;
  return `WITH hs_m AS (
  SELECT rid, time, epoch_ns(time) AS ts${aliased(groupBy, 'g')}${distinct === undefined ? '' : `, ${sqlIdentifier(distinct)} AS hs_d`}
  FROM rule_events WHERE ${truth(rule.conditions[0]!.text)}
),
hs_w AS (
  SELECT *, ${counted} OVER (${partition}ORDER BY ts RANGE BETWEEN ${w} PRECEDING AND CURRENT ROW) AS hs_n FROM hs_m
),
hs_x AS (
  SELECT * FROM (SELECT *, lag(hs_n) OVER (${partition}ORDER BY ts, rid) AS hs_prev FROM hs_w)
  WHERE hs_n >= ${count} AND coalesce(hs_prev, 0) < ${count}
),
hs_r AS (
  SELECT x.rid, min(m.time) AS hs_start, list(m.rid ORDER BY m.ts, m.rid)[1:20] AS hs_rids
  FROM hs_x x JOIN hs_m m ON m.ts BETWEEN x.ts - ${w} AND x.ts${sameGroup}
  GROUP BY x.rid
)
${report(rule, 'hs_x x JOIN hs_r r ON r.rid = x.rid', extra, 'x.rid')}`;
}

/** One validated rule -> its CompiledRule. */
export function compileNativeRule(rule: NativeRule): CompiledRule {
  const match = rule.kind === 'plain' ? { where: `(\n${rule.conditions[0]!.text}\n)` }
    : { query: rule.kind === 'sequence' ? sequenceSql(rule) : thresholdSql(rule) };
  const compiled: CompiledRule = {
    source: 'native',
    id: rule.id,
    title: rule.title,
    severity: rule.severity,
    tags: rule.tags,
    position: rule.position,
    match,
    message: rule.message.sql,
  };
  if (rule.author !== undefined) compiled.author = rule.author;
  if (rule.conditions.some((c) => /\bhs_ioc_|\bioc_indicators\b/i.test(c.text))) {
    compiled.notes = ['reads ioc_indicators: finds nothing unless IOC lists are loaded'];
  }
  origins.set(compiled, rule);
  return compiled;
}

/**
 * Compiles native rule files. A rule with an error is skipped with its
 * file:line:column; an id defined twice keeps the first.
 * @throws RuleFileError when a file is not YAML or a document is not a mapping.
 */
export function compileNativeFiles(files: { path: string; text: string }[]): CompileResult {
  const out: CompileResult = { compiled: [], skipped: [] };
  const ids = new Map<string, string>();
  for (const file of files) {
    const { rules, skipped } = parseNativeFile(file);
    out.skipped.push(...skipped);
    for (const rule of rules) {
      const first = ids.get(rule.id);
      if (first !== undefined) {
        const p = rule.position;
        const dup: SkippedRule = { source: 'native', id: rule.id, title: rule.title, position: p, status: 'error',
          reason: `${p.file}:${p.line}:${p.column}: duplicate id ${rule.id} (first defined at ${first})` };
        out.skipped.push(dup);
        continue;
      }
      ids.set(rule.id, `${rule.position.file}:${rule.position.line}:${rule.position.column}`);
      out.compiled.push(compileNativeRule(rule));
    }
  }
  return out;
}

