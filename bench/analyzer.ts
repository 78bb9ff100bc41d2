/**
 * Analyzer benchmark (issue 3, "Benchmark"): over a synthetic recording of
 * 100M events and about 1M processes on 4 hosts (bench/lib/synthetic-recording.ts,
 * written through the real SegmentWriter and RecordingStore), times what an
 * analyst does first and records wall time and peak memory of each step:
 *
 * - `hindsight info` (CLI, over the glob `REC/host=*`);
 * - a count by kind and the top 20 executables (CLI end to end, and the query
 *   alone in an open session);
 * - building the `processes` table (src/analyze/processes.ts, defineProcessesView);
 * - the ancestry of one process at the greatest depth (straight from `events`
 *   with processAncestry, and from the built table);
 * - `hindsight export --to jsonl` of a --since/--until window holding about 1M rows.
 *
 *   npx tsc -p tsconfig.json        # the CLI runs from dist/
 *   node --import tsx bench/analyzer.ts [--events 100000000] [--quick] [--no-write]
 *        [--max-rss-gib 12] [--step-timeout-s 1200] [--export-rows 1000000] [--no-capped]
 *
 * --quick uses 10M events. Every step runs in its own child process, so each
 * peak RSS is that step's alone: CLI steps through /usr/bin/time (maximum
 * resident set size), library steps report their own VmHWM, and a watchdog
 * kills a step whose RSS passes --max-rss-gib or that runs past
 * --step-timeout-s (the step is then reported as killed). The recording is
 * cached under /var/tmp (see synthetic-recording.ts) and read from the page
 * cache: these are warm-cache numbers.
 *
 * Results go to bench/RESULTS-analyzer.md, section "Analyzer (<N> events)";
 * other sections of that file (e.g. "Lineage", bench/lineage.ts) are kept.
 */
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineInfo, median, type Machine } from './lib/report.js';
import { defaultOptions, ensureSyntheticRecording, type SyntheticRecording } from './lib/synthetic-recording.js';
import { openRecording } from '../src/analyze/recording.js';
import { DuckSession } from '../src/analyze/session.js';
import { defineViews } from '../src/analyze/views.js';
import { defineProcessesView, processAncestry } from '../src/analyze/processes.js';
import { summarizeRecording } from '../src/analyze/info.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const CLI = join(ROOT, 'dist/cli/main.js');
const RESULTS = join(ROOT, 'bench/RESULTS-analyzer.md');

const COUNT_BY_KIND = 'SELECT kind, count(*) AS n FROM events GROUP BY kind ORDER BY n DESC';
const TOP_EXES = "SELECT exe, count(*) AS execs FROM exec WHERE kind = 'exec' GROUP BY exe ORDER BY execs DESC, exe LIMIT 20";

/** Where the memory-capped processes build may spill. */
const SPILL_DIR = '/var/tmp/hindsight-bench-spill';

const GIB = 2 ** 30;

// ---------------------------------------------------------------- arguments

function parseArgs(argv: string[]): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`analyzer bench: unexpected argument: ${a}`);
    const next = argv[i + 1];
    args.set(a.slice(2), next !== undefined && !next.startsWith('--') ? (i++, next) : '');
  }
  return args;
}

// ---------------------------------------------------------------- probes (child side)

/** What a library probe reports on stdout (one JSON line). */
interface ProbeReport {
  openS: number;
  runsS: number[];
  peakRssBytes: number;
  facts: Record<string, string | number>;
}

function vmHwmBytes(pid: number | 'self' = 'self'): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? 0 : Number(m[1]) * 1024;
  } catch {
    return 0;
  }
}

async function timed<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const v = await f();
  return [(performance.now() - t) / 1000, v];
}

/** Runs one library step in this (child) process: open the recording, then the step. */
async function runProbe(name: string, rec: string, key: string): Promise<ProbeReport> {
  const session = await DuckSession.open();
  try {
    const [findS, opened] = await timed(() => openRecording(session, [rec]));
    const [viewsS] = await timed(() => defineViews(session, opened));
    const openS = findS + viewsS;
    const runsS: number[] = [];
    const facts: Record<string, string | number> = { openRecordingS: findS, defineViewsS: viewsS };
    if (name === 'count-by-kind' || name === 'top-exes') {
      const sql = name === 'count-by-kind' ? COUNT_BY_KIND : TOP_EXES;
      for (let i = 0; i < 3; i++) {
        const [s, rows] = await timed(() => session.query(sql));
        runsS.push(s);
        facts.rows = rows.length;
        if (name === 'count-by-kind') facts.events = String(rows.reduce((a, r) => a + (r.n as bigint), 0n));
        else facts.top = `${String(rows[0]?.exe)} (${String(rows[0]?.execs)})`;
      }
    } else if (name === 'ancestry') {
      for (let i = 0; i < 3; i++) {
        const [s, anc] = await timed(() => processAncestry(session, key));
        runsS.push(s);
        facts.depth = anc.length;
      }
    } else if (name === 'info') {
      // summarizeRecording (src/analyze/info.ts) as `info` runs it, then counting every row instead (its reference)
      const [s, summary] = await timed(() => summarizeRecording(session, opened));
      runsS.push(s);
      facts.fromManifest = summary.countedFrom.manifest;
      facts.fromRows = summary.countedFrom.rows;
      facts.events = String(summary.countsByKind.reduce((a, k) => a + k.events, 0n));
      const [scanS] = await timed(() => summarizeRecording(session, opened, { scan: true }));
      facts.scanS = scanS;
    } else if (name === 'processes' || name === 'processes-3gb') {
      if (name === 'processes-3gb') {
        mkdirSync(SPILL_DIR, { recursive: true });
        await session.query("SET memory_limit = '3GB'");
        await session.query(`SET temp_directory = '${SPILL_DIR}'`);
      }
      // Three builds (the table is rebuilt each time), with the CPU time of each: the machine may be shared.
      const cpuS: number[] = [];
      for (let i = 0; i < (name === 'processes' ? 3 : 1); i++) {
        const c = process.cpuUsage();
        const [s] = await timed(() => defineProcessesView(session));
        const cpu = process.cpuUsage(c);
        runsS.push(s);
        cpuS.push((cpu.user + cpu.system) / 1e6);
      }
      facts.cpuS = median(cpuS);
      const [row] = await session.query(`SELECT count(*) AS n, max(depth) AS d, count(*) FILTER (WHERE uncertain) AS u,
        count(*) FILTER (WHERE reparented) AS r FROM processes`);
      facts.processes = String(row!.n);
      facts.maxDepth = Number(row!.d);
      facts.uncertain = String(row!.u);
      facts.reparented = String(row!.r);
      const anc: number[] = [];
      for (let i = 0; i < 3; i++) {
        const [a, rows] = await timed(() => session.query('SELECT ancestry_keys FROM processes WHERE key = $k', { k: key }));
        anc.push(a);
        facts.keyDepth = (rows[0]?.ancestry_keys as string[] | undefined)?.length ?? -1;
      }
      facts.ancestryFromTableS = median(anc);
    } else throw new Error(`analyzer bench: unknown probe: ${name}`);
    return { openS, runsS, peakRssBytes: vmHwmBytes(), facts };
  } finally {
    session.close();
  }
}

// ---------------------------------------------------------------- children (parent side)

interface ChildResult {
  wallS: number;
  peakRssBytes: number;
  exitCode: number | null;
  killed: string | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command in its own process group, polling the RSS of every process
 * in the group; kills the group when it passes `maxRssBytes` or `timeoutS`.
 */
function runChild(cmd: string, args: string[], maxRssBytes: number, timeoutS: number): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, cwd: ROOT });
    let stdout = '';
    let stderr = '';
    let killed: string | null = null;
    let peak = 0;
    child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    const pgid = child.pid!;
    const kill = (why: string): void => {
      if (killed !== null) return;
      killed = why;
      try { process.kill(-pgid, 'SIGKILL'); } catch { /* already gone */ }
    };
    const poll = setInterval(() => {
      let rss = 0;
      for (const pid of groupPids(pgid)) rss += rssBytes(pid);
      peak = Math.max(peak, rss);
      if (rss > maxRssBytes) kill(`RSS ${(rss / GIB).toFixed(1)} GiB passed the ${(maxRssBytes / GIB).toFixed(0)} GiB limit`);
      if ((performance.now() - t0) / 1000 > timeoutS) kill(`still running after ${timeoutS} s`);
    }, 200);
    child.on('error', (err) => { clearInterval(poll); reject(err); });
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ wallS: (performance.now() - t0) / 1000, peakRssBytes: peak, exitCode: code, killed, stdout, stderr });
    });
  });
}

/** Pids whose process group is `pgid` (from /proc/<pid>/stat field 5). */
function groupPids(pgid: number): number[] {
  const out: number[] = [];
  for (const name of readdirNumeric('/proc')) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) out.push(name);
    } catch { /* exited */ }
  }
  return out;
}

function readdirNumeric(dir: string): number[] {
  return readdirSync(dir).filter((n) => /^\d+$/.test(n)).map(Number);
}

function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? 0 : Number(m[1]) * 1024;
  } catch {
    return 0;
  }
}

/** A CLI run through /usr/bin/time: wall time and the CLI process's maximum RSS. */
async function runCli(args: string[], limits: Limits): Promise<ChildResult & { maxRssBytes: number }> {
  const tmp = mkdtempSync('/var/tmp/hindsight-bench-time-');
  const timeFile = join(tmp, 'time');
  try {
    const r = await runChild('/usr/bin/time', ['-f', '%e %M', '-o', timeFile, process.execPath, CLI, ...args], limits.maxRssBytes, limits.timeoutS);
    const parts = existsSync(timeFile) ? readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ') : [];
    const maxRssBytes = parts.length === 2 ? Number(parts[1]) * 1024 : r.peakRssBytes;
    if (r.exitCode !== 0 && r.killed === null) throw new Error(`analyzer bench: hindsight ${args.join(' ')} exited ${r.exitCode}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    return { ...r, maxRssBytes };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function runProbeChild(name: string, rec: string, key: string, limits: Limits): Promise<{ report: ProbeReport | null; child: ChildResult }> {
  const child = await runChild(process.execPath, [...process.execArgv, SELF, '--probe', name, '--rec', rec, '--key', key], limits.maxRssBytes, limits.timeoutS);
  if (child.killed !== null) return { report: null, child };
  if (child.exitCode !== 0) throw new Error(`analyzer bench: probe ${name} exited ${child.exitCode}: ${child.stderr.trim().split('\n').slice(-5).join(' | ')}`);
  return { report: JSON.parse(child.stdout.trim().split('\n').pop()!) as ProbeReport, child };
}

interface Limits { maxRssBytes: number; timeoutS: number }

// ---------------------------------------------------------------- the benchmark

interface Row {
  measure: string;
  result: string;
  peak: string;
  target: string;
  verdict: string;
}

const s2 = (s: number): string => (s < 1 ? `${(s * 1000).toFixed(0)} ms` : `${s.toFixed(2)} s`);
const mib = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;
const n0 = (n: number | bigint | string): string => Number(n).toLocaleString('en-US');

function verdict(ok: boolean | null): string {
  return ok === null ? '' : ok ? 'pass' : '**miss**';
}

async function countLines(path: string): Promise<number> {
  let n = 0;
  for await (const chunk of createReadStream(path)) {
    const b = chunk as Buffer;
    for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) n++;
  }
  return n;
}

async function bench(args: Map<string, string>): Promise<void> {
  const events = args.has('quick') ? 10_000_000 : Number(args.get('events') ?? 100_000_000);
  const limits: Limits = {
    maxRssBytes: Number(args.get('max-rss-gib') ?? 12) * GIB,
    timeoutS: Number(args.get('step-timeout-s') ?? 1200),
  };
  const machine = machineInfo();
  const log = (line: string): void => { process.stderr.write(`${line}\n`); };
  if (!existsSync(CLI)) throw new Error(`analyzer bench: ${CLI} is missing: build it first (npx tsc -p tsconfig.json)`);

  const opts = defaultOptions(events);
  log(`analyzer bench: recording ${opts.dir} (${n0(events)} events)`);
  const rec: SyntheticRecording = await ensureSyntheticRecording(opts, log);
  const glob = join(rec.dir, 'host=*');
  const deep = rec.hosts.reduce((a, h) => (h.maxDepth > a.maxDepth ? h : a));
  const totalProcesses = rec.hosts.reduce((a, h) => a + h.processes, 0);
  const sizeBytes = rec.hosts.reduce((a, h) => a + h.sizeBytes, 0);
  const segments = rec.hosts.reduce((a, h) => a + h.segments, 0);
  const memTarget = 4e9;
  const rows: Row[] = [];
  const mem = (b: number): { peak: string; ok: boolean } => ({ peak: mib(b), ok: b < memTarget });
  const add = (measure: string, result: string, peakBytes: number, target: string, timeOk: boolean | null): void => {
    const m = mem(peakBytes);
    rows.push({ measure, result, peak: m.peak, target, verdict: verdict(timeOk === null ? m.ok : timeOk && m.ok) });
  };

  // info (CLI)
  log('analyzer bench: info');
  const infoRuns = [];
  for (let i = 0; i < 3; i++) infoRuns.push(await runCli(['info', glob], limits));
  const infoS = median(infoRuns.map((r) => r.wallS));
  const infoRss = Math.max(...infoRuns.map((r) => r.maxRssBytes));
  add(`\`hindsight info REC/host=*\` (CLI end to end: start, open ${segments} segments, count from manifest entries checked against footers and rows; median of 3; runs ${infoRuns.map((r) => s2(r.wallS)).join(', ')})`,
    s2(infoS), infoRss, '< 2 s', infoS < 2);
  {
    const { report, child } = await runProbeChild('info', glob, '', limits);
    if (report === null) add('info in an open session', `killed: ${child.killed}`, child.peakRssBytes, '', false);
    else {
      const f = report.facts;
      add(`\`info\` in an open session (src/analyze/info.ts summarizeRecording: ${f.fromManifest} segments counted from their manifest entries, ${f.fromRows} from their rows; ${n0(f.events!)} events). ` +
        `Counting every row instead (\`scan: true\`, one GROUP BY host, boot_id, kind): ${s2(Number(f.scanS))}. Opening: openRecording (find files, read ${segments} footers) ${s2(Number(f.openRecordingS))}, defineViews ${s2(Number(f.defineViewsS))}`,
        s2(report.runsS[0]!), report.peakRssBytes, '< 2 s', report.runsS[0]! < 2);
    }
  }

  // count by kind, top 20 executables: CLI end to end, then the query alone
  for (const [name, sql, label] of [['count-by-kind', COUNT_BY_KIND, 'count by kind'], ['top-exes', TOP_EXES, 'top 20 executables (exec rows)']] as const) {
    log(`analyzer bench: ${name}`);
    const cliRuns = [];
    for (let i = 0; i < 3; i++) cliRuns.push(await runCli(['query', glob, sql, '--format', 'csv'], limits));
    const cliS = median(cliRuns.map((r) => r.wallS));
    add(`${label}: \`hindsight query REC/host=* "..."\` (CLI end to end, median of 3)`, s2(cliS), Math.max(...cliRuns.map((r) => r.maxRssBytes)), '< 2 s', cliS < 2);
    const { report, child } = await runProbeChild(name, glob, deep.deepKey, limits);
    if (report === null) add(`${label}: query alone`, `killed: ${child.killed}`, child.peakRssBytes, '< 2 s', false);
    else {
      const q = median(report.runsS);
      add(`${label}: the query alone in an open session (median of 3; runs ${report.runsS.map(s2).join(', ')}; opening the recording took ${s2(report.openS)})`,
        s2(q), report.peakRssBytes, '< 2 s', q < 2);
      if (name === 'count-by-kind') rows[rows.length - 1]!.measure += `; ${n0(report.facts.events!)} rows`;
    }
  }

  // ancestry straight from events
  log('analyzer bench: ancestry');
  {
    const { report, child } = await runProbeChild('ancestry', glob, deep.deepKey, limits);
    if (report === null) add('ancestry of one process from `events` (processAncestry)', `killed: ${child.killed}`, child.peakRssBytes, '', false);
    else add(`ancestry of one process at depth ${report.facts.depth} from \`events\` (processAncestry: recursive CTE over fork rows; median of 3)`,
      s2(median(report.runsS)), report.peakRssBytes, '', null);
  }

  // the processes table
  log('analyzer bench: processes');
  let processesNote = '';
  {
    const { report, child } = await runProbeChild('processes', glob, deep.deepKey, limits);
    if (report === null) {
      add('build the `processes` table (defineProcessesView)', `killed: ${child.killed} (peak RSS seen ${mib(child.peakRssBytes)})`, child.peakRssBytes, '< 5 s', false);
      processesNote = `The \`processes\` build was killed by the benchmark's watchdog: ${child.killed}.`;
    } else {
      const s = median(report.runsS);
      add(`build the \`processes\` table (defineProcessesView; ${n0(report.facts.processes!)} processes, max depth ${report.facts.maxDepth}, ${n0(report.facts.uncertain!)} uncertain, ${n0(report.facts.reparented!)} reparented; median of 3 builds in one process: ${report.runsS.map(s2).join(', ')}; CPU time ${s2(Number(report.facts.cpuS))})`,
        s2(s), report.peakRssBytes, '< 5 s', s < 5);
      rows.push({ measure: `ancestry of the same process from the built table (depth ${report.facts.keyDepth}; median of 3)`, result: s2(Number(report.facts.ancestryFromTableS)),
        peak: '(the build\'s process)', target: '', verdict: '' });
    }
  }

  // the processes table again, DuckDB told to stay under 3 GB (spilling to disk)
  if (!args.has('no-capped')) {
    log('analyzer bench: processes with memory_limit 3GB');
    const { report, child } = await runProbeChild('processes-3gb', glob, deep.deepKey, limits);
    rmSync(SPILL_DIR, { recursive: true, force: true });
    if (report === null) add("build the `processes` table with `SET memory_limit = '3GB'` (spilling to /var/tmp)", `killed: ${child.killed}`, child.peakRssBytes, '< 5 s', false);
    else add(`build the \`processes\` table with \`SET memory_limit = '3GB'\` and temp_directory under /var/tmp (1 run)`, s2(report.runsS[0]!), report.peakRssBytes, '< 5 s', report.runsS[0]! < 5);
  }

  // export of ~1M rows
  const exportRows = Number(args.get('export-rows') ?? 1_000_000);
  log('analyzer bench: export');
  {
    const first = BigInt(rec.hosts[0]!.firstNs);
    const spanNs = BigInt(Math.round(opts.hours * 3600e9 * (exportRows / events)));
    const since = first + BigInt(Math.round(opts.hours * 3600e9 * 0.37));
    const iso = (ns: bigint): string => new Date(Number(ns / 1_000_000n)).toISOString();
    const tmp = mkdtempSync('/var/tmp/hindsight-bench-export-');
    const out = join(tmp, 'export.jsonl');
    try {
      const runs = [];
      for (let i = 0; i < 3; i++) {
        const r = await runCli(['export', glob, '--to', 'jsonl', '--since', iso(since), '--until', iso(since + spanNs), '--out', out], limits);
        runs.push(r);
        if (r.killed !== null) break;
      }
      const killed = runs.find((r) => r.killed !== null);
      const lines = killed === undefined ? await countLines(out) : 0;
      const bytes = killed === undefined ? statSync(out).size : 0;
      const wallS = median(runs.map((r) => r.wallS));
      add(`\`hindsight export REC/host=* --to jsonl --since ${iso(since)} --until ${iso(since + spanNs)}\` (CLI end to end: ${n0(lines)} rows, ${mib(bytes)} of JSONL; median of 3; runs ${runs.map((r) => s2(r.wallS)).join(', ')})`,
        killed === undefined ? `${s2(wallS)} (${n0(Math.round(lines / wallS))} rows/s)` : `killed: ${killed.killed}`, Math.max(...runs.map((r) => r.maxRssBytes)), '', killed === undefined ? null : false);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  const text = renderSection({ machine, rec, events, totalProcesses, sizeBytes, segments, rows, processesNote, loadEnd: loadavg() });
  process.stdout.write(`${text}\n`);
  if (!args.has('no-write')) writeSection(text, sectionTitle(events));
}

function sectionTitle(events: number): string {
  return `Analyzer (${events >= 1e6 ? `${Math.round(events / 1e6)}M` : n0(events)} events)`;
}

function renderSection(r: {
  machine: Machine; rec: SyntheticRecording; events: number; totalProcesses: number; sizeBytes: number; segments: number;
  rows: Row[]; processesNote: string; loadEnd: number[];
}): string {
  const m = r.machine;
  const o = r.rec.options;
  const hosts = r.rec.hosts;
  const gen = r.rec.reused ? `reused from the cache (generated ${r.rec.generatedAt} in ${r.rec.generatedSeconds.toFixed(0)} s)` : `generated in ${r.rec.generatedSeconds.toFixed(0)} s`;
  const lines = [
    `## ${sectionTitle(r.events)}`,
    '',
    `Run: ${m.date}; kernel ${m.kernel}; ${m.cpuModel}, ${m.cores} cores; ${m.memoryGiB.toFixed(1)} GiB; node ${m.node}; load average ${m.loadStart.map((x) => x.toFixed(2)).join(' ')} at start, ${r.loadEnd.map((x) => x.toFixed(2)).join(' ')} at end (other jobs shared the machine).`,
    '',
    `Command: \`npx tsc -p tsconfig.json && node --import tsx bench/analyzer.ts${r.events === 100_000_000 ? '' : r.events === 10_000_000 ? ' --quick' : ` --events ${r.events}`}\``,
    '',
    `Recording (bench/lib/synthetic-recording.ts, through SegmentWriter and RecordingStore): ${n0(hosts.reduce((a, h) => a + h.events, 0))} events plus ${n0(hosts.reduce((a, h) => a + h.snapshotRows, 0))} snapshot rows, ${n0(r.totalProcesses)} processes (${n0(hosts.reduce((a, h) => a + h.threads, 0))} threads besides), ` +
      `${o.hosts} hosts (host=h1..h${o.hosts}) over ${o.hours} h, ${r.segments} segments of about ${n0(o.segmentRows)} rows (65,536-row groups, ZSTD ${o.zstdLevel}), ` +
      `${(r.sizeBytes / GIB).toFixed(2)} GiB (${(r.sizeBytes / (hosts.reduce((a, h) => a + h.events, 0))).toFixed(1)} bytes/row); ${gen}. ` +
      `pid_max 32,768 on h1 and h3 (pids handed out again ${n0(hosts.filter((h) => h.pidMax === 32_768).reduce((a, h) => a + h.pidReuses, 0))} times), 4,194,304 on h2 and h4; deepest process at depth ${Math.max(...hosts.map((h) => h.maxDepth))} below init.`,
    '',
    'Peak RSS is that of the process doing the step (the CLI: /usr/bin/time; library steps: the child\'s VmHWM, including opening the recording). The segments were in the page cache (warm numbers). "query alone" excludes process start and opening the recording (listing files, reading every footer, defining the views), shown separately.',
    '',
    `SQL: count by kind \`${COUNT_BY_KIND}\`; top 20 executables \`${TOP_EXES}\`.`,
    '',
    '| measure | result | peak RSS | target | |',
    '|---|---|---|---|---|',
    ...r.rows.map((x) => `| ${x.measure} | ${x.result} | ${x.peak} | ${x.peak.startsWith('(') ? x.target : `${x.target}${x.target === '' ? '' : ', '}< 4 GB RSS`} | ${x.verdict} |`),
    '',
  ];
  if (r.processesNote !== '') lines.push(r.processesNote, '');
  return lines.join('\n');
}

/** Replaces this run's section of RESULTS-analyzer.md (or appends it), keeping every other section. */
function writeSection(text: string, title: string): void {
  const old = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '# hindsight analyzer benchmark results\n\n';
  const re = new RegExp(`## ${title.replace(/[()]/g, '\\$&')}\\n[\\s\\S]*?(?=\\n## |$)`);
  writeFileSync(RESULTS, re.test(old) ? old.replace(re, () => text.trimEnd() + '\n') : `${old.trimEnd()}\n\n${text.trimEnd()}\n`);
}

// ---------------------------------------------------------------- main

const argv = parseArgs(process.argv.slice(2));
if (argv.has('probe')) {
  const report = await runProbe(argv.get('probe')!, argv.get('rec')!, argv.get('key') ?? '');
  process.stdout.write(`${JSON.stringify(report)}\n`);
} else {
  await bench(argv);
}
