import { describe, expect, it } from 'vitest';
import { formatIp, parseDnsQuestion } from '../../src/events/net-format.js';

function addr(bytes: number[]): Uint8Array {
  const a = new Uint8Array(16);
  a.set(bytes);
  return a;
}

describe('formatIp', () => {
  it.each([
    ['an IPv4 address', addr([127, 0, 0, 1]), 2, '127.0.0.1'],
    ['the IPv6 loopback', addr([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]), 10, '::1'],
    ['an IPv4-mapped address', addr([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3]), 10, '::ffff:10.1.2.3'],
    ['a documentation prefix', addr([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]), 10, '2001:db8::1:0:0:1'],
    ['no zero run', addr([0xfe, 0x80, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7]), 10, 'fe80:1:2:3:4:5:6:7'],
    ['an unknown family', addr([1]), 1, null],
  ])('formats %s', (_n, a, fam, want) => {
    expect(formatIp(a, fam)).toBe(want);
  });
});

function query(name: string, qtype: number): Uint8Array {
  const labels = name.split('.').flatMap((l) => [l.length, ...new TextEncoder().encode(l)]);
  return new Uint8Array([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, ...labels, 0, qtype >> 8, qtype & 0xff, 0, 1]);
}

describe('parseDnsQuestion', () => {
  it('reads the first question name and type', () => {
    expect(parseDnsQuestion(query('example.com', 1))).toEqual({ name: 'example.com', type: 'A' });
    expect(parseDnsQuestion(query('evil.test', 28))).toEqual({ name: 'evil.test', type: 'AAAA' });
  });

  it.each([
    ['a truncated payload', query('example.com', 1).subarray(0, 15)],
    ['a response', (() => { const q = query('a.b', 1); q[2] = 0x81; return q; })()],
    ['a label running past the end', new Uint8Array([0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 60, 97, 98, 0, 0, 1])],
  ])('returns null for %s', (_n, payload) => {
    expect(parseDnsQuestion(payload)).toBeNull();
  });

  it('escapes non-printable label bytes', () => {
    const q = new Uint8Array([0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 97, 0x0a, 0x2e, 0, 0, 1, 0, 1]);
    expect(parseDnsQuestion(q)?.name).toBe('a\\010\\.');
  });
});
