/**
 * The `processes` table over a real recording of fixtures/lineage-scenario.c
 * (recorded once per test run, test/lineage/recording.ts), compared
 * structurally: parent links, depth, exes, exit codes; plus a written segment
 * with a loss row for the uncertainty rules.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineEventsView, findSegments } from '../../src/analyze/recording.js';
import { DuckSession, type SqlRow } from '../../src/analyze/session.js';
import { defineProcessesView, processAncestry } from '../../src/analyze/processes.js';
import { loadSegmentSchema } from '../../src/record/batch.js';
import { SegmentWriter } from '../../src/record/segment-writer.js';
import { lineageRecording, type LineageRecording } from '../lineage/recording.js';

let rec: LineageRecording;
let s: DuckSession;
let byKey: Map<string, SqlRow>;
let rootKey: string;

async function rowsOfPid(pid: number): Promise<SqlRow[]> {
  return s.query('SELECT * FROM processes WHERE pid = $pid ORDER BY start_time, key', { pid });
}

beforeAll(async () => {
  rec = await lineageRecording();
  s = await DuckSession.open();
  await defineEventsView(s, findSegments([rec.dir]));
  await defineProcessesView(s);
  const all = await s.query('SELECT * FROM processes');
  byKey = new Map(all.map((r) => [String(r.key), r]));
  rootKey = String((await rowsOfPid(rec.pids.root))[0]!.key);
});
afterAll(() => s?.close());

describe('processes over a recorded scenario', () => {
  it('has one row per process instance', async () => {
    const [row] = await s.query('SELECT count(*) n, count(DISTINCT key) k FROM processes');
    expect(row!.n).toBe(row!.k);
  });

  it('builds the exact tree below the scenario root', () => {
    const root = byKey.get(rootKey)!;
    const base = Number(root.depth);
    const below = [...byKey.values()]
      .filter((r) => (r.ancestry_keys as string[]).includes(rootKey) && !rec.pids.reuse_failed.includes(Number(r.pid)))
      .sort((x, y) => (x.start_time as bigint) < (y.start_time as bigint) ? -1 : (x.start_time as bigint) > (y.start_time as bigint) ? 1 : String(x.key) < String(y.key) ? -1 : 1)
      .map((r) => [Number(r.depth) - base, byKey.get(String(r.parent_key))?.pid ?? null, r.pid, r.exe, r.exe_chain, r.exit_code, r.exit_signal, r.parent_source]);
    const p = rec.pids;
    const S = rec.exe;
    expect(below).toEqual([
      [1, p.root, p.pre, S, [], 4, null, 'snapshot'],
      [1, p.root, p.true, '/usr/bin/true', ['/usr/bin/true'], 0, null, 'fork'],
      [1, p.root, p.exit3, S, [], 3, null, 'fork'],
      [1, p.root, p.killed, '/usr/bin/sleep', ['/usr/bin/sleep'], null, 9, 'fork'],
      [1, p.root, p.reuse[0], S, [], 0, null, 'fork'],
      [1, p.root, p.reuse[1], S, [], 0, null, 'fork'],
      [1, p.root, p.reuse[2], '/usr/bin/true', ['/usr/bin/true'], 0, null, 'fork'],
      [1, p.root, p.threxec, '/usr/bin/dash', ['/usr/bin/dash'], 5, null, 'fork'],
      [1, p.root, p.execchain, '/usr/bin/true', ['/usr/bin/bash', '/usr/bin/env', '/usr/bin/true'], 0, null, 'fork'],
      [1, p.root, p.daemon[0], S, [], 0, null, 'fork'],
      [2, p.daemon[0], p.daemon[1], '/usr/bin/true', ['/usr/bin/true'], 0, null, 'fork'],
      [1, p.root, p.reaper[0], S, [], 0, null, 'fork'],
      [2, p.reaper[0], p.reaper[1], S, [], 0, null, 'fork'],
      [3, p.reaper[1], p.reaper[2], '/usr/bin/true', ['/usr/bin/true'], 0, null, 'fork'],
    ]);
  });

  it('tells the three instances of a reused pid apart, one of them by the +ns key form', async () => {
    const rows = await rowsOfPid(rec.pids.reuse[0]);
    const keys = rows.filter((r) => r.parent_key === rootKey).map((r) => String(r.key));
    // A retried attempt (busy host) may have left an instance of this pid too: the last three are the scenario's.
    keys.splice(0, keys.length - 3);
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(3);
    expect(keys[1]).toMatch(/^[0-9a-f]{12}:\d+\+\d+:\d+$/);
    expect(keys[0]!.split(':')[1]).toBe(keys[1]!.split(':')[1]!.split('+')[0]);
  });

  it('keeps the key of a process whose non-leader thread exec\'d, and marks the thread exec', async () => {
    const [row] = await rowsOfPid(rec.pids.threxec);
    expect(row!.thread_exec).toBe(true);
    expect(row!.argv).toEqual(['sh', '-c', 'exit 5']);
    expect(row!.exec_count).toBe(1);
  });

  it('keeps the original parent of reparented processes and shows the last one', async () => {
    const [daemon] = await rowsOfPid(rec.pids.daemon[1]);
    const [mid] = await rowsOfPid(rec.pids.daemon[0]);
    expect(daemon!.parent_key).toBe(mid!.key);
    expect(daemon!.reparented).toBe(true);
    expect(daemon!.last_parent_key).not.toBe(mid!.key);
    const [grandchild] = await rowsOfPid(rec.pids.reaper[2]);
    const [reaper] = await rowsOfPid(rec.pids.reaper[0]);
    const [middle] = await rowsOfPid(rec.pids.reaper[1]);
    expect(grandchild!.parent_key).toBe(middle!.key);
    expect(grandchild!.last_parent_key).toBe(reaper!.key);
    expect(grandchild!.last_ppid).toBe(rec.pids.reaper[0]);
    expect(grandchild!.ancestry_keys).toEqual([...(byKey.get(rootKey)!.ancestry_keys as string[]), rootKey, reaper!.key, middle!.key]);
  });

  it('takes processes that started before the recording from the snapshot, image and all', () => {
    const root = byKey.get(rootKey)!;
    expect(root.parent_source).toBe('snapshot');
    expect(root.exe).toBe(rec.exe);
    expect(root.uncertain).toBe(false);
    expect((root.start_time as bigint) < (root.first_seen as bigint)).toBe(true);
  });

  it('gives a forked child without exec the image it inherited', async () => {
    const [row] = await rowsOfPid(rec.pids.exit3);
    expect(row!.exe).toBe(rec.exe);
    expect(row!.start_image).toBe(rec.exe);
    expect(row!.exec_count).toBe(0);
  });

  it('lists the ancestry root first, with exes, the same as the walk straight from events', async () => {
    const [row] = await rowsOfPid(rec.pids.reaper[2]);
    expect(await processAncestry(s, String(row!.key))).toEqual(row!.ancestry_keys);
    expect((row!.ancestry_exes as string[]).slice(-3)).toEqual([rec.exe, rec.exe, rec.exe]);
    expect(row!.depth).toBe((row!.ancestry_keys as string[]).length);
  });
});

describe('uncertain lineage', () => {
  it('marks a process whose fork was not recorded, its descendants, and processes alive across a loss', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hs-lineage-loss-'));
    const T = 1_763_709_303_000_000_000n;
    const rows = [
      // seq, time, kind, pid, ppid, proc_key, parent_key, proc_start, child_pid, child_key, exe
      [0n, T, 'snapshot', 1, 0, 'b:1:1', null, T - 10_000_000_000n, null, null, '/sbin/init'],
      [1n, T + 1_000_000_000n, 'fork', 1, 0, 'b:1:1', null, T - 10_000_000_000n, 50, 'b:2:50', null],
      [2n, T + 2_000_000_000n, 'exec', 50, 1, 'b:2:50', 'b:1:1', T + 1_000_000_000n, null, null, '/bin/sh'],
      // pid 60's fork was lost: it appears only through its exec, under init.
      [3n, T + 20_000_000_000n, 'exec', 60, 1, 'b:3:60', 'b:1:1', T + 19_000_000_000n, null, null, '/bin/x'],
      [4n, T + 20_100_000_000n, 'fork', 60, 1, 'b:3:60', 'b:1:1', T + 19_000_000_000n, 61, 'b:4:61', null],
      [4n, T + 21_000_000_000n, 'loss', null, null, null, null, null, null, null, null],
      [5n, T + 22_000_000_000n, 'exit', 50, 1, 'b:2:50', 'b:1:1', T + 1_000_000_000n, null, null, null],
    ] as const;
    const col = (i: number) => rows.map((r) => r[i] ?? null);
    const w = SegmentWriter.open({ dir, baseName: 'seg-1', schema: loadSegmentSchema() });
    w.writeRowGroup({ rowCount: rows.length, columns: {
      seq: col(0), time: col(1), kind: col(2), pid: col(3), ppid: col(4), proc_key: col(5), parent_key: col(6), proc_start: col(7),
      child_pid: col(8), child_key: col(9), exe: col(10), host: rows.map(() => 'h'), boot_id: rows.map(() => 'b'),
      is_thread: rows.map((r) => (r[2] === 'fork' ? false : null)), lost_count: rows.map((r) => (r[2] === 'loss' ? 3n : null)),
    } });
    await w.finish();
    const s2 = await DuckSession.open();
    try {
      await defineEventsView(s2, findSegments([dir]));
      await defineProcessesView(s2);
      const got = await s2.query('SELECT key, parent_key, parent_source, depth, uncertain, uncertain_reason FROM processes ORDER BY key');
      expect(got).toEqual([
        { key: 'b:1:1', parent_key: null, parent_source: 'snapshot', depth: 0, uncertain: false, uncertain_reason: null },
        { key: 'b:2:50', parent_key: 'b:1:1', parent_source: 'fork', depth: 1, uncertain: true, uncertain_reason: 'events_lost' },
        { key: 'b:3:60', parent_key: 'b:1:1', parent_source: 'event', depth: 1, uncertain: true, uncertain_reason: 'fork_not_recorded,events_lost' },
        { key: 'b:4:61', parent_key: 'b:3:60', parent_source: 'fork', depth: 2, uncertain: true, uncertain_reason: 'events_lost,ancestor_uncertain' },
      ]);
    } finally {
      s2.close();
    }
  });
});

describe('processAncestry', () => {
  it('climbs past a process that only ever forked threads to its snapshot parent', async () => {
    const { writeSegment, ns } = await import('../helpers/analyze-fixtures.js');
    const dir = mkdtempSync(join(tmpdir(), 'hs-ancestry-'));
    const t = ns('2026-01-01T00:00:00Z');
    await writeSegment(dir, 'seg', [[
      { seq: null, time: t, kind: 'snapshot', pid: 1, proc_key: 'b:0:1', parent_key: null },
      { seq: null, time: t, kind: 'snapshot', pid: 10, ppid: 1, proc_key: 'b:1:10', parent_key: 'b:0:1' },
      { seq: 0n, time: t + 1n, kind: 'fork', pid: 10, proc_key: 'b:1:10', child_pid: 10, child_tid: 11, child_key: 'b:1:10', is_thread: true },
      { seq: 1n, time: t + 2n, kind: 'fork', pid: 10, proc_key: 'b:1:10', child_pid: 20, child_tid: 20, child_key: 'b:2:20', is_thread: false },
    ]]);
    const s = await DuckSession.open();
    try {
      await defineEventsView(s, findSegments([dir]));
      expect(await processAncestry(s, 'b:2:20')).toEqual(['b:0:1', 'b:1:10']);
    } finally {
      s.close();
    }
  });
});
