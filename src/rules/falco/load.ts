/**
 * Reads a Falco rules file into a small YAML tree that keeps positions: each
 * node knows its `file:line:column`, and each scalar is a SourceText whose
 * characters map back into the file (through folding, indentation and
 * quoting), so a condition error points at the character in the file. All
 * scalars are read as strings (the YAML failsafe schema, as Falco reads list
 * items: `80` stays "80"); booleans are interpreted by the reader of a key.
 * A YAML syntax error, or a file that is not a list, throws RuleFileError.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node as YNode } from 'yaml';
import { RuleFileError, type SourcePosition } from '../types.js';
import { SourceText } from './source-text.js';

export type YamlNode = YamlScalar | YamlSeq | YamlMap;
export interface YamlScalar { type: 'scalar'; value: string; pos: SourcePosition; text: SourceText }
export interface YamlSeq { type: 'seq'; items: YamlNode[]; pos: SourcePosition }
export interface YamlMap { type: 'map'; entries: Map<string, YamlNode>; keyPos: Map<string, SourcePosition>; pos: SourcePosition }

/** One file's top-level items, in order. */
export interface FalcoFile { path: string; items: YamlNode[] }

/**
 * Parse `text` (the contents of `path`).
 * @throws RuleFileError on a YAML syntax error or when the top level is not a list.
 */
export function loadFalcoFile(path: string, text: string): FalcoFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { schema: 'failsafe', lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const at = (offset: number): SourcePosition => {
    const p = lines.linePos(offset);
    return { file: path, line: p.line, column: p.col };
  };
  const first = doc.errors[0];
  if (first) {
    const lp = first.linePos?.[0];
    const pos = lp ? { file: path, line: lp.line, column: lp.col } : at(first.pos[0]);
    const message = first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new RuleFileError(pos, `falco: YAML syntax error: ${message}`);
  }
  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) return { path, items: [] };
  const tree = convert(root as YNode, doc, text, at);
  if (tree.type !== 'seq') throw new RuleFileError(tree.pos, 'falco: a rules file must be a YAML list of rule, macro and list items');
  return { path, items: tree.items };
}

function convert(node: YNode, doc: Document, source: string, at: (offset: number) => SourcePosition): YamlNode {
  if (isAlias(node)) return convert(node.resolve(doc) as YNode, doc, source, at);
  const start = node.range?.[0] ?? 0;
  const pos = at(start);
  if (isSeq(node)) {
    return { type: 'seq', items: node.items.map((n) => convert(n as YNode, doc, source, at)), pos };
  }
  if (isMap(node)) {
    const entries = new Map<string, YamlNode>();
    const keyPos = new Map<string, SourcePosition>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value ?? '') : String(pair.key);
      const kpos = isScalar(pair.key) && pair.key.range ? at(pair.key.range[0]) : pos;
      keyPos.set(key, kpos);
      entries.set(key, pair.value === null || pair.value === undefined
        ? { type: 'scalar', value: '', pos: kpos, text: SourceText.at('', kpos) }
        : convert(pair.value as YNode, doc, source, at));
    }
    return { type: 'map', entries, keyPos, pos };
  }
  if (isScalar(node)) {
    const value = node.value === null || node.value === undefined ? '' : String(node.value);
    const range = node.range ?? [start, start, start];
    return { type: 'scalar', value, pos, text: SourceText.mapped(value, scalarLocator(value, source, range, node.type, at)) };
  }
  return { type: 'scalar', value: '', pos, text: SourceText.at('', pos) };
}

/**
 * Map each character of a scalar's value to its offset in the file: the
 * value's non-blank characters appear in the source in the same order
 * (folding and indentation only change blanks), so each is found by a
 * forward search; a blank maps to where the search stands. Escapes in
 * quoted scalars make the search land on the escaped character.
 */
function scalarLocator(
  value: string,
  source: string,
  range: readonly number[],
  style: string | undefined,
  at: (offset: number) => SourcePosition,
): (index: number) => SourcePosition {
  const end = range[1] ?? source.length;
  let j = range[0] ?? 0;
  if (style === 'BLOCK_FOLDED' || style === 'BLOCK_LITERAL') {
    const nl = source.indexOf('\n', j);
    j = nl >= 0 && nl < end ? nl + 1 : j;
  } else if (style === 'QUOTE_DOUBLE' || style === 'QUOTE_SINGLE') {
    j += 1;
  }
  const offsets: number[] = new Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (/\s/.test(c)) {
      offsets[i] = j;
      if (j < end && /\s/.test(source[j]!)) j++;
      continue;
    }
    const k = source.indexOf(c, j);
    if (k >= 0 && k < end) {
      offsets[i] = k;
      j = k + 1;
    } else {
      offsets[i] = Math.min(j, Math.max(end - 1, 0));
    }
  }
  return (index) => at(offsets[index] ?? range[0] ?? 0);
}
