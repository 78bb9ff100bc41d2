/**
 * The `processes` table over a hand-written segment holding the cases the
 * build takes a separate path for: several exec, exit or fork rows for one
 * process, an exit row that is not the latest row, a snapshot later than
 * every event, a parent cycle, a process with no image, and an exe holding
 * NUL (the ancestry is then carried as lists, not strings). The expected
 * values are those the earlier recursive build gave for the same segment.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineEventsView, findSegments } from '../../src/analyze/recording.js';
import { DuckSession, type SqlRow } from '../../src/analyze/session.js';
import { defineProcessesView } from '../../src/analyze/processes.js';
import { writeSegment } from '../helpers/analyze-fixtures.js';

const S = 1_000_000_000n;
const T = 1_763_709_303_000_000_000n;
const INIT = 'b:1:1', A = 'b:2:10', C1 = 'b:3:11', C2 = 'b:4:12', D = 'b:5:20', E = 'b:6:21', F = 'b:7:22';
const P = 'b:8:30', Q = 'b:9:31', R = 'b:10:32', G = 'b:12:50', H = 'b:13:51', SN = 'b:14:60', K = 'b:15:70', O = 'b:16:71';
const N = 'b:17:80', NC = 'b:18:81';

/** Rows of the scenario; `withNul` adds a process whose exe holds NUL, and its child. */
function scenario(withNul: boolean): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  let seq = 0n;
  const row = (kind: string, at: bigint, pid: number, ppid: number, key: string, parentKey: string | null, start: bigint, more: Record<string, unknown> = {}) => {
    rows.push({ seq: kind === 'snapshot' ? null : seq++, time: T + at * S, kind, pid, ppid, proc_key: key, parent_key: parentKey, proc_start: T + start * S,
      host: 'h', boot_id: 'b', uid: 0n, user: 'root', comm: `c${pid}`, ...more });
  };
  const snap = (at: bigint, pid: number, ppid: number, key: string, parentKey: string | null, start: bigint, exe: string, more: Record<string, unknown> = {}) =>
    row('snapshot', at, pid, ppid, key, parentKey, start, { exe, argv: [exe.split('/').pop()], ...more });
  const fork = (at: bigint, pid: number, ppid: number, key: string, parentKey: string | null, start: bigint, childPid: number, childKey: string, isThread = false) =>
    row('fork', at, pid, ppid, key, parentKey, start, { child_pid: childPid, child_tid: isThread ? childPid + 1 : childPid, child_key: childKey, is_thread: isThread });
  const exec = (at: bigint, pid: number, ppid: number, key: string, parentKey: string | null, start: bigint, exe: string) =>
    row('exec', at, pid, ppid, key, parentKey, start, { exe, argv: [exe.split('/').pop(), 'x'] });
  const exit = (at: bigint, pid: number, ppid: number, key: string, parentKey: string | null, start: bigint, code: number | null, signal: number | null) =>
    row('exit', at, pid, ppid, key, parentKey, start, { exit_code: code, exit_signal: signal, core_dumped: false });

  snap(0n, 1, 0, INIT, null, -100n, '/sbin/init');
  snap(0n, 10, 1, A, INIT, -50n, '/bin/a');
  snap(0n, 30, 31, P, Q, -40n, '/bin/p');
  snap(0n, 31, 30, Q, P, -40n, '/bin/q');
  snap(0n, 60, 1, SN, INIT, -30n, '/bin/s', { user: 'alice' });
  // A execs twice; C1 is forked between the execs, C2 after
  exec(10n, 10, 1, A, INIT, -50n, '/bin/a1');
  fork(20n, 10, 1, A, INIT, -50n, 11, C1);
  exec(30n, 10, 1, A, INIT, -50n, '/bin/a2');
  fork(40n, 10, 1, A, INIT, -50n, 12, C2);
  exit(45n, 11, 10, C1, A, 20n, 0, null);
  exit(46n, 12, 10, C2, A, 40n, 0, null);
  // D has two exit rows, the first without a code
  fork(50n, 1, 0, INIT, null, -100n, 20, D);
  exit(60n, 20, 1, D, INIT, 50n, null, 9);
  exit(61n, 20, 1, D, INIT, 50n, 3, null);
  // two fork rows name E as their child
  fork(65n, 1, 0, INIT, null, -100n, 21, E);
  fork(70n, 10, 1, A, INIT, -50n, 21, E);
  exec(72n, 21, 1, E, INIT, 65n, '/bin/e');
  // F's exit row is not its latest row: a thread fork follows
  fork(80n, 1, 0, INIT, null, -100n, 22, F);
  exit(90n, 22, 1, F, INIT, 80n, 7, null);
  fork(95n, 22, 1, F, INIT, 80n, 22, F, true);
  // P and Q name each other as parent; P exec'd, then forks R
  exec(5n, 30, 31, P, Q, -40n, '/bin/p2');
  fork(100n, 30, 31, P, Q, -40n, 32, R);
  exit(101n, 32, 30, R, P, 100n, 0, null);
  // G: no fork row and no image; its child H exits under init
  fork(120n, 50, 1, G, INIT, 105n, 51, H);
  exit(130n, 50, 1, G, INIT, 105n, 0, null);
  exit(131n, 51, 1, H, INIT, 120n, 0, null);
  // SN exec'd; a later snapshot (as at a segment start) shows another user
  exec(140n, 60, 1, SN, INIT, -30n, '/bin/s2');
  snap(200n, 60, 1, SN, INIT, -30n, '/bin/s2', { user: 'bob', comm: 'snapcomm' });
  snap(200n, 1, 0, INIT, null, -100n, '/sbin/init');
  // K: forked by A, exits under init
  fork(141n, 10, 1, A, INIT, -50n, 70, K);
  exit(150n, 70, 1, K, INIT, 141n, 0, null);
  // O: only its fork row
  fork(160n, 1, 0, INIT, null, -100n, 71, O);
  if (withNul) {
    snap(0n, 80, 1, N, INIT, -20n, '/bin/n\u0000ul');
    fork(170n, 80, 1, N, INIT, -20n, 81, NC);
  }
  return rows;
}

async function build(withNul: boolean): Promise<Map<string, SqlRow>> {
  const dir = mkdtempSync(join(tmpdir(), 'hs-processes-edge-'));
  await writeSegment(dir, 'seg', [scenario(withNul)]);
  const s = await DuckSession.open();
  try {
    await defineEventsView(s, findSegments([dir]));
    await defineProcessesView(s);
    return new Map((await s.query('SELECT * FROM processes')).map((r) => [String(r.key), r]));
  } finally {
    s.close();
  }
}

let plain: Map<string, SqlRow>;
let withNul: Map<string, SqlRow>;
beforeAll(async () => {
  plain = await build(false);
  withNul = await build(true);
});

const at = (s: bigint): bigint => T + s * S;

describe('processes built over the cases with their own path', () => {
  const cases: [string, string, Record<string, unknown>][] = [
    ['takes the image of the last of two execs, with both in the chain', A,
      { exe: '/bin/a2', argv: ['a2', 'x'], exec_count: 2, exe_chain: ['/bin/a1', '/bin/a2'], start_image: '/bin/a', parent_source: 'snapshot' }],
    ['gives a child forked between two execs the image of the first', C1,
      { exe: '/bin/a1', argv: ['a1', 'x'], start_image: '/bin/a1', ancestry_keys: [INIT, A], ancestry_exes: ['/sbin/init', '/bin/a2'], depth: 2 }],
    ['gives a child forked after the second exec the image of the second', C2, { exe: '/bin/a2', argv: ['a2', 'x'], start_image: '/bin/a2' }],
    ['takes each exit column from the earliest exit row that has it', D, { end_time: at(60n), exit_code: 3, exit_signal: 9, argv: null }],
    ['takes the parent from the earliest of two fork rows naming the process', E,
      { parent_key: INIT, ppid: 1, parent_source: 'fork', exe: '/bin/e', start_image: '/sbin/init' }],
    ['reads an exit row that is not the latest row, and ignores a thread fork as a child', F,
      { end_time: at(90n), exit_code: 7, last_seen: at(95n), exe: '/sbin/init' }],
    ['marks both members of a parent cycle, with no ancestry', P,
      { parent_key: Q, depth: null, ancestry_keys: null, start_image: null, exe: '/bin/p2', uncertain: true, uncertain_reason: 'parent_cycle' }],
    ['marks a child of a cycle and keeps the arguments it inherited at fork', R,
      { parent_key: P, depth: null, exe: null, argv: ['p2', 'x'], uncertain_reason: 'parent_cycle' }],
    ['takes the parent of a process without fork or snapshot rows from its earliest event', G,
      { parent_key: INIT, parent_source: 'event', exe: null, start_time: at(105n), uncertain_reason: 'fork_not_recorded' }],
    ['lists an ancestor without an image as NULL in ancestry_exes', H,
      { ancestry_keys: [INIT, G], ancestry_exes: ['/sbin/init', null], depth: 2, last_parent_key: INIT, reparented: true, uncertain_reason: 'ancestor_uncertain' }],
    ['takes user and comm from a snapshot later than every event', SN, { user: 'bob', comm: 'snapcomm', exe: '/bin/s2', start_image: '/bin/s2' }],
    ['keeps the original parent of a reparented process and shows the last', K,
      { parent_key: A, last_parent_key: INIT, last_ppid: 1, reparented: true, exe: '/bin/a2' }],
    ['has a row for a process known only from its fork row', O,
      { parent_key: INIT, pid: 71, start_time: at(160n), end_time: null, exe: '/sbin/init', argv: null, depth: 1 }],
    ['has a root with no parent and an empty ancestry', INIT, { parent_key: null, depth: 0, ancestry_keys: [], ancestry_exes: [], last_seen: at(200n) }],
  ];
  it.each(cases)('%s', (_name, key, expected) => {
    expect(plain.get(key)).toMatchObject(expected);
  });

  it('has one row per process and no other', () => {
    expect([...plain.keys()].sort()).toEqual([INIT, A, C1, C2, D, E, F, P, Q, R, G, H, SN, K, O].sort());
  });
});

describe('an exe holding NUL', () => {
  it('gives every other process the same row', () => {
    for (const [key, row] of plain) expect(withNul.get(key)).toEqual(row);
  });

  it('keeps the exe whole in the ancestry', () => {
    expect(withNul.get(NC)).toMatchObject({ parent_key: N, exe: '/bin/n\u0000ul', ancestry_keys: [INIT, N], ancestry_exes: ['/sbin/init', '/bin/n\u0000ul'], depth: 2 });
  });
});

describe('the build', () => {
  let s: DuckSession;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hs-processes-edge-'));
    await writeSegment(dir, 'seg', [scenario(false)]);
    s = await DuckSession.open();
    await defineEventsView(s, findSegments([dir]));
  });
  afterAll(() => s?.close());

  it('leaves no table but processes behind and restores preserve_insertion_order', async () => {
    await s.query('SET preserve_insertion_order = true');
    await defineProcessesView(s);
    const tables = await s.query("SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'lineage%' OR table_name = 'processes'");
    expect(tables.map((t) => t.table_name)).toEqual(['processes']);
    const [setting] = await s.query("SELECT current_setting('preserve_insertion_order') AS v");
    expect(setting!.v).toBe(true);
  });

  it('can be built again over the same events', async () => {
    await defineProcessesView(s);
    const [row] = await s.query('SELECT count(*) AS n FROM processes');
    expect(row!.n).toBe(15n);
  });
});

describe('the hash check', () => {
  it('finds two processes, a named parent and a process, or two hosts sharing a hash', async () => {
    const { HASH_CLASHES_SQL } = await import('../../src/analyze/processes-sql.js');
    const s = await DuckSession.open();
    try {
      const check = async (facts: string, hosts: string): Promise<number> => {
        await s.query(`CREATE OR REPLACE TEMP TABLE lineage_facts AS SELECT * FROM (VALUES ${facts}) t(key, k, parent_h, parent_key_text)`);
        await s.query(`CREATE OR REPLACE TEMP TABLE lineage_hosts AS SELECT * FROM (VALUES ${hosts}) t(hb, host, boot_id)`);
        return (await s.query(HASH_CLASHES_SQL)).length;
      };
      const hosts = "(1::UBIGINT, 'h', 'b')";
      expect(await check("('a', 1::UBIGINT, NULL::UBIGINT, NULL), ('b', 2, 1, NULL), ('c', 3, 9, 'outside')", hosts)).toBe(0);
      expect(await check("('a', 1::UBIGINT, NULL::UBIGINT, NULL), ('b', 1, NULL, NULL)", hosts)).toBe(1);
      expect(await check("('a', 1::UBIGINT, NULL::UBIGINT, NULL), ('c', 3, 1, 'outside')", hosts)).toBe(1);
      expect(await check("('a', 1::UBIGINT, NULL::UBIGINT, NULL)", "(1::UBIGINT, 'h', 'b'), (1, 'h2', 'b')")).toBe(1);
    } finally {
      s.close();
    }
  });
});
