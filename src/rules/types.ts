/**
 * What every rule compiler (Falco, Sigma, IOC, native) produces, and what the
 * replay runner (src/rules/replay.ts) consumes. Compilers are pure: they turn
 * rule text into SQL over the `rule_events` table (formats/rule-events.md) and
 * never touch DuckDB; the runner executes it.
 */

/** Where a rule came from; the `source` field of a finding. */
export type RuleSource = 'falco' | 'sigma' | 'ioc' | 'native';

/** A position in a rule file (1-based line and column). */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

/**
 * How a compiled rule selects events.
 * - `where`: a SQL boolean expression over ONE row of `rule_events`
 *   (unqualified column names). The runner evaluates it as
 *   `SELECT rid, <message> AS message FROM rule_events WHERE <where>`.
 * - `query`: a whole SELECT over `rule_events` (and tables made by `setup`)
 *   returning at least `rid BIGINT` (the event to report) and `message
 *   VARCHAR`; optional columns `rule_id VARCHAR` and `rule VARCHAR` override
 *   the rule's (an IOC list reports each indicator), and an optional `extra`
 *   column (a STRUCT or MAP, or a JSON string) is added to the finding as is.
 */
export type RuleMatch = { where: string } | { query: string };

/** A rule ready to run. */
export interface CompiledRule {
  source: RuleSource;
  /** Falco: the rule name; Sigma: the rule's `id`; native: its `id`; IOC: the list file. */
  id: string;
  /** Human title (Falco: the rule name; Sigma: `title`). */
  title: string;
  /** As the rule states it, lower case: Falco priority (`critical`, `warning`, ...), Sigma level, native severity. */
  severity: string;
  /** Sigma and native `author` (Sigma's license requires showing it with matches). */
  author?: string;
  tags: string[];
  /** Where the rule is defined. */
  position: SourcePosition;
  match: RuleMatch;
  /** Used with `where`: a SQL VARCHAR expression over the matched row rendering the rule's output. */
  message: string;
  /**
   * The `rule_events` kinds a `where` rule can match (a superset; absent = any).
   * The runner scans only those rows for it, so a rule on execs never reads
   * the file events that are most of a recording.
   */
  kinds?: string[];
  /** Statements to run once before `match.query` (e.g. loading an indicator table). */
  setup?: string[];
  /** Caveats that do not stop the rule from running (e.g. event types in its condition that are not recorded). */
  notes?: string[];
}

/** Why a rule does not run. */
export type SkipStatus =
  /** `enabled: false`, or Sigma `status: deprecated`/`unsupported`. */
  | 'disabled'
  /** The recording cannot provide a field, event type or log source the rule needs. */
  | 'unsupported'
  /** The rule is malformed (bad YAML, bad condition, unknown macro). */
  | 'error';

/** A rule that was loaded but will not run, with the exact reason. */
export interface SkippedRule {
  source: RuleSource;
  id: string;
  title: string;
  position: SourcePosition;
  status: SkipStatus;
  /** Exact and specific: `field k8s.ns.name is not recorded`, `file.yaml:12:5: unexpected ')'`. */
  reason: string;
}

/** The outcome of compiling one rule file (or one set of files). */
export interface CompileResult {
  compiled: CompiledRule[];
  skipped: SkippedRule[];
}

/**
 * A file-level failure (unreadable file, YAML syntax error): the file's
 * rules cannot be listed, so it is reported as a whole with its position.
 */
export class RuleFileError extends Error {
  constructor(readonly position: SourcePosition, reason: string, options?: { cause?: unknown }) {
    super(`${position.file}:${position.line}:${position.column}: ${reason}`, options);
    this.name = 'RuleFileError';
  }
}
