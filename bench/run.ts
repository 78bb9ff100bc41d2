/**
 * End-to-end benchmark of `hindsight record` (run as root): four workloads, each
 * run in alternating unrecorded/recorded pairs, reporting the wall-time ratio,
 * recorder CPU per event, captured vs generated events, losses and bytes per
 * event. Prints a table and writes bench/RESULTS.md (full runs only, unless
 * --results is given).
 *
 *   npm run bench                          # 5 pairs per workload, full sizes
 *   npm run bench -- --quick               # 2 pairs, small sizes (smoke run)
 *   node --import tsx bench/run.ts [--runs N] [--quick] [--only W1,W3] [--results FILE] [--keep]
 *
 * Expects dist/ and build/hindsight.bpf.o (bash .ci/setup); compiles the C
 * workloads in bench/workloads/ into build/bench/ with gcc.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckSession } from '../src/analyze/session.js';
import { countWorkload, readManifestTotals } from './lib/recording.js';
import { startRecorder, stopRecorder } from './lib/recorder.js';
import {
  machineInfo, machineLine, resultsMarkdown, summarize, summaryTable, type RunRecord, type WorkloadResult,
} from './lib/report.js';
import { buildWorkloads, FULL_SIZES, QUICK_SIZES, runInvocation, workloads, type Workload } from './lib/workloads.js';

const ROOT = new URL('../', import.meta.url).pathname;

interface Options { runs: number; quick: boolean; only: string[] | null; results: string | null; keep: boolean }

function parseArgs(argv: string[]): Options {
  const o: Options = { runs: 5, quick: false, only: null, results: null, keep: false };
  let runsGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`bench: ${a} needs a value`);
      return v;
    };
    if (a === '--runs') { o.runs = Number(value()); runsGiven = true; if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error(`bench: --runs: not a positive integer: ${o.runs}`); }
    else if (a === '--quick') o.quick = true;
    else if (a === '--only') o.only = value().toUpperCase().split(',');
    else if (a === '--results') o.results = value();
    else if (a === '--keep') o.keep = true;
    else throw new Error(`bench: unknown argument ${a} (known: --runs N, --quick, --only W1,W2, --results FILE, --keep)`);
  }
  if (o.quick && !runsGiven) o.runs = 2;
  if (o.results === null && !o.quick) o.results = join(ROOT, 'bench/RESULTS.md');
  return o;
}

/** hindsight recorders loaded on the host (their handle_exec programs), from bpftool. */
function loadedRecorders(): number {
  try {
    const progs = JSON.parse(execFileSync('bpftool', ['prog', 'show', '-j'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as { name?: string }[];
    return progs.filter((p) => p.name === 'handle_exec').length;
  } catch {
    return 0;
  }
}

/** Newest modification time (ms) under dist/ and of the BPF object: what the recorder runs. */
function buildStamp(): number {
  let newest = statSync(join(ROOT, 'build/hindsight.bpf.o')).mtimeMs;
  for (const e of readdirSync(join(ROOT, 'dist'), { recursive: true, withFileTypes: true })) {
    if (e.isFile()) newest = Math.max(newest, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return newest;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

async function recordedRun(w: Workload, pair: number, workDir: string, session: DuckSession, keep: boolean): Promise<RunRecord> {
  const out = join(workDir, `rec-${w.id}-${pair}`);
  mkdirSync(out);
  const rec = await startRecorder(out);
  let run: { wallS: number; pid: number };
  const foreign = Math.max(0, loadedRecorders() - 1);
  try {
    run = await runInvocation(w.invocation());
    await sleep(500);
  } catch (err) {
    process.kill(rec.pid, 'SIGINT');
    throw err;
  }
  const stopped = await stopRecorder(rec);
  const m = readManifestTotals(rec.hostDir);
  const c = await countWorkload(session, rec.hostDir, process.pid, run.pid, w.countSql, w.countParams());
  if (!keep) rmSync(out, { recursive: true, force: true });
  return {
    pair, recorded: true, wallS: run.wallS, foreignRecorders: foreign,
    rec: {
      events: stopped.events, recorderLost: stopped.lost, manifestLost: m.lost, lossRows: c.lossRows,
      rows: m.rows, sizeBytes: m.sizeBytes, segments: m.segments,
      cpuAtReadyS: stopped.cpuAtReadyS, cpuBeforeStopS: stopped.cpuBeforeStopS, cpuTotalS: stopped.cpuTotalS,
      maxRssKb: stopped.maxRssKb, stopS: stopped.stopS, counts: c.counts, rootFound: c.rootFound,
    },
  };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) throw new Error('bench: run as root (the recorder loads BPF programs)');
  for (const f of ['dist/cli/main.js', 'build/hindsight.bpf.o']) {
    if (!existsSync(join(ROOT, f))) throw new Error(`bench: ${f} is missing: run bash .ci/setup first`);
  }
  if (!existsSync('/usr/bin/time')) throw new Error('bench: /usr/bin/time (GNU time) is missing: apt-get install time');
  const started = performance.now();
  const stampAtStart = buildStamp();
  const machine = machineInfo();
  log(machineLine(machine));
  buildWorkloads();
  const sizes = o.quick ? QUICK_SIZES : FULL_SIZES;
  const chosen = workloads(sizes).filter((w) => o.only === null || o.only.includes(w.id));
  // Warm-ups (caches, page cache of gcc) use the small sizes: they are not measured.
  const warmups = new Map(workloads(QUICK_SIZES).map((w) => [w.id, w]));
  const workDir = mkdtempSync(join(tmpdir(), 'hs-bench-'));
  mkdirSync(join(workDir, 'warm'));
  const session = await DuckSession.open();
  const results: WorkloadResult[] = [];
  try {
    for (const w of chosen) {
      w.prepare(workDir);
      log(`${w.id} ${w.title}: warm-up`);
      const warm = warmups.get(w.id)!;
      warm.prepare(join(workDir, 'warm'));
      warm.reset();
      await runInvocation(warm.invocation());
      const runs: RunRecord[] = [];
      for (let pair = 1; pair <= o.runs; pair++) {
        w.reset();
        const foreign = loadedRecorders();
        const un = await runInvocation(w.invocation());
        runs.push({ pair, recorded: false, wallS: un.wallS, foreignRecorders: foreign });
        w.reset();
        const re = await recordedRun(w, pair, workDir, session, o.keep);
        runs.push(re);
        const r = re.rec!;
        log(`${w.id} pair ${pair}: unrecorded ${un.wallS.toFixed(3)} s, recorded ${re.wallS.toFixed(3)} s `
          + `(${(re.wallS / un.wallS).toFixed(3)}x); ${r.events} events, ${r.recorderLost} lost; `
          + `${Object.entries(r.counts).map(([k, v]) => `${k} ${v}`).join(', ')}`);
      }
      results.push({ workload: w, runs });
    }
  } finally {
    session.close();
    if (!o.keep) rmSync(workDir, { recursive: true, force: true });
    else log(`kept recordings under ${workDir}`);
  }
  const sums = results.map(summarize);
  const stampAtEnd = buildStamp();
  const rebuilt = stampAtEnd !== stampAtStart
    ? `dist/ or the BPF object changed during the run (newest file ${new Date(stampAtStart).toISOString()} at start, `
      + `${new Date(stampAtEnd).toISOString()} at end): runs after that time measured a different build`
    : null;
  if (rebuilt !== null) log(`warning: ${rebuilt}`);
  const elapsedS = (performance.now() - started) / 1000;
  process.stdout.write(`\n${machineLine(machine)}\n\n${summaryTable(sums)}\n\n`);
  if (o.results !== null) {
    const command = `node --import tsx bench/run.ts ${process.argv.slice(2).join(' ')}`.trim();
    writeFileSync(o.results, resultsMarkdown(machine, command, sums, results, elapsedS, rebuilt));
    log(`wrote ${o.results} (${(elapsedS / 60).toFixed(1)} min)`);
  }
}

main().catch((err: unknown) => {
  const chain: string[] = [];
  for (let e: unknown = err; e !== undefined && e !== null; e = (e as { cause?: unknown }).cause) {
    chain.push(e instanceof Error ? e.message : String(e));
  }
  process.stderr.write(`${chain.join(': ')}\n`);
  process.exit(1);
});
