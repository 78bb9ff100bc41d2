// Needs root to mount a 1 MiB tmpfs; skips with the reason otherwise.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckSession } from '../../src/analyze/session.js';
import { loadSegmentSchema } from '../../src/record/batch.js';
import { StorageFullError } from '../../src/record/errors.js';
import { readManifest, verifyChain } from '../../src/record/manifest.js';
import { RecordingStore } from '../../src/record/store.js';

const schema = loadSegmentSchema();
const T0 = 1_763_709_303_123_000_000n;
let mnt = '';
let mountError = '';

beforeAll(() => {
  mnt = mkdtempSync(join(tmpdir(), 'hs-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', mnt], { stdio: 'pipe' });
  } catch (err) {
    mountError = `cannot mount a tmpfs (needs root): ${(err as Error).message.split('\n')[0]}`;
  }
});

afterAll(() => {
  if (!mountError) execFileSync('umount', [mnt]);
  rmSync(mnt, { recursive: true, force: true });
});

function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

describe('a full disk', () => {
  it('raises StorageFullError, removes the tmp file and keeps closed segments readable', async (ctx) => {
    if (mountError) ctx.skip(mountError);
    const store = RecordingStore.open({ out: mnt, runId: 'fullrun001', host: 'box1' });
    // one closed segment first
    const first = store.openSegment(T0, schema);
    first.writeRowGroup({ rowCount: 3, columns: { seq: [0n, 1n, 2n], kind: ['open', 'open', 'exec'] } });
    const info = await first.finish();
    store.recordSegment(info, { timeMinNs: T0, timeMaxNs: T0, seqMin: 0n, seqMax: 2n, countsByKind: { open: 2, exec: 1 }, lost: {} });

    // then fill the disk with incompressible rows
    const seg = store.openSegment(T0 + 60_000_000_000n, schema);
    let error: unknown;
    try {
      for (let i = 0; i < 100; i++) {
        seg.writeRowGroup({ rowCount: 4, columns: { seq: [1n, 2n, 3n, 4n], path_raw: Array.from({ length: 4 }, () => randomBytes(64 * 1024)) } });
      }
      await seg.finish();
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StorageFullError);
    expect((error as StorageFullError).path).toBe(seg.tmpPath);
    expect((error as Error).message).toMatch(/^storage full \((ENOSPC|EDQUOT)\) writing .*\.parquet\.tmp$/);
    expect(allFiles(store.hostDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    // the closed segment is intact and the manifest still holds
    expect(createHash('sha256').update(readFileSync(info.path)).digest('hex')).toBe(info.sha256);
    const session = await DuckSession.open();
    try {
      expect(await session.query(`SELECT seq, kind FROM read_parquet('${info.path}') ORDER BY seq`)).toEqual([
        { seq: 0n, kind: 'open' }, { seq: 1n, kind: 'open' }, { seq: 2n, kind: 'exec' },
      ]);
    } finally {
      session.close();
    }
    store.close();
    expect(verifyChain(readManifest(store.manifestPath).entries)).toBeNull();
  });
});
