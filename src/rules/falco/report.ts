/**
 * A summary of a compile for the CLI's compile report: counts by status,
 * the skip reasons with how many rules each stopped (error reasons without
 * their `file:line:col:` prefix, so equal problems group), and for
 * unsupported rules each missing field or event type counted once per rule
 * it stops. Pure: it formats nothing and prints nothing.
 */
import type { CompileResult } from '../types.js';

export interface CompileSummary {
  total: number;
  compiled: number;
  unsupported: number;
  disabled: number;
  error: number;
  /** Skip reasons, most frequent first (ties by reason). */
  reasons: { status: 'unsupported' | 'disabled' | 'error'; reason: string; count: number }[];
  /** Missing fields (`field k8s.ns.name`), event types (`event type dup`) and sources, most frequent first. */
  missing: { item: string; count: number }[];
  /** Compiled rules that carry notes. */
  withNotes: number;
}

/** Summarise `result`. */
export function summarizeCompile(result: CompileResult): CompileSummary {
  const reasons = new Map<string, { status: 'unsupported' | 'disabled' | 'error'; reason: string; count: number }>();
  const missing = new Map<string, number>();
  for (const s of result.skipped) {
    const reason = s.status === 'error' ? s.reason.replace(/^[^:]*:\d+:\d+: /, '') : s.reason;
    const key = `${s.status}\u0000${reason}`;
    const r = reasons.get(key) ?? { status: s.status, reason, count: 0 };
    r.count++;
    reasons.set(key, r);
    if (s.status === 'unsupported') for (const item of missingItems(s.reason)) missing.set(item, (missing.get(item) ?? 0) + 1);
  }
  const count = (status: string): number => result.skipped.filter((s) => s.status === status).length;
  const byCount = <T extends { count: number }>(a: T & { key: string }, b: T & { key: string }): number => b.count - a.count || a.key.localeCompare(b.key);
  return {
    total: result.compiled.length + result.skipped.length,
    compiled: result.compiled.length,
    unsupported: count('unsupported'),
    disabled: count('disabled'),
    error: count('error'),
    reasons: [...reasons.values()].map((r) => ({ ...r, key: r.reason })).sort(byCount).map(({ key: _k, ...r }) => r),
    missing: [...missing].map(([item, n]) => ({ item, count: n, key: item })).sort(byCount).map(({ key: _k, ...r }) => r),
    withNotes: result.compiled.filter((c) => (c.notes?.length ?? 0) > 0).length,
  };
}

/** The summary as report lines (the CLI prints them). */
export function formatSummary(s: CompileSummary, top = 10): string[] {
  const lines = [`${s.total} rules: ${s.compiled} compiled, ${s.unsupported} unsupported, ${s.disabled} disabled, ${s.error} error`];
  if (s.missing.length > 0) {
    lines.push('not recorded (rules stopped):');
    for (const m of s.missing.slice(0, top)) lines.push(`  ${m.item}: ${m.count}`);
  }
  const errors = s.reasons.filter((r) => r.status === 'error');
  if (errors.length > 0) {
    lines.push('errors:');
    for (const r of errors.slice(0, top)) lines.push(`  ${r.reason}: ${r.count}`);
  }
  return lines;
}

/** The fields, event types or source named by an unsupported reason. */
function missingItems(reason: string): string[] {
  let m = /^fields? (.*?) (?:is|are) not recorded$/.exec(reason);
  if (m) return m[1]!.split(', ').map((f) => `field ${f}`);
  m = /^event type\(s\) (.*) not recorded$/.exec(reason);
  if (m) return m[1]!.split(', ').map((t) => `event type ${t}`);
  m = /^source (.*) is not recorded$/.exec(reason);
  if (m) return [`source ${m[1]}`];
  return [reason];
}

