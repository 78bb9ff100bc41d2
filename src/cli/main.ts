#!/usr/bin/env node
/**
 * The hindsight command line: parses argv, runs a command, prints, exits.
 * The only module (with its command files) that prints or calls process.exit;
 * exit codes come from exit-codes.ts.
 */
import { Command, Option } from 'commander';
import { exitCodeFor, EXIT, formatError } from './exit-codes.js';
import { defaultHost, RECORD_DEFAULTS, runRecord } from './record.js';
import { runDemo } from './demo.js';
import { parseDuration, parseSize } from './units.js';
import { registerQueryCommand } from './query.js';
import { registerInfoCommand } from './info.js';
import { registerVerifyCommand } from './verify.js';
import { registerExportCommand } from './export.js';
import { registerTreeCommand } from './tree.js';
import { registerReplayCommand } from './replay.js';

function stopOnSignals(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals) => resolve(`signal ${sig}`);
    process.once('SIGINT', on);
    process.once('SIGTERM', on);
    process.once('SIGHUP', on);
  });
}

function program(): Command {
  const cli = new Command('hindsight')
    .description('A forensic flight recorder for Linux hosts')
    .showHelpAfterError()
    .exitOverride();

  cli.command('record')
    .description('capture process, file and network events into ZSTD Parquet segments (as root)')
    .requiredOption('-o, --out <dir>', 'recording directory (segments go to DIR/host=<name>/date=<day>/)')
    .option('-d, --duration <time>', 'stop after this long (e.g. 30s, 5m); default: until SIGINT/SIGTERM')
    .option('--rotate <time>', 'close a segment after this long', '60s')
    .option('--max-size <size>', 'keep at most this many bytes of segments, deleting the oldest (e.g. 1G)')
    .option('--segment-size <size>', 'close a segment at this size', '256M')
    .option('--argv-max <bytes>', 'bytes of argv recorded per exec', String(RECORD_DEFAULTS.argvMax))
    .option('--ring-size <size>', 'BPF ring buffer size (power of two)', '64M')
    .option('--ignore-read-prefix <path...>', 'do not record read-only opens under these prefixes (up to 8)')
    .option('--host <name>', 'host name for the layout', defaultHost())
    .addOption(new Option('--zstd-level <n>', 'ZSTD level').default(String(RECORD_DEFAULTS.zstdLevel)).hideHelp())
    .option('--no-status', 'no live status line even on a terminal')
    .action(async (opts: Record<string, string | string[] | boolean | undefined>) => {
      const isTty = process.stderr.isTTY === true && opts.status !== false;
      const result = await runRecord({
        out: String(opts.out),
        durationMs: opts.duration === undefined ? null : parseDuration('--duration', String(opts.duration)),
        rotateMs: parseDuration('--rotate', String(opts.rotate)),
        maxSizeBytes: opts.maxSize === undefined ? null : parseSize('--max-size', String(opts.maxSize)),
        segmentMaxBytes: parseSize('--segment-size', String(opts.segmentSize)),
        argvMax: parseSize('--argv-max', String(opts.argvMax)),
        ringSizeBytes: parseSize('--ring-size', String(opts.ringSize)),
        ignoreReadPrefixes: (opts.ignoreReadPrefix as string[] | undefined) ?? [],
        host: String(opts.host),
        zstdLevel: Number(opts.zstdLevel),
        rowGroupRows: RECORD_DEFAULTS.rowGroupRows,
        statusLine: isTty,
        log: (line) => {
          if (isTty) process.stderr.write('\r\x1b[K');
          process.stderr.write(`hindsight: ${line}\n`);
        },
        status: (line) => process.stderr.write(`\r\x1b[K${line}`),
        onReady: ({ dir, pid, attached, failed }) => {
          process.stdout.write(`hindsight: ready: recording to ${dir} (pid ${pid}, ${attached} hooks`
            + `${failed.length > 0 ? `, ${failed.length} missing` : ''})\n`);
        },
        stopSignal: stopOnSignals(),
      });
      if (isTty) process.stderr.write('\r\x1b[K');
      process.stdout.write(`hindsight: recorded ${result.events} events (${result.lost} lost) in ${result.segments} segments under ${result.dir}\n`);
    });

  cli.command('demo')
    .description('record a short scripted demo and show what was captured')
    .option('-o, --out <dir>', 'where to keep the demo recording', 'recordings/demo')
    .action(async (opts: { out: string }) => {
      await runDemo({ out: opts.out, print: (s) => process.stdout.write(s) });
    });

  registerQueryCommand(cli);
  registerInfoCommand(cli);
  registerVerifyCommand(cli);
  registerExportCommand(cli);
  registerTreeCommand(cli);
  registerReplayCommand(cli);

  return cli;
}

async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return EXIT.OK;
  } catch (err) {
    const code = exitCodeFor(err);
    if (code === EXIT.OK) return code;
    const msg = formatError(err);
    if (msg !== '') process.stderr.write(`hindsight: ${msg}\n`);
    return code;
  }
}

process.exit(await main(process.argv));
