/**
 * The compile report for the CLI: how many Sigma rules compiled, and how many
 * were skipped by status and by reason. Pure; the CLI prints it.
 *
 * Reasons are grouped as written, except that an error's leading
 * `file:line:col: ` is dropped so the same mistake in two files counts once.
 */
import type { CompileResult, SkipStatus } from '../types.js';

/** Counts of one compile run. */
export interface CompileSummary {
  total: number;
  compiled: number;
  byStatus: Record<SkipStatus, number>;
  /** Skip reasons, most frequent first (ties by status, then reason). */
  reasons: { status: SkipStatus; reason: string; count: number }[];
}

const POSITION_PREFIX = /^[^\n]*?:\d+:\d+: /;

/** Count a compile result by status and by reason. */
export function summarizeCompile(result: CompileResult): CompileSummary {
  const byStatus: Record<SkipStatus, number> = { unsupported: 0, disabled: 0, error: 0 };
  const counts = new Map<string, { status: SkipStatus; reason: string; count: number }>();
  for (const rule of result.skipped) {
    byStatus[rule.status]++;
    const reason = rule.status === 'error' ? rule.reason.replace(POSITION_PREFIX, '') : rule.reason;
    const key = `${rule.status}\n${reason}`;
    const entry = counts.get(key) ?? { status: rule.status, reason, count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  const reasons = [...counts.values()].sort((a, b) => b.count - a.count || a.status.localeCompare(b.status) || a.reason.localeCompare(b.reason));
  return { total: result.compiled.length + result.skipped.length, compiled: result.compiled.length, byStatus, reasons };
}

/** The summary as report lines: a totals line, then one line per reason (`  3 unsupported: ...`). */
export function formatCompileSummary(summary: CompileSummary, limit = Infinity): string[] {
  const { byStatus } = summary;
  const lines = [`${summary.total} rules: ${summary.compiled} compiled, ${byStatus.unsupported} unsupported, ${byStatus.disabled} disabled, ${byStatus.error} error`];
  const width = String(summary.reasons[0]?.count ?? 0).length;
  for (const r of summary.reasons.slice(0, limit)) lines.push(`  ${String(r.count).padStart(width)} ${r.status}: ${r.reason}`);
  if (summary.reasons.length > limit) lines.push(`  ... ${summary.reasons.length - limit} more reasons`);
  return lines;
}
