/**
 * The manifest's line format (formats/manifest.md, version 1), pure: entry
 * types, canonical JSON, the hash chain and the parser of manifest text. No
 * file I/O, so both the recorder (src/record/manifest.ts, which appends) and
 * the analyzer (src/analyze, which reads and verifies) use it.
 *
 * Guarantees: {@link verifyChain} returns the first entry whose `prev` or
 * `hash` does not hold; {@link parseManifest} never throws on damaged text, it
 * reports a torn last line and invalid lines instead.
 */
import { createHash } from 'node:crypto';

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

function short(h: string): string {
  return h.length > 12 ? h.slice(0, 12) + '…' : h;
}
