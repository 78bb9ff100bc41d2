/**
 * Native rules compiled and run in DuckDB over hand-made `rule_events` rows:
 * plain conditions, sequences (order, window, scope, by, several steps, the
 * chain reported) and thresholds (bursts, windows, groups, distinct), with
 * the message and `extra` each reports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckSession, type SqlRow } from '../../../src/analyze/session.js';
import { IP_MACROS_SQL } from '../../../src/rules/ip-sql.js';
import { compileNativeFiles } from '../../../src/rules/native/compile.js';
import type { CompiledRule } from '../../../src/rules/types.js';
import { type RuleEventRow, createRuleEvents } from '../../helpers/rule-table.js';

let s: DuckSession;
beforeAll(async () => {
  s = await DuckSession.open();
  for (const stmt of IP_MACROS_SQL) await s.query(stmt);
});
afterAll(() => s.close());

/** A time `ms` milliseconds after 2026-11-21 10:00:00 UTC. */
function at(ms: number): string {
  return new Date(Date.UTC(2026, 10, 21, 10, 0, 0) + ms).toISOString().replace('T', ' ').replace('Z', '');
}

function compile(yaml: string): CompiledRule {
  const r = compileNativeFiles([{ path: 't.yml', text: yaml }]);
  expect(r.skipped).toEqual([]);
  return r.compiled[0]!;
}

/** Runs a compiled rule as the replay runner does; rows in rid order for `where`, in the query's order otherwise. */
async function run(rule: CompiledRule, rows: RuleEventRow[]): Promise<SqlRow[]> {
  await createRuleEvents(s, rows);
  if ('where' in rule.match) {
    return s.query(`SELECT rid, ${rule.message} AS message FROM rule_events WHERE coalesce((${rule.match.where}), false) ORDER BY rid`);
  }
  return s.query(rule.match.query);
}

const rids = (rows: SqlRow[]) => rows.map((r) => Number(r.rid));

describe('a plain rule', () => {
  const rule = compile(`id: p
title: Exec of curl
severity: low
condition: |
  kind = 'exec' AND proc_name = 'curl' -- a trailing comment must not swallow the query
message: "{proc_name} ran as {user} in {container_id}"
`);

  it('is a where expression matching each event, with its message', async () => {
    expect('where' in rule.match).toBe(true);
    const out = await run(rule, [
      { rid: 1, time: at(0), kind: 'exec', proc_name: 'curl', user: 'www-data' },
      { rid: 2, time: at(1), kind: 'exec', proc_name: 'wget', user: 'www-data' },
      { rid: 3, time: at(2), kind: 'connect', proc_name: 'curl' },
      { rid: 4, time: at(3), kind: 'exec', proc_name: 'curl', user: "o'brien" },
    ]);
    expect(out).toEqual([
      { rid: 1n, message: 'curl ran as www-data in <NA>' },
      { rid: 4n, message: "curl ran as o'brien in <NA>" },
    ]);
  });

  it('carries the rule fields', () => {
    expect(rule).toMatchObject({ source: 'native', id: 'p', title: 'Exec of curl', severity: 'low', tags: [], position: { file: 't.yml', line: 1, column: 1 } });
  });
});

function sequence(opts: { within?: string; scope?: string; by?: string; steps?: readonly string[] } = {}): CompiledRule {
  const steps = opts.steps ?? ["kind = 'exec'", "kind = 'connect'"];
  return compile(`id: s
title: Exec then connect
severity: high
sequence:
  within: ${opts.within ?? '10s'}
${opts.scope === undefined ? '' : `  scope: ${opts.scope}\n`}${opts.by === undefined ? '' : `  by: ${opts.by}\n`}  steps:
${steps.map((c) => `    - condition: "${c}"`).join('\n')}
message: "{proc_key} connected to {daddr}"
`);
}

const P = { host: 'h1', proc_key: 'P', pid: 10, anc_keys: ['INIT'] };
const CHILD = { host: 'h1', proc_key: 'C', pid: 11, anc_keys: ['P', 'INIT'] };
const PARENT = { host: 'h1', proc_key: 'INIT', pid: 1, anc_keys: [] as string[] };
const OTHER = { host: 'h1', proc_key: 'O', pid: 12, anc_keys: ['INIT'] };

describe('a sequence', () => {
  it.each([
    ['fires when B follows A in the same process', {}, [
      { rid: 1, time: at(0), kind: 'exec', ...P }, { rid: 2, time: at(5000), kind: 'connect', ...P }], [2]],
    ['does not fire when B comes before A', {}, [
      { rid: 1, time: at(0), kind: 'connect', ...P }, { rid: 2, time: at(5000), kind: 'exec', ...P }], []],
    ['fires when B is exactly `within` after A', {}, [
      { rid: 1, time: at(0), kind: 'exec', ...P }, { rid: 2, time: at(10000), kind: 'connect', ...P }], [2]],
    ['does not fire when B is later than `within`', {}, [
      { rid: 1, time: at(0), kind: 'exec', ...P }, { rid: 2, time: at(10001), kind: 'connect', ...P }], []],
    ['fires across a time bucket boundary', {}, [
      { rid: 1, time: at(9500), kind: 'exec', ...P }, { rid: 2, time: at(10500), kind: 'connect', ...P }], [2]],
    ['fires for events at the same time in rid order', {}, [
      { rid: 1, time: at(0), kind: 'exec', ...P }, { rid: 2, time: at(0), kind: 'connect', ...P }], [2]],
    ['does not fire for events at the same time against rid order', {}, [
      { rid: 2, time: at(0), kind: 'exec', ...P }, { rid: 1, time: at(0), kind: 'connect', ...P }], []],
    ['with process scope, does not fire for B in a child process', {}, [
      { rid: 1, time: at(0), kind: 'exec', ...P }, { rid: 2, time: at(1000), kind: 'connect', ...CHILD }], []],
    ['with tree scope, fires for B in a descendant', { scope: 'tree' }, [
      { rid: 1, time: at(0), kind: 'exec', ...P }, { rid: 2, time: at(1000), kind: 'connect', ...CHILD }], [2]],
    ['with tree scope, fires for B in the same process', { scope: 'tree' }, [
      { rid: 1, time: at(0), kind: 'exec', ...P }, { rid: 2, time: at(1000), kind: 'connect', ...P }], [2]],
    ['with tree scope, does not fire for B in an ancestor', { scope: 'tree' }, [
      { rid: 1, time: at(0), kind: 'exec', ...P }, { rid: 2, time: at(1000), kind: 'connect', ...PARENT }], []],
    ['with tree scope, does not fire for B in a sibling', { scope: 'tree' }, [
      { rid: 1, time: at(0), kind: 'exec', ...P }, { rid: 2, time: at(1000), kind: 'connect', ...OTHER }], []],
    ['with host scope, fires for B in any process of the host', { scope: 'host' }, [
      { rid: 1, time: at(0), kind: 'exec', ...P }, { rid: 2, time: at(1000), kind: 'connect', ...OTHER }], [2]],
    ['with host scope, does not fire for B on another host', { scope: 'host' }, [
      { rid: 1, time: at(0), kind: 'exec', ...P }, { rid: 2, time: at(1000), kind: 'connect', ...P, host: 'h2' }], []],
    ['with by, fires when the columns are equal', { scope: 'host', by: '[path]' }, [
      { rid: 1, time: at(0), kind: 'exec', ...P, path: '/tmp/x' }, { rid: 2, time: at(1000), kind: 'connect', ...OTHER, path: '/tmp/x' }], [2]],
    ['with by, does not fire when a column differs', { scope: 'host', by: '[path]' }, [
      { rid: 1, time: at(0), kind: 'exec', ...P, path: '/tmp/x' }, { rid: 2, time: at(1000), kind: 'connect', ...OTHER, path: '/tmp/y' }], []],
    ['with by, does not fire when the columns are null', { scope: 'host', by: '[path]' }, [
      { rid: 1, time: at(0), kind: 'exec', ...P }, { rid: 2, time: at(1000), kind: 'connect', ...OTHER }], []],
    ['never uses one event for two steps', { steps: ["pid = 10", "pid = 10"] }, [
      { rid: 1, time: at(0), kind: 'exec', ...P }], []],
    ['reports every B that completes a chain', {}, [
      { rid: 1, time: at(0), kind: 'exec', ...P }, { rid: 2, time: at(1000), kind: 'connect', ...P }, { rid: 3, time: at(2000), kind: 'connect', ...P }], [2, 3]],
    ['with three steps, fires only for A then B then C', { steps: ["kind = 'exec'", "kind = 'open'", "kind = 'connect'"] }, [
      { rid: 1, time: at(0), kind: 'exec', ...P }, { rid: 2, time: at(2000), kind: 'connect', ...P },
      { rid: 3, time: at(3000), kind: 'open', ...P }, { rid: 4, time: at(4000), kind: 'connect', ...P }], [4]],
    ['with three steps, every step is within `within` of the first', { steps: ["kind = 'exec'", "kind = 'open'", "kind = 'connect'"] }, [
      { rid: 1, time: at(0), kind: 'exec', ...P }, { rid: 2, time: at(9000), kind: 'open', ...P }, { rid: 3, time: at(10500), kind: 'connect', ...P }], []],
  ] as const)('%s', async (_name, opts, rows, want) => {
    expect(rids(await run(sequence(opts), rows as unknown as RuleEventRow[]))).toEqual(want);
  });

  it('reports the last step with the earlier steps of the chain with the latest first step', async () => {
    const rule = sequence({ steps: ["kind = 'exec'", "kind = 'open'", "kind = 'connect'"], scope: 'tree' });
    const out = await run(rule, [
      { rid: 1, time: at(0), kind: 'exec', ...P },
      { rid: 2, time: at(1000), kind: 'exec', ...P },
      { rid: 3, time: at(2000), kind: 'open', ...CHILD },
      { rid: 4, time: at(3000), kind: 'open', ...CHILD },
      { rid: 5, time: at(4000), kind: 'connect', ...CHILD, daddr: '192.0.2.1' },
    ]);
    expect(out).toEqual([{
      rid: 5n,
      message: 'C connected to 192.0.2.1',
      extra: {
        earlier_rids: [2n, 4n],
        earlier_times: [1795255201000000000n, 1795255203000000000n],
        within: '10s',
        scope: 'tree',
      },
    }]);
  });

  it('can call the IOC helpers in a step', async () => {
    await s.query("DELETE FROM ioc_indicators");
    await s.query("INSERT INTO ioc_indicators (list, id, type, label, value, lo, hi, prefix) VALUES ('l', 1, 'cidr', 'cidr', '192.0.2.0/24', hs_cidr_lo('192.0.2.0/24'), hs_cidr_hi('192.0.2.0/24'), hs_cidr_prefix('192.0.2.0/24'))");
    const rule = sequence({ steps: ["kind = 'exec'", "kind = 'connect' AND hs_ioc_ip(daddr)"] });
    expect(rule.notes).toEqual(['reads ioc_indicators: finds nothing unless IOC lists are loaded']);
    expect(rids(await run(rule, [
      { rid: 1, time: at(0), kind: 'exec', ...P },
      { rid: 2, time: at(1000), kind: 'connect', ...P, daddr: '198.51.100.1' },
      { rid: 3, time: at(2000), kind: 'connect', ...P, daddr: '::ffff:192.0.2.9' },
    ]))).toEqual([3]);
  });
});

function threshold(opts: { count?: number; window?: string; groupBy?: string; distinct?: string } = {}): CompiledRule {
  return compile(`id: th
title: Failed opens
severity: medium
threshold:
  condition: kind = 'open' AND ret < 0
  window: ${opts.window ?? '10s'}
  count: ${opts.count ?? 3}
${opts.groupBy === undefined ? '' : `  group_by: ${opts.groupBy}\n`}${opts.distinct === undefined ? '' : `  distinct: ${opts.distinct}\n`}message: "{proc_key}: {path}"
`);
}

/** Failed opens at the given seconds, by `who`, of /etc/f<i> (or of the same path when `same`). */
function fails(seconds: number[], who: Record<string, unknown> = P, same = false, firstRid = 1): RuleEventRow[] {
  return seconds.map((sec, i) => ({ rid: firstRid + i, time: at(sec * 1000), kind: 'open', ret: -13, ...who, path: same ? '/etc/shadow' : `/etc/f${i}` }) as RuleEventRow);
}

describe('a threshold', () => {
  it.each([
    ['fires at the event that reaches the count', {}, fails([0, 1, 2]), [3]],
    ['does not fire below the count', {}, fails([0, 1]), []],
    ['does not fire when the events spread wider than the window', {}, fails([0, 6, 12, 18]), []],
    ['counts events exactly `window` apart as inside it', {}, fails([0, 5, 10]), [3]],
    ['fires once for a sustained burst', {}, fails([0, 1, 2, 3, 4, 5, 6, 7]), [3]],
    ['fires again when a new burst follows a pause', {}, fails([0, 1, 2, 30, 31, 32]), [3, 6]],
    ['does not count events that fail the condition', {}, [...fails([0, 1]), { rid: 9, time: at(2000), kind: 'open', ret: 3, ...P, path: '/etc/x' }], []],
    ['with group_by, counts each group apart', { groupBy: '[proc_key]' }, [...fails([0, 1], P), ...fails([2], OTHER, false, 3)], []],
    ['with group_by, fires for the group that reaches the count', { groupBy: '[proc_key]' }, [...fails([0, 1, 2], P), ...fails([1], OTHER, false, 4)], [3]],
    ['without group_by, counts all events together', {}, [...fails([0, 1], P), ...fails([2], OTHER, false, 3)], [3]],
    ['with distinct, does not count the same value twice', { distinct: 'path' }, fails([0, 1, 2, 3], P, true), []],
    ['with distinct, fires when enough values differ', { distinct: 'path' }, fails([0, 1, 2]), [3]],
  ] as const)('%s', async (_name, opts, rows, want) => {
    expect(rids(await run(threshold(opts), rows as RuleEventRow[]))).toEqual(want);
  });

  it('reports the count, window, group, window start and the events counted', async () => {
    const out = await run(threshold({ groupBy: '[proc_key, host]' }), fails([0, 4, 9]));
    expect(out).toEqual([{
      rid: 3n,
      message: 'P: /etc/f2',
      extra: {
        count: 3n,
        window: '10s',
        group: { proc_key: 'P', host: 'h1' },
        window_start: 1795255200000000000n,
        rids: [1n, 2n, 3n],
      },
    }]);
  });
});
