/**
 * The four benchmark workloads: how to build, prepare, run and reset each,
 * what each generates, and the SQL that counts the workload's own events in a
 * recording. Events are attributed through the workload's process key (the
 * exec row of the process this harness spawned; pid_max is 32768 here, so a
 * bare pid could be reused within a run), never by assuming a quiet host.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;
export const BIN_DIR = join(ROOT, 'build/bench');
const SRC_DIR = join(ROOT, 'bench/workloads');

export interface Sizes {
  forks: number;
  opens: number;
  creates: number;
  connects: number;
  buildFiles: number;
}

export const FULL_SIZES: Sizes = { forks: 20_000, opens: 500_000, creates: 20_000, connects: 20_000, buildFiles: 40 };
export const QUICK_SIZES: Sizes = { forks: 2_000, opens: 50_000, creates: 2_000, connects: 2_000, buildFiles: 12 };

/** One workload run as spawned by the harness. */
export interface Invocation {
  file: string;
  args: string[];
  cwd?: string;
  /** Filled from the program's stdout once it ran (W3's port). */
  onStdout?: (text: string) => void;
}

export interface Workload {
  id: string;
  title: string;
  /** Wall-time ratio target (recorded / unrecorded). */
  targetRatio: number;
  /** Events generated per run, by counted name; null when not known in advance. */
  expected: Record<string, number> | null;
  prepare(workDir: string): void;
  /** Called before each run, untimed. */
  reset(): void;
  invocation(): Invocation;
  /** SQL over the `events` view; params: $root (the workload's process key) and the workload's own. */
  countSql: string;
  countParams(): Record<string, string | number>;
  compared: string[];
}

/** Compiles the C workloads into build/bench/. */
export function buildWorkloads(): void {
  mkdirSync(BIN_DIR, { recursive: true });
  for (const name of ['w1-fork-exec', 'w2-files', 'w3-connect']) {
    execFileSync('gcc', ['-O2', '-Wall', '-Wextra', '-Werror', '-o', join(BIN_DIR, name), join(SRC_DIR, `${name}.c`)], { stdio: 'inherit' });
  }
}

/** Descendants of $root by fork lineage, root included (depth-bounded like the shipped lineage query). */
const TREE = `WITH RECURSIVE tree(key, depth) AS (
    SELECT $root::VARCHAR, 0
    UNION
    SELECT f.child_key, t.depth + 1 FROM events f JOIN tree t ON f.proc_key = t.key
    WHERE f.kind = 'fork' AND NOT f.is_thread AND t.depth < 64
  ), keys AS (SELECT DISTINCT key FROM tree)`;

export function workloads(s: Sizes): Workload[] {
  const w2 = { dir: '' };
  const w3 = { port: 0 };
  const w4 = { dir: '' };
  return [
    {
      id: 'W1', title: `fork+exec /bin/true x${s.forks}`, targetRatio: 1.05,
      expected: { fork: s.forks, exec: s.forks, exit: s.forks },
      prepare() {}, reset() {},
      invocation: () => ({ file: join(BIN_DIR, 'w1-fork-exec'), args: [String(s.forks)] }),
      // fork rows of the workload; exec and exit rows of its children.
      countSql: `SELECT
          count(*) FILTER (kind = 'fork' AND proc_key = $root AND NOT is_thread) AS fork,
          count(*) FILTER (kind = 'exec' AND parent_key = $root) AS exec,
          count(*) FILTER (kind = 'exit' AND parent_key = $root) AS exit
        FROM events WHERE proc_key = $root OR parent_key = $root`,
      countParams: () => ({}),
      compared: ['fork', 'exec', 'exit'],
    },
    {
      id: 'W2', title: `openat+close x${s.opens} over 200 files, create+unlink x${s.creates}`, targetRatio: 1.30,
      expected: { open: s.opens, create: s.creates, unlink: s.creates },
      prepare(workDir) {
        w2.dir = join(realpathSync(workDir), 'w2');
        mkdirSync(w2.dir);
        for (let i = 0; i < 200; i++) writeFileSync(join(w2.dir, `f-${String(i).padStart(3, '0')}`), `file ${i}\n`);
      },
      reset() {},
      invocation: () => ({ file: join(BIN_DIR, 'w2-files'), args: [w2.dir, String(s.opens), String(s.creates)] }),
      // O_CREAT is 0100 (64): creates are the opens that carry it.
      countSql: `SELECT
          count(*) FILTER (kind = 'open' AND flags & 64 = 0) AS open,
          count(*) FILTER (kind = 'open' AND flags & 64 <> 0) AS "create",
          count(*) FILTER (kind = 'unlink') AS unlink
        FROM events WHERE proc_key = $root AND starts_with(coalesce(path, path_arg), $dir || '/')`,
      countParams: () => ({ dir: w2.dir }),
      compared: ['open', 'create', 'unlink'],
    },
    {
      id: 'W3', title: `TCP connect x${s.connects} to a listener on 127.0.0.1`, targetRatio: 1.15,
      expected: { connect: s.connects, accept: s.connects },
      prepare() {}, reset() {},
      invocation: () => ({
        file: join(BIN_DIR, 'w3-connect'), args: [String(s.connects)],
        onStdout: (text) => { w3.port = Number(/port (\d+)/.exec(text)?.[1] ?? 0); },
      }),
      // connects of the client (the workload process), accepts of its server child,
      // state changes of the listener port's connections (softirq rows carry other pids).
      countSql: `SELECT
          count(*) FILTER (kind = 'connect' AND proc_key = $root AND dport = $port) AS connect,
          count(*) FILTER (kind = 'accept' AND parent_key = $root) AS accept,
          count(*) FILTER (kind = 'tcp_state' AND (sport = $port OR dport = $port) AND daddr = '127.0.0.1') AS tcp_state
        FROM events WHERE kind IN ('connect', 'accept', 'tcp_state')`,
      countParams: () => ({ port: w3.port }),
      compared: ['connect'],
    },
    {
      id: 'W4', title: `make -j2 of a ${s.buildFiles}-file C project`, targetRatio: 1.05,
      expected: null,
      prepare(workDir) {
        w4.dir = join(realpathSync(workDir), 'w4');
        mkdirSync(w4.dir);
        writeProject(w4.dir, s.buildFiles);
      },
      reset() { execFileSync('make', ['-s', '-C', w4.dir, 'clean']); },
      invocation: () => ({ file: 'make', args: ['-s', '-j2'], cwd: w4.dir }),
      countSql: `${TREE}
        SELECT
          count(*) FILTER (kind = 'exec') AS exec,
          count(*) FILTER (kind = 'fork' AND NOT is_thread) AS fork,
          count(*) FILTER (kind = 'exit') AS exit,
          count(*) FILTER (kind = 'open') AS open,
          count(*) FILTER (kind = 'unlink') AS unlink,
          count(*) AS all_events
        FROM events WHERE proc_key IN (SELECT key FROM keys) AND kind <> 'snapshot'`,
      countParams: () => ({}),
      compared: [],
    },
  ];
}

/** Writes N small translation units, a main and a Makefile into dir. */
function writeProject(dir: string, n: number): void {
  const objs: string[] = [];
  const decls: string[] = [];
  const calls: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = `unit${String(i).padStart(2, '0')}`;
    writeFileSync(join(dir, `${name}.c`), `#include <stdio.h>
#include <string.h>
#include "units.h"

struct item_${i} { int id; char label[32]; double weight; };

static int compare_${i}(const struct item_${i} *a, const struct item_${i} *b) {
  if (a->weight != b->weight) return a->weight < b->weight ? -1 : 1;
  return strcmp(a->label, b->label);
}

long ${name}(int seed) {
  struct item_${i} items[16];
  long acc = 0;
  for (int k = 0; k < 16; k++) {
    items[k].id = k * ${i + 1} + seed;
    snprintf(items[k].label, sizeof items[k].label, "item-%d-%d", ${i}, k);
    items[k].weight = (double)((k * 7919 + seed) % 101) / 3.0;
  }
  for (int a = 0; a < 16; a++)
    for (int b = a + 1; b < 16; b++)
      if (compare_${i}(&items[a], &items[b]) > 0) { struct item_${i} t = items[a]; items[a] = items[b]; items[b] = t; }
  for (int k = 0; k < 16; k++) acc += items[k].id * (k + 1);
  return acc;
}
`);
    objs.push(`${name}.o`);
    decls.push(`long ${name}(int seed);`);
    calls.push(`  total += ${name}(argc);`);
  }
  writeFileSync(join(dir, 'units.h'), `${decls.join('\n')}\n`);
  writeFileSync(join(dir, 'main.c'), `#include <stdio.h>
#include "units.h"
int main(int argc, char **argv) {
  (void)argv;
  long total = 0;
${calls.join('\n')}
  printf("%ld\\n", total);
  return 0;
}
`);
  writeFileSync(join(dir, 'Makefile'), `CFLAGS = -O2 -Wall
OBJS = main.o ${objs.join(' ')}
prog: $(OBJS)
\t$(CC) -o $@ $(OBJS)
%.o: %.c units.h
\t$(CC) $(CFLAGS) -c -o $@ $<
clean:
\trm -f prog $(OBJS)
.PHONY: clean
`);
}

/** Runs one invocation to completion; resolves with its wall time and pid. */
export function runInvocation(inv: Invocation): Promise<{ wallS: number; pid: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(inv.file, inv.args, { cwd: inv.cwd, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const wallS = (performance.now() - t0) / 1000;
      if (code !== 0) { reject(new Error(`bench: ${inv.file} exited with ${code ?? signal}`)); return; }
      inv.onStdout?.(out);
      resolve({ wallS, pid: child.pid! });
    });
  });
}
