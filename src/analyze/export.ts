/**
 * `hindsight export` in SQL: every event in time order as JSON Lines, CSV or
 * Timesketch JSONL (https://timesketch.org/guides/user/import-from-json-csv/),
 * each line built by DuckDB, so the caller only streams text.
 *
 * Guarantees: the text is the same, byte for byte, as rendering the rows of
 * `SELECT * FROM events` value by value with src/cli/output.ts (`jsonValue`,
 * `csvLine`), as export did before it built lines in SQL; test/cli/export.test.ts
 * checks it on hostile values:
 * - JSON strings are escaped as `JSON.stringify` does (`\"`, `\\`, `\n`...,
 *   other control characters as lower-case `\u00xx`, nothing else escaped);
 * - 64-bit integers keep every digit; TIMESTAMP_NS is UTC ISO 8601 exact to
 *   the ns; BLOBs are lower-case hex in JSON and `\xNN` text in CSV;
 * - JSON lines hold the non-null columns only; CSV fields are quoted (RFC
 *   4180) when they hold a comma, quote, CR or LF.
 * Timesketch lines add `message`, `datetime` (µs, Timesketch's resolution;
 * `ktime_ns` keeps the kernel's ns), `timestamp` (µs since the epoch) and
 * `timestamp_desc`, leave out `time`, and skip the per-segment snapshot rows
 * (state, not events). Rows come in (time, host, seq) order; JSON Lines and
 * CSV break the remaining ties (snapshot rows, which have no seq) by `proc_key`.
 */
import type { DuckSession, SqlColumn } from './session.js';
import { sqlIdentifier, sqlString } from './sql.js';

/** Timesketch's `timestamp_desc` for each event kind. */
export const TIMESTAMP_DESC: Record<string, string> = {
  exec: 'Process Exec', exec_fail: 'Process Exec Failed', fork: 'Process Fork', exit: 'Process Exit',
  open: 'File Open', unlink: 'File Unlink', rename: 'File Rename', chmod: 'File Chmod', chown: 'File Chown',
  mkdir: 'File Mkdir', link: 'File Link', symlink: 'File Symlink', truncate: 'File Truncate',
  connect: 'Network Connect', accept: 'Network Accept', bind: 'Network Bind', listen: 'Network Listen',
  tcp_state: 'TCP State Change', dns: 'DNS Query', ptrace: 'Process Ptrace', setuid: 'Process Setuid',
  setgid: 'Process Setgid', memfd: 'Memfd Create', module: 'Kernel Module', bpf_prog: 'BPF Program Load',
  loss: 'Events Lost',
};

const FILE_KINDS = ['open', 'unlink', 'rename', 'chmod', 'chown', 'mkdir', 'link', 'symlink', 'truncate'];

/** A one-line description of an event, as SQL over the events columns. */
export const MESSAGE_SQL = `coalesce(comm, '?') || '[' || coalesce(pid::VARCHAR, '?') || '] ' || CASE
  WHEN kind = 'exec' THEN 'exec ' || coalesce(exe, '?') || coalesce(' ' || array_to_string(argv, ' '), '')
  WHEN kind = 'exec_fail' THEN 'exec failed ' || coalesce(filename, '?') || coalesce(' (' || error || ')', '')
  WHEN kind = 'fork' THEN (CASE WHEN is_thread THEN 'thread ' ELSE 'fork ' END) || coalesce(child_pid::VARCHAR, '?') || coalesce(' ' || child_key, '')
  WHEN kind = 'exit' THEN 'exit' || coalesce(' code ' || exit_code, '') || coalesce(' signal ' || exit_signal, '') || (CASE WHEN core_dumped THEN ' (core dumped)' ELSE '' END)
  WHEN kind IN (${FILE_KINDS.map((k) => `'${k}'`).join(', ')}) THEN kind || ' ' || coalesce(path, '?') || coalesce(' -> ' || path2, '') || coalesce(' (' || error || ')', '')
  WHEN kind IN ('connect', 'accept', 'bind', 'listen') THEN kind || ' ' || coalesce(protocol || ' ', '') || coalesce(unix_path, coalesce(daddr || ':' || dport, saddr || ':' || sport), '?') || coalesce(' (' || error || ')', '')
  WHEN kind = 'tcp_state' THEN 'tcp ' || coalesce(saddr || ':' || sport, '?') || ' -> ' || coalesce(daddr || ':' || dport, '?') || ' ' || coalesce(tcp_old_state, '?') || ' -> ' || coalesce(tcp_new_state, '?')
  WHEN kind = 'dns' THEN 'dns query ' || coalesce(dns_query, '?') || coalesce(' ' || dns_qtype, '')
  WHEN kind = 'ptrace' THEN 'ptrace ' || coalesce(ptrace_request, '?') || coalesce(' pid ' || target_pid, '')
  WHEN kind IN ('setuid', 'setgid') THEN kind || coalesce(' real=' || id_real, '') || coalesce(' effective=' || id_effective, '') || coalesce(' saved=' || id_saved, '') || coalesce(' (' || error || ')', '')
  WHEN kind IN ('memfd', 'module', 'bpf_prog') THEN kind || ' ' || coalesce(name, '?') || coalesce(' ' || bpf_prog_type, '')
  WHEN kind = 'loss' THEN 'lost ' || coalesce(lost_count::VARCHAR, '?') || ' events (' || coalesce(lost_reason, '?') || ')'
  ELSE kind END`;

export type ExportFormat = 'jsonl' | 'csv' | 'timesketch';

/** JSON.stringify's escape of each control character (U+0000..U+001F). */
function controlEscape(code: number): string {
  return JSON.stringify(String.fromCharCode(code)).slice(1, -1);
}

/**
 * The macros the lines are built with. DuckDB's `to_json` escapes strings as
 * JSON.stringify does except that it writes the hex of `\u00xx` in upper case
 * (U+000B, U+000E, U+000F, U+001A..U+001F): JSON lines are fixed afterwards
 * ({@link lowerEscapes}); JSON inside CSV fields is escaped character by
 * character when it holds one of those (rare, so the slow way costs nothing overall).
 */
const MACROS = [
  `hs_json_escape(v) AS '"' || ${Array.from({ length: 32 }, (_, i) => i).reduce(
    (expr, i) => `replace(${expr}, chr(${i}), ${sqlString(controlEscape(i))})`,
    `replace(replace(v, '\\', '\\\\'), '"', '\\"')`,
  )} || '"'`,
  `hs_json_list(l) AS CASE WHEN list_bool_or(list_transform(l, x -> regexp_matches(x, '[\\x0b\\x0e\\x0f\\x1a-\\x1f]')))
    THEN '[' || array_to_string(list_transform(l, x -> coalesce(hs_json_escape(x), 'null')), ',') || ']'
    ELSE to_json(l)::VARCHAR END`,
  // ns since the epoch as 2025-11-21T07:15:03.123456789Z (strftime's %n is not exact in DuckDB 1.5)
  `hs_iso_ns(t) AS strftime(t, '%Y-%m-%dT%H:%M:%S.') || lpad((((epoch_ns(t) % 1000000000) + 1000000000) % 1000000000)::VARCHAR, 9, '0') || 'Z'`,
  // bytes 0x20..0x7e but the backslash as they are, others as \\xNN (lower-case hex)
  `hs_blob_text(b) AS array_to_string(list_transform(regexp_extract_all(hex(b), '..'),
    p -> CASE WHEN ('0x' || p)::INTEGER BETWEEN 32 AND 126 AND p <> '5C' THEN chr(('0x' || p)::INTEGER) ELSE '\\x' || lower(p) END), '')`,
  `hs_csv_field(s) AS CASE WHEN s IS NULL THEN '' WHEN regexp_matches(s, '[",\\r\\n]') THEN '"' || replace(s, '"', '""') || '"' ELSE s END`,
];

/**
 * JSON text with every `\u00XX` escape's hex in lower case, as JSON.stringify
 * writes it: an escape is a `\` preceded by an even number of backslashes.
 */
export function lowerEscapes(text: string): string {
  if (!text.includes('\\u00')) return text;
  return text.replace(/(\\+)u00([0-9A-F]{2})/g, (m, bs: string, hex: string) => (bs.length % 2 === 1 ? `${bs}u00${hex.toLowerCase()}` : m));
}

const INTEGER_TYPES = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT']);

/** A column's value as JSON text, NULL when the value is NULL. */
function jsonSql(c: SqlColumn): string {
  const x = sqlIdentifier(c.name);
  if (INTEGER_TYPES.has(c.type) || c.type === 'BOOLEAN') return `${x}::VARCHAR`;
  if (c.type === 'TIMESTAMP_NS') return `'"' || hs_iso_ns(${x}) || '"'`;
  if (c.type === 'VARCHAR' || c.type === 'VARCHAR[]') return `to_json(${x})::VARCHAR`;
  if (c.type === 'BLOB') return `'"' || lower(hex(${x})) || '"'`;
  throw new Error(`export: unsupported column type: ${c.name} ${c.type}`);
}

/** A column's value as a CSV field ('' for NULL). */
function csvSql(c: SqlColumn): string {
  const x = sqlIdentifier(c.name);
  if (INTEGER_TYPES.has(c.type) || c.type === 'BOOLEAN') return `coalesce(${x}::VARCHAR, '')`;
  if (c.type === 'TIMESTAMP_NS') return `coalesce(hs_iso_ns(${x}), '')`;
  if (c.type === 'VARCHAR') return `hs_csv_field(${x})`;
  if (c.type === 'VARCHAR[]') return `hs_csv_field(hs_json_list(${x}))`;
  if (c.type === 'BLOB') return `hs_csv_field(hs_blob_text(${x}))`;
  throw new Error(`export: unsupported column type: ${c.name} ${c.type}`);
}

/** `"name":value` for a non-null value, else NULL (concat_ws leaves it out). */
function member(c: SqlColumn): string {
  return `${sqlString(`${JSON.stringify(c.name)}:`)} || ${jsonSql(c)}`;
}

/**
 * The statement for an export over `columns` (those of `events`, in order):
 * one VARCHAR column `line`, newline included, in (time, host, seq) order.
 * @throws Error `export: unsupported column type: ...` for a type the segment schema does not use.
 */
export function exportSql(format: ExportFormat, columns: SqlColumn[]): string {
  if (format === 'csv') {
    return `SELECT concat_ws(',', ${columns.map(csvSql).join(', ')}) || chr(10) AS line
      FROM events ORDER BY time, host, seq NULLS FIRST, proc_key`;
  }
  if (format === 'jsonl') {
    return `SELECT '{' || concat_ws(',', ${columns.map(member).join(', ')}) || '}' || chr(10) AS line
      FROM events ORDER BY time, host, seq NULLS FIRST, proc_key`;
  }
  const desc = Object.entries(TIMESTAMP_DESC).map(([k, v]) => `WHEN ${sqlString(k)} THEN ${sqlString(v)}`).join(' ');
  const us = 'epoch_ns("time") // 1000';
  const rest = columns.filter((c) => c.name !== 'time' && c.name !== 'message' && c.name !== 'timestamp_desc');
  return `SELECT '{' || concat_ws(',',
      '"message":' || coalesce(to_json(${MESSAGE_SQL})::VARCHAR, 'null'),
      '"datetime":"' || strftime(make_timestamp(${us}), '%Y-%m-%dT%H:%M:%S.%fZ') || '"',
      '"timestamp":' || (${us})::VARCHAR,
      '"timestamp_desc":' || coalesce(to_json(CASE kind ${desc} ELSE kind END)::VARCHAR, 'null'),
      ${rest.map(member).join(', ')}) || '}' || chr(10) AS line
    FROM events WHERE kind <> 'snapshot' ORDER BY time, host, seq`;
}

/** The CSV header line (column names as they are), or '' for the JSON formats. */
function exportHeader(format: ExportFormat, columns: SqlColumn[]): string {
  return format === 'csv' ? `${columns.map((c) => c.name).join(',')}\n` : '';
}

/**
 * Streams the export of the `events` view as text, one block per DuckDB chunk
 * (at most 2048 lines; the CSV header comes first), so the caller never holds
 * the whole result. Defines the `hs_*` macros in the session.
 * @throws as {@link exportSql}, and the session's query errors.
 */
export async function* exportText(session: DuckSession, format: ExportFormat): AsyncGenerator<string> {
  for (const m of MACROS) await session.query(`CREATE OR REPLACE TEMP MACRO ${m}`);
  const columns = (await session.query('SELECT column_name, column_type FROM (DESCRIBE events)'))
    .map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  const header = exportHeader(format, columns);
  if (header !== '') yield header;
  for await (const chunk of session.stream(exportSql(format, columns))) {
    if (chunk.rows.length === 0) continue;
    const text = chunk.rows.map((r) => r.line as string).join('');
    yield format === 'csv' ? text : lowerEscapes(text);
  }
}
