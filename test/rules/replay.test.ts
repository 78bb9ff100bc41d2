import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckSession } from '../../src/analyze/session.js';
import { replayRules } from '../../src/rules/replay.js';
import type { CompiledRule } from '../../src/rules/types.js';
import { ACTIVITY, FIXTURE, ns, writeSegment } from '../helpers/analyze-fixtures.js';
import { openRuleEvents } from '../helpers/rule-table.js';

let s: DuckSession;

beforeAll(async () => {
  s = await openRuleEvents([FIXTURE]);
});
afterAll(() => s.close());

function rule(id: string, match: CompiledRule['match'], message = `'${id}: ' || coalesce(proc_exe, '?')`): CompiledRule {
  return { source: 'native', id, title: `title of ${id}`, severity: 'high', tags: ['t'], author: 'me', position: { file: 'x.yml', line: 1, column: 1 }, match, message };
}

describe('replayRules', () => {
  it('reports each match with its actor, parent, ancestry root first and the event', async () => {
    const { findings, runs } = await replayRules(s, [
      rule('greet', { where: `kind = 'exec' AND proc_name = 'greet.sh'` }),
      rule('rename', { where: `kind = 'rename' AND path_name = 'created.txt'` }, `'renamed ' || path || ' to ' || path2`),
    ]);
    expect(runs.map((r) => [r.rule.id, r.findings, r.error])).toEqual([['greet', 1, null], ['rename', 1, null]]);
    const [greet, rename] = findings;
    expect(greet).toMatchObject({
      source: 'native', ruleId: 'greet', rule: 'title of greet', severity: 'high', author: 'me', host: expect.any(String),
      exe: '/usr/bin/dash', parentExe: '/usr/bin/bash', message: 'greet: /usr/bin/dash', incomplete: false,
      event: { kind: 'exec', path: '/usr/bin/dash' },
    });
    expect(greet!.ancestry.at(-1)).toMatchObject({ exe: '/usr/bin/bash' });
    expect(greet!.cmdline).toMatch(/^\/bin\/sh \.\/greet\.sh alpha beta/);
    expect(rename!.message).toBe(`renamed ${ACTIVITY.dir}/created.txt to ${ACTIVITY.dir}/renamed.txt`);
    expect(rename!.timeNs > greet!.timeNs).toBe(true);
  });

  it('runs the other rules of a batch when one rule fails, and names the failure', async () => {
    const { runs } = await replayRules(s, [
      rule('ok', { where: `kind = 'mkdir' AND path_name = 'subdir'` }),
      rule('bad', { where: `regexp_matches(path, '(')` }),
      rule('bad-query', { query: 'SELECT 1 AS nope' }),
    ]);
    expect(runs[0]).toMatchObject({ findings: 1, error: null });
    expect(runs[1]!.error).toMatch(/regex|Invalid/i);
    expect(runs[2]!.error).toMatch(/returns no rid column/);
  });

  it('takes rule id, title and extra from a query rule', async () => {
    const { findings } = await replayRules(s, [rule('q', {
      query: `SELECT min(rid) AS rid, 'ioc-x' AS rule_id, 'IOC x' AS rule, 'seen' AS message, {'sightings': count(*)} AS extra
              FROM rule_events WHERE kind = 'mkdir' AND path_name = 'subdir'`,
    })]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'ioc-x', rule: 'IOC x', message: 'seen', extra: { sightings: 1 }, event: { kind: 'mkdir' } });
  });
});

describe('replayRules near lost events', () => {
  it('flags a finding in the window a loss row may hide as incomplete, with the reason, and one outside it as complete', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hs-replay-gap-'));
    const t = ns('2026-01-01T00:00:00Z');
    const sec = 1_000_000_000n;
    const exec = (seq: bigint, time: bigint, pid: number) => ({
      seq, time, kind: 'exec', host: 'h', pid, tid: pid, proc_key: `b:${pid}:${pid}`, parent_key: 'b:0:1', exe: '/usr/bin/nc', argv: ['nc', '-l'], comm: 'nc',
    });
    await writeSegment(dir, 'seg', [[
      { seq: null, time: t, kind: 'snapshot', host: 'h', pid: 1, proc_key: 'b:0:1', exe: '/sbin/init', comm: 'init' },
      exec(1n, t + 1n * sec, 100),
      exec(2n, t + 20n * sec, 200),
      { seq: 3n, time: t + 22n * sec, kind: 'loss', host: 'h', lost_count: 42n, lost_reason: 'ring buffer full' },
    ]]);
    const g = await openRuleEvents([dir]);
    try {
      const { findings } = await replayRules(g, [rule('nc', { where: `kind = 'exec' AND proc_name = 'nc'` })]);
      expect(findings.map((f) => [f.pid, f.incomplete])).toEqual([[100, false], [200, true]]);
      expect(findings[1]!.incompleteReasons).toEqual([expect.stringMatching(/events lost: ring buffer full/)]);
    } finally {
      g.close();
    }
  });
});
