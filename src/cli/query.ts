/**
 * `hindsight query REC... "SQL"` and `hindsight query REC... --named area/name
 * [--param k=v]...`: runs SQL over the views of formats/views.md and prints
 * the result as a table fitted to the terminal, JSON Lines, CSV, or writes
 * Parquet. `--list-named` lists the shipped named queries.
 */
import { Command, Option } from 'commander';
import { listNamedQueries, loadNamedQuery } from '../analyze/named-queries.js';
import type { SqlColumn, SqlParams, SqlRow } from '../analyze/session.js';
import { sqlString } from '../analyze/sql.js';
import { csvLine, jsonLine, renderTable } from './output.js';
import { checkPartial, openForCommand, windowOptions } from './recording-args.js';
import { sinkFor } from './sink.js';
import { UsageError } from './units.js';

interface QueryOptions {
  format: 'table' | 'json' | 'csv' | 'parquet';
  out?: string;
  named?: string;
  param: string[];
  listNamed?: boolean;
  since?: string;
  until?: string;
}

/** Terminal width for tables: the tty's columns, else 120. */
export function terminalWidth(): number {
  return process.stdout.isTTY && process.stdout.columns ? process.stdout.columns : 120;
}

/** DuckDB's error text from a session error (its cause), which keeps "LINE 1:" and the caret. */
function sqlError(err: unknown, what: string): Error {
  const cause = err instanceof Error && err.message.startsWith('session: ') && err.cause !== undefined ? err.cause : err;
  return new Error(`query: ${what}`, { cause });
}

function parseParams(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param: expected name=value, got ${JSON.stringify(p)}`);
    out[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return out;
}

async function runQuery(args: string[], opts: QueryOptions): Promise<void> {
  if (opts.listNamed) {
    for (const id of listNamedQueries()) {
      const q = loadNamedQuery(id);
      process.stdout.write(`${id}\n  params: ${q.params.length === 0 ? 'none' : q.params.join(', ')}\n  returns: ${q.returns}\n`);
    }
    return;
  }
  let sql: string;
  let params: SqlParams | undefined;
  let paths: string[];
  let what: string;
  if (opts.named !== undefined) {
    const q = loadNamedQuery(opts.named);
    const given = parseParams(opts.param);
    for (const p of q.params) if (!(p in given)) throw new UsageError(`--named ${q.id} needs --param ${p}=VALUE`);
    for (const p of Object.keys(given)) if (!q.params.includes(p)) throw new UsageError(`--named ${q.id} has no parameter ${p} (it takes: ${q.params.join(', ') || 'none'})`);
    sql = q.sql;
    params = q.params.length === 0 ? undefined : given;
    paths = args;
    what = `named query ${q.id}`;
  } else {
    if (args.length < 2) throw new UsageError('query: give one or more recordings and then the SQL (or --named area/name)');
    if (opts.param.length > 0) throw new UsageError('--param only goes with --named');
    sql = args.at(-1)!;
    paths = args.slice(0, -1);
    what = 'SQL error';
  }
  if (paths.length === 0) throw new UsageError('query: no recording given');
  if (opts.format === 'parquet' && opts.out === undefined) throw new UsageError('--format parquet needs --out FILE');
  const { session, rec } = await openForCommand(paths, opts);
  try {
    const body = sql.trim().replace(/;\s*$/, '');
    if (opts.format === 'parquet') {
      try {
        if (params === undefined) {
          await session.query(`COPY (${body}) TO ${sqlString(opts.out!)} (FORMAT parquet, COMPRESSION zstd)`);
        } else {
          await session.query(`CREATE TEMP TABLE query_result AS ${body}`, params);
          await session.query(`COPY query_result TO ${sqlString(opts.out!)} (FORMAT parquet, COMPRESSION zstd)`);
        }
      } catch (err) {
        throw sqlError(err, what);
      }
    } else {
      await printResult(session.stream(body, params), opts.format, what);
    }
  } finally {
    session.close();
  }
  checkPartial(rec);
}

async function printResult(chunks: AsyncGenerator<{ columns: SqlColumn[]; rows: SqlRow[] }>, format: QueryOptions['format'], what: string): Promise<void> {
  let columns: SqlColumn[] = [];
  const tableRows: SqlRow[] = [];
  let first = true;
  const out = sinkFor(undefined);
  const it = chunks[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<{ columns: SqlColumn[]; rows: SqlRow[] }>;
    try {
      next = await it.next();
    } catch (err) {
      throw sqlError(err, what);
    }
    if (next.done) break;
    columns = next.value.columns;
    if (format === 'csv' && first) await out.write(`${columns.map((c) => c.name).join(',')}\n`);
    first = false;
    if (format === 'table') tableRows.push(...next.value.rows);
    else await out.write(next.value.rows.map((r) => (format === 'csv' ? csvLine(columns, r) : jsonLine(columns, r))).join(''));
  }
  if (format === 'table') {
    await out.write(renderTable(columns, tableRows, terminalWidth()));
    await out.write(`(${tableRows.length} row${tableRows.length === 1 ? '' : 's'})\n`);
  }
}

/** Adds `query` to the CLI. */
export function registerQueryCommand(cli: Command): void {
  windowOptions(cli.command('query')
    .description('run SQL over recordings (views: formats/views.md), or a named query from queries/')
    .argument('[args...]', 'recordings (folders, host folders, segments, globs), then the SQL unless --named')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json', 'csv', 'parquet']).default('table'))
    .option('-o, --out <file>', 'output file (required for --format parquet)')
    .option('-n, --named <area/name>', 'run a named query instead of SQL')
    .option('-p, --param <name=value>', 'a named query parameter (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--list-named', 'list the named queries with their parameters'))
    .action(async (args: string[], opts: QueryOptions) => {
      await runQuery(args, opts);
    });
}
