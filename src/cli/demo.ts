/**
 * `hindsight demo`: records the scripted activity (src/cli/activity.ts) with
 * a real `hindsight record` child process, stops it with SIGINT, and prints
 * what the segments hold about that activity, read back through DuckDB.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadNamedQuery, runNamedQuery } from '../analyze/named-queries.js';
import { defineProcessesView } from '../analyze/processes.js';
import { defineEventsView, findSegments, openRecording } from '../analyze/recording.js';
import { defineRuleEvents } from '../analyze/rule-events.js';
import { defineViews } from '../analyze/views.js';
import { replayRules } from '../rules/replay.js';
import { isoTime } from './output.js';
import { loadRules } from './replay.js';
import { DuckSession, type SqlRow } from '../analyze/session.js';
import { runActivity, type ActivityReport } from './activity.js';

export interface DemoOptions {
  out: string;
  print: (text: string) => void;
}

const MAIN = new URL('./main.js', import.meta.url).pathname;

/** Starts `hindsight record` and resolves once it printed its ready line. */
export function startRecorder(args: string[]): Promise<{ child: ChildProcess; readyLine: string; stderr: () => string }> {
  const child = spawn(process.execPath, [MAIN, 'record', '--no-status', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  return new Promise((resolvePromise, reject) => {
    const onData = (d: Buffer) => {
      stdout += d.toString();
      const line = stdout.split('\n').find((l) => l.includes('ready:'));
      if (line !== undefined) {
        child.stdout!.off('data', onData);
        resolvePromise({ child, readyLine: line, stderr: () => stderr });
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`demo: recorder exited with ${code} before it was ready: ${stderr.trim()}`)));
  });
}

/** Sends SIGINT and waits for a clean exit. */
export function stopRecorder(child: ChildProcess): Promise<number> {
  return new Promise((resolvePromise) => {
    child.once('exit', (code) => resolvePromise(code ?? -1));
    child.kill('SIGINT');
  });
}

function fmt(v: unknown, max = 100): string {
  if (v === null || v === undefined) return '';
  const text = Array.isArray(v) ? v.map((a) => (/[\s"]/.test(String(a)) ? JSON.stringify(a) : String(a))).join(' ') : String(v);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Rows worth showing: the activity's own actions, not its helpers' plumbing (PATH lookups, pyenv shims). */
function isInteresting(r: SqlRow, a: ActivityReport): boolean {
  const inDir = (v: unknown) => typeof v === 'string' && v.startsWith(a.dir);
  switch (r.kind) {
    case 'open': return inDir(r.path);
    case 'exec_fail': return String(r.filename).includes('hindsight');
    case 'tcp_state': return false;
    case 'fork': case 'exit': return Number(r.depth) <= 1;
    case 'exec': return Number(r.depth) <= 1;
    default: return true;
  }
}

function describe(r: SqlRow): string {
  const pad = '  '.repeat(Number(r.depth ?? 0));
  switch (r.kind) {
    case 'exec': return `${pad}exec     ${fmt(r.exe)}  argv: ${fmt(r.argv)}${r.script ? `  script: ${fmt(r.script)}` : ''}  sha256: ${String(r.exe_sha256 ?? r.exe_hash_status).slice(0, 16)}`;
    case 'exec_fail': return `${pad}exec ✗   ${fmt(r.filename)}  ${fmt(r.error)}`;
    case 'fork': return `${pad}fork     pid ${fmt(r.pid)} -> ${fmt(r.child_pid)}`;
    case 'exit': return `${pad}exit     pid ${fmt(r.pid)} code ${fmt(r.exit_code ?? `signal ${fmt(r.exit_signal)}`)}`;
    case 'connect': case 'accept': case 'bind': case 'listen':
      return `${pad}${String(r.kind).padEnd(8)} ${fmt(r.protocol)} ${fmt(r.saddr)}:${fmt(r.sport)} -> ${fmt(r.daddr)}:${fmt(r.dport)} ${fmt(r.error) || 'ok'}`;
    case 'dns': return `${pad}dns      ${fmt(r.dns_query)} ${fmt(r.dns_qtype)} -> ${fmt(r.daddr)}:${fmt(r.dport)}`;
    case 'tcp_state': return `${pad}tcp      ${fmt(r.tcp_old_state)} -> ${fmt(r.tcp_new_state)} ${fmt(r.daddr)}:${fmt(r.dport)}`;
    default:
      return `${pad}${String(r.kind).padEnd(8)} ${fmt(r.path)}${r.path2 ? ` -> ${fmt(r.path2)}` : ''}  ${fmt(r.error) || 'ok'}`;
  }
}

/** Finds the activity shell's process key in the recording. */
async function shellKey(session: DuckSession, a: ActivityReport): Promise<string | null> {
  const rows = await session.query(
    `SELECT child_key FROM events WHERE kind = 'fork' AND child_pid = $pid AND NOT is_thread ORDER BY seq DESC LIMIT 1`,
    { pid: a.shellPid },
  );
  return (rows[0]?.child_key as string | undefined) ?? null;
}

/** Runs the demo. */
const PUBLIC_RULES = new URL('../../fixtures/rules/public', import.meta.url).pathname;
const NATIVE_RULES = new URL('../../queries/rules', import.meta.url).pathname;

/** Replays the public Falco and Sigma rules and the native rules; prints the findings on the activity's tree. */
async function printRuleFindings(out: string, rootKey: string, print: (text: string) => void): Promise<void> {
  const { set } = loadRules([PUBLIC_RULES, NATIVE_RULES], []);
  const session = await DuckSession.open();
  try {
    const rec = await openRecording(session, [out]);
    await defineViews(session, rec);
    await defineProcessesView(session);
    await defineRuleEvents(session, rec);
    const { findings } = await replayRules(session, set.compiled);
    const mine = findings.filter((f) => f.procKey === rootKey || f.ancestry.some((a) => a.key === rootKey));
    print(`\nRules replayed over the recording (${set.compiled.length} public Falco and Sigma rules and native rules that can run here;`
      + ` \`hindsight rules ${PUBLIC_RULES}\` says why the others cannot): ${findings.length} finding(s) on the host, ${mine.length} on the activity's tree:\n`);
    for (const f of mine) {
      const text = f.message.startsWith(f.rule) ? f.message : `${f.rule}: ${f.message}`;
      print(`  ${isoTime(f.timeNs / 1_000_000n, 3)}  ${f.severity.padEnd(13)} ${f.source.padEnd(6)} ${text.replace(/\s+/g, ' ').slice(0, 160)}\n`);
    }
  } finally {
    session.close();
  }
}

export async function runDemo(o: DemoOptions): Promise<void> {
  const out = resolve(o.out);
  mkdirSync(out, { recursive: true, mode: 0o700 });
  o.print(`Recording to ${out} ...\n`);
  const { child, readyLine } = await startRecorder(['--out', out, '--rotate', '5m']);
  o.print(`${readyLine}\n`);
  let activity: ActivityReport;
  try {
    activity = await runActivity();
  } finally {
    await new Promise((r) => setTimeout(r, 300));
    const code = await stopRecorder(child);
    if (code !== 0) throw new Error(`demo: recorder exited with ${code}`);
  }
  o.print(`Scripted activity ran as pid ${activity.shellPid} in ${activity.dir} (exit ${activity.exitCode}).\n\n`);

  const session = await DuckSession.open();
  try {
    await defineEventsView(session, findSegments([out]));
    const kinds = await runNamedQuery(session, loadNamedQuery('demo/summarize-kinds'), {});
    o.print('Events in the recording (whole host, all runs):\n');
    for (const k of kinds) o.print(`  ${String(k.kind).padEnd(10)} ${String(k.events).padStart(8)}\n`);
    const key = await shellKey(session, activity);
    if (key === null) throw new Error(`demo: the activity shell (pid ${activity.shellPid}) is not in the recording`);
    const rows = await runNamedQuery(session, loadNamedQuery('lineage/list-descendant-events'), { root_key: key });
    o.print(`\nWhat the activity's process tree did (${rows.length} events, root ${key}; PATH lookups and deeper helpers hidden):\n`);
    for (const r of rows) if (isInteresting(r, activity)) o.print(`${describe(r)}\n`);
    await printRuleFindings(out, key, o.print);
    o.print('\nThe segments are plain Parquet; with any DuckDB, e.g.:\n');
    o.print(`  SELECT kind, count(*) FROM read_parquet('${out}/host=*/date=*/*.parquet') GROUP BY ALL;\n`);
  } finally {
    session.close();
  }
}
