/**
 * Rule exceptions to condition text, the way Falco builds them: the rule's
 * condition becomes `(<condition>) and not <exception> and not ...`, where a
 * single-field exception is `(<field> <comp> (v1, v2))` (comp defaults to
 * `in`) and a multi-field one is `((f1 c1 v1 and f2 c2 v2) or (...))` (comps
 * default to `=`). Values holding a space are double-quoted; a plain value
 * under a list operator is parenthesised, so it may name a list. Exceptions
 * without values add nothing. The text is parsed like any condition; its
 * characters map to the exception's position in the file.
 */
import type { SourcePosition } from '../types.js';
import type { ExceptionDef, ExceptionValue } from './collect.js';
import { SourceText, formatPosition } from './source-text.js';

const LIST_OPERATORS = new Set(['in', 'intersects', 'pmatch']);

/** The condition with the exceptions applied; throws Error `file:line:col: ...` for a malformed exception. */
export function applyExceptions(condition: SourceText, exceptions: ExceptionDef[], rulePos: SourcePosition): SourceText {
  const parts: SourceText[] = [];
  for (const ex of exceptions) {
    const text = exceptionText(ex);
    if (text !== '') parts.push(SourceText.at(` and not ${text}`, ex.pos));
  }
  if (parts.length === 0) return condition;
  return SourceText.concat([SourceText.at('(', rulePos), condition, SourceText.at(')', rulePos), ...parts], '');
}

function quoteItem(v: string): string {
  return v.includes(' ') && v[0] !== '"' && v[0] !== "'" ? `"${v}"` : v;
}

function valueText(v: ExceptionValue, comp: string, ex: ExceptionDef): string {
  if ('list' in v) return `(${v.list.map((x) => quoteItem(x.text)).join(', ')})`;
  if (LIST_OPERATORS.has(comp)) return v.text.startsWith('(') ? v.text : `(${v.text})`;
  if (v.text === '') throw new Error(`${formatPosition(v.pos)}: exception ${ex.name}: empty value`);
  return quoteItem(v.text);
}

function exceptionText(ex: ExceptionDef): string {
  if (ex.values.length === 0) return '';
  if (!Array.isArray(ex.fields)) {
    const comp = typeof ex.comps === 'string' && ex.comps !== '' ? ex.comps : 'in';
    const items = ex.values.map((tuple) => {
      const v = tuple[0]!;
      if ('list' in v) throw new Error(`${formatPosition(v.pos)}: exception ${ex.name}: expected the values of a single field to be strings`);
      return quoteItem(v.text);
    });
    return `(${ex.fields} ${comp} (${items.join(', ')}))`;
  }
  const fields = ex.fields;
  const comps = Array.isArray(ex.comps) ? ex.comps : fields.map(() => '=');
  const tuples = ex.values.map((tuple) => {
    if (tuple.length !== fields.length) {
      throw new Error(`${formatPosition(tuple[0]?.pos ?? ex.pos)}: exception ${ex.name}: fields and values lists must have equal length`);
    }
    return `(${fields.map((f, k) => `${f} ${comps[k]} ${valueText(tuple[k]!, comps[k]!, ex)}`).join(' and ')})`;
  });
  return `(${tuples.join(' or ')})`;
}
