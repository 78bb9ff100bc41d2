/**
 * parseIocFile: one IOC list file (plain text, CSV or MISP JSON, told apart
 * by name and content) -> its indicators and the entries it skipped with
 * their reasons. Malformed entries never stop the file; only a file whose
 * format cannot be decoded (binary data, broken JSON, JSON that is not a
 * MISP export, a CSV header without an indicator column) throws RuleFileError.
 */
import { RuleFileError } from '../types.js';
import type { Indicator } from './indicator.js';
import { parseCsvList } from './parse-csv.js';
import { parseMispJson } from './parse-misp.js';
import { parseTextList } from './parse-text.js';

/** An entry that gave no indicator: its line, the text, and why. */
export interface SkippedEntry {
  line: number;
  value: string;
  reason: string;
}

export interface IocParseResult {
  indicators: Indicator[];
  skipped: SkippedEntry[];
}

export type IocFormat = 'text' | 'csv' | 'misp';

/** Header words that make a `.txt` file's first line a CSV header. */
const CSV_HEADER = /^\uFEFF?\s*"?(type|value|indicator|ioc|ioc_type|indicator_type|uuid)"?\s*[,;\t]/i;

/** The format of a list: `.json` or JSON-looking text is MISP, `.csv`/`.tsv` or a CSV header line is CSV, else text. */
export function detectIocFormat(path: string, text: string): IocFormat {
  const start = text.replace(/^\uFEFF/, '').trimStart();
  if (/\.json$/i.test(path) || start.startsWith('{') || start.startsWith('[')) return 'misp';
  if (/\.(csv|tsv)$/i.test(path)) return 'csv';
  const first = start.split(/\r?\n/).find((l) => l.trim() !== '' && !l.trimStart().startsWith('#')) ?? '';
  return CSV_HEADER.test(first) ? 'csv' : 'text';
}

/** `file:line: reason`, as a skipped entry is reported. */
export function describeSkipped(path: string, entry: SkippedEntry): string {
  return `${path}:${entry.line}: ${entry.reason}`;
}

function looksBinary(text: string): boolean {
  const head = text.slice(0, 4096);
  let bad = 0;
  for (const ch of head) if (ch === '\0' || ch === '\uFFFD') bad++;
  return head.length > 0 && bad / head.length > 0.1;
}

/**
 * Parses one IOC list (formats/ioc.md).
 * @throws RuleFileError when the file's format cannot be decoded.
 */
export function parseIocFile(file: { path: string; text: string }): IocParseResult {
  if (looksBinary(file.text)) {
    throw new RuleFileError({ file: file.path, line: 1, column: 1 }, 'ioc: not a text file (binary content): expected a text list, CSV or MISP JSON');
  }
  switch (detectIocFormat(file.path, file.text)) {
    case 'misp': return parseMispJson(file.path, file.text);
    case 'csv': return parseCsvList(file.path, file.text);
    case 'text': return parseTextList(file.path, file.text);
  }
}
