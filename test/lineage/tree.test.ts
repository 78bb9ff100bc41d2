import { describe, expect, it } from 'vitest';
import { aliveAt, buildForest, selectAround, type ProcessNode } from '../../src/lineage/tree.js';
import { renderTree, treeToJson } from '../../src/lineage/render.js';

function proc(key: string, parentKey: string | null, ancestry: string[], extra: Partial<ProcessNode> = {}): ProcessNode {
  return {
    key, parentKey, lastParentKey: parentKey, pid: Number(key.split(':')[2]), ppid: null, startNs: 0n, endNs: null,
    exitCode: null, exitSignal: null, exe: `/bin/${key.split(':')[0]}`, argv: null, exeChain: [], user: 'root',
    ancestryKeys: ancestry, depth: ancestry.length, uncertain: false, uncertainReason: null, ...extra,
  };
}

const init = proc('init:1:1', null, []);
const sh = proc('sh:2:10', 'init:1:1', ['init:1:1'], { startNs: 1n });
const a = proc('a:3:11', 'sh:2:10', ['init:1:1', 'sh:2:10'], { startNs: 2n, endNs: 5n, exitCode: 0 });
const b = proc('b:4:11', 'sh:2:10', ['init:1:1', 'sh:2:10'], { startNs: 6n, exitSignal: 9, endNs: 7n });
const d = proc('d:5:12', 'a:3:11', ['init:1:1', 'sh:2:10', 'a:3:11'], { startNs: 3n, lastParentKey: 'init:1:1' });

describe('lineage trees', () => {
  it('links processes by original parent, children in start order', () => {
    const roots = buildForest([d, b, a, sh, init]);
    expect(roots.map((r) => r.proc.key)).toEqual(['init:1:1']);
    expect(roots[0]!.children[0]!.children.map((c) => c.proc.key)).toEqual(['a:3:11', 'b:4:11']);
    expect(roots[0]!.children[0]!.children[0]!.children.map((c) => c.proc.key)).toEqual(['d:5:12']);
  });

  it('draws the tree with ├─ └─ │, keys for a reused pid, reparenting and outcomes', () => {
    const lines = renderTree(buildForest([init, sh, a, b, d]), { width: 0 });
    expect(lines).toEqual([
      '/bin/init [1]  root 00:00:00.000- running',
      '└─ /bin/sh [10]  root 00:00:00.000- running',
      '   ├─ /bin/a [11]  root 00:00:00.000-00:00:00.000 exit 0  key a:3:11',
      '   │  └─ /bin/d [12]  root 00:00:00.000- running  now under [1]',
      '   └─ /bin/b [11]  root 00:00:00.000-00:00:00.000 signal 9  key b:4:11',
    ]);
  });

  it('cuts lines to the width and stops at the depth asked for', () => {
    const lines = renderTree(buildForest([init, sh, a, b, d]), { width: 20, maxDepth: 1 });
    expect(lines).toEqual(['/bin/init [1]  root…', '└─ /bin/sh [10]  ro…']);
    expect(lines.every((l) => [...l].length <= 20)).toBe(true);
  });

  it('keeps a process, its ancestors and its descendants', () => {
    expect(selectAround([init, sh, a, b, d], ['a:3:11']).map((p) => p.key)).toEqual(['init:1:1', 'sh:2:10', 'a:3:11', 'd:5:12']);
    expect(selectAround([init, sh, a, b, d], ['a:3:11'], { ancestorsOnly: true }).map((p) => p.key)).toEqual(['init:1:1', 'sh:2:10', 'a:3:11']);
  });

  it('hangs a process alive at a moment under its nearest alive ancestor', () => {
    const roots = aliveAt([init, sh, a, b, d], 6n);
    expect(roots[0]!.children[0]!.children.map((c) => c.proc.key)).toEqual(['d:5:12', 'b:4:11']);
  });

  it('gives nested JSON with times as strings', () => {
    const [root] = treeToJson(buildForest([init, sh]));
    expect(root!.children[0]!.key).toBe('sh:2:10');
    expect(root!.children[0]!.start_ns).toBe('1');
  });
});
