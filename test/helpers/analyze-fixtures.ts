/**
 * Test inputs for the analyzer: the committed fixture recording
 * (fixtures/recordings/activity, made by fixtures/make-activity.ts with the
 * real recorder), copies of it to tamper with, and segments written through
 * the real segment writer from rows given by hand.
 */
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSegmentSchema, type ColumnBatch } from '../../src/record/batch.js';
import { SegmentWriter } from '../../src/record/segment-writer.js';
import { freshDir } from './recording.js';

/** The committed fixture host directory (relative to the repository root, and absolute). */
export const FIXTURE_REL = 'fixtures/recordings/activity';
export const FIXTURE = new URL(`../../${FIXTURE_REL}/`, import.meta.url).pathname.replace(/\/$/, '');

/** What the fixture's scripted activity was (fixtures/recordings/activity.json). */
export const ACTIVITY = JSON.parse(readFileSync(new URL('../../fixtures/recordings/activity.json', import.meta.url), 'utf8')) as {
  shellPid: number; dir: string; tcpPort: number; dnsName: string;
};

/** The fixture's two segments, relative to its host directory. */
export const FIXTURE_SEGMENTS = JSON.parse(`[${readFileSync(join(FIXTURE, 'manifest.jsonl'), 'utf8').trim().split('\n').join(',')}]`)
  .filter((e: { type: string }) => e.type === 'segment').map((e: { file: string }) => e.file) as string[];

/** A copy of the fixture as `<tmp>/rec/host=fixture`; returns [recording dir, host dir]. */
export function copyFixture(): [string, string] {
  const rec = join(freshDir('hs-analyze-'), 'rec');
  const host = join(rec, 'host=fixture');
  mkdirSync(rec, { recursive: true });
  cpSync(FIXTURE, host, { recursive: true });
  return [rec, host];
}

/** Row-major rows to one column-major batch. */
export function batchOf(rows: Record<string, unknown>[]): ColumnBatch {
  const columns: Record<string, unknown[]> = {};
  const names = new Set(rows.flatMap((r) => Object.keys(r)));
  for (const n of names) columns[n] = rows.map((r) => (r[n] === undefined ? null : r[n]));
  return { rowCount: rows.length, columns };
}

/**
 * Writes a segment through the real writer: one row group per element of `groups`.
 * @returns the path of the finished `.parquet` file.
 */
export async function writeSegment(dir: string, baseName: string, groups: Record<string, unknown>[][], version?: number): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const schema = loadSegmentSchema();
  const w = SegmentWriter.open({ dir, baseName, schema: version === undefined ? schema : { ...schema, version } });
  for (const g of groups) w.writeRowGroup(batchOf(g));
  return (await w.finish()).path;
}

/** ns of an ISO time. */
export function ns(iso: string): bigint {
  return BigInt(Date.parse(iso)) * 1_000_000n;
}
