import { describe, expect, it } from 'vitest';
import { cellText, csvField, isoTime, jsonLine, renderTable } from '../../src/cli/output.js';
import { parseTimeArg } from '../../src/cli/time-window.js';

const NOW = 1_763_709_303_000_000_000n; // 2025-11-21T07:15:03Z

describe('parseTimeArg', () => {
  it.each([
    ['an ISO time in UTC', '2025-11-21T07:15:03Z', 1763709303000000000n],
    ['an ISO time without a zone, as UTC, with ns', '2025-11-21 07:15:03.123456789', 1763709303123456789n],
    ['an ISO time with an offset', '2025-11-21T09:15:03+02:00', 1763709303000000000n],
    ['a date', '2025-11-21', 1763683200000000000n],
    ['a duration before now', '2h', NOW - 7_200_000_000_000n],
  ])('reads %s', (_n, value, want) => {
    expect(parseTimeArg('--since', value, NOW)).toBe(want);
  });

  it('refuses anything else, naming the option and value', () => {
    expect(() => parseTimeArg('--until', 'soon', NOW)).toThrow('--until: not a time: "soon"');
  });
});

describe('output', () => {
  it('writes timestamps exactly, in UTC', () => {
    expect(isoTime(1763709303123456789n, 9)).toBe('2025-11-21T07:15:03.123456789Z');
    expect(isoTime(-1n, 9)).toBe('1969-12-31T23:59:59.999999999Z');
    expect(cellText(1763709303123456n, 'TIMESTAMP')).toBe('2025-11-21T07:15:03.123456Z');
  });

  it('keeps 64-bit integers exact in JSON and renders blobs as hex', () => {
    expect(jsonLine([{ name: 'a', type: 'BIGINT' }, { name: 'b', type: 'BLOB' }, { name: 'c', type: 'VARCHAR[]' }], { a: 2n ** 63n - 1n, b: new Uint8Array([0xff, 0]), c: ['x', null] }))
      .toBe('{"a":9223372036854775807,"b":"ff00","c":["x",null]}\n');
  });

  it('quotes CSV fields that need it', () => {
    expect([csvField('plain'), csvField('a,b'), csvField('say "hi"'), csvField('two\nlines')]).toEqual(['plain', '"a,b"', '"say ""hi"""', '"two\nlines"']);
  });

  it('fits a table into the width, cutting the widest cells with …, escaping newlines', () => {
    const cols = [{ name: 'id', type: 'INTEGER' }, { name: 'path', type: 'VARCHAR' }];
    const out = renderTable(cols, [{ id: 1, path: '/a/very/long/path/that/does/not/fit' }, { id: 22, path: 'x\ny' }], 20);
    expect(out).toBe([
      'id  path',
      '--  ----------------',
      ' 1  /a/very/long/pa…',
      '22  x\\ny',
      '',
    ].join('\n'));
    for (const line of out.split('\n')) expect([...line].length).toBeLessThanOrEqual(20);
  });
});
