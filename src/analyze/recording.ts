/**
 * Opens recordings: finds the segment files and manifests behind the paths a
 * user gives (recording folders with host=* dirs, host folders, single
 * segments, manifests, or globs of any of these, from one or many hosts) and
 * checks each segment's footer before anything reads it.
 *
 * Guarantees:
 * - A segment whose footer cannot be read (corrupt, truncated, half-written,
 *   `*.parquet.tmp`) or that is not a hindsight segment is never used and never
 *   dropped silently: it is listed in {@link OpenedRecording.skipped} with the
 *   reason, and {@link isPartial} says so.
 * - A segment whose `hindsight.schema_version` is newer than
 *   {@link SUPPORTED_SCHEMA_VERSION} stops the open with
 *   {@link SchemaVersionError} naming the file and both versions.
 * - A folder holding neither segments nor a manifest raises
 *   {@link NotRecordingError} `not a recording: <dir>`.
 * - Paths reach DuckDB only as quoted literals (sqlString).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { parseManifest, type ManifestRead } from '../events/manifest-format.js';
import type { DuckSession } from './session.js';
import { sqlString } from './sql.js';

/** The newest segment schema version this analyzer reads (formats/segment-schema.json). */
export const SUPPORTED_SCHEMA_VERSION = 1;

/** The name a manifest has in a host directory (formats/manifest.md). */
export const MANIFEST_NAME = 'manifest.jsonl';

/** A path given does not hold a recording. */
export class NotRecordingError extends Error {
  override name = 'NotRecordingError';
}

/** A segment was written by a newer hindsight than this one. */
export class SchemaVersionError extends Error {
  override name = 'SchemaVersionError';
  constructor(readonly file: string, readonly version: number, readonly supported: number) {
    super(`segment ${file}: schema version ${version} is newer than this hindsight reads (${supported}); use a newer hindsight`);
  }
}

/** A segment that passed the footer check. */
export interface UsableSegment {
  /** Absolute path. */
  path: string;
  sizeBytes: number;
  schemaVersion: number;
  /** The host directory (holding manifest.jsonl) it lies under, or null. */
  hostDir: string | null;
}

/** A file that looked like a segment but is not used, and why. */
export interface SkippedSegment {
  path: string;
  reason: string;
  hostDir: string | null;
}

/** A manifest found beside the segments. */
export interface FoundManifest {
  /** The host directory (the manifest's folder). */
  hostDir: string;
  path: string;
  /** Host name: the `start` entries' host, else the folder's `host=` name, else the folder name. */
  host: string;
  read: ManifestRead;
  /**
   * The whole host directory was opened (not only some of its segments): only
   * then can a segment the manifest lists be called missing.
   */
  covered: boolean;
}

/** What {@link openRecording} found: the input of the views, `info` and `verify`. */
export interface OpenedRecording {
  inputs: string[];
  segments: UsableSegment[];
  skipped: SkippedSegment[];
  manifests: FoundManifest[];
}

/** Files found under the inputs, before any segment is opened. */
export interface FoundFiles {
  segments: string[];
  unfinished: string[];
  manifests: string[];
  /** Manifests of host directories opened only through some of their segments. */
  partialManifests: string[];
}

/** True when some data the recording should hold could not be used. */
export function isPartial(rec: OpenedRecording): boolean {
  return rec.skipped.length > 0;
}

/** Host names of the recording: from the manifests and the host directories of the segments. */
export function hostsOf(rec: OpenedRecording): string[] {
  const hosts = new Set(rec.manifests.map((m) => m.host));
  for (const s of rec.segments) if (s.hostDir === null) hosts.add('(no manifest)');
  return [...hosts].sort();
}

const GLOB_CHARS = /[*?[]/;

/** Expands one glob pattern (`*`, `?`, `[...]` within a path component) against the file system. */
export function expandGlob(pattern: string): string[] {
  const abs = resolve(pattern);
  const parts = abs.split(sep).filter((p) => p !== '');
  let current = ['/'];
  for (const part of parts) {
    if (!GLOB_CHARS.test(part)) {
      current = current.map((c) => join(c, part)).filter((c) => existsSync(c));
      continue;
    }
    const re = globToRegExp(part);
    const next: string[] = [];
    for (const c of current) {
      let names: string[];
      try {
        names = readdirSync(c);
      } catch {
        continue;
      }
      for (const n of names.sort()) if (re.test(n) && (part.startsWith('.') || !n.startsWith('.'))) next.push(join(c, n));
    }
    current = next;
  }
  return current;
}

function globToRegExp(part: string): RegExp {
  let re = '';
  for (let i = 0; i < part.length; i++) {
    const ch = part[i]!;
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const end = part.indexOf(']', i + 1);
      if (end === -1) re += '\\[';
      else {
        re += `[${part.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * Finds segments, unfinished segments and manifests under `inputs`. A folder is
 * searched recursively; a glob is expanded first.
 * @throws NotRecordingError for a folder with neither segments nor a manifest,
 *   a glob matching nothing, or a file that is neither a segment nor a manifest;
 *   Error `recording: cannot open <path>` when a path does not exist.
 */
export function findRecordingFiles(inputs: string[]): FoundFiles {
  const found: FoundFiles = { segments: [], unfinished: [], manifests: [], partialManifests: [] };
  const take = (p: string, name: string): boolean => {
    if (name.endsWith('.parquet')) found.segments.push(p);
    else if (name.endsWith('.parquet.tmp')) found.unfinished.push(p);
    else if (name === MANIFEST_NAME) found.manifests.push(p);
    else return false;
    return true;
  };
  const walk = (dir: string): number => {
    let n = 0;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) n += walk(p);
      else if (e.isFile() && take(p, e.name)) n++;
    }
    return n;
  };
  const paths: string[] = [];
  for (const raw of inputs) {
    if (!existsSync(raw) && GLOB_CHARS.test(raw)) {
      const matched = expandGlob(raw);
      if (matched.length === 0) throw new NotRecordingError(`not a recording: ${raw} (the pattern matches nothing)`);
      paths.push(...matched);
    } else paths.push(raw);
  }
  for (const raw of paths) {
    const p = resolve(raw);
    let st;
    try {
      st = statSync(p);
    } catch (cause) {
      throw new Error(`recording: cannot open ${raw}`, { cause });
    }
    if (st.isDirectory()) {
      if (walk(p) === 0) throw new NotRecordingError(`not a recording: ${raw} (no segments *.parquet and no ${MANIFEST_NAME})`);
    } else if (!take(p, basename(p))) {
      throw new NotRecordingError(`not a recording: ${raw} (neither a segment *.parquet nor a ${MANIFEST_NAME})`);
    }
  }
  // a segment named on its own still belongs to its host directory's manifest
  for (const seg of [...found.segments, ...found.unfinished]) {
    const host = hostDirOf(seg);
    if (host !== null && !found.manifests.includes(join(host, MANIFEST_NAME))) found.partialManifests.push(join(host, MANIFEST_NAME));
  }
  const uniq = (a: string[]) => [...new Set(a)].sort();
  return {
    segments: uniq(found.segments), unfinished: uniq(found.unfinished),
    manifests: uniq(found.manifests), partialManifests: uniq(found.partialManifests),
  };
}

/** The nearest folder above `segment` (at most two levels: host=X/date=Y/seg) holding a manifest. */
export function hostDirOf(segment: string): string | null {
  let dir = dirname(segment);
  for (let i = 0; i < 2; i++) {
    if (existsSync(join(dir, MANIFEST_NAME))) return dir;
    dir = dirname(dir);
  }
  return null;
}

function hostName(hostDir: string, read: ManifestRead): string {
  for (const e of read.entries) if (e.type === 'start' && typeof e.host === 'string') return e.host;
  const base = basename(hostDir);
  return base.startsWith('host=') ? base.slice(5) : base;
}

/** Reads and parses the manifests at `paths` (damaged lines are reported in `read`, not thrown). */
function readManifests(paths: string[], covered: boolean): FoundManifest[] {
  return paths.map((path) => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (cause) {
      throw new Error(`recording: read manifest ${path}`, { cause });
    }
    const read = parseManifest(text);
    const hostDir = dirname(path);
    return { hostDir, path, host: hostName(hostDir, read), read, covered };
  });
}

/**
 * Opens the recordings under `inputs`: finds the files, reads the manifests
 * and checks every segment's footer through DuckDB (`parquet_kv_metadata`).
 * @throws NotRecordingError, SchemaVersionError (see the module comment).
 */
export async function openRecording(session: DuckSession, inputs: string[]): Promise<OpenedRecording> {
  const files = findRecordingFiles(inputs);
  const manifests = [...readManifests(files.manifests, true), ...readManifests(files.partialManifests, false)];
  const skipped: SkippedSegment[] = files.unfinished.map((path) => ({
    path, hostDir: hostDirOf(path), reason: 'half-written (*.parquet.tmp: the recorder is still writing it, or crashed)',
  }));
  const segments: UsableSegment[] = [];
  const footers = await readFooters(session, files.segments);
  for (const path of files.segments) {
    const footer = footers.get(path)!;
    const hostDir = hostDirOf(path);
    if (typeof footer === 'string') {
      skipped.push({ path, hostDir, reason: footer });
      continue;
    }
    if (footer['hindsight.schema_name'] !== 'hindsight.events') {
      skipped.push({ path, hostDir, reason: 'not a hindsight segment (no hindsight.schema_name in the footer)' });
      continue;
    }
    const version = Number(footer['hindsight.schema_version']);
    if (!Number.isInteger(version) || version < 1) {
      skipped.push({ path, hostDir, reason: `bad hindsight.schema_version ${JSON.stringify(footer['hindsight.schema_version'])}` });
      continue;
    }
    if (version > SUPPORTED_SCHEMA_VERSION) throw new SchemaVersionError(path, version, SUPPORTED_SCHEMA_VERSION);
    segments.push({ path, sizeBytes: statSync(path).size, schemaVersion: version, hostDir });
  }
  skipped.sort((a, b) => a.path.localeCompare(b.path));
  return { inputs, segments, skipped, manifests };
}

/**
 * Footer key-value metadata of each file, or the reason it cannot be read.
 * All files are read in one statement; when that fails, one by one to find the bad ones.
 */
async function readFooters(session: DuckSession, paths: string[]): Promise<Map<string, Record<string, string> | string>> {
  const out = new Map<string, Record<string, string> | string>();
  if (paths.length === 0) return out;
  const sql = (list: string[]) => `SELECT file_name, decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata([${list.map(sqlString).join(', ')}])`;
  const collect = (rows: Awaited<ReturnType<DuckSession['query']>>) => {
    for (const r of rows) {
      const f = String(r.file_name);
      const kv = (out.get(f) as Record<string, string> | undefined) ?? {};
      kv[String(r.k)] = String(r.v);
      out.set(f, kv);
    }
  };
  try {
    collect(await session.query(sql(paths)));
  } catch {
    for (const p of paths) {
      try {
        collect(await session.query(sql([p])));
      } catch (err) {
        out.set(p, `unreadable footer (corrupt, truncated or half-written): ${duckMessage(err)}`);
      }
    }
  }
  for (const p of paths) if (!out.has(p)) out.set(p, {});
  return out;
}

/** DuckDB's own message (the cause of a session error), first line. */
function duckMessage(err: unknown): string {
  const inner = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  return String(inner instanceof Error ? inner.message : inner).split('\n')[0]!;
}

/** Finds segment files under each path (a folder is searched recursively). */
export function findSegments(paths: string[]): string[] {
  return findRecordingFiles(paths).segments;
}

/** Defines a bare `events` view over `segments`; throws when there are none. Prefer views.ts. */
export async function defineEventsView(session: DuckSession, segments: string[]): Promise<void> {
  if (segments.length === 0) throw new Error('recording: no segments (*.parquet) found');
  const list = segments.map(sqlString).join(', ');
  await session.query(`CREATE OR REPLACE VIEW events AS SELECT * FROM read_parquet([${list}], union_by_name = true, hive_partitioning = false)`);
}
