/**
 * Native rule files (formats/native-rules.md) -> validated NativeRule values.
 * One rule per YAML document (several documents per file are allowed).
 * Every problem is reported at its file:line:column: a YAML syntax error or a
 * document that is not a mapping makes the file unreadable (RuleFileError);
 * anything else (unknown or missing keys, bad durations, unknown columns, a
 * `{column}` in `message` that is not one, a condition that does not lex)
 * skips that rule with the exact reason.
 */
import { LineCounter, type Node, type Pair, type Scalar, isMap, isScalar, isSeq, parseAllDocuments } from 'yaml';
import { RuleFileError, type SkippedRule, type SourcePosition } from '../types.js';
import { parseDuration } from './duration.js';
import { checkConditionLexically } from './sql-lexer.js';
import { compileTemplate, isRuleEventColumn } from './template.js';

/** SQL written in a rule, with a way back from an offset in it to the file. */
export interface SqlText {
  text: string;
  position: SourcePosition;
  /** The file position of character `offset` of `text`. */
  at(offset: number): SourcePosition;
}

export type SequenceScope = 'process' | 'tree' | 'host';
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'informational'] as const;

/** A rule that passed validation. */
export interface NativeRule {
  id: string;
  title: string;
  severity: string;
  author?: string;
  description?: string;
  tags: string[];
  position: SourcePosition;
  /** The message template and its compiled SQL expression over one `rule_events` row. */
  message: { template: string; sql: string };
  /** The conditions in order: the plain condition, each sequence step, or the threshold condition. */
  conditions: SqlText[];
  kind: 'plain' | 'sequence' | 'threshold';
  sequence?: { within: string; withinNs: bigint; scope: SequenceScope; by: string[] };
  threshold?: { window: string; windowNs: bigint; count: number; groupBy: string[]; distinct?: string };
}

const TOP_KEYS = ['id', 'title', 'severity', 'author', 'description', 'tags', 'enabled', 'references', 'falsepositives',
  'condition', 'sequence', 'threshold', 'message'];
const SEQUENCE_KEYS = ['within', 'scope', 'by', 'steps'];
const STEP_KEYS = ['condition'];
const THRESHOLD_KEYS = ['condition', 'group_by', 'window', 'count', 'distinct'];

/** A rule problem at a file position. */
class RuleProblem extends Error {
  constructor(readonly position: SourcePosition, message: string) {
    super(message);
  }
}

/** Reading one document: positions and typed getters that throw RuleProblem. */
class DocReader {
  constructor(readonly file: string, readonly text: string, readonly lines: LineCounter) {}

  pos(offset: number): SourcePosition {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, column: col };
  }

  nodePos(node: Node | null | undefined, fallback: SourcePosition): SourcePosition {
    return node?.range ? this.pos(node.range[0]) : fallback;
  }

  problem(node: Node | null | undefined, fallback: SourcePosition, message: string): RuleProblem {
    return new RuleProblem(this.nodePos(node, fallback), message);
  }

  /** The pairs of a mapping node, refusing keys not in `allowed`. */
  pairs(node: Node, allowed: readonly string[], where: string, fallback: SourcePosition): Map<string, Pair<Scalar, Node | null>> {
    if (!isMap(node)) throw this.problem(node, fallback, `${where} must be a mapping`);
    const out = new Map<string, Pair<Scalar, Node | null>>();
    for (const pair of node.items) {
      const key = pair.key as Node | null;
      const name = isScalar(key) ? String(key.value) : '';
      if (!allowed.includes(name)) {
        throw this.problem(key, fallback, `unknown key ${JSON.stringify(name)} in ${where} (allowed: ${allowed.join(', ')})`);
      }
      out.set(name, pair as Pair<Scalar, Node | null>);
    }
    return out;
  }

  string(pair: Pair<Scalar, Node | null>, fallback: SourcePosition): string {
    const v = pair.value;
    if (!isScalar(v) || typeof v.value !== 'string' || v.value.trim() === '') {
      throw this.problem(v ?? pair.key, fallback, `${String(pair.key.value)} must be a non-empty string`);
    }
    return v.value;
  }

  stringList(pair: Pair<Scalar, Node | null>, fallback: SourcePosition): { value: string; node: Node }[] {
    const v = pair.value;
    if (isScalar(v) && typeof v.value === 'string') return [{ value: v.value, node: v }];
    if (!isSeq(v)) throw this.problem(v ?? pair.key, fallback, `${String(pair.key.value)} must be a list of strings`);
    return v.items.map((item) => {
      const n = item as Node;
      if (!isScalar(n) || typeof n.value !== 'string') throw this.problem(n, fallback, `${String(pair.key.value)} must be a list of strings`);
      return { value: n.value, node: n };
    });
  }

  columns(pair: Pair<Scalar, Node | null>, fallback: SourcePosition): string[] {
    return this.stringList(pair, fallback).map(({ value, node }) => {
      if (!isRuleEventColumn(value)) throw this.problem(node, fallback, `${String(pair.key.value)}: ${JSON.stringify(value)} is not a rule_events column`);
      return value;
    });
  }

  duration(pair: Pair<Scalar, Node | null>, fallback: SourcePosition): { text: string; ns: bigint } {
    const v = pair.value;
    const text = isScalar(v) ? String(v.value) : '';
    const ns = isScalar(v) && typeof v.value === 'string' ? parseDuration(v.value.trim()) : null;
    if (ns === null) {
      throw this.problem(v ?? pair.key, fallback,
        `${String(pair.key.value)}: bad duration ${JSON.stringify(text)} (expected a number with a unit: 500ms, 60s, 5m, 1h)`);
    }
    return { text: text.trim(), ns };
  }

  /** A condition: lexically checked, with offsets mapped back into the file. */
  condition(pair: Pair<Scalar, Node | null>, fallback: SourcePosition): SqlText {
    const text = this.string(pair, fallback);
    const node = pair.value as Scalar;
    const at = this.mapper(node, text);
    const err = checkConditionLexically(text);
    if (err !== null) throw new RuleProblem(at(err.offset), `condition: ${err.message}`);
    return { text, position: at(0), at };
  }

  /**
   * Offset in a scalar's value -> file position, by walking the value and its
   * source together (indentation, folding and quotes are skipped over).
   */
  mapper(node: Scalar, value: string): (offset: number) => SourcePosition {
    const [start, end] = node.range ?? [0, 0];
    const src = this.text.slice(start, end);
    let j = 0;
    if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') j = src.indexOf('\n') + 1;
    else if (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') j = 1;
    const offsets: number[] = [];
    const space = (ch: string | undefined) => ch !== undefined && /\s/.test(ch);
    for (const ch of value) {
      let k = j;
      while (k < src.length && src[k] !== ch && !(space(ch) && space(src[k]))) k++;
      if (k >= src.length) break;
      offsets.push(start + k);
      j = k + 1;
    }
    return (offset) => this.pos(offsets[Math.min(offset, offsets.length - 1)] ?? start);
  }
}

function skipped(id: string, title: string, position: SourcePosition, status: SkippedRule['status'], reason: string): SkippedRule {
  return { source: 'native', id, title, position, status, reason };
}

/** Reads one document's mapping into a NativeRule (throws RuleProblem). */
function readRule(r: DocReader, root: Node, docPos: SourcePosition, rulePos: SourcePosition): NativeRule | 'disabled' {
  const top = r.pairs(root, TOP_KEYS, 'rule', docPos);
  const need = (key: string) => {
    const p = top.get(key);
    if (p === undefined) throw new RuleProblem(docPos, `missing ${key}`);
    return p;
  };
  const id = r.string(need('id'), docPos);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id)) throw r.problem(need('id').value, docPos, `id ${JSON.stringify(id)} may hold only letters, digits, '.', '_' and '-'`);
  const title = r.string(need('title'), docPos);
  const severity = r.string(need('severity'), docPos).toLowerCase();
  if (!(SEVERITIES as readonly string[]).includes(severity)) {
    throw r.problem(need('severity').value, docPos, `severity ${JSON.stringify(severity)} is not one of ${SEVERITIES.join(', ')}`);
  }
  const enabled = top.get('enabled');
  if (enabled !== undefined) {
    if (!isScalar(enabled.value) || typeof enabled.value.value !== 'boolean') throw r.problem(enabled.value ?? enabled.key, docPos, 'enabled must be true or false');
    if (enabled.value.value === false) return 'disabled';
  }
  const kinds = (['condition', 'sequence', 'threshold'] as const).filter((k) => top.has(k));
  if (kinds.length !== 1) {
    throw new RuleProblem(kinds.length > 1 ? r.nodePos(top.get(kinds[1]!)!.key, docPos) : docPos,
      kinds.length > 1 ? `only one of condition, sequence, threshold may be given (found ${kinds.join(', ')})` : 'missing condition, sequence or threshold');
  }
  const rule: NativeRule = {
    id, title, severity, tags: [], position: rulePos,
    message: { template: title, sql: '' }, conditions: [], kind: 'plain',
  };
  for (const key of ['author', 'description'] as const) {
    const p = top.get(key);
    if (p !== undefined) rule[key] = r.string(p, docPos);
  }
  for (const key of ['references', 'falsepositives'] as const) {
    const p = top.get(key);
    if (p !== undefined) r.stringList(p, docPos);
  }
  const tags = top.get('tags');
  if (tags !== undefined) rule.tags = r.stringList(tags, docPos).map((t) => t.value);

  const kind = kinds[0]!;
  const body = top.get(kind)!;
  if (kind === 'condition') {
    rule.conditions = [r.condition(body, docPos)];
  } else if (kind === 'sequence') {
    rule.kind = 'sequence';
    const seq = r.pairs(body.value as Node, SEQUENCE_KEYS, 'sequence', r.nodePos(body.key, docPos));
    const at = r.nodePos(body.key, docPos);
    const within = seq.get('within');
    if (within === undefined) throw new RuleProblem(at, 'sequence: missing within');
    const steps = seq.get('steps');
    if (steps === undefined) throw new RuleProblem(at, 'sequence: missing steps');
    if (!isSeq(steps.value) || steps.value.items.length < 2) throw r.problem(steps.value ?? steps.key, at, 'sequence: steps must be a list of at least 2 steps');
    for (const item of steps.value.items) {
      const step = r.pairs(item as Node, STEP_KEYS, 'sequence step', r.nodePos(item as Node, at));
      const cond = step.get('condition');
      if (cond === undefined) throw r.problem(item as Node, at, 'sequence step: missing condition');
      rule.conditions.push(r.condition(cond, at));
    }
    const scopePair = seq.get('scope');
    const scope = scopePair === undefined ? 'process' : r.string(scopePair, at);
    if (scope !== 'process' && scope !== 'tree' && scope !== 'host') {
      throw r.problem(scopePair!.value, at, `sequence: scope ${JSON.stringify(scope)} is not one of process, tree, host`);
    }
    const by = seq.get('by');
    const w = r.duration(within, at);
    rule.sequence = { within: w.text, withinNs: w.ns, scope, by: by === undefined ? [] : r.columns(by, at) };
  } else {
    rule.kind = 'threshold';
    const at = r.nodePos(body.key, docPos);
    const th = r.pairs(body.value as Node, THRESHOLD_KEYS, 'threshold', at);
    const get = (key: string) => {
      const p = th.get(key);
      if (p === undefined) throw new RuleProblem(at, `threshold: missing ${key}`);
      return p;
    };
    rule.conditions = [r.condition(get('condition'), at)];
    const window = r.duration(get('window'), at);
    const countPair = get('count');
    const count = isScalar(countPair.value) ? countPair.value.value : null;
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1) {
      throw r.problem(countPair.value ?? countPair.key, at, `threshold: count must be a whole number of at least 1, not ${JSON.stringify(count)}`);
    }
    const groupBy = th.get('group_by');
    const distinct = th.get('distinct');
    rule.threshold = { window: window.text, windowNs: window.ns, count, groupBy: groupBy === undefined ? [] : r.columns(groupBy, at) };
    if (distinct !== undefined) {
      const cols = r.columns(distinct, at);
      if (cols.length !== 1) throw r.problem(distinct.value, at, 'threshold: distinct names one column');
      rule.threshold.distinct = cols[0]!;
    }
  }
  const message = top.get('message');
  if (message !== undefined) {
    const template = r.string(message, docPos);
    const compiled = compileTemplate(template);
    if ('error' in compiled) throw new RuleProblem(r.mapper(message.value as Scalar, template)(compiled.error.offset), compiled.error.message);
    rule.message = { template, sql: compiled.sql };
  } else {
    const compiled = compileTemplate(title.replace(/[{}]/g, (b) => b + b));
    rule.message = { template: title, sql: 'sql' in compiled ? compiled.sql : '' };
  }
  return rule;
}

/**
 * The rules of one native rule file, and the ones that will not run.
 * @throws RuleFileError on a YAML syntax error or a document that is not a mapping.
 */
export function parseNativeFile(file: { path: string; text: string }): { rules: NativeRule[]; skipped: SkippedRule[] } {
  const lines = new LineCounter();
  const docs = parseAllDocuments(file.text, { lineCounter: lines, prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [];
  const r = new DocReader(file.path, file.text, lines);
  const out: { rules: NativeRule[]; skipped: SkippedRule[] } = { rules: [], skipped: [] };
  for (const doc of list) {
    const error = doc.errors[0];
    if (error !== undefined) throw new RuleFileError(r.pos(error.pos[0]), `native: YAML: ${error.message.split('\n')[0]}`);
    const root = doc.contents as Node | null;
    if (root === null) continue;
    const docPos = r.pos(doc.range[0]);
    if (!isMap(root)) throw new RuleFileError(r.nodePos(root, docPos), 'native: a rule document must be a mapping (id:, title:, condition: ...)');
    const idNode = root.get('id', true);
    const id = isScalar(idNode) && typeof idNode.value === 'string' ? idNode.value : `${file.path}#${out.rules.length + out.skipped.length + 1}`;
    const titleNode = root.get('title', true);
    const title = isScalar(titleNode) && typeof titleNode.value === 'string' ? titleNode.value : id;
    const idPair = root.items.find((p) => isScalar(p.key) && p.key.value === 'id');
    const rulePos = r.nodePos((idPair ?? root.items[0])?.key as Node | undefined, docPos);
    try {
      const rule = readRule(r, root, docPos, rulePos);
      if (rule === 'disabled') out.skipped.push(skipped(id, title, rulePos, 'disabled', 'enabled: false'));
      else out.rules.push(rule);
    } catch (err) {
      if (!(err instanceof RuleProblem)) throw err;
      const p = err.position;
      out.skipped.push(skipped(id, title, rulePos, 'error', `${p.file}:${p.line}:${p.column}: ${err.message}`));
    }
  }
  return out;
}
