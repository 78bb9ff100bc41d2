/**
 * Sigma `condition` expressions -> a small syntax tree.
 *
 * Grammar (Sigma specification, "Condition"), lowest precedence first:
 *
 *     expr    := and ('or' and)*
 *     and     := not ('and' not)*
 *     not     := 'not' not | primary
 *     primary := '(' expr ')' | quant 'of' target | identifier
 *     quant   := '1' | 'any' | 'all' | a positive number
 *     target  := 'them' | identifier (may hold '*' wildcards)
 *
 * Operators are matched case-insensitively. A `|` (aggregation such as
 * `| count() by x > 5`) and `near` are recognised and reported as
 * unsupported; anything else out of place is a syntax error naming the token
 * and its offset in the condition. Identifiers are resolved against the
 * detection's search identifiers by `resolveCondition`: unknown names and
 * patterns matching nothing are errors; `them` excludes names starting with
 * an underscore, as the specification says.
 */

/** A parsed condition. `at` is the offset of the node's first token in the condition text. */
export type ConditionNode =
  | { kind: 'ref'; name: string; at: number }
  | { kind: 'of'; quantity: number | 'all'; target: string; at: number; targetAt: number }
  | { kind: 'not'; operand: ConditionNode; at: number }
  | { kind: 'and' | 'or'; operands: ConditionNode[]; at: number };

/** A syntax problem at `offset` of the condition text; `unsupported` for aggregations. */
export class ConditionError extends Error {
  constructor(readonly offset: number, readonly detail: string, readonly unsupported = false) {
    super(detail);
    this.name = 'ConditionError';
  }
}

interface Token {
  text: string;
  at: number;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const re = /\(|\)|\||[^\s()|]+/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) tokens.push({ text: m[0], at: m.index });
  return tokens;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'of', 'them', 'all', 'any', 'near']);
const IDENTIFIER = /^[\p{L}\p{N}_*.\-]+$/u;

/**
 * Parse a condition.
 * @throws ConditionError with the offset of the offending token.
 */
export function parseCondition(text: string): ConditionNode {
  const tokens = tokenize(text);
  for (const t of tokens) {
    if (t.text === '|') throw new ConditionError(t.at, 'aggregation (| ...) is not supported', true);
    if (t.text.toLowerCase() === 'near') throw new ConditionError(t.at, 'near (temporal proximity) is not supported', true);
  }
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const lower = (t: Token | undefined): string | undefined => t?.text.toLowerCase();
  const describe = (t: Token | undefined): string => (t === undefined ? 'end of condition' : `'${t.text}'`);
  const fail = (t: Token | undefined, expected: string): never => {
    throw new ConditionError(t?.at ?? text.length, `unexpected ${describe(t)}, expected ${expected}`);
  };

  const parseOr = (): ConditionNode => {
    const first = parseAnd();
    const operands = [first];
    while (lower(peek()) === 'or') {
      pos++;
      operands.push(parseAnd());
    }
    return operands.length === 1 ? first : { kind: 'or', operands, at: first.at };
  };
  const parseAnd = (): ConditionNode => {
    const first = parseNot();
    const operands = [first];
    while (lower(peek()) === 'and') {
      pos++;
      operands.push(parseNot());
    }
    return operands.length === 1 ? first : { kind: 'and', operands, at: first.at };
  };
  const parseNot = (): ConditionNode => {
    const t = peek();
    if (lower(t) === 'not') {
      pos++;
      return { kind: 'not', operand: parseNot(), at: t!.at };
    }
    return parsePrimary();
  };
  const parsePrimary = (): ConditionNode => {
    const t = peek();
    const word = lower(t);
    if (t === undefined) return fail(t, 'an identifier, "not", "(" or "1 of"');
    if (t.text === '(') {
      pos++;
      const inner = parseOr();
      if (peek()?.text !== ')') fail(peek(), "')'");
      pos++;
      return inner;
    }
    const next = lower(tokens[pos + 1]);
    if (next === 'of') {
      let quantity: number | 'all';
      if (word === 'all') quantity = 'all';
      else if (word === 'any') quantity = 1;
      else if (/^[1-9]\d*$/.test(t.text)) quantity = Number(t.text);
      else return fail(t, '1, any, all or a number before "of"');
      pos += 2;
      const target = peek();
      if (target === undefined || !(lower(target) === 'them' || (IDENTIFIER.test(target.text) && !KEYWORDS.has(lower(target)!)))) {
        return fail(target, 'an identifier pattern or "them" after "of"');
      }
      pos++;
      return { kind: 'of', quantity, target: lower(target) === 'them' ? 'them' : target.text, at: t.at, targetAt: target.at };
    }
    if (KEYWORDS.has(word!) || !IDENTIFIER.test(t.text)) return fail(t, 'an identifier, "not", "(" or "1 of"');
    if (t.text.includes('*')) throw new ConditionError(t.at, `wildcard identifier '${t.text}' needs "1 of" or "all of"`);
    pos++;
    return { kind: 'ref', name: t.text, at: t.at };
  };

  const tree = parseOr();
  const rest = peek();
  if (rest !== undefined) {
    fail(rest, '"and", "or" or the end of the condition');
  }
  return tree;
}

/** The identifiers an `of` target names, in detection order. */
export function expandTarget(target: string, identifiers: string[]): string[] {
  if (target === 'them') return identifiers.filter((name) => !name.startsWith('_'));
  const re = new RegExp(`^${target.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')).join('.*')}$`, 'u');
  return identifiers.filter((name) => re.test(name));
}

/**
 * Check every reference of `tree` against `identifiers`.
 * @throws ConditionError at the first unknown identifier or empty pattern.
 * @returns the identifiers the condition uses.
 */
export function resolveCondition(tree: ConditionNode, identifiers: string[]): Set<string> {
  const used = new Set<string>();
  const walk = (node: ConditionNode): void => {
    if (node.kind === 'ref') {
      if (!identifiers.includes(node.name)) throw new ConditionError(node.at, `unknown detection identifier '${node.name}'`);
      used.add(node.name);
    } else if (node.kind === 'of') {
      const names = expandTarget(node.target, identifiers);
      if (names.length === 0) throw new ConditionError(node.targetAt, `no detection identifier matches '${node.target}'`);
      for (const name of names) used.add(name);
    } else if (node.kind === 'not') {
      walk(node.operand);
    } else {
      node.operands.forEach(walk);
    }
  };
  walk(tree);
  return used;
}
