/**
 * MISP JSON exports: an event (`{"Event": {...}}`), a list of them (a bare
 * array, or `{"response": [...]}` from the REST API), or an attribute search
 * result (`{"response": {"Attribute": [...]}}`). Attributes come from the
 * event's `Attribute` list and from each `Object`'s. Each attribute keeps its
 * uuid and the line where that uuid is written. Attributes flagged
 * `deleted`, of an unsupported type, or with a bad value are skipped
 * entries; `to_ids: false` attributes are kept (a recording is searched after
 * the fact, where context indicators still matter).
 */
import { RuleFileError } from '../types.js';
import { type Indicator, readIndicator } from './indicator.js';
import type { IocParseResult } from './parse.js';

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** 1-based line of a character offset. */
function lineIndex(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid; else hi = mid - 1;
    }
    return lo + 1;
  };
}

/**
 * Where JSON.parse failed: from `at position N` (`line L column C`) when the
 * engine says so, else from the excerpt V8 quotes (`..."<10 characters before
 * and after>"...`), else the end of the text for an unexpected end.
 */
function jsonErrorOffset(text: string, message: string): number | null {
  const pos = /position (\d+)/.exec(message);
  if (pos !== null) return Number(pos[1]);
  if (/end of (JSON )?input/i.test(message)) return text.length;
  const quoted = /Unexpected (?:token|non-whitespace character)[^,]*, (\.\.\.)?"([\s\S]*?)"(?:\.\.\.)? is not valid JSON/.exec(message);
  if (quoted === null) return null;
  const at = text.indexOf(quoted[2]!);
  if (at < 0) return null;
  if (quoted[1] !== undefined) return at + 10;
  const token = /Unexpected token '(.)'/.exec(message)?.[1];
  return at + Math.max(0, token === undefined ? 0 : quoted[2]!.indexOf(token));
}

function jsonError(path: string, text: string, err: unknown): RuleFileError {
  const message = err instanceof Error ? err.message : String(err);
  const lc = /line (\d+) column (\d+)/.exec(message);
  let line = 1;
  let column = 1;
  const offset = jsonErrorOffset(text, message);
  if (lc !== null) {
    line = Number(lc[1]);
    column = Number(lc[2]);
  } else if (offset !== null) {
    line = lineIndex(text)(offset);
    column = offset - (text.lastIndexOf('\n', offset - 1) + 1) + 1;
  }
  return new RuleFileError({ file: path, line, column }, `ioc: not valid JSON: ${message.split('\n')[0]}`, { cause: err });
}

interface Source {
  attributes: Json[];
  info?: string;
}

function eventSource(event: Record<string, Json>): Source {
  const attributes: Json[] = Array.isArray(event.Attribute) ? [...event.Attribute] : [];
  if (Array.isArray(event.Object)) {
    for (const obj of event.Object) {
      if (isObject(obj) && Array.isArray(obj.Attribute)) {
        for (const a of obj.Attribute) attributes.push(isObject(a) && typeof obj.name === 'string' ? { ...a, hs_object: obj.name } : a);
      }
    }
  }
  return typeof event.info === 'string' ? { attributes, info: event.info } : { attributes };
}

function sourcesOf(root: Json): Source[] | null {
  const events = (list: Json[]) => list.map((e) => (isObject(e) && isObject(e.Event) ? e.Event : e)).filter(isObject);
  if (Array.isArray(root)) return events(root).map(eventSource);
  if (!isObject(root)) return null;
  if (isObject(root.Event)) return [eventSource(root.Event)];
  if (Array.isArray(root.response)) return events(root.response).map(eventSource);
  if (isObject(root.response) && Array.isArray(root.response.Attribute)) return [{ attributes: root.response.Attribute }];
  if (Array.isArray(root.Attribute) || Array.isArray(root.Object)) return [eventSource(root)];
  return null;
}

/** Parses a MISP JSON export (formats/ioc.md). @throws RuleFileError when the text is not JSON or not a MISP export. */
export function parseMispJson(path: string, text: string): IocParseResult {
  let root: Json;
  try {
    root = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw jsonError(path, text, err);
  }
  const sources = sourcesOf(root);
  if (sources === null) {
    throw new RuleFileError({ file: path, line: 1, column: 1 },
      'ioc: JSON is not a MISP export: expected {"Event": {...}}, {"response": [...]} or a list of events');
  }
  const lineOf = lineIndex(text);
  const uuidLines = new Map<string, number>();
  for (const m of text.matchAll(/"uuid"\s*:\s*"([^"\\]*)"/g)) {
    if (!uuidLines.has(m[1]!)) uuidLines.set(m[1]!, lineOf(m.index!));
  }
  const out: IocParseResult = { indicators: [], skipped: [] };
  for (const source of sources) {
    for (const attr of source.attributes) {
      if (!isObject(attr)) continue;
      const uuid = typeof attr.uuid === 'string' ? attr.uuid : undefined;
      const line = (uuid !== undefined ? uuidLines.get(uuid) : undefined) ?? 1;
      const value = attr.value;
      if (typeof attr.type !== 'string' || typeof value !== 'string') {
        out.skipped.push({ line, value: typeof value === 'string' ? value : '', reason: 'attribute without a string type and value' });
        continue;
      }
      if (attr.deleted === true) {
        out.skipped.push({ line, value, reason: 'attribute is marked deleted' });
        continue;
      }
      const reading = readIndicator(value, attr.type);
      const context = [source.info, typeof attr.hs_object === 'string' ? `object ${attr.hs_object}` : undefined,
        typeof attr.comment === 'string' && attr.comment !== '' ? attr.comment : undefined];
      for (const f of reading.found) {
        const ind: Indicator = { type: f.type, value: f.value, label: f.label, file: path, line };
        const c = [...context, f.comment].filter((x) => x !== undefined).join('; ');
        if (c !== '') ind.comment = c;
        if (uuid !== undefined) ind.ref = uuid;
        out.indicators.push(ind);
      }
      for (const reason of reading.skipped) out.skipped.push({ line, value, reason: `MISP ${attr.type}: ${reason}` });
    }
  }
  return out;
}
