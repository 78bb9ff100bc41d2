/**
 * Message templates of native rules: text with `{column}` placeholders naming
 * columns of `rule_events` (formats/rule-events.md), `{{` and `}}` for
 * literal braces. Compiled to a SQL VARCHAR expression over one row: the
 * text through sqlString, each column cast to VARCHAR (`<NA>` when null, as
 * Falco prints a missing field).
 */
import { RULE_EVENT_COLUMNS } from '../../analyze/rule-event-columns.js';
import { sqlIdentifier, sqlString } from '../../analyze/sql.js';

const COLUMNS: ReadonlySet<string> = new Set(RULE_EVENT_COLUMNS.map(([name]) => name));

/** A template problem: offset into the template and what. */
export interface TemplateError {
  offset: number;
  message: string;
}

/** The SQL expression rendering `template`, or the first problem in it. */
export function compileTemplate(template: string): { sql: string } | { error: TemplateError } {
  const nul = template.indexOf('\0');
  if (nul >= 0) return { error: { offset: nul, message: 'NUL byte in message' } };
  const parts: string[] = [];
  let text = '';
  let i = 0;
  while (i < template.length) {
    const c = template[i]!;
    if ((c === '{' || c === '}') && template[i + 1] === c) { text += c; i += 2; continue; }
    if (c === '}') return { error: { offset: i, message: "unmatched '}' in message (write '}}' for a literal brace)" } };
    if (c !== '{') { text += c; i++; continue; }
    const end = template.indexOf('}', i);
    if (end < 0) return { error: { offset: i, message: "unclosed '{' in message (write '{{' for a literal brace)" } };
    const name = template.slice(i + 1, end).trim();
    if (!COLUMNS.has(name)) return { error: { offset: i + 1, message: `{${name}} in message is not a rule_events column` } };
    if (text !== '') parts.push(sqlString(text));
    text = '';
    parts.push(`coalesce(CAST(${sqlIdentifier(name)} AS VARCHAR), ${sqlString('<NA>')})`);
    i = end + 1;
  }
  if (text !== '' || parts.length === 0) parts.push(sqlString(text));
  return { sql: parts.length === 1 ? parts[0]! : `(${parts.join(' || ')})` };
}

/** Whether `name` is a column of `rule_events`. */
export function isRuleEventColumn(name: string): boolean {
  return COLUMNS.has(name);
}
