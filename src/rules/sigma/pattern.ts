/**
 * Sigma string values -> SQL string predicates.
 *
 * A Sigma string is text with two wildcards, `*` (any run of characters) and
 * `?` (one character). A backslash escapes `*`, `?` and itself (`\*` is a
 * star, `\\` a backslash); before any other character it is an ordinary
 * backslash (`C:\Windows` needs no doubling). Matching is case-insensitive
 * unless the rule says `|cased`: both sides go through DuckDB's `lower()`.
 *
 * Guarantees: every piece of rule text reaches SQL through `sqlString`; a
 * value that has no wildcards becomes `=`, `contains`, `starts_with` or
 * `ends_with`, anything else a `LIKE` whose `%`, `_` and `\` are escaped, so
 * SQL's own wildcards in a rule value are matched literally.
 */
import { sqlString } from '../../analyze/sql.js';

/** One piece of a Sigma string pattern. */
export type PatternPart = { kind: 'text'; text: string } | { kind: 'any' } | { kind: 'one' };

/** A parsed Sigma string: text and wildcards, adjacent text merged. */
export type Pattern = PatternPart[];

/** How a pattern is anchored: the field modifier, or plain equality. */
export type MatchHow = 'equals' | 'contains' | 'startswith' | 'endswith';

/** Parse a Sigma string value (wildcards and escapes, see the module doc). */
export function parsePattern(value: string): Pattern {
  const parts: Pattern = [];
  let text = '';
  const flush = (): void => {
    if (text !== '') parts.push({ kind: 'text', text });
    text = '';
  };
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '\\') {
      const next = value[i + 1];
      if (next === '*' || next === '?' || next === '\\') {
        text += next;
        i++;
      } else {
        text += ch;
      }
    } else if (ch === '*' || ch === '?') {
      flush();
      parts.push({ kind: ch === '*' ? 'any' : 'one' });
    } else {
      text += ch;
    }
  }
  flush();
  return normalize(parts);
}

/** The text of a pattern without wildcards, or null if it has any. */
export function patternText(pattern: Pattern): string | null {
  let out = '';
  for (const part of pattern) {
    if (part.kind !== 'text') return null;
    out += part.text;
  }
  return out;
}

/** Merge adjacent text parts and runs of `*`. */
export function normalize(parts: Pattern): Pattern {
  const out: Pattern = [];
  for (const part of parts) {
    const last = out[out.length - 1];
    if (part.kind === 'text' && part.text === '') continue;
    if (part.kind === 'text' && last?.kind === 'text') out[out.length - 1] = { kind: 'text', text: last.text + part.text };
    else if (part.kind === 'any' && last?.kind === 'any') continue;
    else out.push(part);
  }
  return out;
}

/**
 * A SQL boolean: `column` (a VARCHAR expression) matches `pattern` anchored
 * as `how`. Null when the column is null (callers wrap in `coalesce`).
 */
export function patternSql(column: string, pattern: Pattern, how: MatchHow, cased: boolean): string {
  const full = normalize([
    ...(how === 'contains' || how === 'endswith' ? [{ kind: 'any' } as const] : []),
    ...pattern,
    ...(how === 'contains' || how === 'startswith' ? [{ kind: 'any' } as const] : []),
  ]);
  const subject = cased ? column : `lower(${column})`;
  const lit = (text: string): string => (cased ? sqlString(text) : lowerLiteral(text));
  const [first, second, third] = full;
  if (full.length === 0) return `${column} = ''`;
  if (full.length === 1 && first!.kind === 'any') return `${column} IS NOT NULL`;
  if (full.length === 1 && first!.kind === 'text') return `${subject} = ${lit(first!.text)}`;
  if (full.length === 2 && first!.kind === 'text' && second!.kind === 'any') return `starts_with(${subject}, ${lit(first!.text)})`;
  if (full.length === 2 && first!.kind === 'any' && second!.kind === 'text') return `ends_with(${subject}, ${lit(second!.text)})`;
  if (full.length === 3 && first!.kind === 'any' && second!.kind === 'text' && third!.kind === 'any') {
    return `contains(${subject}, ${lit(second!.text)})`;
  }
  const like = full.map((p) => (p.kind === 'any' ? '%' : p.kind === 'one' ? '_' : p.text.replace(/[\\%_]/g, (c) => `\\${c}`))).join('');
  return `${subject} LIKE ${lit(like)} ESCAPE ${sqlString('\\')}`;
}

/**
 * A lower-cased SQL literal: folded here when ASCII (readable SQL), else by
 * DuckDB's `lower()` so both sides fold the same way (JS and DuckDB differ on
 * some non-ASCII letters, e.g. U+0130).
 */
export function lowerLiteral(text: string): string {
  return /^[\x00-\x7f]*$/.test(text) ? sqlString(text.toLowerCase()) : `lower(${sqlString(text)})`;
}
