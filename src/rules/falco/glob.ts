/**
 * Falco's `glob` (fnmatch(3) with no flags: `*` and `?` also match `/`, a
 * backslash makes the next character literal, `[...]`/`[!...]` are
 * character classes, an unclosed `[` is literal) as SQL. Patterns without a
 * character class become a DuckDB GLOB pattern, every literal `*?[]\`
 * escaped with a backslash. DuckDB's GLOB mis-reads some classes (a `-` or
 * `]` member), so a pattern with a class becomes an anchored RE2 regular
 * expression (`regexp_full_match`) built from the same tokens. `iglob`
 * lower-cases both sides (GLOB) or uses the `i` flag (regex).
 */
import { sqlString } from '../../analyze/sql.js';

type Token =
  | { t: 'star' }
  | { t: 'any' }
  | { t: 'lit'; c: string }
  | { t: 'class'; negated: boolean; members: ({ c: string } | { from: string; to: string } | { named: string })[] };

/** A SQL boolean: `expr` matches `pattern` (fnmatch semantics). */
export function globSql(expr: string, pattern: string, caseInsensitive: boolean): string {
  const tokens = tokenize(pattern);
  if (tokens.every((x) => x.t !== 'class')) {
    const glob = tokens.map((x) => (x.t === 'star' ? '*' : x.t === 'any' ? '?' : x.t === 'lit' ? globLiteral(x.c) : '')).join('');
    return caseInsensitive
      ? `(lower(${expr}) GLOB ${sqlString(glob.toLowerCase())})`
      : `(${expr} GLOB ${sqlString(glob)})`;
  }
  const re = tokens.map(regexToken).join('');
  return `regexp_full_match(${expr}, ${sqlString(`(?s${caseInsensitive ? 'i' : ''})${re}`)})`;
}

function globLiteral(c: string): string {
  return '*?[]\\'.includes(c) ? `\\${c}` : c;
}

function regexChar(c: string): string {
  return /[\\^$.|?*+()[\]{}\-/]/.test(c) ? `\\${c}` : c;
}

function regexToken(x: Token): string {
  switch (x.t) {
    case 'star': return '.*';
    case 'any': return '.';
    case 'lit': return regexChar(x.c);
    case 'class': {
      const body = x.members.map((m) => ('named' in m ? `[:${m.named}:]` : 'c' in m ? regexChar(m.c) : `${regexChar(m.from)}-${regexChar(m.to)}`)).join('');
      return `[${x.negated ? '^' : ''}${body}]`;
    }
  }
}

function tokenize(p: string): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\') {
      out.push({ t: 'lit', c: i + 1 < p.length ? p[++i]! : '\\' });
    } else if (c === '*') {
      out.push({ t: 'star' });
    } else if (c === '?') {
      out.push({ t: 'any' });
    } else if (c === '[') {
      const cls = readClass(p, i);
      if (cls === null) out.push({ t: 'lit', c: '[' });
      else {
        out.push(cls.token);
        i = cls.end;
      }
    } else {
      out.push({ t: 'lit', c });
    }
  }
  return out;
}

/** The class starting at `p[start] === '['`, or null when it is not closed. */
function readClass(p: string, start: number): { token: Token; end: number } | null {
  let i = start + 1;
  let negated = false;
  if (p[i] === '!' || p[i] === '^') {
    negated = true;
    i++;
  }
  const members: ({ c: string } | { from: string; to: string } | { named: string })[] = [];
  let first = true;
  while (i < p.length) {
    let c = p[i]!;
    if (c === ']' && !first) return { token: { t: 'class', negated, members }, end: i };
    first = false;
    if (c === '[' && p[i + 1] === ':') {
      const close = p.indexOf(':]', i + 2);
      if (close > 0) {
        members.push({ named: p.slice(i + 2, close) });
        i = close + 2;
        continue;
      }
    }
    if (c === '\\' && i + 1 < p.length) c = p[++i]!;
    if (p[i + 1] === '-' && p[i + 2] !== undefined && p[i + 2] !== ']') {
      let to = p[i + 2]!;
      let skip = 2;
      if (to === '\\' && i + 3 < p.length) {
        to = p[i + 3]!;
        skip = 3;
      }
      members.push({ from: c, to });
      i += skip + 1;
      continue;
    }
    members.push({ c });
    i++;
  }
  return null;
}
