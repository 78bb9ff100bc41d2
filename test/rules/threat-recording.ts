/**
 * The threat recording the rule replay tests share: fixtures/threat-scenario.sh
 * recorded once per test run by the real recorder (fixtures/make-threat.ts),
 * cached under /tmp by the vitest process's pid. Not committed: its snapshots
 * hold the whole host's command lines.
 */
import { existsSync, readFileSync } from 'node:fs';
import { makeThreatRecording, type ThreatScenario } from '../../fixtures/make-threat.js';

export interface ThreatRecording extends ThreatScenario {
  /** The recording folder (holding host=threat). */
  rec: string;
}

/** Records the scenario, or reuses this test run's recording. */
export async function threatRecording(): Promise<ThreatRecording> {
  const rec = `/tmp/hindsight-threat/run-${process.ppid}`;
  const facts = `${rec}/scenario.json`;
  if (!existsSync(facts)) await makeThreatRecording(rec);
  return { rec, ...(JSON.parse(readFileSync(facts, 'utf8')) as ThreatScenario) };
}
