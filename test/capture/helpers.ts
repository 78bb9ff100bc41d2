/**
 * Shared fixtures of the capture tests: building bpf/selftest.bpf.c and the
 * getppid-loop load generator, starting that generator paused (so programs can
 * filter on its pid before it runs), compiling small BPF programs from C
 * source, running TypeScript in a child with fewer privileges, and checking
 * selftest records.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BpfObject, setLibbpfOutput } from '../../src/capture/bpf-object.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SELFTEST_OBJECT = join(ROOT, 'build/selftest.bpf.o');
// One fixed scratch directory, rebuilt on each run (test files run one at a time).
const work = join(tmpdir(), 'hindsight-capture-tests');
mkdirSync(work, { recursive: true });
const TRIGGER = join(work, 'getppid-loop');
// The errors under test say what libbpf would print; keep test output readable.
setLibbpfOutput(false);

/** Builds build/selftest.bpf.o (only that target) and the load generator. */
export function buildFixtures(): void {
  execFileSync('make', ['-s', '-C', join(ROOT, 'bpf'), '../build/selftest.bpf.o'], { stdio: 'inherit' });
  execFileSync('gcc', ['-O2', '-Wall', '-o', TRIGGER, join(ROOT, 'test/capture/getppid-loop.c')], { stdio: 'inherit' });
}

/** A getppid-loop child that waits for `go()` before making its calls. */
export class Trigger {
  readonly pid: number;
  readonly exited: Promise<number | null>;
  readonly #child: ChildProcess;

  constructor(count: number, ratePerSecond = 0) {
    this.#child = spawn(TRIGGER, [String(count), String(ratePerSecond)], { stdio: ['pipe', 'ignore', 'inherit'] });
    if (this.#child.pid === undefined) throw new Error('test: getppid-loop did not start');
    this.pid = this.#child.pid;
    this.exited = new Promise((res) => this.#child.on('exit', (code) => res(code)));
  }

  go(): void {
    this.#child.stdin?.end('g');
  }
}

/** Settings of the selftest program (see bpf/selftest.bpf.c). */
export interface SelftestSettings {
  sizeMin?: number;
  sizeMax?: number;
  discardEvery?: number;
  ringBytes?: number;
  stamp?: bigint;
  label?: string;
}

/** Opens, configures, loads and attaches the selftest object for `pid`. */
export function loadSelftest(pid: number, s: SelftestSettings = {}): BpfObject {
  const obj = BpfObject.open(SELFTEST_OBJECT);
  try {
    obj.setRodata('target_tgid', pid);
    obj.setRodata('size_min', s.sizeMin ?? 0);
    obj.setRodata('size_max', s.sizeMax ?? 64);
    obj.setRodata('discard_every', s.discardEvery ?? 0);
    if (s.stamp !== undefined) obj.setRodata('stamp', s.stamp);
    if (s.label !== undefined) obj.setRodata('label', new TextEncoder().encode(s.label));
    if (s.ringBytes !== undefined) obj.setMaxEntries('events', s.ringBytes);
    obj.load();
    const report = obj.attachAll();
    if (report.failed.length > 0) throw report.failed[0]?.error;
    return obj;
  } catch (e) {
    obj.close();
    throw e;
  }
}

/** A selftest record: its header and whether its payload is the expected pattern. */
export interface SelftestRecord {
  seq: number;
  len: number;
  stamp: bigint;
  label: string;
  payloadOk: boolean;
}

/** Decodes a selftest record at buf[offset, offset + length). */
export function parseRecord(buf: Uint8Array, offset: number, length: number): SelftestRecord {
  const dv = new DataView(buf.buffer, buf.byteOffset + offset, length);
  const seq = dv.getUint32(0, true);
  const len = dv.getUint32(4, true);
  let payloadOk = len + 32 === length;
  for (let i = 0; payloadOk && i < len; i++) payloadOk = buf[offset + 32 + i] === ((seq + i) & 0xff);
  const labelBytes = buf.subarray(offset + 16, offset + 32);
  const end = labelBytes.indexOf(0);
  return {
    seq,
    len,
    stamp: dv.getBigUint64(8, true),
    label: Buffer.from(labelBytes.subarray(0, end < 0 ? 16 : end)).toString(),
    payloadOk,
  };
}

/** The payload length the selftest program gives record `seq`. */
export function expectedLength(seq: number, sizeMin: number, sizeMax: number): number {
  return sizeMin + (seq % (sizeMax - sizeMin + 1));
}

/**
 * Compiles BPF C source (vmlinux.h and libbpf headers available) to an object
 * in a temporary directory and returns its path.
 */
export function compileBpf(name: string, source: string): string {
  const src = join(work, `${name}.bpf.c`);
  const obj = join(work, `${name}.bpf.o`);
  writeFileSync(src, source);
  execFileSync('clang', ['-g', '-O2', '-target', 'bpf', '-D__TARGET_ARCH_x86', `-I${join(ROOT, 'build')}`, `-I${join(ROOT, 'bpf')}`,
    '-I/usr/include/x86_64-linux-gnu', '-c', src, '-o', obj], { stdio: 'inherit' });
  return obj;
}

/**
 * Runs a TypeScript module body in a child Node (through tsx), prefixed by
 * `command` (e.g. setpriv to drop capabilities), and returns what it printed
 * on stdout as JSON. Imports in `body` may use `@capture/` for src/capture/.
 */
export function runIsolated(command: string[], body: string): unknown {
  const file = join(work, `child-${Math.random().toString(36).slice(2)}.mts`);
  writeFileSync(file, body.replaceAll('@capture/', `${join(ROOT, 'src/capture')}/`));
  const tsx = join(ROOT, 'node_modules/tsx/dist/cli.mjs');
  try {
    const out = execFileSync(command[0] ?? 'env', [...command.slice(1), process.execPath, tsx, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return JSON.parse(out);
  } finally {
    rmSync(file, { force: true });
  }
}
