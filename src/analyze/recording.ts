/**
 * Opens recordings in a DuckDB session: finds the segment files behind the
 * paths a user gives (recording folders, host folders, single segments or
 * globs) and defines the `events` view over them.
 *
 * Only finished segments (`*.parquet`) are read; files still being written
 * (`*.parquet.tmp`) are never matched. Paths are passed to DuckDB as quoted
 * literals (sqlString), never spliced raw.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DuckSession } from './session.js';
import { sqlString } from './sql.js';

/** Finds segment files under each path (a folder is searched recursively). */
export function findSegments(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.endsWith('.parquet')) out.push(p);
    }
  };
  for (const raw of paths) {
    const p = resolve(raw);
    let st;
    try {
      st = statSync(p);
    } catch (cause) {
      throw new Error(`recording: cannot open ${raw}`, { cause });
    }
    if (st.isDirectory()) walk(p);
    else out.push(p);
  }
  return [...new Set(out)].sort();
}

/** Defines the `events` view over `segments`; throws when there are none. */
export async function defineEventsView(session: DuckSession, segments: string[]): Promise<void> {
  if (segments.length === 0) throw new Error('recording: no segments (*.parquet) found');
  const list = segments.map(sqlString).join(', ');
  await session.query(`CREATE OR REPLACE VIEW events AS SELECT * FROM read_parquet([${list}], union_by_name = true)`);
}
