/**
 * SQL literal quoting: the one function through which every string that did
 * not come from our own SQL text reaches DuckDB.
 */

/**
 * A single-quoted SQL string literal for `value`: quotes doubled; NUL, which
 * DuckDB cannot hold in a VARCHAR literal, is refused.
 */
export function sqlString(value: string): string {
  if (value.includes('\0')) throw new Error(`sql: NUL byte in string literal: ${JSON.stringify(value)}`);
  return `'${value.replace(/'/g, "''")}'`;
}

/** A double-quoted SQL identifier. */
export function sqlIdentifier(name: string): string {
  if (name.includes('\0')) throw new Error(`sql: NUL byte in identifier: ${JSON.stringify(name)}`);
  return `"${name.replace(/"/g, '""')}"`;
}
