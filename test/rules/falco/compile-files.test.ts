/**
 * Rules files applied in order: appends, overrides, exceptions, enabling,
 * sources, and per-rule errors with file positions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckSession } from '../../../src/analyze/session.js';
import { compileFalcoFiles } from '../../../src/rules/falco/compile.js';
import { RuleFileError, type CompiledRule } from '../../../src/rules/types.js';
import { createRuleEvents, type RuleEventRow } from '../../helpers/rule-table.js';

let session: DuckSession;
beforeAll(async () => {
  session = await DuckSession.open();
});
afterAll(() => session.close());

const BASE = `
- required_engine_version: 0.57.0
- required_plugin_versions:
    - name: container
      version: 0.4.0
- list: shell_binaries
  items: [bash, sh]
- macro: spawned_process
  condition: evt.type in (execve, execveat)
- macro: shell_procs
  condition: proc.name in (shell_binaries)
- rule: Shell spawned
  desc: a shell
  condition: >
    spawned_process
    and shell_procs
  output: "Shell %proc.name"
  priority: WARNING
  tags: [host, shell]
- rule: Other
  desc: other
  condition: spawned_process and proc.name = other
  output: other
  priority: INFO
`;

const exec = (proc_name: string, r: RuleEventRow = {}): RuleEventRow => ({ kind: 'exec', syscall: 'execve', proc_name, ...r });

async function matches(rule: CompiledRule | undefined, rows: RuleEventRow[]): Promise<number[]> {
  if (!rule || !('where' in rule.match)) throw new Error('rule not compiled');
  await createRuleEvents(session, rows);
  return (await session.query(`SELECT rid FROM rule_events WHERE ${rule.match.where} ORDER BY rid`)).map((r) => Number(r.rid));
}

function compile(...texts: string[]) {
  return compileFalcoFiles(texts.map((text, i) => ({ path: `f${i + 1}.yaml`, text })));
}

describe('compileFalcoFiles', () => {
  it('compiles a rule with its id, title, severity, tags and the position of its rule key', () => {
    const r = compile(BASE);
    const rule = r.compiled.find((c) => c.id === 'Shell spawned')!;
    expect(rule).toMatchObject({
      source: 'falco', id: 'Shell spawned', title: 'Shell spawned', severity: 'warning', tags: ['host', 'shell'],
      position: { file: 'f1.yaml', line: 12, column: 3 },
    });
    expect(r.notes).toEqual([
      'f1.yaml:2:3: required_engine_version 0.57.0 noted; hindsight compiles the rules itself',
      'f1.yaml:3:3: required_plugin_versions ignored: plugins are not loaded; their fields are reported per rule',
    ]);
  });

  it.each<[string, string, RuleEventRow[], number[]]>([
    ['a later file appends items to a list', '- list: shell_binaries\n  items: [zsh]\n  append: true',
      [exec('bash'), exec('zsh'), exec('fish')], [1, 2]],
    ['override items: replace swaps a list', '- list: shell_binaries\n  items: [fish]\n  override:\n    items: replace',
      [exec('bash'), exec('fish')], [2]],
    ['a later definition of a macro replaces it', '- macro: shell_procs\n  condition: proc.name = fish',
      [exec('bash'), exec('fish')], [2]],
    ['override condition: append extends a macro as text', '- macro: shell_procs\n  condition: or proc.name = fish\n  override:\n    condition: append',
      [exec('bash'), exec('fish'), exec('python')], [1, 2]],
    ['append: true extends a rule condition as text', '- rule: Shell spawned\n  condition: and proc.pname = nginx\n  append: true',
      [exec('bash', { parent_name: 'nginx' }), exec('bash', { parent_name: 'sshd' })], [1]],
    ['override condition: replace swaps a rule condition', '- rule: Shell spawned\n  condition: spawned_process and proc.name = fish\n  override:\n    condition: replace',
      [exec('bash'), exec('fish')], [2]],
    ['exceptions exclude matching tuples of several fields', `
- rule: Shell spawned
  exceptions:
    - name: known
      fields: [proc.pname, proc.name]
      comps: [=, in]
      values:
        - [cron, [sh, bash]]
        - [make, shell_binaries]
  override:
    exceptions: append`,
    [exec('bash', { parent_name: 'cron' }), exec('sh', { parent_name: 'make' }), exec('bash', { parent_name: 'nginx' })], [3]],
    ['a single-field exception defaults to in', `
- rule: Shell spawned
  exceptions:
    - name: parents
      fields: proc.pname
      values: [cron, "puma reactor"]
  append: true`,
    [exec('bash', { parent_name: 'cron' }), exec('bash', { parent_name: 'puma reactor' }), exec('bash', { parent_name: 'nginx' })], [3]],
  ])('%s', async (_name, second, rows, want) => {
    const r = compile(BASE, second);
    expect(r.skipped.filter((s) => s.status === 'error')).toEqual([]);
    expect(await matches(r.compiled.find((c) => c.id === 'Shell spawned'), rows)).toEqual(want);
  });

  it('a later file adds values to an exception defined by an earlier one', async () => {
    const first = `${BASE}
- rule: Shell spawned
  exceptions:
    - name: parents
      fields: [proc.pname]
      values: [[cron]]
  override:
    exceptions: append`;
    const second = '- rule: Shell spawned\n  exceptions:\n    - name: parents\n      values: [[make]]\n  override:\n    exceptions: append';
    const r = compile(first, second);
    const rows = [exec('bash', { parent_name: 'cron' }), exec('bash', { parent_name: 'make' }), exec('bash', { parent_name: 'nginx' })];
    expect(await matches(r.compiled.find((c) => c.id === 'Shell spawned'), rows)).toEqual([3]);
  });

  it.each<[string, string, string, string]>([
    ['a rule item holding only enabled: false disables an earlier rule', '- rule: Other\n  enabled: false', 'disabled', 'enabled: false'],
    ['override enabled: replace disables a rule', '- rule: Other\n  enabled: false\n  override:\n    enabled: replace', 'disabled', 'enabled: false'],
    ['a rule of another source is unsupported, naming the source',
      '- rule: Other\n  desc: d\n  condition: ka.verb = create\n  output: o\n  priority: INFO\n  source: k8s_audit', 'unsupported', 'source k8s_audit is not recorded'],
    ['a rule without an output is an error at its position', '- rule: Other\n  desc: d\n  condition: spawned_process\n  priority: INFO',
      'error', 'f2.yaml:1:3: rule Other: no output'],
    ['an invalid priority is an error at the value', '- rule: Other\n  desc: d\n  condition: spawned_process\n  output: o\n  priority: LOUD',
      'error', 'f2.yaml:5:13: invalid priority "LOUD"'],
    ['append to a rule that does not exist is an error', '- rule: Nope\n  condition: and x\n  append: true', 'error', 'f2.yaml:1:3: rule Nope: append to a rule that is not defined'],
    ['an override key absent from the item is an error', '- rule: Other\n  override:\n    condition: append', 'error', 'override names condition but the item has no condition'],
  ])('%s', (_name, second, status, reason) => {
    const r = compile(BASE, second);
    const id = second.split('\n')[0]!.replace('- rule: ', '');
    const s = r.skipped.find((x) => x.id === id);
    expect(s).toMatchObject({ status, reason: expect.stringContaining(reason) });
    expect(r.compiled.map((c) => c.id)).toContain('Shell spawned');
  });

  it('reports a bad condition at its file line and column, inside a folded block', () => {
    const text = `- rule: Broken
  desc: d
  condition: >
    evt.type = execve
    and proc.name in (a, b
  output: o
  priority: INFO
- rule: Fine
  desc: d
  condition: evt.type = execve
  output: o
  priority: INFO`;
    const r = compileFalcoFiles([{ path: 'rules.yaml', text }]);
    expect(r.skipped).toEqual([{
      source: 'falco', id: 'Broken', title: 'Broken', position: { file: 'rules.yaml', line: 1, column: 3 },
      status: 'error', reason: "rules.yaml:5:27: expected ',' or ')' in the value list",
    }]);
    expect(r.compiled.map((c) => c.id)).toEqual(['Fine']);
  });

  it('reports an unknown macro where it is used, and a broken macro where it is broken', () => {
    const text = `- macro: bad
  condition: proc.name = (x
- rule: Uses unknown
  desc: d
  condition: evt.type = execve and not_defined
  output: o
  priority: INFO
- rule: Uses bad
  desc: d
  condition: evt.type = execve and bad
  output: o
  priority: INFO`;
    const r = compileFalcoFiles([{ path: 'm.yaml', text }]);
    expect(r.skipped.map((s) => [s.id, s.status, s.reason])).toEqual([
      ['Uses unknown', 'error', "m.yaml:5:36: undefined macro 'not_defined'"],
      ['Uses bad', 'error', "m.yaml:2:26: expected a value (in macro 'bad')"],
    ]);
  });

  it('reports a list appended before it is defined on the rules that use it', () => {
    const r = compile('- list: l\n  items: [a]\n  append: true\n- rule: R\n  desc: d\n  condition: evt.type = execve and proc.name in (l)\n  output: o\n  priority: INFO');
    expect(r.skipped[0]).toMatchObject({ id: 'R', status: 'error', reason: expect.stringContaining("list 'l' is malformed: f1.yaml:1:3: list l: append to a list that is not defined") });
  });

  it('replaces a rule defined twice, keeping its place and taking the new position', () => {
    const r = compile(BASE, '- rule: Shell spawned\n  desc: again\n  condition: spawned_process\n  output: o\n  priority: ERROR');
    expect(r.compiled.map((c) => [c.id, c.severity, c.position.file])).toEqual([['Shell spawned', 'error', 'f2.yaml'], ['Other', 'info', 'f1.yaml']]);
  });

  it.each([
    ['a YAML syntax error', '- rule: x\n  tags: [a, b\n- rule: y', /^bad\.yaml:\d+:\d+: falco: YAML syntax error: /],
    ['a file that is a mapping, not a list', 'rule: x\n', /^bad\.yaml:1:1: falco: a rules file must be a YAML list/],
  ])('throws RuleFileError with the position for %s', (_name, text, want) => {
    let err: unknown;
    try {
      compileFalcoFiles([{ path: 'bad.yaml', text }]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RuleFileError);
    expect((err as Error).message).toMatch(want);
  });

  it('gives the YAML error position exactly', () => {
    const err = (() => {
      try {
        compileFalcoFiles([{ path: 'bad.yaml', text: '- rule: a\n  desc: a: b\n' }]);
      } catch (e) {
        return e as RuleFileError;
      }
      return undefined;
    })();
    expect(err?.position).toEqual({ file: 'bad.yaml', line: 2, column: 9 });
    expect(err?.message).toBe('bad.yaml:2:9: falco: YAML syntax error: Nested mappings are not allowed in compact mappings');
  });
});
