/**
 * Runs one `hindsight record` for a benchmark run and accounts for its CPU.
 *
 * The recorder is started through GNU time (`/usr/bin/time -o FILE`), which
 * writes the recorder's rusage (user + system CPU, max RSS) when it exits, so
 * the final drain and segment close are included. GNU time ignores SIGINT while
 * it waits, so the stop signal goes to the recorder itself, whose pid the ready
 * line names. `/proc/<pid>/stat` is read at the ready line (start-up cost: node,
 * BPF load and attach, /proc snapshot) and just before SIGINT; the per-event
 * figure is (CPU at exit - CPU at ready) / events recorded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;
const MAIN = join(ROOT, 'dist/cli/main.js');
const CLK_TCK = 100;

/** A recorder that printed its ready line. */
export interface RunningRecorder {
  pid: number;
  hostDir: string;
  cpuAtReadyS: number;
  child: ChildProcess;
  rusageFile: string;
  output: () => { stdout: string; stderr: string };
}

/** What a stopped recorder reports. */
export interface RecorderResult {
  exitCode: number;
  /** From the recorder's last line: events recorded and lost. */
  events: number;
  lost: bigint;
  cpuAtReadyS: number;
  cpuBeforeStopS: number;
  cpuTotalS: number;
  maxRssKb: number;
  /** Seconds from SIGINT to exit (final drain, segment close, manifest). */
  stopS: number;
  stderr: string;
}

/** utime + stime of a live process, in seconds. */
export function processCpuS(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Starts a recorder into `out` and resolves at its ready line. */
export function startRecorder(out: string, timeoutMs = 60_000): Promise<RunningRecorder> {
  const rusageFile = join(out, '..', `${out.split('/').pop()}.rusage`);
  const child = spawn('/usr/bin/time', ['-o', rusageFile, '-f', '%U %S %M', process.execPath, MAIN,
    'record', '--out', out, '--no-status', '--rotate', '60s'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bench: recorder not ready after ${timeoutMs} ms: ${stderr.trim()}`));
    }, timeoutMs);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`bench: recorder exited with ${code} before it was ready: ${stderr.trim()}`));
    };
    child.once('exit', onExit);
    child.stdout!.on('data', (d: Buffer) => {
      const before = stdout;
      stdout += d.toString();
      if (before.includes('ready:')) return;
      const m = /ready: recording to (.+) \(pid (\d+)/.exec(stdout);
      if (m === null) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      const pid = Number(m[2]);
      resolve({
        pid, hostDir: m[1]!, cpuAtReadyS: processCpuS(pid), child, rusageFile,
        output: () => ({ stdout, stderr }),
      });
    });
  });
}

/** Sends SIGINT to the recorder and waits for it (and GNU time) to exit. */
export async function stopRecorder(r: RunningRecorder): Promise<RecorderResult> {
  const cpuBeforeStopS = processCpuS(r.pid);
  const t0 = performance.now();
  const exited = new Promise<number>((resolve) => r.child.once('exit', (code) => resolve(code ?? -1)));
  process.kill(r.pid, 'SIGINT');
  const exitCode = await exited;
  const stopS = (performance.now() - t0) / 1000;
  const { stdout, stderr } = r.output();
  const done = /recorded (\d+) events \((\d+) lost\)/.exec(stdout);
  if (exitCode !== 0 || done === null) {
    throw new Error(`bench: recorder exited with ${exitCode}: ${stderr.trim() || stdout.trim()}`);
  }
  const usage = readFileSync(r.rusageFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  rmSync(r.rusageFile, { force: true });
  return {
    exitCode, events: Number(done[1]), lost: BigInt(done[2]!),
    cpuAtReadyS: r.cpuAtReadyS, cpuBeforeStopS, cpuTotalS: usage[0]! + usage[1]!, maxRssKb: usage[2]!,
    stopS, stderr,
  };
}
