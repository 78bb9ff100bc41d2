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
import { createHash } from 'node:crypto';
import { closeSync, constants, fdatasyncSync, fstatSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { StorageFullError, isStorageFull } from './errors.js';

/** Manifest format version, written in every entry as `v`. */
export const MANIFEST_VERSION = 1;

/** `prev` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** Fields every entry has. */
interface EntryBase {
  v: number;
  /** Wall-clock time of the append, ns since the epoch (UTC), as a decimal string. */
  time_ns: string;
  prev: string;
  hash: string;
}

/** A recorder run began. */
export interface StartEntry extends EntryBase {
  type: 'start';
  run_id: string;
  pid: number;
  host: string;
  boot_id: string;
  hindsight_version: string;
  schema_version: number;
  settings: Record<string, unknown>;
}

/** A segment was closed (finished, fsynced, renamed). */
export interface SegmentEntry extends EntryBase {
  type: 'segment';
  run_id: string;
  /** Path relative to the host directory, '/'-separated. */
  file: string;
  rows: number;
  size_bytes: number;
  sha256: string;
  time_min: string | null;
  time_max: string | null;
  seq_min: string | null;
  seq_max: string | null;
  counts_by_kind: Record<string, number>;
  /** Records lost while this segment was open, by reason (ring_full, stash_full, ...). */
  lost: Record<string, string>;
}

/** Events are missing between `from_ns` and `to_ns`. */
export interface GapEntry extends EntryBase {
  type: 'gap';
  run_id: string | null;
  from_ns: string;
  to_ns: string;
  reason: string;
}

/** A segment was deleted (by retention). */
export interface RetiredEntry extends EntryBase {
  type: 'retired';
  run_id: string;
  file: string;
  sha256: string;
  reason: string;
}

/** A recorder run stopped cleanly. */
export interface StopEntry extends EntryBase {
  type: 'stop';
  run_id: string;
  totals: Record<string, string | number>;
}

export type ManifestEntry = StartEntry | SegmentEntry | GapEntry | RetiredEntry | StopEntry;

/** An entry as the caller supplies it: the manifest fills v, time_ns, prev and hash. */
export type NewEntry = ManifestEntry extends infer E
  ? E extends ManifestEntry ? Omit<E, 'v' | 'prev' | 'hash' | 'time_ns'> & { time_ns?: string } : never
  : never;

/** What {@link readManifest} found. */
export interface ManifestRead {
  entries: ManifestEntry[];
  /** The last line was cut short by a crash mid-append (no newline, or not JSON). */
  torn: { line: number; offset: number; bytes: number } | null;
  /** 1-based numbers of lines before the last that are not JSON objects (damage, not a crash). */
  invalidLines: number[];
}

/** The first place the chain does not hold. */
export interface ChainBreak {
  /** Index into the entries array. */
  index: number;
  reason: string;
}

/**
 * JSON with object keys sorted (recursively) and no whitespace: the form hashed.
 * @throws Error for values JSON cannot hold (bigint, undefined inside arrays, functions).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`manifest: not a finite number: ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  throw new Error(`manifest: cannot encode ${typeof value} in JSON`);
}

/** sha256 hex over `prev` followed by the canonical JSON of `entry` without its `hash`. */
export function entryHash(entry: Omit<ManifestEntry, 'hash'> | ManifestEntry): string {
  const { hash: _ignored, ...body } = entry as ManifestEntry;
  return createHash('sha256').update(body.prev).update(canonicalJson(body)).digest('hex');
}

/**
 * Check every link: entry i's `prev` equals entry i-1's `hash` (the genesis
 * hash for the first) and its `hash` matches its content.
 * @returns the first broken link, or null when the chain holds.
 */
export function verifyChain(entries: readonly ManifestEntry[]): ChainBreak | null {
  let prev = GENESIS_HASH;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (e.prev !== prev) {
      return { index: i, reason: `prev ${short(e.prev)} does not match the previous entry's hash ${short(prev)} (a line was removed, inserted or moved)` };
    }
    const want = entryHash(e);
    if (e.hash !== want) return { index: i, reason: `hash ${short(e.hash)} does not match the content (${short(want)}): the line was edited` };
    prev = e.hash;
  }
  return null;
}

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

/** Parse manifest text (see {@link readManifest}). */
export function parseManifest(text: string): ManifestRead {
  const entries: ManifestEntry[] = [];
  const invalidLines: number[] = [];
  let torn: ManifestRead['torn'] = null;
  let offset = 0;
  let line = 0;
  while (offset < text.length) {
    line++;
    const nl = text.indexOf('\n', offset);
    const end = nl === -1 ? text.length : nl;
    const raw = text.slice(offset, end);
    const last = nl === -1 || nl === text.length - 1;
    const entry = parseLine(raw);
    if (nl === -1 || (!entry && last)) {
      // no newline: the append never completed; or the final line is garbage
      torn = { line, offset: Buffer.byteLength(text.slice(0, offset)), bytes: Buffer.byteLength(text.slice(offset)) };
      break;
    }
    if (entry) entries.push(entry);
    else if (raw.trim() !== '') invalidLines.push(line);
    offset = nl + 1;
  }
  return { entries, torn, invalidLines };
}

function parseLine(raw: string): ManifestEntry | null {
  try {
    const v: unknown = JSON.parse(raw);
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { type?: unknown }).type === 'string') {
      return v as ManifestEntry;
    }
  } catch {
    // not JSON: reported by the caller
  }
  return null;
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

function short(h: string): string {
  return h.length > 12 ? h.slice(0, 12) + '…' : h;
}
