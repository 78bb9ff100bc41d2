/**
 * Macro and list expansion. Macros are parsed on first use (a broken macro
 * only breaks the rules that use it) and substituted for their identifiers,
 * recursively; an identifier that names no macro, a macro that uses itself,
 * or a macro that does not parse is a ConditionError located where the problem
 * is written. Lists are expanded where Falco substitutes them: a bare value
 * inside a value list (`in (shell_binaries, sh)`) or a bare name after a list
 * operator (`in shell_binaries`); list items that name lists expand in turn.
 * Quoted values never name a list.
 */
import type { SourcePosition } from '../types.js';
import type { Expr, ValueOperand } from './ast.js';
import type { ListDef, MacroDef } from './collect.js';
import { ConditionSyntaxError, parseCondition, readListItem } from './parse-condition.js';
import { formatPosition } from './source-text.js';

/** A problem that makes a rule malformed (unknown macro, bad value for a field): `file:line:col: detail`. */
export class ConditionError extends Error {
  constructor(readonly position: SourcePosition, readonly detail: string) {
    super(`${formatPosition(position)}: ${detail}`);
    this.name = 'ConditionError';
  }
}

/** A value after list expansion. */
export interface ListValue { text: string; pos: SourcePosition }

/** Macros and lists by name, with parsed macro conditions cached. */
export class Definitions {
  private readonly parsed = new Map<string, Expr | Error>();

  constructor(
    readonly macros: ReadonlyMap<string, MacroDef>,
    readonly lists: ReadonlyMap<string, ListDef>,
  ) {}

  /** `expr` with every macro identifier replaced by the macro's condition. */
  expand(expr: Expr, stack: string[] = []): Expr {
    switch (expr.kind) {
      case 'and':
      case 'or':
        return { ...expr, children: expr.children.map((c) => this.expand(c, stack)) };
      case 'not':
        return { ...expr, child: this.expand(expr.child, stack) };
      case 'macro':
        return this.expand(this.macro(expr.name, expr.pos, stack), [...stack, expr.name]);
      default:
        return expr;
    }
  }

  private macro(name: string, pos: SourcePosition, stack: string[]): Expr {
    const def = this.macros.get(name);
    if (def === undefined) throw new ConditionError(pos, `undefined macro '${name}'`);
    if (stack.includes(name)) throw new ConditionError(pos, `macro '${name}' uses itself (${[...stack, name].join(' -> ')})`);
    if (def.error !== undefined) throw new ConditionError(pos, `macro '${name}' is malformed: ${def.error}`);
    let cached = this.parsed.get(name);
    if (cached === undefined) {
      try {
        cached = parseCondition(def.condition);
      } catch (e) {
        if (!(e instanceof ConditionSyntaxError)) throw e;
        cached = new ConditionError(e.position, `${e.detail} (in macro '${name}')`);
      }
      this.parsed.set(name, cached);
    }
    if (cached instanceof Error) throw cached;
    return cached;
  }

  /** The values of a list operand, named lists expanded (recursively, in order). */
  listValues(items: ValueOperand[]): ListValue[] {
    const out: ListValue[] = [];
    for (const item of items) this.pushValue(item.text, item.bare, item.pos, out, []);
    return out;
  }

  private pushValue(text: string, bare: boolean, pos: SourcePosition, out: ListValue[], stack: string[]): void {
    const list = bare ? this.lists.get(text) : undefined;
    if (list === undefined || stack.includes(text)) {
      out.push({ text, pos });
      return;
    }
    if (list.error !== undefined) throw new ConditionError(pos, `list '${text}' is malformed: ${list.error}`);
    for (const item of list.items) {
      const v = readListItem(item.text);
      this.pushValue(v.text, v.bare, item.pos, out, [...stack, text]);
    }
  }
}
