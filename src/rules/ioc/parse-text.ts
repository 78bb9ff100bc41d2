/**
 * Plain-text IOC lists: one indicator per line, `#` starts a comment (a whole
 * line, or after whitespace at the end of one), blank lines are ignored. A
 * line is `value` (type inferred from its shape), `type:value` or
 * `type,value` with a known type name, or `sha256sum` output (`<hash>  <name>`,
 * the name kept as the comment). Never throws: a line that gives no
 * indicator is a skipped entry with its reason.
 */
import { type Indicator, isKnownLabel, readIndicator } from './indicator.js';
import type { IocParseResult } from './parse.js';

const TYPED = /^([A-Za-z0-9_|/-]+)\s*[:,]\s*(.*)$/;
const HASH_LIST = /^([0-9A-Fa-f]{32}|[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64})\s+\*?(.+)$/;

/** Parses a plain-text list (formats/ioc.md). */
export function parseTextList(path: string, text: string): IocParseResult {
  const out: IocParseResult = { indicators: [], skipped: [] };
  const lines = text.split(/\r?\n|\r/);
  for (const [i, raw] of lines.entries()) {
    const line = i + 1;
    let body = (i === 0 ? raw.replace(/^\uFEFF/, '') : raw).trim();
    if (body === '' || body.startsWith('#')) continue;
    let comment: string | undefined;
    const hash = body.search(/\s#/);
    if (hash >= 0) {
      comment = body.slice(hash).replace(/^\s*#\s*/, '') || undefined;
      body = body.slice(0, hash).trim();
    }
    let label: string | undefined;
    let value = body;
    const typed = TYPED.exec(body);
    const sum = HASH_LIST.exec(body);
    if (typed !== null && isKnownLabel(typed[1]!)) {
      label = typed[1]!;
      value = typed[2]!;
    } else if (sum !== null) {
      value = sum[1]!;
      comment = comment === undefined ? sum[2]! : `${sum[2]!} ${comment}`;
    }
    const reading = readIndicator(value, label);
    for (const f of reading.found) {
      const c = [f.comment, comment].filter((x) => x !== undefined).join('; ');
      const ind: Indicator = { type: f.type, value: f.value, label: f.label, file: path, line };
      if (c !== '') ind.comment = c;
      out.indicators.push(ind);
    }
    for (const reason of reading.skipped) out.skipped.push({ line, value: body, reason });
  }
  return out;
}
