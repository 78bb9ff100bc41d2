/**
 * Segment writer throughput and size, for two workloads:
 *  - mixed: realistic mixed events (opens, execs, forks, exits, sockets, dns, ...)
 *  - storm: one process opening the same 200 files over and over
 * Prints rows/s (writer CPU time: encode + compress + write + finish) and bytes/row.
 *
 *   npx tsx bench/writer.ts [--rows 1000000] [--group 65536] [--level 3] [--runs 3] [--workload mixed|storm|both] [--keep DIR] [--cluster 1]
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSegmentSchema, type ColumnBatch } from '../src/record/batch.js';
import { SegmentWriter } from '../src/record/segment-writer.js';
import { rng } from './lib/rng.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const ROWS = Number(args.get('rows') ?? 1_000_000);
const GROUP = Number(args.get('group') ?? 65_536);
const LEVEL = Number(args.get('level') ?? 1);
const RUNS = Number(args.get('runs') ?? 3);
const WORKLOAD = args.get('workload') ?? 'both';
/** Reorder each batch by (proc_key, seq) before writing: an experiment in clustering rows by process. */
const CLUSTER = args.has('cluster');
/** Keep the last file of each workload in this directory (for inspection with DuckDB). */
const KEEP = args.get('keep');


const BOOT = '6f1c2a9e-4b7d-4e2a-9a51-3c0de1f2ab44';
const HOST = 'build-07.example.net';
const T0 = 1_763_709_303_000_000_000n;
const K0 = 3_600_000_000_000n;

interface Proc { pid: number; ppid: number; key: string; pkey: string; start: bigint; uid: bigint; user: string; comm: string; exe: string; cgroup: string; cgid: bigint; cid: string | null }

function makeProcs(r: () => number, n: number): Proc[] {
  const comms = ['bash', 'make', 'cc1', 'gcc', 'ld', 'node', 'python3', 'sshd', 'systemd', 'nginx', 'postgres', 'git', 'cat', 'grep', 'sed'];
  const out: Proc[] = [];
  for (let i = 0; i < n; i++) {
    const pid = 1000 + Math.floor(r() * 60000);
    const ppid = i === 0 ? 1 : out[Math.floor(r() * i)]!.pid;
    const start = T0 - BigInt(Math.floor(r() * 1e12));
    const comm = comms[Math.floor(r() * comms.length)]!;
    const uid = r() < 0.6 ? 1000n : 0n;
    const ctr = r() < 0.3;
    const cid = ctr ? 'a3f9c2e1b7d4' + i.toString(16).padStart(4, '0') : null;
    out.push({
      pid, ppid, start, uid, comm,
      key: `${BOOT.replace(/-/g, '').slice(0, 12)}:${start}:${pid}`,
      pkey: `${BOOT.replace(/-/g, '').slice(0, 12)}:${start - 1000n}:${ppid}`,
      user: uid === 0n ? 'root' : 'dev',
      exe: `/usr/bin/${comm}`,
      cgroup: ctr ? `/system.slice/docker-${cid}.scope` : '/user.slice/user-1000.slice/session-3.scope',
      cgid: 4000n + BigInt(i % 40),
      cid,
    });
  }
  return out;
}

/** Column-major batch builder over the columns the workloads fill. */
class Builder {
  cols: Record<string, unknown[]> = {};
  n = 0;
  constructor(private readonly names: string[]) { for (const c of names) this.cols[c] = []; }
  row(v: Record<string, unknown>): void {
    for (const c of this.names) this.cols[c]!.push(v[c] ?? null);
    this.n++;
  }
  take(): ColumnBatch { const b = { rowCount: this.n, columns: this.cols }; this.cols = {}; for (const c of this.names) this.cols[c] = []; this.n = 0; return b; }
}

const COMMON = ['seq', 'time', 'ktime_ns', 'kind', 'syscall', 'host', 'boot_id', 'pid', 'tid', 'ppid', 'proc_key', 'parent_key', 'proc_start', 'uid', 'gid', 'euid', 'user', 'euser', 'comm', 'cgroup_id', 'cgroup', 'container_id'];
const EXTRA = ['exe', 'filename', 'argv', 'argc', 'cwd', 'exe_ino', 'exe_dev', 'exe_mtime', 'exe_size', 'exe_sha256', 'exe_hash_status', 'child_pid', 'child_tid', 'child_key', 'is_thread', 'exit_code', 'core_dumped', 'ret', 'error', 'path', 'path_source', 'path_arg', 'flags', 'mode', 'fd', 'ino', 'dev', 'family', 'protocol', 'saddr', 'sport', 'daddr', 'dport', 'tcp_old_state', 'tcp_new_state', 'dns_query', 'dns_qtype', 'sock_cookie', 'path2'];

function common(p: Proc, seq: bigint, k: bigint, kind: string, syscall: string | null): Record<string, unknown> {
  return {
    seq, time: T0 + k, ktime_ns: K0 + k, kind, syscall, host: HOST, boot_id: BOOT, pid: p.pid, tid: p.pid, ppid: p.ppid,
    proc_key: p.key, parent_key: p.pkey, proc_start: p.start, uid: p.uid, gid: p.uid, euid: p.uid, user: p.user, euser: p.user,
    comm: p.comm, cgroup_id: p.cgid, cgroup: p.cgroup, container_id: p.cid,
  };
}

function* mixed(rows: number, group: number): Generator<ColumnBatch> {
  const r = rng(42);
  const procs = makeProcs(r, 300);
  const dirs = ['/usr/lib/x86_64-linux-gnu', '/etc', '/home/dev/src/hindsight/src', '/proc/self', '/tmp', '/var/lib/docker/overlay2/l', '/usr/include', '/home/dev/.cache/node'];
  const paths = Array.from({ length: 3000 }, (_, i) => `${dirs[i % dirs.length]}/${['lib', 'conf', 'mod', 'index', 'data'][i % 5]}${(i * 7919) % 10007}.${['so', 'ts', 'h', 'json', 'txt'][i % 5]}`);
  const errs = ['ENOENT', 'EACCES'];
  const b = new Builder([...COMMON, ...EXTRA]);
  let k = 0n;
  for (let seq = 0; seq < rows; seq++) {
    k += BigInt(1000 + Math.floor(r() * 20000));
    // hot processes generate most events (zipf-ish)
    const p = procs[Math.floor(procs.length * r() ** 3)]!;
    const x = r();
    let v: Record<string, unknown>;
    if (x < 0.6) {
      const path = paths[Math.floor(paths.length * r() ** 2)]!;
      const fail = r() < 0.15;
      v = { ...common(p, BigInt(seq), k, 'open', 'openat'), path, path_source: 'kernel', flags: fail ? 0n : 524288n, mode: 0, fd: -100,
        ret: fail ? -2n : BigInt(3 + Math.floor(r() * 8)), error: fail ? errs[0] : null, ino: fail ? null : 100000n + BigInt(path.length * 977), dev: fail ? null : 66305n };
    } else if (x < 0.66) {
      v = { ...common(p, BigInt(seq), k, 'exec', 'execve'), exe: p.exe, filename: p.exe, argv: [p.comm, '-c', `job-${Math.floor(r() * 50)}`, '--verbose'], argc: 4,
        cwd: '/home/dev/src/hindsight', exe_ino: 131073n, exe_dev: 66305n, exe_mtime: T0 - 86_400_000_000_000n, exe_size: 1_234_567n,
        exe_sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', exe_hash_status: 'ok' };
    } else if (x < 0.71) {
      const c = procs[Math.floor(r() * procs.length)]!;
      v = { ...common(p, BigInt(seq), k, 'fork', null), child_pid: c.pid, child_tid: c.pid, child_key: c.key, is_thread: r() < 0.3 };
    } else if (x < 0.76) {
      v = { ...common(p, BigInt(seq), k, 'exit', null), exit_code: r() < 0.9 ? 0 : 1, core_dumped: false };
    } else if (x < 0.84) {
      const path = paths[Math.floor(r() * paths.length)]!;
      const kind = ['unlink', 'rename', 'chmod', 'mkdir'][Math.floor(r() * 4)]!;
      v = { ...common(p, BigInt(seq), k, kind, kind === 'rename' ? 'renameat2' : kind + 'at'), path, path_source: 'joined', fd: -100, ret: 0n, flags: 0n,
        path2: kind === 'rename' ? path + '.new' : null };
    } else if (x < 0.92) {
      const kind = r() < 0.5 ? 'connect' : 'tcp_state';
      v = { ...common(p, BigInt(seq), k, kind, kind === 'connect' ? 'connect' : null), family: 'inet', protocol: 'tcp', saddr: '10.0.3.17', sport: 30000 + Math.floor(r() * 30000),
        daddr: ['140.82.112.3', '151.101.1.69', '10.0.0.2'][Math.floor(r() * 3)], dport: [443, 80, 5432][Math.floor(r() * 3)], ret: kind === 'connect' ? -115n : null,
        tcp_old_state: kind === 'tcp_state' ? 'SYN_SENT' : null, tcp_new_state: kind === 'tcp_state' ? 'ESTABLISHED' : null, sock_cookie: BigInt(Math.floor(r() * 2 ** 48)), fd: kind === 'connect' ? 5 : null };
    } else {
      v = { ...common(p, BigInt(seq), k, 'dns', 'sendto'), family: 'inet', protocol: 'udp', saddr: '10.0.3.17', sport: 40000 + Math.floor(r() * 20000), daddr: '10.0.0.53', dport: 53,
        dns_query: ['github.com', 'registry.npmjs.org', 'deb.debian.org', 'api.example.net'][Math.floor(r() * 4)], dns_qtype: r() < 0.5 ? 'A' : 'AAAA', ret: 40n, fd: 7, sock_cookie: BigInt(Math.floor(r() * 2 ** 48)) };
    }
    b.row(v);
    if (b.n === group) yield b.take();
  }
  if (b.n) yield b.take();
}

function* storm(rows: number, group: number): Generator<ColumnBatch> {
  const r = rng(7);
  const p = makeProcs(r, 1)[0]!;
  const paths = Array.from({ length: 200 }, (_, i) => `/tmp/storm/file-${String(i).padStart(3, '0')}.dat`);
  const b = new Builder([...COMMON, 'path', 'path_source', 'flags', 'mode', 'fd', 'ret', 'ino', 'dev']);
  let k = 0n;
  for (let seq = 0; seq < rows; seq++) {
    k += BigInt(2300 + Math.floor(r() * 150));
    const i = seq % 200;
    b.row({ ...common(p, BigInt(seq), k, 'open', 'openat'), path: paths[i], path_source: 'kernel', flags: 524288n, mode: 0, fd: -100, ret: 3n, ino: 500000n + BigInt(i), dev: 66305n });
    if (b.n === group) yield b.take();
  }
  if (b.n) yield b.take();
}

/** The batch with its rows ordered by (proc_key, seq). */
function clusterByProcess(batch: ColumnBatch): ColumnBatch {
  const keys = batch.columns.proc_key as (string | null)[];
  const order = Array.from({ length: batch.rowCount }, (_, i) => i);
  order.sort((a, b) => {
    const ka = keys[a] ?? '';
    const kb = keys[b] ?? '';
    return ka < kb ? -1 : ka > kb ? 1 : a - b;
  });
  const columns: Record<string, unknown[]> = {};
  for (const [name, values] of Object.entries(batch.columns)) {
    const out = new Array<unknown>(values.length);
    for (let i = 0; i < order.length; i++) out[i] = values[order[i]!];
    columns[name] = out;
  }
  return { rowCount: batch.rowCount, columns };
}

/** Writer cost only: batches are generated outside the timed sections. */
async function run(name: string, gen: (rows: number, group: number) => Generator<ColumnBatch>): Promise<void> {
  const schema = loadSegmentSchema();
  const results: { rps: number; wallRps: number; bpr: number }[] = [];
  for (let i = 0; i < RUNS; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'hs-bench-'));
    try {
      let cpuUs = 0;
      let wallNs = 0n;
      const timed = <T>(f: () => T): T => {
        const c0 = process.cpuUsage();
        const t0 = process.hrtime.bigint();
        const out = f();
        wallNs += process.hrtime.bigint() - t0;
        const c = process.cpuUsage(c0);
        cpuUs += c.user + c.system;
        return out;
      };
      const w = timed(() => SegmentWriter.open({ dir, baseName: `bench-${name}`, schema, zstdLevel: LEVEL }));
      for (const batch of gen(ROWS, GROUP)) timed(() => w.writeRowGroup(CLUSTER ? clusterByProcess(batch) : batch));
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      const info = await w.finish();
      wallNs += process.hrtime.bigint() - t0;
      const c = process.cpuUsage(c0);
      cpuUs += c.user + c.system;
      results.push({ rps: info.rows / (cpuUs / 1e6), wallRps: info.rows / (Number(wallNs) / 1e9), bpr: info.sizeBytes / info.rows });
      if (KEEP) copyFileSync(info.path, join(KEEP, `${name}.parquet`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  results.sort((a, b) => a.rps - b.rps);
  const med = results[Math.floor(results.length / 2)]!;
  console.log(`${name.padEnd(6)} rows=${ROWS} group=${GROUP} zstd=${LEVEL}: ${Math.round(med.rps).toLocaleString('en')} rows/s CPU (${(1e6 / med.rps).toFixed(2)} us/row), ` +
    `${Math.round(med.wallRps).toLocaleString('en')} rows/s wall, ${med.bpr.toFixed(2)} bytes/row`);
}

if (WORKLOAD !== 'storm') await run('mixed', mixed);
if (WORKLOAD !== 'mixed') await run('storm', storm);
