import { describe, expect, it } from 'vitest';
import { canonicalCidr, canonicalIp } from '../../../src/rules/falco/ip.js';

describe('canonicalIp', () => {
  it.each<[string, string, string | null]>([
    ['keeps an IPv4 address', '169.254.169.254', '169.254.169.254'],
    ['drops leading zeros of IPv4 parts', '010.0.0.1', '10.0.0.1'],
    ['rejects an IPv4 part above 255', '300.1.1.1', null],
    ['rejects three IPv4 parts', '1.2.3', null],
    ['compresses the longest zero run of IPv6', '2001:0db8:0:0:0:0:0:1', '2001:db8::1'],
    ['lower-cases IPv6', 'FE80::ABCD', 'fe80::abcd'],
    ['does not compress a single zero group', '1:0:2:3:4:5:6:7', '1:0:2:3:4:5:6:7'],
    ['compresses the leftmost of equal zero runs', '1:0:0:2:0:0:3:4', '1::2:0:0:3:4'],
    ['writes an IPv4-mapped address with its IPv4 tail', '::FFFF:0102:0304', '::ffff:1.2.3.4'],
    ['keeps ::1', '::1', '::1'],
    ['rejects two ::', '1::2::3', null],
    ['rejects a word', 'localhost', null],
  ])('%s', (_name, text, want) => {
    expect(canonicalIp(text)).toBe(want);
  });
});

describe('canonicalCidr', () => {
  it.each<[string, string, string | null]>([
    ['keeps an IPv4 network', '127.0.0.0/8', '127.0.0.0/8'],
    ['reads a bare address as one host', '10.0.0.1', '10.0.0.1/32'],
    ['canonicalises an IPv6 network', 'FD00:0::/8', 'fd00::/8'],
    ['rejects a prefix longer than the address', '10.0.0.0/33', null],
    ['rejects a non-numeric prefix', '10.0.0.0/x', null],
  ])('%s', (_name, text, want) => {
    expect(canonicalCidr(text)).toBe(want);
  });
});
