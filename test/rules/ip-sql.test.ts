/**
 * The IP macros in DuckDB, table-driven, and their TypeScript twin
 * (src/rules/ioc/ip.ts) agreeing with them on every case and on random text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckSession } from '../../src/analyze/session.js';
import { sqlString } from '../../src/analyze/sql.js';
import { parseCidr, parseIp } from '../../src/rules/ioc/ip.js';
import { IP_MACROS_SQL } from '../../src/rules/ip-sql.js';

let s: DuckSession;
beforeAll(async () => {
  s = await DuckSession.open();
  for (const stmt of IP_MACROS_SQL) await s.query(stmt);
});
afterAll(() => s.close());

const V4 = (a: number, b: number, c: number, d: number) => 0xffff00000000n + (BigInt(a) << 24n) + (BigInt(b) << 16n) + (BigInt(c) << 8n) + BigInt(d);
const ALL = (1n << 128n) - 1n;

async function one(sql: string): Promise<unknown> {
  const [row] = await s.query(`SELECT ${sql} AS v`);
  return row!.v;
}

const TO_INT: [string, string, bigint | null][] = [
  ['an IPv4 address maps into ::ffff:0:0/96', '203.0.113.7', V4(203, 0, 113, 7)],
  ['0.0.0.0 is the start of the mapped range', '0.0.0.0', V4(0, 0, 0, 0)],
  ['255.255.255.255 is the end of the mapped range', '255.255.255.255', V4(255, 255, 255, 255)],
  ['an IPv4-mapped IPv6 address equals its IPv4 form', '::ffff:203.0.113.7', V4(203, 0, 113, 7)],
  ['an IPv4-mapped address in upper case equals its IPv4 form', '::FFFF:203.0.113.7', V4(203, 0, 113, 7)],
  ['an IPv4-mapped address written in hex equals its IPv4 form', '::ffff:cb00:7107', V4(203, 0, 113, 7)],
  ['the uncompressed mapped form equals the IPv4 form', '0:0:0:0:0:ffff:203.0.113.7', V4(203, 0, 113, 7)],
  ['the IPv4-compatible form ::1.2.3.4 is not the IPv4 address', '::1.2.3.4', 0x01020304n],
  ['a NAT64 address keeps its prefix', '64:ff9b::192.0.2.1', (0x64ff9bn << 96n) + 0xc0000201n],
  ['the unspecified address :: is 0', '::', 0n],
  ['the loopback ::1 is 1', '::1', 1n],
  ['a trailing :: pads with zeros', '1::', 1n << 112n],
  ['a compressed address expands in the middle', '2001:db8::1', (0x20010db8n << 96n) + 1n],
  ['an uncompressed address reads group by group', '2001:0db8:0000:0000:0000:0000:0000:0001', (0x20010db8n << 96n) + 1n],
  ['upper-case hex equals lower-case', '2001:DB8::AbCd', (0x20010db8n << 96n) + 0xabcdn],
  ['all eight groups at ffff is 2^128 - 1', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', ALL],
  [':: may stand for one group', '1:2:3:4:5:6:7::', 0x0001000200030004000500060007_0000n],
  [':: may stand for one group at the start', '::2:3:4:5:6:7:8', 0x0000000200030004000500060007_0008n],
  ['an IPv4 octet above 255 is invalid', '256.1.1.1', null],
  ['an IPv4 octet with a leading zero is invalid', '010.1.1.1', null],
  ['three IPv4 octets are invalid', '1.2.3', null],
  ['five IPv4 octets are invalid', '1.2.3.4.5', null],
  ['a sign in an octet is invalid', '+1.2.3.4', null],
  ['surrounding spaces are invalid', ' 1.2.3.4', null],
  ['the empty string is invalid', '', null],
  ['a host name is invalid', 'example.com', null],
  ['two :: are invalid', '1::2::3', null],
  ['::: is invalid', ':::', null],
  ['nine groups are invalid', '1:2:3:4:5:6:7:8:9', null],
  ['seven groups without :: are invalid', '1:2:3:4:5:6:7', null],
  ['eight groups and :: are invalid', '1:2:3:4:5:6:7::8', null],
  ['a five-digit group is invalid', '12345::1', null],
  ['a non-hex digit is invalid', '2001:db8::g', null],
  ['a single leading colon is invalid', ':1:2:3:4:5:6:7', null],
  ['a single trailing colon is invalid', '1:2:3:4:5:6:7:', null],
  ['a zone id is invalid', 'fe80::1%eth0', null],
  ['brackets are invalid', '[::1]', null],
  ['a dotted tail with too many groups is invalid', '1:2:3:4:5:6:7:1.2.3.4', null],
  ['a dotted tail that is not IPv4 is invalid', '::ffff:1.2.3.256', null],
  ['a dotted part not at the end is invalid', '::1.2.3.4:1', null],
  ['an address with a prefix is not an address', '10.0.0.0/8', null],
];

describe('hs_ip_to_int', () => {
  it.each(TO_INT)('%s (%s)', async (_name, text, want) => {
    expect(await one(`hs_ip_to_int(${sqlString(text)})`)).toBe(want);
  });

  it.each(TO_INT)('the TypeScript twin agrees: %s (%s)', (_name, text, want) => {
    expect(parseIp(text)).toBe(want);
  });

  it('is NULL for NULL', async () => {
    expect(await one('hs_ip_to_int(NULL::VARCHAR)')).toBeNull();
  });

  it('returns a UHUGEINT', async () => {
    expect(await one("typeof(hs_ip_to_int('::1'))")).toBe('UHUGEINT');
  });

  it('agrees with the TypeScript twin on 3000 random strings of address characters', async () => {
    let seed = 12345;
    const rand = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff; return seed % n; };
    const alphabet = ['0', '1', '9', 'a', 'f', 'F', 'g', ':', ':', '::', '.', '1.2', '255', '256', 'ffff', '12345', '/'];
    const texts = Array.from({ length: 3000 }, () => Array.from({ length: 1 + rand(12) }, () => alphabet[rand(alphabet.length)]).join(''));
    texts.push('1.2.3.4', '::ffff:1.2.3.4', '1:2:3:4:5:6:7:8');
    const values = texts.map((t, i) => `(${i}, ${sqlString(t)})`).join(', ');
    const rows = await s.query(`SELECT i, hs_ip_to_int(t) AS n, hs_cidr_prefix(t) AS p, hs_cidr_lo(t) AS lo, hs_cidr_hi(t) AS hi FROM (VALUES ${values}) v(i, t) ORDER BY i`);
    let valid = 0;
    for (const row of rows) {
      const text = texts[row.i as number]!;
      expect(row.n, text).toBe(parseIp(text));
      const range = parseCidr(text);
      expect(row.p, text).toBe(range?.prefix ?? null);
      expect(row.lo, text).toBe(range?.lo ?? null);
      expect(row.hi, text).toBe(range?.hi ?? null);
      if (range !== null) valid++;
    }
    expect(valid).toBeGreaterThan(10);
  });
});

const CONTAINS: [string, string | null, string | null, boolean][] = [
  ['an IPv4 /8 contains an address in it', '10.0.0.0/8', '10.200.3.4', true],
  ['an IPv4 /8 does not contain the next network', '10.0.0.0/8', '11.0.0.0', false],
  ['an IPv4 /24 contains its first address', '192.168.1.0/24', '192.168.1.0', true],
  ['an IPv4 /24 contains its last address', '192.168.1.0/24', '192.168.1.255', true],
  ['an IPv4 /24 does not contain the address before it', '192.168.1.0/24', '192.168.0.255', false],
  ['host bits in the network are ignored', '10.1.2.3/8', '10.9.9.9', true],
  ['an IPv4 /32 contains only itself', '203.0.113.7/32', '203.0.113.7', true],
  ['an IPv4 /32 does not contain its neighbour', '203.0.113.7/32', '203.0.113.8', false],
  ['a bare IPv4 address is a /32', '203.0.113.7', '203.0.113.7', true],
  ['a bare IPv4 address does not contain another', '203.0.113.7', '203.0.113.6', false],
  ['an IPv4 network contains the IPv4-mapped form of its addresses', '203.0.113.0/24', '::ffff:203.0.113.9', true],
  ['an IPv4-mapped network contains a plain IPv4 address', '::ffff:203.0.113.0/120', '203.0.113.9', true],
  ['0.0.0.0/0 contains every IPv4 address', '0.0.0.0/0', '255.1.2.3', true],
  ['0.0.0.0/0 contains no IPv6 address', '0.0.0.0/0', '2001:db8::1', false],
  ['::/0 contains every IPv6 address', '::/0', '2001:db8::1', true],
  ['::/0 contains every IPv4 address too', '::/0', '8.8.8.8', true],
  ['an IPv6 /32 contains an address in it', '2001:db8::/32', '2001:db8:ffff::1', true],
  ['an IPv6 /32 does not contain the next network', '2001:db8::/32', '2001:db9::1', false],
  ['an IPv6 network matches compressed and uncompressed addresses alike', '2001:db8::/32', '2001:0DB8:0000:0000:0000:0000:0000:0001', true],
  ['an IPv6 /128 contains only itself', '2001:db8::1/128', '2001:db8::1', true],
  ['an IPv6 /128 does not contain its neighbour', '2001:db8::1/128', '2001:db8::2', false],
  ['a bare IPv6 address is a /128', '::1', '0:0:0:0:0:0:0:1', true],
  ['an IPv6 /127 contains both its addresses', '2001:db8::/127', '2001:db8::1', true],
  ['an IPv6 /1 splits the space in two', '8000::/1', 'ffff::', true],
  ['an IPv6 /1 does not contain the lower half', '8000::/1', '7fff::', false],
  ['an IPv6 network does not contain IPv4 addresses outside it', '2001:db8::/32', '10.0.0.1', false],
  ['an IPv4 prefix above 32 is invalid: false', '10.0.0.0/33', '10.0.0.1', false],
  ['an IPv6 prefix above 128 is invalid: false', '::/129', '::1', false],
  ['a prefix with a leading zero is invalid: false', '10.0.0.0/08', '10.0.0.1', false],
  ['a negative prefix is invalid: false', '10.0.0.0/-1', '10.0.0.1', false],
  ['an empty prefix is invalid: false', '10.0.0.0/', '10.0.0.1', false],
  ['two slashes are invalid: false', '10.0.0.0/8/8', '10.0.0.1', false],
  ['an invalid network address is false', '10.0.0.256/24', '10.0.0.1', false],
  ['an invalid address is false', '10.0.0.0/8', '10.0.0.256', false],
  ['a host name is false', '10.0.0.0/8', 'example.com', false],
  ['a NULL address is false', '10.0.0.0/8', null, false],
  ['a NULL network is false', null, '10.0.0.1', false],
  ['an empty network is false', '', '10.0.0.1', false],
];

describe('hs_cidr_contains', () => {
  it.each(CONTAINS)('%s (%s, %s)', async (_name, cidr, ip, want) => {
    const lit = (v: string | null) => (v === null ? 'NULL::VARCHAR' : sqlString(v));
    expect(await one(`hs_cidr_contains(${lit(cidr)}, ${lit(ip)})`)).toBe(want);
  });

  it.each(CONTAINS.filter(([, c, i]) => c !== null && i !== null))('the TypeScript ranges agree: %s', (_name, cidr, ip, want) => {
    const range = parseCidr(cidr!);
    const n = parseIp(ip!);
    expect(range !== null && n !== null && n >= range.lo && n <= range.hi).toBe(want);
  });

  it('works per row over a table of addresses', async () => {
    const rows = await s.query(`SELECT ip FROM (VALUES ('10.1.1.1'), ('192.168.0.1'), ('::ffff:10.2.2.2'), ('fd00::1'), (NULL)) t(ip)
      WHERE hs_cidr_contains('10.0.0.0/8', ip) ORDER BY ip`);
    expect(rows.map((r) => r.ip)).toEqual(['10.1.1.1', '::ffff:10.2.2.2']);
  });
});

describe('hs_cidr_lo and hs_cidr_hi', () => {
  it.each([
    ['an IPv4 /24', '198.51.100.0/24', V4(198, 51, 100, 0), V4(198, 51, 100, 255), 120],
    ['an IPv4 /0', '0.0.0.0/0', V4(0, 0, 0, 0), V4(255, 255, 255, 255), 96],
    ['an IPv6 /0', '::/0', 0n, ALL, 0],
    ['an IPv6 /128', '::1/128', 1n, 1n, 128],
    ['a bare address', '203.0.113.7', V4(203, 0, 113, 7), V4(203, 0, 113, 7), 128],
  ] as const)('cover %s', async (_name, cidr, lo, hi, prefix) => {
    const [row] = await s.query(`SELECT hs_cidr_lo(${sqlString(cidr)}) lo, hs_cidr_hi(${sqlString(cidr)}) hi, hs_cidr_prefix(${sqlString(cidr)}) p`);
    expect(row).toEqual({ lo, hi, p: prefix });
    expect(parseCidr(cidr)).toEqual({ lo, hi, prefix });
  });
});

describe('IP_MACROS_SQL', () => {
  it('can be run twice in a session', async () => {
    for (const stmt of IP_MACROS_SQL) await s.query(stmt);
    expect(await one("hs_cidr_contains('::/0', '::1')")).toBe(true);
  });
});
