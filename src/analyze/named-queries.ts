/**
 * Named queries: one SQL file per query under queries/<area>/<verb>-<noun>.sql,
 * starting with header comments:
 *
 *   -- params: name (type, what it is), ...     (or "none")
 *   -- returns: what one row is
 *
 * Parameters are bound by DuckDB as `$name` (prepared, never spliced).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckSession, SqlRow } from './session.js';
import type { DuckDBValue } from '@duckdb/node-api';

/** The shipped queries folder. */
export const QUERIES_DIR = new URL('../../queries/', import.meta.url).pathname;

export interface NamedQuery {
  /** area/name */
  id: string;
  sql: string;
  params: string[];
  returns: string;
}

/** Loads queries/<id>.sql and parses its header. */
export function loadNamedQuery(id: string, dir = QUERIES_DIR): NamedQuery {
  if (!/^[a-z0-9-]+\/[a-z0-9-]+$/.test(id)) throw new Error(`query: bad name ${JSON.stringify(id)}: expected area/verb-noun`);
  let sql: string;
  try {
    sql = readFileSync(join(dir, `${id}.sql`), 'utf8');
  } catch (cause) {
    throw new Error(`query: no named query ${id} in ${dir}`, { cause });
  }
  const paramsLine = /^-- params:(.*)$/m.exec(sql);
  const returnsLine = /^-- returns:(.*)$/m.exec(sql);
  if (!paramsLine || !returnsLine) throw new Error(`query: ${id}.sql lacks the '-- params:' and '-- returns:' header lines`);
  const params = paramsLine[1]!.trim() === 'none' ? [] : [...paramsLine[1]!.matchAll(/([a-z_][a-z0-9_]*)\s*\(/g)].map((m) => m[1]!);
  return { id, sql, params, returns: returnsLine[1]!.trim() };
}

/** Lists the ids of the shipped named queries. */
export function listNamedQueries(dir = QUERIES_DIR): string[] {
  const out: string[] = [];
  for (const area of readdirSync(dir, { withFileTypes: true })) {
    if (!area.isDirectory()) continue;
    for (const f of readdirSync(join(dir, area.name))) if (f.endsWith('.sql')) out.push(`${area.name}/${f.slice(0, -4)}`);
  }
  return out.sort();
}

/** Runs a named query with its parameters; a missing or unknown parameter is an error naming it. */
export async function runNamedQuery(session: DuckSession, q: NamedQuery, params: Record<string, DuckDBValue>): Promise<SqlRow[]> {
  for (const p of q.params) if (!(p in params)) throw new Error(`query: ${q.id} needs parameter ${p}`);
  for (const p of Object.keys(params)) if (!q.params.includes(p)) throw new Error(`query: ${q.id} has no parameter ${p} (it takes: ${q.params.join(', ') || 'none'})`);
  return session.query(q.sql, q.params.length === 0 ? undefined : params);
}
