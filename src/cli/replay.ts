/**
 * `hindsight replay REC... --rules PATH... [--iocs PATH...] [--since/--until]
 * [--format table|json]`: runs Falco, Sigma and native rules and IOC lists
 * over past recordings and prints every finding with its process lineage
 * (formats/findings.md). A one-paragraph compile report goes to stderr;
 * `hindsight rules PATH...` prints the whole report without a recording.
 *
 * Exit codes (exit-codes.ts): 0 no findings; 6 findings; 1 errors (a rule
 * file that could not be read, a rule that is malformed or failed to run:
 * findings of the other rules are still printed); 5 no findings but segments
 * were skipped (the answer may be incomplete); 2 usage.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { defineProcessesView } from '../analyze/processes.js';
import { defineRuleEvents } from '../analyze/rule-events.js';
import { isPartial } from '../analyze/recording.js';
import type { SqlValue } from '../analyze/session.js';
import { compileIocs } from '../rules/ioc/compile.js';
import { parseIocFile } from '../rules/ioc/parse.js';
import { replayRules, type Finding, type RuleRun } from '../rules/replay.js';
import { compileRuleFiles, summarizeRuleSet, type RuleFile, type RuleSet } from '../rules/rule-set.js';
import { RuleFileError, type CompiledRule } from '../rules/types.js';
import { FindingsError, PartialDataError } from './exit-codes.js';
import { isoTime, renderTable } from './output.js';
import { terminalWidth } from './query.js';
import { openForCommand, windowOptions } from './recording-args.js';
import { UsageError } from './units.js';

interface ReplayOptions {
  rules: string[];
  iocs: string[];
  format: 'table' | 'json';
  since?: string;
  until?: string;
}

/** The files under `path` (a file, or a directory searched recursively for `exts`), sorted. */
export function listFiles(path: string, exts: RegExp): string[] {
  let st;
  try {
    st = statSync(path);
  } catch (cause) {
    throw new UsageError(`rules: cannot read ${path}`, { cause });
  }
  if (!st.isDirectory()) return [path];
  return (readdirSync(path, { recursive: true, encoding: 'utf8' }))
    .filter((f) => exts.test(f)).sort().map((f) => join(path, f)).filter((f) => statSync(f).isFile());
}

function readRuleFiles(paths: string[]): RuleFile[] {
  return paths.flatMap((p) => listFiles(p, /\.ya?ml$/)).map((path) => ({ path, text: readFileSync(path, 'utf8') }));
}

/** Loads and compiles the rule files and IOC lists; IOC parse problems are returned as warnings. */
export function loadRules(rulePaths: string[], iocPaths: string[]): { set: RuleSet; warnings: string[] } {
  const set = compileRuleFiles(readRuleFiles(rulePaths));
  const warnings: string[] = [];
  const files = iocPaths.flatMap((p) => listFiles(p, /\.(txt|csv|json|ioc|list)$/));
  const indicators = [];
  for (const path of files) {
    try {
      const parsed = parseIocFile({ path, text: readFileSync(path, 'utf8') });
      indicators.push(...parsed.indicators);
      for (const s of parsed.skipped) warnings.push(`${path}:${s.line}: skipped ${JSON.stringify(s.value)}: ${s.reason}`);
    } catch (err) {
      if (!(err instanceof RuleFileError)) throw err;
      set.fileErrors.push(err);
    }
  }
  if (indicators.length > 0) set.compiled.push(compileIocs(indicators, files.join(', ')));
  return { set, warnings };
}

/** The compile report: counts per source, then each reason with its number of rules. */
export function formatCompileReport(set: RuleSet, runs: RuleRun[] = []): string {
  const { counts, reasons } = summarizeRuleSet(set);
  const lines: string[] = [];
  for (const c of counts) {
    const failed = runs.filter((r) => r.rule.source === c.source && r.error !== null).length;
    const ran = runs.length === 0 ? '' : `, ${c.compiled - failed} ran${failed > 0 ? `, ${failed} failed to run` : ''}`;
    lines.push(`${c.source}: ${c.loaded} rules: ${c.compiled} compiled${ran}, ${c.unsupported} unsupported, ${c.disabled} disabled, ${c.error} errors`);
  }
  for (const r of reasons) lines.push(`  ${r.source} ${r.status} (${r.rules}): ${r.reason}`);
  for (const e of set.fileErrors) lines.push(`  file error: ${e.message}`);
  for (const r of runs) if (r.error !== null) lines.push(`  run error: ${r.rule.source} ${r.rule.id}: ${r.error}`);
  return lines.join('\n');
}

function jsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  return value;
}

/** One finding as a JSON object (formats/findings.md). */
export function findingJson(f: Finding): Record<string, unknown> {
  return jsonSafe({
    source: f.source, rule_id: f.ruleId, rule: f.rule, severity: f.severity, author: f.author, tags: f.tags,
    time: isoTime(f.timeNs, 9), host: f.host, proc_key: f.procKey, pid: f.pid, exe: f.exe, cmdline: f.cmdline,
    parent_exe: f.parentExe, ancestry: f.ancestry, event: f.event as Record<string, SqlValue>, message: f.message,
    incomplete: f.incomplete, incomplete_reasons: f.incompleteReasons, lineage_uncertain: f.lineageUncertain,
    ...(f.extra === null ? {} : { extra: f.extra }),
  }) as Record<string, unknown>;
}

function findingsTable(findings: Finding[]): string {
  const columns = ['time', 'severity', 'source', 'rule', 'pid', 'exe', 'message'].map((name) => ({ name, type: 'VARCHAR' }));
  const rows = findings.map((f) => ({
    time: isoTime(f.timeNs / 1_000_000n, 3) + (f.incomplete ? ' !' : ''),
    severity: f.severity, source: f.source, rule: f.rule, pid: f.pid === null ? '' : String(f.pid), exe: f.exe ?? '',
    message: f.message,
  }));
  return renderTable(columns, rows, terminalWidth());
}

async function runReplay(paths: string[], opts: ReplayOptions): Promise<void> {
  if (paths.length === 0) throw new UsageError('replay: no recording given');
  if (opts.rules.length === 0 && opts.iocs.length === 0) throw new UsageError('replay: give --rules PATH... and/or --iocs PATH...');
  const { set, warnings } = loadRules(opts.rules, opts.iocs);
  for (const w of warnings) process.stderr.write(`hindsight: warning: ${w}\n`);
  const { session, rec, window } = await openForCommand(paths, opts);
  let findings: Finding[];
  let runs: RuleRun[];
  try {
    await defineProcessesView(session);
    await defineRuleEvents(session, rec, window);
    ({ findings, runs } = await replayRules(session, set.compiled as CompiledRule[]));
  } finally {
    session.close();
  }
  if (opts.format === 'json') {
    for (const f of findings) process.stdout.write(`${JSON.stringify(findingJson(f))}\n`);
  } else {
    process.stdout.write(findings.length === 0 ? 'no findings\n' : `${findingsTable(findings)}\n`);
    if (findings.some((f) => f.incomplete)) process.stdout.write('! = inside a window where events are known to be missing (see `hindsight info`)\n');
  }
  process.stderr.write(`hindsight: replay: ${formatCompileReport(set, runs)}\n`);
  const errors = set.fileErrors.length + set.skipped.filter((s) => s.status === 'error').length + runs.filter((r) => r.error !== null).length;
  if (errors > 0) throw new Error(`replay: ${errors} rule error(s) (listed above); findings of the other rules were printed`);
  if (findings.length > 0) throw new FindingsError(`replay: ${findings.length} finding(s)`);
  if (isPartial(rec)) throw new PartialDataError(`partial data: ${rec.skipped.length} segment(s) skipped; no findings in the rest`);
}

export function registerReplayCommand(cli: Command): void {
  windowOptions(cli.command('replay')
    .description('run Falco, Sigma and native rules and IOC lists over recordings')
    .argument('<recording...>', 'recording folders, host folders, segments or globs')
    .option('--rules <path...>', 'rule files or folders (Falco, Sigma, native YAML)', [])
    .option('--iocs <path...>', 'IOC lists (text, CSV, MISP JSON) or folders of them', [])
    .option('--format <format>', 'table or json (one finding per line)', 'table'))
    .action(async (paths: string[], opts: ReplayOptions) => {
      if (opts.format !== 'table' && opts.format !== 'json') throw new UsageError(`--format: expected table or json, got ${JSON.stringify(opts.format)}`);
      await runReplay(paths, opts);
    });
  cli.command('rules')
    .description('compile rule files and IOC lists and print the compile report (which rules run, which cannot, and why)')
    .argument('<path...>', 'rule files or folders')
    .option('--iocs <path...>', 'IOC lists', [])
    .option('--list', 'list every rule that does not run, with its reason')
    .action((paths: string[], opts: { iocs: string[]; list?: boolean }) => {
      const { set, warnings } = loadRules(paths, opts.iocs);
      for (const w of warnings) process.stderr.write(`hindsight: warning: ${w}\n`);
      process.stdout.write(`${formatCompileReport(set)}\n`);
      if (opts.list) {
        for (const s of set.skipped) process.stdout.write(`${s.source}\t${s.status}\t${s.title}\t${s.position.file}:${s.position.line}:${s.position.column}\t${s.reason}\n`);
      }
      if (set.fileErrors.length > 0) throw new Error(`rules: ${set.fileErrors.length} file(s) could not be read as rules (listed above)`);
    });
}
