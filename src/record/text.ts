/**
 * Byte-exact storage of kernel text in a text column plus a raw column.
 *
 * Valid UTF-8 is stored as is (newlines and all) and the raw column is null.
 * Other bytes are stored twice: the text column gets a readable rendering in
 * which each byte that is not part of a valid UTF-8 sequence becomes '\xNN'
 * (lower-case hex) and the raw column gets the exact bytes. Readers that need
 * exactness use `coalesce(raw, encode(text))`; see formats/segment.md.
 */
import type { Text } from '../events/decode.js';

/** A text column value and its raw companion. */
export interface StoredText {
  text: string | null;
  raw: Uint8Array | null;
}

const NONE: StoredText = { text: null, raw: null };

/** Renders bytes that are not valid UTF-8: valid sequences decoded, others as \xNN. */
export function escapeInvalidUtf8(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const need = b < 0x80 ? 1 : (b & 0xe0) === 0xc0 ? 2 : (b & 0xf0) === 0xe0 ? 3 : (b & 0xf8) === 0xf0 ? 4 : 0;
    if (need === 1) { out += String.fromCharCode(b); i++; continue; }
    if (need > 0 && i + need <= bytes.length) {
      try {
        out += new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(i, i + need));
        i += need;
        continue;
      } catch { /* fall through: invalid sequence */ }
    }
    out += `\\x${b.toString(16).padStart(2, '0')}`;
    i++;
  }
  return out;
}

/** Splits a Text into the stored text and raw values. */
export function storeText(value: Text | null): StoredText {
  if (value === null) return NONE;
  if (typeof value === 'string') return { text: value, raw: null };
  return { text: escapeInvalidUtf8(value), raw: value };
}
