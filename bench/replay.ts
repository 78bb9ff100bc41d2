/**
 * Rule replay benchmark (issue 4): every evaluable public Falco and Sigma rule
 * over a 10M-event recording (target < 30 s), and one IOC list of 100k
 * indicators (target < 10 s), on this machine.
 *
 *   npx tsc -p tsconfig.json && node --import tsx bench/replay.ts [--events 10000000] [--runs 3]
 *
 * The recording is the analyzer benchmark's synthetic one (bench/lib/
 * synthetic-recording.ts: real schema, real writer, cached under /var/tmp).
 * Baseline, in the same run: one scan of `rule_events` reading the columns
 * rules read most (proc_exe, proc_commandline, path, parent_exe), so the
 * replay times are also given as a ratio to it. Phases are timed separately:
 * opening, the processes table, rule_events, compiling, running. Results go
 * to bench/RESULTS-replay.md with the date, machine and load average.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineProcessesView } from '../src/analyze/processes.js';
import { openRecording } from '../src/analyze/recording.js';
import { defineRuleEvents } from '../src/analyze/rule-events.js';
import { DuckSession } from '../src/analyze/session.js';
import { defineViews } from '../src/analyze/views.js';
import { compileIocs } from '../src/rules/ioc/compile.js';
import { parseIocFile } from '../src/rules/ioc/parse.js';
import { replayRules } from '../src/rules/replay.js';
import { compileRuleFiles, type RuleFile } from '../src/rules/rule-set.js';
import { listFiles } from '../src/cli/replay.js';
import { machineInfo, machineLine, median } from './lib/report.js';
import { defaultOptions, ensureSyntheticRecording } from './lib/synthetic-recording.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RULES = join(ROOT, 'fixtures/rules/public');
const RESULTS = join(ROOT, 'bench/RESULTS-replay.md');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

function peakRssMib(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

async function timed<T>(fn: () => Promise<T> | T, what = ''): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await fn();
  const sec = (performance.now() - t0) / 1000;
  if (what !== '') process.stderr.write(`replay bench: ${what}: ${sec.toFixed(2)} s\n`);
  return [v, sec];
}

function progress(done: number, total: number): void {
  process.stderr.write(`replay bench:   ${done}/${total} rules at ${new Date().toISOString()}\n`);
}

function ruleFiles(dir: string): RuleFile[] {
  return listFiles(dir, /\.ya?ml$/).map((path) => ({ path, text: readFileSync(path, 'utf8') }));
}

/** 100k indicators: a few hundred taken from the recording (so matches exist), the rest random, of every type. */
async function iocList(s: DuckSession, n: number): Promise<string> {
  const lines: string[] = ['# bench IOC list'];
  const seen = await s.query(`
    (SELECT DISTINCT proc_sha256 AS v FROM rule_events WHERE proc_sha256 IS NOT NULL LIMIT 100)
    UNION ALL (SELECT DISTINCT daddr FROM rule_events WHERE kind = 'connect' AND daddr IS NOT NULL LIMIT 100)
    UNION ALL (SELECT DISTINCT dns_query FROM rule_events WHERE dns_query IS NOT NULL LIMIT 100)
    UNION ALL (SELECT DISTINCT path FROM rule_events WHERE kind = 'open' AND path IS NOT NULL LIMIT 100)`);
  for (const r of seen) lines.push(String(r.v));
  let x = 12345;
  const rnd = () => (x = (x * 1103515245 + 12345) % 2 ** 31);
  const hex = (len: number) => Array.from({ length: len }, () => (rnd() % 16).toString(16)).join('');
  for (let i = lines.length; i <= n; i++) {
    switch (i % 6) {
      case 0: lines.push(hex(64)); break;
      case 1: lines.push(`${rnd() % 223 + 1}.${rnd() % 256}.${rnd() % 256}.${rnd() % 256}`); break;
      case 2: lines.push(`${rnd() % 223 + 1}.${rnd() % 256}.${rnd() % 256}.0/24`); break;
      case 3: lines.push(`${hex(10)}.example-${hex(4)}.com`); break;
      case 4: lines.push(`/tmp/.${hex(8)}/${hex(6)}`); break;
      default: lines.push(`2001:db8:${hex(4)}::${hex(4)}`); break;
    }
  }
  return lines.join('\n') + '\n';
}

const events = Number(arg('events', '10000000'));
const runs = Number(arg('runs', '3'));
const synth = await ensureSyntheticRecording(defaultOptions(events), (l) => process.stderr.write(`${l}\n`));
const load0 = loadavg();
const s = await DuckSession.open();
const [rec, openS] = await timed(() => openRecording(s, [synth.dir]), 'open');
await defineViews(s, rec);
const [, procS] = await timed(() => defineProcessesView(s), 'processes');
const [, ruleEventsS] = await timed(() => defineRuleEvents(s, rec), 'rule_events');
const [[procs], countS] = await timed(() => s.query('SELECT (SELECT count(*) FROM processes) AS procs'));

const baselines: number[] = [];
for (let i = 0; i < runs; i++) {
  baselines.push((await timed(() => s.query(`SELECT count(*) AS n, count(DISTINCT proc_exe) AS exes,
    count(*) FILTER (WHERE contains(proc_commandline, 'x') OR contains(path, 'x') OR contains(parent_exe, 'x')) AS hits FROM rule_events`), 'baseline scan'))[1]);
}
const [[scan]] = await timed(() => s.query('SELECT count(*) AS n FROM rule_events'));

const [set, compileS] = await timed(() => compileRuleFiles([...ruleFiles(join(RULES, 'falco')), ...ruleFiles(join(RULES, 'sigma'))]));
const replays: number[] = [];
let result;
for (let i = 0; i < runs; i++) {
  const [r, sec] = await timed(() => replayRules(s, set.compiled, { onRule: progress }), 'replay');
  replays.push(sec);
  result = r;
}
const failed = result!.runs.filter((r) => r.error !== null);

const iocText = await iocList(s, 100_000);
const [parsed, iocParseS] = await timed(() => parseIocFile({ path: 'bench-100k.txt', text: iocText }));
const iocRuns: number[] = [];
let iocResult;
for (let i = 0; i < runs; i++) {
  const [r, sec] = await timed(() => replayRules(s, [compileIocs(parsed.indicators, 'bench-100k.txt')]), 'ioc');
  iocRuns.push(sec);
  iocResult = r;
}
s.close();

const m = machineInfo();
const bySource = (src: string) => set.compiled.filter((r) => r.source === src).length;
const baseline = median(baselines);
const lines = [
  '# hindsight rule replay benchmark results',
  '',
  `Run: ${machineLine(m)} (the load average when the run ended; ${load0.map((v) => v.toFixed(2)).join(' ')} when it began).`,
  '',
  'Command: `npx tsc -p tsconfig.json && node --import tsx bench/replay.ts`',
  '',
  `Recording: ${synth.dir} (bench/lib/synthetic-recording.ts): ${Number(scan!.n).toLocaleString('en')} events in \`rule_events\` (snapshot rows excluded), ${Number(procs!.procs).toLocaleString('en')} processes, ${synth.options.hosts} hosts, ${rec.segments.length} segments; ${synth.reused ? 'reused from the cache' : `generated in ${synth.generatedSeconds.toFixed(0)} s`}. Warm page cache.`,
  '',
  '| step | result | target |',
  '|---|---|---|',
  `| open the recording, define views | ${openS.toFixed(2)} s | |`,
  `| build \`processes\` | ${procS.toFixed(2)} s | |`,
  `| build \`rule_procs\` and the \`rule_events\` view | ${ruleEventsS.toFixed(2)} s (count ${countS.toFixed(2)} s) | |`,
  `| baseline: one scan of \`rule_events\` reading proc_exe, proc_commandline, path, parent_exe (median of ${runs}) | ${baseline.toFixed(2)} s | |`,
  `| compile the public rules (${set.compiled.length} compiled: ${bySource('falco')} Falco, ${bySource('sigma')} Sigma; ${set.skipped.length} not run) | ${compileS.toFixed(2)} s | |`,
  `| run the ${set.compiled.length} compiled rules (median of ${runs}; runs ${replays.map((v) => v.toFixed(2)).join(', ')}) | ${median(replays).toFixed(2)} s = ${(median(replays) / baseline).toFixed(1)}x the baseline scan; ${result!.findings.length} findings; ${failed.length} rules failed to run | < 30 s |`,
  `| parse an IOC list of ${parsed.indicators.length.toLocaleString('en')} indicators (${parsed.skipped.length} skipped) | ${iocParseS.toFixed(2)} s | |`,
  `| run it (median of ${runs}; runs ${iocRuns.map((v) => v.toFixed(2)).join(', ')}) | ${median(iocRuns).toFixed(2)} s = ${(median(iocRuns) / baseline).toFixed(1)}x the baseline scan; ${iocResult!.findings.length} indicators seen | < 10 s |`,
  `| peak RSS of the process | ${peakRssMib()} MiB | |`,
  '',
];
if (failed.length > 0) lines.push('Rules that failed to run:', '', ...failed.map((r) => `- ${r.rule.source} ${r.rule.id}: ${r.error}`), '');
writeFileSync(RESULTS, lines.join('\n'));
process.stdout.write(lines.join('\n'));
