/**
 * Text forms of network data from records: IP addresses (RFC 5952 for IPv6,
 * IPv4-mapped shown dotted) and the question of a DNS query (RFC 1035).
 * Pure functions over bytes; malformed DNS payloads yield null, never throw.
 */
import { dnsTypeName } from './names.js';

/** Formats the 16-byte address field of hs_net for `family` (2 = inet, 10 = inet6); null when unset. */
export function formatIp(addr: Uint8Array, family: number): string | null {
  if (family === 2) return `${addr[0]}.${addr[1]}.${addr[2]}.${addr[3]}`;
  if (family !== 10) return null;
  const isMapped = addr.subarray(0, 10).every((b) => b === 0) && addr[10] === 0xff && addr[11] === 0xff;
  if (isMapped) return `::ffff:${addr[12]}.${addr[13]}.${addr[14]}.${addr[15]}`;
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((addr[i]! << 8) | addr[i + 1]!);
  // Longest run of two or more zero words becomes '::' (first one on ties).
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLen).join(':');
  return `${head}::${tail}`;
}

/** The first question of a DNS message. */
export interface DnsQuestion {
  name: string;
  type: string;
}

/**
 * Parses the first question of a DNS query payload (header 12 bytes, then
 * QNAME labels, QTYPE). Returns null when the payload is not a well-formed
 * query (too short, compression pointer in a query, label past the end).
 * Label bytes outside printable ASCII are written as \DDD (RFC 4343 style),
 * dots inside labels as '\.', so the name is unambiguous text.
 */
export function parseDnsQuestion(payload: Uint8Array): DnsQuestion | null {
  if (payload.length < 12 + 1 + 4) return null;
  const flags = (payload[2]! << 8) | payload[3]!;
  const isResponse = (flags & 0x8000) !== 0;
  const qdcount = (payload[4]! << 8) | payload[5]!;
  if (isResponse || qdcount < 1) return null;
  const labels: string[] = [];
  let at = 12;
  for (let guard = 0; guard < 128; guard++) {
    if (at >= payload.length) return null;
    const len = payload[at]!;
    at++;
    if (len === 0) break;
    if (len > 63 || at + len > payload.length) return null;
    let label = '';
    for (let i = at; i < at + len; i++) {
      const b = payload[i]!;
      if (b === 0x2e) label += '\\.';
      else if (b === 0x5c) label += '\\\\';
      else if (b > 0x20 && b < 0x7f) label += String.fromCharCode(b);
      else label += `\\${b.toString().padStart(3, '0')}`;
    }
    labels.push(label);
    at += len;
  }
  if (at + 2 > payload.length) return null;
  const qtype = (payload[at]! << 8) | payload[at + 1]!;
  return { name: labels.length === 0 ? '.' : labels.join('.'), type: dnsTypeName(qtype) };
}
