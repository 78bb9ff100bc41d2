/**
 * An expanded condition tree to one SQL boolean, folding constants exactly:
 * `and` with a false operand is false, `or` with a true one is true, `not`
 * flips a constant. A check on a field the recording lacks makes the whole
 * condition missing, unless folding shows the check cannot change the
 * result (`container.image.repository in (empty_list)` is false whatever the
 * image; a branch under `evt.type = recvfrom` never runs since no such row
 * exists). Nothing that could change the answer is ever dropped.
 *
 * Below an `and`, checks are compiled for the event types that `and` can
 * match (its rows of other types fail it whatever the checks say), so
 * `open_write and evt.arg.flags contains O_TRUNC` needs open's flags only,
 * even in a rule that also matches renames.
 */
import type { Expr } from './ast.js';
import { compileCheck, type CheckContext, type Piece } from './check.js';
import { eventTypesOf } from './event-types.js';

/** Compile `e` (macros already expanded). Throws ConditionError for a malformed check. */
export function compileExpr(e: Expr, ctx: CheckContext): Piece {
  switch (e.kind) {
    case 'const':
      return { k: 'const', value: e.value };
    case 'unary':
    case 'binary':
      return compileCheck(e, ctx);
    case 'not': {
      const c = compileExpr(e.child, ctx);
      if (c.k === 'const') return { k: 'const', value: !c.value };
      if (c.k === 'missing') return c;
      return { k: 'sql', sql: `(NOT ${c.sql})` };
    }
    case 'and':
    case 'or': {
      const dominant = e.kind === 'or';
      const inner = dominant ? ctx : narrow(e, ctx);
      const pieces = e.children.map((c) => compileExpr(c, inner));
      if (pieces.some((p) => p.k === 'const' && p.value === dominant)) return { k: 'const', value: dominant };
      const missing = pieces.flatMap((p) => (p.k === 'missing' ? p.what : []));
      if (missing.length > 0) return { k: 'missing', what: [...new Set(missing)] };
      const sqls = pieces.flatMap((p) => (p.k === 'sql' ? [p.sql] : []));
      if (sqls.length === 0) return { k: 'const', value: !dominant };
      return { k: 'sql', sql: sqls.length === 1 ? sqls[0]! : `(${sqls.join(dominant ? ' OR ' : ' AND ')})` };
    }
    case 'macro':
      throw new Error(`falco: macro ${e.name} was not expanded before compiling`);
  }
}

/** The context of an `and`'s operands: the event types the `and` can match. */
function narrow(e: Expr, ctx: CheckContext): CheckContext {
  const t = eventTypesOf(e, ctx.defs);
  const eventTypes = new Set([...ctx.eventTypes].filter((x) => (t.all ? !t.except.has(x) : t.only.has(x))));
  return eventTypes.size === ctx.eventTypes.size ? ctx : { ...ctx, eventTypes };
}
