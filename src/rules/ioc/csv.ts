/**
 * A small RFC 4180 CSV reader: fields separated by one delimiter, double
 * quotes around fields that hold delimiters, quotes (doubled) or line breaks,
 * CRLF or LF. Every record keeps the 1-based line where it starts, so an IOC
 * list can point at it. An unterminated quote ends the input (reported).
 */

/** One record: its fields and the line it starts on. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/** The records of `text`, and the line of an unterminated quoted field if there is one. */
export function readCsv(text: string, delimiter: string): { records: CsvRecord[]; unterminatedAt: number | null } {
  const records: CsvRecord[] = [];
  let line = 1;
  let fields: string[] = [];
  let field = '';
  let start = 1;
  let i = 0;
  let quotedAt: number | null = null;
  const endRecord = () => {
    fields.push(field);
    records.push({ line: start, fields });
    fields = [];
    field = '';
  };
  while (i < text.length) {
    const c = text[i]!;
    if (quotedAt !== null) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
        quotedAt = null;
      } else {
        if (c === '\n') line++;
        field += c;
      }
      i++;
      continue;
    }
    if (c === '"' && field === '') { quotedAt = line; i++; continue; }
    if (c === delimiter) { fields.push(field); field = ''; i++; continue; }
    if (c === '\r' || c === '\n') {
      endRecord();
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      start = line;
      continue;
    }
    field += c;
    i++;
  }
  if (quotedAt !== null) return { records, unterminatedAt: start };
  if (field !== '' || fields.length > 0) endRecord();
  return { records, unterminatedAt: null };
}
