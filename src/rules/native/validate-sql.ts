/**
 * validateNativeRuleSql: asks DuckDB whether a native rule's SQL means
 * something, without running it. Each condition is bound on its own
 * (`DESCRIBE SELECT (<condition>) FROM rule_events`: the columns, functions
 * and types must resolve and the result must be BOOLEAN), and a DuckDB error
 * is mapped from its `LINE n:` and caret back to the rule file's
 * line:column; then the whole compiled rule is planned with EXPLAIN. Needs
 * `rule_events` (and, for rules using them, the IP/IOC macros and the
 * `ioc_indicators` table) to exist in the session, as the replay runner has.
 */
import type { DuckSession } from '../../analyze/session.js';
import type { CompiledRule, SkippedRule, SourcePosition } from '../types.js';
import { nativeRuleOf } from './compile.js';
import type { NativeRule, SqlText } from './parse.js';

/** DuckDB's own message from an error thrown by DuckSession.query (its cause). */
function duckMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause !== undefined) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}

/** The message without its `LINE n:` excerpt, on one line. */
function headline(message: string): string {
  return message.split(/\n\s*\nLINE \d+:/)[0]!.split('\n').map((l) => l.trim()).filter((l) => l !== '').join(' ');
}

/**
 * Where in `query` DuckDB's error points: 1-based line and 0-based column,
 * from `LINE n: <excerpt>` and the caret under it (an excerpt of a long line
 * starts with `...`: it is found in the line to place the caret).
 */
export function errorLocation(message: string, query: string): { line: number; column: number } | null {
  const m = /\nLINE (\d+): (.*)\n( *)\^/.exec(message);
  if (m === null) return null;
  const line = Number(m[1]);
  const prefix = `LINE ${m[1]}: `.length;
  let excerpt = m[2]!;
  let caret = m[3]!.length - prefix;
  const text = query.split('\n')[line - 1] ?? '';
  let start = 0;
  if (excerpt.startsWith('...')) {
    excerpt = excerpt.slice(3);
    caret -= 3;
    const body = excerpt.endsWith('...') ? excerpt.slice(0, -3) : excerpt;
    start = Math.max(0, text.indexOf(body));
  }
  return { line, column: Math.max(0, start + caret) };
}

function problem(rule: NativeRule | CompiledRule, position: SourcePosition, message: string): SkippedRule {
  return {
    source: 'native', id: rule.id, title: rule.title, position: rule.position, status: 'error',
    reason: `${position.file}:${position.line}:${position.column}: ${message}`,
  };
}

/** Binds one condition; null when it is a BOOLEAN expression over rule_events. */
async function checkCondition(session: DuckSession, rule: NativeRule, cond: SqlText): Promise<SkippedRule | null> {
  const head = 'DESCRIBE SELECT (';
  const query = `${head}\n${cond.text}\n) AS hs_condition FROM rule_events`;
  let rows;
  try {
    rows = await session.query(query);
  } catch (err) {
    const message = duckMessage(err);
    const loc = errorLocation(message, query);
    let position = cond.position;
    if (loc !== null && loc.line >= 2 && loc.line <= cond.text.split('\n').length + 1) {
      const lines = cond.text.split('\n');
      const offset = lines.slice(0, loc.line - 2).reduce((n, l) => n + l.length + 1, 0) + Math.min(loc.column, lines[loc.line - 2]!.length);
      position = cond.at(offset);
    }
    return problem(rule, position, `condition: ${headline(message)}`);
  }
  const type = String(rows[0]?.column_type ?? '');
  if (type !== 'BOOLEAN') return problem(rule, cond.position, `condition is ${type}, not BOOLEAN`);
  return null;
}

/**
 * Checks a native rule's SQL in `session` without running it.
 * `rule` is the CompiledRule returned by compileNativeFiles (the same object;
 * conditions are then pinpointed) or any CompiledRule (then only the whole
 * query is planned, and errors point at the rule).
 * @returns null when DuckDB accepts it, else the rule skipped with status
 *   `error` and the reason at its file:line:column.
 */
export async function validateNativeRuleSql(session: DuckSession, rule: CompiledRule): Promise<SkippedRule | null> {
  const native = nativeRuleOf(rule);
  if (native !== undefined) {
    for (const cond of native.conditions) {
      const bad = await checkCondition(session, native, cond);
      if (bad !== null) return bad;
    }
  }
  const query = 'where' in rule.match
    ? `EXPLAIN SELECT rid, ${rule.message} AS message FROM rule_events WHERE coalesce((${rule.match.where}), false)`
    : `EXPLAIN ${rule.match.query}`;
  try {
    await session.query(query);
  } catch (err) {
    return problem(rule, rule.position, `rule SQL: ${headline(duckMessage(err))}`);
  }
  return null;
}
