/**
 * Test helpers: run the real `hindsight record` (dist build) as a child
 * process and read what it wrote through DuckDB.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineEventsView, findSegments } from '../../src/analyze/recording.js';
import { DuckSession, type SqlRow } from '../../src/analyze/session.js';
import { readManifest, type ManifestEntry } from '../../src/record/manifest.js';

export const MAIN = new URL('../../dist/cli/main.js', import.meta.url).pathname;

export interface RunningRecorder {
  child: ChildProcess;
  out: string;
  hostDir: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number>;
}

/** A fresh output directory. */
export function freshDir(prefix = 'hs-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Starts a recorder into `out` and waits for its ready line (or its exit). */
export async function startRecorder(out: string, args: string[] = []): Promise<RunningRecorder> {
  const child = spawn(process.execPath, [MAIN, 'record', '--no-status', '--out', out, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<number>((resolve) => child.once('exit', (code, sig) => resolve(code ?? (sig ? 128 : -1))));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (stdout.includes('ready:')) { clearInterval(timer); resolve(); }
    }, 20);
    void exited.then((code) => {
      clearInterval(timer);
      if (!stdout.includes('ready:')) reject(new Error(`recorder exited ${code} before ready: ${stderr}`));
    });
  });
  const m = /recording to (\S+)/.exec(stdout);
  return { child, out, hostDir: m![1]!, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Lets the recorder drain, then stops it with SIGINT; resolves with its exit code. */
export async function stopRecorder(r: RunningRecorder, settleMs = 300): Promise<number> {
  await new Promise((res) => setTimeout(res, settleMs));
  r.child.kill('SIGINT');
  return r.exited;
}

/** Opens the segments under `paths` in a new session with the `events` view. */
export async function openEvents(paths: string[]): Promise<DuckSession> {
  const s = await DuckSession.open();
  await defineEventsView(s, findSegments(paths));
  return s;
}

/** Reads a host dir's manifest entries. */
export function manifestOf(hostDir: string): ManifestEntry[] {
  return readManifest(join(hostDir, 'manifest.jsonl')).entries;
}

/** Process keys of `rootKey` and all its descendants (fork lineage). */
export async function treeKeys(s: DuckSession, rootKey: string): Promise<string[]> {
  const rows = await s.query(`
    WITH RECURSIVE tree(key) AS (
      SELECT $root::VARCHAR
      UNION
      SELECT f.child_key FROM events f JOIN tree t ON f.proc_key = t.key WHERE f.kind = 'fork' AND NOT f.is_thread
    ) SELECT key FROM tree`, { root: rootKey });
  return rows.map((r) => String(r.key));
}

/** The key of the process forked with pid `pid` (the newest such fork). */
export async function keyOfForkedPid(s: DuckSession, pid: number): Promise<string> {
  const rows = await s.query(`SELECT child_key FROM events WHERE kind = 'fork' AND child_pid = $pid AND NOT is_thread ORDER BY seq DESC LIMIT 1`, { pid });
  if (rows.length === 0) throw new Error(`no fork of pid ${pid} in the recording`);
  return String(rows[0]!.child_key);
}

export type { SqlRow };
