/**
 * CLI snapshot files: the command, its output (stdout then stderr) and exit
 * code, stored under test/cli/__snapshots__/<name>.txt. `UPDATE_SNAPSHOTS=1`
 * rewrites them; review the diff.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAIN } from './recording.js';

export const REPO = new URL('../../', import.meta.url).pathname;
const DIR = new URL('../cli/__snapshots__/', import.meta.url).pathname;

export interface CliRun { command: string; stdout: string; stderr: string; code: number }

/** Runs `hindsight args...` from the repository root (not a TTY: tables are 120 wide). */
export function runCli(args: string[], replace: [string, string][] = []): CliRun {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: REPO, encoding: 'utf8', env: { ...process.env, COLUMNS: '' } });
  const clean = (s: string) => replace.reduce((acc, [from, to]) => acc.split(from).join(to), s);
  const shown = args.map((a) => (/^[\w./=:,-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(' ');
  return { command: clean(`hindsight ${shown}`), stdout: clean(r.stdout), stderr: clean(r.stderr), code: r.status ?? -1 };
}

/** The snapshot text of a run. */
export function snapshotText(run: CliRun): string {
  return `$ ${run.command}\n--- stdout\n${run.stdout}--- stderr\n${run.stderr}--- exit code: ${run.code}\n`;
}

/** Compares `run` with the stored snapshot `name` (rewriting it under UPDATE_SNAPSHOTS=1); returns [got, want]. */
export function matchSnapshot(name: string, run: CliRun): [string, string] {
  const file = join(DIR, `${name}.txt`);
  const got = snapshotText(run);
  if (!existsSync(file) && process.env.UPDATE_SNAPSHOTS !== '1') return [got, `(no snapshot ${file}: run with UPDATE_SNAPSHOTS=1)`];
  if (process.env.UPDATE_SNAPSHOTS === '1') {
    mkdirSync(DIR, { recursive: true });
    writeFileSync(file, got);
    return [got, got];
  }
  return [got, readFileSync(file, 'utf8')];
}
