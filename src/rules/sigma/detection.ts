/**
 * A Sigma `detection` -> one SQL boolean over a `rule_events` row.
 *
 * A search identifier is a map (every field condition holds: AND) or a list
 * of maps (any holds: OR). A field condition is a field key with modifiers
 * (modifiers.ts) and one value or a list of values (any value matches, every
 * value with `|all`). Values without a field name (keyword searches) search
 * log lines, which hindsight does not have: the rule is unsupported.
 *
 * Null means "not present": each field condition is wrapped in
 * `coalesce(<values>, false)`, so a null column makes it false and `not`
 * makes it true. (Wrapping the OR/AND of one field's values once is the same
 * as wrapping each value: the OR is null only when no value is true, the AND
 * only when none is false.) `field: null` matches a null or empty column.
 *
 * Only identifiers the condition uses are compiled; an unsupported field or
 * modifier anywhere in them makes the whole rule unsupported (nothing is
 * dropped from a detection to make it compile).
 */
import { sqlString } from '../../analyze/sql.js';
import type { SourcePosition } from '../types.js';
import { expandTarget, type ConditionNode } from './condition.js';
import { RuleInvalid, RuleUnsupported } from './errors.js';
import { resolveField, type FieldColumn } from './fields.js';
import type { Category } from './logsource.js';
import type { YMap, YNode, YScalar } from './load.js';
import { parseFieldKey, transformPattern, type FieldSpec } from './modifiers.js';
import { parsePattern, patternSql, patternText, type MatchHow } from './pattern.js';
import { checkRe2 } from './regex.js';

/**
 * SQL for one search identifier's definition.
 * @throws RuleUnsupported, RuleInvalid.
 */
export function compileSearch(name: string, node: YNode, category: Category): string {
  if (node.kind === 'map') return compileMap(node, category);
  if (node.kind === 'list' && node.items.length > 0 && node.items.every((item) => item.kind === 'map')) {
    return join(node.items.map((item) => compileMap(item as YMap, category)), 'OR');
  }
  if (node.kind === 'list' && node.items.length === 0) throw new RuleInvalid(node.position, `detection ${name} is an empty list`);
  throw new RuleUnsupported(`detection ${name}: keyword search (values without a field name) needs log lines; hindsight records syscalls, not log lines`);
}

/** SQL for a parsed condition, given the SQL of each search identifier. */
export function conditionSql(node: ConditionNode, searches: Map<string, string>): string {
  switch (node.kind) {
    case 'ref':
      return searches.get(node.name)!;
    case 'not':
      return `(NOT ${conditionSql(node.operand, searches)})`;
    case 'and':
    case 'or':
      return join(node.operands.map((o) => conditionSql(o, searches)), node.kind === 'and' ? 'AND' : 'OR');
    case 'of': {
      const parts = expandTarget(node.target, [...searches.keys()]).map((n) => searches.get(n)!);
      if (node.quantity === 'all') return join(parts, 'AND');
      if (node.quantity === 1) return join(parts, 'OR');
      return `(${parts.map((p) => `CAST(${p} AS INTEGER)`).join(' + ')}) >= ${node.quantity}`;
    }
  }
}

function join(parts: string[], op: 'AND' | 'OR'): string {
  return parts.length === 1 ? parts[0]! : `(${parts.join(` ${op} `)})`;
}

function compileMap(map: YMap, category: Category): string {
  if (map.entries.size === 0) throw new RuleInvalid(map.position, 'empty detection map');
  const parts: string[] = [];
  for (const [key, { key: keyPosition, value }] of map.entries) {
    const spec = parseFieldKey(key, keyPosition);
    if (spec.field === '') {
      throw new RuleUnsupported(`detection key ${JSON.stringify(key)}: keyword search (values without a field name) needs log lines; hindsight records syscalls, not log lines`);
    }
    const column = resolveField(category, spec.field);
    parts.push(compileFieldCondition(spec, column, value, category, keyPosition));
  }
  return join(parts, 'AND');
}

function compileFieldCondition(spec: FieldSpec, column: FieldColumn, node: YNode, category: Category, keyPosition: SourcePosition): string {
  let values: YScalar[];
  if (node.kind === 'scalar') values = [node];
  else if (node.kind === 'list') {
    values = node.items.map((item) => {
      if (item.kind !== 'scalar') throw new RuleInvalid(item.position, `field ${spec.field}: a value must be a scalar, not a ${item.kind}`);
      return item;
    });
  } else {
    throw new RuleInvalid(node.position, `field ${spec.field}: a value must be a scalar or a list, not a map`);
  }
  if (values.length === 0) throw new RuleInvalid(keyPosition, `field ${spec.field}: empty list of values`);
  const alternation = literalAlternation(spec, column, values);
  if (alternation !== null) return `coalesce(${alternation}, false)`;
  const leaves = values.map((value) => compileValue(spec, column, value, category));
  return `coalesce(${join(leaves, spec.all ? 'AND' : 'OR')}, false)`;
}

/** Lists at least this long of plain `contains`/`startswith`/`endswith` values become one regex. */
const ALTERNATION_MIN = 8;

/**
 * A long list of plain case-insensitive substrings, prefixes or suffixes
 * (e.g. a supply-chain rule's 1,000 package names) as ONE RE2 alternation over
 * the lower-cased field: the same matches as the OR of the values, in one pass
 * over the text instead of one per value. Null when the list does not qualify
 * (wildcards, transforms, `|all`, `|cased`, non-ASCII text, or too short).
 */
function literalAlternation(spec: FieldSpec, column: FieldColumn, values: YScalar[]): string | null {
  if (values.length < ALTERNATION_MIN || spec.all || spec.cased || spec.fieldref || spec.transforms.length > 0) return null;
  const anchor = { contains: ['', ''], startswith: ['^', ''], endswith: ['', '$'] }[spec.match as string];
  if (anchor === undefined || column.type !== 'text') return null;
  const texts: string[] = [];
  for (const v of values) {
    if (v.value === null || column.checkValue?.(v.text)) return null;
    const text = patternText(parsePattern(v.text));
    if (text === null || text === '' || !/^[\x20-\x7e]*$/.test(text)) return null;
    texts.push(text.toLowerCase().replace(/[\\^$.|?*+()[\]{}]/g, (c) => `\\${c}`));
  }
  return `regexp_matches(lower(${column.sql}), ${sqlString(`${anchor[0]}(?:${texts.join('|')})${anchor[1]}`)})`;
}

function compileValue(spec: FieldSpec, column: FieldColumn, value: YScalar, category: Category): string {
  const invalid = (detail: string): never => {
    throw new RuleInvalid(value.position, `field ${spec.field}: ${detail}`);
  };
  const asText = column.type === 'text' ? column.sql : `CAST(${column.sql} AS VARCHAR)`;
  if (spec.match === 'exists') {
    if (value.text !== 'true' && value.text !== 'false') invalid(`exists needs true or false, got ${JSON.stringify(value.text)}`);
    return `${column.sql} IS ${value.text === 'true' ? 'NOT ' : ''}NULL`;
  }
  if (value.value === null) {
    if (spec.match !== 'equals' || spec.transforms.length > 0 || spec.fieldref) invalid('null cannot take modifiers');
    return column.type === 'text' ? `(${column.sql} IS NULL OR ${column.sql} = '')` : `${column.sql} IS NULL`;
  }
  const reason = column.checkValue?.(value.text);
  if (reason !== null && reason !== undefined) throw new RuleUnsupported(reason);
  switch (spec.match) {
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (!/^-?\d+(\.\d+)?$/.test(value.text.trim())) invalid(`${spec.match} needs a number, got ${JSON.stringify(value.text)}`);
      const op = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[spec.match];
      const subject = column.type === 'int' ? column.sql : `TRY_CAST(${column.sql} AS DOUBLE)`;
      return `${subject} ${op} ${Number(value.text.trim())}`;
    }
    case 'cidr': {
      const problem = cidrProblem(value.text);
      if (problem !== null) invalid(`cidr ${JSON.stringify(value.text)}: ${problem}`);
      return `hs_cidr_contains(${sqlString(value.text)}, ${asText})`;
    }
    case 're': {
      const problem = checkRe2(value.text);
      if (problem?.kind === 'malformed') invalid(`re ${JSON.stringify(value.text)}: ${problem.reason}`);
      if (problem?.kind === 'unsupported') {
        throw new RuleUnsupported(`field ${spec.field}: regex ${JSON.stringify(value.text)} uses ${problem.reason}, which RE2 (DuckDB's regex engine) does not support`);
      }
      const flags = spec.reFlags === '' ? '' : `(?${spec.reFlags})`;
      return `regexp_matches(${asText}, ${sqlString(flags + value.text)})`;
    }
    default:
      break;
  }
  const how: MatchHow = spec.match;
  if (spec.fieldref) {
    const other = resolveField(category, value.text);
    const otherText = other.type === 'text' ? other.sql : `CAST(${other.sql} AS VARCHAR)`;
    const [a, b] = spec.cased ? [asText, otherText] : [`lower(${asText})`, `lower(${otherText})`];
    if (how === 'equals') return `${a} = ${b}`;
    return `${{ contains: 'contains', startswith: 'starts_with', endswith: 'ends_with' }[how]}(${a}, ${b})`;
  }
  if (column.type === 'int' && how === 'equals' && spec.transforms.length === 0 && /^-?\d+$/.test(value.text)) {
    return `${column.sql} = ${BigInt(value.text).toString()}`;
  }
  const variants = transformPattern(parsePattern(value.text), spec.transforms, invalid);
  return join(variants.map((p) => patternSql(asText, p, how, spec.cased)), 'OR');
}

/** Why `text` is not an IPv4 or IPv6 CIDR block, or null. */
export function cidrProblem(text: string): string | null {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (m === null) return 'expected address/prefix';
  const [, address, prefix] = m as unknown as [string, string, string];
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) {
    if (address.split('.').some((o) => Number(o) > 255)) return 'IPv4 octet above 255';
    return Number(prefix) > 32 ? 'IPv4 prefix above 32' : null;
  }
  if (!/^[0-9a-fA-F:]+$/.test(address) || !address.includes(':')) return 'not an IPv4 or IPv6 address';
  const halves = address.split('::');
  if (halves.length > 2) return "IPv6 address with more than one '::'";
  const groups = halves.flatMap((h) => (h === '' ? [] : h.split(':')));
  if (groups.some((g) => g === '' || g.length > 4)) return 'IPv6 group of 0 or more than 4 hex digits';
  if (halves.length === 1 ? groups.length !== 8 : groups.length > 7) return 'IPv6 address with the wrong number of groups';
  return Number(prefix) > 128 ? 'IPv6 prefix above 128' : null;
}
