/**
 * Applies the items of Falco rules files in order, as Falco's loader does:
 * a later definition of a list, macro or rule replaces the earlier one (a
 * rule keeps its place in the order); `append: true` and `override:` extend
 * or replace parts of an existing item (conditions are appended as text
 * joined by a space, like Falco); a rule item holding only `enabled` turns an
 * existing rule on or off; exceptions with the same name gain values.
 * A malformed item does not stop the others: the problem is kept on the item
 * (`error`) and reported for the rules it affects (a malformed list or
 * macro is also a note). File-level keys (`required_engine_version`,
 * `required_plugin_versions`) become notes.
 */
import type { SourcePosition } from '../types.js';
import type { FalcoFile, YamlMap, YamlNode, YamlScalar } from './load.js';
import { SourceText, formatPosition } from './source-text.js';

/** A list item: its text as written in YAML (quotes inside it are Falco's). */
export interface ListItem { text: string; pos: SourcePosition }
export interface ListDef { name: string; items: ListItem[]; pos: SourcePosition; error?: string }
export interface MacroDef { name: string; condition: SourceText; pos: SourcePosition; error?: string }

/** One exception value: a string, or a list of strings (for list operators). */
export type ExceptionValue = { text: string; pos: SourcePosition } | { list: { text: string; pos: SourcePosition }[]; pos: SourcePosition };
/** A rule exception as written: `fields`/`comps` single (string) or a list. */
export interface ExceptionDef {
  name: string;
  pos: SourcePosition;
  fields: string | string[];
  comps: string | string[] | undefined;
  /** Single field: one value per entry. List of fields: one tuple per entry. */
  values: ExceptionValue[][];
}

export interface RuleDef {
  name: string;
  pos: SourcePosition;
  condition: SourceText | undefined;
  output: SourceText | undefined;
  desc: string;
  priority: string;
  source: string;
  tags: string[];
  enabled: boolean;
  exceptions: ExceptionDef[];
  /** The item was malformed: `file:line:col: what`. */
  error?: string;
}

/** Everything the files define, after appends and overrides. */
export interface Definitions {
  lists: Map<string, ListDef>;
  macros: Map<string, MacroDef>;
  rules: RuleDef[];
  notes: string[];
}

const PRIORITIES = new Set(['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'informational', 'info', 'debug']);
const APPENDABLE = new Set(['condition', 'output', 'desc', 'tags', 'exceptions']);
const REPLACEABLE = new Set(['condition', 'output', 'desc', 'priority', 'tags', 'exceptions', 'enabled', 'warn_evttypes', 'skip-if-unknown-filter', 'capture', 'capture_duration']);

/** Apply `files` in order. */
export function collectDefinitions(files: FalcoFile[]): Definitions {
  const defs: Definitions = { lists: new Map(), macros: new Map(), rules: [], notes: [] };
  for (const file of files) {
    for (const item of file.items) {
      if (item.type !== 'map') {
        defs.notes.push(`${formatPosition(item.pos)}: ignored: an item that is not a mapping`);
        continue;
      }
      if (item.entries.has('rule')) applyRule(defs, item);
      else if (item.entries.has('macro')) applyMacro(defs, item);
      else if (item.entries.has('list')) applyList(defs, item);
      else if (item.entries.has('required_engine_version')) {
        defs.notes.push(`${formatPosition(item.pos)}: required_engine_version ${scalar(item, 'required_engine_version')?.value ?? ''} noted; hindsight compiles the rules itself`);
      } else if (item.entries.has('required_plugin_versions')) {
        defs.notes.push(`${formatPosition(item.pos)}: required_plugin_versions ignored: plugins are not loaded; their fields are reported per rule`);
      } else {
        defs.notes.push(`${formatPosition(item.pos)}: ignored: unknown item with keys ${[...item.entries.keys()].join(', ')}`);
      }
    }
  }
  return defs;
}

class ItemError extends Error {}

function fail(pos: SourcePosition, message: string): never {
  throw new ItemError(`${formatPosition(pos)}: ${message}`);
}

function scalar(m: YamlMap, key: string): YamlScalar | undefined {
  const n = m.entries.get(key);
  if (n === undefined) return undefined;
  if (n.type !== 'scalar') fail(n.pos, `${key} must be a string`);
  return n;
}

function bool(m: YamlMap, key: string): boolean | undefined {
  const s = scalar(m, key);
  if (s === undefined) return undefined;
  const v = s.value.toLowerCase();
  if (['true', 'yes', 'on', 'y'].includes(v)) return true;
  if (['false', 'no', 'off', 'n'].includes(v)) return false;
  return fail(s.pos, `${key} must be true or false, got ${JSON.stringify(s.value)}`);
}

function strings(n: YamlNode, what: string): { text: string; pos: SourcePosition }[] {
  if (n.type === 'scalar' && n.value === '') return [];
  if (n.type !== 'seq') fail(n.pos, `${what} must be a list`);
  return n.items.map((i) => {
    if (i.type !== 'scalar') fail(i.pos, `${what} must hold strings`);
    return { text: i.value, pos: i.pos };
  });
}

/** `override:` as key -> 'append' | 'replace', checked against the keys present. */
function overrides(m: YamlMap, allowedAppend: Set<string>, allowedReplace: Set<string>): Map<string, 'append' | 'replace'> | undefined {
  const o = m.entries.get('override');
  if (o === undefined) return undefined;
  if (o.type !== 'map') fail(o.pos, 'override must be a mapping of key: append|replace');
  const out = new Map<string, 'append' | 'replace'>();
  for (const [k, v] of o.entries) {
    if (v.type !== 'scalar' || (v.value !== 'append' && v.value !== 'replace')) fail(v.pos, `override of ${k} must be append or replace`);
    if (v.value === 'append' && !allowedAppend.has(k)) fail(v.pos, `key ${k} cannot be appended`);
    if (v.value === 'replace' && !allowedReplace.has(k)) fail(v.pos, `key ${k} cannot be replaced`);
    if (!m.entries.has(k)) fail(v.pos, `override names ${k} but the item has no ${k}`);
    out.set(k, v.value);
  }
  for (const k of m.entries.keys()) {
    if (!out.has(k) && !['rule', 'macro', 'list', 'override'].includes(k)) fail(m.keyPos.get(k) ?? m.pos, `key ${k} has no override entry`);
  }
  return out;
}

function applyList(defs: Definitions, m: YamlMap): void {
  const name = scalar(m, 'list')?.value ?? '';
  try {
    const itemsNode = m.entries.get('items');
    const items = itemsNode === undefined ? undefined : strings(itemsNode, `list ${name}: items`);
    const over = overrides(m, new Set(['items']), new Set(['items']));
    const append = bool(m, 'append') === true || over?.get('items') === 'append';
    const replace = over?.get('items') === 'replace';
    const prev = defs.lists.get(name);
    if (append || replace) {
      if (prev === undefined) fail(m.pos, `list ${name}: ${append ? 'append' : 'override'} to a list that is not defined`);
      if (items === undefined) fail(m.pos, `list ${name}: no items`);
      prev.items = append ? [...prev.items, ...items] : items;
      return;
    }
    if (items === undefined) fail(m.pos, `list ${name}: no items`);
    defs.lists.set(name, { name, items, pos: m.pos });
  } catch (e) {
    if (!(e instanceof ItemError)) throw e;
    defs.notes.push(`malformed list: ${e.message}`);
    const prev = defs.lists.get(name);
    if (prev) prev.error = e.message;
    else defs.lists.set(name, { name, items: [], pos: m.pos, error: e.message });
  }
}

function applyMacro(defs: Definitions, m: YamlMap): void {
  const name = scalar(m, 'macro')?.value ?? '';
  try {
    const cond = scalar(m, 'condition');
    const over = overrides(m, new Set(['condition']), new Set(['condition']));
    const append = bool(m, 'append') === true || over?.get('condition') === 'append';
    const replace = over?.get('condition') === 'replace';
    const prev = defs.macros.get(name);
    if (cond === undefined) fail(m.pos, `macro ${name}: no condition`);
    if (append || replace) {
      if (prev === undefined) fail(m.pos, `macro ${name}: ${append ? 'append' : 'override'} to a macro that is not defined`);
      prev.condition = append ? SourceText.concat([prev.condition, cond.text]) : cond.text;
      return;
    }
    defs.macros.set(name, { name, condition: cond.text, pos: m.pos });
  } catch (e) {
    if (!(e instanceof ItemError)) throw e;
    defs.notes.push(`malformed macro: ${e.message}`);
    const prev = defs.macros.get(name);
    if (prev) prev.error = e.message;
    else defs.macros.set(name, { name, condition: SourceText.at('', m.pos), pos: m.pos, error: e.message });
  }
}

function applyRule(defs: Definitions, m: YamlMap): void {
  const nameNode = m.entries.get('rule');
  const name = nameNode?.type === 'scalar' && nameNode.value !== '' ? nameNode.value : `<unnamed rule at ${formatPosition(m.pos)}>`;
  const index = defs.rules.findIndex((r) => r.name === name);
  const prev = index >= 0 ? defs.rules[index] : undefined;
  try {
    const over = overrides(m, APPENDABLE, REPLACEABLE);
    const append = bool(m, 'append') === true;
    if (over !== undefined || append) {
      if (prev === undefined) fail(m.pos, `rule ${name}: ${append ? 'append' : 'override'} to a rule that is not defined`);
      const mode = (key: string): 'append' | 'replace' | undefined =>
        over ? over.get(key) : m.entries.has(key) ? (APPENDABLE.has(key) ? 'append' : 'replace') : undefined;
      mergeRule(prev, m, mode);
      return;
    }
    const keys = [...m.entries.keys()].filter((k) => k !== 'rule');
    if (keys.length === 1 && keys[0] === 'enabled') {
      if (prev === undefined) fail(m.pos, `rule ${name}: enabled given for a rule that is not defined`);
      prev.enabled = bool(m, 'enabled')!;
      return;
    }
    const rule = newRule(name, m);
    if (prev) defs.rules[index] = rule;
    else defs.rules.push(rule);
  } catch (e) {
    if (!(e instanceof ItemError)) throw e;
    if (prev) prev.error = e.message;
    else defs.rules.push({ name, pos: m.pos, condition: undefined, output: undefined, desc: '', priority: '', source: 'syscall', tags: [], enabled: true, exceptions: [], error: e.message });
  }
}

function newRule(name: string, m: YamlMap): RuleDef {
  const cond = scalar(m, 'condition');
  const output = scalar(m, 'output');
  const priority = scalar(m, 'priority');
  if (cond === undefined) fail(m.pos, `rule ${name}: no condition`);
  if (output === undefined) fail(m.pos, `rule ${name}: no output`);
  if (priority === undefined) fail(m.pos, `rule ${name}: no priority`);
  return {
    name,
    pos: m.pos,
    condition: cond.text,
    output: output.text,
    desc: scalar(m, 'desc')?.value ?? '',
    priority: checkPriority(priority),
    source: scalar(m, 'source')?.value || 'syscall',
    tags: m.entries.has('tags') ? strings(m.entries.get('tags')!, `rule ${name}: tags`).map((t) => t.text) : [],
    enabled: bool(m, 'enabled') ?? true,
    exceptions: m.entries.has('exceptions') ? readExceptions(m.entries.get('exceptions')!, name) : [],
  };
}

function checkPriority(p: YamlScalar): string {
  const v = p.value.toLowerCase();
  if (!PRIORITIES.has(v)) fail(p.pos, `invalid priority ${JSON.stringify(p.value)}`);
  return v;
}

function mergeRule(prev: RuleDef, m: YamlMap, mode: (key: string) => 'append' | 'replace' | undefined): void {
  const cond = mode('condition');
  if (cond) {
    const c = scalar(m, 'condition')!.text;
    prev.condition = cond === 'append' && prev.condition ? SourceText.concat([prev.condition, c]) : c;
  }
  const out = mode('output');
  if (out) {
    const o = scalar(m, 'output')!.text;
    prev.output = out === 'append' && prev.output ? SourceText.concat([prev.output, o]) : o;
  }
  const desc = mode('desc');
  if (desc) prev.desc = desc === 'append' ? `${prev.desc} ${scalar(m, 'desc')!.value}` : scalar(m, 'desc')!.value;
  const tags = mode('tags');
  if (tags) {
    const t = strings(m.entries.get('tags')!, `rule ${prev.name}: tags`).map((x) => x.text);
    prev.tags = tags === 'append' ? [...prev.tags, ...t] : t;
  }
  if (mode('priority')) prev.priority = checkPriority(scalar(m, 'priority')!);
  if (mode('enabled')) prev.enabled = bool(m, 'enabled')!;
  const ex = mode('exceptions');
  if (ex) {
    const incoming = readExceptions(m.entries.get('exceptions')!, prev.name, true);
    if (ex === 'replace') prev.exceptions = incoming;
    else {
      for (const e of incoming) {
        const same = prev.exceptions.find((p) => p.name === e.name);
        if (same) same.values.push(...e.values);
        else if (e.fields.length === 0) fail(e.pos, `rule ${prev.name}: exception ${e.name} has no fields and no earlier definition`);
        else prev.exceptions.push(e);
      }
    }
  }
}

function readExceptions(n: YamlNode, rule: string, appending = false): ExceptionDef[] {
  if (n.type !== 'seq') fail(n.pos, `rule ${rule}: exceptions must be a list`);
  return n.items.map((item) => {
    if (item.type !== 'map') fail(item.pos, `rule ${rule}: an exception must be a mapping`);
    const name = scalar(item, 'name');
    if (name === undefined || name.value === '') fail(item.pos, `rule ${rule}: exception without a name`);
    const fieldsNode = item.entries.get('fields');
    const compsNode = item.entries.get('comps');
    if (fieldsNode === undefined && !appending) fail(item.pos, `rule ${rule}: exception ${name.value} has no fields`);
    const fields = fieldsNode === undefined ? [] : fieldsNode.type === 'scalar' ? fieldsNode.value : strings(fieldsNode, 'exception fields').map((f) => f.text);
    const comps = compsNode === undefined ? undefined : compsNode.type === 'scalar' ? compsNode.value : strings(compsNode, 'exception comps').map((c) => c.text);
    if (Array.isArray(fields) && Array.isArray(comps) && comps.length !== fields.length) {
      fail(compsNode!.pos, `rule ${rule}: exception ${name.value}: fields and comps lists must have equal length`);
    }
    const valuesNode = item.entries.get('values');
    const values: ExceptionValue[][] = [];
    if (valuesNode !== undefined && !(valuesNode.type === 'scalar' && valuesNode.value === '')) {
      if (valuesNode.type !== 'seq') fail(valuesNode.pos, `rule ${rule}: exception ${name.value}: values must be a list`);
      for (const v of valuesNode.items) values.push(exceptionEntry(v, fields, rule, name.value));
    }
    return { name: name.value, pos: item.pos, fields, comps, values };
  });
}

function exceptionEntry(v: YamlNode, fields: string | string[], rule: string, name: string): ExceptionValue[] {
  const one = (x: YamlNode): ExceptionValue => {
    if (x.type === 'scalar') return { text: x.value, pos: x.pos };
    if (x.type === 'seq') return { list: strings(x, 'exception value'), pos: x.pos };
    return fail(x.pos, `rule ${rule}: exception ${name}: a value must be a string or a list`);
  };
  if (Array.isArray(fields) && fields.length === 0) return v.type === 'seq' ? v.items.map(one) : [one(v)];
  if (!Array.isArray(fields)) {
    if (v.type !== 'scalar') fail(v.pos, `rule ${rule}: exception ${name}: values of a single field must be strings`);
    return [one(v)];
  }
  if (v.type !== 'seq') fail(v.pos, `rule ${rule}: exception ${name}: each value must be a list matching fields`);
  if (fields.length > 0 && v.items.length !== fields.length) fail(v.pos, `rule ${rule}: exception ${name}: fields and values lists must have equal length`);
  return v.items.map(one);
}
