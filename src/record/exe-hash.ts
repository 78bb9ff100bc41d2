/**
 * sha256 of executed files, computed off the hot path.
 *
 * A request names the exec'ing process and the identity of the executed
 * inode as the kernel saw it (device, inode, mtime, size). The file is read
 * through /proc/<pid>/exe while the process lives (this reaches deleted files
 * and memfds too), else through the path; it is hashed only when fstat of the
 * opened file matches that identity (inode, size, mtime), so a file replaced after the exec is
 * reported as 'changed', never hashed as if it had run. Results are cached by
 * identity; at most `concurrency` files are read at once, in chunks, so the
 * event loop keeps draining the ring while large binaries hash.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

/** Outcome of hashing one executable. */
export interface ExeHash {
  sha256: string | null;
  status: 'ok' | 'gone' | 'changed' | 'unreadable' | 'too_large';
}

/** What the kernel reported about the executed inode. */
export interface ExeIdentity {
  pid: number;
  path: string | null;
  /** Kernel s_dev encoding: major << 20 | minor. */
  dev: number;
  ino: bigint;
  mtimeNs: bigint;
  size: bigint;
}

/** Converts the kernel's s_dev (MAJOR<<20|MINOR) to the user-space dev_t of stat(2). */
export function userDevFromKernel(sdev: number): bigint {
  const major = BigInt(sdev >>> 20);
  const minor = BigInt(sdev & 0xfffff);
  return (minor & 0xffn) | ((major & 0xfffn) << 8n) | ((minor & ~0xffn) << 12n) | ((major & ~0xfffn) << 32n);
}

const CHUNK_BYTES = 1 << 20;

/** Hashes executables with a cache keyed by (dev, ino, mtime, size). */
export class ExeHasher {
  private readonly cache = new Map<string, Promise<ExeHash>>();
  private running = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly maxBytes = 512 * 1024 * 1024, private readonly concurrency = 2) {}

  /** Starts (or reuses) the hash of the file identified by `id`. Never rejects. */
  hash(id: ExeIdentity): Promise<ExeHash> {
    const key = `${id.dev}:${id.ino}:${id.mtimeNs}:${id.size}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const p = this.limit(() => this.compute(id));
    this.cache.set(key, p);
    // Transient outcomes are retried by the next exec of the same file.
    void p.then((r) => { if (r.status !== 'ok' && r.status !== 'too_large') this.cache.delete(key); });
    return p;
  }

  private async limit<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) await new Promise<void>((r) => this.queue.push(r));
    this.running++;
    try {
      return await job();
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }

  private async compute(id: ExeIdentity): Promise<ExeHash> {
    if (id.size > BigInt(this.maxBytes)) return { sha256: null, status: 'too_large' };
    const candidates = [`/proc/${id.pid}/exe`];
    if (id.path !== null && id.path.startsWith('/')) candidates.push(id.path);
    let sawFile = false;
    for (const path of candidates) {
      let fh;
      try {
        fh = await open(path, 'r');
      } catch {
        continue;
      }
      try {
        const st = await fh.stat({ bigint: true });
        sawFile = true;
        // The device is not compared: overlayfs reports its own st_dev for a
        // file whose inode the kernel saw on the lower layer.
        const same = st.ino === id.ino && st.size === id.size && st.mtimeNs === id.mtimeNs;
        if (!same) continue;
        const hash = createHash('sha256');
        const buf = Buffer.allocUnsafe(CHUNK_BYTES);
        for (;;) {
          const { bytesRead } = await fh.read(buf, 0, CHUNK_BYTES, null);
          if (bytesRead === 0) break;
          hash.update(buf.subarray(0, bytesRead));
        }
        return { sha256: hash.digest('hex'), status: 'ok' };
      } catch {
        return { sha256: null, status: 'unreadable' };
      } finally {
        await fh.close();
      }
    }
    return { sha256: null, status: sawFile ? 'changed' : 'gone' };
  }
}
