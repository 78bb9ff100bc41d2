/**
 * `hindsight tree` snapshots over the lineage recording (recorded once per
 * test run). Pids, keys and times differ between recordings, so they are
 * masked in order of appearance (P1, K1, T; depth below the host's root is
 * D); the structure, exes, argv, outcomes and notes are compared exactly.
 * The width case cuts every line before its pid, whose digit count varies.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { matchSnapshot, runCli, type CliRun } from '../helpers/cli-snapshot.js';
import { lineageRecording, type LineageRecording } from '../lineage/recording.js';

let rec: LineageRecording;
beforeAll(async () => {
  rec = await lineageRecording();
});

/** Drops the lines of reuse attempts the scenario had to retry (other activity on the host took the pid or the tick). */
function dropRetried(run: CliRun): CliRun {
  const failed = new Set(rec.pids.reuse_failed.map(String));
  const keep = (l: string): boolean => { const m = /\[(\d+)\]/.exec(l); return m === null || !failed.has(m[1]!); };
  return { ...run, stdout: run.stdout.split('\n').filter(keep).join('\n') };
}

function mask(run: CliRun): CliRun {
  const pids = new Map<string, string>();
  const keys = new Map<string, string>();
  const m = (s: string): string => s
    .split(rec.dir).join('REC')
    .replace(/[0-9a-f]{12}:\d+(?:\+\d+)?:\d+/g, (k) => keys.get(k) ?? (keys.set(k, `K${keys.size + 1}`), keys.get(k)!))
    .replace(/--pid (\d+)/g, (_all, p: string) => `--pid ${pids.get(p) ?? (pids.set(p, `P${pids.size + 1}`), pids.get(p)!)}`)
    .replace(/\[(\d+)\]/g, (_all, p: string) => `[${pids.get(p) ?? (pids.set(p, `P${pids.size + 1}`), pids.get(p)!)}]`)
    .replace(/"(pid|ppid)": (\d+)/g, (_all, f: string, p: string) => `"${f}": "${pids.get(p) ?? (pids.set(p, `P${pids.size + 1}`), pids.get(p)!)}"`)
    .replace(/"(start_ns|end_ns)": "\d+"/g, '"$1": "T"')
    .replace(/"depth": \d+/g, '"depth": "D"')
    .replace(/\d{2}:\d{2}:\d{2}\.\d{3}/g, 'T')
    .replace(/\d{4}-\d{2}-\d{2} T UTC/g, 'DATE T UTC');
  return { command: m(run.command), stdout: m(run.stdout), stderr: m(run.stderr), code: run.code };
}

describe('hindsight tree', () => {
  const cases: [string, () => string[]][] = [
    ['tree-descendants', () => ['tree', rec.dir, '--pid', String(rec.pids.root), '--descendants', '--width', '0']],
    ['tree-reused-pid', () => ['tree', rec.dir, '--pid', String(rec.pids.reuse[0]), '--descendants', '--width', '0']],
    ['tree-depth-and-width', () => ['tree', rec.dir, '--pid', String(rec.pids.reaper[0]), '--descendants', '--depth', '1', '--width', '18']],
    ['tree-json', () => ['tree', rec.dir, '--pid', String(rec.pids.reaper[0]), '--descendants', '--format', 'json']],
    ['tree-no-match', () => ['tree', rec.dir, '--exe', '/no/such/exe']],
    ['tree-bad-option', () => ['tree', rec.dir, '--pid', 'abc']],
    ['tree-two-selectors', () => ['tree', rec.dir, '--pid', '1', '--key', 'x']],
  ];
  it.each(cases)('%s matches its snapshot', (name, args) => {
    const [got, want] = matchSnapshot(name, mask(dropRetried(runCli(args()))));
    expect(got).toBe(want);
  });

  it('shows a process with its ancestors up to a root, marked', () => {
    const run = runCli(['tree', rec.dir, '--pid', String(rec.pids.reaper[2]), '--ancestors', '--width', '0']);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(new RegExp(`└─ \\* /usr/bin/true \\[${rec.pids.reaper[2]}\\] .*exit 0  now under \\[${rec.pids.reaper[0]}\\]$`));
    expect(lines.at(-2)).toContain(`[${rec.pids.reaper[1]}]`);
    expect(lines.at(-3)).toContain(`[${rec.pids.reaper[0]}]`);
    expect(lines.at(-4)).toContain(`${rec.exe} [${rec.pids.root}]`);
    expect(lines[0]).not.toMatch(/^[│├└ ]/);
  });

  it('shows only what was alive at a moment', () => {
    const all = runCli(['tree', rec.dir, '--pid', String(rec.pids.root), '--descendants', '--format', 'json']);
    const root = JSON.parse(all.stdout)[0] as { children: { pid: number; start_ns: string }[] };
    const killed = root.children.find((c) => c.pid === rec.pids.killed)!;
    const at = String(BigInt(killed.start_ns) + 20_000_000n);
    const run = runCli(['tree', rec.dir, '--pid', String(rec.pids.root), '--descendants', '--at', at, '--width', '0']);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^alive at \d{4}-\d{2}-\d{2} /);
    expect(lines.slice(1).map((l) => /\[(\d+)\]/.exec(l)![1]).filter((p) => !rec.pids.reuse_failed.includes(Number(p))))
      .toEqual([String(rec.pids.root), String(rec.pids.killed)]);
  });
});
