/**
 * Process trees over already-fetched `processes` rows: pure, no I/O.
 *
 * `buildForest` links rows by their ORIGINAL parent (the forking process,
 * `parentKey`); a row whose parent is not among the rows is a root. Children
 * are ordered by start time, then key, so the same rows always give the same
 * tree. `aliveAt` keeps the processes alive at one moment and re-hangs each on
 * its nearest alive ancestor (from `ancestryKeys`), which is where the kernel
 * would have reparented it had its parent died, up to subreapers the
 * recording did not see. Walks are iterative, so a deep tree never overflows
 * the stack.
 */

/** One process instance as the tree needs it (a `processes` row, camelCased). */
export interface ProcessNode {
  key: string;
  parentKey: string | null;
  lastParentKey: string | null;
  pid: number;
  ppid: number | null;
  /** ns since the epoch (UTC); null when unknown. */
  startNs: bigint | null;
  endNs: bigint | null;
  exitCode: number | null;
  exitSignal: number | null;
  exe: string | null;
  argv: string[] | null;
  exeChain: string[];
  user: string | null;
  /** Ancestors, root first, the process itself excluded. */
  ancestryKeys: string[];
  depth: number;
  uncertain: boolean;
  uncertainReason: string | null;
}

/** A node with its children, in start order. */
export interface TreeNode {
  proc: ProcessNode;
  children: TreeNode[];
}

function byStart(a: ProcessNode, b: ProcessNode): number {
  const sa = a.startNs ?? -1n;
  const sb = b.startNs ?? -1n;
  if (sa !== sb) return sa < sb ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * Links `procs` into trees by original parent. `parentOf` overrides the
 * parent (used by `aliveAt`). Rows are not copied.
 */
export function buildForest(procs: ProcessNode[], parentOf: (p: ProcessNode) => string | null = (p) => p.parentKey): TreeNode[] {
  const nodes = new Map<string, TreeNode>();
  for (const p of [...procs].sort(byStart)) nodes.set(p.key, { proc: p, children: [] });
  const roots: TreeNode[] = [];
  for (const n of nodes.values()) {
    const parentKey = parentOf(n.proc);
    const parent = parentKey === null ? undefined : nodes.get(parentKey);
    if (parent === undefined || parent === n) roots.push(n);
    else parent.children.push(n);
  }
  return roots;
}

/** True when `p` was alive at `atNs`: started at or before it and not yet exited. */
export function isAliveAt(p: ProcessNode, atNs: bigint): boolean {
  return (p.startNs === null || p.startNs <= atNs) && (p.endNs === null || p.endNs > atNs);
}

/**
 * The forest of processes alive at `atNs`: each hangs under its nearest alive
 * ancestor (its original parent when that is alive).
 */
export function aliveAt(procs: ProcessNode[], atNs: bigint): TreeNode[] {
  const alive = procs.filter((p) => isAliveAt(p, atNs));
  const aliveKeys = new Set(alive.map((p) => p.key));
  return buildForest(alive, (p) => {
    for (let i = p.ancestryKeys.length - 1; i >= 0; i--) if (aliveKeys.has(p.ancestryKeys[i]!)) return p.ancestryKeys[i]!;
    return null;
  });
}

/**
 * The tree around the processes `keys`: their ancestors (root first) and all
 * their descendants, as one forest. With `ancestorsOnly`, no descendants.
 */
export function selectAround(procs: ProcessNode[], keys: string[], opts: { ancestorsOnly?: boolean } = {}): ProcessNode[] {
  const want = new Set<string>();
  const byKey = new Map(procs.map((p) => [p.key, p]));
  for (const k of keys) {
    const p = byKey.get(k);
    if (p === undefined) continue;
    want.add(k);
    for (const a of p.ancestryKeys) want.add(a);
  }
  if (opts.ancestorsOnly !== true) {
    const selected = new Set(keys);
    for (const p of procs) if (p.ancestryKeys.some((a) => selected.has(a))) want.add(p.key);
  }
  return procs.filter((p) => want.has(p.key));
}

/** Calls `visit` for each node in depth-first pre-order, with its depth and whether it is its parent's last child. */
export function walkForest(roots: TreeNode[], visit: (node: TreeNode, depth: number, lastFlags: boolean[]) => void): void {
  const stack: { node: TreeNode; depth: number; lastFlags: boolean[] }[] = [];
  for (let i = roots.length - 1; i >= 0; i--) stack.push({ node: roots[i]!, depth: 0, lastFlags: [] });
  while (stack.length > 0) {
    const { node, depth, lastFlags } = stack.pop()!;
    visit(node, depth, lastFlags);
    const kids = node.children;
    for (let i = kids.length - 1; i >= 0; i--) {
      stack.push({ node: kids[i]!, depth: depth + 1, lastFlags: [...lastFlags, i === kids.length - 1] });
    }
  }
}

function num(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

function big(v: unknown): bigint | null {
  return v === null || v === undefined ? null : BigInt(v as bigint | number | string);
}

function strs(v: unknown): string[] | null {
  return Array.isArray(v) ? v.map((x) => (x === null ? '' : String(x))) : null;
}

/**
 * A `processes` row (column names as in formats/views.md; timestamps as bigint
 * ns) as a ProcessNode.
 * @throws Error `lineage: row without key` when the row has no key.
 */
export function processNodeFromRow(row: Record<string, unknown>): ProcessNode {
  if (typeof row.key !== 'string') throw new Error(`lineage: row without key: ${JSON.stringify(Object.keys(row))}`);
  const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
  return {
    key: row.key,
    parentKey: str(row.parent_key),
    lastParentKey: str(row.last_parent_key),
    pid: Number(row.pid),
    ppid: num(row.ppid),
    startNs: big(row.start_time),
    endNs: big(row.end_time),
    exitCode: num(row.exit_code),
    exitSignal: num(row.exit_signal),
    exe: str(row.exe),
    argv: strs(row.argv),
    exeChain: strs(row.exe_chain) ?? [],
    user: str(row.user),
    ancestryKeys: strs(row.ancestry_keys) ?? [],
    depth: Number(row.depth ?? 0),
    uncertain: row.uncertain === true,
    uncertainReason: str(row.uncertain_reason),
  };
}
