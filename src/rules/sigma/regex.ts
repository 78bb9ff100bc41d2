/**
 * Sigma `re` values (PCRE-style) checked against what DuckDB's regex engine,
 * RE2, accepts.
 *
 * RE2 guarantees linear-time matching and so has no backtracking features:
 * lookahead and lookbehind, backreferences, atomic groups, possessive
 * quantifiers, conditionals, recursion. It also lacks some escapes (`\Z`,
 * `\G`, `\K`, `\R`, `\X`, `\h`, `\e`, `\cX`, `\u` with four hex digits), the `(?<name>...)`
 * and `(?#...)` forms, the `x` flag, and counted repetition above 1000. Each
 * of these gets a named reason; an unbalanced group or class or a trailing
 * backslash is reported as malformed. The scan is lexical (it does not build
 * the regex), so anything it passes that RE2 still refuses surfaces when the
 * rule's SQL is prepared; the compile-all test runs every rule for that.
 */

/** Why a regex cannot run on RE2. */
export type RegexProblem = { kind: 'unsupported' | 'malformed'; reason: string };

const ESCAPES_OK = new Set([...'afnrtvbBAzdDwWsSpPxCQE0']);
const MAX_REPEAT = 1000;

/** The first feature of `pattern` that RE2 lacks or a syntax error, or null. */
export function checkRe2(pattern: string): RegexProblem | null {
  const unsupported = (reason: string, at: number): RegexProblem => ({ kind: 'unsupported', reason: `${reason} at offset ${at}` });
  const malformed = (reason: string, at: number): RegexProblem => ({ kind: 'malformed', reason: `${reason} at offset ${at}` });
  let depth = 0;
  let quantified = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    const wasQuantified: boolean = quantified;
    quantified = false;
    if (c === '\\') {
      const d = pattern[i + 1];
      if (d === undefined) return malformed('trailing backslash', i);
      if (d === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        i = end < 0 ? pattern.length : end + 1;
        continue;
      }
      if (/[1-9]/.test(d)) return unsupported(`backreference \\${d}`, i);
      if (d === 'k' || d === 'g') return unsupported(`backreference \\${d}`, i);
      if (/[A-Za-z0-9]/.test(d) && !ESCAPES_OK.has(d)) return unsupported(`escape \\${d}`, i);
      i++;
      if ((d === 'p' || d === 'P' || d === 'x') && pattern[i + 1] === '{') {
        const close = pattern.indexOf('}', i + 1);
        if (close < 0) return malformed(`unterminated \\${d}{`, i - 1);
        i = close;
      }
      continue;
    }
    if (c === '[') {
      const end = classEnd(pattern, i);
      if (typeof end === 'object') return end;
      i = end;
      continue;
    }
    if (c === '(') {
      if (pattern[i + 1] === '?') {
        const problem = groupProblem(pattern, i);
        if (problem !== null) return problem;
      }
      depth++;
      continue;
    }
    if (c === ')') {
      if (--depth < 0) return malformed("unbalanced ')'", i);
      continue;
    }
    if (c === '*' || c === '+' || c === '?') {
      if (c === '+' && wasQuantified) return unsupported('possessive quantifier', i);
      // `a*?` is lazy (fine); `?` after a quantifier does not start another.
      quantified = !(c === '?' && wasQuantified);
      continue;
    }
    if (c === '{') {
      const m = /^\{(\d+)(?:,(\d*))?\}/.exec(pattern.slice(i));
      if (m !== null) {
        const counts = [m[1], m[2]].filter((n): n is string => n !== undefined && n !== '').map(Number);
        if (counts.some((n) => n > MAX_REPEAT)) return unsupported(`repetition ${m[0]} above ${MAX_REPEAT}`, i);
        i += m[0].length - 1;
        quantified = true;
      }
    }
  }
  if (depth > 0) return malformed("unbalanced '('", pattern.length);
  return null;
}

/** The index of the `]` closing the class opened at `start`, or a problem. */
function classEnd(pattern: string, start: number): number | RegexProblem {
  let i = start + 1;
  if (pattern[i] === '^') i++;
  if (pattern[i] === ']') i++;
  for (; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === ']') return i;
    if (c === '[' && pattern[i + 1] === ':') {
      const close = pattern.indexOf(':]', i + 2);
      if (close >= 0) i = close + 1;
      continue;
    }
    if (c === '\\') {
      const d = pattern[i + 1];
      if (d === undefined) break;
      if (/[1-9]/.test(d) || (/[A-Za-z0-9]/.test(d) && !ESCAPES_OK.has(d))) {
        return { kind: 'unsupported', reason: `escape \\${d} in a character class at offset ${i}` };
      }
      i++;
      if ((d === 'p' || d === 'P' || d === 'x') && pattern[i + 1] === '{') {
        const close = pattern.indexOf('}', i + 1);
        if (close >= 0) i = close;
      }
    }
  }
  return { kind: 'malformed', reason: `unterminated character class at offset ${start}` };
}

/** A problem with the `(?...` group construct at `at`, or null when RE2 accepts it. */
function groupProblem(pattern: string, at: number): RegexProblem | null {
  const rest = pattern.slice(at + 2);
  const unsupported = (what: string): RegexProblem => ({ kind: 'unsupported', reason: `${what} at offset ${at}` });
  if (rest.startsWith(':') || /^P<[A-Za-z_]\w*>/.test(rest)) return null;
  if (rest.startsWith('=') || rest.startsWith('!')) return unsupported(`lookahead (?${rest[0]}`);
  if (rest.startsWith('<=') || rest.startsWith('<!')) return unsupported(`lookbehind (?${rest.slice(0, 2)}`);
  if (rest.startsWith('<')) return unsupported('named group (?<name>...) (RE2 spells it (?P<name>...))');
  if (rest.startsWith('P=')) return unsupported('backreference (?P=name)');
  if (rest.startsWith('>')) return unsupported('atomic group (?>');
  if (rest.startsWith('#')) return unsupported('comment group (?#');
  if (rest.startsWith('(')) return unsupported('conditional group (?(');
  if (/^(R|[+-]?\d|&|P>)/.test(rest)) return unsupported('recursion');
  const flags = /^([A-Za-z-]*)[:)]/.exec(rest);
  if (flags !== null) {
    const unknown = [...flags[1]!].find((f) => !'imsU-'.includes(f));
    return unknown === undefined ? null : unsupported(`flag ${unknown} in (?${flags[1]})`);
  }
  return { kind: 'malformed', reason: `unknown group construct (?${rest.slice(0, 1)} at offset ${at}` };
}
