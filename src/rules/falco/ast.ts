/**
 * The syntax tree of a Falco condition (libsinsp filter grammar), as the
 * parser produces it and the expander rewrites it. Every node carries the
 * file position of its first character, so later stages (macro expansion,
 * field checks) report errors and unsupported fields where they are written,
 * even inside a macro defined in another file.
 */
import type { SourcePosition } from '../types.js';

/** A boolean expression. */
export type Expr = AndExpr | OrExpr | NotExpr | MacroRef | UnaryCheck | BinaryCheck | ConstExpr;

export interface AndExpr { kind: 'and'; children: Expr[]; pos: SourcePosition }
export interface OrExpr { kind: 'or'; children: Expr[]; pos: SourcePosition }
export interface NotExpr { kind: 'not'; child: Expr; pos: SourcePosition }
/** A bare identifier: the name of a macro, replaced by its condition during expansion. */
export interface MacroRef { kind: 'macro'; name: string; pos: SourcePosition }
/** `<field> exists`. */
export interface UnaryCheck { kind: 'unary'; field: FieldOperand; op: 'exists'; pos: SourcePosition }
/** `<field> <op> <value>`. */
export interface BinaryCheck { kind: 'binary'; field: FieldOperand; op: BinaryOp; value: Operand; pos: SourcePosition }
/** A constant produced by expansion (never by the parser). */
export interface ConstExpr { kind: 'const'; value: boolean; pos: SourcePosition }

/** Comparison operators of the grammar (`==` is normalised to `=`). */
export type BinaryOp =
  | '=' | '!=' | '<' | '<=' | '>' | '>='
  | 'contains' | 'icontains' | 'bcontains' | 'startswith' | 'bstartswith' | 'endswith'
  | 'glob' | 'iglob' | 'in' | 'intersects' | 'pmatch';

/** Operators whose right side is a list. */
export const LIST_OPS: ReadonlySet<BinaryOp> = new Set(['in', 'intersects', 'pmatch']);

/** A field reference, `proc.aname[2]`, possibly wrapped in transformers (`tolower(proc.name)`). */
export type FieldOperand = FieldRef | TransformRef;
export interface FieldRef { kind: 'field'; name: string; arg?: string; pos: SourcePosition }
export interface TransformRef { kind: 'transform'; fn: 'tolower' | 'toupper' | 'b64' | 'basename'; child: FieldOperand; pos: SourcePosition }

/** The right side of a check. */
export type Operand = ValueOperand | ListOperand | FieldValueOperand;
/** One value; `bare` when written unquoted (only bare values can name a list). */
export interface ValueOperand { kind: 'value'; text: string; bare: boolean; pos: SourcePosition }
/** `(a, b, "c d")`. */
export interface ListOperand { kind: 'list'; items: ValueOperand[]; pos: SourcePosition }
/** `val(field)` or a transformer: compares with another field of the same event. */
export interface FieldValueOperand { kind: 'fieldvalue'; field: FieldOperand; pos: SourcePosition }

/** The name of a field reference as written, `proc.aname[2]`, `tolower(proc.name)`. */
export function fieldText(f: FieldOperand): string {
  if (f.kind === 'transform') return `${f.fn}(${fieldText(f.child)})`;
  return f.arg === undefined ? f.name : `${f.name}[${f.arg}]`;
}
