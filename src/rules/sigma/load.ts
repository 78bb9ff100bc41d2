/**
 * Sigma rule files -> rule documents with source positions.
 *
 * A file is parsed with the `yaml` package (YAML 1.2 core schema, duplicate
 * keys refused) and every node is converted into a small tree (`YNode`) that
 * keeps its position, so later stages can report `file:line:column`. Scalars
 * keep their source text as well as their value: `a1: 0777` is the number 777
 * but its text is `0777`, and matching uses the text.
 *
 * Rule collections (several YAML documents in one file) follow the Sigma
 * specification: a document with `action: global` is merged into every later
 * document, `action: reset` forgets it, `action: repeat` is the previous rule
 * with the document's keys merged over it. Empty documents are ignored.
 *
 * Guarantees: `loadSigmaFile` either returns every rule document of the file
 * or throws a `RuleFileError` (YAML syntax error, a document that is not a
 * mapping, an unknown `action`) positioned at the offending text; it never
 * returns part of a file.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';
import { RuleFileError, type SourcePosition } from '../types.js';

/** A scalar: its value, its text (source text for numbers), its position. */
export interface YScalar {
  kind: 'scalar';
  value: string | number | boolean | null;
  /** Strings: the value; numbers: the source text (`0777`); booleans: `true`/`false`; null: ''. */
  text: string;
  position: SourcePosition;
  /** The position of character `offset` of a string value (quotes, folding and escapes accounted for). */
  locate(offset: number): SourcePosition;
}

/** A sequence. */
export interface YList {
  kind: 'list';
  items: YNode[];
  position: SourcePosition;
}

/** A mapping with string keys, in source order; each entry keeps its key's position. */
export interface YMap {
  kind: 'map';
  entries: Map<string, { key: SourcePosition; value: YNode }>;
  position: SourcePosition;
}

export type YNode = YScalar | YList | YMap;

/** One rule document of a file, collection actions already applied. */
export interface SigmaDocument {
  file: string;
  /** 0-based index of the YAML document in the file. */
  index: number;
  /** Where the document's content starts (line 1 for a one-rule file). */
  position: SourcePosition;
  body: YMap;
}

/** A rule file as read by the caller. */
export interface SigmaFile {
  path: string;
  text: string;
}

/** Aliases nested deeper than this are refused (an alias may point at its own ancestor). */
const MAX_DEPTH = 64;

/**
 * The rule documents of one file.
 * @throws RuleFileError positioned at the first YAML error, at a document
 *   that is not a mapping, or at an `action` that is not global/reset/repeat.
 */
export function loadSigmaFile(file: SigmaFile): SigmaDocument[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(file.text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const at = (offset: number): SourcePosition => {
    const { line, col } = lines.linePos(offset);
    return { file: file.path, line, column: col };
  };
  const out: SigmaDocument[] = [];
  let global: YMap | null = null;
  let previous: YMap | null = null;
  for (const [index, doc] of docs.entries()) {
    const problem = doc.errors[0];
    if (problem !== undefined) {
      throw new RuleFileError(at(problem.pos[0]), `YAML: ${problem.message.split('\n')[0]}`, { cause: problem });
    }
    if (doc.contents === null) continue;
    const node = convert(doc, doc.contents, file.text, at, 0);
    if (node.kind === 'scalar' && node.value === null) continue;
    if (node.kind !== 'map') throw new RuleFileError(node.position, `sigma: document ${index + 1} is not a mapping`);
    const action = node.entries.get('action');
    if (action === undefined) {
      const body = global === null ? node : mergeMaps(global, node);
      previous = body;
      out.push({ file: file.path, index, position: node.position, body });
      continue;
    }
    const rest = withoutKey(node, 'action');
    const name = action.value.kind === 'scalar' ? action.value.text : '';
    if (name === 'global') {
      global = global === null ? rest : mergeMaps(global, rest);
    } else if (name === 'reset') {
      global = null;
    } else if (name === 'repeat') {
      if (previous === null) throw new RuleFileError(action.key, 'sigma: action: repeat with no rule before it');
      previous = mergeMaps(previous, rest);
      out.push({ file: file.path, index, position: node.position, body: previous });
    } else {
      throw new RuleFileError(action.value.position, `sigma: unknown collection action: ${JSON.stringify(name)}`);
    }
  }
  return out;
}

function convert(doc: Document, node: unknown, text: string, at: (offset: number) => SourcePosition, depth: number): YNode {
  if (depth > MAX_DEPTH) throw new RuleFileError(at(rangeStart(node)), `sigma: nesting deeper than ${MAX_DEPTH} (recursive alias?)`);
  if (isAlias(node)) {
    const target = node.resolve(doc);
    if (target === undefined) throw new RuleFileError(at(rangeStart(node)), `sigma: unresolved alias *${node.source}`);
    return convert(doc, target, text, at, depth + 1);
  }
  const position = at(rangeStart(node));
  if (isMap(node)) {
    const entries = new Map<string, { key: SourcePosition; value: YNode }>();
    for (const pair of node.items) {
      const keyNode = isAlias(pair.key) ? pair.key.resolve(doc) : pair.key;
      if (!isScalar(keyNode)) throw new RuleFileError(at(rangeStart(pair.key ?? node)), 'sigma: mapping key is not a scalar');
      const key = keyNode.value === null ? '' : String(keyNode.value);
      const value: YNode = pair.value === null
        ? nullScalar(at(rangeEnd(pair.key)))
        : convert(doc, pair.value, text, at, depth + 1);
      entries.set(key, { key: at(rangeStart(pair.key)), value });
    }
    return { kind: 'map', entries, position };
  }
  if (isSeq(node)) {
    return { kind: 'list', items: node.items.map((item) => convert(doc, item, text, at, depth + 1)), position };
  }
  if (isScalar(node)) {
    const value = node.value;
    const start = rangeStart(node);
    if (typeof value === 'string') {
      const end = node.range?.[1] ?? start;
      return { kind: 'scalar', value, text: value, position, locate: locator(value, text.slice(start, end), start, at) };
    }
    if (typeof value === 'number' || typeof value === 'bigint') {
      const source = node.source ?? String(value);
      return { kind: 'scalar', value: Number(value), text: source, position, locate: () => position };
    }
    if (typeof value === 'boolean') return { kind: 'scalar', value, text: String(value), position, locate: () => position };
    if (value === null || value === undefined) return nullScalar(position);
    throw new RuleFileError(position, `sigma: unsupported YAML scalar type: ${typeof value}`);
  }
  throw new RuleFileError(position, 'sigma: unsupported YAML node');
}

function nullScalar(position: SourcePosition): YScalar {
  return { kind: 'scalar', value: null, text: '', position, locate: () => position };
}

function rangeStart(node: unknown): number {
  return (node as Node | null)?.range?.[0] ?? 0;
}

function rangeEnd(node: unknown): number {
  return (node as Node | null)?.range?.[1] ?? 0;
}

/**
 * Map offsets in a string value to offsets in its source text by walking both
 * (the value is a subsequence of the source once quotes, escapes and line
 * folding are skipped). Exact for plain and quoted one-line scalars; for
 * folded ones, the nearest source character.
 */
function locator(value: string, source: string, start: number, at: (offset: number) => SourcePosition): (offset: number) => SourcePosition {
  let map: number[] | null = null;
  return (offset) => {
    if (map === null) {
      map = [];
      let j = 0;
      for (let k = 0; k < value.length; k++) {
        const ch = value[k];
        while (j < source.length && source[j] !== ch) j++;
        map.push(j < source.length ? j : Math.max(0, source.length - 1));
        if (j < source.length) j++;
      }
    }
    const i = Math.min(Math.max(0, offset), map.length);
    const rel = i < map.length ? map[i]! : (map.length > 0 ? map[map.length - 1]! + 1 : 0);
    return at(start + rel);
  };
}

function withoutKey(map: YMap, key: string): YMap {
  const entries = new Map(map.entries);
  entries.delete(key);
  return { kind: 'map', entries, position: map.position };
}

/** `over` merged onto `base`: maps merge key by key, anything else in `over` replaces. */
function mergeMaps(base: YMap, over: YMap): YMap {
  const entries = new Map(base.entries);
  for (const [key, entry] of over.entries) {
    const old = entries.get(key);
    if (old !== undefined && old.value.kind === 'map' && entry.value.kind === 'map') {
      entries.set(key, { key: entry.key, value: mergeMaps(old.value, entry.value) });
    } else {
      entries.set(key, entry);
    }
  }
  return { kind: 'map', entries, position: over.position };
}
