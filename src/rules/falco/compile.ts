/**
 * The Falco rules compiler: public Falco rule files, loaded unmodified, to
 * SQL over `rule_events` (formats/rule-events.md). Files apply in order as in
 * Falco (collect.ts); each rule is then, independently of the others:
 * - `error` when malformed (bad item, bad condition, unknown macro, a value
 *   of the wrong type), with the reason `file:line:col: ...`;
 * - `disabled` when `enabled: false`;
 * - `unsupported` when its source is not `syscall`, when none of its event
 *   types is recorded (`event type(s) X, Y not recorded`), or when it needs a
 *   field the recording lacks (`field k8s.ns.name is not recorded`);
 * - otherwise compiled: `where` is the condition with exceptions, every
 *   macro and list expanded, each leaf null-safe; `message` renders the
 *   output. Notes name unrecorded event types the rule also uses and the
 *   caveats of partly recorded ones.
 * A rule never compiles by dropping a part of its condition: only parts
 * whose value is decided (check.ts, condition-sql.ts) are folded away.
 */
import { sqlString } from '../../analyze/sql.js';
import type { CompileResult, CompiledRule, SkippedRule, SourcePosition } from '../types.js';
import type { Expr } from './ast.js';
import { collectDefinitions, type ListDef, type MacroDef, type RuleDef } from './collect.js';
import { compileExpr } from './condition-sql.js';
import { eventTypesOf, typeVerdict } from './event-types.js';
import { applyExceptions } from './exceptions.js';
import { ConditionError, Definitions } from './expand.js';
import { loadFalcoFile } from './load.js';
import { compileOutput } from './output.js';
import { ConditionSyntaxError, parseCondition } from './parse-condition.js';
import { SourceText } from './source-text.js';
import { kindsOfEventTypes } from '../kinds.js';

/** A compile result with the file-level notes (ignored keys, required versions). */
export interface FalcoCompileResult extends CompileResult {
  notes: string[];
}

/** How one condition compiles. */
export type ConditionResult =
  | { status: 'compiled'; where: string; notes: string[] }
  | { status: 'unsupported' | 'error'; reason: string };

/**
 * Compile Falco rules files applied in order (later files may append to or
 * override earlier lists, macros and rules).
 * @throws RuleFileError for a YAML syntax error or a file that is not a list.
 */
export function compileFalcoFiles(files: { path: string; text: string }[]): FalcoCompileResult {
  const loaded = files.map((f) => loadFalcoFile(f.path, f.text));
  const defs = collectDefinitions(loaded);
  const expander = new Definitions(defs.macros, defs.lists);
  const compiled: CompiledRule[] = [];
  const skipped: SkippedRule[] = [];
  for (const rule of defs.rules) {
    const r = compileRule(rule, expander);
    if ('match' in r) compiled.push(r);
    else skipped.push(r);
  }
  return { compiled, skipped, notes: defs.notes };
}

/**
 * Compile one condition, with optional lists and macros (for tests and
 * ad-hoc queries). Positions in reasons are `<condition>:1:<column>`.
 */
export function compileFalcoCondition(
  condition: string,
  definitions: { lists?: Record<string, string[]>; macros?: Record<string, string> } = {},
): ConditionResult {
  const at: SourcePosition = { file: '<definitions>', line: 1, column: 1 };
  const lists = new Map<string, ListDef>(Object.entries(definitions.lists ?? {}).map(([name, items]) => [
    name, { name, items: items.map((text) => ({ text, pos: at })), pos: at },
  ]));
  const macros = new Map<string, MacroDef>(Object.entries(definitions.macros ?? {}).map(([name, cond]) => [
    name, { name, condition: SourceText.inline(cond, `<macro ${name}>`), pos: at },
  ]));
  const r = compileCondition(SourceText.inline(condition), new Definitions(macros, lists));
  if (r.status !== 'compiled') return r;
  return { status: 'compiled', where: r.where, notes: r.notes };
}

type Compiled = { status: 'compiled'; where: string; notes: string[]; eventTypes: ReadonlySet<string>; limited: boolean };

function compileCondition(text: SourceText, defs: Definitions): Compiled | { status: 'unsupported' | 'error'; reason: string } {
  let expanded: Expr;
  try {
    expanded = defs.expand(parseCondition(text));
  } catch (e) {
    if (e instanceof ConditionSyntaxError || e instanceof ConditionError) return { status: 'error', reason: e.message };
    throw e;
  }
  const verdict = typeVerdict(eventTypesOf(expanded, defs));
  const notes = new Set<string>();
  let piece;
  try {
    piece = compileExpr(expanded, { defs, notes, eventTypes: verdict.recorded });
  } catch (e) {
    if (e instanceof ConditionError) return { status: 'error', reason: e.message };
    throw e;
  }
  if (verdict.limited && verdict.recorded.size === 0 && verdict.missing.length > 0) {
    return { status: 'unsupported', reason: `event type(s) ${verdict.missing.join(', ')} not recorded` };
  }
  if (piece.k === 'missing') {
    const what = [...new Set(piece.what)];
    return { status: 'unsupported', reason: what.length === 1 ? `field ${what[0]} is not recorded` : `fields ${what.join(', ')} are not recorded` };
  }
  const body = piece.k === 'const' ? (piece.value ? 'true' : 'false') : piece.sql;
  const where = verdict.limited ? body : `(kind <> ${sqlString('tcp_state')} AND ${body})`;
  const allNotes = [
    ...(verdict.missing.length > 0 ? [`event type(s) ${verdict.missing.join(', ')} not recorded`] : []),
    ...verdict.notes,
    ...notes,
    ...(piece.k === 'const' ? [`the condition is always ${piece.value} on recorded events`] : []),
  ];
  return { status: 'compiled', where, notes: allNotes, eventTypes: verdict.recorded, limited: verdict.limited };
}

function compileRule(rule: RuleDef, defs: Definitions): CompiledRule | SkippedRule {
  const skip = (status: SkippedRule['status'], reason: string): SkippedRule =>
    ({ source: 'falco', id: rule.name, title: rule.name, position: rule.pos, status, reason });
  if (rule.error !== undefined) return skip('error', rule.error);
  if (rule.source !== 'syscall') return skip(rule.enabled ? 'unsupported' : 'disabled', rule.enabled ? `source ${rule.source} is not recorded` : 'enabled: false');
  if (rule.condition === undefined) return skip('error', 'no condition');
  let text: SourceText;
  try {
    text = applyExceptions(rule.condition, rule.exceptions, rule.pos);
  } catch (e) {
    return skip('error', (e as Error).message);
  }
  let r: ReturnType<typeof compileCondition>;
  try {
    r = compileCondition(text, defs);
  } catch (e) {
    // A value SQL cannot hold (a NUL byte, refused by sqlString) stops this rule only.
    return skip('error', `${rule.pos.file}:${rule.pos.line}:${rule.pos.column}: ${(e as Error).message}`);
  }
  if (r.status === 'error') return skip('error', r.reason);
  if (!rule.enabled) return skip('disabled', 'enabled: false');
  if (r.status !== 'compiled') return skip('unsupported', r.reason);
  const compiled: CompiledRule = {
    source: 'falco',
    id: rule.name,
    title: rule.name,
    severity: rule.priority,
    tags: rule.tags,
    position: rule.pos,
    match: { where: r.where },
    message: compileOutput(rule.output?.text ?? '', { eventTypes: r.eventTypes, partial: true }),
  };
  if (r.notes.length > 0) compiled.notes = r.notes;
  const kinds = r.limited ? kindsOfEventTypes(r.eventTypes) : null;
  if (kinds !== null) compiled.kinds = kinds;
  return compiled;
}
