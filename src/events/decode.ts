/**
 * Decodes one ring-buffer record (bpf/hindsight.h) into an event object.
 *
 * Pure: takes bytes, returns plain objects; imports only the layout. 64-bit
 * kernel values (times, inodes, cookies, cgroup ids) stay bigint. Strings are
 * `Text`: a JS string when the bytes are valid UTF-8, otherwise a copy of the
 * exact bytes, so hostile names survive byte-exact. The input view may be
 * zero-copy ring memory: nothing returned aliases it.
 *
 * Throws DecodeError (with the offending kind, size or field) on a record
 * that does not fit its declared layout; never reads past `length`.
 */
import { HS_NO_SYSCALL, KIND, LAYOUT } from './layout.js';

/** Text from the kernel: a string when valid UTF-8, else the exact bytes. */
export type Text = string | Uint8Array;

const H = LAYOUT.hs_header.fields;

/**
 * Fields every record carries (struct hs_header). Events are classes, not
 * spread object literals: V8 gives each kind one stable shape, where
 * `{ ...header, more }` fell into a 36 us/object slow path.
 */
export class EventHeader {
  readonly kind: number;
  readonly sizeBytes: number;
  /** x86_64 syscall number, null when the event is not a syscall's. */
  readonly syscall: number | null;
  readonly flags: number;
  /** CLOCK_BOOTTIME ns. */
  readonly ktimeNs: bigint;
  /** Process start, CLOCK_BOOTTIME ns (the process key's time). */
  readonly startNs: bigint;
  readonly parentStartNs: bigint;
  readonly cgroupId: bigint;
  readonly pid: number;
  readonly tid: number;
  readonly ppid: number;
  readonly uid: number;
  readonly gid: number;
  readonly euid: number;
  readonly comm: Text;

  constructor(view: DataView, bytes: Uint8Array, at: number) {
    const syscall = view.getUint16(at + H.syscall, true);
    this.kind = view.getUint16(at + H.kind, true);
    this.sizeBytes = view.getUint16(at + H.size, true);
    this.syscall = syscall === HS_NO_SYSCALL ? null : syscall;
    this.flags = view.getUint16(at + H.flags, true);
    this.ktimeNs = view.getBigUint64(at + H.ktime_ns, true);
    this.startNs = view.getBigUint64(at + H.start_ns, true);
    this.parentStartNs = view.getBigUint64(at + H.parent_start_ns, true);
    this.cgroupId = view.getBigUint64(at + H.cgroup_id, true);
    this.pid = view.getUint32(at + H.pid, true);
    this.tid = view.getUint32(at + H.tid, true);
    this.ppid = view.getUint32(at + H.ppid, true);
    this.uid = view.getUint32(at + H.uid, true);
    this.gid = view.getUint32(at + H.gid, true);
    this.euid = view.getUint32(at + H.euid, true);
    this.comm = readCString(bytes, at + H.comm, 16);
  }
}

const X = LAYOUT.hs_exec.fields;

/** HS_EXEC and HS_EXEC_FAIL. */
export class ExecEvent extends EventHeader {
  readonly type: 'exec' | 'exec_fail';
  readonly ret: number;
  readonly oldTid: number;
  readonly egid: number;
  readonly loginuid: number;
  readonly sessionid: number;
  readonly ttyNr: number;
  readonly exeIno: bigint;
  readonly exeMtimeNs: bigint;
  readonly exeSize: bigint;
  readonly exeDev: number;
  readonly exeNlink: number;
  readonly argc: number;
  readonly argvBytes: number;
  readonly sid: number;
  readonly exe: Text | null;
  readonly filename: Text | null;
  readonly interp: Text | null;
  /** Arguments split at NUL; the last one may be cut when FLAG.ARGV_TRUNC is set. */
  readonly argv: Text[];
  readonly cwd: Text | null;
  readonly tty: Text | null;

  constructor(view: DataView, bytes: Uint8Array, at: number, length: number) {
    super(view, bytes, at);
    this.type = this.kind === KIND.EXEC ? 'exec' : 'exec_fail';
    this.ret = view.getInt32(at + X.ret, true);
    this.oldTid = view.getUint32(at + X.old_tid, true);
    this.egid = view.getUint32(at + X.egid, true);
    this.loginuid = view.getUint32(at + X.loginuid, true);
    this.sessionid = view.getUint32(at + X.sessionid, true);
    this.ttyNr = view.getUint32(at + X.tty_nr, true);
    this.exeIno = view.getBigUint64(at + X.exe_ino, true);
    this.exeMtimeNs = view.getBigUint64(at + X.exe_mtime_ns, true);
    this.exeSize = view.getBigUint64(at + X.exe_size, true);
    this.exeDev = view.getUint32(at + X.exe_dev, true);
    this.exeNlink = view.getUint32(at + X.exe_nlink, true);
    this.argc = view.getUint32(at + X.argc, true);
    this.argvBytes = view.getUint32(at + X.argv_bytes, true);
    this.sid = view.getUint32(at + X.sid, true);
    this.exe = readText(view, bytes, at, length, X.exe, 'exe');
    this.filename = readText(view, bytes, at, length, X.filename, 'filename');
    this.interp = readText(view, bytes, at, length, X.interp, 'interp');
    this.argv = splitArgv(readStr(view, bytes, at, length, X.argv, 'argv'));
    this.cwd = readText(view, bytes, at, length, X.cwd, 'cwd');
    this.tty = readText(view, bytes, at, length, X.tty, 'tty');
  }
}

const K = LAYOUT.hs_fork.fields;

/** HS_FORK, in the parent's context. */
export class ForkEvent extends EventHeader {
  readonly type = 'fork' as const;
  readonly childStartNs: bigint;
  readonly childPid: number;
  readonly childTid: number;

  constructor(view: DataView, bytes: Uint8Array, at: number) {
    super(view, bytes, at);
    this.childStartNs = view.getBigUint64(at + K.child_start_ns, true);
    this.childPid = view.getUint32(at + K.child_pid, true);
    this.childTid = view.getUint32(at + K.child_tid, true);
  }
}

/** HS_EXIT: the last thread of a process exited. */
export class ExitEvent extends EventHeader {
  readonly type = 'exit' as const;
  /** Wait status: (code << 8) | termsig, 0x80 = core dumped. */
  readonly exitStatus: number;

  constructor(view: DataView, bytes: Uint8Array, at: number) {
    super(view, bytes, at);
    this.exitStatus = view.getUint32(at + LAYOUT.hs_exit.fields.exit_code, true);
  }
}

const L = LAYOUT.hs_file.fields;

/** The file kinds (HS_OPEN .. HS_TRUNCATE). */
export class FileEvent extends EventHeader {
  readonly type = 'file' as const;
  readonly ret: bigint;
  readonly dirfd: number;
  readonly dirfd2: number;
  /** The syscall's flags argument (open flags, AT_* flags, RENAME_* flags). */
  readonly argFlags: number;
  readonly mode: number;
  readonly uidArg: number;
  readonly gidArg: number;
  readonly ino: bigint;
  readonly sizeArg: bigint;
  readonly dev: number;
  readonly path: Text | null;
  readonly pathArg: Text | null;
  readonly base: Text | null;
  readonly path2Arg: Text | null;
  readonly base2: Text | null;

  constructor(view: DataView, bytes: Uint8Array, at: number, length: number) {
    super(view, bytes, at);
    this.ret = view.getBigInt64(at + L.ret, true);
    this.dirfd = view.getInt32(at + L.dirfd, true);
    this.dirfd2 = view.getInt32(at + L.dirfd2, true);
    this.argFlags = view.getUint32(at + L.flags, true);
    this.mode = view.getUint32(at + L.mode, true);
    this.uidArg = view.getUint32(at + L.uid_arg, true);
    this.gidArg = view.getUint32(at + L.gid_arg, true);
    this.ino = view.getBigUint64(at + L.ino, true);
    this.sizeArg = view.getBigUint64(at + L.size_arg, true);
    this.dev = view.getUint32(at + L.dev, true);
    this.path = readText(view, bytes, at, length, L.path, 'path');
    this.pathArg = readText(view, bytes, at, length, L.path_arg, 'path_arg');
    this.base = readText(view, bytes, at, length, L.base, 'base');
    this.path2Arg = readText(view, bytes, at, length, L.path2_arg, 'path2_arg');
    this.base2 = readText(view, bytes, at, length, L.base2, 'base2');
  }
}

const N = LAYOUT.hs_net.fields;

/** The socket kinds (HS_CONNECT .. HS_DNS). */
export class NetEvent extends EventHeader {
  readonly type = 'net' as const;
  readonly ret: bigint;
  readonly fd: number;
  readonly family: number;
  readonly protocol: number;
  readonly sockType: number;
  readonly sport: number;
  readonly dport: number;
  readonly oldState: number;
  readonly newState: number;
  readonly backlog: number;
  /** 16 bytes, network order; IPv4 in the first 4. */
  readonly saddr: Uint8Array;
  readonly daddr: Uint8Array;
  readonly sockCookie: bigint;
  readonly unixPath: Text | null;
  readonly payload: Uint8Array | null;

  constructor(view: DataView, bytes: Uint8Array, at: number, length: number) {
    super(view, bytes, at);
    const payload = readStr(view, bytes, at, length, N.payload, 'payload');
    this.ret = view.getBigInt64(at + N.ret, true);
    this.fd = view.getInt32(at + N.fd, true);
    this.family = view.getUint16(at + N.family, true);
    this.protocol = view.getUint16(at + N.protocol, true);
    this.sockType = view.getUint16(at + N.sock_type, true);
    this.sport = view.getUint16(at + N.sport, true);
    this.dport = view.getUint16(at + N.dport, true);
    this.oldState = view.getUint16(at + N.old_state, true);
    this.newState = view.getUint16(at + N.new_state, true);
    this.backlog = view.getUint32(at + N.backlog, true);
    this.saddr = bytes.slice(at + N.saddr, at + N.saddr + 16);
    this.daddr = bytes.slice(at + N.daddr, at + N.daddr + 16);
    this.sockCookie = view.getBigUint64(at + N.sock_cookie, true);
    this.unixPath = readText(view, bytes, at, length, N.unix_path, 'unix_path');
    this.payload = payload === null ? null : payload.slice();
  }
}

const S = LAYOUT.hs_sec.fields;

/** The security kinds (HS_PTRACE .. HS_BPF_PROG); args by kind in bpf/hindsight.h. */
export class SecEvent extends EventHeader {
  readonly type = 'sec' as const;
  readonly ret: bigint;
  readonly arg0: bigint;
  readonly arg1: bigint;
  readonly arg2: bigint;
  readonly arg3: bigint;
  readonly str: Text | null;
  readonly path: Text | null;

  constructor(view: DataView, bytes: Uint8Array, at: number, length: number) {
    super(view, bytes, at);
    this.ret = view.getBigInt64(at + S.ret, true);
    this.arg0 = view.getBigUint64(at + S.arg0, true);
    this.arg1 = view.getBigUint64(at + S.arg1, true);
    this.arg2 = view.getBigUint64(at + S.arg2, true);
    this.arg3 = view.getBigUint64(at + S.arg3, true);
    this.str = readText(view, bytes, at, length, S.str, 'str');
    this.path = readText(view, bytes, at, length, S.path, 'path');
  }
}

export type KernelEvent = ExecEvent | ForkEvent | ExitEvent | FileEvent | NetEvent | SecEvent;

/** A record that does not match the wire layout. */
export class DecodeError extends Error {
  override name = 'DecodeError';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes as Text: a string when valid UTF-8, else a copy of the bytes. */
export function bytesToText(bytes: Uint8Array): Text {
  try {
    return utf8.decode(bytes);
  } catch {
    return bytes.slice();
  }
}

/**
 * Direct-mapped cache of decoded text, keyed by the bytes: comms and paths
 * repeat from event to event, and a hash plus a compare of a few dozen bytes
 * is cheaper than decoding, and the events share one string instead of each
 * holding a copy for the garbage collector to move.
 */
const CACHE_SLOTS = 4096;
const CACHE_MAX_BYTES = 512;
const cacheKeys: Array<Uint8Array | undefined> = new Array(CACHE_SLOTS);
const cacheVals: Text[] = new Array(CACHE_SLOTS);

/** Text of bytes[start, end), through the cache for short values. */
function cachedText(bytes: Uint8Array, start: number, end: number): Text {
  const len = end - start;
  if (len > CACHE_MAX_BYTES) return bytesToText(bytes.subarray(start, end));
  let h = len | 0;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  const slot = (h ^ (h >>> 15)) & (CACHE_SLOTS - 1);
  const key = cacheKeys[slot];
  if (key !== undefined && key.length === len) {
    let same = true;
    for (let i = 0; i < len; i++) {
      if (key[i] !== bytes[start + i]) { same = false; break; }
    }
    if (same) return cacheVals[slot]!;
  }
  const copy = bytes.slice(start, end);
  const text = bytesToText(copy);
  cacheKeys[slot] = copy;
  cacheVals[slot] = text;
  return text;
}

/** Reads a NUL-terminated fixed char array. */
function readCString(bytes: Uint8Array, at: number, max: number): Text {
  let end = at;
  while (end < at + max && bytes[end] !== 0) end++;
  return cachedText(bytes, at, end);
}

/**
 * Returns the bytes an hs_str at `fieldAt` points to, or null when empty.
 * `at` is the record's offset in `bytes`, `length` its size.
 */
function readStr(view: DataView, bytes: Uint8Array, at: number, length: number, fieldAt: number, field: string): Uint8Array | null {
  const off = view.getUint16(at + fieldAt, true);
  const len = view.getUint16(at + fieldAt + 2, true);
  if (len === 0) return null;
  if (off + len > length) {
    throw new DecodeError(`events: string ${field} [${off}, +${len}) outside the ${length}-byte record`);
  }
  return bytes.subarray(at + off, at + off + len);
}

function readText(view: DataView, bytes: Uint8Array, at: number, length: number, fieldAt: number, field: string): Text | null {
  const b = readStr(view, bytes, at, length, fieldAt, field);
  return b === null ? null : cachedText(b, 0, b.length);
}

/** Splits a NUL-separated argument area; a trailing NUL ends the last argument. */
export function splitArgv(area: Uint8Array | null): Text[] {
  if (area === null) return [];
  const out: Text[] = [];
  let start = 0;
  for (let i = 0; i < area.length; i++) {
    if (area[i] === 0) {
      out.push(bytesToText(area.subarray(start, i)));
      start = i + 1;
    }
  }
  if (start < area.length) out.push(bytesToText(area.subarray(start)));
  return out;
}

const STRUCT_BY_KIND = new Map<number, keyof typeof LAYOUT>([
  [KIND.EXEC, 'hs_exec'], [KIND.EXEC_FAIL, 'hs_exec'], [KIND.FORK, 'hs_fork'], [KIND.EXIT, 'hs_exit'],
  [KIND.OPEN, 'hs_file'], [KIND.UNLINK, 'hs_file'], [KIND.RENAME, 'hs_file'], [KIND.CHMOD, 'hs_file'],
  [KIND.CHOWN, 'hs_file'], [KIND.MKDIR, 'hs_file'], [KIND.LINK, 'hs_file'], [KIND.SYMLINK, 'hs_file'],
  [KIND.TRUNCATE, 'hs_file'],
  [KIND.CONNECT, 'hs_net'], [KIND.ACCEPT, 'hs_net'], [KIND.BIND, 'hs_net'], [KIND.LISTEN, 'hs_net'],
  [KIND.TCP_STATE, 'hs_net'], [KIND.DNS, 'hs_net'],
  [KIND.PTRACE, 'hs_sec'], [KIND.SETUID, 'hs_sec'], [KIND.SETGID, 'hs_sec'], [KIND.MEMFD, 'hs_sec'],
  [KIND.MODULE, 'hs_sec'], [KIND.BPF_PROG, 'hs_sec'],
]);

/**
 * Decodes the record at `at` (its `length` bytes as delivered by the ring).
 * `view` and `bytes` cover the same memory.
 */
export function decodeRecord(view: DataView, bytes: Uint8Array, at: number, length: number): KernelEvent {
  if (length < LAYOUT.hs_header.size) {
    throw new DecodeError(`events: record of ${length} bytes is shorter than the ${LAYOUT.hs_header.size}-byte header`);
  }
  const kind = view.getUint16(at + H.kind, true);
  const struct = STRUCT_BY_KIND.get(kind);
  if (struct === undefined) throw new DecodeError(`events: unknown record kind ${kind}`);
  const need = LAYOUT[struct].size;
  const declared = view.getUint16(at + H.size, true);
  if (length < need || declared > length || declared < need) {
    throw new DecodeError(`events: kind ${kind} record has ${length} bytes (header says ${declared}), ${struct} needs ${need}`);
  }
  switch (struct) {
    case 'hs_exec': return new ExecEvent(view, bytes, at, declared);
    case 'hs_fork': return new ForkEvent(view, bytes, at);
    case 'hs_exit': return new ExitEvent(view, bytes, at);
    case 'hs_file': return new FileEvent(view, bytes, at, declared);
    case 'hs_net': return new NetEvent(view, bytes, at, declared);
    case 'hs_sec': return new SecEvent(view, bytes, at, declared);
    default: throw new DecodeError(`events: no decoder for ${struct}`);
  }
}

