/**
 * `rule_events` for tests: over real recordings (openRuleEvents), or a
 * hand-made table for compiler tests: every column of the
 * contract (formats/rule-events.md), typed as there, with the given rows
 * (unset columns are NULL). Values go through sqlString / numeric literals.
 */
import { defineProcessesView } from '../../src/analyze/processes.js';
import { openRecording } from '../../src/analyze/recording.js';
import { defineRuleEvents } from '../../src/analyze/rule-events.js';
import { DuckSession } from '../../src/analyze/session.js';
import { defineViews } from '../../src/analyze/views.js';
import { RULE_EVENT_COLUMNS, type RuleEventColumn } from '../../src/analyze/rule-event-columns.js';
import { sqlString } from '../../src/analyze/sql.js';

export type RuleEventRow = Partial<Record<RuleEventColumn, string | number | bigint | boolean | null | string[] | number[]>>;

function literal(value: unknown, type: string): string {
  if (value === null || value === undefined) return `NULL::${type}`;
  if (Array.isArray(value)) {
    const inner = type.replace(/\[\]$/, '');
    return `[${value.map((v) => literal(v, inner)).join(', ')}]::${type}`;
  }
  if (typeof value === 'string') {
    if (type === 'TIMESTAMP_NS') return `TIMESTAMP_NS ${sqlString(value)}`;
    return `${sqlString(value)}::${type}`;
  }
  return `${String(value)}::${type}`;
}

/** Create (or replace) `rule_events` holding `rows`; `rid` defaults to the row's index + 1. */
export async function createRuleEvents(session: DuckSession, rows: RuleEventRow[]): Promise<void> {
  const defs = RULE_EVENT_COLUMNS.map(([n, t]) => `"${n}" ${t}`).join(', ');
  await session.query(`CREATE OR REPLACE TABLE rule_events (${defs})`);
  for (const [i, row] of rows.entries()) {
    const values = RULE_EVENT_COLUMNS.map(([n, t]) => literal(n === 'rid' ? row.rid ?? i + 1 : row[n], t));
    await session.query(`INSERT INTO rule_events VALUES (${values.join(', ')})`);
  }
}

/** A session over real recordings with `events`, `processes` and `rule_events` defined (as `hindsight replay` does). */
export async function openRuleEvents(paths: string[]): Promise<DuckSession> {
  const s = await DuckSession.open();
  const rec = await openRecording(s, paths);
  await defineViews(s, rec);
  await defineProcessesView(s);
  await defineRuleEvents(s, rec);
  return s;
}
