/**
 * Lineage benchmark: builds a recording of about 1M processes in the real
 * schema through the real writer (src/record/segment-writer.ts), then times
 * building the `processes` table and the ancestry of one process, and writes
 * the numbers with the date and machine into bench/RESULTS-analyzer.md
 * (section "Lineage").
 *
 *   node --import tsx bench/lineage.ts [--processes 1000000] [--keep DIR] [--no-write]
 *
 * The synthetic host: init and a few daemons in the first snapshot; login
 * sessions (sshd -> bash) running commands, builds (make -> sh -> gcc -> cc1,
 * as, ld: depth up to 9 below init), pipelines, double-fork daemons whose
 * grandchild is reparented to init (its exit row names init), threads (fork
 * rows with is_thread), a thread exec now and then, and pid reuse: pids cycle
 * through 300..32767 as on a host with pid_max 32768, so every pid is reused
 * about 30 times. Each process has a fork row, an exec row (about 85%) and an
 * exit row; rows are in time order, 65,536 per row group, one segment per
 * 2M rows each opening with snapshot rows of the long-lived processes.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, hostname, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { loadSegmentSchema, type ColumnBatch } from '../src/record/batch.js';
import { SegmentWriter } from '../src/record/segment-writer.js';
import { defineEventsView, findSegments } from '../src/analyze/recording.js';
import { DuckSession } from '../src/analyze/session.js';
import { defineProcessesView, processAncestry } from '../src/analyze/processes.js';
import { rng } from './lib/rng.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i]!;
  if (a.startsWith('--')) args.set(a.slice(2), process.argv[i + 1]?.startsWith('--') === false ? process.argv[++i]! : '');
}
const PROCESSES = Number(args.get('processes') ?? 1_000_000);
const KEEP = args.get('keep');
const WRITE = !args.has('no-write');
const GROUP = 65_536;
const SEGMENT_ROWS = 2_000_000;

const BOOT_ID = '6f1c2a9e-4b7d-4e2a-9a51-3c0de1f2ab44';
const BOOT = '6f1c2a9e4b7d';
const HOST = 'build-07.example.net';
/** Wall time of boot (ns since the epoch). */
const WALL0 = 1_763_700_000_000_000_000n;
/** The recording starts 1 h after boot. */
const K_START = 3_600_000_000_000n;
const NS_PER_TICK = 10_000_000n;

const r = rng(42);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

interface Proc { pid: number; key: string; startK: bigint; exe: string; argv: string[]; uid: bigint; user: string; comm: string; parent: Proc | null }

const COLUMNS = ['seq', 'time', 'ktime_ns', 'kind', 'host', 'boot_id', 'pid', 'tid', 'ppid', 'proc_key', 'parent_key', 'proc_start',
  'uid', 'user', 'comm', 'exe', 'argv', 'exec_tid', 'child_pid', 'child_tid', 'child_key', 'is_thread', 'exit_code', 'exit_signal', 'core_dumped'] as const;

class Output {
  private cols: Record<string, unknown[]> = {};
  private n = 0;
  private segRows = 0;
  private writer: SegmentWriter | null = null;
  private segIndex = 0;
  rows = 0;
  bytes = 0;
  seq = 0n;
  constructor(private readonly dir: string, private readonly snapshot: () => Proc[], private readonly schema = loadSegmentSchema()) { this.reset(); }
  private reset(): void { for (const c of COLUMNS) this.cols[c] = []; this.n = 0; }
  private open(k: bigint): void {
    this.writer = SegmentWriter.open({ dir: this.dir, baseName: `seg-${String(++this.segIndex).padStart(6, '0')}`, schema: this.schema });
    this.segRows = 0;
    for (const p of this.snapshot()) {
      this.push({ kind: 'snapshot', k, seq: 0n, p, parentKey: p.parent?.key ?? null, ppid: p.parent?.pid ?? 0, exe: p.exe, argv: p.argv });
    }
  }
  async row(v: { kind: string; k: bigint; p: Proc; parentKey: string | null; ppid: number; tid?: number; exe?: string; argv?: string[]; execTid?: number | null;
    child?: Proc; isThread?: boolean; childTid?: number; exitCode?: number | null; exitSignal?: number | null }): Promise<void> {
    if (this.writer === null) this.open(v.k);
    this.push({ ...v, seq: this.seq++ });
    if (this.n >= GROUP) this.flush();
    if (this.segRows >= SEGMENT_ROWS) await this.close();
  }
  private push(v: { kind: string; k: bigint; seq: bigint; p: Proc; parentKey: string | null; ppid: number; tid?: number; exe?: string; argv?: string[]; execTid?: number | null;
    child?: Proc; isThread?: boolean; childTid?: number; exitCode?: number | null; exitSignal?: number | null }): void {
    const c = this.cols;
    const p = v.p;
    c.seq!.push(v.seq); c.time!.push(WALL0 + v.k); c.ktime_ns!.push(v.k); c.kind!.push(v.kind); c.host!.push(HOST); c.boot_id!.push(BOOT_ID);
    c.pid!.push(p.pid); c.tid!.push(v.tid ?? p.pid); c.ppid!.push(v.ppid); c.proc_key!.push(p.key); c.parent_key!.push(v.parentKey);
    c.proc_start!.push(WALL0 + p.startK); c.uid!.push(p.uid); c.user!.push(p.user); c.comm!.push(p.comm);
    c.exe!.push(v.exe ?? null); c.argv!.push(v.argv ?? null); c.exec_tid!.push(v.execTid ?? null);
    c.child_pid!.push(v.child?.pid ?? null); c.child_tid!.push(v.child === undefined ? null : v.childTid ?? v.child.pid);
    c.child_key!.push(v.child?.key ?? null); c.is_thread!.push(v.kind === 'fork' ? v.isThread ?? false : null);
    c.exit_code!.push(v.exitCode ?? null); c.exit_signal!.push(v.exitSignal ?? null); c.core_dumped!.push(v.kind === 'exit' ? false : null);
    this.n++; this.segRows++; this.rows++;
  }
  flush(): void {
    if (this.n === 0 || this.writer === null) return;
    const batch: ColumnBatch = { rowCount: this.n, columns: this.cols };
    this.writer.writeRowGroup(batch);
    this.cols = {};
    this.reset();
  }
  async close(): Promise<void> {
    this.flush();
    if (this.writer === null) return;
    const info = await this.writer.finish();
    this.bytes += info.sizeBytes;
    this.writer = null;
  }
}

/** Generates the host's history; returns the key of one deep process (for the ancestry timing). */
async function generate(out: Output, longLived: Proc[]): Promise<{ processes: number; deepKey: string; deepDepth: number }> {
  let nextPid = 300;
  const live = new Set<number>();
  const allocPid = (): number => {
    for (;;) {
      const pid = nextPid;
      nextPid = nextPid >= 32767 ? 300 : nextPid + 1;
      if (!live.has(pid)) return pid;
    }
  };
  let k = K_START;
  let processes = 0;
  let deepKey = '';
  let deepDepth = 0;
  const lastKeyOfPid = new Map<number, string>();
  const mk = (parent: Proc, exe: string, argv: string[], user?: { uid: bigint; user: string }): Proc => {
    const pid = allocPid();
    live.add(pid);
    let key = `${BOOT}:${k / NS_PER_TICK}:${pid}`;
    if (lastKeyOfPid.get(pid) === key) key = `${BOOT}:${k / NS_PER_TICK}+${k % NS_PER_TICK}:${pid}`;
    lastKeyOfPid.set(pid, key);
    processes++;
    return { pid, key, startK: k, exe, argv, uid: user?.uid ?? parent.uid, user: user?.user ?? parent.user, comm: exe.slice(exe.lastIndexOf('/') + 1).slice(0, 15), parent };
  };
  const step = (): void => { k += BigInt(20_000 + Math.floor(r() * 200_000)); };
  const fork = async (parent: Proc, child: Proc): Promise<void> => {
    await out.row({ kind: 'fork', k, p: parent, parentKey: parent.parent?.key ?? null, ppid: parent.parent?.pid ?? 0, child });
    step();
  };
  const exec = async (p: Proc, exe: string, argv: string[], execTid: number | null = null): Promise<void> => {
    p.exe = exe; p.argv = argv; p.comm = exe.slice(exe.lastIndexOf('/') + 1).slice(0, 15);
    await out.row({ kind: 'exec', k, p, parentKey: p.parent?.key ?? null, ppid: p.parent?.pid ?? 0, exe, argv, execTid });
    step();
  };
  const exit = async (p: Proc, code: number | null, signal: number | null = null, reaper: Proc | null = null): Promise<void> => {
    const parent = reaper ?? p.parent;
    await out.row({ kind: 'exit', k, p, parentKey: parent?.key ?? null, ppid: parent?.pid ?? 0, exitCode: code, exitSignal: signal });
    live.delete(p.pid);
    step();
  };
  /** fork + exec + (children) + exit; returns the process. */
  const run = async (parent: Proc, exe: string, argv: string[], depth: number, body?: (p: Proc) => Promise<void>): Promise<Proc> => {
    const p = mk(parent, parent.exe, parent.argv);
    await fork(parent, p);
    if (r() < 0.85) await exec(p, exe, argv, r() < 0.002 ? p.pid + 1 : null);
    if (r() < 0.05) {
      await out.row({ kind: 'fork', k, p, parentKey: parent.key, ppid: parent.pid, child: p, isThread: true, childTid: p.pid + 1 });
      step();
    }
    if (body !== undefined) await body(p);
    if (depth > deepDepth) { deepDepth = depth; deepKey = p.key; }
    await exit(p, r() < 0.9 ? 0 : r() < 0.8 ? 1 : null, null);
    return p;
  };
  const [init, sshd, cron] = longLived as [Proc, Proc, Proc];
  const CMDS = ['/usr/bin/ls', '/usr/bin/cat', '/usr/bin/grep', '/usr/bin/sed', '/usr/bin/git', '/usr/bin/python3', '/usr/bin/curl', '/usr/bin/ps', '/usr/bin/find', '/usr/bin/awk'];
  const USERS = [{ uid: 1000n, user: 'dev' }, { uid: 1001n, user: 'ops' }, { uid: 0n, user: 'root' }];
  while (processes < PROCESSES) {
    const roll = r();
    if (roll < 0.7) {
      // A login session: sshd -> sshd -> bash -> commands, pipelines, a build.
      await run(sshd, '/usr/sbin/sshd', ['sshd: session'], 2, async (s) => {
        await run(s, '/usr/bin/bash', ['-bash'], 3, async (sh) => {
          const n = 5 + Math.floor(r() * 30);
          for (let i = 0; i < n && processes < PROCESSES; i++) {
            const what = r();
            if (what < 0.75) {
              const cmd = pick(CMDS);
              await run(sh, cmd, [cmd.slice(9), `arg${i}`], 4);
            } else if (what < 0.9) {
              // A pipeline: bash forks a subshell running two commands.
              await run(sh, '/usr/bin/bash', ['-bash'], 4, async (sub) => {
                await run(sub, pick(CMDS), ['x'], 5);
                await run(sub, '/usr/bin/grep', ['grep', 'y'], 5);
              });
            } else {
              // A build: make -> sh -> gcc -> cc1/as/collect2 -> ld.
              await run(sh, '/usr/bin/make', ['make', '-j2'], 4, async (make) => {
                const units = 3 + Math.floor(r() * 12);
                for (let u = 0; u < units; u++) {
                  await run(make, '/usr/bin/dash', ['/bin/sh', '-c', `gcc -c f${u}.c`], 5, async (dash) => {
                    await run(dash, '/usr/bin/gcc', ['gcc', '-c', `f${u}.c`], 6, async (gcc) => {
                      await run(gcc, '/usr/lib/gcc/x86_64-linux-gnu/12/cc1', ['cc1', `f${u}.c`], 7);
                      await run(gcc, '/usr/bin/as', ['as', `f${u}.s`], 7);
                      if (u === units - 1) {
                        await run(gcc, '/usr/lib/gcc/x86_64-linux-gnu/12/collect2', ['collect2'], 7, async (c2) => {
                          await run(c2, '/usr/bin/ld', ['ld', '-o', 'a.out'], 8);
                        });
                      }
                    });
                  });
                }
              });
            }
          }
        }, );
      });
    } else if (roll < 0.95) {
      // cron runs a job as root.
      await run(cron, '/usr/sbin/cron', ['/usr/sbin/CRON', '-f'], 2, async (c) => {
        await run(c, '/usr/bin/dash', ['/bin/sh', '-c', 'run-parts /etc/cron.hourly'], 3, async (sh) => {
          await run(sh, '/usr/bin/run-parts', ['run-parts', '/etc/cron.hourly'], 4, async (rp) => {
            await run(rp, pick(CMDS), ['job'], 5);
          });
        });
      }, );
    } else {
      // A double-fork daemon: the grandchild outlives the middle and is reparented to init.
      const mid = mk(sshd, sshd.exe, sshd.argv);
      await fork(sshd, mid);
      const d = mk(mid, mid.exe, mid.argv);
      await fork(mid, d);
      await exit(mid, 0);
      await exec(d, '/usr/local/bin/agent', ['agent', '--daemon']);
      for (let i = 0; i < 3; i++) {
        const c = mk(d, d.exe, d.argv);
        await out.row({ kind: 'fork', k, p: d, parentKey: init.key, ppid: init.pid, child: c });
        step();
        await exec(c, pick(CMDS), ['probe']);
        await exit(c, 0);
      }
      await exit(d, null, 15, init);
    }
  }
  return { processes, deepKey, deepDepth };
}

function peakRssMiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m === null ? NaN : Number(m[1]) / 1024;
}

async function main(): Promise<void> {
  const dir = KEEP ?? mkdtempSync(join(tmpdir(), 'hs-bench-lineage-'));
  mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  const mkRoot = (pid: number, exe: string, argv: string[], parent: Proc | null, uid = 0n, user = 'root'): Proc =>
    ({ pid, key: `${BOOT}:${30 + pid}:${pid}`, startK: BigInt(30 + pid) * NS_PER_TICK, exe, argv, uid, user, comm: exe.slice(exe.lastIndexOf('/') + 1), parent });
  const init = mkRoot(1, '/usr/lib/systemd/systemd', ['/sbin/init'], null);
  const sshd = mkRoot(200, '/usr/sbin/sshd', ['sshd: /usr/sbin/sshd -D'], init);
  const cron = mkRoot(210, '/usr/sbin/cron', ['/usr/sbin/cron', '-f'], init);
  const longLived = [init, sshd, cron];
  let writtenRows = 0;
  let bytes = 0;
  let gen = { processes: 0, deepKey: '', deepDepth: 0 };
  if (!existsSync(join(dir, 'seg-000001.parquet'))) {
    const out = new Output(dir, () => longLived);
    gen = await generate(out, longLived);
    await out.close();
    writtenRows = out.rows;
    bytes = out.bytes;
  }
  const writeS = (performance.now() - t0) / 1000;
  const rssAfterWrite = peakRssMiB();

  const s = await DuckSession.open();
  await defineEventsView(s, findSegments([dir]));
  const [{ n: rows, procs }] = (await s.query("SELECT count(*) n, count(DISTINCT child_key) FILTER (WHERE kind = 'fork' AND NOT is_thread) procs FROM events")) as [{ n: bigint; procs: bigint }];
  // The machine may be shared: the CPU time of each build (all DuckDB threads) says what wall time alone does not.
  const loadStart = loadavg();
  const times: number[] = [];
  const cpuTimes: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    await defineProcessesView(s);
    const cpu = process.cpuUsage(c);
    times.push((performance.now() - t) / 1000);
    cpuTimes.push((cpu.user + cpu.system) / 1e6);
  }
  const [{ n: processRows, maxDepth, uncertain }] = (await s.query('SELECT count(*) n, max(depth) "maxDepth", count(*) FILTER (WHERE uncertain) uncertain FROM processes')) as [{ n: bigint; maxDepth: number; uncertain: bigint }];
  if (gen.deepKey === '') {
    const [row] = await s.query('SELECT key FROM processes ORDER BY depth DESC, key LIMIT 1');
    gen.deepKey = String(row!.key);
  }
  const ancTimes: number[] = [];
  const ancViewTimes: number[] = [];
  let ancDepth = 0;
  for (let i = 0; i < 3; i++) {
    let t = performance.now();
    const anc = await processAncestry(s, gen.deepKey);
    ancTimes.push((performance.now() - t) / 1000);
    ancDepth = anc.length;
    t = performance.now();
    await s.query('SELECT ancestry_keys, ancestry_exes FROM processes WHERE key = $k', { k: gen.deepKey });
    ancViewTimes.push((performance.now() - t) / 1000);
  }
  const peak = peakRssMiB();
  s.close();
  if (KEEP === undefined) rmSync(dir, { recursive: true, force: true });

  const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const lines = [
    `## Lineage`,
    '',
    `Run: ${new Date().toISOString()}; host ${hostname()}; kernel ${release()}; ${cpus()[0]?.model ?? 'cpu'}, ${cpus().length} cores; ${(totalmem() / 2 ** 30).toFixed(1)} GiB; node ${process.version}; load average ${loadStart.map((x) => x.toFixed(2)).join(' ')} before the builds, ${loadavg().map((x) => x.toFixed(2)).join(' ')} at end.`,
    '',
    `Command: \`node --import tsx bench/lineage.ts --processes ${PROCESSES}\``,
    '',
    `Recording: ${Number(rows).toLocaleString('en-US')} rows (fork, exec, exit and snapshot rows; ${Number(procs).toLocaleString('en-US')} forked processes, pids cycling through 300..32767 so each is reused ~30 times)${writtenRows > 0 ? `, ${(bytes / 2 ** 20).toFixed(1)} MiB in ${Math.ceil(writtenRows / SEGMENT_ROWS)} segments, generated and written through SegmentWriter in ${writeS.toFixed(1)} s` : ''}.`,
    '',
    '| measure | result | target |',
    '|---|---|---|',
    `| build the \`processes\` table (${Number(processRows).toLocaleString('en-US')} rows, max depth ${maxDepth}, ${uncertain} uncertain), median of 3 | ${med(times).toFixed(2)} s (runs: ${times.map((x) => x.toFixed(2)).join(', ')}; CPU time ${med(cpuTimes).toFixed(2)} s) | < 5 s |`,
    `| ancestry of one process at depth ${ancDepth} straight from \`events\` (recursive CTE over fork rows), median of 3 | ${(med(ancTimes) * 1000).toFixed(0)} ms | |`,
    `| ancestry of the same process from the built table | ${(med(ancViewTimes) * 1000).toFixed(1)} ms | |`,
    `| peak RSS of the process (VmHWM: generator, writer and DuckDB) | ${peak.toFixed(0)} MiB (after writing: ${rssAfterWrite.toFixed(0)} MiB) | < 4 GB |`,
    '',
  ];
  const text = lines.join('\n');
  process.stdout.write(`${text}\n`);
  if (WRITE) {
    const path = new URL('./RESULTS-analyzer.md', import.meta.url).pathname;
    const old = existsSync(path) ? readFileSync(path, 'utf8') : '# hindsight analyzer benchmark results\n\n';
    const re = /## Lineage\n[\s\S]*?(?=\n## |$)/;
    writeFileSync(path, re.test(old) ? old.replace(re, text) : `${old.trimEnd()}\n\n${text}`);
  }
}

await main();
