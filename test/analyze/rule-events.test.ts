import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULE_EVENT_COLUMNS } from '../../src/analyze/rule-event-columns.js';
import type { DuckSession } from '../../src/analyze/session.js';
import { ACTIVITY, FIXTURE } from '../helpers/analyze-fixtures.js';
import { openRuleEvents } from '../helpers/rule-table.js';

let s: DuckSession;

beforeAll(async () => {
  s = await openRuleEvents([FIXTURE]);
});
afterAll(() => s.close());

describe('rule_events', () => {
  it('has exactly the columns and types of formats/rule-events.md', async () => {
    const rows = await s.query('SELECT column_name, column_type FROM (DESCRIBE rule_events)');
    expect(rows.map((r) => [r.column_name, r.column_type])).toEqual(RULE_EVENT_COLUMNS.map(([n, t]) => [n, t]));
  });

  it('has one row per event except snapshots and loss rows, each with a unique rid', async () => {
    const [r] = await s.query(`SELECT
      (SELECT count(*) FROM rule_events) AS n,
      (SELECT count(DISTINCT rid) FROM rule_events) AS rids,
      (SELECT count(*) FROM events WHERE kind NOT IN ('snapshot', 'loss')) AS expected`);
    expect(r!.n).toBe(r!.expected);
    expect(r!.rids).toBe(r!.expected);
  });

  it('describes a script exec by its task name, script, interpreter, parent and ancestors nearest first', async () => {
    const [r] = await s.query(`SELECT proc_name, proc_exe, proc_script, proc_argv, proc_args, proc_cmdline, proc_commandline,
        parent_name, parent_exe, anc_names[1] AS a1, anc_pids[1] AS p1, anc_keys[1] = parent_key AS k1, path, path_name, path_dir
      FROM rule_events WHERE kind = 'exec' AND proc_name = 'greet.sh'`);
    expect(r).toMatchObject({
      proc_name: 'greet.sh', proc_exe: '/usr/bin/dash', proc_script: `${ACTIVITY.dir}/greet.sh`,
      parent_name: 'bash', parent_exe: '/usr/bin/bash', a1: 'bash', k1: true,
      path: '/usr/bin/dash', path_name: 'dash', path_dir: '/usr/bin',
    });
    const argv = r!.proc_argv as string[];
    expect(argv.slice(0, 2)).toEqual(['/bin/sh', './greet.sh']);
    expect(r!.proc_args).toBe(argv.slice(1).join(' '));
    expect(r!.proc_cmdline).toBe(`greet.sh ${argv.slice(1).join(' ')}`);
    expect(r!.proc_commandline).toBe(argv.join(' '));
    expect(typeof r!.p1).toBe('number');
  });

  it('gives each event the image its process had at that moment, not its last one', async () => {
    // The memfd process ran bash, env and pyenv's shims (execs and failed PATH lookups) before
    // exec'ing the memfd; the activity shell ran bash before its last command exec'ed python3.
    const rows = await s.query(`SELECT kind, count(*) AS n, count(DISTINCT proc_exe) AS exes,
        count(*) FILTER (WHERE starts_with(proc_exe, '/memfd:')) AS memfd
      FROM rule_events WHERE proc_key = (SELECT proc_key FROM rule_events WHERE kind = 'exec' AND proc_exe = '/memfd:hindsight-memfd')
      GROUP BY kind ORDER BY kind`);
    const byKind = Object.fromEntries(rows.map((r) => [r.kind, r]));
    expect(byKind.exec!.memfd).toBe(1n);
    expect(byKind.exec_fail!.n).toBeGreaterThan(0n);
    expect(byKind.exec_fail!.memfd).toBe(0n);
    const [shell] = await s.query(`SELECT count(*) FILTER (WHERE proc_exe = '/usr/bin/bash') AS bash,
        count(*) FILTER (WHERE proc_exe LIKE '%python%') AS python
      FROM rule_events WHERE pid = ${ACTIVITY.shellPid} AND kind = 'fork'`);
    expect(shell!.bash).toBeGreaterThan(5n);
    expect(shell!.python).toBe(0n);
  });

  it('gives file rows their path parts and open direction', async () => {
    const rows = await s.query(`SELECT kind, path, path2, path_dir, path_name, is_open_write, is_open_read
      FROM rule_events WHERE kind IN ('rename', 'symlink') ORDER BY kind`);
    expect(rows).toEqual([
      { kind: 'rename', path: `${ACTIVITY.dir}/created.txt`, path2: `${ACTIVITY.dir}/renamed.txt`, path_dir: ACTIVITY.dir, path_name: 'created.txt', is_open_write: false, is_open_read: false },
      { kind: 'symlink', path: `${ACTIVITY.dir}/link.txt`, path2: 'renamed.txt', path_dir: ACTIVITY.dir, path_name: 'link.txt', is_open_write: false, is_open_read: false },
    ]);
    const [o] = await s.query(`SELECT count(*) FILTER (WHERE is_open_write) AS w, count(*) FILTER (WHERE is_open_read) AS r,
      count(*) FILTER (WHERE is_open_write IS NULL OR is_open_read IS NULL) AS unknown FROM rule_events WHERE kind = 'open'`);
    expect(o!.w).toBeGreaterThan(0n);
    expect(o!.r).toBeGreaterThan(0n);
    expect(o!.unknown).toBe(0n);
  });

  it('marks connects outbound with their l4 protocol and the DNS name on dns rows', async () => {
    const rows = await s.query(`SELECT DISTINCT kind, l4proto, is_outbound, dns_query FROM rule_events
      WHERE kind IN ('connect', 'dns') AND (dport = ${ACTIVITY.tcpPort} OR dns_query = '${ACTIVITY.dnsName}') ORDER BY kind`);
    expect(rows).toEqual([
      { kind: 'connect', l4proto: 'tcp', is_outbound: true, dns_query: null },
      { kind: 'dns', l4proto: 'udp', is_outbound: true, dns_query: ACTIVITY.dnsName },
    ]);
  });
});
