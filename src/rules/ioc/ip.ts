/**
 * IP address and CIDR parsing in TypeScript, the twin of the SQL macros in
 * src/rules/ip-sql.ts: both accept exactly the same text and map it into the
 * same 128-bit space (IPv4 a.b.c.d as ::ffff:a.b.c.d, an IPv4 /n as a
 * /(96+n)), so a range computed here for an indicator matches the value
 * `hs_ip_to_int` computes for an event's address. Pure; never throws.
 */

/** A network in the 128-bit space: first and last address, prefix length 0..128. */
export interface IpRange {
  lo: bigint;
  hi: bigint;
  prefix: number;
}

const ALL_ONES = (1n << 128n) - 1n;
const V4_MAPPED_BASE = 0xffff00000000n;
const V4 = /^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/;
const V6_FULL = /^[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){7}$/;
const V6_COMPRESSED = /^(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})?::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})?$/;
const PREFIX = /^(?:0|[1-9][0-9]{0,2})$/;

/** IPv4 dotted quad -> 0 .. 2^32-1, or null (leading zeros are refused, as in SQL). */
export function parseIpv4(text: string): bigint | null {
  if (!V4.test(text)) return null;
  return text.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(octet), 0n);
}

function groupsValue(groups: string[]): bigint {
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(`0x${g}`), 0n);
}

/** Lower-case IPv6 text made of hex groups only -> 128-bit value, or null. */
function parseIpv6Hex(s: string): bigint | null {
  if (V6_FULL.test(s)) return groupsValue(s.split(':'));
  if (!V6_COMPRESSED.test(s)) return null;
  const [left = '', right = ''] = s.split('::');
  const lg = left === '' ? [] : left.split(':');
  const rg = right === '' ? [] : right.split(':');
  if (lg.length + rg.length > 7) return null;
  return groupsValue([...lg, ...Array<string>(8 - lg.length - rg.length).fill('0'), ...rg]);
}

/**
 * IPv4 or IPv6 text -> its value in the shared 128-bit space, or null when
 * the text is not an address. IPv6 may be compressed (`::`), upper or lower
 * case, and end in a dotted IPv4 (`::ffff:1.2.3.4`).
 */
export function parseIp(text: string): bigint | null {
  if (!text.includes(':')) {
    const v4 = parseIpv4(text);
    return v4 === null ? null : V4_MAPPED_BASE + v4;
  }
  const s = text.toLowerCase();
  if (!s.includes('.')) return parseIpv6Hex(s);
  const cut = s.lastIndexOf(':') + 1;
  const head = parseIpv6Hex(`${s.slice(0, cut)}0:0`);
  const tail = parseIpv4(s.slice(cut));
  return head === null || tail === null ? null : head + tail;
}

function network(n: bigint, prefix: number): bigint {
  if (prefix >= 128) return n;
  if (prefix <= 0) return 0n;
  return n & (ALL_ONES ^ (ALL_ONES >> BigInt(prefix)));
}

/**
 * CIDR text (`10.0.0.0/8`, `2001:db8::/32`) or a bare address (a /32 or
 * /128) -> the range it covers, or null. Host bits are ignored
 * (`10.1.2.3/8` is `10.0.0.0/8`), as `hs_cidr_lo` does.
 */
export function parseCidr(text: string): IpRange | null {
  const slash = text.indexOf('/');
  if (slash < 0) {
    const n = parseIp(text);
    return n === null ? null : { lo: n, hi: n, prefix: 128 };
  }
  const addr = text.slice(0, slash);
  const len = text.slice(slash + 1);
  if (addr === '' || !PREFIX.test(len)) return null;
  const isV4 = !addr.includes(':');
  const bits = Number(len);
  if (bits > (isV4 ? 32 : 128)) return null;
  const n = parseIp(addr);
  if (n === null) return null;
  const prefix = isV4 ? 96 + bits : bits;
  const lo = network(n, prefix);
  return { lo, hi: prefix >= 128 ? lo : lo | (ALL_ONES >> BigInt(prefix)), prefix };
}
