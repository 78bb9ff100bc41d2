/**
 * The recorder's view of live processes and their keys.
 *
 * Seeded from the /proc snapshot, then kept current by fork, exec and exit
 * events, so every segment can start with a snapshot of the processes alive at
 * that moment and stand alone. Keys follow src/events/process-key.ts; the
 * table remembers the last instance seen for each pid, so a pid reused within
 * one clock tick gets a distinct key (the exact form) instead of its
 * predecessor's.
 */
import type { ExecEvent, ForkEvent } from '../events/decode.js';
import { FLAG } from '../events/layout.js';
import { processKey, processKeyExact, NS_PER_TICK } from '../events/process-key.js';
import type { ExeHash } from './exe-hash.js';
import type { ProcEntry } from './proc-snapshot.js';

/** What the table knows of a live process: the /proc fields, plus its keys and hash. */
export interface LiveProcess extends Omit<ProcEntry, 'sid'> {
  key: string;
  parentKey: string | null;
  sid: number | null;
  cgroupId: bigint | null;
  exeHash: Promise<ExeHash> | null;
}

interface Instance {
  startNs: bigint;
  /** False for snapshot entries, whose start is only known to the tick. */
  exact: boolean;
  key: string;
}

/** Live processes and key assignment. */
export class ProcessTable {
  private readonly instances = new Map<number, Instance>();
  private readonly live = new Map<string, LiveProcess>();
  private lastPid = -1;
  private lastStart = -1n;
  private lastKey = '';

  constructor(private readonly boot: string) {}

  /**
   * Key of the instance of `pid` that started at `startNs`. Called for every
   * event (the process and its parent), so the common case is one compare.
   */
  keyFor(pid: number, startNs: bigint): string {
    if (pid === this.lastPid && startNs === this.lastStart) return this.lastKey;
    const known = this.instances.get(pid);
    let key: string;
    if (known !== undefined && known.startNs === startNs) {
      key = known.key;
    } else if (known !== undefined && !known.exact && startNs / NS_PER_TICK === known.startNs / NS_PER_TICK) {
      known.startNs = startNs;
      known.exact = true;
      key = known.key;
    } else {
      key = processKey(this.boot, startNs, pid);
      if (known !== undefined && known.key === key) key = processKeyExact(this.boot, startNs, pid);
      this.instances.set(pid, { startNs, exact: true, key });
    }
    this.lastPid = pid;
    this.lastStart = startNs;
    this.lastKey = key;
    return key;
  }

  /** Seeds the table from /proc; parents are linked by pid among the snapshot. */
  addSnapshot(entries: ProcEntry[], cgroupIdOf: (path: string | null) => bigint | null): void {
    for (const p of entries) {
      const key = processKey(this.boot, p.startNs, p.pid);
      this.instances.set(p.pid, { startNs: p.startNs, exact: false, key });
    }
    for (const p of entries) {
      const key = this.instances.get(p.pid)!.key;
      const parent = this.instances.get(p.ppid);
      this.live.set(key, {
        pid: p.pid, ppid: p.ppid, startNs: p.startNs, key,
        parentKey: p.ppid === 0 || parent === undefined ? null : parent.key,
        comm: p.comm, exe: p.exe, argv: p.argv, argvTruncated: p.argvTruncated, cwd: p.cwd,
        uid: p.uid, gid: p.gid, euid: p.euid, egid: p.egid, loginuid: p.loginuid, sessionid: p.sessionid,
        sid: p.sid, tty: p.tty, cgroupId: cgroupIdOf(p.cgroupPath), cgroupPath: p.cgroupPath, exeHash: null,
      });
    }
  }

  /** A new process inherits its parent's image; threads change nothing. */
  onFork(ev: ForkEvent, parentKey: string, childKey: string): void {
    if (ev.childPid === ev.pid) return;
    const parent = this.live.get(parentKey);
    this.live.set(childKey, {
      pid: ev.childPid, ppid: ev.pid, startNs: ev.childStartNs, key: childKey, parentKey,
      comm: ev.comm, exe: parent?.exe ?? null, argv: parent?.argv ?? [], argvTruncated: parent?.argvTruncated ?? false,
      cwd: parent?.cwd ?? null, uid: ev.uid, gid: ev.gid, euid: ev.euid, egid: parent?.egid ?? ev.gid,
      loginuid: parent?.loginuid ?? null, sessionid: parent?.sessionid ?? null, sid: parent?.sid ?? null,
      tty: parent?.tty ?? null, cgroupId: ev.cgroupId, cgroupPath: null, exeHash: parent?.exeHash ?? null,
    });
  }

  /** Records the new image of an exec'ing process (created if unknown). */
  onExec(ev: ExecEvent, key: string, parentKey: string | null, exeHash: Promise<ExeHash> | null): void {
    const prev = this.live.get(key);
    this.live.set(key, {
      pid: ev.pid, ppid: ev.ppid, startNs: ev.startNs, key, parentKey,
      comm: ev.comm, exe: ev.exe, argv: ev.argv, argvTruncated: (ev.flags & FLAG.ARGV_TRUNC) !== 0, cwd: ev.cwd,
      uid: ev.uid, gid: ev.gid, euid: ev.euid, egid: ev.egid,
      loginuid: ev.loginuid === 0xffffffff ? null : ev.loginuid,
      sessionid: ev.sessionid === 0xffffffff ? null : ev.sessionid,
      sid: ev.sid, tty: ev.tty === null ? null : String(ev.tty), cgroupId: ev.cgroupId,
      cgroupPath: prev?.cgroupPath ?? null, exeHash,
    });
  }

  /** Updates the parent link after reparenting, seen on any event. */
  noteParent(key: string, ppid: number, parentKey: string): void {
    const p = this.live.get(key);
    if (p !== undefined && p.parentKey !== parentKey) {
      p.ppid = ppid;
      p.parentKey = parentKey;
    }
  }

  onExit(key: string): void {
    this.live.delete(key);
  }

  /** Live processes, oldest first. */
  liveProcesses(): LiveProcess[] {
    return [...this.live.values()].sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : a.pid - b.pid));
  }

  get size(): number {
    return this.live.size;
  }
}
