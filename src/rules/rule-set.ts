/**
 * A rule set: rule files of any supported format, told apart by their
 * structure (not their names), compiled by the right compiler, with every
 * rule that will not run listed with its reason, and a compile report.
 *
 * - Falco: a YAML sequence of `rule`/`macro`/`list` items. Falco files are
 *   compiled together, in the order given (later files append to and override
 *   earlier ones, as Falco loads them); see {@link orderRuleFiles}.
 * - Sigma: a YAML mapping with `detection`.
 * - Native (formats/native-rules.md): a YAML mapping with `condition`,
 *   `sequence` or `threshold` and no `detection`.
 * A file that is none of these, or not YAML at all, is a file error; one bad
 * file never stops the others.
 */
import { parseAllDocuments } from 'yaml';
import { compileFalcoFiles } from './falco/compile.js';
import { compileNativeFiles } from './native/compile.js';
import { compileSigmaFiles } from './sigma/compile.js';
import { type CompiledRule, type RuleSource, type SkippedRule, RuleFileError } from './types.js';

/** A rule file's text and where it came from. */
export interface RuleFile {
  path: string;
  text: string;
}

export type RuleFileFormat = 'falco' | 'sigma' | 'native';

/** Everything loaded from a set of rule files. */
export interface RuleSet {
  compiled: CompiledRule[];
  skipped: SkippedRule[];
  /** Files that could not be read as rules at all. */
  fileErrors: RuleFileError[];
}

/**
 * The format of a rule file, from its first YAML document's shape.
 * @throws RuleFileError when it is not YAML or matches no format.
 */
export function classifyRuleFile(file: RuleFile): RuleFileFormat {
  const docs = parseAllDocuments(file.text);
  const list = Array.isArray(docs) ? docs : [docs];
  const first = list.find((d) => d.contents !== null);
  if (first === undefined) throw new RuleFileError({ file: file.path, line: 1, column: 1 }, 'rules: empty file');
  if (first.errors.length > 0) {
    const e = first.errors[0]!;
    const [line, column] = e.linePos?.[0] ? [e.linePos[0].line, e.linePos[0].col] : [1, 1];
    throw new RuleFileError({ file: file.path, line, column }, `rules: YAML: ${e.message.split('\n')[0]}`);
  }
  const value = first.toJS() as unknown;
  if (Array.isArray(value)) {
    if (value.some((v) => v !== null && typeof v === 'object' && ('rule' in v || 'macro' in v || 'list' in v || 'required_engine_version' in v))) return 'falco';
  } else if (value !== null && typeof value === 'object') {
    // A Sigma collection may open with an `action: global` document without detection.
    if ('detection' in value || ('action' in value && list.some((d) => d.contents !== null && (d.toJS() as Record<string, unknown> | null)?.detection !== undefined))) return 'sigma';
    if ('condition' in value || 'sequence' in value || 'threshold' in value) return 'native';
  }
  throw new RuleFileError({ file: file.path, line: 1, column: 1 },
    'rules: not a rule file: expected a Falco rules list, a Sigma rule (with detection:) or a native rule (with condition:, sequence: or threshold:)');
}

/**
 * Falco's base file first: `falco_rules.yaml` defines the macros and lists the
 * incubating and sandbox files build on, and sorts after them by name
 * (`-` < `_`). Otherwise the given order.
 */
export function orderRuleFiles(files: RuleFile[]): RuleFile[] {
  const base = (f: RuleFile) => (/(^|\/)falco_rules\.ya?ml$/.test(f.path) ? 0 : 1);
  return files.map((f, i) => ({ f, i })).sort((a, b) => base(a.f) - base(b.f) || a.i - b.i).map(({ f }) => f);
}

function fileError(file: RuleFile, err: unknown): RuleFileError {
  if (err instanceof RuleFileError) return err;
  return new RuleFileError({ file: file.path, line: 1, column: 1 }, `rules: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/** Compiles every file with its format's compiler. */
export function compileRuleFiles(files: RuleFile[]): RuleSet {
  const set: RuleSet = { compiled: [], skipped: [], fileErrors: [] };
  const byFormat: Record<RuleFileFormat, RuleFile[]> = { falco: [], sigma: [], native: [] };
  for (const file of orderRuleFiles(files)) {
    try {
      byFormat[classifyRuleFile(file)].push(file);
    } catch (err) {
      set.fileErrors.push(fileError(file, err));
    }
  }
  const compilers: [RuleFileFormat, (f: RuleFile[]) => { compiled: CompiledRule[]; skipped: SkippedRule[] }][] = [
    ['falco', compileFalcoFiles], ['sigma', compileSigmaFiles], ['native', compileNativeFiles],
  ];
  for (const [format, compile] of compilers) {
    const group = byFormat[format];
    if (group.length === 0) continue;
    // Falco files depend on each other; Sigma and native files do not, so one bad file is isolated.
    const units = format === 'falco' ? [group] : group.map((f) => [f]);
    for (const unit of units) {
      try {
        const r = compile(unit);
        set.compiled.push(...r.compiled);
        set.skipped.push(...r.skipped);
      } catch (err) {
        set.fileErrors.push(fileError(unit[0]!, err));
      }
    }
  }
  return set;
}

/** One line of the compile report: a source's rules by outcome. */
export interface ReportCounts {
  source: RuleSource;
  loaded: number;
  compiled: number;
  unsupported: number;
  disabled: number;
  error: number;
}

/** Counts per source, and the reasons rules do not run with how many rules each stops. */
export function summarizeRuleSet(set: RuleSet): { counts: ReportCounts[]; reasons: { source: RuleSource; status: string; reason: string; rules: number }[] } {
  const counts = new Map<RuleSource, ReportCounts>();
  const get = (source: RuleSource) => {
    let c = counts.get(source);
    if (c === undefined) counts.set(source, c = { source, loaded: 0, compiled: 0, unsupported: 0, disabled: 0, error: 0 });
    return c;
  };
  for (const r of set.compiled) { get(r.source).loaded++; get(r.source).compiled++; }
  const reasons = new Map<string, { source: RuleSource; status: string; reason: string; rules: number }>();
  for (const s of set.skipped) {
    get(s.source).loaded++;
    get(s.source)[s.status]++;
    // Errors are the rule author's to fix: each keeps its file:line:column. Other reasons group.
    const general = s.status === 'error' ? s.reason : generalReason(s.reason);
    const k = `${s.source}\0${s.status}\0${general}`;
    const r = reasons.get(k) ?? { source: s.source, status: s.status, reason: general, rules: 0 };
    r.rules++;
    reasons.set(k, r);
  }
  return {
    counts: [...counts.values()],
    reasons: [...reasons.values()].sort((a, b) => b.rules - a.rules || a.reason.localeCompare(b.reason)),
  };
}

/** A reason without its file position, so equal reasons group. */
function generalReason(reason: string): string {
  return reason.replace(/^[^\s:]+:\d+:\d+: /, '');
}
