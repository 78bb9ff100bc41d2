/**
 * Reads the processes that exist when recording starts from /proc, so that
 * events of processes started earlier can be tied to an exe, argv and parent.
 *
 * Start times come from /proc/<pid>/stat (clock ticks since boot), which is
 * what process keys are built from (src/events/process-key.ts). Processes that
 * vanish while being read are skipped; unreadable fields are null. Names and
 * arguments are read as bytes and kept byte-exact (Text).
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import type { Text } from '../events/decode.js';
import { bytesToText, splitArgv } from '../events/decode.js';
import { NS_PER_TICK } from '../events/process-key.js';

/** A process as read from /proc. */
export interface ProcEntry {
  pid: number;
  ppid: number;
  /** CLOCK_BOOTTIME ns, at tick resolution. */
  startNs: bigint;
  comm: Text;
  exe: Text | null;
  argv: Text[];
  argvTruncated: boolean;
  cwd: Text | null;
  uid: number;
  gid: number;
  euid: number;
  egid: number;
  loginuid: number | null;
  sessionid: number | null;
  sid: number;
  tty: string | null;
  cgroupPath: string | null;
}

function readBytes(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}

function readLinkBytes(path: string): Text | null {
  try {
    return bytesToText(readlinkSync(path, { encoding: 'buffer' }));
  } catch {
    return null;
  }
}

/** tty name for a tty_nr (new_encode_dev), matching the kernel's tty->name. */
export function ttyName(ttyNr: number): string | null {
  if (ttyNr === 0) return null;
  const major = (ttyNr >>> 8) & 0xfff;
  const minor = (ttyNr & 0xff) | ((ttyNr >>> 12) & 0xfff00);
  if (major >= 136 && major <= 143) return `pts${(major - 136) * 256 + minor}`;
  if (major === 4) return minor < 64 ? `tty${minor}` : `ttyS${minor - 64}`;
  if (major === 5 && minor === 1) return 'console';
  return `tty_${major}_${minor}`;
}

/** Parses /proc/<pid>/stat: the comm field may hold spaces and parentheses. */
export function parseStat(stat: string): { ppid: number; sid: number; ttyNr: number; startTicks: bigint } | null {
  const close = stat.lastIndexOf(')');
  if (close < 0) return null;
  const f = stat.slice(close + 2).split(' ');
  // Fields after comm, 0-based from 'state' (field 3 in proc(5)).
  if (f.length < 20) return null;
  return { ppid: Number(f[1]), sid: Number(f[3]), ttyNr: Number(f[4]), startTicks: BigInt(f[19]!) };
}

function idsFromStatus(status: string, key: 'Uid' | 'Gid'): [number, number] {
  const line = status.split('\n').find((l) => l.startsWith(`${key}:`));
  const parts = line?.split(/\s+/) ?? [];
  return [Number(parts[1] ?? -1), Number(parts[2] ?? -1)];
}

function unsetAsNull(text: Buffer | null): number | null {
  if (text === null) return null;
  const n = Number(text.toString().trim());
  return !Number.isFinite(n) || n === 4294967295 ? null : n;
}

/** Reads one process; null when it is gone or not a process. */
export function readProc(pid: number, argvMax: number, root = '/proc'): ProcEntry | null {
  const dir = `${root}/${pid}`;
  const statBytes = readBytes(`${dir}/stat`);
  const statusBytes = readBytes(`${dir}/status`);
  if (statBytes === null || statusBytes === null) return null;
  const stat = parseStat(statBytes.toString('latin1'));
  if (stat === null) return null;
  const status = statusBytes.toString('latin1');
  const [uid, euid] = idsFromStatus(status, 'Uid');
  const [gid, egid] = idsFromStatus(status, 'Gid');
  const cmdline = readBytes(`${dir}/cmdline`) ?? Buffer.alloc(0);
  const argvBytes = cmdline.subarray(0, argvMax);
  const comm = readBytes(`${dir}/comm`);
  const cgroup = readBytes(`${dir}/cgroup`)?.toString('utf8') ?? '';
  const unified = cgroup.split('\n').find((l) => l.startsWith('0::'));
  return {
    pid,
    ppid: stat.ppid,
    startNs: stat.startTicks * NS_PER_TICK,
    comm: comm === null ? '' : bytesToText(comm.subarray(0, comm.length > 0 && comm[comm.length - 1] === 10 ? comm.length - 1 : comm.length)),
    exe: readLinkBytes(`${dir}/exe`),
    argv: splitArgv(argvBytes),
    argvTruncated: cmdline.length > argvMax,
    cwd: readLinkBytes(`${dir}/cwd`),
    uid, gid, euid, egid,
    loginuid: unsetAsNull(readBytes(`${dir}/loginuid`)),
    sessionid: unsetAsNull(readBytes(`${dir}/sessionid`)),
    sid: stat.sid,
    tty: ttyName(stat.ttyNr),
    cgroupPath: unified === undefined ? null : unified.slice(3),
  };
}

/** Reads every process in /proc, in pid order. */
export function snapshotProcesses(argvMax: number, root = '/proc'): ProcEntry[] {
  const pids = readdirSync(root).filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
  const out: ProcEntry[] = [];
  for (const pid of pids) {
    const p = readProc(pid, argvMax, root);
    if (p !== null) out.push(p);
  }
  return out;
}
