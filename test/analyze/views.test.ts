import { openSync, readFileSync, writeSync, closeSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRecording } from '../../src/analyze/recording.js';
import { DuckSession } from '../../src/analyze/session.js';
import { defineViews, KIND_VIEWS, kindViewColumns, NO_WINDOW, timestampLiteral } from '../../src/analyze/views.js';
import { Manifest } from '../../src/record/manifest.js';
import { copyFixture, FIXTURE, FIXTURE_SEGMENTS, ns, writeSegment } from '../helpers/analyze-fixtures.js';
import { freshDir } from '../helpers/recording.js';

let s: DuckSession;
beforeAll(async () => {
  s = await DuckSession.open();
  await defineViews(s, await openRecording(s, [FIXTURE]));
});
afterAll(() => s.close());

describe('views over the fixture recording', () => {
  it('events has the segment columns only: no host/date columns from the folder names', async () => {
    const cols = await s.query("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'events' AND column_name IN ('host', 'date', 'time')");
    expect(cols.sort((a, b) => String(a.column_name).localeCompare(String(b.column_name)))).toEqual([
      { column_name: 'host', data_type: 'VARCHAR' }, { column_name: 'time', data_type: 'TIMESTAMP_NS' },
    ]);
    expect(await s.query('SELECT DISTINCT host FROM events')).toEqual([{ host: 'fixture' }]);
  });

  it.each(Object.entries(KIND_VIEWS))('%s holds exactly the events of its kinds', async (view, kinds) => {
    const [a] = await s.query(`SELECT count(*) n FROM ${view}`);
    const [b] = await s.query(`SELECT count(*) n FROM events WHERE kind IN (${kinds.map((k) => `'${k}'`).join(',')})`);
    expect(a!.n).toBe(b!.n);
    const cols = (await s.query(`SELECT column_name FROM information_schema.columns WHERE table_name = '${view}' ORDER BY ordinal_position`)).map((r) => r.column_name);
    const present = new Set((await s.query('SELECT column_name FROM (DESCRIBE events)')).map((r) => String(r.column_name)));
    expect(cols).toEqual(kindViewColumns(kinds, present));
    expect(cols).toContain('proc_key');
  });

  it('counts the fixture exactly', async () => {
    expect(await s.query("SELECT (SELECT count(*) FROM exec) e, (SELECT count(*) FROM process_events) p, (SELECT count(*) FROM file) f, (SELECT count(*) FROM net) n, (SELECT count(*) FROM dns) d, (SELECT count(*) FROM security) s, (SELECT count(*) FROM gaps) g"))
      .toEqual([{ e: 970n, p: 282n, f: 489n, n: 14n, d: 3n, s: 4n, g: 0n }]);
  });

  it('documents every view and column in formats/views.md', () => {
    const doc = readFileSync(new URL('../../formats/views.md', import.meta.url), 'utf8');
    for (const view of ['events', 'gaps', 'processes', ...Object.keys(KIND_VIEWS)]) expect(doc, view).toContain(`## \`${view}\``);
    for (const col of ['from_time', 'to_time', 'reason', 'lost_count', 'source']) expect(doc, col).toContain(`\`${col}\``);
  });
});

describe('time windows', () => {
  it('writes exact ns literals', () => {
    expect(timestampLiteral(1763709303123456789n)).toBe("TIMESTAMP_NS '2025-11-21 07:15:03.123456789'");
    expect(timestampLiteral(0n)).toBe("TIMESTAMP_NS '1970-01-01 00:00:00.000000000'");
  });

  it('never reads row groups outside --since/--until: a corrupted row group outside the window does not matter', async () => {
    const dir = freshDir();
    const group = (hour: number, seq0: number) => Array.from({ length: 100 }, (_, i) => ({
      seq: BigInt(seq0 + i), time: ns(`2026-01-01T0${hour}:00:00Z`) + BigInt(i) * 1_000_000n, kind: 'open', pid: 10 + hour, path: `/f/${hour}/${i}`,
    }));
    const path = await writeSegment(dir, 'seg-three', [group(1, 0), group(2, 100), group(3, 200)]);
    const session = await DuckSession.open();
    try {
      const [rg0] = await session.query(`SELECT min(data_page_offset) lo, max(data_page_offset + total_compressed_size) hi FROM parquet_metadata('${path}') WHERE row_group_id = 0`);
      const fd = openSync(path, 'r+');
      const lo = Number(rg0!.lo);
      writeSync(fd, Buffer.alloc(Number(rg0!.hi) - lo, 0xa5), 0, Number(rg0!.hi) - lo, lo);
      closeSync(fd);
      const rec = await openRecording(session, [dir]);
      await defineViews(session, rec, { sinceNs: ns('2026-01-01T02:00:00Z'), untilNs: ns('2026-01-01T03:00:00.050Z') });
      expect(await session.query('SELECT count(*) n, min(seq) lo, max(seq) hi FROM events')).toEqual([{ n: 150n, lo: 100n, hi: 249n }]);
      const plan = await session.query('EXPLAIN ANALYZE SELECT count(*) FROM file');
      expect(JSON.stringify(plan)).toMatch(/time>=|time >=/);
      await defineViews(session, rec, NO_WINDOW);
      await expect(session.query('SELECT count(*) n, min(path) FROM events')).rejects.toThrow();
    } finally {
      session.close();
    }
  });
});

describe('gaps', () => {
  it('lists manifest gaps, retired, missing and skipped segments, and loss rows, within the window', async () => {
    const [rec, host] = copyFixture();
    const m = Manifest.open(join(host, 'manifest.jsonl'));
    m.append({ type: 'gap', run_id: null, from_ns: String(ns('2026-11-21T07:20:00Z')), to_ns: String(ns('2026-11-21T07:21:00Z')), reason: 'recorder killed: no clean stop (previous run abc)' });
    m.append({ type: 'retired', run_id: 'r', file: FIXTURE_SEGMENTS[0]!, sha256: 'x', reason: 'retention' });
    m.close();
    rmSync(join(host, FIXTURE_SEGMENTS[0]!));
    truncateSync(join(host, FIXTURE_SEGMENTS[1]!), 100);
    const lossDir = join(host, 'date=2026-11-21');
    await writeSegment(lossDir, 'seg-loss', [[{ seq: 5n, time: ns('2026-11-21T07:26:36Z'), kind: 'loss', host: 'fixture', lost_count: 42n, lost_reason: 'ring_full' }]]);
    const session = await DuckSession.open();
    try {
      const opened = await openRecording(session, [rec]);
      await defineViews(session, opened);
      const rows = await session.query('SELECT source, host, from_time, to_time, lost_count, reason FROM gaps ORDER BY source');
      expect(rows.map((r) => [r.source, r.host, r.lost_count, String(r.reason).split(':')[0]])).toEqual([
        ['gap', 'fixture', null, 'recorder killed'],
        ['loss', 'fixture', 42n, 'events lost'],
        ['retired', 'fixture', null, `segment ${FIXTURE_SEGMENTS[0]} deleted`],
        ['skipped', 'fixture', null, `segment ${FIXTURE_SEGMENTS[1]} skipped`],
      ]);
      const skipped = rows.find((r) => r.source === 'skipped')!;
      const seg1 = readFileSync(join(FIXTURE, 'manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { file?: string; time_min?: string; time_max?: string })
        .find((e) => e.file === FIXTURE_SEGMENTS[1])!;
      expect([skipped.from_time, skipped.to_time]).toEqual([BigInt(seg1.time_min!), BigInt(seg1.time_max!)]);
      await defineViews(session, opened, { sinceNs: ns('2026-11-21T07:25:00Z'), untilNs: null });
      expect((await session.query('SELECT source FROM gaps ORDER BY source')).map((r) => r.source)).toEqual(['loss', 'retired', 'skipped']);
    } finally {
      session.close();
    }
  });
});

describe('events over segments of different column sets', () => {
  it('unions them by name, with nulls for the columns an older segment lacks', async () => {
    const { loadSegmentSchema } = await import('../../src/record/batch.js');
    const { SegmentWriter } = await import('../../src/record/segment-writer.js');
    const dir = freshDir();
    const full = loadSegmentSchema();
    const older = { ...full, columns: full.columns.filter((c) => c.name !== 'group_name') };
    const write = async (name: string, schema: typeof full, group: string | null) => {
      const w = SegmentWriter.open({ dir, baseName: name, schema });
      const columns: Record<string, unknown[]> = { seq: [1n], time: [ns('2026-01-01T00:00:00Z')], kind: ['open'], host: ['h'] };
      if (schema === full) columns.group_name = [group];
      w.writeRowGroup({ rowCount: 1, columns });
      await w.finish();
    };
    await write('seg-a', older, null);
    await write('seg-b', full, 'wheel');
    const session = await DuckSession.open();
    try {
      const opened = await openRecording(session, [dir]);
      await defineViews(session, opened);
      expect(await session.query('SELECT group_name FROM events ORDER BY group_name NULLS FIRST')).toEqual([{ group_name: null }, { group_name: 'wheel' }]);
    } finally {
      session.close();
    }
  });
});
