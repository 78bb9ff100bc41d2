/**
 * The public SigmaHQ Linux rules (fixtures/rules/public/sigma, unmodified):
 * exact outcome counts and reasons, and every compiled rule's SQL prepared
 * and run by DuckDB, on an empty table and on one row of every kind.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckSession } from '../../../src/analyze/session.js';
import { compileSigmaFiles } from '../../../src/rules/sigma/compile.js';
import { formatCompileSummary, summarizeCompile } from '../../../src/rules/sigma/report.js';
import type { CompileResult } from '../../../src/rules/types.js';
import { createRuleEvents } from '../../helpers/rule-table.js';
import { PUBLIC_SIGMA } from '../../helpers/public-rules.js';

const ROOT = PUBLIC_SIGMA;

function ruleFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return ruleFiles(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

/** IPv4-only stand-in for src/rules/ip-sql.ts's macro: only its name and signature matter here. */
const CIDR_STAND_IN = "CREATE OR REPLACE MACRO hs_cidr_contains(cidr, ip) AS (CASE WHEN strpos(cidr, ':') > 0 THEN false ELSE starts_with(ip, split_part(cidr, '.', 1) || '.') END)";

let result: CompileResult;
let s: DuckSession;
beforeAll(async () => {
  const files = ruleFiles(ROOT).map((path) => ({ path: path.slice(ROOT.length + 1), text: readFileSync(path, 'utf8') }));
  expect(files).toHaveLength(248);
  result = compileSigmaFiles(files);
  s = await DuckSession.open();
  await s.query(CIDR_STAND_IN);
});
afterAll(() => s.close());

describe('the public Sigma Linux rules', () => {
  it('compile to exact counts by status', () => {
    expect(summarizeCompile(result)).toMatchObject({ total: 248, compiled: 164, byStatus: { unsupported: 84, disabled: 0, error: 0 } });
  });

  it('are skipped for exactly these reasons', () => {
    expect(summarizeCompile(result).reasons.map((r) => [r.count, r.status, r.reason])).toEqual([
      [54, 'unsupported', 'logsource service: auditd is not recorded (hindsight records syscalls through eBPF, not the audit log)'],
      [16, 'unsupported', 'logsource product: linux without category or service means log lines; hindsight records syscalls through eBPF, not log lines'],
      [3, 'unsupported', 'field DestinationHostname is not recorded: a connect row holds only the IP address, and hindsight records DNS queries, not their answers, so the host name a connection went to is unknown'],
      [3, 'unsupported', 'logsource service: sshd is not recorded (hindsight records syscalls through eBPF, not sshd logs)'],
      [2, 'unsupported', 'logsource service: syslog is not recorded (hindsight records syscalls through eBPF, not syslog)'],
      [1, 'unsupported', 'logsource service: auth is not recorded (hindsight records syscalls through eBPF, not the auth log)'],
      [1, 'unsupported', 'logsource service: clamav is not recorded (hindsight records syscalls through eBPF, not ClamAV logs)'],
      [1, 'unsupported', 'logsource service: cron is not recorded (hindsight records syscalls through eBPF, not cron logs)'],
      [1, 'unsupported', 'logsource service: guacamole is not recorded (hindsight records syscalls through eBPF, not Guacamole logs)'],
      [1, 'unsupported', 'logsource service: sudo is not recorded (hindsight records syscalls through eBPF, not sudo logs)'],
      [1, 'unsupported', 'logsource service: vsftpd is not recorded (hindsight records syscalls through eBPF, not vsftpd logs)'],
    ]);
  });

  it('compile by category to 144 process_creation, 18 file_event and 2 network_connection rules', () => {
    const kinds = new Map<string, number>();
    for (const r of result.compiled) {
      const where = 'where' in r.match ? r.match.where : '';
      const key = where.startsWith("(kind = 'exec')") ? 'exec' : where.includes("kind IN ('connect', 'accept')") ? 'network' : 'file';
      kinds.set(key, (kinds.get(key) ?? 0) + 1);
    }
    expect(Object.fromEntries(kinds)).toEqual({ exec: 144, file: 18, network: 2 });
  });

  it('carry a unique id, a title, a Sigma level and the author the license asks to show', () => {
    expect(new Set(result.compiled.map((r) => r.id)).size).toBe(result.compiled.length);
    for (const r of result.compiled) {
      expect(r.author, r.id).toMatch(/\S/);
      expect(r.title, r.id).toMatch(/\S/);
      expect(['informational', 'low', 'medium', 'high', 'critical'], r.id).toContain(r.severity);
      expect(r.position.line, r.id).toBe(1);
    }
  });

  it('every compiled rule is valid SQL on an empty rule_events table', async () => {
    await createRuleEvents(s, []);
    const failures: string[] = [];
    for (const r of result.compiled) {
      if (!('where' in r.match)) throw new Error(`${r.id}: expected a where rule`);
      try {
        expect(await s.query(`SELECT rid, ${r.message} AS message FROM rule_events WHERE ${r.match.where}`)).toEqual([]);
      } catch (e) {
        failures.push(`${r.position.file}: ${String((e as Error).cause ?? e)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('every compiled rule runs over one row of every recorded kind', async () => {
    const actor = { proc_exe: '/usr/bin/bash', proc_commandline: 'bash -c id', parent_exe: '/usr/sbin/sshd', parent_commandline: 'sshd: u', user: 'u', loginuid: 1000, pid: 10, ppid: 1, proc_cwd: '/home/u' };
    await createRuleEvents(s, [
      { kind: 'exec', ...actor, ret: 0 },
      { kind: 'open', ...actor, path: '/tmp/x', open_flags: 577, ret: 3 },
      { kind: 'rename', ...actor, path: '/tmp/x', path2: '/tmp/y', ret: 0 },
      { kind: 'unlink', ...actor, path: '/tmp/y', ret: 0 },
      { kind: 'connect', ...actor, family: 'inet', l4proto: 'tcp', saddr: '10.0.0.1', sport: 40000, daddr: '203.0.113.9', dport: 4444, ret: 0 },
      { kind: 'accept', ...actor, family: 'inet6', l4proto: 'tcp', saddr: '::1', sport: 22, daddr: '::1', dport: 50000, ret: 4 },
      { kind: 'dns', ...actor, dns_query: 'example.com' },
    ]);
    const matched: string[] = [];
    for (const r of result.compiled) {
      if (!('where' in r.match)) continue;
      const rows = await s.query(`SELECT rid, ${r.message} AS message FROM rule_events WHERE ${r.match.where}`);
      for (const row of rows) matched.push(`${row.rid} ${String(row.message)}`);
    }
    // Bash with a socket is the reverse-shell indicator (its filter names 127.0.0.1 and 0.0.0.0, not ::1).
    expect(matched.sort()).toEqual([
      '5 Linux Reverse Shell Indicator: /usr/bin/bash bash -c id -> 203.0.113.9:4444',
      '5 Potentially Suspicious Malware Callback Communication - Linux: /usr/bin/bash bash -c id -> 203.0.113.9:4444',
      '6 Linux Reverse Shell Indicator: /usr/bin/bash bash -c id <- ::1:50000',
    ]);
  });

  it('print as a compile report', () => {
    const lines = formatCompileSummary(summarizeCompile(result), 2);
    expect(lines).toEqual([
      '248 rules: 164 compiled, 84 unsupported, 0 disabled, 0 error',
      '  54 unsupported: logsource service: auditd is not recorded (hindsight records syscalls through eBPF, not the audit log)',
      '  16 unsupported: logsource product: linux without category or service means log lines; hindsight records syscalls through eBPF, not log lines',
      '  ... 9 more reasons',
    ]);
  });
});
