/**
 * `hindsight export` (src/analyze/export.ts, src/cli/export.ts): the lines
 * DuckDB builds are, byte for byte, the rendering of the rows by
 * src/cli/output.ts that export used before it built them in SQL, on values
 * chosen to break it; and the output reaches a pipe and a file.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportText, lowerEscapes, MESSAGE_SQL, TIMESTAMP_DESC, type ExportFormat } from '../../src/analyze/export.js';
import { openRecording } from '../../src/analyze/recording.js';
import { DuckSession, type SqlColumn, type SqlRow } from '../../src/analyze/session.js';
import { defineViews } from '../../src/analyze/views.js';
import { csvLine, isoTime, jsonValue } from '../../src/cli/output.js';
import { loadSegmentSchema } from '../../src/record/batch.js';
import { FIXTURE_REL, ns, writeSegment } from '../helpers/analyze-fixtures.js';
import { REPO } from '../helpers/cli-snapshot.js';
import { freshDir, MAIN } from '../helpers/recording.js';

const CONTROL = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('') + '\x7f';
const POOLS: Record<string, unknown[]> = {
  string: [
    'plain', '', 'a,b', 'quote " and \\ backslash', 'line\nbreak\r\nCRLF\r', 'tab\there', CONTROL, `x${CONTROL}y${CONTROL}`,
    'unicode é 😀 \u2028 \u2029 \ufeff \uffff', '\\u001F written out', '\\\\u000B after two backslashes', '\\\u000b a backslash, then U+000B',
    'bad utf-8 rendered \\xff\\xfe', '{"json":"lookalike"}', '=cmd|formula', 'y'.repeat(3000),
  ],
  int32: [0, 1, -1, 2147483647, -2147483648, 42],
  int64: [0n, -1n, 9223372036854775807n, -9223372036854775808n, 9007199254740993n, 123n],
  timestamp_ns: [0n, 1n, -1n, -1500n, 1795247060470980148n, 1795247060000000000n, 1795247060000000999n],
  blob: [new Uint8Array(0), Uint8Array.from({ length: 256 }, (_, i) => i), new TextEncoder().encode('\\"a,b\n\r'), Uint8Array.from([0x5c, 0x78, 0x41, 0x42])],
  bool: [true, false],
  'list<string>': [[], ['a'], ['a', null, 'b'], ['with "quote"', 'new\nline', '\u001f\u000b\\'], [''], [null], [CONTROL, 'é😀']],
};
const KINDS = ['snapshot', ...Object.keys(TIMESTAMP_DESC)];

/** Rows where every column of the schema takes hostile values (and nulls), one kind after another. */
function hostileRows(): Record<string, unknown>[] {
  const columns = loadSegmentSchema().columns;
  return Array.from({ length: 60 }, (_, i) => {
    const row: Record<string, unknown> = {};
    columns.forEach((c, j) => {
      const pool = POOLS[c.type];
      if (pool === undefined) throw new Error(`test: no values for type ${c.type}`);
      if ((2 * i + j) % 5 !== 0) row[c.name] = pool[(i + 11 * j) % pool.length]; // every value of the pool, in every column
    });
    // times unique (so the order is fixed), two of them at or before the epoch
    row.time = i === 0 ? -1500n : i === 1 ? 0n : ns('2026-11-21T07:00:00Z') + BigInt(i) * 1_000_001n;
    row.kind = KINDS[i % KINDS.length];
    row.host = i % 2 === 0 ? 'h1' : 'h,2 "x"';
    row.seq = row.kind === 'snapshot' ? null : BigInt(i);
    return row;
  });
}

/** A JSON Lines record of the non-null columns, as `export --to jsonl` rendered it in JS. */
function jsonlReference(columns: SqlColumn[], row: SqlRow): string {
  const parts = columns.filter((c) => row[c.name] !== null).map((c) => `${JSON.stringify(c.name)}:${jsonValue(row[c.name]!, c.type)}`);
  return `{${parts.join(',')}}\n`;
}

/** A Timesketch line, as `export --to timesketch` rendered it in JS. */
function timesketchReference(columns: SqlColumn[], row: SqlRow): string {
  const t = row.time as bigint;
  const parts = [
    `"message":${jsonValue(row.message ?? null, 'VARCHAR')}`,
    `"datetime":${JSON.stringify(isoTime(t / 1000n, 6))}`,
    `"timestamp":${(t / 1000n).toString()}`,
    `"timestamp_desc":${jsonValue(row.timestamp_desc ?? null, 'VARCHAR')}`,
  ];
  for (const c of columns) {
    if (c.name === 'message' || c.name === 'timestamp_desc' || c.name === 'time') continue;
    if (row[c.name] !== null) parts.push(`${JSON.stringify(c.name)}:${jsonValue(row[c.name]!, c.type)}`);
  }
  return `{${parts.join(',')}}\n`;
}

const REFERENCE_SQL: Record<ExportFormat, string> = {
  jsonl: 'SELECT * FROM events ORDER BY time, host, seq NULLS FIRST, proc_key',
  csv: 'SELECT * FROM events ORDER BY time, host, seq NULLS FIRST, proc_key',
  timesketch: `SELECT ${MESSAGE_SQL} AS message, CASE kind ${Object.entries(TIMESTAMP_DESC).map(([k, v]) => `WHEN '${k}' THEN '${v}'`).join(' ')} ELSE kind END AS timestamp_desc, *
    FROM events WHERE kind <> 'snapshot' ORDER BY time, host, seq`,
};

async function reference(session: DuckSession, format: ExportFormat): Promise<string> {
  let out = '';
  for await (const { columns, rows } of session.stream(REFERENCE_SQL[format])) {
    if (format === 'csv' && out === '') out = `${columns.map((c) => c.name).join(',')}\n`;
    const line = format === 'csv' ? csvLine : format === 'timesketch' ? timesketchReference : jsonlReference;
    out += rows.map((r) => line(columns, r)).join('');
  }
  return out;
}

async function exported(session: DuckSession, format: ExportFormat): Promise<string> {
  let out = '';
  for await (const text of exportText(session, format)) out += text;
  return out;
}

describe('export lines built in SQL', () => {
  let session: DuckSession;
  beforeAll(async () => {
    const dir = freshDir('hs-export-');
    const rows = hostileRows();
    await writeSegment(dir, 'hostile', [rows.slice(0, 25), rows.slice(25)]);
    session = await DuckSession.open();
    await defineViews(session, await openRecording(session, [dir]));
  });
  afterAll(() => session.close());

  it.each(['jsonl', 'csv', 'timesketch'] as const)('are byte for byte the JS rendering for %s, on hostile values', async (format) => {
    const want = await reference(session, format);
    expect(want.split('\n').length).toBeGreaterThan(40);
    expect(await exported(session, format)).toBe(want);
  });

  it('keep 64-bit integers exact and JSON strings parseable to the value written', async () => {
    const lines = (await exported(session, 'jsonl')).trimEnd().split('\n');
    expect(lines.some((l) => l.includes(':9223372036854775807') || l.includes(':-9223372036854775808'))).toBe(true);
    for (const l of lines) expect(() => JSON.parse(l) as unknown).not.toThrow();
    expect(lines.map((l) => (JSON.parse(l) as { kind: string }).kind)).toContain('loss');
  });
});

describe('lowerEscapes', () => {
  it.each([
    ['an escape', '"\\u001F"', '"\\u001f"'],
    ['an escaped backslash before u001F text', '"\\\\u001F"', '"\\\\u001F"'],
    ['an escaped backslash, then an escape', '"\\\\\\u001B"', '"\\\\\\u001b"'],
    ['escapes next to each other', '"\\u000B\\u000E\\u001A"', '"\\u000b\\u000e\\u001a"'],
    ['text without escapes', '"abc"', '"abc"'],
  ])('lower-cases the hex of %s only', (_name, text, want) => {
    expect(lowerEscapes(text)).toBe(want);
  });
});

describe('export output', () => {
  it('ends quietly with exit code 0 when the reader of its pipe goes away', () => {
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${MAIN}" export ${FIXTURE_REL} --to jsonl | head -n 1; echo "exit:\${PIPESTATUS[0]}"`], { cwd: REPO, encoding: 'utf8' });
    const [first, status] = r.stdout.trimEnd().split('\n');
    expect(JSON.parse(first!)).toMatchObject({ kind: 'fork', host: 'fixture' });
    expect(status).toBe('exit:0');
    expect(r.stderr).toBe('');
  });

  it('writes to a file (mode 0600) what it writes to stdout', () => {
    const out = join(freshDir('hs-export-out-'), 'events.csv');
    const toFile = spawnSync(process.execPath, [MAIN, 'export', FIXTURE_REL, '--to', 'csv', '--out', out], { cwd: REPO, encoding: 'utf8' });
    const toStdout = spawnSync(process.execPath, [MAIN, 'export', FIXTURE_REL, '--to', 'csv'], { cwd: REPO, encoding: 'utf8', maxBuffer: 1 << 28 });
    expect([toFile.status, toFile.stderr, toStdout.status]).toEqual([0, '', 0]);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(readFileSync(out, 'utf8')).toBe(toStdout.stdout);
    expect(toStdout.stdout.split('\n').length).toBe(1761); // header, 1759 rows, the final newline
  });
});
