import { describe, expect, it } from 'vitest';
import { formatSummary, summarizeCompile } from '../../../src/rules/falco/report.js';
import type { CompileResult, SkippedRule } from '../../../src/rules/types.js';

const pos = { file: 'r.yaml', line: 1, column: 3 };
const skip = (id: string, status: SkippedRule['status'], reason: string): SkippedRule => ({ source: 'falco', id, title: id, position: pos, status, reason });
const RESULT: CompileResult = {
  compiled: [
    { source: 'falco', id: 'A', title: 'A', severity: 'notice', tags: [], position: pos, match: { where: 'true' }, message: "''" },
    { source: 'falco', id: 'B', title: 'B', severity: 'notice', tags: [], position: pos, match: { where: 'true' }, message: "''", notes: ['event type(s) dup not recorded'] },
  ],
  skipped: [
    skip('C', 'unsupported', 'field k8s.ns.name is not recorded'),
    skip('D', 'unsupported', 'fields k8s.ns.name, proc.env are not recorded'),
    skip('E', 'unsupported', 'event type(s) dup, dup2 not recorded'),
    skip('F', 'unsupported', 'source k8s_audit is not recorded'),
    skip('G', 'disabled', 'enabled: false'),
    skip('H', 'error', "a.yaml:3:5: undefined macro 'x'"),
    skip('I', 'error', "b.yaml:9:1: undefined macro 'x'"),
  ],
};

describe('summarizeCompile', () => {
  it('counts rules by status', () => {
    expect(summarizeCompile(RESULT)).toMatchObject({ total: 9, compiled: 2, unsupported: 4, disabled: 1, error: 2, withNotes: 1 });
  });

  it('groups reasons, errors without their position, most frequent first, ties by reason', () => {
    expect(summarizeCompile(RESULT).reasons.slice(0, 3)).toEqual([
      { status: 'error', reason: "undefined macro 'x'", count: 2 },
      { status: 'disabled', reason: 'enabled: false', count: 1 },
      { status: 'unsupported', reason: 'event type(s) dup, dup2 not recorded', count: 1 },
    ]);
  });

  it('counts each missing field, event type and source once per rule it stops', () => {
    expect(summarizeCompile(RESULT).missing).toEqual([
      { item: 'field k8s.ns.name', count: 2 },
      { item: 'event type dup', count: 1 },
      { item: 'event type dup2', count: 1 },
      { item: 'field proc.env', count: 1 },
      { item: 'source k8s_audit', count: 1 },
    ]);
  });

  it('formats the summary as report lines', () => {
    expect(formatSummary(summarizeCompile(RESULT), 2)).toEqual([
      '9 rules: 2 compiled, 4 unsupported, 1 disabled, 2 error',
      'not recorded (rules stopped):',
      '  field k8s.ns.name: 2',
      '  event type dup: 1',
      'errors:',
      "  undefined macro 'x': 2",
    ]);
  });
});
