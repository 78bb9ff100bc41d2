/**
 * Parser for Falco conditions: the libsinsp filter grammar (`and`, `or`,
 * `not`, parentheses, `<field> <op> <value>`, `<field> exists`, value lists,
 * `val()` and field transformers, macro identifiers), written from the
 * grammar's documented behaviour. Lexical rules follow libsinsp so that what
 * Falco rejects is rejected here too: bare values stop at blanks, quotes,
 * `(`, `)`, `,` and `=`; word operators (`contains`, `glob`, ...) need a blank
 * after them; `not` needs a blank or `(`; quoted strings accept only the
 * escapes `\b \f \n \r \t \\ \/`, the quote itself, and `\ ` (read as `\`).
 * Every node carries the file position of its first character; a syntax
 * error is a ConditionSyntaxError at the character where parsing failed.
 */
import type { SourcePosition } from '../types.js';
import type { BinaryOp, Expr, FieldOperand, Operand, ValueOperand } from './ast.js';
import { SourceText, formatPosition } from './source-text.js';

/** A malformed condition, located at the offending character. */
export class ConditionSyntaxError extends Error {
  constructor(readonly position: SourcePosition, readonly detail: string) {
    super(`${formatPosition(position)}: ${detail}`);
    this.name = 'ConditionSyntaxError';
  }
}

const RE_NOT_BLANK = /not[ \t\b\r\n\f\v]+/y;
const RE_IDENTIFIER = /[a-zA-Z]+[a-zA-Z0-9_]*/y;
const RE_FIELD_NAME = /[a-zA-Z]+[a-zA-Z0-9_]*(?:\.[a-zA-Z]+[a-zA-Z0-9_]*)+/y;
const RE_FIELD_ARG_BARE = /[^\][\"'\s]+/y;
const RE_HEX = /0[xX][0-9a-zA-Z]+/y;
const RE_NUMBER = /[+-]?[0-9]+\.?[0-9]*(?:[eE][+-][0-9]+)?/y;
const RE_BARE = /[^()"'\s=,]+/y;

const NUM_OPS = ['<=', '<', '>=', '>'] as const;
const EQ_OPS = ['==', '=', '!='] as const;
const WORD_OPS = ['glob', 'iglob', 'contains', 'icontains', 'bcontains', 'startswith', 'bstartswith', 'endswith'] as const;
const LIST_OPS = ['intersects', 'in', 'pmatch'] as const;
const TRANSFORMERS = ['tolower', 'toupper', 'b64', 'basename'] as const;
const MAX_DEPTH = 1000;

/** Parse a whole condition; throws ConditionSyntaxError. */
export function parseCondition(source: SourceText | string): Expr {
  const text = typeof source === 'string' ? SourceText.inline(source) : source;
  return new Parser(text).parseAll();
}

class Parser {
  private i = 0;
  private depth = 0;
  private readonly s: string;

  constructor(private readonly src: SourceText) {
    this.s = src.text;
  }

  parseAll(): Expr {
    if (this.s.trim() === '') this.fail('condition is empty');
    const e = this.parseOr();
    this.blank();
    if (this.i < this.s.length) this.fail(`unexpected '${this.s.slice(this.i, this.i + 20).split(/\s/)[0]}', expecting 'and', 'or' or the end of the condition`);
    return e;
  }

  private pos(at = this.i): SourcePosition {
    return this.src.position(at);
  }

  private fail(detail: string, at = this.i): never {
    throw new ConditionSyntaxError(this.pos(at), detail);
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
  }

  private parseOr(): Expr {
    this.enter();
    this.blank();
    const pos = this.pos();
    const children = [this.parseAnd()];
    this.blank();
    while (this.word('or')) children.push(this.afterKeyword('or', () => this.parseAnd()));
    this.depth--;
    return children.length > 1 ? { kind: 'or', children, pos } : children[0]!;
  }

  private parseAnd(): Expr {
    this.enter();
    this.blank();
    const pos = this.pos();
    const children = [this.parseNot()];
    this.blank();
    while (this.word('and')) children.push(this.afterKeyword('and', () => this.parseNot()));
    this.depth--;
    return children.length > 1 ? { kind: 'and', children, pos } : children[0]!;
  }

  /** After `and`/`or`: a blank then an operand, or `(` directly. */
  private afterKeyword(keyword: string, operand: () => Expr): Expr {
    let child: Expr;
    if (this.blank()) child = operand();
    else if (this.lit('(')) child = this.parseEmbedded();
    else this.fail(`expected a blank or '(' after '${keyword}'`);
    this.blank();
    return child;
  }

  private parseNot(): Expr {
    this.enter();
    this.blank();
    const pos = this.pos();
    let negate = false;
    while (this.rgx(RE_NOT_BLANK) !== null) negate = !negate;
    let child: Expr;
    if (this.lit('not(')) {
      negate = !negate;
      child = this.parseEmbedded();
    } else {
      child = this.parseCheck();
    }
    this.depth--;
    return negate ? { kind: 'not', child, pos } : child;
  }

  /** The rest of `( ... )` once `(` is consumed. */
  private parseEmbedded(): Expr {
    this.blank();
    const e = this.parseOr();
    this.blank();
    if (!this.lit(')')) this.fail("expected ')'");
    return e;
  }

  private parseCheck(): Expr {
    this.blank();
    const pos = this.pos();
    if (this.lit('(')) return this.parseEmbedded();
    const field = this.rgx(RE_FIELD_NAME);
    if (field !== null) return this.parseComparison(this.fieldRemainder(field, pos), pos);
    const fn = this.transformer();
    if (fn !== null) return this.parseComparison(this.transformRemainder(fn, pos), pos);
    const ident = this.rgx(RE_IDENTIFIER);
    if (ident !== null) return { kind: 'macro', name: ident, pos };
    this.fail("expected '(', a field check or a macro name");
  }

  private fieldRemainder(name: string, pos: SourcePosition): FieldOperand {
    if (!this.lit('[')) return { kind: 'field', name, pos };
    const arg = this.quoted() ?? this.rgx(RE_FIELD_ARG_BARE);
    if (arg === null) this.fail('expected a field argument: a quoted or bare string');
    if (!this.lit(']')) this.fail("expected ']'");
    return { kind: 'field', name, arg, pos };
  }

  private transformer(): (typeof TRANSFORMERS)[number] | null {
    for (const t of TRANSFORMERS) if (this.lit(`${t}(`)) return t;
    return null;
  }

  private transformRemainder(fn: (typeof TRANSFORMERS)[number], pos: SourcePosition): FieldOperand {
    this.blank();
    const argPos = this.pos();
    let child: FieldOperand;
    const inner = this.transformer();
    if (inner !== null) {
      child = this.transformRemainder(inner, argPos);
    } else {
      const name = this.rgx(RE_FIELD_NAME);
      if (name === null) this.fail(`expected a field or a transformer inside '${fn}('`);
      child = this.fieldRemainder(name, argPos);
    }
    this.blank();
    if (!this.lit(')')) this.fail(`expected ')' closing '${fn}('`);
    return { kind: 'transform', fn, child, pos };
  }

  private parseComparison(field: FieldOperand, pos: SourcePosition): Expr {
    this.blank();
    if (this.lit('exists')) return { kind: 'unary', field, op: 'exists', pos };
    this.blank();
    const opAt = this.i;
    for (const op of NUM_OPS) {
      if (this.lit(op)) return { kind: 'binary', field, op, value: this.numberValue(), pos };
    }
    for (const op of EQ_OPS) {
      if (this.lit(op)) return { kind: 'binary', field, op: op === '==' ? '=' : op, value: this.stringValue(true), pos };
    }
    for (const op of WORD_OPS) {
      if (this.s.startsWith(op, this.i) && /\s/.test(this.s[this.i + op.length] ?? '')) {
        this.i += op.length;
        return { kind: 'binary', field, op, value: this.stringValue(true), pos };
      }
    }
    for (const op of LIST_OPS) {
      if (this.lit(op)) return { kind: 'binary', field, op: op as BinaryOp, value: this.listValue(), pos };
    }
    this.fail(`expected an operator after the field: one of exists, ${[...NUM_OPS, '=', '!=', ...WORD_OPS, ...LIST_OPS].join(', ')}`, opAt);
  }

  private numberValue(): Operand {
    this.blank();
    const pos = this.pos();
    const f = this.fieldValue();
    if (f !== null) return f;
    const n = this.rgx(RE_HEX) ?? this.rgx(RE_NUMBER);
    if (n === null) this.fail('expected a number');
    return { kind: 'value', text: n, bare: true, pos };
  }

  private stringValue(allowField: boolean): Operand {
    this.blank();
    const pos = this.pos();
    if (allowField) {
      const f = this.fieldValue();
      if (f !== null) return f;
    }
    const q = this.quoted();
    if (q !== null) return { kind: 'value', text: q, bare: false, pos };
    const b = this.rgx(RE_BARE);
    if (b !== null) return { kind: 'value', text: b, bare: true, pos };
    return this.fail('expected a value');
  }

  private listValue(): Operand {
    this.blank();
    const pos = this.pos();
    if (this.lit('(')) {
      const items: ValueOperand[] = [];
      this.blank();
      if (!this.s.startsWith(')', this.i)) {
        items.push(this.stringValue(false) as ValueOperand);
        this.blank();
        while (this.lit(',')) {
          items.push(this.stringValue(false) as ValueOperand);
          this.blank();
        }
      }
      if (!this.lit(')')) this.fail("expected ',' or ')' in the value list");
      return { kind: 'list', items, pos };
    }
    const f = this.fieldValue();
    if (f !== null) return f;
    const ident = this.rgx(RE_IDENTIFIER);
    if (ident !== null) return { kind: 'value', text: ident, bare: true, pos };
    return this.fail("expected a list '(...)' or a list name");
  }

  /** `val(field)` or a transformer as the right operand; null when neither. */
  private fieldValue(): Operand | null {
    const pos = this.pos();
    if (this.lit('val(')) {
      this.blank();
      const at = this.pos();
      const name = this.rgx(RE_FIELD_NAME);
      if (name === null) this.fail("expected a field inside 'val('");
      const field = this.fieldRemainder(name, at);
      this.blank();
      if (!this.lit(')')) this.fail("expected ')' closing 'val('");
      return { kind: 'fieldvalue', field, pos };
    }
    const fn = this.transformer();
    if (fn !== null) return { kind: 'fieldvalue', field: this.transformRemainder(fn, pos), pos };
    return null;
  }

  /** A quoted string (unescaped), or null when the cursor is not at a terminated one. */
  private quoted(): string | null {
    const q = this.s[this.i];
    if (q !== '"' && q !== "'") return null;
    let prev = '\\';
    for (let j = this.i; j < this.s.length; j++) {
      const c = this.s[j]!;
      if (j > this.i && c === q && prev !== '\\') {
        const start = this.i;
        this.i = j + 1;
        return this.unescape(this.s.slice(start + 1, j), q, start);
      }
      prev = c;
    }
    return null;
  }

  private unescape(body: string, quote: string, at: number): string {
    let out = '';
    for (let k = 0; k < body.length; k++) {
      const c = body[k]!;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = body[++k];
      switch (e) {
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case ' ': case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case '"': case "'":
          if (e !== quote) this.fail(`invalid \\${e} escape in a ${quote}-quoted string`, at + k);
          out += e;
          break;
        default:
          this.fail(`unsupported escape sequence \\${e ?? ''}`, at + k);
      }
    }
    return out;
  }

  private blank(): boolean {
    const start = this.i;
    while (this.i < this.s.length && ' \t\b\r\n\f\v'.includes(this.s[this.i]!)) this.i++;
    return this.i > start;
  }

  private lit(token: string): boolean {
    if (!this.s.startsWith(token, this.i)) return false;
    this.i += token.length;
    return true;
  }

  /** A keyword (`and`, `or`) as libsinsp reads it: the letters, whatever follows. */
  private word(keyword: string): boolean {
    return this.lit(keyword);
  }

  private rgx(re: RegExp): string | null {
    re.lastIndex = this.i;
    const m = re.exec(this.s);
    if (m === null) return null;
    this.i += m[0].length;
    return m[0];
  }
}

/**
 * A list item as Falco reads it once substituted into a condition: a whole
 * quoted string is unquoted (`"(systemd)"` is the value `(systemd)`); other
 * text is taken as written. `bare` is true only for text the grammar would
 * lex as one bare value, the only kind that can name another list.
 */
export function readListItem(item: string): { text: string; bare: boolean } {
  const q = item[0];
  if ((q === '"' || q === "'") && item.length >= 2) {
    try {
      const p = new Parser(SourceText.inline(`x.y = ${item}`));
      const e = p.parseAll();
      if (e.kind === 'binary' && e.value.kind === 'value' && !e.value.bare) return { text: e.value.text, bare: false };
    } catch {
      // not one quoted string: taken as written below
    }
  }
  RE_BARE.lastIndex = 0;
  const m = RE_BARE.exec(item);
  return { text: item, bare: m !== null && m[0].length === item.length };
}
