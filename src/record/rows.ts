/**
 * Turns decoded kernel events into rows of the segment schema, column-wise.
 *
 * `RowBuilder` keeps one array per column (formats/segment-schema.json) and
 * writes each event's values by row index; arrays grow only when written, so
 * the hot path allocates no per-row objects and does work in proportion to
 * the cells an event fills, and the batch goes to the Parquet writer as columns.
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
  key: string;
  parentKey: string;
  user: string | null;
  euser: string | null;
  cgroup: string | null;
  containerId: string | null;
  /** For exec rows: the child's key for fork rows. */
  childKey?: string;
}

/** Identity columns shared by all rows of a recording run. */
export interface RunIdentity {
  host: string;
  bootId: string;
}

const U32_UNSET = 0xffffffff;
const AT_FDCWD = -100;

function idOrNull(v: number | bigint): bigint | null {
  const n = BigInt(v) & 0xffffffffn;
  return n === 0xffffffffn ? null : n;
}

/**
 * Sets row `r` of a column. Columns grow by push and are padded with nulls
 * only when written, so the cost follows the cells set, not rows x columns;
 * a second write to the current row overwrites it.
 */
function put(col: unknown[], r: number, v: unknown): void {
  if (col.length > r) { col[r] = v; return; }
  while (col.length < r) col.push(null);
  col.push(v);
}

/** Pads a column to `rows` entries. */
function pad(col: unknown[], rows: number): void {
  while (col.length < rows) col.push(null);
}

/** Pending exe-hash fills, resolved before the batch is written. */
interface HashFill {
  row: number;
  hash: Promise<ExeHash>;
}

/** Accumulates rows column-wise. */
export class RowBuilder {
  private c!: ColumnArrays;
  private rows = 0;
  private hashFills: HashFill[] = [];

  constructor(private readonly identity: RunIdentity, private readonly capacity = 65_536) {
    this.reset();
  }

  private reset(): void {
    const c = {} as ColumnArrays;
    // Every column starts in V8's generic elements kind (an array that once
    // held null), so `put` sees one array shape and stays monomorphic.
    for (const name of COLUMN_NAMES) {
      const col: unknown[] = [null];
      col.length = 0;
      c[name] = col;
    }
    this.c = c;
    this.rows = 0;
    this.hashFills = [];
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
      put(this.c[col], r, value);
      return;
    }
    const s = storeText(value);
    put(this.c[col], r, s.text);
    if (rawCol !== null) put(this.c[rawCol], r, s.raw);
  }

  private common(r: number, kind: string, syscall: number | null, ev: KernelEvent | null, ctx: RowContext): void {
    const c = this.c;
    put(c.seq, r, ctx.seq);
    put(c.kind, r, kind);
    put(c.host, r, this.identity.host);
    put(c.boot_id, r, this.identity.bootId);
    put(c.syscall, r, syscall === null ? null : syscallName(syscall));
    put(c.proc_key, r, ctx.key);
    put(c.parent_key, r, ctx.parentKey);
    put(c.user, r, ctx.user);
    put(c.euser, r, ctx.euser);
    put(c.cgroup, r, ctx.cgroup);
    put(c.container_id, r, ctx.containerId);
    if (ev === null) return;
    put(c.time, r, ctx.wallOffsetNs + ev.ktimeNs);
    put(c.ktime_ns, r, ev.ktimeNs);
    put(c.pid, r, ev.pid);
    put(c.tid, r, ev.tid);
    put(c.ppid, r, ev.ppid);
    put(c.proc_start, r, ctx.wallOffsetNs + ev.startNs);
    put(c.uid, r, BigInt(ev.uid));
    put(c.gid, r, BigInt(ev.gid));
    put(c.euid, r, BigInt(ev.euid));
    this.text(ev.comm, 'comm', null, r);
    put(c.cgroup_id, r, ev.cgroupId);
  }

  /** Appends the row of one kernel event. `hash` is the exe hash for exec rows. */
  addEvent(ev: KernelEvent, ctx: RowContext, hash: Promise<ExeHash> | null): void {
    const r = this.rows++;
    this.common(r, KIND_NAMES[ev.kind] ?? `kind_${ev.kind}`, ev.syscall, ev, ctx);
    switch (ev.type) {
      case 'exec': case 'exec_fail': this.exec(r, ev, hash); break;
      case 'fork':
        put(this.c.child_pid, r, ev.childPid);
        put(this.c.child_tid, r, ev.childTid);
        put(this.c.child_key, r, ctx.childKey ?? null);
        put(this.c.is_thread, r, (ev.flags & FLAG.THREAD) !== 0);
        break;
      case 'exit': this.exit(r, ev); break;
      case 'file': this.file(r, ev); break;
      case 'net': this.net(r, ev); break;
      case 'sec': this.sec(r, ev); break;
    }
  }

  private result(r: number, ret: number | bigint): void {
    put(this.c.ret, r, BigInt(ret));
    put(this.c.error, r, errnoName(ret));
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
    put(c.argv_truncated, r, (ev.flags & FLAG.ARGV_TRUNC) !== 0);
    put(c.argc, r, ev.argc);
    put(c.egid, r, BigInt(ev.egid));
    put(c.loginuid, r, ev.loginuid === U32_UNSET ? null : BigInt(ev.loginuid));
    put(c.sessionid, r, ev.sessionid === U32_UNSET ? null : BigInt(ev.sessionid));
    put(c.sid, r, ev.sid);
    this.text(ev.tty, 'tty', null, r);
    put(c.exe_ino, r, ev.exeIno);
    put(c.exe_dev, r, userDevFromKernel(ev.exeDev));
    put(c.exe_mtime, r, ev.exeMtimeNs);
    put(c.exe_size, r, ev.exeSize);
    put(c.exe_deleted, r, (ev.flags & FLAG.EXE_DELETED) !== 0);
    put(c.exe_memfd, r, typeof ev.exe === 'string' && ev.exe.startsWith('/memfd:'));
    put(c.exec_tid, r, ev.oldTid !== ev.pid ? ev.oldTid : null);
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
    put(this.c.argv, r, list);
    if (!exact) {
      const parts = argv.map((a) => (typeof a === 'string' ? new TextEncoder().encode(a) : a));
      const raw = new Uint8Array(parts.reduce((n, p) => n + p.length + 1, 0) - 1);
      let at = 0;
      for (const p of parts) { raw.set(p, at); at += p.length + 1; }
      put(this.c.argv_raw, r, raw);
    }
  }

  private exit(r: number, ev: ExitEvent): void {
    const sig = ev.exitStatus & 0x7f;
    put(this.c.exit_code, r, sig === 0 ? (ev.exitStatus >> 8) & 0xff : null);
    put(this.c.exit_signal, r, sig === 0 ? null : sig);
    put(this.c.core_dumped, r, (ev.exitStatus & 0x80) !== 0);
  }

  private file(r: number, ev: FileEvent): void {
    const c = this.c;
    this.result(r, ev.ret);
    let path: Text | null;
    if (ev.path !== null) {
      path = ev.path;
      put(c.path_source, r, 'kernel');
    } else {
      path = resolvePath(ev.pathArg, ev.base);
      put(c.path_source, r, path === null ? null : 'joined');
    }
    this.text(path, 'path', 'path_raw', r);
    if (ev.pathArg !== null && !sameText(ev.pathArg, path)) this.text(ev.pathArg, 'path_arg', 'path_arg_raw', r);
    if (ev.kind === KIND.SYMLINK) this.text(ev.path2Arg, 'path2', 'path2_raw', r);
    else if (ev.kind === KIND.RENAME || ev.kind === KIND.LINK) this.text(resolvePath(ev.path2Arg, ev.base2), 'path2', 'path2_raw', r);
    put(c.flags, r, BigInt(ev.argFlags));
    if (ev.kind === KIND.OPEN || ev.kind === KIND.CHMOD || ev.kind === KIND.MKDIR) put(c.mode, r, ev.mode);
    put(c.fd, r, ev.kind === KIND.OPEN ? (ev.ret >= 0n ? Number(ev.ret) : null) : ev.dirfd === AT_FDCWD ? null : ev.dirfd);
    if (ev.ino !== 0n) {
      put(c.ino, r, ev.ino);
      put(c.dev, r, userDevFromKernel(ev.dev));
    }
    if (ev.kind === KIND.CHOWN) {
      put(c.uid_arg, r, idOrNull(ev.uidArg));
      put(c.gid_arg, r, idOrNull(ev.gidArg));
    }
    if (ev.kind === KIND.TRUNCATE) put(c.size_arg, r, ev.sizeArg);
  }

  private net(r: number, ev: NetEvent): void {
    const c = this.c;
    if (ev.kind !== KIND.TCP_STATE) this.result(r, ev.ret);
    put(c.fd, r, ev.kind === KIND.ACCEPT ? (ev.ret >= 0n ? Number(ev.ret) : null) : ev.kind === KIND.TCP_STATE ? null : ev.fd);
    put(c.family, r, familyName(ev.family));
    put(c.protocol, r, protocolName(ev.protocol));
    if (ev.family === 2 || ev.family === 10) {
      put(c.saddr, r, formatIp(ev.saddr, ev.family));
      put(c.sport, r, ev.sport);
      put(c.daddr, r, formatIp(ev.daddr, ev.family));
      put(c.dport, r, ev.dport);
    }
    if (ev.kind === KIND.TCP_STATE) {
      put(c.tcp_old_state, r, tcpStateName(ev.oldState));
      put(c.tcp_new_state, r, tcpStateName(ev.newState));
      put(c.softirq, r, (ev.flags & FLAG.SOFTIRQ) !== 0);
    }
    if (ev.kind === KIND.LISTEN) put(c.backlog, r, ev.backlog);
    if (ev.unixPath !== null) {
      const s = storeText(ev.unixPath);
      put(c.unix_path, r, s.text !== null && s.text.startsWith('\0') ? `@${s.text.slice(1)}` : s.text);
    }
    if (ev.kind === KIND.DNS && ev.payload !== null) {
      const q = parseDnsQuestion(ev.payload);
      put(c.dns_query, r, q?.name ?? null);
      put(c.dns_qtype, r, q?.type ?? null);
    }
    put(c.sock_cookie, r, ev.sockCookie === 0n ? null : BigInt.asIntN(64, ev.sockCookie));
  }

  private sec(r: number, ev: SecEvent): void {
    const c = this.c;
    this.result(r, ev.ret);
    switch (ev.kind) {
      case KIND.PTRACE:
        put(c.ptrace_request, r, ptraceRequestName(Number(ev.arg0)));
        put(c.target_pid, r, Number(BigInt.asIntN(32, ev.arg1)));
        break;
      case KIND.SETUID: case KIND.SETGID: {
        const name = ev.syscall === null ? '' : syscallName(ev.syscall);
        if (name === 'setuid' || name === 'setgid' || name === 'setfsuid' || name === 'setfsgid') {
          put(c.id_effective, r, idOrNull(ev.arg0));
        } else {
          put(c.id_real, r, idOrNull(ev.arg0));
          put(c.id_effective, r, idOrNull(ev.arg1));
          if (name === 'setresuid' || name === 'setresgid') put(c.id_saved, r, idOrNull(ev.arg2));
        }
        break;
      }
      case KIND.MEMFD:
        this.text(ev.str, 'name', null, r);
        put(c.flags, r, BigInt.asIntN(64, ev.arg0));
        break;
      case KIND.MODULE:
        this.text(ev.str, 'name', null, r);
        put(c.flags, r, BigInt.asIntN(64, ev.arg0));
        if (ev.path !== null) {
          this.text(ev.path, 'path', 'path_raw', r);
          put(c.path_source, r, 'kernel');
        }
        break;
      case KIND.BPF_PROG:
        this.text(ev.str, 'name', null, r);
        put(c.bpf_prog_type, r, bpfProgTypeName(Number(ev.arg0)));
        put(c.bpf_insn_cnt, r, Number(ev.arg1));
        break;
    }
  }

  /** Appends a snapshot row for a live process at wall time `timeNs`. */
  addSnapshot(p: LiveProcess, timeNs: bigint, ctx: RowContext, hash: Promise<ExeHash> | null): void {
    const r = this.rows++;
    const c = this.c;
    this.common(r, 'snapshot', null, null, ctx);
    put(c.time, r, timeNs);
    put(c.pid, r, p.pid);
    put(c.tid, r, p.pid);
    put(c.ppid, r, p.ppid);
    put(c.parent_key, r, p.parentKey);
    put(c.proc_start, r, ctx.wallOffsetNs + p.startNs);
    put(c.uid, r, BigInt(p.uid));
    put(c.gid, r, BigInt(p.gid));
    put(c.euid, r, BigInt(p.euid));
    put(c.egid, r, BigInt(p.egid));
    this.text(p.comm, 'comm', null, r);
    put(c.cgroup_id, r, p.cgroupId);
    this.text(p.exe, 'exe', 'exe_raw', r);
    this.argv(r, p.argv);
    put(c.argv_truncated, r, p.argvTruncated);
    this.text(p.cwd, 'cwd', 'cwd_raw', r);
    put(c.loginuid, r, p.loginuid === null ? null : BigInt(p.loginuid));
    put(c.sessionid, r, p.sessionid === null ? null : BigInt(p.sessionid));
    put(c.sid, r, p.sid);
    put(c.tty, r, p.tty);
    if (hash !== null) this.hashFills.push({ row: r, hash });
  }

  /** Appends a loss row: `count` records of `reason` lost up to `timeNs`. */
  addLoss(timeNs: bigint, ktimeNs: bigint, count: bigint, reason: string, ctx: RowContext): void {
    const r = this.rows++;
    this.common(r, 'loss', null, null, ctx);
    put(this.c.time, r, timeNs);
    put(this.c.ktime_ns, r, ktimeNs);
    put(this.c.lost_count, r, count);
    put(this.c.lost_reason, r, reason);
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
      put(c.exe_sha256, f.row, h.sha256);
      put(c.exe_hash_status, f.row, h.status);
    }
    // Columns never written share one all-null array (the writer only reads).
    let nulls: unknown[] | null = null;
    const columns: Record<string, unknown[]> = {};
    for (const name of COLUMN_NAMES) {
      const arr = c[name];
      if (arr.length === 0) {
        nulls ??= new Array<unknown>(rows).fill(null);
        columns[name] = nulls;
      } else {
        pad(arr, rows);
        columns[name] = arr;
      }
    }
    return { rowCount: rows, columns };
  }
}
