/**
 * Errors of the capture layer that callers branch on, and errno naming.
 *
 * - `NotSupportedError`: this kernel lacks a hook, program type or feature;
 *   the recorder may carry on without that program.
 * - `VerifierError`: the verifier rejected a program; carries its log.
 * - `PermissionError`: the process lacks privileges; names what is missing.
 *
 * Every message starts with `capture:` and names what was attempted (program,
 * section, map) and the errno name (EPERM, ENOENT...).
 */
import { constants } from 'node:os';

const errnoNames = new Map<number, string>();
for (const [name, value] of Object.entries(constants.errno)) {
  if (!errnoNames.has(value)) errnoNames.set(value, name);
}
// Kernel-internal codes that leak to user space through bpf(2).
errnoNames.set(524, 'ENOTSUPP');

/**
 * The symbolic name of an errno value, e.g. 1 -> "EPERM". Accepts -errno as
 * libbpf returns it. Unknown values come back as "errno <n>".
 */
export function errnoName(errno: number): string {
  const n = Math.abs(errno);
  return errnoNames.get(n) ?? `errno ${n}`;
}

/** The kernel lacks a hook, program type or feature that a program needs. */
export class NotSupportedError extends Error {
  override name = 'NotSupportedError';
  /** The program (or feature) that cannot be used. */
  readonly program: string;
  /** The program's section, e.g. "tracepoint/syscalls/sys_enter_openat"; "" for a feature. */
  readonly section: string;
  /** Why, in words, e.g. "tracepoint syscalls/sys_enter_foo does not exist". */
  readonly reason: string;

  constructor(program: string, section: string, reason: string, options?: ErrorOptions) {
    super(`capture: ${program}${section ? ` (${section})` : ''} not supported: ${reason}`, options);
    this.program = program;
    this.section = section;
    this.reason = reason;
  }
}

/** The verifier rejected a program; `log` is its verifier log (the tail when long). */
export class VerifierError extends Error {
  override name = 'VerifierError';
  readonly program: string;
  readonly section: string;
  /**
   * errno name returned by the load, usually EACCES or EINVAL; ENOSPC when the
   * log outgrew its buffer (kernel >= 6.4 then keeps the tail, which names the
   * failing instruction).
   */
  readonly errno: string;
  readonly log: string;

  constructor(program: string, section: string, errno: string, log: string) {
    const truncated = errno === 'ENOSPC' ? ' (log truncated, tail kept)' : '';
    super(`capture: verifier rejected ${program} (${section}): ${errno}${truncated}: ${lastLogLine(log)}`);
    this.program = program;
    this.section = section;
    this.errno = errno;
    this.log = log;
  }
}

/** The process lacks the privileges an operation needs. */
export class PermissionError extends Error {
  override name = 'PermissionError';
  /** What is missing, e.g. ["CAP_BPF", "CAP_PERFMON"]; empty when unknown. */
  readonly missing: string[];

  constructor(message: string, missing: string[], options?: ErrorOptions) {
    super(`capture: ${message}`, options);
    this.missing = missing;
  }
}

/** The most telling line of a verifier log: the last one that is not a summary. */
function lastLogLine(log: string): string {
  const lines = log.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const telling = lines.filter((l) => !/^(processed \d+ insns|verification time|stack depth|-- END)/.test(l));
  return telling.at(-1) ?? lines.at(-1) ?? '(empty log)';
}
