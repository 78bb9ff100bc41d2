/**
 * `hindsight info REC...`: hosts and boot ids, time range, events by kind,
 * lost events, gaps, schema versions, segment count and bytes.
 */
import type { Command } from 'commander';
import { summarizeRecording, type RecordingSummary } from '../analyze/info.js';
import { isoTime } from './output.js';
import { checkPartial, openForCommand, windowOptions } from './recording-args.js';
import { formatBytes } from './units.js';

const t = (ns: bigint | null): string => (ns === null ? '?' : isoTime(ns, 9));

/** The summary as text, one fact per line. */
export function renderSummary(s: RecordingSummary): string {
  const lines: string[] = [];
  lines.push(`time range: ${t(s.firstNs)} .. ${t(s.lastNs)}`);
  lines.push(`hosts: ${s.hosts.length}`);
  for (const h of s.hosts) {
    lines.push(`  ${h.host}: ${h.events} events, ${t(h.firstNs)} .. ${t(h.lastNs)}, boot ${h.bootIds.join(', ')}`);
  }
  lines.push(`segments: ${s.segments} (${formatBytes(s.segmentBytes)})${s.skipped > 0 ? `, ${s.skipped} skipped` : ''}; manifests: ${s.manifests}; recorder runs: ${s.recorderRuns}`);
  lines.push(`schema version: ${s.schemaVersions.join(', ')}`);
  const total = s.countsByKind.reduce((a, k) => a + k.events, 0n);
  lines.push(`events: ${total}`);
  const w = Math.max(...s.countsByKind.map((k) => k.kind.length));
  for (const k of s.countsByKind) lines.push(`  ${k.kind.padEnd(w)}  ${k.events.toString().padStart(9)}`);
  lines.push(`lost events: ${s.lostEvents}`);
  lines.push(`gaps: ${s.gaps.length}`);
  for (const g of s.gaps) {
    lines.push(`  ${g.host} ${g.source}: ${t(g.fromNs)} .. ${t(g.toNs)}: ${g.reason}${g.lostCount !== null ? ` (${g.lostCount} lost)` : ''}`);
  }
  return lines.join('\n') + '\n';
}

/** Adds `info` to the CLI. */
export function registerInfoCommand(cli: Command): void {
  windowOptions(cli.command('info')
    .description('hosts, time range, events by kind, lost events, gaps, schema version, segments')
    .argument('<recordings...>', 'recording folders, host folders, segments or globs'))
    .action(async (paths: string[], opts: { since?: string; until?: string }) => {
      const { session, rec } = await openForCommand(paths, opts);
      try {
        process.stdout.write(renderSummary(await summarizeRecording(session, rec)));
      } finally {
        session.close();
      }
      checkPartial(rec);
    });
}
