/**
 * Sigma rule files -> compiled rules over `rule_events`, and the rules that
 * will not run with the exact reason (formats/rule-events.md, src/rules/types.ts).
 *
 * Per rule, in this order: `status: deprecated` or `unsupported` -> disabled;
 * a missing title, detection or condition, a condition syntax error or an
 * unknown identifier -> error (`file:line:col: ...`, the column pointing into
 * the condition); correlation rules, filters, aggregations and logsources or
 * fields that are not recorded -> unsupported; then the detection compiles to
 * `(<logsource rows>) AND (<condition>)`.
 *
 * A file whose YAML cannot be read does not stop the others: it becomes one
 * SkippedRule with status 'error', the file path as its id and the YAML
 * error's position (the RuleFileError message). A rule id seen twice keeps
 * the first rule; the second is an error naming where the first is.
 *
 * A rule without `id` is named `file:line`; one without `level` gets severity
 * 'informational' and a note saying so. A `timeframe` without an aggregation
 * changes nothing and is ignored.
 *
 * Every compiled rule carries its author (the Detection Rule License asks
 * that matches show it) and a message expression naming the rule, the
 * process, and the file or address for file and network rules.
 */
import { sqlString } from '../../analyze/sql.js';
import type { CompiledRule, CompileResult, SkippedRule, SourcePosition } from '../types.js';
import { RuleFileError } from '../types.js';
import { ConditionError, parseCondition, resolveCondition, type ConditionNode } from './condition.js';
import { compileSearch, conditionSql } from './detection.js';
import { RuleInvalid, RuleUnsupported } from './errors.js';
import { loadSigmaFile, type SigmaDocument, type SigmaFile, type YMap, type YNode, type YScalar } from './load.js';
import { resolveLogsource } from './logsource.js';

/** Detection keys that are not search identifiers. */
const NOT_IDENTIFIERS = new Set(['condition', 'timeframe']);

/**
 * Compile every rule of every file. Never throws for rule content: bad YAML,
 * bad rules and unsupported rules all come back in `skipped`.
 */
export function compileSigmaFiles(files: SigmaFile[]): CompileResult {
  const result: CompileResult = { compiled: [], skipped: [] };
  const seen = new Map<string, SourcePosition>();
  for (const file of files) {
    let docs: SigmaDocument[];
    try {
      docs = loadSigmaFile(file);
    } catch (e) {
      if (!(e instanceof RuleFileError)) throw e;
      result.skipped.push({ source: 'sigma', id: file.path, title: baseName(file.path), position: e.position, status: 'error', reason: e.message });
      continue;
    }
    for (const doc of docs) {
      const rule = compileSigmaDocument(doc);
      const first = seen.get(rule.id);
      if (first !== undefined) {
        const p = rule.position;
        result.skipped.push({
          source: 'sigma', id: rule.id, title: rule.title, position: p, status: 'error',
          reason: `${p.file}:${p.line}:${p.column}: duplicate rule id ${rule.id} (first defined at ${first.file}:${first.line}:${first.column})`,
        });
        continue;
      }
      seen.set(rule.id, rule.position);
      if ('status' in rule) result.skipped.push(rule);
      else result.compiled.push(rule);
    }
  }
  return result;
}

/** Compile one rule document: a CompiledRule, or a SkippedRule saying why not. */
export function compileSigmaDocument(doc: SigmaDocument): CompiledRule | SkippedRule {
  const body = doc.body;
  const title = scalarText(body, 'title');
  const id = scalarText(body, 'id') ?? `${doc.file}:${doc.position.line}`;
  const base = { source: 'sigma' as const, id, title: title ?? baseName(doc.file), position: doc.position };
  const status = scalarText(body, 'status')?.toLowerCase();
  if (status === 'deprecated' || status === 'unsupported') return { ...base, status: 'disabled', reason: `status: ${status}` };
  try {
    if (title === undefined) throw new RuleInvalid(doc.position, 'rule has no title');
    if (body.entries.has('correlation')) throw new RuleUnsupported('correlation rule (aggregates other rules\' matches over time) is not supported');
    if (body.entries.has('filter') && !body.entries.has('detection')) throw new RuleUnsupported('Sigma filter (a meta rule applied to other rules) is not supported');
    const detectionEntry = body.entries.get('detection');
    if (detectionEntry === undefined) throw new RuleInvalid(doc.position, 'rule has no detection');
    const detection = detectionEntry.value;
    if (detection.kind !== 'map') throw new RuleInvalid(detection.position, 'detection is not a mapping');
    const identifiers = [...detection.entries.keys()].filter((k) => !NOT_IDENTIFIERS.has(k));
    const conditions = parseConditions(detection, detectionEntry.key, identifiers);
    const logsourceNode = body.entries.get('logsource')?.value;
    const logsource = resolveLogsource(logsourceNode?.kind === 'map' ? logsourceNode : undefined);
    const searches = new Map<string, string>();
    for (const name of identifiers) {
      if (conditions.used.has(name)) searches.set(name, compileSearch(name, detection.entries.get(name)!.value, logsource.category));
    }
    const matched = conditions.trees.map((tree) => conditionSql(tree, searches));
    const where = `(${logsource.rows}) AND (${matched.join(' OR ')})`;
    const level = scalarText(body, 'level')?.toLowerCase();
    const notes = [...logsource.notes];
    if (level === undefined) notes.push('rule has no level; shown as informational');
    const message = `${sqlString(`${title}: `)} || coalesce(proc_exe, '?') || ' ' || coalesce(proc_commandline, '')${logsource.messageSuffix === '' ? '' : ` || ${logsource.messageSuffix}`}`;
    const author = scalarText(body, 'author');
    return {
      source: 'sigma', id, title, severity: level ?? 'informational',
      ...(author === undefined ? {} : { author }),
      tags: listTexts(body.entries.get('tags')?.value),
      position: doc.position,
      match: { where },
      kinds: logsource.kinds,
      message,
      ...(notes.length === 0 ? {} : { notes }),
    };
  } catch (e) {
    if (e instanceof RuleUnsupported) return { ...base, status: 'unsupported', reason: e.reason };
    if (e instanceof RuleInvalid) return { ...base, status: 'error', reason: e.message };
    // A value SQL cannot hold (a NUL byte, refused by sqlString) stops this rule only.
    const at = base.position;
    return { ...base, status: 'error', reason: `${at.file}:${at.line}:${at.column}: ${(e as Error).message}` };
  }
}

function parseConditions(detection: YMap, detectionKey: SourcePosition, identifiers: string[]): { trees: ConditionNode[]; used: Set<string> } {
  const entry = detection.entries.get('condition');
  if (entry === undefined) throw new RuleInvalid(detectionKey, 'detection has no condition');
  const nodes: YNode[] = entry.value.kind === 'list' ? entry.value.items : [entry.value];
  if (nodes.length === 0) throw new RuleInvalid(entry.value.position, 'condition is an empty list');
  const trees: ConditionNode[] = [];
  const used = new Set<string>();
  for (const node of nodes) {
    if (node.kind !== 'scalar' || typeof node.value !== 'string') throw new RuleInvalid(node.position, 'condition must be a string');
    const scalar: YScalar = node;
    try {
      const tree = parseCondition(scalar.value as string);
      for (const name of resolveCondition(tree, identifiers)) used.add(name);
      trees.push(tree);
    } catch (e) {
      if (!(e instanceof ConditionError)) throw e;
      if (e.unsupported) throw new RuleUnsupported(`condition: ${e.detail}`);
      throw new RuleInvalid(scalar.locate(e.offset), e.detail);
    }
  }
  return { trees, used };
}

function scalarText(map: YMap, key: string): string | undefined {
  const node = map.entries.get(key)?.value;
  return node?.kind === 'scalar' && node.value !== null ? node.text : undefined;
}

function listTexts(node: YNode | undefined): string[] {
  if (node === undefined) return [];
  const items = node.kind === 'list' ? node.items : [node];
  return items.flatMap((item) => (item.kind === 'scalar' && item.value !== null ? [item.text] : []));
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
