/**
 * The manifest: an append-only, hash-chained JSONL journal of a host
 * directory's recordings (formats/manifest.md, version 1).
 *
 * Each line is one entry; each entry carries `prev`, the previous entry's
 * `hash`, and its own `hash` = sha256(prev + canonical JSON of the entry
 * without `hash`). Editing, deleting or reordering lines breaks the chain at
 * the first affected entry ({@link verifyChain}). Each append is fsynced
 * before it returns. A crash mid-append leaves a torn last line:
 * {@link readManifest} reports it instead of failing, and {@link Manifest.open}
 * cuts it off before appending.
 *
 * 64-bit values (ns times, seq numbers, byte counts that may exceed 2^53) are
 * decimal strings in JSON.
 */
import { closeSync, constants, fdatasyncSync, fstatSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { StorageFullError, isStorageFull } from './errors.js';
import {
  GENESIS_HASH, MANIFEST_VERSION, canonicalJson, entryHash, parseManifest,
  type ManifestEntry, type ManifestRead, type NewEntry,
} from '../events/manifest-format.js';

export {
  MANIFEST_VERSION, GENESIS_HASH, canonicalJson, entryHash, verifyChain, parseManifest,
} from '../events/manifest-format.js';
export type {
  StartEntry, SegmentEntry, GapEntry, RetiredEntry, StopEntry, ManifestEntry, NewEntry, ManifestRead, ChainBreak,
} from '../events/manifest-format.js';

/**
 * Parse a manifest file. A missing file reads as empty.
 * @throws Error `manifest: read <path>` for I/O errors other than ENOENT.
 */
export function readManifest(path: string): ManifestRead {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], torn: null, invalidLines: [] };
    throw new Error(`manifest: read ${path}`, { cause });
  }
  return parseManifest(text);
}

/** An open manifest, appending entries with fsync. */
export class Manifest {
  private lastHash: string;
  private closed = false;

  private constructor(readonly path: string, private readonly fd: number, readonly existing: ManifestRead, private readonly now: () => bigint) {
    this.lastHash = existing.entries.at(-1)?.hash ?? GENESIS_HASH;
  }

  /**
   * Open (creating, mode 0600) the manifest at `path` for appending. A torn
   * last line is cut off first; `existing.torn` says how many bytes went.
   * @param now wall clock in ns, for `time_ns`
   * @throws StorageFullError; Error `manifest: open <path>`.
   */
  static open(path: string, now: () => bigint = wallClockNs): Manifest {
    const existing = readManifest(path);
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT, 0o600);
    } catch (cause) {
      if (isStorageFull(cause)) throw new StorageFullError(path, cause);
      throw new Error(`manifest: open ${path}`, { cause });
    }
    try {
      if (existing.torn) {
        ftruncateSync(fd, existing.torn.offset);
        fdatasyncSync(fd);
      }
    } catch (cause) {
      closeSync(fd);
      throw new Error(`manifest: cut torn line of ${path}`, { cause });
    }
    return new Manifest(path, fd, existing, now);
  }

  /** Hash of the last entry (the genesis hash when empty). */
  get head(): string {
    return this.lastHash;
  }

  /**
   * Chain, write and fsync one entry.
   * @returns the entry as written
   * @throws StorageFullError; Error `manifest: append to <path>`.
   */
  append(entry: NewEntry): ManifestEntry {
    if (this.closed) throw new Error(`manifest: append to closed ${this.path}`);
    const body = { ...entry, v: MANIFEST_VERSION, time_ns: entry.time_ns ?? String(this.now()), prev: this.lastHash } as Omit<ManifestEntry, 'hash'>;
    const full = { ...body, hash: entryHash(body) } as ManifestEntry;
    const line = Buffer.from(canonicalJson(full) + '\n', 'utf8');
    const size = fstatSync(this.fd).size;
    try {
      let done = 0;
      while (done < line.length) done += writeSync(this.fd, line, done, line.length - done);
      fdatasyncSync(this.fd);
    } catch (cause) {
      try {
        ftruncateSync(this.fd, size); // leave no half line for the next append to run into
      } catch {
        // the next open cuts a torn line anyway
      }
      if (isStorageFull(cause)) throw new StorageFullError(this.path, cause);
      throw new Error(`manifest: append to ${this.path}`, { cause });
    }
    this.lastHash = full.hash;
    return full;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

/** Wall clock, ns since the epoch (ms resolution). */
export function wallClockNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

