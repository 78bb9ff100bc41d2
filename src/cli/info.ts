/**
 * `hindsight info REC... [--format text|json]`: hosts and boot ids, time
 * range, events by kind, lost events, gaps, schema versions, segment count
 * and bytes (src/analyze/info.ts).
 */
import { Command, Option } from 'commander';
import { cacheFooters, summarizeRecording, type RecordingSummary } from '../analyze/info.js';
import { openRecording } from '../analyze/recording.js';
import { DuckSession, type SqlValue } from '../analyze/session.js';
import { defineViews } from '../analyze/views.js';
import { isoTime, jsonValue } from './output.js';
import { checkPartial, warnSkipped, windowOptions } from './recording-args.js';
import { parseWindow } from './time-window.js';
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

const iso = (ns: bigint | null): string | null => (ns === null ? null : isoTime(ns, 9));
const nsText = (ns: bigint | null): string | null => (ns === null ? null : ns.toString());

/**
 * The summary as one JSON object on one line. Times are UTC ISO 8601 exact to
 * the ns (`first`) and decimal strings of ns since the epoch (`first_ns`);
 * counts are JSON numbers written digit for digit from 64-bit integers.
 */
export function summaryJson(s: RecordingSummary): string {
  const doc: SqlValue = {
    first: iso(s.firstNs), last: iso(s.lastNs), first_ns: nsText(s.firstNs), last_ns: nsText(s.lastNs),
    hosts: s.hosts.map((h) => ({
      host: h.host, events: h.events, first: iso(h.firstNs), last: iso(h.lastNs),
      first_ns: nsText(h.firstNs), last_ns: nsText(h.lastNs), boot_ids: h.bootIds,
    })),
    segments: s.segments, segment_bytes: s.segmentBytes, skipped_segments: s.skipped,
    manifests: s.manifests, recorder_runs: s.recorderRuns, schema_versions: s.schemaVersions,
    events: s.countsByKind.reduce((a, k) => a + k.events, 0n),
    events_by_kind: Object.fromEntries(s.countsByKind.map((k) => [k.kind, k.events])),
    lost_events: s.lostEvents,
    gaps: s.gaps.map((g) => ({
      host: g.host, source: g.source, from: iso(g.fromNs), to: iso(g.toNs), from_ns: nsText(g.fromNs), to_ns: nsText(g.toNs),
      reason: g.reason, lost_count: g.lostCount,
    })),
  };
  return `${jsonValue(doc, '')}\n`;
}

/** Adds `info` to the CLI. */
export function registerInfoCommand(cli: Command): void {
  windowOptions(cli.command('info')
    .description('hosts, time range, events by kind, lost events, gaps, schema version, segments')
    .argument('<recordings...>', 'recording folders, host folders, segments or globs')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text')))
    .action(async (paths: string[], opts: { since?: string; until?: string; format: 'text' | 'json' }) => {
      // as openForCommand, with the footer cache on before the recording is opened
      const window = parseWindow(opts);
      const session = await DuckSession.open();
      try {
        await cacheFooters(session);
        const rec = await openRecording(session, paths);
        warnSkipped(rec);
        await defineViews(session, rec, window);
        const summary = await summarizeRecording(session, rec, { window });
        process.stdout.write(opts.format === 'json' ? summaryJson(summary) : renderSummary(summary));
        checkPartial(rec);
      } finally {
        session.close();
      }
    });
}
