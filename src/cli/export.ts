/**
 * `hindsight export REC... --to jsonl|csv|timesketch [--out FILE]`: streams
 * the events to stdout or a file, the lines built by DuckDB
 * (src/analyze/export.ts) chunk by chunk, never the whole result in memory.
 * Timesketch lines hold `message`, `datetime` (ISO 8601, UTC, µs: Timesketch's
 * resolution; `ktime_ns` keeps the kernel's ns), `timestamp` (µs since the
 * epoch), `timestamp_desc`, and the event's non-null columns as attributes.
 */
import { Command, Option } from 'commander';
import { exportText, type ExportFormat } from '../analyze/export.js';
import { checkPartial, openForCommand, windowOptions } from './recording-args.js';
import { sinkFor } from './sink.js';

async function runExport(paths: string[], opts: { to: ExportFormat; out?: string; since?: string; until?: string }): Promise<void> {
  const { session, rec } = await openForCommand(paths, opts);
  const sink = sinkFor(opts.out);
  try {
    for await (const text of exportText(session, opts.to)) await sink.write(text);
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
