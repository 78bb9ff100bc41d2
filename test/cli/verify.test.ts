/**
 * `hindsight verify` catches each kind of tampering with a copy of the fixture
 * recording; snapshots hold the exact findings and exit code (6).
 */
import { copyFileSync, openSync, readFileSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyFixture, FIXTURE_SEGMENTS } from '../helpers/analyze-fixtures.js';
import { matchSnapshot, runCli } from '../helpers/cli-snapshot.js';

type Tamper = (host: string) => void;

const lines = (host: string) => readFileSync(join(host, 'manifest.jsonl'), 'utf8').trimEnd().split('\n');
const writeLines = (host: string, ls: string[]) => writeFileSync(join(host, 'manifest.jsonl'), ls.join('\n') + '\n');

const CASES: [string, Tamper][] = [
  ['a byte of a segment edited', (h) => {
    const fd = openSync(join(h, FIXTURE_SEGMENTS[0]!), 'r+');
    writeSync(fd, Buffer.from([0x42]), 0, 1, 5000);
    closeSync(fd);
  }],
  ['a segment deleted', (h) => rmSync(join(h, FIXTURE_SEGMENTS[1]!))],
  ['a stray segment added', (h) => copyFileSync(join(h, FIXTURE_SEGMENTS[0]!), join(h, 'date=2026-11-21', 'seg-stray.parquet'))],
  ['a manifest line edited', (h) => {
    const ls = lines(h);
    ls[1] = ls[1]!.replace(/"rows":(\d+)/, (_m, n: string) => `"rows":${Number(n) + 1}`);
    writeLines(h, ls);
  }],
  ['a manifest line deleted', (h) => writeLines(h, lines(h).filter((_, i) => i !== 1))],
  ['two manifest lines swapped', (h) => {
    const ls = lines(h);
    [ls[1], ls[2]] = [ls[2]!, ls[1]!];
    writeLines(h, ls);
  }],
];

describe('verify', () => {
  it.each(CASES)('names %s and exits 6', (name, tamper) => {
    const [rec, host] = copyFixture();
    tamper(host);
    const run = runCli(['verify', rec], [[rec, '<REC>']]);
    const [got, want] = matchSnapshot(`verify-${name.replace(/ /g, '-')}`, run);
    expect(got).toBe(want);
    expect(run.code).toBe(6);
  });
});
