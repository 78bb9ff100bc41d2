/**
 * `hindsight info --format json` (src/cli/info.ts): one JSON object holding
 * what the text shows, 64-bit values exact. The text form is snapshotted in
 * analyze-commands.test.ts (info, info-window).
 */
import { describe, expect, it } from 'vitest';
import type { RecordingSummary } from '../../src/analyze/info.js';
import { summaryJson } from '../../src/cli/info.js';
import { FIXTURE_REL } from '../helpers/analyze-fixtures.js';
import { matchSnapshot, runCli } from '../helpers/cli-snapshot.js';

interface InfoJson {
  first: string; last: string; first_ns: string; last_ns: string;
  hosts: { host: string; events: number; first: string; last: string; first_ns: string; last_ns: string; boot_ids: string[] }[];
  segments: number; segment_bytes: number; events: number; events_by_kind: Record<string, number>;
  lost_events: number; gaps: unknown[];
}

describe('info --format json', () => {
  it('prints the summary of the fixture as one JSON object', () => {
    const run = runCli(['info', FIXTURE_REL, '--format', 'json']);
    const [got, want] = matchSnapshot('info-json', run);
    expect(got).toBe(want);
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(1);
  });

  it('agrees with itself and with the text form: totals, times exact to the ns', () => {
    const run = runCli(['info', FIXTURE_REL, '--format', 'json', '--since', '2026-11-21T07:44:20.4959Z', '--until', '2026-11-21T07:44:20.9959Z']);
    expect(run.code).toBe(0);
    const j = JSON.parse(run.stdout) as InfoJson;
    expect(j.events).toBe(1138); // as info-window.txt
    expect(Object.values(j.events_by_kind).reduce((a, b) => a + b, 0)).toBe(j.events);
    expect(j.hosts.reduce((a, h) => a + h.events, 0)).toBe(j.events);
    expect(j.first).toBe('2026-11-21T07:44:20.501861844Z');
    expect(BigInt(j.first_ns)).toBe(BigInt(Date.parse(j.first.slice(0, 19) + 'Z')) * 1_000_000n + BigInt(j.first.slice(20, 29)));
    expect(BigInt(j.last_ns)).toBeGreaterThan(BigInt(j.first_ns));
    const text = runCli(['info', FIXTURE_REL, '--since', '2026-11-21T07:44:20.4959Z', '--until', '2026-11-21T07:44:20.9959Z']).stdout;
    expect(text).toContain(`time range: ${j.first} .. ${j.last}`);
    for (const [kind, n] of Object.entries(j.events_by_kind)) expect(text).toMatch(new RegExp(`^  ${kind} +${n}$`, 'm'));
  });

  it('writes gaps with unknown ends as null and 64-bit counts digit for digit', () => {
    const s: RecordingSummary = {
      hosts: [{ host: 'h', bootIds: ['b'], firstNs: 1n, lastNs: 2n ** 63n - 1n, events: 2n ** 60n }],
      firstNs: 1n, lastNs: 2n ** 63n - 1n, countsByKind: [{ kind: 'open', events: 2n ** 60n }], lostEvents: 9_007_199_254_740_993n,
      gaps: [{ host: 'h', fromNs: null, toNs: 5n, reason: 'segment x skipped: "quoted"\nreason', lostCount: null, source: 'skipped' }],
      schemaVersions: [1], segments: 1, segmentBytes: 10, skipped: 1, manifests: 1, recorderRuns: 1, countedFrom: { manifest: 0, rows: 1 },
    };
    const text = summaryJson(s);
    expect(text).toContain('"events":1152921504606846976,');
    expect(text).toContain('"lost_events":9007199254740993,');
    expect(text).toContain('"last_ns":"9223372036854775807"');
    expect(JSON.parse(text)).toMatchObject({
      gaps: [{ host: 'h', source: 'skipped', from: null, to: '1970-01-01T00:00:00.000000005Z', from_ns: null, to_ns: '5', reason: 'segment x skipped: "quoted"\nreason', lost_count: null }],
    });
  });

  it('refuses an unknown format as a usage error', () => {
    const run = runCli(['info', FIXTURE_REL, '--format', 'yaml']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('yaml');
  });
});
