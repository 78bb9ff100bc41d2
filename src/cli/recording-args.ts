/**
 * What every analysis command shares: the REC... arguments, --since/--until,
 * opening the recording with its views, warnings for skipped segments, and
 * the partial-data outcome at the end.
 */
import type { Command } from 'commander';
import { isPartial, openRecording, type OpenedRecording } from '../analyze/recording.js';
import { DuckSession } from '../analyze/session.js';
import { defineViews, type TimeWindow } from '../analyze/views.js';
import { PartialDataError } from './exit-codes.js';
import { parseWindow } from './time-window.js';

/** Adds --since and --until to `cmd`. */
export function windowOptions(cmd: Command): Command {
  return cmd
    .option('--since <time>', 'only events at or after this time (ISO 8601, UTC unless an offset is given; or a duration before now: 2h)')
    .option('--until <time>', 'only events before this time (same forms as --since)');
}

export interface OpenedForCommand {
  session: DuckSession;
  rec: OpenedRecording;
  window: TimeWindow;
}

/** Prints one warning line per skipped segment to stderr. */
export function warnSkipped(rec: OpenedRecording): void {
  for (const s of rec.skipped) process.stderr.write(`hindsight: warning: skipped ${s.path}: ${s.reason}\n`);
}

/**
 * Opens `paths` in a new session and defines the views (unless `views` is
 * false); warns about skipped segments. The caller closes the session.
 */
export async function openForCommand(paths: string[], opts: { since?: string; until?: string }, views = true): Promise<OpenedForCommand> {
  const window = parseWindow(opts);
  const session = await DuckSession.open();
  try {
    const rec = await openRecording(session, paths);
    warnSkipped(rec);
    if (views) await defineViews(session, rec, window);
    return { session, rec, window };
  } catch (err) {
    session.close();
    throw err;
  }
}

/** Throws PartialDataError (exit code 5) when segments were skipped; call after printing the answer. */
export function checkPartial(rec: OpenedRecording): void {
  if (isPartial(rec)) {
    throw new PartialDataError(`partial data: ${rec.skipped.length} segment(s) skipped (see the warnings above); the answer does not include them`);
  }
}
