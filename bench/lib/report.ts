/**
 * Summaries and output of a benchmark: medians, the machine description, the
 * stdout table and bench/RESULTS.md. Pure except machineInfo().
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import type { Workload } from './workloads.js';

/** One timed run. */
export interface RunRecord {
  pair: number;
  recorded: boolean;
  wallS: number;
  /** hindsight programs of other recorders loaded when the run started. */
  foreignRecorders: number;
  rec?: {
    events: number;
    recorderLost: bigint;
    manifestLost: bigint;
    lossRows: bigint;
    rows: number;
    sizeBytes: number;
    segments: number;
    cpuAtReadyS: number;
    cpuBeforeStopS: number;
    cpuTotalS: number;
    maxRssKb: number;
    stopS: number;
    counts: Record<string, number>;
    rootFound: boolean;
  };
}

export interface WorkloadResult {
  workload: Workload;
  runs: RunRecord[];
}

export interface Machine {
  date: string;
  kernel: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  loadStart: number[];
}

export function machineInfo(): Machine {
  const model = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown';
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), kernel: release(), cpuModel: model.trim(), cores: cpus().length,
    memoryGiB: totalmem() / 2 ** 30, node: process.version, loadStart: loadavg(),
  };
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The figures of one workload's summary row. */
export interface Summary {
  id: string;
  title: string;
  pairs: number;
  unrecordedS: number;
  recordedS: number;
  ratio: number;
  pairRatioMin: number;
  pairRatioMax: number;
  targetRatio: number;
  cpuUsPerEvent: number;
  eventsPerRun: number;
  /** Median of the recorder's events that were not the workload's (the host's other activity). */
  otherEventsPerRun: number;
  /** "captured / generated" text of the worst run, per compared count. */
  captured: string;
  capturedOk: boolean;
  lostMax: bigint;
  bytesPerEvent: number;
  foreignMax: number;
}

function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function summarize(r: WorkloadResult): Summary {
  const w = r.workload;
  const un = r.runs.filter((x) => !x.recorded);
  const re = r.runs.filter((x) => x.recorded && x.rec !== undefined);
  const pairRatios: number[] = [];
  for (const a of re) {
    const b = un.find((x) => x.pair === a.pair);
    if (b !== undefined) pairRatios.push(a.wallS / b.wallS);
  }
  const recs = re.map((x) => x.rec!);
  const parts: string[] = [];
  let ok = recs.length > 0 && recs.every((x) => x.rootFound);
  const keys = w.expected !== null ? w.compared : Object.keys(recs[0]?.counts ?? {});
  for (const k of keys) {
    const values = recs.map((x) => x.counts[k] ?? 0);
    const worst = Math.min(...values);
    if (w.expected !== null) {
      const want = w.expected[k]!;
      if (values.some((v) => v !== want)) ok = false;
      parts.push(`${k} ${fmtInt(worst)}/${fmtInt(want)}`);
    } else {
      const best = Math.max(...values);
      parts.push(`${k} ${worst === best ? fmtInt(worst) : `${fmtInt(worst)}-${fmtInt(best)}`}`);
      if (worst !== best) ok = false;
    }
  }
  const lost = recs.map((x) => x.recorderLost > x.manifestLost ? x.recorderLost : x.manifestLost);
  const lostMax = lost.reduce((a, b) => (b > a ? b : a), 0n);
  if (lostMax > 0n) ok = false;
  const unS = median(un.map((x) => x.wallS));
  const reS = median(re.map((x) => x.wallS));
  return {
    id: w.id, title: w.title, pairs: Math.min(un.length, re.length), unrecordedS: unS, recordedS: reS, ratio: reS / unS,
    pairRatioMin: Math.min(...pairRatios), pairRatioMax: Math.max(...pairRatios), targetRatio: w.targetRatio,
    cpuUsPerEvent: median(recs.map((x) => ((x.cpuTotalS - x.cpuAtReadyS) * 1e6) / Math.max(1, x.events))),
    eventsPerRun: median(recs.map((x) => x.events)),
    otherEventsPerRun: median(recs.map((x) => x.events - workloadEvents(w, x.counts))),
    captured: parts.join(', '), capturedOk: ok, lostMax,
    bytesPerEvent: median(recs.map((x) => x.sizeBytes / Math.max(1, x.rows))),
    foreignMax: Math.max(0, ...r.runs.map((x) => x.foreignRecorders)),
  };
}

/** The workload's own events among the counts (W4's all_events already sums its tree). */
function workloadEvents(w: Workload, counts: Record<string, number>): number {
  if ('all_events' in counts) return counts.all_events!;
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

const mark = (ok: boolean): string => (ok ? 'ok' : 'MISS');

/** The summary table as Markdown (also printed to stdout). */
export function summaryTable(sums: Summary[]): string {
  const head = "| workload | pairs | unrecorded s | recorded s | ratio (target) | pair ratios | recorder CPU us/event (W2 target <= 3) | events/run (outside the counted rows) | captured / generated, worst run (target equal, 0 lost) | lost, worst run | bytes/event (target <= 15) |";
  const rule = '|---|---:|---:|---:|---|---|---|---|---|---:|---|';
  const rows = sums.map((s) => {
    const cpuOk = s.id !== 'W2' || s.cpuUsPerEvent <= 3;
    return `| ${s.id} ${s.title} | ${s.pairs} | ${s.unrecordedS.toFixed(3)} | ${s.recordedS.toFixed(3)} | `
      + `${s.ratio.toFixed(3)}x (<= ${s.targetRatio.toFixed(2)}x ${mark(s.ratio <= s.targetRatio)}) | `
      + `${s.pairRatioMin.toFixed(2)}-${s.pairRatioMax.toFixed(2)}x | `
      + `${s.cpuUsPerEvent.toFixed(2)}${s.id === 'W2' ? ` ${mark(cpuOk)}` : ''} | ${fmtInt(s.eventsPerRun)} (${fmtInt(s.otherEventsPerRun)}) | `
      + `${s.captured} ${mark(s.capturedOk)} | ${s.lostMax} | ${s.bytesPerEvent.toFixed(1)} ${mark(s.bytesPerEvent <= 15)} |`;
  });
  return [head, rule, ...rows].join('\n');
}

/** Per-run detail as Markdown. */
export function runTable(results: WorkloadResult[]): string {
  const lines = [
    '| workload | pair | recorded | wall s | other recorders loaded | recorder events | lost (recorder / manifest / loss rows) | workload counts | rows | bytes | CPU s: start-up / workload / stop | stop s | max RSS MiB |',
    '|---|---:|---|---:|---:|---:|---|---|---:|---:|---|---:|---:|',
  ];
  for (const r of results) {
    for (const x of r.runs) {
      const c = x.rec;
      lines.push(`| ${r.workload.id} | ${x.pair} | ${x.recorded ? 'yes' : 'no'} | ${x.wallS.toFixed(3)} | ${x.foreignRecorders} | `
        + (c === undefined ? ' | | | | | | | |' : `${fmtInt(c.events)} | ${c.recorderLost} / ${c.manifestLost} / ${c.lossRows} | `
        + `${c.rootFound ? Object.entries(c.counts).map(([k, v]) => `${k} ${fmtInt(v)}`).join(', ') : 'workload root not found'} | `
        + `${fmtInt(c.rows)} | ${fmtInt(c.sizeBytes)} | ${c.cpuAtReadyS.toFixed(2)} / ${(c.cpuBeforeStopS - c.cpuAtReadyS).toFixed(2)} / `
        + `${(c.cpuTotalS - c.cpuBeforeStopS).toFixed(2)} | ${c.stopS.toFixed(2)} | ${(c.maxRssKb / 1024).toFixed(0)} |`));
    }
  }
  return lines.join('\n');
}

export function machineLine(m: Machine): string {
  return `${m.date}; kernel ${m.kernel}; ${m.cpuModel}, ${m.cores} cores; ${m.memoryGiB.toFixed(1)} GiB; node ${m.node}; `
    + `load average at start ${m.loadStart.map((x) => x.toFixed(2)).join(' ')}`;
}

export function resultsMarkdown(
  m: Machine, command: string, sums: Summary[], results: WorkloadResult[], elapsedS: number, rebuilt: string | null,
): string {
  const foreign = Math.max(0, ...sums.map((s) => s.foreignMax));
  return `# hindsight benchmark results

Run: ${machineLine(m)}; load average at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}; took ${(elapsedS / 60).toFixed(1)} min.

Command: \`${command}\`

## Summary (medians)

${summaryTable(sums)}

${foreign > 0 ? `**Other hindsight recorders were loaded during some runs (up to ${foreign}; see the detail).** Their probes slow both the unrecorded and the recorded runs, so ratios are understated and absolute times inflated.\n\n` : ''}${rebuilt !== null ? `**Warning: ${rebuilt}.**\n\n` : ''}## How these are measured

- Each workload runs once unrecorded as a warm-up (not counted), then in pairs: unrecorded, then recorded.
- Recorded run: a fresh \`node dist/cli/main.js record --out <fresh temp dir> --no-status --rotate 60s\`, started through GNU time; the workload starts after the recorder's \`ready:\` line; 0.5 s after the workload exits the recorder gets SIGINT and the harness waits for it to exit.
- Wall time: from spawning the workload program to its exit, measured by the harness. Ratio = median recorded / median unrecorded; "pair ratios" is the range of recorded/unrecorded within each pair.
- Recorder CPU per event: (user+system CPU of the recorder at exit, from GNU time's rusage, minus its CPU at the ready line, from /proc/<pid>/stat) / events the recorder reports. It includes the final drain, segment close and manifest append, and excludes start-up (node, BPF load, /proc snapshot). Every event the recorder processed counts, the host's as well as the workload's.
- Captured: the workload's own events in the segments, attributed by process key (the exec row of the process the harness spawned; pid_max is 32768 here, so bare pids are not trusted): W1 fork rows of the workload and exec/exit rows whose parent is it; W2 open/unlink rows of the workload under its unique temp dir (creates are opens with O_CREAT); W3 connect rows of the client to the listener port, accept rows of its server child, tcp_state rows of the listener port (reported, not compared); W4 everything of make's process tree (no generated count known in advance: the check is that every run captured the same counts).
- Events per run: what the recorder reports for the whole run; in brackets, those not among the compared/counted rows: the host's other activity plus the workload's uncounted events (for W1, the children's loader opens, 2 per exec of /bin/true; for W2, the program's own start-up).
- Lost: the recorder's own count, the manifest segments' \`lost\` sums and the \`loss\` rows; the worst of them per run.
- Bytes per event: segment bytes / segment rows from the manifest (snapshot rows and the host's other events included).
- "Other recorders loaded": hindsight \`handle_exec\` programs of other processes at the start of a run (bpftool).

## Runs

${runTable(results)}
`;
}
