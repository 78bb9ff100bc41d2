/**
 * The one place that maps outcomes to exit codes and renders errors for
 * people: the cause chain joined by ': ' (as cilium/ebpf does), the verifier
 * log's tail where there is one.
 *
 * | code | meaning |
 * |---|---|
 * | 0 | success |
 * | 1 | a runtime error (I/O, a corrupt input, a failed load) |
 * | 2 | usage: a bad option or value |
 * | 3 | this host cannot record: privileges, BTF, libbpf, a missing hook |
 * | 4 | the output is unusable: full disk, locked by another recorder, not writable |
 * | 5 | partial data: the answer was printed, but some segments were skipped (named in warnings) |
 * | 6 | findings: verify found tampering or damage (altered, missing, extra segments; a broken hash chain); replay found rule matches |
 */
import { NotSupportedError, PermissionError, VerifierError } from '../capture/errors.js';
import { LockedError, StorageFullError } from '../record/errors.js';
import { UsageError } from './units.js';

export const EXIT = { OK: 0, ERROR: 1, USAGE: 2, HOST: 3, OUTPUT: 4, PARTIAL: 5, FINDINGS: 6 } as const;

interface CommanderLike { code?: string; exitCode?: number }

function isCommanderError(err: unknown): err is Error & CommanderLike {
  return err instanceof Error && typeof (err as CommanderLike).code === 'string' && (err as CommanderLike).code!.startsWith('commander.');
}

/** Exit code for an error thrown by a command. */
export function exitCodeFor(err: unknown): number {
  if (isCommanderError(err)) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.OK;
    return EXIT.USAGE;
  }
  if (err instanceof UsageError) return EXIT.USAGE;
  if (err instanceof PermissionError || err instanceof NotSupportedError || err instanceof VerifierError) return EXIT.HOST;
  if (err instanceof HostError) return EXIT.HOST;
  if (err instanceof StorageFullError || err instanceof LockedError || err instanceof OutputError) return EXIT.OUTPUT;
  if (err instanceof PartialDataError) return EXIT.PARTIAL;
  if (err instanceof FindingsError) return EXIT.FINDINGS;
  return EXIT.ERROR;
}

/** The command printed its answer, but from partial data (segments skipped). */
export class PartialDataError extends Error {
  override name = 'PartialDataError';
}

/** `verify` found something wrong; the findings were printed. */
export class FindingsError extends Error {
  override name = 'FindingsError';
}

/** The host lacks something recording needs (BTF, libbpf, a capability). */
export class HostError extends Error {
  override name = 'HostError';
}

/** The output directory cannot be used (not writable, no space). */
export class OutputError extends Error {
  override name = 'OutputError';
}

/** One line (plus a verifier log tail) for a person. Commander already printed its own errors. */
export function formatError(err: unknown): string {
  if (isCommanderError(err)) return '';
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    parts.push(e instanceof Error ? e.message : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  let text = parts.join(': ');
  if (err instanceof VerifierError) {
    text += `\nverifier log (tail):\n${err.log.split('\n').slice(-30).join('\n')}`;
  }
  return text;
}
