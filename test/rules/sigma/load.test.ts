/**
 * Reading Sigma files: positions, scalar texts, rule collections, and the
 * file-level errors a file cannot be read past.
 */
import { describe, expect, it } from 'vitest';
import { RuleFileError } from '../../../src/rules/types.js';
import { loadSigmaFile, type YMap, type YNode, type YScalar } from '../../../src/rules/sigma/load.js';

const get = (map: YMap, ...keys: string[]): YNode => {
  let node: YNode = map;
  for (const key of keys) {
    if (node.kind !== 'map') throw new Error(`not a map at ${key}`);
    node = node.entries.get(key)!.value;
  }
  return node;
};
const scalar = (map: YMap, ...keys: string[]) => get(map, ...keys) as YScalar;
const title = (map: YMap) => scalar(map, 'title').text;

describe('loadSigmaFile', () => {
  it('keeps the source text of numbers and the value of other scalars', () => {
    const [doc] = loadSigmaFile({ path: 'n.yml', text: 'title: t\ndetection:\n  sel:\n    a1: 0777\n    b: true\n    c: null\n    d: "x"\n' });
    expect(scalar(doc!.body, 'detection', 'sel', 'a1')).toMatchObject({ value: 777, text: '0777' });
    expect(scalar(doc!.body, 'detection', 'sel', 'b')).toMatchObject({ value: true, text: 'true' });
    expect(scalar(doc!.body, 'detection', 'sel', 'c')).toMatchObject({ value: null, text: '' });
    expect(scalar(doc!.body, 'detection', 'sel', 'd')).toMatchObject({ value: 'x', text: 'x' });
  });

  it('gives a key with no value a null scalar', () => {
    const [doc] = loadSigmaFile({ path: 'n.yml', text: 'detection:\n  sel:\n    Image:\n' });
    expect(scalar(doc!.body, 'detection', 'sel', 'Image').value).toBeNull();
  });

  it('positions documents and keys by line and column', () => {
    const [doc] = loadSigmaFile({ path: 'p.yml', text: '# comment\ntitle: t\ndetection:\n    sel:\n        Image: x\n' });
    expect(doc!.position).toEqual({ file: 'p.yml', line: 2, column: 1 });
    const sel = get(doc!.body, 'detection', 'sel') as YMap;
    expect(sel.entries.get('Image')!.key).toEqual({ file: 'p.yml', line: 5, column: 9 });
  });

  const locations: [string, string, number, [number, number]][] = [
    ['a plain condition maps offsets one to one', 'condition: selection and )\n', 14, [1, 26]],
    ['a single-quoted condition skips the quote', "condition: 'a and )'\n", 6, [1, 19]],
    ['a double-quoted condition skips the quote', 'condition: "a and )"\n', 6, [1, 19]],
    ['a folded plain condition maps onto its later line', 'condition:\n    selection and\n    (a or )\n', 20, [3, 11]],
    ['a literal block condition maps onto its later line', 'condition: |\n    a and\n    b )\n', 8, [3, 7]],
  ];
  it.each(locations)('%s', (_name, text, offset, [line, column]) => {
    const [doc] = loadSigmaFile({ path: 'c.yml', text });
    expect(scalar(doc!.body, 'condition').locate(offset)).toEqual({ file: 'c.yml', line, column });
  });

  it('merges an action: global document into every later rule', () => {
    const text = [
      'action: global', 'title: Shared', 'logsource:', '  product: linux', 'detection:', '  condition: selection', '---',
      'id: a', 'logsource:', '  category: process_creation', 'detection:', '  selection:', '    Image: /a', '---',
      'id: b', 'title: Own title', 'detection:', '  selection:', '    Image: /b', '',
    ].join('\n');
    const docs = loadSigmaFile({ path: 'g.yml', text });
    expect(docs.map((d) => [d.index, scalar(d.body, 'id').text, title(d.body)])).toEqual([[1, 'a', 'Shared'], [2, 'b', 'Own title']]);
    expect(scalar(docs[0]!.body, 'logsource', 'product').text).toBe('linux');
    expect(scalar(docs[0]!.body, 'logsource', 'category').text).toBe('process_creation');
    expect(scalar(docs[1]!.body, 'detection', 'condition').text).toBe('selection');
    expect(docs[1]!.position).toEqual({ file: 'g.yml', line: 15, column: 1 });
  });

  it('repeats the previous rule with the keys of an action: repeat document', () => {
    const text = 'title: One\nid: 1\ndetection:\n  s:\n    Image: /a\n  condition: s\n---\naction: repeat\nid: 2\ndetection:\n  s:\n    Image: /b\n';
    const docs = loadSigmaFile({ path: 'r.yml', text });
    expect(docs.map((d) => [scalar(d.body, 'id').text, title(d.body), scalar(d.body, 'detection', 's', 'Image').text])).toEqual([['1', 'One', '/a'], ['2', 'One', '/b']]);
  });

  it('forgets the global document after action: reset', () => {
    const text = 'action: global\ntitle: G\n---\nid: a\n---\naction: reset\n---\nid: b\n';
    const docs = loadSigmaFile({ path: 'x.yml', text });
    expect(docs.map((d) => d.body.entries.has('title'))).toEqual([true, false]);
  });

  it('ignores empty documents', () => {
    expect(loadSigmaFile({ path: 'e.yml', text: '---\n---\ntitle: t\n---\n' })).toHaveLength(1);
  });

  const fileErrors: [string, string, string][] = [
    ['a YAML syntax error, at its position', 'title: t\ndetection:\n  sel: [a, b\n', 'bad.yml:4:1: YAML: '],
    ['a duplicate key', 'title: a\ntitle: b\n', 'bad.yml:2:1: YAML: Map keys must be unique'],
    ['a document that is not a mapping', 'title: t\n---\n- a\n- b\n', 'bad.yml:3:1: sigma: document 2 is not a mapping'],
    ['an unknown collection action', 'action: merge\n', 'bad.yml:1:9: sigma: unknown collection action: "merge"'],
    ['a repeat with nothing before it', 'action: repeat\nid: x\n', 'bad.yml:1:1: sigma: action: repeat with no rule before it'],
    ['a tab-indented block', 'title: t\ndetection:\n\tsel: x\n', 'bad.yml:3:1: YAML: '],
  ];
  it.each(fileErrors)('throws a RuleFileError for %s', (_name, text, message) => {
    expect(() => loadSigmaFile({ path: 'bad.yml', text })).toThrow(RuleFileError);
    expect(() => loadSigmaFile({ path: 'bad.yml', text })).toThrow(message);
  });
});
