/**
 * Sigma field keys (`CommandLine|base64offset|contains`) -> what to match and
 * how, and the value transformations the modifiers ask for.
 *
 * Kinds of modifier (Sigma specification, "Modifiers"):
 * - match: `contains`, `startswith`, `endswith` (default: equality), `re`
 *   (with `i`/`m`/`s`), `cidr`, `exists`, `gt`/`gte`/`lt`/`lte`; `fieldref`
 *   makes the values field names (alone or with contains/startswith/endswith);
 * - list and case: `all` (every value instead of any), `cased`;
 * - transformations, applied left to right to each value: `windash` (every
 *   `-` or `/` that starts a word becomes each of `-` `/` `–` `—` `―`),
 *   `wide`/`utf16le`, `utf16be`, `utf16` (encoding for a following base64),
 *   `base64`, `base64offset` (the three encodings of the value at byte offsets
 *   0, 1 and 2 of a longer base64 text, unstable edges cut).
 *
 * Unknown modifiers and contradictory combinations are errors (RuleInvalid);
 * modifiers this compiler knows but cannot honour (`expand` placeholders,
 * time-part modifiers) make the rule unsupported (RuleUnsupported).
 */
import type { SourcePosition } from '../types.js';
import { RuleInvalid, RuleUnsupported } from './errors.js';
import { normalize, patternText, type Pattern, type PatternPart } from './pattern.js';

/** What a field key asks for. */
export interface FieldSpec {
  /** The field name ('' for a keyword search such as `'|all':`). */
  field: string;
  match: 'equals' | 'contains' | 'startswith' | 'endswith' | 're' | 'cidr' | 'exists' | 'gt' | 'gte' | 'lt' | 'lte';
  /** The values name other fields (`fieldref`). */
  fieldref: boolean;
  all: boolean;
  cased: boolean;
  /** `re` sub-modifiers as RE2 inline flags, e.g. `is`. */
  reFlags: string;
  transforms: Transform[];
}

export type Transform = 'windash' | 'base64' | 'base64offset' | 'utf16le' | 'utf16be' | 'utf16';

const STRING_MATCH = new Set(['contains', 'startswith', 'endswith']);
const SINGLE_MATCH = new Set(['contains', 'startswith', 'endswith', 're', 'cidr', 'exists', 'gt', 'gte', 'lt', 'lte']);
const RE_FLAGS: Record<string, string> = { i: 'i', ignorecase: 'i', m: 'm', multiline: 'm', s: 's', dotall: 's' };
const ENCODINGS: Record<string, Transform> = { wide: 'utf16le', utf16le: 'utf16le', utf16be: 'utf16be', utf16: 'utf16' };
const TIME_PARTS = new Set(['minute', 'hour', 'day', 'week', 'month', 'year']);

/** The dash characters `windash` substitutes (pySigma's set). */
export const WINDASH_CHARS = ['-', '/', '\u2013', '\u2014', '\u2015'] as const;
/** At most this many dashes are expanded in one value (5^4 = 625 variants). */
const MAX_WINDASH = 4;

/**
 * Parse a detection key such as `Image|endswith` or `CommandLine|re|i`.
 * @throws RuleInvalid (unknown modifier, contradictory modifiers) at `position`.
 * @throws RuleUnsupported for `expand` and time-part modifiers.
 */
export function parseFieldKey(key: string, position: SourcePosition): FieldSpec {
  const [field = '', ...mods] = key.split('|');
  const spec: FieldSpec = { field, match: 'equals', fieldref: false, all: false, cased: false, reFlags: '', transforms: [] };
  const bad = (detail: string): never => {
    throw new RuleInvalid(position, `${JSON.stringify(key)}: ${detail}`);
  };
  for (const raw of mods) {
    const mod = raw.toLowerCase();
    if (SINGLE_MATCH.has(mod)) {
      if (spec.match !== 'equals') bad(`modifiers ${spec.match} and ${mod} cannot be combined`);
      spec.match = mod as FieldSpec['match'];
    } else if (mod === 'all') spec.all = true;
    else if (mod === 'cased') spec.cased = true;
    else if (mod === 'fieldref') spec.fieldref = true;
    else if (mod in RE_FLAGS) {
      if (spec.match !== 're') bad(`modifier ${raw} needs re before it`);
      if (!spec.reFlags.includes(RE_FLAGS[mod]!)) spec.reFlags += RE_FLAGS[mod]!;
    } else if (mod in ENCODINGS) spec.transforms.push(ENCODINGS[mod]!);
    else if (mod === 'base64' || mod === 'base64offset' || mod === 'windash') spec.transforms.push(mod);
    else if (mod === 'expand') throw new RuleUnsupported(`modifier expand (placeholder ${field} values) needs placeholder definitions, which hindsight does not have`);
    else if (TIME_PARTS.has(mod)) throw new RuleUnsupported(`modifier ${mod} (time part of a date field) is not supported`);
    else bad(`unknown modifier ${JSON.stringify(raw)}`);
  }
  const stringMatch = spec.match === 'equals' || STRING_MATCH.has(spec.match);
  if (spec.transforms.length > 0 && !stringMatch) bad(`modifier ${spec.match} cannot follow a value transformation`);
  if (spec.cased && !stringMatch) bad(`modifier cased applies to string matching, not ${spec.match}`);
  if (spec.fieldref && (!stringMatch || spec.transforms.length > 0)) bad('modifier fieldref combines only with contains, startswith, endswith, all and cased');
  let lastEncoding = -1;
  spec.transforms.forEach((t, i) => {
    if (t.startsWith('utf16')) lastEncoding = i;
  });
  if (lastEncoding >= 0 && !spec.transforms.slice(lastEncoding).some((t) => t.startsWith('base64'))) {
    throw new RuleUnsupported(`modifier ${mods.find((m) => m.toLowerCase() in ENCODINGS)} without base64 after it matches UTF-16 text; Linux command lines and paths are not UTF-16`);
  }
  return spec;
}

/**
 * The patterns a value stands for after `transforms` (one pattern when there
 * are none). `detail` throws for a value the transformation cannot take.
 */
export function transformPattern(pattern: Pattern, transforms: Transform[], detail: (message: string) => never): Pattern[] {
  let out: Pattern[] = [pattern];
  let encoding: 'utf8' | 'utf16le' | 'utf16be' | 'utf16' = 'utf8';
  for (const t of transforms) {
    if (t === 'utf16le' || t === 'utf16be' || t === 'utf16') encoding = t;
    else if (t === 'windash') out = out.flatMap((p) => windash(p, detail));
    else out = out.flatMap((p) => base64Variants(p, t, encoding, detail));
  }
  return out;
}

function windash(pattern: Pattern, detail: (message: string) => never): Pattern[] {
  const tokens: (string | PatternPart)[] = pattern.flatMap((p): (string | PatternPart)[] => (p.kind === 'text' ? [...p.text] : [p]));
  const word = (t: string | PatternPart | undefined): boolean => typeof t === 'string' && /^[\p{L}\p{N}_]$/u.test(t);
  const spots: number[] = [];
  tokens.forEach((t, i) => {
    if ((t === '-' || t === '/') && !word(tokens[i - 1]) && word(tokens[i + 1])) spots.push(i);
  });
  if (spots.length > MAX_WINDASH) detail(`windash: ${spots.length} dashes would make ${WINDASH_CHARS.length ** spots.length} variants (at most ${MAX_WINDASH} dashes)`);
  let variants: (string | PatternPart)[][] = [tokens];
  for (const spot of spots) {
    variants = variants.flatMap((v) => WINDASH_CHARS.map((c) => v.map((t, i) => (i === spot ? c : t))));
  }
  return variants.map((v) => normalize(v.map((t) => (typeof t === 'string' ? { kind: 'text', text: t } : t))));
}

function encode(text: string, encoding: 'utf8' | 'utf16le' | 'utf16be' | 'utf16'): Buffer {
  if (encoding === 'utf8') return Buffer.from(text, 'utf8');
  const le = Buffer.from(text, 'utf16le');
  if (encoding === 'utf16le') return le;
  if (encoding === 'utf16') return Buffer.concat([Buffer.from([0xff, 0xfe]), le]);
  const be = Buffer.from(le);
  be.swap16();
  return be;
}

/** Start cut for offsets 0, 1, 2 (characters that depend on unknown preceding bytes). */
const OFFSET_START = [0, 2, 3] as const;

function base64Variants(pattern: Pattern, how: 'base64' | 'base64offset', encoding: 'utf8' | 'utf16le' | 'utf16be' | 'utf16', detail: (message: string) => never): Pattern[] {
  const text = patternText(pattern);
  if (text === null) detail(`${how}: a value with wildcards cannot be encoded`);
  const bytes = encode(text!, encoding);
  if (how === 'base64') return [[{ kind: 'text', text: bytes.toString('base64') }]];
  const out: Pattern[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset, 0x20), bytes]).toString('base64');
    // Trailing characters that depend on the bytes after the value are cut too.
    const rest = (bytes.length + offset) % 3;
    const end = rest === 0 ? encoded.length : encoded.length - (rest === 1 ? 3 : 2);
    const variant = encoded.slice(OFFSET_START[offset], end);
    if (variant === '') detail(`base64offset: value ${JSON.stringify(text)} is too short to encode at offset ${offset}`);
    out.push([{ kind: 'text', text: variant }]);
  }
  return out;
}
