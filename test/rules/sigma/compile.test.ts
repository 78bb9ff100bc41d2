/**
 * What compileSigmaFiles says about each rule: compiled with its metadata, or
 * skipped with the exact status and reason (and, for errors, the position).
 */
import { describe, expect, it } from 'vitest';
import { compileSigmaFiles } from '../../../src/rules/sigma/compile.js';
import { cidrProblem } from '../../../src/rules/sigma/detection.js';
import type { CompiledRule, SkippedRule } from '../../../src/rules/types.js';

/**
 * A rule file: the detection block starts on line 9, so a detection line
 * written first in `detection` is line 9 of the file.
 */
function ruleText(detection: string, options: { logsource?: string; top?: string } = {}): string {
  return [
    'title: Test rule',
    'id: 11111111-2222-3333-4444-555555555555',
    'author: Jane Doe',
    'level: High',
    'logsource:',
    ...(options.logsource ?? 'product: linux\ncategory: process_creation').split('\n').map((l) => `  ${l}`),
    'detection:',
    ...detection.split('\n').map((l) => `  ${l}`),
    options.top ?? '',
  ].join('\n');
}

function compileOne(text: string, path = 'rules/t.yml'): CompiledRule | SkippedRule {
  const result = compileSigmaFiles([{ path, text }]);
  expect(result.compiled.length + result.skipped.length).toBe(1);
  return result.compiled[0] ?? result.skipped[0]!;
}

describe('compileSigmaFiles', () => {
  it('carries the rule metadata into the compiled rule', () => {
    const rule = compileOne(ruleText('selection:\n  Image|endswith: /shred\ncondition: selection', { top: 'tags:\n  - attack.t1070\n  - attack.stealth' }));
    expect(rule).toMatchObject({
      source: 'sigma',
      id: '11111111-2222-3333-4444-555555555555',
      title: 'Test rule',
      severity: 'high',
      author: 'Jane Doe',
      tags: ['attack.t1070', 'attack.stealth'],
      position: { file: 'rules/t.yml', line: 1, column: 1 },
      match: { where: "(kind = 'exec') AND (coalesce(ends_with(lower(proc_exe), '/shred'), false))" },
      message: "'Test rule: ' || coalesce(proc_exe, '?') || ' ' || coalesce(proc_commandline, '')",
    });
  });

  const P = 'product: linux\ncategory: process_creation';
  const skipped: [string, string, { logsource?: string; top?: string }, SkippedRule['status'], string][] = [
    ['status: deprecated disables the rule', 'selection:\n  Image: /x\ncondition: selection', { top: 'status: deprecated' }, 'disabled', 'status: deprecated'],
    ['status: unsupported disables the rule', 'selection:\n  Image: /x\ncondition: selection', { top: 'status: unsupported' }, 'disabled', 'status: unsupported'],
    ['the audit log is not recorded', 'selection:\n  type: EXECVE\ncondition: selection', { logsource: 'product: linux\nservice: auditd' }, 'unsupported',
      'logsource service: auditd is not recorded (hindsight records syscalls through eBPF, not the audit log)'],
    ['sshd logs are not recorded', 'keywords:\n  - Accepted\ncondition: keywords', { logsource: 'product: linux\nservice: sshd' }, 'unsupported',
      'logsource service: sshd is not recorded (hindsight records syscalls through eBPF, not sshd logs)'],
    ['a product-only rule searches log lines', 'keywords:\n  - x\ncondition: keywords', { logsource: 'product: linux' }, 'unsupported',
      'logsource product: linux without category or service means log lines; hindsight records syscalls through eBPF, not log lines'],
    ['a Windows rule is not for this recorder', 'selection:\n  Image: x\ncondition: selection', { logsource: 'product: windows\ncategory: process_creation' }, 'unsupported',
      'logsource product: windows is not recorded (hindsight records Linux hosts)'],
    ['an unrecorded category is named', 'selection:\n  ImageLoaded: x\ncondition: selection', { logsource: 'product: linux\ncategory: image_load' }, 'unsupported',
      'logsource category: image_load is not recorded (recorded: process_creation, file_event, file_delete, file_change, network_connection, dns_query, dns)'],
    ['keywords in a recorded category are still log-line searches', 'keywords:\n  - whoami\ncondition: keywords', {}, 'unsupported',
      'detection keywords: keyword search (values without a field name) needs log lines; hindsight records syscalls, not log lines'],
    ['a field-less |all key is a keyword search', "keywords:\n  '|all':\n    - a\n    - b\ncondition: keywords", {}, 'unsupported',
      'detection key "|all": keyword search (values without a field name) needs log lines; hindsight records syscalls, not log lines'],
    ['a destination host name cannot be known from a connect row', 'selection:\n  DestinationHostname|endswith: .ngrok.io\ncondition: selection',
      { logsource: 'product: linux\ncategory: network_connection' }, 'unsupported',
      'field DestinationHostname is not recorded: a connect row holds only the IP address, and hindsight records DNS queries, not their answers, so the host name a connection went to is unknown'],
    ['PE version fields do not exist on Linux', 'selection:\n  OriginalFileName: x\ncondition: selection', {}, 'unsupported',
      'field OriginalFileName is not recorded: PE version information; Linux executables have none'],
    ['an unknown field is named with the category', 'selection:\n  Foo: x\ncondition: selection', {}, 'unsupported',
      'field Foo is not recorded for logsource category process_creation'],
    ['a file field is unknown to process_creation', 'selection:\n  TargetFilename: /x\ncondition: selection', {}, 'unsupported',
      'field TargetFilename is not recorded for logsource category process_creation'],
    ['an unsupported field in a negated filter still stops the rule', 'selection:\n  Image: /x\nfilter:\n  ParentUser: root\ncondition: selection and not filter', {}, 'unsupported',
      'field ParentUser is not recorded: rule_events holds the user of the acting process, not of its parent'],
    ['only SHA256 hashes are recorded', 'selection:\n  Hashes|contains: MD5=ABC\ncondition: selection', {}, 'unsupported',
      'field Hashes: only the SHA256 of executables is recorded, not MD5'],
    ['a lookahead regex is not RE2', "selection:\n  CommandLine|re: 'a(?=b)'\ncondition: selection", {}, 'unsupported',
      'field CommandLine: regex "a(?=b)" uses lookahead (?= at offset 1, which RE2 (DuckDB\'s regex engine) does not support'],
    ['an aggregation is not supported', 'selection:\n  Image: /x\ncondition: selection | count() by User > 3', {}, 'unsupported',
      'condition: aggregation (| ...) is not supported'],
    ['a correlation rule is not supported', 'selection:\n  Image: /x\ncondition: selection', { top: 'correlation:\n  type: event_count' }, 'unsupported',
      "correlation rule (aggregates other rules' matches over time) is not supported"],
    ['a condition syntax error points into the condition', 'selection:\n  Image: /x\ncondition: selection and )', {}, 'error',
      "rules/t.yml:11:28: unexpected ')', expected an identifier, \"not\", \"(\" or \"1 of\""],
    ['an unknown identifier points at itself', 'selection:\n  Image: /x\ncondition: selection or filter', {}, 'error',
      "rules/t.yml:11:27: unknown detection identifier 'filter'"],
    ['a quoted condition is positioned inside the quotes', "selection:\n  Image: /x\ncondition: 'not 1 of filt*'", {}, 'error',
      "rules/t.yml:11:24: no detection identifier matches 'filt*'"],
    ['a detection without condition is an error at the detection key', 'selection:\n  Image: /x', {}, 'error',
      'rules/t.yml:8:1: detection has no condition'],
    ['an unknown modifier is an error at its key', 'selection:\n  Image|endwith: /x\ncondition: selection', {}, 'error',
      'rules/t.yml:10:5: "Image|endwith": unknown modifier "endwith"'],
    ['a malformed regex is an error at the value', "selection:\n  CommandLine|re: '(ab'\ncondition: selection", {}, 'error',
      "rules/t.yml:10:21: field CommandLine: re \"(ab\": unbalanced '(' at offset 3"],
    ['a malformed CIDR block is an error', "selection:\n  DestinationIp|cidr: '10.0.0.0/33'\ncondition: selection",
      { logsource: 'product: linux\ncategory: network_connection' }, 'error', 'rules/t.yml:10:25: field DestinationIp: cidr "10.0.0.0/33": IPv4 prefix above 32'],
    ['a map inside a value list is an error', 'selection:\n  Image:\n    - a: b\ncondition: selection', {}, 'error',
      'rules/t.yml:11:9: field Image: a value must be a scalar, not a map'],
    ['exists needs a boolean', 'selection:\n  User|exists: maybe\ncondition: selection', {}, 'error',
      'rules/t.yml:10:18: field User: exists needs true or false, got "maybe"'],
  ];
  it.each(skipped)('%s', (_name, detection, options, status, reason) => {
    const rule = compileOne(ruleText(detection, { logsource: P, ...options }));
    expect(rule).toMatchObject({ source: 'sigma', id: '11111111-2222-3333-4444-555555555555', title: 'Test rule', status, reason });
  });

  it('reports a rule without a title as an error and names it by its file', () => {
    expect(compileOne('id: x\nlogsource:\n  product: linux\ndetection:\n  s:\n    Image: a\n  condition: s\n', 'a/b/untitled.yml'))
      .toMatchObject({ id: 'x', title: 'untitled.yml', status: 'error', reason: 'a/b/untitled.yml:1:1: rule has no title' });
  });

  it('reports a rule without a detection as an error', () => {
    expect(compileOne('title: t\nid: x\nlogsource:\n  product: linux\n')).toMatchObject({ status: 'error', reason: 'rules/t.yml:1:1: rule has no detection' });
  });

  it('names a rule without id by its file and line, and shows a rule without level as informational with a note', () => {
    const rule = compileOne('title: t\nauthor: a\nlogsource:\n  product: linux\n  category: process_creation\ndetection:\n  s:\n    Image: /a\n  condition: s\n', 'x.yml');
    expect(rule).toMatchObject({ id: 'x.yml:1', severity: 'informational', notes: ['rule has no level; shown as informational'] });
  });

  it('compiles a rule whose unused identifier has an unknown field (only what the condition uses counts)', () => {
    const rule = compileOne(ruleText('selection:\n  Image: /x\nunused:\n  Foo: y\ncondition: selection'));
    expect('match' in rule).toBe(true);
  });

  it('turns a file with a YAML error into one error and keeps compiling the other files', () => {
    const result = compileSigmaFiles([
      { path: 'broken.yml', text: 'title: t\ndetection:\n  sel: [a, b\n' },
      { path: 'good.yml', text: ruleText('selection:\n  Image: /x\ncondition: selection') },
    ]);
    expect(result.compiled.map((r) => r.position.file)).toEqual(['good.yml']);
    expect(result.skipped).toHaveLength(1);
    expect(result.skipped[0]).toMatchObject({ source: 'sigma', id: 'broken.yml', title: 'broken.yml', status: 'error', position: { file: 'broken.yml', line: 4, column: 1 } });
    expect(result.skipped[0]!.reason).toMatch(/^broken\.yml:4:1: YAML: /);
  });

  it('keeps the first of two rules with the same id and reports the second', () => {
    const text = ruleText('selection:\n  Image: /x\ncondition: selection');
    const result = compileSigmaFiles([{ path: 'one.yml', text }, { path: 'two.yml', text }]);
    expect(result.compiled.map((r) => r.position.file)).toEqual(['one.yml']);
    expect(result.skipped[0]).toMatchObject({
      status: 'error', reason: 'two.yml:1:1: duplicate rule id 11111111-2222-3333-4444-555555555555 (first defined at one.yml:1:1)',
    });
  });

  it('compiles each rule of a collection with the global document merged in', () => {
    const text = [
      'action: global', 'title: Shared title', 'author: A', 'logsource:', '  product: linux', '  category: process_creation', 'detection:', '  condition: selection',
      '---', 'id: one', 'detection:', '  selection:', '    Image: /a',
      '---', 'id: two', 'logsource:', '  service: auditd', 'detection:', '  selection:', '    type: EXECVE', '',
    ].join('\n');
    const result = compileSigmaFiles([{ path: 'c.yml', text }]);
    expect(result.compiled.map((r) => [r.id, r.title, r.author, r.position.line])).toEqual([['one', 'Shared title', 'A', 10]]);
    expect(result.skipped.map((r) => [r.id, r.status])).toEqual([['two', 'unsupported']]);
  });

  it('notes how file creation is inferred on file_event rules', () => {
    const rule = compileOne(ruleText('selection:\n  TargetFilename|startswith: /etc/cron.d/\ncondition: selection', { logsource: 'product: linux\ncategory: file_event' }));
    expect((rule as CompiledRule).notes).toEqual([
      'file_event: creation is inferred from open with O_CREAT or O_TRUNC (also true when the file already existed), rename, link, symlink and mkdir',
    ]);
  });
});

describe('cidrProblem', () => {
  const cases: [string, string, string | null][] = [
    ['an IPv4 block is accepted', '10.0.0.0/8', null],
    ['an IPv6 block with :: is accepted', 'fe80::/10', null],
    ['a full IPv6 address is accepted', '2001:db8:0:0:0:0:0:1/128', null],
    ['a missing prefix is refused', '10.0.0.0', 'expected address/prefix'],
    ['an IPv4 prefix above 32 is refused', '10.0.0.0/33', 'IPv4 prefix above 32'],
    ['an octet above 255 is refused', '10.0.0.256/32', 'IPv4 octet above 255'],
    ['an IPv6 prefix above 128 is refused', '::1/129', 'IPv6 prefix above 128'],
    ['two :: are refused', '1::2::3/64', "IPv6 address with more than one '::'"],
    ['a host name is refused', 'example.com/24', 'not an IPv4 or IPv6 address'],
    ['a short IPv6 address without :: is refused', '1:2:3/64', 'IPv6 address with the wrong number of groups'],
  ];
  it.each(cases)('%s', (_name, text, problem) => {
    expect(cidrProblem(text)).toBe(problem);
  });
});
