/**
 * Sigma conditions: precedence, quantifiers, identifier patterns, and the
 * offset each syntax error points at.
 */
import { describe, expect, it } from 'vitest';
import { ConditionError, expandTarget, parseCondition, resolveCondition, type ConditionNode } from '../../../src/rules/sigma/condition.js';

/** A compact rendering of the tree: (and a b), (or ...), (not x), (1 of sel*). */
function show(node: ConditionNode): string {
  switch (node.kind) {
    case 'ref':
      return node.name;
    case 'not':
      return `(not ${show(node.operand)})`;
    case 'of':
      return `(${node.quantity} of ${node.target})`;
    default:
      return `(${node.kind} ${node.operands.map(show).join(' ')})`;
  }
}

describe('parseCondition', () => {
  const cases: [string, string, string][] = [
    ['a single identifier is a reference', 'selection', 'selection'],
    ['and binds tighter than or', 'a or b and c', '(or a (and b c))'],
    ['not binds tighter than and', 'not a and b', '(and (not a) b)'],
    ['parentheses override precedence', '(a or b) and c', '(and (or a b) c)'],
    ['chains of the same operator are flat', 'a and b and c', '(and a b c)'],
    ['1 of takes a wildcard pattern', '1 of selection_*', '(1 of selection_*)'],
    ['any of means 1 of', 'any of sel*', '(1 of sel*)'],
    ['all of them covers every identifier', 'all of them', '(all of them)'],
    ['a number above one counts matches', '2 of sel*', '(2 of sel*)'],
    ['operators are case-insensitive', 'a AND NOT b', '(and a (not b))'],
    ['not of a quantifier negates it', 'selection and not 1 of filter_main_*', '(and selection (not (1 of filter_main_*)))'],
    ['double negation is kept', 'not not a', '(not (not a))'],
    ['newlines and extra spaces are whitespace', 'a\n  and\n  (b\tor c)', '(and a (or b c))'],
    ['identifiers may hold dashes and dots', 'sel-1 or sel.2', '(or sel-1 sel.2)'],
  ];
  it.each(cases)('%s', (_name, text, expected) => {
    expect(show(parseCondition(text))).toBe(expected);
  });

  const errors: [string, string, number, string][] = [
    ['a stray closing parenthesis', 'selection )', 10, "unexpected ')', expected \"and\", \"or\" or the end of the condition"],
    ['an unclosed parenthesis', '(a or b', 7, "unexpected end of condition, expected ')'"],
    ['a dangling and', 'a and', 5, 'unexpected end of condition'],
    ['two identifiers in a row', 'a b', 2, "unexpected 'b'"],
    ['of without a quantity', 'some of sel*', 0, "unexpected 'some', expected 1, any, all or a number before \"of\""],
    ['of without a target', '1 of', 4, 'expected an identifier pattern or "them" after "of"'],
    ['a bare wildcard identifier', 'sel* and a', 0, 'wildcard identifier \'sel*\' needs "1 of" or "all of"'],
    ['an operator where an identifier belongs', 'a and or b', 6, "unexpected 'or'"],
    ['an empty condition', '', 0, 'unexpected end of condition'],
  ];
  it.each(errors)('reports %s at its offset', (_name, text, offset, detail) => {
    let error: unknown;
    try {
      parseCondition(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConditionError);
    expect((error as ConditionError).offset).toBe(offset);
    expect((error as ConditionError).detail).toContain(detail);
    expect((error as ConditionError).unsupported).toBe(false);
  });

  it.each([
    ['an aggregation', 'selection | count() by Image > 5', 10],
    ['near', 'a near b', 2],
  ])('reports %s as unsupported', (_name, text, offset) => {
    expect(() => parseCondition(text)).toThrow(ConditionError);
    try {
      parseCondition(text);
    } catch (e) {
      expect((e as ConditionError).unsupported).toBe(true);
      expect((e as ConditionError).offset).toBe(offset);
    }
  });
});

describe('identifiers', () => {
  const ids = ['selection_img', 'selection_cli', 'filter_main_x', '_helper', 'sel.a'];
  const cases: [string, string, string[]][] = [
    ['a prefix pattern matches by prefix', 'selection_*', ['selection_img', 'selection_cli']],
    ['them excludes names starting with an underscore', 'them', ['selection_img', 'selection_cli', 'filter_main_x', 'sel.a']],
    ['a dot in a pattern is literal', 'sel.*', ['sel.a']],
    ['a star can sit in the middle', 'sel*img', ['selection_img']],
    ['a pattern without a star matches one name', 'filter_main_x', ['filter_main_x']],
  ];
  it.each(cases)('%s', (_name, target, expected) => {
    expect(expandTarget(target, ids)).toEqual(expected);
  });

  it('resolving lists every identifier the condition uses', () => {
    expect([...resolveCondition(parseCondition('1 of selection_* and not filter_main_x'), ids)]).toEqual(['selection_img', 'selection_cli', 'filter_main_x']);
  });

  it.each([
    ['an unknown identifier', 'selection and filter', 14, "unknown detection identifier 'filter'"],
    ['a pattern matching nothing', 'selection_img and not 1 of filter_opt*', 27, "no detection identifier matches 'filter_opt*'"],
  ])('reports %s at its offset', (_name, text, offset, detail) => {
    try {
      resolveCondition(parseCondition(text), ['selection', 'selection_img']);
      expect.unreachable();
    } catch (e) {
      expect((e as ConditionError).offset).toBe(offset);
      expect((e as ConditionError).detail).toBe(detail);
    }
  });
});
