/**
 * The compile report: counts by status, reasons grouped (positions dropped
 * from errors), most frequent first.
 */
import { describe, expect, it } from 'vitest';
import { formatCompileSummary, summarizeCompile } from '../../../src/rules/sigma/report.js';
import type { CompileResult, SkippedRule } from '../../../src/rules/types.js';

const skipped = (status: SkippedRule['status'], reason: string, file = 'a.yml'): SkippedRule => ({
  source: 'sigma', id: `${file}-${reason}`, title: 't', position: { file, line: 1, column: 1 }, status, reason,
});

describe('summarizeCompile', () => {
  const result: CompileResult = {
    compiled: [],
    skipped: [
      skipped('error', "a.yml:3:14: unexpected ')'", 'a.yml'),
      skipped('error', "dir/b:c.yml:9:2: unexpected ')'", 'dir/b:c.yml'),
      skipped('unsupported', 'field X is not recorded'),
      skipped('disabled', 'status: deprecated'),
      skipped('disabled', 'status: deprecated'),
      skipped('disabled', 'status: deprecated'),
    ],
  };

  it('counts rules by status', () => {
    expect(summarizeCompile(result)).toMatchObject({ total: 6, compiled: 0, byStatus: { disabled: 3, error: 2, unsupported: 1 } });
  });

  it('groups errors by their reason without the position, most frequent first', () => {
    expect(summarizeCompile(result).reasons).toEqual([
      { status: 'disabled', reason: 'status: deprecated', count: 3 },
      { status: 'error', reason: "unexpected ')'", count: 2 },
      { status: 'unsupported', reason: 'field X is not recorded', count: 1 },
    ]);
  });

  const formats: [string, number, string[]][] = [
    ['every reason is listed without a limit', Infinity, [
      '6 rules: 0 compiled, 1 unsupported, 3 disabled, 2 error',
      '  3 disabled: status: deprecated',
      "  2 error: unexpected ')'",
      '  1 unsupported: field X is not recorded',
    ]],
    ['a limit lists the most frequent and counts the rest', 1, [
      '6 rules: 0 compiled, 1 unsupported, 3 disabled, 2 error',
      '  3 disabled: status: deprecated',
      '  ... 2 more reasons',
    ]],
  ];
  it.each(formats)('formats: %s', (_name, limit, lines) => {
    expect(formatCompileSummary(summarizeCompile(result), limit)).toEqual(lines);
  });

  it('an empty result is one totals line', () => {
    expect(formatCompileSummary(summarizeCompile({ compiled: [], skipped: [] }))).toEqual(['0 rules: 0 compiled, 0 unsupported, 0 disabled, 0 error']);
  });
});
