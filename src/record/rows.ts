/**
 * Turns decoded kernel events into rows of the segment schema, column-wise.
 *
 * `RowBuilder` keeps one array per column (formats/segment-schema.json) and
 * writes each event's values by row index. A column's array is allocated at
 * its first write in a batch, pre-sized and holey (the writer reads holes and
 * absent columns as null), so the hot path is one store per cell: no per-row
 * objects, no array growth, nothing done for the columns an event leaves empty.
 * Values follow src/record/batch.ts: int64 and timestamps as bigint, int32 as
 * number, text via storeText (byte-exact with *_raw companions).
 */
import type { ExecEvent, ExitEvent, FileEvent, KernelEvent, NetEvent, SecEvent, Text } from '../events/decode.js';
import { FLAG, KIND } from '../events/layout.js';
import {
  bpfProgTypeName, errnoName, familyName, protocolName, ptraceRequestName, syscallName, tcpStateName,
} from '../events/names.js';
import { formatIp, parseDnsQuestion } from '../events/net-format.js';
import type { ColumnBatch } from './batch.js';
import { COLUMN_NAMES, type ColumnArrays } from './columns.js';
import type { ExeHash } from './exe-hash.js';
import { userDevFromKernel } from './exe-hash.js';
import { resolvePath, sameText } from './paths.js';
import type { LiveProcess } from './process-table.js';
import { storeText } from './text.js';

/** Schema kind names by hs_kind code. */
export const KIND_NAMES: Record<number, string> = {
  [KIND.EXEC]: 'exec', [KIND.EXEC_FAIL]: 'exec_fail', [KIND.FORK]: 'fork', [KIND.EXIT]: 'exit',
  [KIND.OPEN]: 'open', [KIND.UNLINK]: 'unlink', [KIND.RENAME]: 'rename', [KIND.CHMOD]: 'chmod',
  [KIND.CHOWN]: 'chown', [KIND.MKDIR]: 'mkdir', [KIND.LINK]: 'link', [KIND.SYMLINK]: 'symlink',
  [KIND.TRUNCATE]: 'truncate', [KIND.CONNECT]: 'connect', [KIND.ACCEPT]: 'accept', [KIND.BIND]: 'bind',
  [KIND.LISTEN]: 'listen', [KIND.TCP_STATE]: 'tcp_state', [KIND.DNS]: 'dns', [KIND.PTRACE]: 'ptrace',
  [KIND.SETUID]: 'setuid', [KIND.SETGID]: 'setgid', [KIND.MEMFD]: 'memfd', [KIND.MODULE]: 'module',
  [KIND.BPF_PROG]: 'bpf_prog',
};

/** Per-event context the recorder resolves before a row is written. */
export interface RowContext {
  seq: bigint;
  /** Wall clock minus CLOCK_BOOTTIME, ns. */
  wallOffsetNs: bigint;
  key: string | null;
  parentKey: string | null;
  user: string | null;
  euser: string | null;
  group: string | null;
  cgroup: string | null;
  containerId: string | null;
  /** For exec rows: the child's key for fork rows. */
  childKey?: string | undefined;
}

/** Identity columns shared by all rows of a recording run. */
export interface RunIdentity {
  host: string;
  bootId: string;
}

const U32_UNSET = 0xffffffff;
const O_CREAT = 0o100;
const O_TMPFILE = 0o20000000;
const AT_FDCWD = -100;

function idOrNull(v: number | bigint): bigint | null {
  const n = BigInt(v) & 0xffffffffn;
  return n === 0xffffffffn ? null : n;
}

/** Pending exe-hash fills, resolved before the batch is written. */
interface HashFill {
  row: number;
  hash: Promise<ExeHash>;
}

/** Accumulates rows column-wise. */
export class RowBuilder {
  private c!: Partial<ColumnArrays>;
  private rows = 0;
  private hashFills: HashFill[] = [];
  /**
   * Shared bigints for small repeated values (ids, flags, results) and per
   * process start times: a batch then holds references to a few objects
   * instead of one new bigint per cell, which kept old-space GC busy.
   */
  private readonly smallBig = new Map<number, bigint>();
  private readonly startBig = new Map<string, bigint>();
  private lastDev = -1;
  private lastUserDev = 0n;

  constructor(private readonly identity: RunIdentity, private readonly capacity = 65_536) {
    this.reset();
  }

  private reset(): void {
    this.c = {};
    this.rows = 0;
    this.hashFills = [];
  }

  /** userDevFromKernel, remembered for the last device (files come in runs on one device). */
  private userDev(sdev: number): bigint {
    if (sdev !== this.lastDev) {
      this.lastDev = sdev;
      this.lastUserDev = userDevFromKernel(sdev);
    }
    return this.lastUserDev;
  }

  /** The bigint of a 32-bit value, shared. */
  private big(n: number): bigint {
    let b = this.smallBig.get(n);
    if (b === undefined) {
      b = BigInt(n);
      if (this.smallBig.size < 65_536) this.smallBig.set(n, b);
    }
    return b;
  }

  /** A bigint result, shared when it fits 32 bits. */
  private bigResult(v: bigint): bigint {
    return v >= -2147483648n && v <= 2147483647n ? this.big(Number(v)) : v;
  }

  /** Wall-clock start of process `key`, computed once per process. */
  private procStart(key: string, wallOffsetNs: bigint, startNs: bigint): bigint {
    let b = this.startBig.get(key);
    if (b === undefined) {
      b = wallOffsetNs + startNs;
      if (this.startBig.size > 100_000) this.startBig.clear();
      this.startBig.set(key, b);
    }
    return b;
  }

  /** A new column: pre-sized, holey (holes read as null by the writer). */
  private column(): unknown[] {
    return new Array(this.capacity);
  }

  get rowCount(): number {
    return this.rows;
  }

  get isFull(): boolean {
    return this.rows >= this.capacity;
  }

  private text(value: Text | null, col: keyof ColumnArrays, rawCol: keyof ColumnArrays | null, r: number): void {
    if (value === null) return;
    if (typeof value === 'string') {
      (this.c[col] ??= this.column())[r] = value;
      return;
    }
    const s = storeText(value);
    (this.c[col] ??= this.column())[r] = s.text;
    if (rawCol !== null) (this.c[rawCol] ??= this.column())[r] = s.raw;
  }

  private common(r: number, kind: string, syscall: number | null, ev: KernelEvent | null, ctx: RowContext): void {
    const c = this.c;
    (c.seq ??= this.column())[r] = ctx.seq;
    (c.kind ??= this.column())[r] = kind;
    (c.host ??= this.column())[r] = this.identity.host;
    (c.boot_id ??= this.column())[r] = this.identity.bootId;
    (c.syscall ??= this.column())[r] = syscall === null ? null : syscallName(syscall);
    (c.proc_key ??= this.column())[r] = ctx.key;
    (c.parent_key ??= this.column())[r] = ctx.parentKey;
    (c.user ??= this.column())[r] = ctx.user;
    (c.euser ??= this.column())[r] = ctx.euser;
    (c.group_name ??= this.column())[r] = ctx.group;
    (c.cgroup ??= this.column())[r] = ctx.cgroup;
    (c.container_id ??= this.column())[r] = ctx.containerId;
    if (ev === null) return;
    (c.time ??= this.column())[r] = ctx.wallOffsetNs + ev.ktimeNs;
    (c.ktime_ns ??= this.column())[r] = ev.ktimeNs;
    (c.pid ??= this.column())[r] = ev.pid;
    (c.tid ??= this.column())[r] = ev.tid;
    (c.ppid ??= this.column())[r] = ev.ppid;
    (c.proc_start ??= this.column())[r] = this.procStart(ctx.key ?? '', ctx.wallOffsetNs, ev.startNs);
    (c.uid ??= this.column())[r] = this.big(ev.uid);
    (c.gid ??= this.column())[r] = this.big(ev.gid);
    (c.euid ??= this.column())[r] = this.big(ev.euid);
    this.text(ev.comm, 'comm', null, r);
    (c.cgroup_id ??= this.column())[r] = ev.cgroupId;
  }

  /** Appends the row of one kernel event. `hash` is the exe hash for exec rows. */
  addEvent(ev: KernelEvent, ctx: RowContext, hash: Promise<ExeHash> | null): void {
    const r = this.rows++;
    this.common(r, KIND_NAMES[ev.kind] ?? `kind_${ev.kind}`, ev.syscall, ev, ctx);
    switch (ev.type) {
      case 'exec': case 'exec_fail': this.exec(r, ev, hash); break;
      case 'fork':
        (this.c.child_pid ??= this.column())[r] = ev.childPid;
        (this.c.child_tid ??= this.column())[r] = ev.childTid;
        (this.c.child_key ??= this.column())[r] = ctx.childKey ?? null;
        (this.c.is_thread ??= this.column())[r] = (ev.flags & FLAG.THREAD) !== 0;
        break;
      case 'exit': this.exit(r, ev); break;
      case 'file': this.file(r, ev); break;
      case 'net': this.net(r, ev); break;
      case 'sec': this.sec(r, ev); break;
    }
  }

  private result(r: number, ret: number | bigint): void {
    (this.c.ret ??= this.column())[r] = typeof ret === 'number' ? this.big(ret) : this.bigResult(ret);
    (this.c.error ??= this.column())[r] = errnoName(ret);
  }

  private exec(r: number, ev: ExecEvent, hash: Promise<ExeHash> | null): void {
    const c = this.c;
    this.text(ev.filename, 'filename', null, r);
    this.text(ev.cwd, 'cwd', 'cwd_raw', r);
    if (ev.type === 'exec_fail') {
      this.result(r, ev.ret);
      return;
    }
    this.text(ev.exe, 'exe', 'exe_raw', r);
    if (ev.interp !== null && !sameText(ev.interp, ev.filename)) {
      this.text(ev.interp, 'interp', null, r);
      this.text(resolvePath(ev.filename, ev.cwd), 'script', null, r);
    }
    this.argv(r, ev.argv);
    (c.argv_truncated ??= this.column())[r] = (ev.flags & FLAG.ARGV_TRUNC) !== 0;
    (c.argc ??= this.column())[r] = Math.min(ev.argc, 0x7fffffff);
    (c.egid ??= this.column())[r] = BigInt(ev.egid);
    (c.loginuid ??= this.column())[r] = ev.loginuid === U32_UNSET ? null : BigInt(ev.loginuid);
    (c.sessionid ??= this.column())[r] = ev.sessionid === U32_UNSET ? null : BigInt(ev.sessionid);
    (c.sid ??= this.column())[r] = ev.sid;
    this.text(ev.tty, 'tty', null, r);
    (c.exe_ino ??= this.column())[r] = ev.exeIno;
    (c.exe_dev ??= this.column())[r] = this.userDev(ev.exeDev);
    (c.exe_mtime ??= this.column())[r] = ev.exeMtimeNs;
    (c.exe_size ??= this.column())[r] = ev.exeSize;
    (c.exe_deleted ??= this.column())[r] = (ev.flags & FLAG.EXE_DELETED) !== 0;
    (c.exe_memfd ??= this.column())[r] = typeof ev.exe === 'string' && ev.exe.startsWith('/memfd:');
    (c.exec_tid ??= this.column())[r] = ev.oldTid !== ev.pid ? ev.oldTid : null;
    if (hash !== null) this.hashFills.push({ row: r, hash });
  }

  private argv(r: number, argv: Text[]): void {
    let exact = true;
    const list: string[] = new Array(argv.length);
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      if (typeof a === 'string') list[i] = a;
      else { exact = false; list[i] = storeText(a).text!; }
    }
    (this.c.argv ??= this.column())[r] = list;
    if (!exact) {
      const parts = argv.map((a) => (typeof a === 'string' ? new TextEncoder().encode(a) : a));
      const raw = new Uint8Array(parts.reduce((n, p) => n + p.length + 1, 0) - 1);
      let at = 0;
      for (const p of parts) { raw.set(p, at); at += p.length + 1; }
      (this.c.argv_raw ??= this.column())[r] = raw;
    }
  }

  private exit(r: number, ev: ExitEvent): void {
    const sig = ev.exitStatus & 0x7f;
    (this.c.exit_code ??= this.column())[r] = sig === 0 ? (ev.exitStatus >> 8) & 0xff : null;
    (this.c.exit_signal ??= this.column())[r] = sig === 0 ? null : sig;
    (this.c.core_dumped ??= this.column())[r] = (ev.exitStatus & 0x80) !== 0;
  }

  private file(r: number, ev: FileEvent): void {
    const c = this.c;
    this.result(r, ev.ret);
    let path: Text | null;
    if (ev.path !== null) {
      path = ev.path;
      (c.path_source ??= this.column())[r] = 'kernel';
    } else {
      path = resolvePath(ev.pathArg, ev.base);
      (c.path_source ??= this.column())[r] = path === null ? null : 'joined';
    }
    this.text(path, 'path', 'path_raw', r);
    if (ev.pathArg !== null && !sameText(ev.pathArg, path)) this.text(ev.pathArg, 'path_arg', 'path_arg_raw', r);
    if (ev.kind === KIND.SYMLINK) this.text(ev.path2Arg, 'path2', 'path2_raw', r);
    else if (ev.kind === KIND.RENAME || ev.kind === KIND.LINK) this.text(resolvePath(ev.path2Arg, ev.base2), 'path2', 'path2_raw', r);
    (c.flags ??= this.column())[r] = this.big(ev.argFlags);
    // The kernel passes mode through untouched: open ignores it (garbage bits
    // included) unless it creates, so it is kept only where it means something.
    const creates = (ev.argFlags & (O_CREAT | O_TMPFILE)) !== 0;
    if ((ev.kind === KIND.OPEN && creates) || ev.kind === KIND.CHMOD || ev.kind === KIND.MKDIR) (c.mode ??= this.column())[r] = ev.mode & 0o7777;
    (c.fd ??= this.column())[r] = ev.kind === KIND.OPEN ? (ev.ret >= 0n ? Number(ev.ret) : null) : ev.dirfd === AT_FDCWD ? null : ev.dirfd;
    if (ev.ino !== 0n) {
      (c.ino ??= this.column())[r] = ev.ino;
      (c.dev ??= this.column())[r] = this.userDev(ev.dev);
    }
    if (ev.kind === KIND.CHOWN) {
      (c.uid_arg ??= this.column())[r] = idOrNull(ev.uidArg);
      (c.gid_arg ??= this.column())[r] = idOrNull(ev.gidArg);
    }
    if (ev.kind === KIND.TRUNCATE) (c.size_arg ??= this.column())[r] = ev.sizeArg;
  }

  private net(r: number, ev: NetEvent): void {
    const c = this.c;
    if (ev.kind !== KIND.TCP_STATE) this.result(r, ev.ret);
    (c.fd ??= this.column())[r] = ev.kind === KIND.ACCEPT ? (ev.ret >= 0n ? Number(ev.ret) : null) : ev.kind === KIND.TCP_STATE ? null : ev.fd;
    (c.family ??= this.column())[r] = familyName(ev.family);
    (c.protocol ??= this.column())[r] = protocolName(ev.protocol);
    if (ev.family === 2 || ev.family === 10) {
      (c.saddr ??= this.column())[r] = formatIp(ev.saddr, ev.family);
      (c.sport ??= this.column())[r] = ev.sport;
      (c.daddr ??= this.column())[r] = formatIp(ev.daddr, ev.family);
      (c.dport ??= this.column())[r] = ev.dport;
    }
    if (ev.kind === KIND.TCP_STATE) {
      (c.tcp_old_state ??= this.column())[r] = tcpStateName(ev.oldState);
      (c.tcp_new_state ??= this.column())[r] = tcpStateName(ev.newState);
      (c.softirq ??= this.column())[r] = (ev.flags & FLAG.SOFTIRQ) !== 0;
    }
    if (ev.kind === KIND.LISTEN) (c.backlog ??= this.column())[r] = ev.backlog | 0; // int in listen(2)
    if (ev.unixPath !== null) {
      const s = storeText(ev.unixPath);
      (c.unix_path ??= this.column())[r] = s.text !== null && s.text.startsWith('\0') ? `@${s.text.slice(1)}` : s.text;
    }
    if (ev.kind === KIND.DNS && ev.payload !== null) {
      const q = parseDnsQuestion(ev.payload);
      (c.dns_query ??= this.column())[r] = q?.name ?? null;
      (c.dns_qtype ??= this.column())[r] = q?.type ?? null;
    }
    (c.sock_cookie ??= this.column())[r] = ev.sockCookie === 0n ? null : BigInt.asIntN(64, ev.sockCookie);
  }

  private sec(r: number, ev: SecEvent): void {
    const c = this.c;
    this.result(r, ev.ret);
    switch (ev.kind) {
      case KIND.PTRACE:
        (c.ptrace_request ??= this.column())[r] = ptraceRequestName(Number(ev.arg0));
        (c.target_pid ??= this.column())[r] = Number(BigInt.asIntN(32, ev.arg1));
        break;
      case KIND.SETUID: case KIND.SETGID: {
        const name = ev.syscall === null ? '' : syscallName(ev.syscall);
        if (name === 'setuid' || name === 'setgid' || name === 'setfsuid' || name === 'setfsgid') {
          (c.id_effective ??= this.column())[r] = idOrNull(ev.arg0);
        } else {
          (c.id_real ??= this.column())[r] = idOrNull(ev.arg0);
          (c.id_effective ??= this.column())[r] = idOrNull(ev.arg1);
          if (name === 'setresuid' || name === 'setresgid') (c.id_saved ??= this.column())[r] = idOrNull(ev.arg2);
        }
        break;
      }
      case KIND.MEMFD:
        this.text(ev.str, 'name', null, r);
        (c.flags ??= this.column())[r] = BigInt.asIntN(64, ev.arg0);
        break;
      case KIND.MODULE:
        this.text(ev.str, 'name', null, r);
        (c.flags ??= this.column())[r] = BigInt.asIntN(64, ev.arg0);
        if (ev.path !== null) {
          this.text(ev.path, 'path', 'path_raw', r);
          (c.path_source ??= this.column())[r] = 'kernel';
        }
        break;
      case KIND.BPF_PROG:
        this.text(ev.str, 'name', null, r);
        (c.bpf_prog_type ??= this.column())[r] = bpfProgTypeName(Number(ev.arg0));
        (c.bpf_insn_cnt ??= this.column())[r] = Number(ev.arg1 & 0x7fffffffn);
        break;
    }
  }

  /** Appends a snapshot row for a live process at wall time `timeNs`. */
  addSnapshot(p: LiveProcess, timeNs: bigint, ctx: RowContext, hash: Promise<ExeHash> | null): void {
    const r = this.rows++;
    const c = this.c;
    this.common(r, 'snapshot', null, null, ctx);
    (c.time ??= this.column())[r] = timeNs;
    (c.pid ??= this.column())[r] = p.pid;
    (c.tid ??= this.column())[r] = p.pid;
    (c.ppid ??= this.column())[r] = p.ppid;
    (c.parent_key ??= this.column())[r] = p.parentKey;
    (c.proc_start ??= this.column())[r] = ctx.wallOffsetNs + p.startNs;
    (c.uid ??= this.column())[r] = BigInt(p.uid);
    (c.gid ??= this.column())[r] = BigInt(p.gid);
    (c.euid ??= this.column())[r] = BigInt(p.euid);
    (c.egid ??= this.column())[r] = BigInt(p.egid);
    this.text(p.comm, 'comm', null, r);
    (c.cgroup_id ??= this.column())[r] = p.cgroupId;
    this.text(p.exe, 'exe', 'exe_raw', r);
    this.argv(r, p.argv);
    (c.argv_truncated ??= this.column())[r] = p.argvTruncated;
    this.text(p.cwd, 'cwd', 'cwd_raw', r);
    (c.loginuid ??= this.column())[r] = p.loginuid === null ? null : BigInt(p.loginuid);
    (c.sessionid ??= this.column())[r] = p.sessionid === null ? null : BigInt(p.sessionid);
    (c.sid ??= this.column())[r] = p.sid;
    (c.tty ??= this.column())[r] = p.tty;
    if (hash !== null) this.hashFills.push({ row: r, hash });
  }

  /** Appends a loss row: `count` records of `reason` lost up to `timeNs`. */
  addLoss(timeNs: bigint, ktimeNs: bigint, count: bigint, reason: string, ctx: RowContext): void {
    const r = this.rows++;
    this.common(r, 'loss', null, null, ctx);
    (this.c.time ??= this.column())[r] = timeNs;
    (this.c.ktime_ns ??= this.column())[r] = ktimeNs;
    (this.c.lost_count ??= this.column())[r] = count;
    (this.c.lost_reason ??= this.column())[r] = reason;
  }

  /**
   * Waits for pending exe hashes, then hands over the rows as a batch and
   * starts a new one.
   */
  async take(): Promise<ColumnBatch> {
    const c = this.c;
    const rows = this.rows;
    const fills = this.hashFills;
    this.reset();
    for (const f of fills) {
      const h = await f.hash;
      (c.exe_sha256 ??= new Array(rows))[f.row] = h.sha256;
      (c.exe_hash_status ??= new Array(rows))[f.row] = h.status;
    }
    // Columns never written are left out: the writer stores them as all null.
    const columns: Record<string, unknown[]> = {};
    for (const name of COLUMN_NAMES) {
      const arr = c[name];
      if (arr === undefined) continue;
      arr.length = rows;
      columns[name] = arr;
    }
    return { rowCount: rows, columns };
  }
}
