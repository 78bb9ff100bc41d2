/**
 * Integrity check of recordings for `hindsight verify`: every segment's
 * sha256 and size against its manifest entry, and every link of each
 * manifest's hash chain (formats/manifest.md).
 *
 * Findings name the file or manifest entry and say what happened:
 * - altered: a segment's sha256 or size differs from its manifest entry;
 * - missing: the manifest lists a segment that is not on disk and not retired;
 * - extra: a segment on disk that its manifest does not list;
 * - unverifiable: a segment with no manifest above it;
 * - chain: a manifest entry whose own hash does not match its content (the
 *   line was edited) or whose `prev` is not the previous entry's hash (a line
 *   was removed, inserted or moved before it);
 * - damaged: a manifest line that is not JSON (before the last line).
 * Notes (not findings): a torn last manifest line (a crash mid-append) and
 * half-written `*.parquet.tmp` files (a live or crashed recorder).
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { entryHash, GENESIS_HASH, type ManifestEntry, type SegmentEntry } from '../events/manifest-format.js';
import type { OpenedRecording } from './recording.js';

export type FindingKind = 'altered' | 'missing' | 'extra' | 'unverifiable' | 'chain' | 'damaged';

export interface Finding {
  kind: FindingKind;
  /** The segment file or the manifest. */
  path: string;
  detail: string;
}

export interface VerifyReport {
  findings: Finding[];
  notes: string[];
  /** Segments whose sha256 matched. */
  verified: number;
  /** Manifest entries checked. */
  entries: number;
}

/** sha256 hex of a file, read as a stream. */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path).on('data', (d) => h.update(d)).on('error', reject).on('end', () => resolve(h.digest('hex')));
  });
}

/** Every broken link of a chain (not only the first, unlike verifyChain). */
export function chainBreaks(entries: readonly ManifestEntry[]): { index: number; reason: string }[] {
  const out: { index: number; reason: string }[] = [];
  let prev = GENESIS_HASH;
  entries.forEach((e, i) => {
    if (e.hash !== entryHash(e)) out.push({ index: i, reason: 'its hash does not match its content: the line was edited' });
    if (e.prev !== prev) out.push({ index: i, reason: "its prev is not the previous line's hash: a line was removed, inserted or moved before it" });
    prev = e.hash;
  });
  return out;
}

function describeEntry(e: ManifestEntry): string {
  const file = 'file' in e ? ` ${e.file}` : '';
  return `${e.type}${file}`;
}

/** Verifies the segments and manifests of `rec`. */
export async function verifyRecording(rec: OpenedRecording): Promise<VerifyReport> {
  const findings: Finding[] = [];
  const notes: string[] = [];
  let verified = 0;
  let entries = 0;
  const onDisk = [...rec.segments.map((s) => ({ path: s.path, hostDir: s.hostDir })), ...rec.skipped.filter((s) => s.path.endsWith('.parquet')).map((s) => ({ path: s.path, hostDir: s.hostDir }))];
  for (const s of rec.skipped) if (s.path.endsWith('.tmp')) notes.push(`${s.path}: ${s.reason}`);
  for (const m of rec.manifests) {
    const es = m.read.entries;
    entries += es.length;
    for (const line of m.read.invalidLines) findings.push({ kind: 'damaged', path: m.path, detail: `line ${line} is not a JSON entry` });
    if (m.read.torn) notes.push(`${m.path}: torn last line ${m.read.torn.line} (${m.read.torn.bytes} bytes; a crash mid-append)`);
    for (const b of chainBreaks(es)) {
      findings.push({ kind: 'chain', path: m.path, detail: `chain break at entry ${b.index} (line ${b.index + 1}, ${describeEntry(es[b.index]!)}): ${b.reason}` });
    }
    const listed = new Map<string, SegmentEntry>();
    const retired = new Set<string>();
    for (const e of es) {
      if (e.type === 'segment') listed.set(e.file, e);
      else if (e.type === 'retired') retired.add(e.file);
    }
    const mine = onDisk.filter((s) => s.hostDir === m.hostDir);
    const seen = new Set<string>();
    for (const s of mine) {
      const rel = relative(m.hostDir, s.path).split(sep).join('/');
      seen.add(rel);
      const e = listed.get(rel);
      if (e === undefined) {
        findings.push({ kind: 'extra', path: s.path, detail: retired.has(rel) ? 'on disk but the manifest says it was retired (deleted)' : 'on disk but not in the manifest' });
        continue;
      }
      const size = statSync(s.path).size;
      const sha = await sha256File(s.path);
      if (sha !== e.sha256) findings.push({ kind: 'altered', path: s.path, detail: `sha256 ${sha} differs from the manifest's ${e.sha256}${size !== e.size_bytes ? ` (size ${size}, manifest ${e.size_bytes})` : ''}` });
      else verified++;
    }
    if (m.covered) {
      for (const [file] of listed) {
        if (!seen.has(file) && !retired.has(file)) findings.push({ kind: 'missing', path: `${m.hostDir}/${file}`, detail: 'in the manifest, not on disk, not retired' });
      }
    }
  }
  for (const s of onDisk) if (s.hostDir === null) findings.push({ kind: 'unverifiable', path: s.path, detail: 'no manifest.jsonl in its host folder to check it against' });
  return { findings, notes, verified, entries };
}
