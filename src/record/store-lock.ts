/**
 * The recorder lock of a host directory: `recorder.lock`, created O_EXCL,
 * holding the owner's pid and process start time (/proc/<pid>/stat field 22,
 * clock ticks since boot). A pid alone is not an identity: after a crash the
 * pid may belong to another process, so a lock counts as live only when that
 * pid exists with the same start time. A stale lock is taken over.
 */
import { closeSync, constants, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { LockedError } from './errors.js';

export interface LockOwner {
  pid: number;
  /** /proc/<pid>/stat field 22, as a decimal string. */
  start_time: string;
  run_id: string;
}

/** What taking the lock found. */
export interface LockResult {
  /** The stale lock taken over, if there was one. */
  tookOver: LockOwner | null;
}

/**
 * Process start time of `pid` (field 22 of /proc/<pid>/stat), or null when
 * there is no such process.
 */
export function processStartTime(pid: number): string | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // comm (field 2) is in parentheses and may contain spaces or ')': split after the last ')'
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[22 - 3] ?? null;
}

/**
 * Create the lock at `path` for this process.
 * @param dir named in the error when another recorder holds the lock
 * @throws LockedError when a live process holds it; the fs error otherwise.
 */
export function acquireLock(path: string, dir: string, runId: string): LockResult {
  const me: LockOwner = { pid: process.pid, start_time: processStartTime(process.pid) ?? '0', run_id: runId };
  let tookOver: LockOwner | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      try {
        writeSync(fd, JSON.stringify(me) + '\n');
      } finally {
        closeSync(fd);
      }
      return { tookOver };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = readLock(path);
    if (owner && processStartTime(owner.pid) === owner.start_time) {
      throw new LockedError(owner.pid, dir);
    }
    // stale (dead owner, pid reused by another process, or unreadable): take it over
    tookOver = owner ?? { pid: 0, start_time: '', run_id: '' };
    try {
      unlinkSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  throw new Error(`lock: could not take ${path}: another process keeps recreating it`);
}

/** Remove the lock if this process still owns it. */
export function releaseLock(path: string): void {
  const owner = readLock(path);
  if (owner && owner.pid === process.pid && owner.start_time === (processStartTime(process.pid) ?? '0')) {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }
}

/** The lock's owner, or null when missing or unreadable. */
export function readLock(path: string): LockOwner | null {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (typeof v.pid === 'number' && typeof v.start_time === 'string') {
      return { pid: v.pid, start_time: v.start_time, run_id: typeof v.run_id === 'string' ? v.run_id : '' };
    }
  } catch {
    // missing or garbage
  }
  return null;
}
