/**
 * Error classes of the record layer that callers branch on. Everything else
 * is a plain `Error` with a component prefix and the offending value.
 */

/** errno codes that mean "the filesystem has no room for this write". */
const FULL_CODES = new Set(['ENOSPC', 'EDQUOT']);

/** True when `err` (or its cause chain) is ENOSPC or EDQUOT. */
export function isStorageFull(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 8; depth++) {
    if (e instanceof StorageFullError) return true;
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && FULL_CODES.has(code)) return true;
    e = (e as Error).cause;
  }
  return false;
}

/**
 * The disk (or the user's quota) is full. The segment being written was
 * removed; segments closed earlier are untouched. `path` names the file whose
 * write failed, `code` is ENOSPC or EDQUOT.
 */
export class StorageFullError extends Error {
  readonly path: string;
  readonly code: string;
  constructor(path: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code ?? 'ENOSPC';
    super(`storage full (${code}) writing ${path}`, { cause });
    this.name = 'StorageFullError';
    this.path = path;
    this.code = code;
  }
}

/** Another live recorder holds the lock of the host directory. */
export class LockedError extends Error {
  readonly pid: number;
  readonly dir: string;
  constructor(pid: number, dir: string) {
    super(`another recorder (pid ${pid}) is writing to ${dir}`);
    this.name = 'LockedError';
    this.pid = pid;
    this.dir = dir;
  }
}

/** The output directory cannot be created or written (permissions, read-only filesystem). */
export class OutputNotWritableError extends Error {
  readonly dir: string;
  constructor(dir: string, cause: unknown) {
    super(`output directory ${dir} is not writable`, { cause });
    this.name = 'OutputNotWritableError';
    this.dir = dir;
  }
}

/**
 * A batch could not be encoded (a value outside its column's type: a bug in
 * row building, never an I/O problem). The row group was rolled back and the
 * writer stays usable; the caller decides what to do with the rows.
 */
export class SegmentEncodeError extends Error {
  override name = 'SegmentEncodeError';
}
