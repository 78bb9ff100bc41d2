import { describe, expect, it } from 'vitest';
import { parseDuration, parseSize, UsageError } from '../../src/cli/units.js';

describe('parseDuration', () => {
  it.each([['30s', 30_000], ['500ms', 500], ['5m', 300_000], ['2h', 7_200_000], ['10', 10_000], ['1.5s', 1500]])(
    'reads %s', (v, ms) => expect(parseDuration('--rotate', v)).toBe(ms));
  it.each(['', 'abc', '-1s', '0s', '5 parsecs'])('rejects %j naming the option', (v) => {
    expect(() => parseDuration('--rotate', v)).toThrow(UsageError);
    expect(() => parseDuration('--rotate', v)).toThrow(/--rotate/);
  });
});

describe('parseSize', () => {
  it.each([['4096', 4096], ['64K', 65536], ['1G', 1024 ** 3], ['512MiB', 512 * 1024 ** 2], ['1.5M', 1572864]])(
    'reads %s', (v, n) => expect(parseSize('--max-size', v)).toBe(n));
  it.each(['1X', 'lots', '0'])('rejects %j', (v) => expect(() => parseSize('--max-size', v)).toThrow(/--max-size/));
});
