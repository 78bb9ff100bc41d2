/**
 * A Falco output template (`Shell spawned | user=%user.name cmd=%proc.cmdline`)
 * to a SQL VARCHAR expression over the matched row: literal text through
 * sqlString, each `%field` (with an optional `[arg]`) rendered as Falco
 * prints it: numbers in decimal, booleans `true`/`false`, and `<NA>` for a
 * value that is not present or a field the recording does not hold.
 * Filter-only fields (`fd.ip`, `fd.net`, ...) also render `<NA>`.
 */
import { sqlString } from '../../analyze/sql.js';
import { resolveField, type FieldContext, type FieldResolution } from './fields.js';
import { EVT_TYPE_SQL } from './render-sql.js';

const FIELD = /%([a-zA-Z][a-zA-Z0-9_]*(?:\.[a-zA-Z0-9_]+)+)(?:\[([^\]]*)\])?/g;
const NA = sqlString('<NA>');

/** The SQL of `template`'s rendering for a rule whose recorded event types are `ctx.eventTypes`. */
export function compileOutput(template: string, ctx: FieldContext): string {
  const parts: string[] = [];
  let last = 0;
  for (const m of template.matchAll(FIELD)) {
    if (m.index! > last) parts.push(sqlString(template.slice(last, m.index)));
    const r = resolveField({ kind: 'field', name: m[1]!, arg: m[2], pos: { file: '', line: 0, column: 0 } }, ctx);
    const sql = renderSql(r);
    parts.push(sql === null ? NA : `coalesce(${sql}, ${NA})`);
    last = m.index! + m[0].length;
  }
  if (last < template.length) parts.push(sqlString(template.slice(last)));
  if (parts.length === 0) return sqlString('');
  return parts.length === 1 ? parts[0]! : `concat(${parts.join(', ')})`;
}

/** A VARCHAR expression rendering the field, or null when it always renders `<NA>`. */
function renderSql(r: FieldResolution): string | null {
  switch (r.kind) {
    case 'scalar':
      if (r.render !== undefined) return r.render;
      if (r.type === 'net' || r.sql.startsWith('NULL::')) return null;
      if (r.type === 'bool') return `(CASE WHEN ${r.sql} THEN ${sqlString('true')} WHEN NOT ${r.sql} THEN ${sqlString('false')} END)`;
      return r.type === 'string' || r.type === 'ip' ? r.sql : `CAST(${r.sql} AS VARCHAR)`;
    case 'any':
      return `CAST(${r.list}[1] AS VARCHAR)`;
    case 'const':
      return sqlString(r.value);
    case 'evttype':
      return EVT_TYPE_SQL;
    default:
      return null;
  }
}
