/**
 * Renders query results for people and tools: aligned tables that fit a
 * terminal width, CSV (RFC 4180), and JSON Lines. Values are rendered by their
 * DuckDB type: TIMESTAMP_NS as UTC ISO text exact to the ns, other timestamps
 * at their unit, BLOBs as \xNN text (tables, CSV) or hex (JSON), lists as
 * JSON arrays; 64-bit integers keep every digit (JSON writes them as bare numbers).
 */
import type { SqlColumn, SqlValue } from '../analyze/session.js';

/** UTC ISO text of `value` in `unit`s since the epoch: 2025-11-21T07:15:03.123456789Z. */
export function isoTime(value: bigint, digits: 0 | 3 | 6 | 9): string {
  const perSecond = 10n ** BigInt(digits);
  let secs = value / perSecond;
  let frac = value % perSecond;
  if (frac < 0n) { frac += perSecond; secs -= 1n; }
  const base = new Date(Number(secs) * 1000).toISOString().slice(0, 19);
  return digits === 0 ? `${base}Z` : `${base}.${frac.toString().padStart(digits, '0')}Z`;
}

const TIME_DIGITS: Record<string, 0 | 3 | 6 | 9> = {
  TIMESTAMP_NS: 9, TIMESTAMP: 6, 'TIMESTAMP WITH TIME ZONE': 6, TIMESTAMP_MS: 3, TIMESTAMP_S: 0,
};

function blobText(b: Uint8Array): string {
  return [...b].map((x) => (x >= 0x20 && x < 0x7f && x !== 0x5c ? String.fromCharCode(x) : `\\x${x.toString(16).padStart(2, '0')}`)).join('');
}

/** A value as display text (tables and CSV); null is ''. */
export function cellText(value: SqlValue, type: string): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'bigint' && type in TIME_DIGITS) return isoTime(value, TIME_DIGITS[type]!);
  if (typeof value === 'number' && type === 'DATE') return new Date(value * 86_400_000).toISOString().slice(0, 10);
  if (value instanceof Uint8Array) return blobText(value);
  if (typeof value === 'object') return jsonValue(value, type.endsWith('[]') ? type.slice(0, -2) : '');
  return String(value);
}

/** A value as JSON text: exact 64-bit integers, ISO timestamps, hex BLOBs. */
export function jsonValue(value: SqlValue, type: string): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return type in TIME_DIGITS ? JSON.stringify(isoTime(value, TIME_DIGITS[type]!)) : value.toString();
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString('hex'));
  if (Array.isArray(value)) {
    const inner = type.endsWith('[]') ? type.slice(0, -2) : '';
    return `[${value.map((v) => jsonValue(v as SqlValue, inner)).join(',')}]`;
  }
  if (typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${jsonValue(v as SqlValue, '')}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return JSON.stringify(String(value));
  return JSON.stringify(value);
}

/** One JSON Lines record of a row. */
export function jsonLine(columns: SqlColumn[], row: Record<string, SqlValue>): string {
  return `{${columns.map((c) => `${JSON.stringify(c.name)}:${jsonValue(row[c.name] ?? null, c.type)}`).join(',')}}\n`;
}

/** One CSV field, quoted when it holds a comma, quote, CR or LF. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV line (CRLF-free: LF-terminated) of a row. */
export function csvLine(columns: SqlColumn[], row: Record<string, SqlValue>): string {
  return `${columns.map((c) => csvField(cellText(row[c.name] ?? null, c.type))).join(',')}\n`;
}

/** Text on one line: control characters shown as escapes (\n, \t, \xNN). */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x1f\x7f]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

/** Display width of `text` (code points; East Asian wide characters are not special-cased). */
function width(text: string): number {
  return [...text].length;
}

function cut(text: string, w: number): string {
  const cps = [...text];
  if (cps.length <= w) return text + ' '.repeat(w - cps.length);
  return w <= 1 ? '…'.slice(0, w) : `${cps.slice(0, w - 1).join('')}…`;
}

/**
 * An aligned table (header, rule, rows) no wider than `maxWidth` columns:
 * the widest columns are narrowed first and their cells cut with '…'.
 */
export function renderTable(columns: SqlColumn[], rows: Record<string, SqlValue>[], maxWidth: number): string {
  if (columns.length === 0) return '';
  const cells = rows.map((r) => columns.map((c) => oneLine(cellText(r[c.name] ?? null, c.type))));
  const widths = columns.map((c, i) => Math.max(width(c.name), ...cells.map((row) => width(row[i]!))));
  const sepWidth = 2;
  const budget = Math.max(maxWidth - sepWidth * (columns.length - 1), columns.length * 2);
  let total = widths.reduce((a, b) => a + b, 0);
  while (total > budget) {
    let widest = 0;
    for (let i = 1; i < widths.length; i++) if (widths[i]! > widths[widest]!) widest = i;
    if (widths[widest]! <= 2) break;
    const second = Math.max(2, ...widths.filter((_, i) => i !== widest));
    const cutBy = Math.min(total - budget, Math.max(1, widths[widest]! - second));
    widths[widest] = Math.max(2, widths[widest]! - cutBy);
    total = widths.reduce((a, b) => a + b, 0);
  }
  const numeric = columns.map((c) => /INT|DOUBLE|FLOAT|DECIMAL|HUGEINT/.test(c.type) && !c.type.endsWith('[]'));
  const line = (vals: string[], header: boolean) => vals.map((v, i) => {
    const t = cut(v, widths[i]!);
    if (!header && numeric[i] && width(v) <= widths[i]!) return t.trimEnd().padStart(widths[i]!);
    return t;
  }).join(' '.repeat(sepWidth)).trimEnd();
  const out = [line(columns.map((c) => c.name), true), widths.map((w) => '-'.repeat(w)).join(' '.repeat(sepWidth))];
  for (const row of cells) out.push(line(row, false));
  return out.join('\n') + '\n';
}
