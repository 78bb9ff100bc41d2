/**
 * The lineage recording the lineage, processes and tree tests share: made
 * once per test run by the real recorder (fixtures/make-lineage.ts) and reused
 * by every test file of that run (cached under /tmp by the vitest process's
 * pid). Not committed: its snapshots hold the whole host's command lines.
 */
import { existsSync, readFileSync } from 'node:fs';
import { makeLineageRecording, type ScenarioPids } from '../../fixtures/make-lineage.js';

export interface LineageRecording {
  dir: string;
  exe: string;
  pids: ScenarioPids;
}

/** Records the scenario, or reuses this test run's recording. */
export async function lineageRecording(): Promise<LineageRecording> {
  const dir = `/tmp/hindsight-lineage/run-${process.ppid}`;
  const facts = `${dir}/scenario.json`;
  if (!existsSync(facts)) await makeLineageRecording(dir);
  const { exe, pids } = JSON.parse(readFileSync(facts, 'utf8')) as { exe: string; pids: ScenarioPids };
  return { dir, exe, pids };
}
