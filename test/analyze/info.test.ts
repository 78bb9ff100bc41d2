/**
 * summarizeRecording (src/analyze/info.ts): segments counted from their
 * manifest entries where those provably describe them, from their rows
 * everywhere else, and the summary the same as counting every row.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { summarizeRecording, type RecordingSummary } from '../../src/analyze/info.js';
import { openRecording } from '../../src/analyze/recording.js';
import { DuckSession } from '../../src/analyze/session.js';
import { defineViews, NO_WINDOW, type TimeWindow } from '../../src/analyze/views.js';
import { entryHash, GENESIS_HASH, parseManifest, type ManifestEntry, type SegmentEntry } from '../../src/events/manifest-format.js';
import { loadSegmentSchema } from '../../src/record/batch.js';
import { RecordingStore } from '../../src/record/store.js';
import { batchOf, FIXTURE, ns } from '../helpers/analyze-fixtures.js';
import { freshDir, startRecorder, stopRecorder } from '../helpers/recording.js';

const schema = loadSegmentSchema();
const T0 = ns('2026-11-21T07:00:00Z');
const SEC = 1_000_000_000n;
const KINDS = ['open', 'open', 'exec', 'fork', 'exit', 'connect', 'open', 'dns'];
const BOOTS: Record<string, string> = { alpha: 'aaaaaaaa-0000-4000-8000-000000000001', beta: 'bbbbbbbb-0000-4000-8000-000000000002' };

type Row = Record<string, unknown>;

/** Rows of one segment: a snapshot row, then `n` events 1 ms apart from `startNs` (and a loss row). */
function segmentRows(host: string, startNs: bigint, n: number, seq0: number): Row[] {
  const common = { host, boot_id: BOOTS[host], pid: 100, tid: 100, proc_key: `${BOOTS[host]!.slice(0, 8)}0000:1:100`, comm: 'sh' };
  const rows: Row[] = [{ ...common, time: startNs, kind: 'snapshot', exe: '/bin/sh' }];
  for (let i = 0; i < n; i++) rows.push({ ...common, seq: BigInt(seq0 + i), time: startNs + BigInt(i + 1) * 1_000_000n, kind: KINDS[i % KINDS.length] });
  rows.push({ host, boot_id: BOOTS[host], seq: BigInt(seq0 + n), time: startNs + BigInt(n + 1) * 1_000_000n, kind: 'loss', lost_count: 7n, lost_reason: 'ring_full' });
  return rows;
}

/**
 * A recording of hosts alpha and beta, 3 segments each (10 s apart, two row
 * groups each), written and journaled as the recorder does; `edit` may change
 * a segment's rows before they are written.
 */
async function makeRecording(edit: (host: string, index: number, rows: Row[]) => void = () => {}): Promise<string> {
  const out = freshDir('hs-info-');
  for (const host of ['alpha', 'beta']) {
    let clock = T0;
    const store = RecordingStore.open({ out, runId: `run${host}`, host, nowNs: () => (clock += 1_000_000n) });
    store.recordStart({ pid: 1, host, boot_id: BOOTS[host]!, hindsight_version: '0.1.0', schema_version: schema.version, settings: {} });
    for (let i = 0; i < 3; i++) {
      const startNs = T0 + BigInt(i) * 10n * SEC + (host === 'beta' ? 5n * SEC : 0n);
      const rows = segmentRows(host, startNs, 40 + i, i * 100);
      edit(host, i, rows);
      const w = store.openSegment(startNs, schema);
      w.writeRowGroup(batchOf(rows.slice(0, 20)));
      w.writeRowGroup(batchOf(rows.slice(20)));
      const info = await w.finish();
      const times = rows.map((r) => r.time as bigint);
      const countsByKind: Record<string, number> = {};
      for (const r of rows) countsByKind[String(r.kind)] = (countsByKind[String(r.kind)] ?? 0) + 1;
      store.recordSegment(info, {
        timeMinNs: times.reduce((a, b) => (a < b ? a : b)), timeMaxNs: times.reduce((a, b) => (a > b ? a : b)),
        seqMin: BigInt(i * 100), seqMax: BigInt(i * 100 + 40 + i), countsByKind, lost: { ring_full: 7n },
      });
    }
    store.recordStop({ events: 0n });
    store.close();
  }
  return out;
}

/** Rewrites host `host`'s manifest through `edit`, re-hashing the chain unless `rehash` is false. */
function editManifest(out: string, host: string, edit: (entries: ManifestEntry[]) => void, rehash = true): void {
  const path = join(out, `host=${host}`, 'manifest.jsonl');
  const { entries } = parseManifest(readFileSync(path, 'utf8'));
  edit(entries);
  let prev = GENESIS_HASH;
  const lines = entries.map((e) => {
    if (rehash) {
      e.prev = prev;
      e.hash = entryHash(e);
      prev = e.hash;
    }
    return JSON.stringify(e);
  });
  writeFileSync(path, `${lines.join('\n')}\n`);
}

const segmentEntries = (entries: ManifestEntry[]): SegmentEntry[] => entries.filter((e): e is SegmentEntry => e.type === 'segment');

/** The summary both ways: from metadata where exact, and from every row. */
async function summaries(paths: string[], window: TimeWindow = NO_WINDOW): Promise<{ fast: RecordingSummary; scan: RecordingSummary }> {
  const session = await DuckSession.open();
  try {
    const rec = await openRecording(session, paths);
    await defineViews(session, rec, window);
    return { fast: await summarizeRecording(session, rec, { window }), scan: await summarizeRecording(session, rec, { window, scan: true }) };
  } finally {
    session.close();
  }
}

const withoutSource = (s: RecordingSummary) => ({ ...s, countedFrom: null });

describe('info counts', () => {
  it('counts every segment of an untouched recording from its manifest entry, as counting the rows does', async () => {
    const out = await makeRecording();
    const { fast, scan } = await summaries([out]);
    expect(fast.countedFrom).toEqual({ manifest: 6, rows: 0 });
    expect(withoutSource(fast)).toEqual(withoutSource(scan));
    expect(fast.hosts).toEqual([
      { host: 'alpha', bootIds: [BOOTS.alpha], events: 3n + 40n + 41n + 42n + 3n, firstNs: T0, lastNs: T0 + 20n * SEC + 43n * 1_000_000n },
      { host: 'beta', bootIds: [BOOTS.beta], events: 3n + 40n + 41n + 42n + 3n, firstNs: T0 + 5n * SEC, lastNs: T0 + 25n * SEC + 43n * 1_000_000n },
    ]);
    expect(fast.countsByKind.find((k) => k.kind === 'loss')).toEqual({ kind: 'loss', events: 6n });
    expect(fast.lostEvents).toBe(42n);
  });

  const CASES: [string, (out: string) => void, TimeWindow, { manifest: number; rows: number }][] = [
    ['a start entry names another boot id than the rows have', (out) => editManifest(out, 'alpha', (es) => {
      for (const e of es) if (e.type === 'start') e.boot_id = 'fixture';
    }), NO_WINDOW, { manifest: 3, rows: 3 }],
    ['a start entry names another host than the rows have', (out) => editManifest(out, 'beta', (es) => {
      for (const e of es) if (e.type === 'start') e.host = 'gamma';
    }), NO_WINDOW, { manifest: 3, rows: 3 }],
    ['a manifest line was edited without re-hashing the chain', (out) => editManifest(out, 'alpha', (es) => {
      segmentEntries(es)[0]!.counts_by_kind.open! += 1;
    }, false), NO_WINDOW, { manifest: 3, rows: 3 }],
    ["an entry's counts by kind do not add up to its rows", (out) => editManifest(out, 'alpha', (es) => {
      segmentEntries(es)[1]!.counts_by_kind.open! += 1;
    }), NO_WINDOW, { manifest: 5, rows: 1 }],
    ["an entry's row count is not the footer's", (out) => editManifest(out, 'alpha', (es) => {
      const e = segmentEntries(es)[1]!;
      e.rows += 1;
      e.counts_by_kind.open! += 1;
    }), NO_WINDOW, { manifest: 5, rows: 1 }],
    ['an entry names a kind the recorder does not write', (out) => editManifest(out, 'beta', (es) => {
      const e = segmentEntries(es)[2]!;
      e.counts_by_kind.open! -= 1;
      e.counts_by_kind.unknown = 1;
    }), NO_WINDOW, { manifest: 5, rows: 1 }],
    ["an entry's size is not the file's", (out) => editManifest(out, 'beta', (es) => {
      segmentEntries(es)[0]!.size_bytes += 1;
    }), NO_WINDOW, { manifest: 5, rows: 1 }],
    ['entries claim an earlier first time than their rows have', (out) => editManifest(out, 'alpha', (es) => {
      for (const e of segmentEntries(es)) e.time_min = String(BigInt(e.time_min!) - SEC);
    }), NO_WINDOW, { manifest: 3, rows: 3 }],
    ['entries claim a later last time than their rows have', (out) => editManifest(out, 'alpha', (es) => {
      for (const e of segmentEntries(es)) e.time_max = String(BigInt(e.time_max!) + SEC);
    }), NO_WINDOW, { manifest: 3, rows: 3 }],
    ['the manifest was deleted', (out) => rmSync(join(out, 'host=beta', 'manifest.jsonl')), NO_WINDOW, { manifest: 3, rows: 3 }],
    ['the time window cuts a segment and leaves two out', () => {},
      { sinceNs: T0 + 3n * SEC, untilNs: T0 + 20n * SEC + 10_000_000n }, { manifest: 3, rows: 3 }],
  ];

  it.each(CASES)('counts from the rows where %s, and gives what counting every row gives', async (_name, tamper, window, countedFrom) => {
    const out = await makeRecording();
    tamper(out);
    const { fast, scan } = await summaries([out], window);
    expect(fast.countedFrom).toEqual(countedFrom);
    expect(withoutSource(fast)).toEqual(withoutSource(scan));
  });

  it('reads first and last times from the rows, not the claims: a later claimed first and an earlier claimed last time still count from the manifest', async () => {
    const out = await makeRecording();
    editManifest(out, 'beta', (es) => {
      for (const e of segmentEntries(es)) {
        e.time_min = String(BigInt(e.time_min!) + 10_000_000n);
        e.time_max = String(BigInt(e.time_max!) - 10_000_000n);
      }
    });
    const { fast, scan } = await summaries([out]);
    expect(fast.countedFrom).toEqual({ manifest: 6, rows: 0 });
    expect(withoutSource(fast)).toEqual(withoutSource(scan));
  });

  it.each([
    ['a row of another boot id', (r: Row) => { r.boot_id = BOOTS.beta; }],
    ['a row of another host', (r: Row) => { r.host = 'beta'; }],
    ['a row without a host', (r: Row) => { r.host = null; }],
    ['a row without a boot id', (r: Row) => { r.boot_id = null; }],
  ])('counts a host from its rows when a segment holds %s', async (_name, change) => {
    const out = await makeRecording((host, index, rows) => { if (host === 'alpha' && index === 1) change(rows[30]!); });
    const { fast, scan } = await summaries([out]);
    expect(fast.countedFrom).toEqual({ manifest: 3, rows: 3 });
    expect(withoutSource(fast)).toEqual(withoutSource(scan));
  });

  it('counts a recording of the real recorder (as root) from its manifest entries, as counting the rows does', async () => {
    const out = freshDir('hs-info-real-');
    const rec = await startRecorder(out, ['--rotate', '1s']);
    await new Promise((r) => setTimeout(r, 2500));
    expect(await stopRecorder(rec)).toBe(0);
    const { fast, scan } = await summaries([out]);
    expect(fast.segments).toBeGreaterThanOrEqual(2);
    expect(fast.countedFrom).toEqual({ manifest: fast.segments, rows: 0 });
    expect(withoutSource(fast)).toEqual(withoutSource(scan));
  });

  it('counts the fixture from its rows: its manifest names boot id "fixture", the rows another', async () => {
    const { fast, scan } = await summaries([FIXTURE]);
    expect(fast.countedFrom).toEqual({ manifest: 0, rows: 2 });
    expect(withoutSource(fast)).toEqual(withoutSource(scan));
    expect(fast.hosts[0]!.bootIds).toEqual(['fa8a2298-d416-4846-b3d0-cae699e1d766']);
  });
});
