/**
 * `hindsight tree REC... [--pid N | --key K | --exe PATH] [--at TIME]
 * [--ancestors | --descendants] [--depth N] [--format text|json]`: the process tree of a
 * recording, built from the `processes` table (src/analyze/processes.ts) and
 * drawn by src/lineage/render.ts.
 *
 * With a selector, the tree holds the matching processes (each instance of a
 * reused pid, with its key), their ancestors and, unless --ancestors, their
 * descendants (--descendants: no ancestors); the matches are marked '*'. --at keeps the processes alive at
 * that moment, each under its nearest alive ancestor. Parents are original
 * parents (the forking process); a reparented process says `now under [ppid]`.
 * Exit codes (exit-codes.ts): 0; 1 when no process matches or the recording
 * cannot be read; 2 for a bad option value.
 */
import type { Command } from 'commander';
import { defineEventsView, findSegments } from '../analyze/recording.js';
import { DuckSession } from '../analyze/session.js';
import { defineProcessesView, findProcesses } from '../analyze/processes.js';
import { sqlString } from '../analyze/sql.js';
import { aliveAt, buildForest, processNodeFromRow, selectAround, type ProcessNode } from '../lineage/tree.js';
import { formatTime, renderTree, treeToJson } from '../lineage/render.js';
import { UsageError } from './units.js';

export interface TreeOptions {
  recordings: string[];
  pid?: number;
  key?: string;
  exe?: string;
  /** ns since the epoch (UTC). */
  atNs?: bigint;
  ancestors: boolean;
  /** With a selector: the matches and their descendants, no ancestors. */
  descendants?: boolean;
  depth?: number;
  format: 'text' | 'json';
  width: number;
  keys: boolean;
  print: (text: string) => void;
}

/** The columns the tree reads from `processes`. */
const COLUMNS = `key, parent_key, last_parent_key, pid, ppid, start_time, end_time, exit_code, exit_signal, exe, argv,
  exe_chain, "user", ancestry_keys, depth, uncertain, uncertain_reason`;

/** A moment: ISO 8601 in UTC unless it says otherwise (`2025-11-21T07:15:03.123456789Z`, `2025-11-21 07:15:03`) or integer ns since the epoch. */
export function parseTimeNs(option: string, value: string): bigint {
  if (/^\d{10,}$/.test(value)) return BigInt(value);
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/.exec(value.trim());
  if (m === null) throw new UsageError(`${option}: expected an ISO 8601 time (2025-11-21T07:15:03.5Z) or ns since the epoch, got ${JSON.stringify(value)}`);
  const ms = Date.parse(`${m[1]}T${m[2]!.length === 5 ? `${m[2]}:00` : m[2]}${m[4] ?? 'Z'}`);
  if (Number.isNaN(ms)) throw new UsageError(`${option}: not a valid time: ${JSON.stringify(value)}`);
  return BigInt(ms) * 1_000_000n + BigInt((m[3] ?? '').padEnd(9, '0'));
}

function parseCount(option: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`${option}: expected a non-negative integer, got ${JSON.stringify(value)}`);
  return Number(value);
}

/**
 * Runs the command.
 * @throws Error `tree: no process matches ...` (exit code 1) when a selector matches nothing.
 */
export async function runTree(o: TreeOptions): Promise<void> {
  const session = await DuckSession.open();
  try {
    await defineEventsView(session, findSegments(o.recordings));
    await defineProcessesView(session);
    const selector = o.pid !== undefined || o.key !== undefined || o.exe !== undefined;
    let rows;
    let matched: string[] = [];
    if (selector) {
      matched = await findProcesses(session, { pid: o.pid, key: o.key, exe: o.exe });
      if (matched.length === 0) {
        const what = o.pid !== undefined ? `--pid ${o.pid}` : o.key !== undefined ? `--key ${o.key}` : `--exe ${o.exe}`;
        throw new Error(`tree: no process matches ${what}`);
      }
      const keys = `[${matched.map(sqlString).join(', ')}]::VARCHAR[]`;
      rows = await session.query(`
        SELECT ${COLUMNS} FROM processes
        WHERE list_contains(${keys}, key)
           OR list_has_any(${keys}, ancestry_keys)
           OR key IN (SELECT unnest(ancestry_keys) FROM processes WHERE list_contains(${keys}, key))`);
    } else {
      rows = await session.query(`SELECT ${COLUMNS} FROM processes`);
    }
    let procs: ProcessNode[] = rows.map(processNodeFromRow);
    if (selector) procs = selectAround(procs, matched, { ancestorsOnly: o.ancestors });
    if (selector && o.descendants === true) {
      const keys = new Set(matched);
      procs = procs.filter((p) => keys.has(p.key) || p.ancestryKeys.some((a) => keys.has(a)));
    }
    const roots = o.atNs !== undefined ? aliveAt(procs, o.atNs) : buildForest(procs);
    if (o.format === 'json') {
      o.print(`${JSON.stringify(treeToJson(roots, o.depth), null, 2)}\n`);
      return;
    }
    const head: string[] = [];
    if (selector && matched.length > 1) head.push(`${matched.length} processes match: ${matched.join(', ')}`);
    if (o.atNs !== undefined) head.push(`alive at ${formatTime(o.atNs)}`);
    const lines = renderTree(roots, { width: o.width, maxDepth: o.depth, showKeys: o.keys, marked: new Set(matched) });
    o.print([...head, ...lines].map((l) => `${l}\n`).join(''));
  } finally {
    session.close();
  }
}

/** Registers `tree` on the program. */
export function registerTreeCommand(cli: Command): void {
  cli.command('tree')
    .description('process tree of recordings: ancestors and descendants of a process, or the tree alive at a moment')
    .argument('<recording...>', 'recording folders, host folders, segments')
    .option('--pid <n>', 'processes with this pid (every instance when the pid was reused)')
    .option('--key <key>', 'the process with this key')
    .option('--exe <path>', 'processes that ran this executable')
    .option('--at <time>', 'only processes alive at this moment (ISO 8601, UTC unless stated, or ns since the epoch)')
    .option('--ancestors', 'with a selector: ancestors only, no descendants')
    .option('--descendants', 'with a selector: descendants only, no ancestors')
    .option('--depth <n>', 'levels shown below the roots')
    .option('--format <format>', 'text or json', 'text')
    .option('--width <n>', 'cut lines to this width (default: the terminal width; 0 = no limit)')
    .option('--keys', 'show every process key')
    .action(async (recordings: string[], opts: Record<string, string | boolean | undefined>) => {
      const format = String(opts.format);
      if (format !== 'text' && format !== 'json') throw new UsageError(`--format: expected text or json, got ${JSON.stringify(format)}`);
      const given = ['pid', 'key', 'exe'].filter((k) => opts[k] !== undefined);
      if (given.length > 1) throw new UsageError(`tree: give one of --pid, --key, --exe (got ${given.map((g) => `--${g}`).join(', ')})`);
      if (opts.ancestors === true && given.length === 0) throw new UsageError('--ancestors: needs --pid, --key or --exe');
      if (opts.descendants === true && given.length === 0) throw new UsageError('--descendants: needs --pid, --key or --exe');
      if (opts.ancestors === true && opts.descendants === true) throw new UsageError('tree: --ancestors and --descendants exclude each other');
      const width = opts.width !== undefined ? parseCount('--width', String(opts.width))
        : process.stdout.isTTY === true ? process.stdout.columns : Number(process.env.COLUMNS ?? 0) || 0;
      await runTree({
        recordings,
        pid: opts.pid === undefined ? undefined : parseCount('--pid', String(opts.pid)),
        key: opts.key === undefined ? undefined : String(opts.key),
        exe: opts.exe === undefined ? undefined : String(opts.exe),
        atNs: opts.at === undefined ? undefined : parseTimeNs('--at', String(opts.at)),
        ancestors: opts.ancestors === true,
        descendants: opts.descendants === true,
        depth: opts.depth === undefined ? undefined : parseCount('--depth', String(opts.depth)),
        format,
        width,
        keys: opts.keys === true,
        print: (text) => process.stdout.write(text),
      });
    });
}
