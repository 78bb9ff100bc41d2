/**
 * One Falco check (`<field> <op> <value>`, `<field> exists`) to SQL. The
 * result is a constant when the answer does not depend on the row (`in ()`
 * is false; `evt.num=0` is false since event numbers start at 1; `evt.dir=<`
 * is true; an `evt.type` test naming only unrecorded types is false), a
 * missing field (the rule cannot run), or a predicate wrapped in
 * `coalesce(..., false)` so that a field that is not present fails every
 * comparison and `not` of it holds, as in Falco. Values are checked against
 * the field's type (numbers, booleans, IP addresses, CIDR networks) the way
 * Falco rejects them: a bad value or operator is a ConditionError. Addresses
 * and networks compare through `hs_cidr_contains` (an address is a one-host
 * network), which also equates IPv4 with IPv4-mapped IPv6 text.
 * String operators never use LIKE: contains(), starts_with(), ends_with(),
 * lower(), GLOB or an anchored regex (glob.ts), and every literal goes
 * through sqlString.
 */
import { sqlString } from '../../analyze/sql.js';
import { LIST_OPS, fieldText, type BinaryCheck, type BinaryOp, type FieldOperand, type UnaryCheck } from './ast.js';
import { evtTypeValues } from './event-types.js';
import { ConditionError, type Definitions, type ListValue } from './expand.js';
import { resolveField, type FieldContext, type FieldResolution, type FieldType } from './fields.js';
import { globSql } from './glob.js';
import { canonicalCidr, canonicalIp } from './ip.js';
import { EVT_TYPE_SQL, eventTypeTestSql } from './render-sql.js';

const q = sqlString;

/** The SQL of a check, or why it has none. */
export type Piece =
  | { k: 'const'; value: boolean }
  | { k: 'sql'; sql: string }
  | { k: 'missing'; what: string[] };

/** What compiling a check needs: lists, the rule's recorded event types, and a place for notes. */
export interface CheckContext extends FieldContext {
  defs: Definitions;
  notes: Set<string>;
}

/** SQL name of the `hs_cidr_contains(cidr VARCHAR, ip VARCHAR) -> BOOLEAN` macro (src/rules/ip-sql.ts). */
export const CIDR_CONTAINS = 'hs_cidr_contains';

const NUMERIC_OPS: ReadonlySet<BinaryOp> = new Set(['=', '!=', '<', '<=', '>', '>=', 'in', 'intersects']);
const EQUALITY_OPS: ReadonlySet<BinaryOp> = new Set(['=', '!=', 'in', 'intersects']);

const wrap = (sql: string): Piece => ({ k: 'sql', sql: `coalesce(${sql}, false)` });
const constant = (value: boolean): Piece => ({ k: 'const', value });

/** Compile one check. */
export function compileCheck(e: UnaryCheck | BinaryCheck, ctx: CheckContext): Piece {
  if (e.kind === 'binary' && LIST_OPS.has(e.op) && e.value.kind !== 'fieldvalue' && valuesOf(e, ctx.defs).length === 0) return constant(false);
  const field = resolveOperand(e.field, ctx);
  if (field.kind === 'missing') return { k: 'missing', what: [field.what] };
  if (field.kind === 'invalid') throw new ConditionError(e.field.pos, field.reason);
  if (field.kind === 'scalar' && field.notes) for (const n of field.notes) ctx.notes.add(n);
  const name = fieldText(e.field);
  if (e.kind === 'unary') return exists(field);
  if (field.kind === 'evttype') return evtType(e, ctx);
  if (e.value.kind === 'fieldvalue') return versusField(e, field, ctx);
  const values = valuesOf(e, ctx.defs);
  switch (field.kind) {
    case 'positive':
      return positive(e.op, values.map((v) => literalNumber(v, name)));
    case 'const':
      return constOp(e.op, field.value, values, name, e);
    case 'scalar':
      return wrap(predicate(field.sql, field.type, e.op, values, name, e));
    case 'any': {
      const lits = values.map((v) => literal(field.type, v, name));
      if (e.op === '=' && field.type !== 'net') return wrap(`list_contains(${field.list}, ${lits[0]})`);
      if ((e.op === 'in' || e.op === 'intersects') && field.type !== 'net') return wrap(`list_has_any(${field.list}, [${lits.join(', ')}])`);
      return wrap(`len(list_filter(${field.list}, lambda anc: coalesce(${predicate('anc', field.type, e.op, values, name, e)}, false))) > 0`);
    }
    case 'either': {
      if (e.op === '!=') {
        const each = field.sqls.map((x) => `coalesce(NOT ${predicate(x, field.type, '=', values, name, e)}, true)`);
        return wrap(`(${each.join(' AND ')} AND (${field.sqls.map((x) => `${x} IS NOT NULL`).join(' OR ')}))`);
      }
      return wrap(`(${field.sqls.map((x) => `coalesce(${predicate(x, field.type, e.op, values, name, e)}, false)`).join(' OR ')})`);
    }
  }
}

/** A field operand with its transformers applied. */
function resolveOperand(f: FieldOperand, ctx: FieldContext): FieldResolution {
  if (f.kind === 'field') return resolveField(f, ctx);
  const inner = resolveOperand(f.child, ctx);
  if (inner.kind === 'missing' || inner.kind === 'invalid') return inner;
  if (f.fn === 'b64') return { kind: 'missing', what: `${fieldText(f)} (the b64 transformer)` };
  if (inner.kind !== 'scalar' || inner.type !== 'string') return { kind: 'invalid', reason: `transformer ${f.fn} needs a string field, got ${fieldText(f.child)}` };
  const sql = f.fn === 'tolower' ? `lower(${inner.sql})` : f.fn === 'toupper' ? `upper(${inner.sql})` : `regexp_extract(${inner.sql}, ${q('[^/]*$')})`;
  return { kind: 'scalar', type: 'string', sql };
}

function exists(field: FieldResolution): Piece {
  switch (field.kind) {
    case 'scalar': return wrap(`${field.sql} IS NOT NULL`);
    case 'any': return wrap(`len(${field.list}) > 0`);
    case 'either': return wrap(`(${field.sqls.map((x) => `${x} IS NOT NULL`).join(' OR ')})`);
    case 'evttype': return wrap(`kind <> ${q('tcp_state')}`);
    default: return constant(true);
  }
}

/** The values of a check, lists expanded; a bare name after a list operator may name a list. */
function valuesOf(e: BinaryCheck, defs: Definitions): ListValue[] {
  const v = e.value;
  if (v.kind === 'list') return defs.listValues(v.items);
  if (v.kind === 'value') return LIST_OPS.has(e.op) ? defs.listValues([v]) : [{ text: v.text, pos: v.pos }];
  return [];
}

function literalNumber(v: ListValue, field: string): bigint {
  const t = v.text.trim();
  if (/^[+-]?\d+$/.test(t)) return BigInt(t);
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) return BigInt(t);
  throw new ConditionError(v.pos, `${JSON.stringify(v.text)} is not a number (field ${field})`);
}

/** The SQL literal of `v` for a field of `type`; a value of the wrong kind is a ConditionError. */
function literal(type: FieldType, v: ListValue, field: string): string {
  switch (type) {
    case 'string':
      return q(v.text);
    case 'number':
      return literalNumber(v, field).toString();
    case 'bool':
      if (v.text === 'true') return 'TRUE';
      if (v.text === 'false') return 'FALSE';
      throw new ConditionError(v.pos, `${JSON.stringify(v.text)} is not true or false (field ${field})`);
    case 'ip': {
      const a = canonicalIp(v.text);
      if (a === null) throw new ConditionError(v.pos, `${JSON.stringify(v.text)} is not an IP address (field ${field})`);
      return q(canonicalCidr(a)!);
    }
    case 'net': {
      const c = canonicalCidr(v.text);
      if (c === null) throw new ConditionError(v.pos, `${JSON.stringify(v.text)} is not a network (CIDR) (field ${field})`);
      return q(c);
    }
  }
}

function checkOp(type: FieldType, op: BinaryOp, field: string, e: BinaryCheck): void {
  const ok = type === 'string' || (type === 'number' ? NUMERIC_OPS.has(op) : EQUALITY_OPS.has(op));
  if (!ok) throw new ConditionError(e.pos, `operator ${op} is not supported for the ${type} field ${field}`);
}

/** The predicate `x <op> values` for a non-null-safe expression `x` of `type`. */
function predicate(x: string, type: FieldType, op: BinaryOp, values: ListValue[], field: string, e: BinaryCheck): string {
  checkOp(type, op, field, e);
  if (type === 'net' || type === 'ip') {
    const nets = values.map((v) => literal(type, v, field));
    const any = `(${nets.map((c) => `${CIDR_CONTAINS}(${c}, ${x})`).join(' OR ')})`;
    return `(${x} IS NOT NULL AND ${op === '!=' ? 'NOT ' : ''}${any})`;
  }
  const lits = values.map((v) => literal(type, v, field));
  const v0 = lits[0]!;
  switch (op) {
    case '=': return `(${x} = ${v0})`;
    case '!=': return `(${x} <> ${v0})`;
    case '<': case '<=': case '>': case '>=': return `(${x} ${op} ${v0})`;
    case 'in': case 'intersects': return `(${x} IN (${lits.join(', ')}))`;
    case 'contains': return `contains(${x}, ${v0})`;
    case 'icontains': return `contains(lower(${x}), lower(${v0}))`;
    case 'startswith': return `starts_with(${x}, ${v0})`;
    case 'endswith': return `ends_with(${x}, ${v0})`;
    case 'bcontains': return `contains(${x}, ${q(hexText(values[0]!, field))})`;
    case 'bstartswith': return `starts_with(${x}, ${q(hexText(values[0]!, field))})`;
    case 'glob': return globSql(x, values[0]!.text, false);
    case 'iglob': return globSql(x, values[0]!.text, true);
    case 'pmatch': return `(${values.map((v) => prefixPredicate(x, v.text)).join(' OR ')})`;
  }
}

/** `x` is `prefix` or below it, comparing whole path components. */
function prefixPredicate(x: string, prefix: string): string {
  const p = prefix.length > 1 ? prefix.replace(/\/+$/, '') : prefix;
  if (p === '/') return `starts_with(${x}, ${q('/')})`;
  if (p === '') return 'false';
  return `(${x} = ${q(p)} OR starts_with(${x}, ${q(`${p}/`)}))`;
}

/** The text of a hex byte string (`bcontains cafe`); bytes that are not text are a ConditionError. */
function hexText(v: ListValue, field: string): string {
  const t = v.text;
  if (!/^([0-9a-fA-F]{2})+$/.test(t)) throw new ConditionError(v.pos, `${JSON.stringify(t)} is not a hex byte string (field ${field})`);
  const bytes = Buffer.from(t, 'hex');
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  if (text.includes('\uFFFD') || bytes.includes(0)) throw new ConditionError(v.pos, `bytes ${t} are not text: ${field} is compared as text`);
  return text;
}

/** `evt.num <op> n`: every event number is >= 1, so comparisons with small constants are decided. */
function positive(op: BinaryOp, values: bigint[]): Piece {
  const all = (f: (n: bigint) => boolean | undefined): Piece => {
    const r = values.map(f);
    if (r.every((x) => x === false)) return constant(false);
    if (r.some((x) => x === true)) return constant(true);
    return { k: 'missing', what: ['evt.num'] };
  };
  switch (op) {
    case '=': case 'in': case 'intersects': return all((n) => (n < 1n ? false : undefined));
    case '!=': return all((n) => (n < 1n ? true : undefined));
    case '<': return all((n) => (n <= 1n ? false : undefined));
    case '<=': return all((n) => (n < 1n ? false : undefined));
    case '>': return all((n) => (n < 1n ? true : undefined));
    case '>=': return all((n) => (n <= 1n ? true : undefined));
    default: return { k: 'missing', what: ['evt.num'] };
  }
}

/** A field with one value for every row (`evt.dir` is `<`). */
function constOp(op: BinaryOp, value: string, values: ListValue[], field: string, e: BinaryCheck): Piece {
  switch (op) {
    case '=': return constant(values[0]!.text === value);
    case '!=': return constant(values[0]!.text !== value);
    case 'in': case 'intersects': return constant(values.some((v) => v.text === value));
    default: return wrap(predicate(q(value), 'string', op, values, field, e));
  }
}

/** `evt.type` checks: recorded types by their row shape; unrecorded types match no row. */
function evtType(e: BinaryCheck, ctx: CheckContext): Piece {
  if (!['=', '!=', 'in', 'intersects'].includes(e.op)) {
    const values = valuesOf(e, ctx.defs);
    return wrap(predicate(EVT_TYPE_SQL, 'string', e.op, values, 'evt.type', e));
  }
  const any = eventTypeTestSql(evtTypeValues(e, ctx.defs) ?? []);
  const negate = e.op === '!=';
  if (any === null) return constant(negate);
  return negate ? wrap(`(kind <> ${q('tcp_state')} AND NOT coalesce(${any}, false))`) : wrap(any);
}

/** `<field> <op> val(<other field>)`: both sides from the row. */
function versusField(e: BinaryCheck, field: FieldResolution, ctx: CheckContext): Piece {
  const other = e.value.kind === 'fieldvalue' ? resolveOperand(e.value.field, ctx) : undefined;
  if (other === undefined) return { k: 'missing', what: [fieldText(e.field)] };
  if (other.kind === 'missing') return { k: 'missing', what: [other.what] };
  if (other.kind === 'invalid') throw new ConditionError(e.value.pos, other.reason);
  if (field.kind !== 'scalar' || other.kind !== 'scalar' || LIST_OPS.has(e.op)) {
    return { k: 'missing', what: [`${fieldText(e.field)} ${e.op} ${e.value.kind === 'fieldvalue' ? fieldText(e.value.field) : ''} (a comparison of these fields)`] };
  }
  const x = field.sql;
  const y = other.sql;
  switch (e.op) {
    case '=': return wrap(`(${x} = ${y})`);
    case '!=': return wrap(`(${x} <> ${y})`);
    case '<': case '<=': case '>': case '>=': return wrap(`(${x} ${e.op} ${y})`);
    case 'contains': return wrap(`contains(${x}, ${y})`);
    case 'icontains': return wrap(`contains(lower(${x}), lower(${y}))`);
    case 'startswith': return wrap(`starts_with(${x}, ${y})`);
    case 'endswith': return wrap(`ends_with(${x}, ${y})`);
    default: return { k: 'missing', what: [`${fieldText(e.field)} ${e.op} val(...)`] };
  }
}
