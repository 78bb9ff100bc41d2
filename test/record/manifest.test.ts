import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH, Manifest, canonicalJson, entryHash, parseManifest, readManifest, verifyChain, type NewEntry } from '../../src/record/manifest.js';

let dir: string;
let path: string;
let clock = 1_000n;
const now = (): bigint => (clock += 1_000_000n);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hs-man-'));
  path = join(dir, 'manifest.jsonl');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const ENTRIES: NewEntry[] = [
  { type: 'start', run_id: 'r1', pid: 42, host: 'h', boot_id: 'b', hindsight_version: '0.1.0', schema_version: 1, settings: { rotate_ms: 60000 } },
  { type: 'segment', run_id: 'r1', file: 'date=2025-11-21/seg-a.parquet', rows: 10, size_bytes: 100, sha256: 'ab'.repeat(32),
    time_min: '1763709303123456789', time_max: '1763709304123456789', seq_min: '0', seq_max: '9', counts_by_kind: { open: 9, exec: 1 }, lost: { ring_full: '0', stash_full: '0' } },
  { type: 'gap', run_id: 'r1', from_ns: '1', to_ns: '2', reason: 'events lost: ring full' },
  { type: 'retired', run_id: 'r1', file: 'date=2025-11-21/seg-a.parquet', sha256: 'ab'.repeat(32), reason: 'retention' },
  { type: 'stop', run_id: 'r1', totals: { events: '10' } },
];

function writeAll(): string[] {
  const m = Manifest.open(path, now);
  for (const e of ENTRIES) m.append(e);
  m.close();
  return readFileSync(path, 'utf8').trimEnd().split('\n');
}

describe('manifest chain', () => {
  it('appends one canonical JSON line per entry, chained from the genesis hash', () => {
    const lines = writeAll();
    expect(lines).toHaveLength(5);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const { entries, torn, invalidLines } = readManifest(path);
    expect({ torn, invalidLines }).toEqual({ torn: null, invalidLines: [] });
    expect(entries[0]!.prev).toBe(GENESIS_HASH);
    expect(entries.map((e) => e.type)).toEqual(['start', 'segment', 'gap', 'retired', 'stop']);
    expect(lines.every((l, i) => l === canonicalJson(entries[i]))).toBe(true);
    expect(verifyChain(entries)).toBeNull();
  });

  it('continues the chain across reopen', () => {
    writeAll();
    const m = Manifest.open(path, now);
    m.append({ type: 'gap', run_id: null, from_ns: '5', to_ns: '6', reason: 'test' });
    m.close();
    expect(verifyChain(readManifest(path).entries)).toBeNull();
  });

  const edits: [string, (lines: string[]) => string[], number, RegExp][] = [
    ['an edited field', (l) => l.map((x, i) => (i === 1 ? x.replace('"rows":10', '"rows":11') : x)), 1, /edited/],
    ['an edit with a recomputed hash', (l) => l.map((x, i) => {
      if (i !== 1) return x;
      const e = JSON.parse(x);
      e.rows = 11;
      e.hash = entryHash(e);
      return canonicalJson(e);
    }), 2, /removed, inserted or moved/],
    ['a deleted line', (l) => l.filter((_, i) => i !== 2), 2, /removed, inserted or moved/],
    ['two swapped lines', (l) => [l[0]!, l[2]!, l[1]!, l[3]!, l[4]!], 1, /removed, inserted or moved/],
    ['a deleted first line', (l) => l.slice(1), 0, /removed, inserted or moved/],
  ];
  it.each(edits)('detects %s at the first affected entry', (_name, edit, index, reason) => {
    const lines = edit(writeAll());
    const broken = verifyChain(parseManifest(lines.join('\n') + '\n').entries);
    expect(broken?.index).toBe(index);
    expect(broken?.reason).toMatch(reason);
  });
});

describe('torn manifest', () => {
  it.each([
    ['a last line without its newline', '{"type":"gap","v":1'],
    ['a last line that is not JSON', '{"type":"gap","v\n'],
  ])('reports %s and keeps the entries before it', (_name, tail) => {
    writeAll();
    const size = statSync(path).size;
    appendFileSync(path, tail);
    const read = readManifest(path);
    expect(read.entries).toHaveLength(5);
    expect(read.torn).toEqual({ line: 6, offset: size, bytes: Buffer.byteLength(tail) });
    expect(verifyChain(read.entries)).toBeNull();
  });

  it('cuts a torn line off before the next append', () => {
    writeAll();
    appendFileSync(path, '{"type":"segm');
    const m = Manifest.open(path, now);
    expect(m.existing.torn?.bytes).toBe(13);
    m.append({ type: 'gap', run_id: null, from_ns: '1', to_ns: '2', reason: 'after a crash' });
    m.close();
    const read = readManifest(path);
    expect(read.torn).toBeNull();
    expect(read.entries).toHaveLength(6);
    expect(verifyChain(read.entries)).toBeNull();
  });

  it('reports a damaged line in the middle without stopping', () => {
    const lines = writeAll();
    writeFileSync(path, [lines[0], 'garbage', ...lines.slice(1)].join('\n') + '\n');
    const read = readManifest(path);
    expect(read.invalidLines).toEqual([2]);
    expect(read.entries).toHaveLength(5);
  });

  it('reads a missing manifest as empty', () => {
    expect(readManifest(join(dir, 'none.jsonl'))).toEqual({ entries: [], torn: null, invalidLines: [] });
  });
});

describe('canonical JSON', () => {
  it.each([
    ['sorts keys at every depth', { b: 1, a: { d: [1, { f: 1, e: 2 }], c: null } }, '{"a":{"c":null,"d":[1,{"e":2,"f":1}]},"b":1}'],
    ['drops undefined members', { a: undefined, b: 'x' }, '{"b":"x"}'],
    ['escapes strings as JSON does', { s: 'a"\n\u2028' }, '{"s":"a\\"\\n\u2028"}'],
  ])('%s', (_name, value, text) => {
    expect(canonicalJson(value)).toBe(text);
  });

  it('refuses a bigint (64-bit values go in as decimal strings)', () => {
    expect(() => canonicalJson({ n: 1n })).toThrow(/cannot encode bigint/);
  });
});
