/**
 * Renders process trees for people (an indented ├─/└─ tree, each line cut to
 * a width) and for programs (nested JSON). Pure: returns strings and objects.
 *
 * One line per process:
 *   <exe> [<pid>] <argv[1..]>  <user> <start>-<end> <outcome> [notes]
 * times are UTC `HH:MM:SS.mmm` (the date is in the header the caller prints);
 * outcome is `exit N`, `signal N` or `running`; notes say `exec a > b > c`
 * for several images, `now under [ppid]` after reparenting, `key K` when asked
 * (or when the pid has several instances), and `UNCERTAIN (reason)`.
 */
import { walkForest, type ProcessNode, type TreeNode } from './tree.js';

export interface RenderOptions {
  /** Cut each line to this many characters (with '…'); 0 = no limit. */
  width: number;
  /** Deepest level shown (0 = roots only); undefined = all. */
  maxDepth?: number;
  /** Keys shown on every line, not only where a pid has several instances. */
  showKeys?: boolean;
  /** Keys to mark with '*' (the processes asked for). */
  marked?: Set<string>;
}

/** `HH:MM:SS.mmm` in UTC for ns since the epoch. */
export function formatClock(ns: bigint | null): string {
  if (ns === null) return '?';
  return new Date(Number(ns / 1_000_000n)).toISOString().slice(11, 23);
}

/** `YYYY-MM-DD HH:MM:SS.mmm UTC` for ns since the epoch. */
export function formatTime(ns: bigint): string {
  return `${new Date(Number(ns / 1_000_000n)).toISOString().replace('T', ' ').slice(0, 23)} UTC`;
}

/** How a process ended. */
export function formatOutcome(p: ProcessNode): string {
  if (p.exitSignal !== null) return `signal ${p.exitSignal}`;
  if (p.exitCode !== null) return `exit ${p.exitCode}`;
  return p.endNs === null ? 'running' : 'ended';
}

/** The ancestry as text, root first: `exe[pid] > exe[pid] > ...`. */
export function formatAncestry(chain: ProcessNode[]): string {
  return chain.map((p) => `${baseName(p.exe)}[${p.pid}]`).join(' > ');
}

function baseName(exe: string | null): string {
  if (exe === null) return '?';
  const i = exe.lastIndexOf('/');
  return i < 0 || i === exe.length - 1 ? exe : exe.slice(i + 1);
}

/** Control characters (newlines in argv, say) would break the tree: show them escaped. */
function printable(s: string): string {
  return s.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function describe(p: ProcessNode, showKey: boolean): string {
  const args = (p.argv ?? []).slice(1).map((a) => (a === '' || /\s/.test(a) ? JSON.stringify(a) : a)).join(' ');
  const parts = [`${p.exe ?? '?'} [${p.pid}]${args === '' ? '' : ` ${args}`}`];
  parts.push(`${p.user ?? '?'} ${formatClock(p.startNs)}-${p.endNs === null ? '' : formatClock(p.endNs)} ${formatOutcome(p)}`);
  if (p.exeChain.length > 1) parts.push(`exec ${p.exeChain.map(baseName).join(' > ')}`);
  if (p.lastParentKey !== null && p.lastParentKey !== p.parentKey) {
    const m = /:(\d+)$/.exec(p.lastParentKey);
    parts.push(`now under [${m === null ? p.lastParentKey : m[1]}]`);
  }
  if (showKey) parts.push(`key ${p.key}`);
  if (p.uncertain) parts.push(`UNCERTAIN (${p.uncertainReason ?? 'unknown'})`);
  return printable(parts.join('  '));
}

function cut(line: string, width: number): string {
  if (width <= 0) return line;
  const chars = [...line];
  return chars.length <= width ? line : `${chars.slice(0, Math.max(1, width - 1)).join('')}…`;
}

/** Pids that have more than one instance among `procs`. */
export function reusedPids(procs: ProcessNode[]): Set<number> {
  const seen = new Map<number, number>();
  for (const p of procs) seen.set(p.pid, (seen.get(p.pid) ?? 0) + 1);
  return new Set([...seen].filter(([, n]) => n > 1).map(([pid]) => pid));
}

/** The forest as text lines (├─ └─ │), cut to `opts.width`. */
export function renderTree(roots: TreeNode[], opts: RenderOptions): string[] {
  const all: ProcessNode[] = [];
  walkForest(roots, (n) => all.push(n.proc));
  const reused = reusedPids(all);
  const lines: string[] = [];
  walkForest(roots, (node, depth, lastFlags) => {
    if (opts.maxDepth !== undefined && depth > opts.maxDepth) return;
    let prefix = '';
    for (let i = 0; i < lastFlags.length - 1; i++) prefix += lastFlags[i] ? '   ' : '│  ';
    if (lastFlags.length > 0) prefix += lastFlags[lastFlags.length - 1] ? '└─ ' : '├─ ';
    const mark = opts.marked?.has(node.proc.key) === true ? '* ' : '';
    let text = `${prefix}${mark}${describe(node.proc, opts.showKeys === true || reused.has(node.proc.pid))}`;
    if (opts.maxDepth !== undefined && depth === opts.maxDepth && node.children.length > 0) {
      text += `  (+${node.children.length} children)`;
    }
    lines.push(cut(text, opts.width));
  });
  return lines;
}

/** JSON form of one process (bigint times as decimal strings, ns since the epoch). */
export interface ProcessJson {
  key: string;
  parent_key: string | null;
  last_parent_key: string | null;
  pid: number;
  ppid: number | null;
  start_ns: string | null;
  end_ns: string | null;
  exit_code: number | null;
  exit_signal: number | null;
  exe: string | null;
  argv: string[] | null;
  exe_chain: string[];
  user: string | null;
  depth: number;
  uncertain: boolean;
  uncertain_reason: string | null;
  children: ProcessJson[];
}

/** The forest as nested JSON objects (children in start order), limited to `maxDepth`. */
export function treeToJson(roots: TreeNode[], maxDepth?: number): ProcessJson[] {
  const convert = (n: TreeNode, depth: number): ProcessJson => {
    const p = n.proc;
    return {
      key: p.key, parent_key: p.parentKey, last_parent_key: p.lastParentKey, pid: p.pid, ppid: p.ppid,
      start_ns: p.startNs === null ? null : String(p.startNs), end_ns: p.endNs === null ? null : String(p.endNs),
      exit_code: p.exitCode, exit_signal: p.exitSignal, exe: p.exe, argv: p.argv, exe_chain: p.exeChain, user: p.user,
      depth: p.depth, uncertain: p.uncertain, uncertain_reason: p.uncertainReason,
      children: maxDepth !== undefined && depth >= maxDepth ? [] : n.children.map((c) => convert(c, depth + 1)),
    };
  };
  // Recursion depth is the tree's depth, bounded by the kernel's process nesting in practice.
  return roots.map((r) => convert(r, 0));
}
