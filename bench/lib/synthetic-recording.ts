/**
 * A synthetic recording for the analyzer benchmark (bench/analyzer.ts): many
 * hosts, a day of activity, in the real layout (RecordingStore: host=<h>/
 * date=<d>/seg-*.parquet plus a hash-chained manifest.jsonl) and the real
 * schema, written through the real writer (SegmentWriter, 65,536-row groups).
 *
 * What a host looks like:
 * - systemd (pid 1) and about 40 services alive when the recording starts
 *   (in every segment's snapshot rows); sshd spawns sessions (sshd -> sshd ->
 *   bash) that run commands, pipelines, scripts (nested, with interpreters
 *   running `sh -c`) and builds (make -> sh -> gcc -> cc1/as/collect2 -> ld);
 *   cron runs jobs (CRON -> sh -> run-parts -> job -> commands); containerd
 *   runs containers (shim -> tini -> app -> sh -c -> commands); systemd runs
 *   transient units (apt -> dpkg -> maintainer scripts); nginx and postgres
 *   fork workers and backends. Depth reaches about 15 below init.
 * - Each process: a fork row (from its parent), an exec row (most), its own
 *   rows, an exit row. Own rows are mostly opens (paths from ~200k distinct,
 *   skewed: shared libraries and /etc are hot, each process also reads its own
 *   neighbourhood of a project tree), some other file operations, about 5%
 *   network (connect, dns, tcp_state, accept, unix sockets), rare setuid,
 *   memfd and ptrace. ~2,000 distinct executables, ~50 users.
 * - Double-fork daemons (the parent exits first: the child's later rows name
 *   init or the container's subreaper as parent), threads (fork rows with
 *   is_thread; later rows from those tids), one `loss` row with a manifest
 *   `gap` entry per host.
 * - pid_max 32,768 on odd hosts (pids wrap many times a day: pid reuse),
 *   4,194,304 on even ones. Keys are `<boot12>:<start ticks>:<pid>` and unique
 *   (a pid reused within one 10 ms tick would get the `+ns` form).
 * - Rows are in time order per host; `seq` is gap-free per host (one recorder
 *   run); snapshot rows have no seq.
 *
 * Hosts are generated in parallel child processes (this file, run directly).
 * The recording is cached: a complete one has `bench-complete.json` (the
 * options and per-host facts) and is reused when the options match.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSegmentSchema, type ColumnBatch } from '../../src/record/batch.js';
import type { SegmentWriter } from '../../src/record/segment-writer.js';
import { RecordingStore } from '../../src/record/store.js';

export interface SyntheticOptions {
  /** Output root; removed and rewritten when it is not a complete recording of these options. */
  dir: string;
  /** Event rows in all (seq rows, without the per-segment snapshot rows). */
  events: number;
  hosts: number;
  /** Length of the recording. */
  hours: number;
  /** Rows per segment before it is rotated (rounded up to whole row groups). */
  segmentRows: number;
  zstdLevel: number;
  seed: number;
}

/** Facts about one generated host. */
export interface HostStats {
  host: string;
  bootId: string;
  pidMax: number;
  events: number;
  snapshotRows: number;
  processes: number;
  threads: number;
  segments: number;
  sizeBytes: number;
  maxDepth: number;
  /** A process at maxDepth: for ancestry timings. */
  deepKey: string;
  deepPid: number;
  /** Times a pid number was handed out again. */
  pidReuses: number;
  firstNs: string;
  lastNs: string;
  seconds: number;
}

export interface SyntheticRecording {
  dir: string;
  options: SyntheticOptions;
  hosts: HostStats[];
  /** Wall time of the generation (0 when reused). */
  generatedSeconds: number;
  generatedAt: string;
  /** {@link GENERATOR_VERSION} of the code that wrote it. */
  generator: number;
  reused: boolean;
}

export const DONE_MARKER = 'bench-complete.json';
/** Bumped whenever the generated data changes, so a cached recording of an older generator is rewritten. */
export const GENERATOR_VERSION = 2;
export const ROW_GROUP_ROWS = 65_536;
/** 2026-11-19T12:00:00Z: the recording starts here on every host. */
export const RECORDING_START_NS = BigInt(Date.UTC(2026, 10, 19, 12)) * 1_000_000n;

export function defaultOptions(events: number): SyntheticOptions {
  return {
    dir: `/var/tmp/hindsight-bench-${events >= 1e6 ? `${Math.round(events / 1e6)}m` : events}`,
    events, hosts: 4, hours: 24, segmentRows: 1_048_576, zstdLevel: 1, seed: 7,
  };
}

/**
 * Returns the recording for `opts`, generating it (hosts in parallel child
 * processes, at most one per core) unless a complete one is cached.
 * @throws Error `synthetic: host <h> failed ...` when a generator child fails.
 */
export async function ensureSyntheticRecording(opts: SyntheticOptions, log: (line: string) => void = () => {}): Promise<SyntheticRecording> {
  const marker = join(opts.dir, DONE_MARKER);
  if (existsSync(marker)) {
    const done = JSON.parse(readFileSync(marker, 'utf8')) as SyntheticRecording;
    if (JSON.stringify(done.options) === JSON.stringify(opts) && done.generator === GENERATOR_VERSION) return { ...done, reused: true };
    log(`synthetic: ${opts.dir} holds other options; regenerating`);
  }
  if (existsSync(opts.dir)) {
    if (!basename(opts.dir).startsWith('hindsight-bench-')) throw new Error(`synthetic: refusing to remove ${opts.dir} (not a hindsight-bench-* directory)`);
    rmSync(opts.dir, { recursive: true, force: true });
  }
  mkdirSync(opts.dir, { recursive: true });
  const t0 = performance.now();
  const hosts: HostStats[] = new Array(opts.hosts);
  const queue = Array.from({ length: opts.hosts }, (_, i) => i);
  const self = fileURLToPath(import.meta.url);
  const worker = async (): Promise<void> => {
    for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
      const index = i;
      hosts[index] = await new Promise<HostStats>((resolve, reject) => {
        const child = spawn(process.execPath, [...process.execArgv, self, JSON.stringify(opts), String(index)], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
        child.stderr.on('data', (b: Buffer) => { for (const l of b.toString().split('\n')) if (l !== '') log(l); });
        child.on('error', reject);
        child.on('close', (code) => {
          if (code !== 0) reject(new Error(`synthetic: host h${index + 1} failed with exit code ${code}`));
          else resolve(JSON.parse(out) as HostStats);
        });
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.hosts, Math.max(1, cpus().length)) }, worker));
  const rec: SyntheticRecording = {
    dir: opts.dir, options: opts, hosts, generatedSeconds: (performance.now() - t0) / 1000,
    generatedAt: new Date().toISOString(), generator: GENERATOR_VERSION, reused: false,
  };
  writeFileSync(marker, JSON.stringify(rec, null, 1));
  return rec;
}

// ---------------------------------------------------------------- randomness

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex(rnd: () => number, n: number): string {
  let s = '';
  while (s.length < n) s += Math.floor(rnd() * 0x100000000).toString(16).padStart(8, '0');
  return s.slice(0, n);
}

// ---------------------------------------------------------------- pools

interface User { name: string; uid: bigint; gid: bigint; group: string; human: boolean; home: string }
interface Exe { path: string; comm: string; ino: bigint; dev: bigint; size: bigint; mtime: bigint; sha: string }
interface Cgroup { id: bigint; path: string; container: string | null }

const SYSTEM_USERS: [string, number][] = [
  ['root', 0], ['daemon', 1], ['bin', 2], ['sys', 3], ['www-data', 33], ['backup', 34], ['nobody', 65534],
  ['systemd-network', 998], ['systemd-resolve', 997], ['systemd-timesync', 996], ['messagebus', 101], ['syslog', 102],
  ['_apt', 105], ['sshd', 106], ['postgres', 114], ['redis', 115], ['prometheus', 116], ['node-exporter', 117], ['grafana', 118],
  ['_chrony', 119], ['dnsmasq', 120], ['polkitd', 121],
];
const HUMANS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'niaj', 'olivia',
  'peggy', 'rupert', 'sybil', 'trent', 'victor', 'walter', 'xena', 'yusuf', 'zoe', 'amir', 'bianca', 'chen', 'dmitri', 'elena', 'farah'];

function makeUsers(): User[] {
  const users: User[] = SYSTEM_USERS.map(([name, uid]) => ({ name, uid: BigInt(uid), gid: BigInt(uid), group: name, human: false, home: uid === 0 ? '/root' : '/' }));
  HUMANS.forEach((name, i) => users.push({ name, uid: BigInt(1000 + i), gid: BigInt(1000 + i), group: name, human: true, home: `/home/${name}` }));
  return users;
}

const COMMON_BIN = ['ls', 'cat', 'grep', 'sed', 'awk', 'find', 'git', 'python3', 'curl', 'ps', 'head', 'tail', 'sort', 'uniq', 'wc', 'cut',
  'tr', 'xargs', 'env', 'id', 'date', 'sleep', 'mkdir', 'rm', 'cp', 'mv', 'chmod', 'chown', 'ln', 'touch', 'stat', 'du', 'df', 'tar', 'gzip',
  'ssh', 'scp', 'rsync', 'vim', 'less', 'make', 'gcc', 'node', 'npm', 'docker', 'kubectl', 'jq', 'wget', 'top', 'free', 'uname', 'hostname',
  'systemctl', 'journalctl', 'sudo', 'su', 'bash', 'dash', 'sh', 'perl', 'ruby', 'go', 'cargo', 'rustc', 'java', 'psql', 'redis-cli',
  'openssl', 'base64', 'md5sum', 'sha256sum', 'tee', 'basename', 'dirname', 'readlink', 'realpath', 'which', 'file', 'diff', 'patch',
  'ip', 'ss', 'netstat', 'ping', 'dig', 'nslookup', 'lsof', 'strace', 'gdb', 'kill', 'pkill', 'pgrep', 'nohup', 'timeout', 'watch',
  'crontab', 'at', 'zip', 'unzip', 'xz', 'zstd', 'bzip2', 'man', 'apt-get', 'dpkg', 'apt-cache', 'pip3', 'virtualenv', 'tmux', 'screen'];

/** ~2,000 executables: common tools first (the skewed pick favours low indexes), then long-tail packages. */
function makeExes(rnd: () => number): Exe[] {
  const paths: string[] = COMMON_BIN.map((n) => `/usr/bin/${n}`);
  const pkgs = ['gnome', 'kde', 'lib', 'perl5', 'python3.12', 'node_modules', 'jvm', 'go', 'llvm-18', 'gcc/x86_64-linux-gnu/13', 'cups', 'snapd', 'docker', 'containerd', 'podman', 'postgresql/16', 'nginx', 'systemd', 'udev', 'polkit-1', 'dbus-1.0', 'openssh', 'git-core'];
  for (let i = 0; paths.length < 2000; i++) {
    const r = rnd();
    if (r < 0.35) paths.push(`/usr/bin/tool-${i.toString(36)}`);
    else if (r < 0.6) paths.push(`/usr/lib/${pkgs[i % pkgs.length]}/libexec-${i.toString(36)}`);
    else if (r < 0.75) paths.push(`/usr/sbin/svc-${i.toString(36)}`);
    else if (r < 0.9) paths.push(`/opt/vendor${i % 37}/bin/agent-${i.toString(36)}`);
    else if (r < 0.97) paths.push(`/home/${HUMANS[i % HUMANS.length]}/.local/bin/script-${i.toString(36)}`);
    else paths.push(`/tmp/build-${i.toString(36)}/a.out`);
  }
  return paths.map((path) => ({
    path, comm: path.slice(path.lastIndexOf('/') + 1).slice(0, 15),
    ino: BigInt(100_000 + Math.floor(rnd() * 50_000_000)), dev: 2049n, size: BigInt(8_000 + Math.floor(rnd() * 30_000_000)),
    mtime: RECORDING_START_NS - BigInt(Math.floor(rnd() * 300 * 86400)) * 1_000_000_000n, sha: '',
  })).map((e) => ({ ...e, sha: hex(rnd, 64) }));
}

const NAMED_EXES = ['/usr/lib/systemd/systemd', '/usr/sbin/sshd', '/usr/sbin/cron', '/usr/bin/containerd', '/usr/bin/containerd-shim-runc-v2',
  '/usr/bin/tini', '/usr/sbin/nginx', '/usr/lib/postgresql/16/bin/postgres', '/usr/bin/dockerd', '/usr/lib/systemd/systemd-journald',
  '/usr/lib/systemd/systemd-resolved', '/usr/lib/systemd/systemd-networkd', '/usr/lib/systemd/systemd-logind', '/usr/lib/systemd/systemd-udevd',
  '/usr/sbin/rsyslogd', '/usr/bin/dbus-daemon', '/usr/sbin/chronyd', '/usr/bin/redis-server', '/usr/bin/prometheus', '/usr/bin/node_exporter',
  '/usr/sbin/grafana-server', '/usr/lib/polkit-1/polkitd', '/usr/sbin/irqbalance', '/usr/lib/snapd/snapd', '/usr/sbin/ModemManager',
  '/usr/bin/bash', '/usr/bin/dash', '/usr/bin/make', '/usr/bin/gcc', '/usr/libexec/gcc/x86_64-linux-gnu/13/cc1', '/usr/bin/as',
  '/usr/libexec/gcc/x86_64-linux-gnu/13/collect2', '/usr/bin/ld', '/usr/bin/run-parts', '/usr/bin/python3.12', '/usr/bin/apt-get',
  '/usr/bin/dpkg', '/usr/lib/apt/methods/http', '/usr/sbin/logrotate', '/usr/bin/gzip', '/usr/bin/systemd-tmpfiles', '/usr/bin/java',
  '/usr/bin/node', '/usr/bin/git', '/usr/lib/git-core/git-remote-https', '/usr/bin/ssh', '/usr/bin/sudo', '/usr/bin/env', '/usr/sbin/unix_chkpwd'];

/** ~200k paths. Index 0..HOT_PATHS-1 are hot (libraries, /etc, /proc/self, /dev); the rest are per-area trees. */
const HOT_PATHS = 6_000;
function makePaths(rnd: () => number): string[] {
  const out: string[] = [];
  const libs = ['c.so.6', 'm.so.6', 'pthread.so.0', 'dl.so.2', 'ssl.so.3', 'crypto.so.3', 'z.so.1', 'zstd.so.1', 'lzma.so.5', 'pcre2-8.so.0',
    'selinux.so.1', 'systemd.so.0', 'tinfo.so.6', 'readline.so.8', 'ffi.so.8', 'stdc++.so.6', 'gcc_s.so.1', 'python3.12.so.1.0', 'curl.so.4', 'uuid.so.1'];
  for (const l of libs) out.push(`/usr/lib/x86_64-linux-gnu/lib${l}`);
  out.push('/etc/ld.so.cache', '/etc/passwd', '/etc/group', '/etc/nsswitch.conf', '/etc/hosts', '/etc/resolv.conf', '/etc/localtime',
    '/dev/null', '/dev/urandom', '/dev/tty', '/proc/self/status', '/proc/self/maps', '/proc/meminfo', '/proc/stat', '/proc/cpuinfo',
    '/etc/ssl/certs/ca-certificates.crt', '/usr/lib/locale/locale-archive', '/etc/shadow', '/etc/sudoers', '/etc/pam.d/common-auth');
  while (out.length < 2_000) out.push(`/usr/lib/x86_64-linux-gnu/lib${hex(rnd, 6)}.so.${Math.floor(rnd() * 9)}`);
  while (out.length < 3_000) out.push(`/etc/${['systemd/system', 'default', 'security', 'ssl', 'apt/sources.list.d', 'nginx/conf.d', 'cron.d', 'profile.d'][out.length % 8]}/${hex(rnd, 5)}.conf`);
  while (out.length < 4_500) out.push(`/usr/share/${['zoneinfo', 'locale', 'i18n', 'mime', 'terminfo', 'ca-certificates'][out.length % 6]}/${hex(rnd, 6)}`);
  while (out.length < HOT_PATHS) out.push(`/usr/lib/python3/dist-packages/${hex(rnd, 5)}/__init__.py`);
  const areas: ((i: number) => string)[] = [
    (i) => `/home/${HUMANS[i % HUMANS.length]}/src/proj${(i >> 9) % 40}/${['src', 'include', 'lib', 'test', 'build'][i % 5]}/${hex(rnd, 4)}.${['c', 'h', 'o', 'py', 'ts', 'json'][i % 6]}`,
    (i) => `/usr/include/${['linux', 'sys', 'bits', 'asm', 'x86_64-linux-gnu/bits', 'openssl', 'c++/13'][i % 7]}/${hex(rnd, 5)}.h`,
    (i) => `/var/lib/postgresql/16/main/base/${16384 + (i % 12)}/${16000 + i}`,
    (i) => `/var/log/${['nginx', 'postgresql', 'apt', 'journal'][i % 4]}/${hex(rnd, 6)}.log`,
    (i) => `/tmp/tmp.${hex(rnd, 10)}`,
    (i) => `/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/${i % 400}/fs/usr/lib/${hex(rnd, 6)}`,
    (i) => `/usr/lib/node_modules/${hex(rnd, 5)}/lib/${hex(rnd, 4)}.js`,
    (i) => `/sys/fs/cgroup/system.slice/${hex(rnd, 6)}.service/memory.current`,
  ];
  const weights = [0.45, 0.1, 0.08, 0.04, 0.06, 0.12, 0.12, 0.03];
  const seen = new Set(out);
  let i = 0;
  for (let a = 0; a < areas.length; a++) {
    const target = out.length + Math.floor(194_000 * weights[a]!);
    while (out.length < target) {
      const p = areas[a]!(i++);
      if (!seen.has(p)) { seen.add(p); out.push(p); }
    }
  }
  return out;
}

const DNS_NAMES_BASE = ['archive.ubuntu.com', 'security.ubuntu.com', 'github.com', 'api.github.com', 'registry-1.docker.io', 'pypi.org',
  'files.pythonhosted.org', 'registry.npmjs.org', 'ntp.ubuntu.com', 'login.example.net', 'db.internal', 'cache.internal', 'metrics.internal'];

// ---------------------------------------------------------------- roles

/** What a process does: its image, how much it does itself, what it spawns. */
interface Role {
  name: string;
  /** Image at exec; null = no exec (a subshell keeps its parent's image). */
  exe: ((g: HostGen, p: Proc) => Exe) | null;
  argv: (g: HostGen, p: Proc) => string[];
  /** Mean own rows (opens, file ops, net) before exit; drawn skewed. */
  budget: number;
  /** Mean children. */
  children: number;
  /** Child role names with weights. */
  kids: [string, number][];
  /** Probability that a spawned child runs in the foreground (the parent waits for it). */
  fg: number;
  /** Share of own rows that are network rows, and other (non-open) file operations. */
  net: number;
  fileOps: number;
  /** Threads started now and then. */
  threads: boolean;
  /** The parent exits without waiting: the child is reparented (double fork). */
  detach: number;
  /** User: 'keep' (the parent's), 'human', or a system user name. */
  user: string;
  /** Never exits (services). */
  longLived: boolean;
  /** The process reaps orphans of its subtree (PR_SET_CHILD_SUBREAPER). */
  subreaper: boolean;
}

function role(name: string, r: Partial<Role>): Role {
  return {
    name, exe: null, argv: (_g, p) => [p.exe.comm], budget: 40, children: 0, kids: [], fg: 1, net: 0.03, fileOps: 0.08, threads: false,
    detach: 0, user: 'keep', longLived: false, subreaper: false, ...r,
  };
}

const named = (path: string) => (g: HostGen): Exe => g.exeByPath(path);
const toolExe = (g: HostGen): Exe => g.exes[Math.floor(Math.pow(g.rnd(), 3) * g.exes.length)]!;

const ROLES: Record<string, Role> = Object.fromEntries([
  role('sshd_session', { exe: named('/usr/sbin/sshd'), argv: (g) => ['sshd: ' + g.pickHuman().name + ' [priv]'], budget: 30, children: 1, kids: [['login_shell', 1]], net: 0.3, user: 'root' }),
  role('login_shell', { exe: named('/usr/bin/bash'), argv: () => ['-bash'], budget: 60, children: 14, fg: 0.92, user: 'human',
    kids: [['command', 70], ['subshell', 8], ['script', 9], ['build', 4], ['sudo', 3], ['git', 5], ['daemonize', 1]] }),
  role('command', { exe: toolExe, argv: (g, p) => g.commandArgv(p), budget: 35, children: 0.05, kids: [['command', 1]], net: 0.05 }),
  role('subshell', { argv: (_g, p) => p.argv, budget: 4, children: 2, kids: [['command', 1]], fg: 0.5 }),
  role('script', { exe: named('/usr/bin/bash'), argv: (g, p) => ['bash', `${p.user.home}/bin/${g.word()}.sh`], budget: 20, children: 6, fg: 0.9,
    kids: [['command', 60], ['script', 12], ['python', 10], ['subshell', 8], ['git', 5]] }),
  role('python', { exe: named('/usr/bin/python3.12'), argv: (g) => ['python3', `/opt/tools/${g.word()}.py`], budget: 250, children: 1.2, kids: [['sh_c', 1]], net: 0.08 }),
  role('sh_c', { exe: named('/usr/bin/dash'), argv: (g) => ['/bin/sh', '-c', `${g.toolName()} ${g.word()}`], budget: 3, children: 1, kids: [['command', 5], ['script', 1]] }),
  role('git', { exe: named('/usr/bin/git'), argv: (g) => ['git', ['status', 'fetch', 'log', 'diff', 'pull', 'commit'][Math.floor(g.rnd() * 6)]!], budget: 180, children: 1, kids: [['git_remote', 1], ['command', 1]], net: 0.04 }),
  role('git_remote', { exe: named('/usr/lib/git-core/git-remote-https'), argv: () => ['git-remote-https', 'origin', 'https://github.com/example/repo.git'], budget: 60, net: 0.4 }),
  role('sudo', { exe: named('/usr/bin/sudo'), argv: (g) => ['sudo', g.toolName()], budget: 25, children: 1.2, kids: [['unix_chkpwd', 1], ['command_root', 3]] }),
  role('unix_chkpwd', { exe: named('/usr/sbin/unix_chkpwd'), argv: (_g, p) => ['/usr/sbin/unix_chkpwd', p.user.name, 'nullok'], budget: 6 }),
  role('command_root', { exe: toolExe, argv: (g, p) => g.commandArgv(p), budget: 45, user: 'root', children: 0.1, kids: [['command', 1]] }),
  role('daemonize', { exe: named('/usr/bin/bash'), argv: () => ['bash', '-c', 'nohup ./agent &'], budget: 3, children: 1, fg: 0, detach: 1, kids: [['daemon', 1]] }),
  role('daemon', { exe: (g) => g.exes[300 + Math.floor(g.rnd() * 200)]!, argv: (_g, p) => [p.exe.comm, '--daemon'], budget: 1500, net: 0.15, threads: true, children: 2, fg: 0.5, kids: [['command', 1]] }),
  role('build', { exe: named('/usr/bin/make'), argv: () => ['make', '-j2'], budget: 80, children: 8, fg: 0.7, kids: [['compile', 10], ['build', 1]] }),
  role('compile', { exe: named('/usr/bin/dash'), argv: (g) => ['/bin/sh', '-c', `gcc -O2 -c ${g.word()}.c`], budget: 3, children: 1, kids: [['gcc', 1]] }),
  role('gcc', { exe: named('/usr/bin/gcc'), argv: (g) => ['gcc', '-O2', '-c', `${g.word()}.c`], budget: 25, children: 2.5, kids: [['cc1', 4], ['as', 4], ['collect2', 1]] }),
  role('cc1', { exe: named('/usr/libexec/gcc/x86_64-linux-gnu/13/cc1'), argv: (g) => ['cc1', '-quiet', `${g.word()}.c`], budget: 400, fileOps: 0.01, net: 0 }),
  role('as', { exe: named('/usr/bin/as'), argv: (g) => ['as', '--64', '-o', `${g.word()}.o`], budget: 12, net: 0 }),
  role('collect2', { exe: named('/usr/libexec/gcc/x86_64-linux-gnu/13/collect2'), argv: () => ['collect2', '-o', 'a.out'], budget: 10, children: 1, kids: [['ld', 1]] }),
  role('ld', { exe: named('/usr/bin/ld'), argv: () => ['ld', '-o', 'a.out'], budget: 150, net: 0 }),
  role('cron_child', { exe: null, argv: () => ['/usr/sbin/CRON', '-f'], budget: 8, children: 1, kids: [['cron_sh', 1]], user: 'root' }),
  role('cron_sh', { exe: named('/usr/bin/dash'), argv: () => ['/bin/sh', '-c', 'cd / && run-parts --report /etc/cron.hourly'], budget: 3, children: 1, kids: [['run_parts', 3], ['script', 1]] }),
  role('run_parts', { exe: named('/usr/bin/run-parts'), argv: () => ['run-parts', '--report', '/etc/cron.hourly'], budget: 10, children: 2, kids: [['script', 2], ['logrotate', 1], ['command', 1]] }),
  role('logrotate', { exe: named('/usr/sbin/logrotate'), argv: () => ['/usr/sbin/logrotate', '/etc/logrotate.conf'], budget: 120, fileOps: 0.3, children: 2, kids: [['gzip', 1]] }),
  role('gzip', { exe: named('/usr/bin/gzip'), argv: (g) => ['gzip', `/var/log/${g.word()}.log.1`], budget: 8, fileOps: 0.3 }),
  role('shim', { exe: named('/usr/bin/containerd-shim-runc-v2'), argv: (g) => ['containerd-shim-runc-v2', '-namespace', 'moby', '-id', g.newContainer()], budget: 40, children: 1, kids: [['container_init', 1]], subreaper: true, fg: 1, user: 'root' }),
  role('container_init', { exe: named('/usr/bin/tini'), argv: () => ['/tini', '--', '/app/run'], budget: 5, children: 1, kids: [['container_app', 1]], subreaper: true }),
  role('container_app', { exe: (g) => g.exeByPath(['/usr/bin/python3.12', '/usr/bin/node', '/usr/bin/java'][Math.floor(g.rnd() * 3)]!), argv: (_g, p) => [p.exe.comm, '/app/main'], budget: 2500, net: 0.12, threads: true, children: 4, fg: 0.3, detach: 0.15, kids: [['sh_c', 1]], user: 'www-data' }),
  role('unit', { exe: (g) => g.exeByPath(['/usr/bin/systemd-tmpfiles', '/usr/sbin/logrotate', '/usr/bin/apt-get'][Math.floor(g.rnd() * 3)]!), argv: (_g, p) => [p.exe.comm, '--clean'], budget: 150, children: 0.6, kids: [['apt_method', 2], ['dpkg', 1]], user: 'root' }),
  role('apt_method', { exe: named('/usr/lib/apt/methods/http'), argv: () => ['/usr/lib/apt/methods/http'], budget: 80, net: 0.35, user: '_apt' }),
  role('dpkg', { exe: named('/usr/bin/dpkg'), argv: () => ['/usr/bin/dpkg', '--status-fd', '23', '--configure', '--pending'], budget: 800, fileOps: 0.25, children: 3, kids: [['script', 1]] }),
  role('nginx_worker', { exe: null, argv: () => ['nginx: worker process'], budget: 3000, net: 0.35, user: 'www-data', threads: true }),
  role('pg_backend', { exe: null, argv: (g) => [`postgres: app appdb 10.0.${Math.floor(g.rnd() * 4)}.${Math.floor(g.rnd() * 250)}(${32768 + Math.floor(g.rnd() * 28000)}) idle`], budget: 600, net: 0.06, fileOps: 0.02, user: 'postgres' }),
  role('service', { budget: 0, longLived: true, net: 0.1, threads: true }),
].map((r) => [r.name, r]));

/** Services alive from boot: exe, child role, relative spawn weight, user. */
const SERVICES: [string, string | null, number, string][] = [
  ['/usr/sbin/sshd', 'sshd_session', 10, 'root'],
  ['/usr/sbin/cron', 'cron_child', 6, 'root'],
  ['/usr/bin/containerd', 'shim', 4, 'root'],
  ['/usr/sbin/nginx', 'nginx_worker', 1, 'root'],
  ['/usr/lib/postgresql/16/bin/postgres', 'pg_backend', 8, 'postgres'],
  ['/usr/bin/dockerd', null, 0, 'root'], ['/usr/lib/systemd/systemd-journald', null, 0, 'root'],
  ['/usr/lib/systemd/systemd-resolved', null, 0, 'systemd-resolve'], ['/usr/lib/systemd/systemd-networkd', null, 0, 'systemd-network'],
  ['/usr/lib/systemd/systemd-logind', null, 0, 'root'], ['/usr/lib/systemd/systemd-udevd', null, 0, 'root'],
  ['/usr/sbin/rsyslogd', null, 0, 'syslog'], ['/usr/bin/dbus-daemon', null, 0, 'messagebus'], ['/usr/sbin/chronyd', null, 0, '_chrony'],
  ['/usr/bin/redis-server', null, 0, 'redis'], ['/usr/bin/prometheus', null, 0, 'prometheus'], ['/usr/bin/node_exporter', null, 0, 'node-exporter'],
  ['/usr/sbin/grafana-server', null, 0, 'grafana'], ['/usr/lib/polkit-1/polkitd', null, 0, 'polkitd'], ['/usr/sbin/irqbalance', null, 0, 'root'],
  ['/usr/lib/snapd/snapd', null, 0, 'root'], ['/usr/sbin/ModemManager', null, 0, 'root'],
];
/** systemd itself starts transient units (apt-daily, logrotate, tmpfiles). */
const SYSTEMD_SPAWN_WEIGHT = 2;

// ---------------------------------------------------------------- processes

class Proc {
  key = '';
  parentKey: string | null = null;
  ppid = 0;
  procStart = 0n;
  startK = 0;
  parent: Proc | null = null;
  cur: Proc | null = null;
  exe!: Exe;
  argv: string[] = [];
  comm = '';
  cwd = '/';
  user!: User;
  cg!: Cgroup;
  sid = 0;
  tty: string | null = null;
  loginuid: bigint | null = null;
  sessionid: bigint | null = null;
  budget = 0;
  spawnLeft = 0;
  live = 0;
  blocked = false;
  execPending = false;
  idx = -1;
  depth = 0;
  kids: Proc[] = [];
  threads: number[] = [];
  pathBase = 0;
  fd = 3;
  spawnWeight = 0;
  childRole: Role | null = null;
  constructor(readonly pid: number, readonly role: Role) {}
}

// ---------------------------------------------------------------- host generator

const KIND_SYSCALL: Record<string, string | null> = {
  exec: 'execve', fork: 'clone', exit: null, open: 'openat', unlink: 'unlinkat', rename: 'renameat2', chmod: 'fchmodat', chown: 'fchownat',
  mkdir: 'mkdirat', link: 'linkat', symlink: 'symlinkat', truncate: 'truncate', connect: 'connect', accept: 'accept4', bind: 'bind',
  listen: 'listen', tcp_state: null, dns: 'sendto', setuid: 'setresuid', memfd: 'memfd_create', ptrace: 'ptrace', loss: null, snapshot: null,
};

/** Columns this generator fills; every other schema column is null. */
const FILLED = ['seq', 'time', 'ktime_ns', 'kind', 'syscall', 'host', 'boot_id', 'pid', 'tid', 'ppid', 'proc_key', 'parent_key', 'proc_start',
  'uid', 'gid', 'euid', 'user', 'euser', 'group_name', 'comm', 'cgroup_id', 'cgroup', 'container_id',
  'exe', 'filename', 'argv', 'argc', 'cwd', 'egid', 'loginuid', 'sessionid', 'sid', 'tty', 'exe_ino', 'exe_dev', 'exe_mtime', 'exe_size',
  'exe_deleted', 'exe_memfd', 'exe_sha256', 'exe_hash_status', 'child_pid', 'child_tid', 'child_key', 'is_thread', 'exit_code', 'exit_signal',
  'core_dumped', 'ret', 'error', 'path', 'path_source', 'path2', 'flags', 'mode', 'fd', 'ino', 'dev', 'uid_arg', 'family', 'protocol',
  'saddr', 'sport', 'daddr', 'dport', 'tcp_old_state', 'tcp_new_state', 'unix_path', 'dns_query', 'dns_qtype', 'sock_cookie',
  'target_pid', 'ptrace_request', 'id_real', 'id_effective', 'name', 'lost_count', 'lost_reason'] as const;
type Col = (typeof FILLED)[number];

/** Scales every role's own rows: tuned so a process has about 100 rows in all (1M processes per 100M events). */
const BUDGET_SCALE = 1.27;
/** Mean rows of one burst of a process. */
const BURST = 4;

const SMALL_BIG: bigint[] = Array.from({ length: 1024 }, (_, i) => BigInt(i));
const NEG_BIG: bigint[] = Array.from({ length: 200 }, (_, i) => BigInt(-i));

class HostGen {
  readonly rnd: () => number;
  readonly exes: Exe[];
  readonly paths: string[];
  readonly pathIno: bigint[];
  readonly users: User[];
  readonly humans: User[];
  readonly host: string;
  readonly bootId: string;
  readonly boot12: string;
  readonly pidMax: number;
  private readonly byPath = new Map<string, Exe>();
  private readonly byUser = new Map<string, User>();
  private readonly dnsNames: string[];
  private readonly remote: string[];
  private readonly words: string[];
  private readonly cgroups = new Map<string, Cgroup>();
  private readonly pidLive: Uint8Array;
  private readonly pidTick: Float64Array;
  private nextPid = 2;
  private readonly bootWallNs: bigint;
  /** CLOCK_BOOTTIME now, ns (a JS number: a few days fit well below 2^53). */
  k: number;
  private seq = 0;
  private readonly runnable: Proc[] = [];
  private readonly services: Proc[] = [];
  private spawnTotal = 0;
  init!: Proc;
  // output
  private readonly cols: Record<Col, unknown[]>;
  private n = 0;
  private segRows = 0;
  private writer: SegmentWriter | null = null;
  private segMinNs = 0n;
  private segMaxNs = 0n;
  private segSeqMin = -1;
  private segSeqMax = -1;
  private segKinds: Record<string, number> = {};
  private segLost = 0;
  private rotateDue = false;
  private limit = 0;
  /** CLOCK_BOOTTIME at the end of the recording. */
  private endK = 0;
  /** Mean time to the next row, ns: short within a burst of one process, longer between bursts. */
  private gapNs = 0;
  private readonly store: RecordingStore;
  private readonly schema = loadSegmentSchema();
  stats: HostStats;
  private containers = 0;
  private sessions = 0;

  constructor(private readonly opts: SyntheticOptions, readonly index: number) {
    this.rnd = mulberry32(opts.seed * 1000 + index + 1);
    const shared = mulberry32(opts.seed); // the same exes and paths on every host
    this.exes = makeExes(shared);
    for (const p of NAMED_EXES) if (!this.exes.some((e) => e.path === p)) this.exes.push({ ...this.exes[0]!, path: p, comm: p.slice(p.lastIndexOf('/') + 1).slice(0, 15), sha: hex(shared, 64) });
    for (const e of this.exes) this.byPath.set(e.path, e);
    this.paths = makePaths(shared);
    this.pathIno = this.paths.map((_, i) => BigInt(1_000_000 + i * 7919));
    this.users = makeUsers();
    for (const u of this.users) this.byUser.set(u.name, u);
    this.humans = this.users.filter((u) => u.human);
    this.dnsNames = [...DNS_NAMES_BASE];
    while (this.dnsNames.length < 3000) this.dnsNames.push(`${hex(shared, 6)}.${['cdn.example.com', 'svc.cluster.local', 'amazonaws.com', 'example.org'][this.dnsNames.length % 4]}`);
    this.remote = Array.from({ length: 5000 }, () => `${[10, 172, 192, 93, 140, 151][Math.floor(shared() * 6)]}.${Math.floor(shared() * 256)}.${Math.floor(shared() * 256)}.${Math.floor(shared() * 256)}`);
    this.words = Array.from({ length: 4000 }, () => hex(shared, 3 + Math.floor(shared() * 6)));
    this.host = `h${index + 1}`;
    this.bootId = `${hex(this.rnd, 8)}-${hex(this.rnd, 4)}-4${hex(this.rnd, 3)}-a${hex(this.rnd, 3)}-${hex(this.rnd, 12)}`;
    this.boot12 = this.bootId.replace(/-/g, '').slice(0, 12);
    this.pidMax = index % 2 === 0 ? 32_768 : 4_194_304;
    this.pidLive = new Uint8Array(this.pidMax);
    this.pidTick = new Float64Array(this.pidMax).fill(-1);
    const bootAgoNs = (2 + index) * 86_400e9 + index * 3_600e9;
    this.bootWallNs = RECORDING_START_NS - BigInt(bootAgoNs);
    this.k = bootAgoNs;
    const perHost = Math.floor(opts.events / opts.hosts) + (index < opts.events % opts.hosts ? 1 : 0);
    this.cols = Object.fromEntries(FILLED.map((c) => [c, new Array<unknown>(ROW_GROUP_ROWS).fill(null)])) as Record<Col, unknown[]>;
    this.store = RecordingStore.open({ out: opts.dir, runId: `bench${hex(this.rnd, 8)}`, host: this.host, nowNs: () => this.wall(this.k) });
    this.stats = {
      host: this.host, bootId: this.bootId, pidMax: this.pidMax, events: 0, snapshotRows: 0, processes: 0, threads: 0, segments: 0, sizeBytes: 0,
      maxDepth: 0, deepKey: '', deepPid: 0, pidReuses: 0, firstNs: '', lastNs: '', seconds: 0,
    };
  }

  wall(k: number): bigint { return this.bootWallNs + BigInt(k); }
  exeByPath(p: string): Exe { const e = this.byPath.get(p); if (e === undefined) throw new Error(`synthetic: no exe ${p}`); return e; }
  pickHuman(): User { return this.humans[Math.floor(Math.pow(this.rnd(), 2) * this.humans.length)]!; }
  word(): string { return this.words[Math.floor(this.rnd() * this.words.length)]!; }
  toolName(): string { return COMMON_BIN[Math.floor(Math.pow(this.rnd(), 2) * COMMON_BIN.length)]!; }
  newContainer(): string { this.containers++; return hex(this.rnd, 64); }
  commandArgv(p: Proc): string[] {
    const a = [p.exe.comm];
    const n = Math.floor(this.rnd() * 4);
    for (let i = 0; i < n; i++) a.push(this.rnd() < 0.5 ? `-${'lavhrnq'[Math.floor(this.rnd() * 7)]}` : this.pathNear(p));
    return a;
  }
  private pathNear(p: Proc): string {
    if (this.rnd() < 0.45) return this.paths[Math.floor(Math.pow(this.rnd(), 3) * HOT_PATHS)]!;
    return this.paths[p.pathBase + Math.floor(Math.pow(this.rnd(), 2) * 3000)]!;
  }
  private pathIndexNear(p: Proc): number {
    if (this.rnd() < 0.45) return Math.floor(Math.pow(this.rnd(), 3) * HOT_PATHS);
    return p.pathBase + Math.floor(Math.pow(this.rnd(), 2) * 3000);
  }

  private cgroup(path: string, container: string | null = null): Cgroup {
    let c = this.cgroups.get(path);
    if (c === undefined) { c = { id: BigInt(5000 + this.cgroups.size * 17), path, container }; this.cgroups.set(path, c); }
    return c;
  }

  private allocPid(k: number): number {
    for (let tries = 0; tries < this.pidMax; tries++) {
      const pid = this.nextPid;
      this.nextPid = pid + 1 >= this.pidMax ? 300 : pid + 1;
      if (this.pidLive[pid] === 0) {
        this.pidLive[pid] = 1;
        if (this.pidTick[pid]! >= 0) this.stats.pidReuses++;
        return pid;
      }
    }
    throw new Error(`synthetic: ${this.host}: pid space exhausted`);
  }

  /** A new process forked by `parent` now (no rows written). */
  private newProc(parent: Proc | null, r: Role, k: number, fixedPid = 0): Proc {
    const pid = fixedPid || this.allocPid(k);
    this.pidLive[pid] = 1;
    const p = new Proc(pid, r);
    const tick = Math.floor(k / 1e7);
    p.key = this.pidTick[pid] === tick ? `${this.boot12}:${tick}+${k % 1e7}:${pid}` : `${this.boot12}:${tick}:${pid}`;
    this.pidTick[pid] = tick;
    p.startK = k;
    p.procStart = this.wall(k);
    p.parent = parent;
    p.cur = parent;
    p.parentKey = parent?.key ?? null;
    p.ppid = parent?.pid ?? 0;
    p.depth = parent === null ? 0 : parent.depth + 1;
    if (parent !== null) {
      p.exe = parent.exe; p.argv = parent.argv; p.comm = parent.comm; p.cwd = parent.cwd; p.user = parent.user; p.cg = parent.cg;
      p.sid = parent.sid; p.tty = parent.tty; p.loginuid = parent.loginuid; p.sessionid = parent.sessionid; p.pathBase = parent.pathBase;
    }
    if (r.user === 'human') {
      p.user = this.pickHuman();
      this.sessions++;
      p.cwd = p.user.home;
      p.sid = pid; p.tty = `pts${this.sessions % 40}`; p.loginuid = p.user.uid; p.sessionid = BigInt(this.sessions);
      p.cg = this.cgroup(`/user.slice/user-${p.user.uid}.slice/session-${this.sessions}.scope`);
    } else if (r.user !== 'keep') p.user = this.byUser.get(r.user)!;
    if (r.name === 'shim') p.cg = this.cgroup(`/system.slice/docker-${this.containers + 1}.scope`);
    if (r.name === 'container_init') p.cg = this.cgroup(`/system.slice/docker-${hex(this.rnd, 64)}.scope`, hex(this.rnd, 64));
    if (this.rnd() < 0.3) p.pathBase = HOT_PATHS + Math.floor(this.rnd() * (this.paths.length - HOT_PATHS - 3000));
    const skew = -Math.log(1 - this.rnd());
    p.budget = Math.floor(r.budget * BUDGET_SCALE * skew * skew / 2);
    const kids = r.children;
    p.spawnLeft = kids === 0 ? 0 : kids >= 1 ? Math.floor(kids * 2 * this.rnd() + 0.5) : (this.rnd() < kids ? 1 : 0);
    p.execPending = r.exe !== null;
    if (!p.execPending && parent === null) throw new Error('synthetic: root without image');
    this.stats.processes++;
    if (p.depth > this.stats.maxDepth) { this.stats.maxDepth = p.depth; this.stats.deepKey = p.key; this.stats.deepPid = pid; }
    return p;
  }

  private run(p: Proc): void { p.idx = this.runnable.length; this.runnable.push(p); }
  private stop(p: Proc): void {
    const last = this.runnable.pop()!;
    if (last !== p) { this.runnable[p.idx] = last; last.idx = p.idx; }
    p.idx = -1;
  }

  // ------------------------------------------------------------ rows

  /** Starts a row for `p` at the current time; returns its index in the group. */
  private row(p: Proc | null, kind: string, tid = p?.pid ?? 0): number {
    if (this.writer === null) this.openSegment();
    const c = this.cols;
    const i = this.n;
    const k = this.k;
    const t = this.wall(k);
    c.seq[i] = BigInt(this.seq);
    if (this.segSeqMin < 0) this.segSeqMin = this.seq;
    this.segSeqMax = this.seq++;
    c.time[i] = t;
    c.ktime_ns[i] = BigInt(k);
    if (this.segMinNs === 0n) this.segMinNs = t;
    this.segMaxNs = t;
    if (p !== null) this.common(p, i, kind, tid);
    else { c.kind[i] = kind; c.host[i] = this.host; c.boot_id[i] = this.bootId; }
    this.segKinds[kind] = (this.segKinds[kind] ?? 0) + 1;
    this.stats.events++;
    this.k += Math.max(1, Math.floor(-Math.log(1 - this.rnd()) * this.gapNs));
    return i;
  }

  private common(p: Proc, i: number, kind: string, tid: number): void {
    const c = this.cols;
    const u = p.user;
    c.kind[i] = kind; c.syscall[i] = KIND_SYSCALL[kind] ?? null; c.host[i] = this.host; c.boot_id[i] = this.bootId;
    c.pid[i] = p.pid; c.tid[i] = tid; c.ppid[i] = p.ppid; c.proc_key[i] = p.key; c.parent_key[i] = p.parentKey; c.proc_start[i] = p.procStart;
    c.uid[i] = u.uid; c.gid[i] = u.gid; c.euid[i] = u.uid; c.user[i] = u.name; c.euser[i] = u.name; c.group_name[i] = u.group;
    c.comm[i] = p.comm; c.cgroup_id[i] = p.cg.id; c.cgroup[i] = p.cg.path; c.container_id[i] = p.cg.container;
  }

  /** Ends a row: flushes the group when full; asks for rotation when the segment is long enough. */
  private end(): void {
    this.n++;
    this.segRows++;
    if (this.n === ROW_GROUP_ROWS) {
      this.flush();
      if (this.segRows >= this.opts.segmentRows) this.rotateDue = true;
    }
  }

  private flush(): void {
    if (this.n === 0 || this.writer === null) return;
    const n = this.n;
    const columns: Record<string, unknown[]> = n === ROW_GROUP_ROWS
      ? this.cols
      : Object.fromEntries(Object.entries(this.cols).map(([k, v]) => [k, v.slice(0, n)]));
    const batch: ColumnBatch = { rowCount: n, columns };
    this.writer.writeRowGroup(batch);
    for (const v of Object.values(this.cols)) v.fill(null);
    this.n = 0;
  }

  private openSegment(): void {
    const startNs = this.wall(this.k);
    this.writer = this.store.openSegment(startNs, this.schema, { zstdLevel: this.opts.zstdLevel });
    this.segRows = 0; this.segMinNs = 0n; this.segMaxNs = 0n; this.segSeqMin = -1; this.segSeqMax = -1; this.segKinds = {}; this.segLost = 0;
    // Snapshot rows: every process alive now (running, waiting, services).
    const alive = new Set<Proc>();
    const add = (p: Proc): void => { for (let q: Proc | null = p; q !== null && !alive.has(q); q = q.cur) alive.add(q); };
    for (const p of this.runnable) add(p);
    for (const p of this.services) add(p);
    const c = this.cols;
    for (const p of [...alive].sort((a, b) => a.startK - b.startK)) {
      if (this.n === ROW_GROUP_ROWS) this.flush();
      const i = this.n;
      c.time[i] = startNs; c.ktime_ns[i] = BigInt(this.k);
      this.common(p, i, 'snapshot', p.pid);
      c.exe[i] = p.exe.path; c.argv[i] = p.argv; c.cwd[i] = p.cwd; c.sid[i] = p.sid; c.tty[i] = p.tty; c.loginuid[i] = p.loginuid;
      c.sessionid[i] = p.sessionid; c.exe_sha256[i] = p.exe.sha; c.exe_hash_status[i] = 'ok';
      this.n++; this.segRows++;
      this.segKinds.snapshot = (this.segKinds.snapshot ?? 0) + 1;
      this.stats.snapshotRows++;
    }
    if (this.segMinNs === 0n) this.segMinNs = startNs;
  }

  private async closeSegment(): Promise<void> {
    if (this.writer === null) return;
    this.flush();
    const info = await this.writer.finish();
    this.store.recordSegment(info, {
      timeMinNs: this.segMinNs, timeMaxNs: this.segMaxNs,
      seqMin: this.segSeqMin < 0 ? null : BigInt(this.segSeqMin), seqMax: this.segSeqMax < 0 ? null : BigInt(this.segSeqMax),
      countsByKind: this.segKinds, lost: this.segLost > 0 ? { ring_full: this.segLost } : {},
    });
    this.stats.segments++;
    this.stats.sizeBytes += info.sizeBytes;
    this.writer = null;
  }

  // ------------------------------------------------------------ events

  private exec(p: Proc): void {
    const r = p.role;
    p.exe = r.exe!(this, p);
    p.comm = p.exe.comm;
    p.argv = r.argv(this, p);
    const i = this.row(p, 'exec');
    const c = this.cols;
    const e = p.exe;
    c.exe[i] = e.path; c.filename[i] = e.path; c.argv[i] = p.argv; c.argc[i] = p.argv.length; c.cwd[i] = p.cwd; c.egid[i] = p.user.gid;
    c.loginuid[i] = p.loginuid; c.sessionid[i] = p.sessionid; c.sid[i] = p.sid; c.tty[i] = p.tty; c.exe_ino[i] = e.ino; c.exe_dev[i] = e.dev;
    c.exe_mtime[i] = e.mtime; c.exe_size[i] = e.size; c.exe_deleted[i] = false; c.exe_memfd[i] = false; c.exe_sha256[i] = e.sha; c.exe_hash_status[i] = 'ok';
    this.end();
  }

  private fork(parent: Proc, r: Role): Proc {
    const child = this.newProc(parent, r, this.k);
    const tid = parent.threads.length > 0 && this.rnd() < 0.2 ? parent.threads[0]! : parent.pid;
    const i = this.row(parent, 'fork', tid);
    const c = this.cols;
    c.child_pid[i] = child.pid; c.child_tid[i] = child.pid; c.child_key[i] = child.key; c.is_thread[i] = false;
    this.end();
    parent.kids.push(child);
    parent.live++;
    this.run(child);
    return child;
  }

  private thread(p: Proc): void {
    const tid = this.allocPid(this.k);
    const i = this.row(p, 'fork');
    const c = this.cols;
    c.child_pid[i] = p.pid; c.child_tid[i] = tid; c.child_key[i] = p.key; c.is_thread[i] = true;
    this.end();
    p.threads.push(tid);
    this.stats.threads++;
  }

  private exit(p: Proc): void {
    const i = this.row(p, 'exit', p.threads.length > 0 && this.rnd() < 0.3 ? p.threads[p.threads.length - 1]! : p.pid);
    const c = this.cols;
    const r = this.rnd();
    if (r < 0.9) { c.exit_code[i] = 0; c.core_dumped[i] = false; }
    else if (r < 0.97) { c.exit_code[i] = r < 0.95 ? 1 : 2; c.core_dumped[i] = false; }
    else { c.exit_signal[i] = r < 0.985 ? 13 : r < 0.995 ? 15 : 9; c.core_dumped[i] = false; }
    this.end();
    this.stop(p);
    this.pidLive[p.pid] = 0;
    for (const t of p.threads) this.pidLive[t] = 0;
    // orphans go to the nearest subreaper above, else init
    if (p.kids.length > 0) {
      let reaper: Proc = this.init;
      for (let q = p.cur; q !== null; q = q.cur) if (q.role.subreaper) { reaper = q; break; }
      for (const kid of p.kids) {
        kid.cur = reaper; kid.parentKey = reaper.key; kid.ppid = reaper.pid;
        reaper.kids.push(kid); reaper.live++;
      }
      p.kids.length = 0;
    }
    const parent = p.cur;
    if (parent !== null) {
      const at = parent.kids.indexOf(p);
      if (at >= 0) { parent.kids[at] = parent.kids[parent.kids.length - 1]!; parent.kids.pop(); }
      parent.live--;
      if (parent.blocked && parent.live === 0) { parent.blocked = false; this.run(parent); }
    }
  }

  private op(p: Proc): void {
    const r = this.rnd();
    const role = p.role;
    if (r < role.net) return this.net(p);
    if (r < role.net + role.fileOps) return this.fileOp(p);
    if (r > 0.9995) return this.security(p);
    const tid = p.threads.length > 0 && this.rnd() < 0.5 ? p.threads[Math.floor(this.rnd() * p.threads.length)]! : p.pid;
    const i = this.row(p, 'open', tid);
    const c = this.cols;
    const pi = Math.min(this.pathIndexNear(p), this.paths.length - 1);
    c.path[i] = this.paths[pi];
    const w = this.rnd();
    if (w < 0.07) {
      c.ret[i] = NEG_BIG[2]; c.error[i] = 'ENOENT'; c.path_source[i] = 'joined'; c.fd[i] = -100; c.flags[i] = 524288n;
    } else {
      const fd = p.fd < 1000 ? p.fd++ : (p.fd = 3);
      c.ret[i] = SMALL_BIG[fd]; c.fd[i] = fd; c.path_source[i] = 'kernel'; c.ino[i] = this.pathIno[pi]; c.dev[i] = pi < HOT_PATHS ? 2049n : 2050n;
      if (w < 0.85) c.flags[i] = 524288n;
      else if (w < 0.96) { c.flags[i] = 524865n; c.mode[i] = 420; }
      else c.flags[i] = 524290n;
    }
    this.end();
  }

  private fileOp(p: Proc): void {
    const r = this.rnd();
    const kind = r < 0.3 ? 'unlink' : r < 0.5 ? 'rename' : r < 0.65 ? 'chmod' : r < 0.8 ? 'mkdir' : r < 0.87 ? 'truncate' : r < 0.93 ? 'chown' : r < 0.97 ? 'symlink' : 'link';
    const i = this.row(p, kind);
    const c = this.cols;
    const pi = Math.min(this.pathIndexNear(p), this.paths.length - 1);
    const path = this.paths[pi]!;
    c.path[i] = path; c.path_source[i] = 'joined'; c.fd[i] = -100; c.flags[i] = SMALL_BIG[0];
    if (this.rnd() < 0.04) { c.ret[i] = NEG_BIG[13]; c.error[i] = 'EACCES'; } else c.ret[i] = SMALL_BIG[0];
    if (kind === 'rename' || kind === 'link') c.path2[i] = `${path}.${this.rnd() < 0.5 ? 'tmp' : 'bak'}`;
    else if (kind === 'symlink') c.path2[i] = this.paths[Math.floor(this.rnd() * HOT_PATHS)];
    else if (kind === 'chmod' || kind === 'mkdir') c.mode[i] = this.rnd() < 0.8 ? 493 : 448;
    else if (kind === 'chown') c.uid_arg[i] = p.user.uid;
    else if (kind === 'truncate') { c.ino[i] = this.pathIno[pi]; c.dev[i] = 2050n; }
    this.end();
  }

  private net(p: Proc): void {
    const r = this.rnd();
    const c = this.cols;
    if (r < 0.3) {
      const i = this.row(p, 'dns');
      c.family[i] = 'inet'; c.protocol[i] = 'udp'; c.saddr[i] = '127.0.0.1'; c.sport[i] = 32768 + Math.floor(this.rnd() * 28000);
      c.daddr[i] = '127.0.0.53'; c.dport[i] = 53; c.dns_query[i] = this.dnsNames[Math.floor(Math.pow(this.rnd(), 3) * this.dnsNames.length)];
      c.dns_qtype[i] = this.rnd() < 0.6 ? 'A' : 'AAAA'; c.ret[i] = SMALL_BIG[40]; c.fd[i] = 5; c.sock_cookie[i] = BigInt(Math.floor(this.rnd() * 2 ** 48));
    } else if (r < 0.7) {
      const i = this.row(p, 'connect');
      const unix = this.rnd() < 0.25;
      c.family[i] = unix ? 'unix' : 'inet'; c.protocol[i] = 'tcp'; c.fd[i] = 4 + Math.floor(this.rnd() * 20);
      if (unix) c.unix_path[i] = ['/run/dbus/system_bus_socket', '/run/systemd/journal/stdout', '/var/run/docker.sock', '/run/postgresql/.s.PGSQL.5432'][Math.floor(this.rnd() * 4)];
      else {
        c.saddr[i] = '10.0.0.' + (10 + this.index); c.sport[i] = 32768 + Math.floor(this.rnd() * 28000);
        c.daddr[i] = this.remote[Math.floor(Math.pow(this.rnd(), 2) * this.remote.length)]; c.dport[i] = [443, 443, 443, 80, 5432, 6379, 22, 53, 8080][Math.floor(this.rnd() * 9)];
      }
      c.ret[i] = this.rnd() < 0.6 ? NEG_BIG[115] : SMALL_BIG[0]; c.error[i] = c.ret[i] === NEG_BIG[115] ? 'EINPROGRESS' : null;
      c.sock_cookie[i] = BigInt(Math.floor(this.rnd() * 2 ** 48));
    } else if (r < 0.9) {
      const i = this.row(p, 'tcp_state');
      c.family[i] = 'inet'; c.protocol[i] = 'tcp'; c.saddr[i] = '10.0.0.' + (10 + this.index); c.sport[i] = 32768 + Math.floor(this.rnd() * 28000);
      c.daddr[i] = this.remote[Math.floor(Math.pow(this.rnd(), 2) * this.remote.length)]; c.dport[i] = 443;
      const s = Math.floor(this.rnd() * 3);
      c.tcp_old_state[i] = ['SYN_SENT', 'ESTABLISHED', 'FIN_WAIT1'][s]; c.tcp_new_state[i] = ['ESTABLISHED', 'FIN_WAIT1', 'FIN_WAIT2'][s];
      c.sock_cookie[i] = BigInt(Math.floor(this.rnd() * 2 ** 48));
    } else {
      const i = this.row(p, this.rnd() < 0.9 ? 'accept' : this.rnd() < 0.5 ? 'bind' : 'listen');
      c.family[i] = 'inet'; c.protocol[i] = 'tcp'; c.saddr[i] = '10.0.0.' + (10 + this.index); c.sport[i] = [443, 80, 5432, 22][Math.floor(this.rnd() * 4)];
      c.daddr[i] = this.remote[Math.floor(this.rnd() * this.remote.length)]; c.dport[i] = 32768 + Math.floor(this.rnd() * 28000);
      c.ret[i] = SMALL_BIG[0]; c.fd[i] = 6; c.sock_cookie[i] = BigInt(Math.floor(this.rnd() * 2 ** 48));
    }
    this.end();
  }

  private security(p: Proc): void {
    const r = this.rnd();
    const c = this.cols;
    if (r < 0.6) {
      const i = this.row(p, 'setuid');
      c.id_real[i] = p.user.uid; c.id_effective[i] = p.user.uid; c.ret[i] = SMALL_BIG[0];
    } else if (r < 0.95) {
      const i = this.row(p, 'memfd');
      c.name[i] = ['shm', 'jit-code', 'pulseaudio', 'wayland-cursor'][Math.floor(this.rnd() * 4)]; c.flags[i] = SMALL_BIG[1]; c.ret[i] = SMALL_BIG[7];
    } else {
      const i = this.row(p, 'ptrace');
      c.target_pid[i] = p.pid; c.ptrace_request[i] = 'PTRACE_TRACEME'; c.ret[i] = SMALL_BIG[0];
    }
    this.end();
  }

  // ------------------------------------------------------------ the day

  private boot(): void {
    const bootTick = (ms: number): number => ms * 1e6;
    const root = this.byUser.get('root')!;
    const init = new Proc(1, ROLES.service!);
    this.pidLive[1] = 1;
    init.key = `${this.boot12}:${Math.floor(bootTick(120) / 1e7)}:1`;
    init.startK = bootTick(120); init.procStart = this.wall(init.startK); init.exe = this.exeByPath('/usr/lib/systemd/systemd');
    init.argv = ['/sbin/init', 'splash']; init.comm = 'systemd'; init.user = root; init.cg = this.cgroup('/init.scope');
    init.spawnWeight = SYSTEMD_SPAWN_WEIGHT; init.childRole = ROLES.unit!; init.sid = 1;
    this.init = init;
    this.services.push(init);
    this.stats.processes++;
    let t = 900;
    for (const [exe, kid, weight, user] of SERVICES) {
      t += 37;
      const p = this.newProc(init, ROLES.service!, bootTick(t), this.allocPid(0));
      p.exe = this.exeByPath(exe); p.comm = p.exe.comm; p.argv = [exe, ...(exe.endsWith('sshd') ? ['-D'] : [])]; p.user = this.byUser.get(user)!;
      p.cg = this.cgroup(`/system.slice/${p.comm}.service`); p.sid = p.pid; p.execPending = false;
      p.spawnWeight = weight; p.childRole = kid === null ? null : ROLES[kid]!;
      if (exe.endsWith('nginx') || exe.endsWith('postgres')) p.threads = [];
      init.kids.push(p); init.live++;
      this.services.push(p);
    }
    for (const s of this.services) { this.spawnTotal += s.spawnWeight; this.run(s); }
  }

  /** Picks a process and advances it by one row. */
  private step(): void {
    let p = this.runnable[Math.floor(this.rnd() * this.runnable.length)]!;
    // Services act rarely; mostly their jobs do.
    if (p.role.longLived && this.runnable.length > this.services.length + 5) {
      if (this.rnd() < 0.9) p = this.runnable[Math.floor(this.rnd() * this.runnable.length)]!;
    }
    // Time advances so the host's rows span opts.hours whatever the bursts turn out to be.
    const pace = (this.endK - this.k) / Math.max(1, this.limit - this.stats.events);
    if (p.role.longLived) { this.gapNs = pace; return this.serviceStep(p); }
    // A burst: a process does a few things in a row (mean BURST), microseconds apart.
    const burst = 1 + Math.floor(-Math.log(1 - this.rnd()) * (BURST - 1));
    for (let b = 0; b < burst && p.idx >= 0 && this.stats.events < this.limit; b++) {
      this.gapNs = b === burst - 1 ? Math.max(15_000, (b + 1) * pace - b * 15_000) : 15_000;
      this.act(p);
    }
  }

  /** Advances `p` by one row (or blocks it). */
  private act(p: Proc): void {
    if (p.execPending) { p.execPending = false; return this.exec(p); }
    if (p.role.threads && p.threads.length < 6 && this.rnd() < 0.004) return this.thread(p);
    if (p.spawnLeft > 0 && this.rnd() * (p.spawnLeft + p.budget / 8 + 1) < p.spawnLeft) {
      p.spawnLeft--;
      const r = p.depth >= 16 ? ROLES.command! : ROLES[pickWeighted(p.role.kids, this.rnd)]!;
      this.fork(p, r);
      if (p.role.detach > 0 && this.rnd() < p.role.detach) { p.spawnLeft = 0; p.budget = 0; return; }
      if (this.rnd() < p.role.fg) { p.blocked = true; this.stop(p); }
      return;
    }
    if (p.budget > 0) { p.budget--; return this.op(p); }
    if (p.live > 0 && !(p.role.detach > 0)) { p.blocked = true; this.stop(p); return; }
    return this.exit(p);
  }

  private serviceStep(s: Proc): void {
    // Keep about 40 jobs running: when below, a service (by weight) starts one.
    if (this.runnable.length < this.services.length + 40 || this.rnd() < 0.02) {
      let w = this.rnd() * this.spawnTotal;
      let pick = this.init;
      for (const q of this.services) { w -= q.spawnWeight; if (w < 0) { pick = q; break; } }
      if (pick.childRole !== null) { this.fork(pick, pick.childRole); return; }
    }
    if (s.threads.length === 0 && s.role.threads && this.rnd() < 0.01) return this.thread(s);
    return this.op(s);
  }

  async generate(events: number): Promise<HostStats> {
    const t0 = performance.now();
    this.store.recordStart({
      pid: 4242, host: this.host, boot_id: this.bootId, hindsight_version: '0.1.0', schema_version: this.schema.version,
      settings: { synthetic: true, rotate: `${this.opts.segmentRows} rows`, zstd_level: this.opts.zstdLevel },
    });
    this.boot();
    const firstNs = this.wall(this.k);
    this.limit = events;
    this.endK = this.k + this.opts.hours * 3_600e9;
    const lossAt = Math.floor(events * (0.3 + 0.1 * this.index));
    let lossDone = false;
    let nextLog = 5_000_000;
    while (this.stats.events < events) {
      if (!lossDone && this.stats.events >= lossAt) { lossDone = true; this.loss(); } else this.step();
      if (this.rotateDue) { this.rotateDue = false; await this.closeSegment(); }
      if (this.stats.events >= nextLog) {
        nextLog += 5_000_000;
        process.stderr.write(`synthetic: ${this.host}: ${(this.stats.events / 1e6).toFixed(0)}M rows, ${this.stats.processes} processes, ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
      }
    }
    await this.closeSegment();
    this.stats.firstNs = String(firstNs);
    this.stats.lastNs = String(this.wall(this.k));
    this.store.recordStop({ events: this.stats.events, lost: 0, reason: 'synthetic recording complete' });
    this.store.close();
    this.stats.seconds = (performance.now() - t0) / 1000;
    return this.stats;
  }

  /** One `loss` row (ring buffer full) and the manifest's gap entry for its window. */
  private loss(): void {
    const lost = 1000 + Math.floor(this.rnd() * 4000);
    const from = this.wall(this.k - 800e6);
    const i = this.row(null, 'loss');
    this.cols.lost_count[i] = BigInt(lost); this.cols.lost_reason[i] = 'ring_full';
    this.segLost += lost;
    this.end();
    this.store.recordGap(from, this.wall(this.k), `ring buffer full: ${lost} events lost`);
  }
}

function pickWeighted(xs: [string, number][], rnd: () => number): string {
  let total = 0;
  for (const [, w] of xs) total += w;
  let r = rnd() * total;
  for (const [name, w] of xs) { r -= w; if (r < 0) return name; }
  return xs[xs.length - 1]![0];
}

/**
 * Generates host `index` of `opts` into opts.dir/host=h<index+1>.
 * @returns the host's facts.
 */
export async function generateHost(opts: SyntheticOptions, index: number): Promise<HostStats> {
  const perHost = Math.floor(opts.events / opts.hosts) + (index < opts.events % opts.hosts ? 1 : 0);
  return new HostGen(opts, index).generate(perHost);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const opts = JSON.parse(process.argv[2]!) as SyntheticOptions;
  const stats = await generateHost(opts, Number(process.argv[3]));
  process.stdout.write(JSON.stringify(stats));
}
