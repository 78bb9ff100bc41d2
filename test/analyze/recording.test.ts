import { copyFileSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPartial, NotRecordingError, openRecording, SchemaVersionError } from '../../src/analyze/recording.js';
import { DuckSession } from '../../src/analyze/session.js';
import { defineViews, EmptyRecordingError } from '../../src/analyze/views.js';
import { copyFixture, FIXTURE, FIXTURE_SEGMENTS, ns, writeSegment } from '../helpers/analyze-fixtures.js';
import { freshDir } from '../helpers/recording.js';

let s: DuckSession;
beforeAll(async () => { s = await DuckSession.open(); });
afterAll(() => s.close());

describe('openRecording', () => {
  it('opens a host folder: its segments, its manifest and host name', async () => {
    const rec = await openRecording(s, [FIXTURE]);
    expect(rec.segments.map((x) => x.path)).toEqual(FIXTURE_SEGMENTS.map((f) => join(FIXTURE, f)));
    expect(rec.skipped).toEqual([]);
    expect(rec.manifests.map((m) => [m.host, m.covered, m.read.entries.length])).toEqual([['fixture', true, 4]]);
    expect(isPartial(rec)).toBe(false);
  });

  it('opens a glob of segments, and a single segment with its host folder manifest (not covered)', async () => {
    const glob = await openRecording(s, [`${FIXTURE}/date=*/*.parquet`]);
    expect(glob.segments).toHaveLength(2);
    const one = await openRecording(s, [join(FIXTURE, FIXTURE_SEGMENTS[0]!)]);
    expect(one.segments).toHaveLength(1);
    expect(one.manifests.map((m) => m.covered)).toEqual([false]);
  });

  it('opens many hosts from a recording folder of host=* folders', async () => {
    const [rec] = copyFixture();
    const second = await writeSegment(join(rec, 'host=other', 'date=2026-01-01'), 'seg-x', [[{ seq: 0n, time: ns('2026-01-01T00:00:00Z'), kind: 'exec', host: 'other', pid: 7 }]]);
    writeFileSync(join(rec, 'host=other', 'manifest.jsonl'), '');
    const opened = await openRecording(s, [rec]);
    expect(opened.segments).toHaveLength(3);
    expect(opened.segments.map((x) => x.path)).toContain(second);
    await defineViews(s, opened);
    expect(await s.query('SELECT host, count(*) n FROM events GROUP BY host ORDER BY host')).toEqual([
      { host: 'fixture', n: 1759n }, { host: 'other', n: 1n },
    ]);
  });

  it('skips a truncated segment, a garbage file and a *.parquet.tmp, naming each with the reason', async () => {
    const [rec, host] = copyFixture();
    const [a, b] = FIXTURE_SEGMENTS.map((f) => join(host, f));
    truncateSync(b!, 1000);
    writeFileSync(join(host, 'date=2026-11-21', 'junk.parquet'), 'not parquet at all');
    copyFileSync(a!, join(host, 'date=2026-11-21', 'seg-open.parquet.tmp'));
    const opened = await openRecording(s, [rec]);
    expect(opened.segments.map((x) => x.path)).toEqual([a]);
    expect(opened.skipped.map((x) => [x.path, x.reason.split(':')[0]])).toEqual([
      [join(host, 'date=2026-11-21', 'junk.parquet'), 'unreadable footer (corrupt, truncated or half-written)'],
      [b, 'unreadable footer (corrupt, truncated or half-written)'],
      [join(host, 'date=2026-11-21', 'seg-open.parquet.tmp'), 'half-written (*.parquet.tmp'],
    ]);
    expect(isPartial(opened)).toBe(true);
  });

  it('refuses a segment of a newer schema version, naming the file and both versions', async () => {
    const dir = freshDir();
    const path = await writeSegment(dir, 'seg-new', [[{ seq: 0n, time: 1n, kind: 'exec' }]], 2);
    const err = await openRecording(s, [dir]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SchemaVersionError);
    expect((err as Error).message).toBe(`segment ${path}: schema version 2 is newer than this hindsight reads (1); use a newer hindsight`);
  });

  it.each([
    ['a folder with neither segments nor a manifest', () => { const d = freshDir(); writeFileSync(join(d, 'notes.txt'), 'x'); return [d, `not a recording: ${d} (no segments *.parquet and no manifest.jsonl)`]; }],
    ['a file that is not a segment', () => { const d = freshDir(); writeFileSync(join(d, 'notes.txt'), 'x'); return [join(d, 'notes.txt'), `not a recording: ${join(d, 'notes.txt')} (neither a segment *.parquet nor a manifest.jsonl)`]; }],
    ['a glob that matches nothing', () => { const d = freshDir(); return [`${d}/host=*`, `not a recording: ${d}/host=* (the pattern matches nothing)`]; }],
  ])('says "not a recording" for %s', async (_name, make) => {
    const [path, message] = make();
    const err = await openRecording(s, [path!]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotRecordingError);
    expect((err as Error).message).toBe(message);
  });

  it('says a recording with a manifest but no segments is empty', async () => {
    const d = join(freshDir(), 'host=x');
    mkdirSync(d);
    writeFileSync(join(d, 'manifest.jsonl'), readFileSync(join(FIXTURE, 'manifest.jsonl'), 'utf8').split('\n')[0] + '\n');
    const rec = await openRecording(s, [d]);
    const err = await defineViews(s, rec).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmptyRecordingError);
    expect((err as Error).message).toBe(`empty recording: ${d}: 1 manifest(s) with 1 entries, no segments`);
  });
});
