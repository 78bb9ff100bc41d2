/**
 * `hindsight export REC... --to jsonl|csv|timesketch [--out FILE]`: streams
 * the events (chunk by chunk from DuckDB, never the whole result in memory)
 * to stdout or a file. Timesketch lines hold `message`, `datetime` (ISO 8601,
 * UTC, µs: Timesketch's resolution; `ktime_ns` keeps the kernel's ns), `timestamp` (µs since the epoch), `timestamp_desc`, and the
 * event's non-null columns as attributes.
 */
import { Command, Option } from 'commander';
import { exportSql, type ExportFormat } from '../analyze/export.js';
import type { SqlColumn, SqlRow } from '../analyze/session.js';
import { csvLine, isoTime, jsonValue } from './output.js';
import { checkPartial, openForCommand, windowOptions } from './recording-args.js';
import { sinkFor } from './sink.js';

/** One line of Timesketch JSONL: required fields first, then the non-null columns. */
export function timesketchLine(columns: SqlColumn[], row: SqlRow): string {
  const t = row.time as bigint;
  const parts = [
    `"message":${jsonValue(row.message ?? null, 'VARCHAR')}`,
    `"datetime":${JSON.stringify(isoTime(t / 1000n, 6))}`,
    `"timestamp":${(t / 1000n).toString()}`,
    `"timestamp_desc":${jsonValue(row.timestamp_desc ?? null, 'VARCHAR')}`,
  ];
  for (const c of columns) {
    if (c.name === 'message' || c.name === 'timestamp_desc' || c.name === 'time') continue;
    const v = row[c.name];
    if (v !== null && v !== undefined) parts.push(`${JSON.stringify(c.name)}:${jsonValue(v, c.type)}`);
  }
  return `{${parts.join(',')}}\n`;
}

/** A JSON Lines record of the non-null columns. */
function jsonlLine(columns: SqlColumn[], row: SqlRow): string {
  const parts: string[] = [];
  for (const c of columns) {
    const v = row[c.name];
    if (v !== null && v !== undefined) parts.push(`${JSON.stringify(c.name)}:${jsonValue(v, c.type)}`);
  }
  return `{${parts.join(',')}}\n`;
}

async function runExport(paths: string[], opts: { to: ExportFormat; out?: string; since?: string; until?: string }): Promise<void> {
  const { session, rec } = await openForCommand(paths, opts);
  const sink = sinkFor(opts.out);
  try {
    let header = opts.to === 'csv';
    for await (const chunk of session.stream(exportSql(opts.to))) {
      const { columns, rows } = chunk;
      if (header) {
        await sink.write(`${columns.map((c) => c.name).join(',')}\n`);
        header = false;
      }
      const line = opts.to === 'csv' ? csvLine : opts.to === 'timesketch' ? timesketchLine : jsonlLine;
      await sink.write(rows.map((r) => line(columns, r)).join(''));
    }
  } finally {
    await sink.close();
    session.close();
  }
  checkPartial(rec);
}

/** Adds `export` to the CLI. */
export function registerExportCommand(cli: Command): void {
  windowOptions(cli.command('export')
    .description('write every event as JSON Lines, CSV or Timesketch JSONL, in time order')
    .argument('<recordings...>', 'recording folders, host folders, segments or globs')
    .addOption(new Option('--to <format>', 'output format').choices(['jsonl', 'csv', 'timesketch']).makeOptionMandatory())
    .option('-o, --out <file>', 'write to this file (mode 0600) instead of stdout'))
    .action(async (paths: string[], opts: { to: ExportFormat; out?: string; since?: string; until?: string }) => {
      await runExport(paths, opts);
    });
}
