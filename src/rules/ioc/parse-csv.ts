/**
 * CSV IOC lists. The first record that is not blank or a `#` comment is the
 * header; it names the value column (`value`, `indicator`, `ioc`, ...), and
 * optionally a type column (`type`, `ioc_type`, ...; MISP attribute types
 * are understood, so a MISP CSV export loads as is), a comment column and a
 * `uuid` column. Without a value column, columns named after a type
 * (`sha256`, `domain`, `ip`, `filename`, ...) each give indicators of that
 * type. A header naming none of these makes the file undecodable
 * (RuleFileError); a bad row is a skipped entry.
 */
import { RuleFileError } from '../types.js';
import { readCsv } from './csv.js';
import { type Indicator, isKnownLabel, readIndicator } from './indicator.js';
import type { IocParseResult } from './parse.js';

const VALUE_COLUMNS = ['value', 'indicator', 'ioc', 'ioc_value', 'indicator_value', 'observable', 'observable_value', 'artifact', 'data'];
const TYPE_COLUMNS = ['type', 'ioc_type', 'indicator_type', 'attribute_type', 'observable_type', 'data_type', 'kind'];
const COMMENT_COLUMNS = ['comment', 'description', 'desc', 'note', 'notes', 'context', 'event_info', 'info'];

function normalizeHeader(name: string): string {
  return name.replace(/^\uFEFF/, '').trim().toLowerCase().replace(/[\s-]+/g, '_');
}

function findColumn(header: string[], names: string[]): number {
  for (const n of names) {
    const i = header.indexOf(n);
    if (i >= 0) return i;
  }
  return -1;
}

function delimiterOf(path: string, text: string): string {
  if (/\.tsv$/i.test(path)) return '\t';
  const first = text.split(/\r?\n/).find((l) => l.trim() !== '' && !l.trimStart().startsWith('#')) ?? '';
  if (!first.includes(',') && first.includes('\t')) return '\t';
  if (!first.includes(',') && first.includes(';')) return ';';
  return ',';
}

/** Parses a CSV list (formats/ioc.md). @throws RuleFileError when the header names no indicator column. */
export function parseCsvList(path: string, text: string): IocParseResult {
  const out: IocParseResult = { indicators: [], skipped: [] };
  const { records, unterminatedAt } = readCsv(text, delimiterOf(path, text));
  const rows = records.filter((r) => !(r.fields.length === 1 && (r.fields[0]!.trim() === '' || r.fields[0]!.trimStart().startsWith('#'))));
  const head = rows[0];
  if (head === undefined) return out;
  const header = head.fields.map(normalizeHeader);
  const valueCol = findColumn(header, VALUE_COLUMNS);
  const typeCol = findColumn(header, TYPE_COLUMNS);
  const commentCol = findColumn(header, COMMENT_COLUMNS);
  const uuidCol = header.indexOf('uuid');
  const typedCols = valueCol >= 0 ? [] : header.map((h, i) => [h, i] as const).filter(([h]) => isKnownLabel(h));
  if (valueCol < 0 && typedCols.length === 0) {
    throw new RuleFileError({ file: path, line: head.line, column: 1 },
      `ioc: CSV header names no indicator column: expected ${VALUE_COLUMNS.slice(0, 3).join(', ')} (with an optional type column) or columns named after types (sha256, ip, domain, path, filename); got: ${head.fields.join(', ')}`);
  }
  const columns: [number, string | undefined][] = valueCol >= 0 ? [[valueCol, undefined]] : typedCols.map(([h, i]) => [i, h]);
  for (const row of rows.slice(1)) {
    if (row.fields.every((f) => f.trim() === '')) continue;
    const cell = (i: number) => (i >= 0 ? row.fields[i] : undefined);
    const comment = cell(commentCol)?.trim() || undefined;
    const ref = cell(uuidCol)?.trim() || undefined;
    for (const [col, columnType] of columns) {
      const value = cell(col);
      if (value === undefined || value.trim() === '') {
        if (valueCol >= 0) out.skipped.push({ line: row.line, value: row.fields.join(','), reason: `no value in column ${header[col]}` });
        continue;
      }
      const label = columnType ?? (cell(typeCol)?.trim() || undefined);
      const reading = readIndicator(value, label);
      for (const f of reading.found) {
        const ind: Indicator = { type: f.type, value: f.value, label: f.label, file: path, line: row.line };
        const c = [f.comment, comment].filter((x) => x !== undefined).join('; ');
        if (c !== '') ind.comment = c;
        if (ref !== undefined) ind.ref = ref;
        out.indicators.push(ind);
      }
      for (const reason of reading.skipped) out.skipped.push({ line: row.line, value, reason });
    }
  }
  if (unterminatedAt !== null) {
    out.skipped.push({ line: unterminatedAt, value: '', reason: 'unterminated quoted field: the rest of the file was not read' });
  }
  return out;
}
