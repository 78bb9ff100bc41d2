/**
 * `hindsight replay` and `hindsight rules` end to end: snapshots over the
 * committed fixture recording and the public rule sets, the exit codes for
 * no findings, findings, errors and partial data, and file:line:column for
 * malformed rules.
 */
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACTIVITY, copyFixture, FIXTURE_REL, FIXTURE_SEGMENTS } from '../helpers/analyze-fixtures.js';
import { matchSnapshot, runCli } from '../helpers/cli-snapshot.js';

const R = FIXTURE_REL;

function ruleDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'hs-rules-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const NOTHING = `id: t-nothing
title: Matches nothing
severity: low
author: test
condition: kind = 'exec' AND proc_exe = '/no/such/exe'
message: "never {proc_exe}"
`;

describe('hindsight rules', () => {
  it('prints the compile report of the public Falco and Sigma rule sets', () => {
    const [got, want] = matchSnapshot('rules-public-report', runCli(['rules', 'fixtures/rules/public']));
    expect(got).toBe(want);
  });

  it('lists every rule that does not run, with its file, line and reason', () => {
    const run = runCli(['rules', 'fixtures/rules/public/falco', '--list']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^falco\tunsupported\tLaunch Privileged Container\tfixtures\/rules\/public\/falco\/falco-incubating_rules\.yaml:\d+:\d+\tfields? .*container\.privileged/m);
    expect(run.stdout.split('\n').filter((l) => l.startsWith('falco\t'))).toHaveLength(41);
  });
});

describe('hindsight replay on the fixture recording', () => {
  it('reports the shipped native rules\' findings as a table and exits 6', () => {
    const [got, want] = matchSnapshot('replay-native-table', runCli(['replay', R, '--rules', 'queries/rules']));
    expect(got).toBe(want);
  });

  it('reports an IOC list\'s sightings as JSON lines', () => {
    const iocs = join(ruleDir({}), 'iocs.csv');
    writeFileSync(iocs, `type,value,comment\ndomain,hindsight.test,test zone\nip,127.0.0.1,loopback\nsha256,${'a'.repeat(64)},never\n`);
    const run = runCli(['replay', R, '--iocs', iocs, '--format', 'json']);
    expect(run.code, run.stderr).toBe(6);
    const found = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { rule_id: string; event: { kind: string; dns_query?: string }; extra: { sightings: number } });
    expect(found.map((f) => f.rule_id).sort()).toEqual(['127.0.0.1', 'hindsight.test']);
    const dns = found.find((f) => f.rule_id === 'hindsight.test')!;
    expect(dns.event).toMatchObject({ kind: 'dns', dns_query: ACTIVITY.dnsName });
    expect(dns.extra.sightings).toBeGreaterThanOrEqual(1);
  });

  it('exits 0 and says so when nothing matches', () => {
    const run = runCli(['replay', R, '--rules', ruleDir({ 'nothing.yml': NOTHING })]);
    expect(run.stdout).toBe('no findings\n');
    expect(run.code).toBe(0);
  });

  it.each([
    ['a file that is not YAML', 'bad.yml', '- rule: x\n  condition: [unclosed\n', /bad\.yml:\d+:\d+: rules: YAML: /],
    ['a Falco condition with a syntax error', 'falco.yaml',
      '- rule: broken\n  desc: d\n  condition: evt.type = and proc.name = x\n  output: o\n  priority: WARNING\n', /falco\.yaml:3:\d+: /],
    ['a Sigma condition naming no selection', 'sigma.yml',
      'title: t\nid: 00000000-0000-4000-8000-000000000002\nlogsource: {product: linux, category: process_creation}\ndetection:\n  sel: {Image: /x}\n  condition: sel and missing\nlevel: low\n', /sigma\.yml:6:\d+: /],
    ['a native rule whose SQL does not bind', 'native.yml', 'id: t-bad-sql\ntitle: t\nseverity: low\nauthor: a\ncondition: no_such_column = 1\nmessage: m\n', /native\.yml:5:\d+: .*no_such_column/],
  ])('exits 1 naming file:line:column for %s, and still runs the other rules', (_name, file, text, reason) => {
    const run = runCli(['replay', R, '--rules', ruleDir({ [file]: text, 'nothing.yml': NOTHING })]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(reason);
    expect(run.stderr).toMatch(/native: \d+ rules: \d+ compiled/);
  });

  it('exits 5 when nothing matched but a segment had to be skipped', () => {
    const [rec, host] = copyFixture();
    truncateSync(join(host, FIXTURE_SEGMENTS[0]!), 1000);
    const run = runCli(['replay', rec, '--rules', ruleDir({ 'nothing.yml': NOTHING })]);
    expect(run.code, run.stderr).toBe(5);
    expect(run.stderr).toMatch(/warning: skipped .*seg-.*parquet/);
  });

  it('refuses a call without rules or IOC lists (usage, exit 2)', () => {
    const run = runCli(['replay', R]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--rules PATH\.\.\. and\/or --iocs PATH\.\.\./);
  });
});
