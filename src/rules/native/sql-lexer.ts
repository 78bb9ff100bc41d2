/**
 * A lexical check of a rule author's SQL condition before it is pasted into
 * a query: strings, quoted identifiers, dollar-quoted strings and comments
 * must end, parentheses must balance, and there must be no `;` outside them
 * (one expression, not statements). This is not a parser: whether the SQL
 * means anything is DuckDB's to say (validate-sql.ts); this only guarantees
 * that the condition cannot swallow or break the text around it.
 */

/** A lexical problem: where (offset into the condition) and what. */
export interface LexError {
  offset: number;
  message: string;
}

/** The first lexical problem in `sql`, or null. */
export function checkConditionLexically(sql: string): LexError | null {
  const nul = sql.indexOf('\0');
  if (nul >= 0) return { offset: nul, message: 'NUL byte in condition' };
  const opens: number[] = [];
  let tokens = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (/\s/.test(c)) { i++; continue; }
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
      continue;
    }
    if (c === '/' && next === '*') {
      let depth = 1;
      let j = i + 2;
      while (j < sql.length && depth > 0) {
        if (sql[j] === '/' && sql[j + 1] === '*') { depth++; j += 2; } else if (sql[j] === '*' && sql[j + 1] === '/') { depth--; j += 2; } else j++;
      }
      if (depth > 0) return { offset: i, message: 'unterminated /* comment' };
      i = j;
      continue;
    }
    tokens++;
    if (c === "'" || c === '"') {
      const escapes = c === "'" && i > 0 && /[eE]/.test(sql[i - 1]!) && (i < 2 || !/[A-Za-z0-9_]/.test(sql[i - 2]!));
      let j = i + 1;
      for (;;) {
        if (j >= sql.length) return { offset: i, message: c === "'" ? 'unterminated string literal' : 'unterminated quoted identifier' };
        if (escapes && sql[j] === '\\') { j += 2; continue; }
        if (sql[j] === c) {
          if (sql[j + 1] === c) { j += 2; continue; }
          break;
        }
        j++;
      }
      i = j + 1;
      continue;
    }
    if (c === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag !== null && !(i > 0 && /[A-Za-z0-9_]/.test(sql[i - 1]!))) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        if (end < 0) return { offset: i, message: `unterminated ${tag[0]} string` };
        i = end + tag[0].length;
        continue;
      }
    }
    if (c === '(') opens.push(i);
    if (c === ')' && opens.pop() === undefined) return { offset: i, message: "unmatched ')'" };
    if (c === ';') return { offset: i, message: "';' is not allowed: a condition is one SQL expression" };
    i++;
  }
  if (opens.length > 0) return { offset: opens[opens.length - 1]!, message: "unclosed '('" };
  if (tokens === 0) return { offset: 0, message: 'empty condition' };
  return null;
}
