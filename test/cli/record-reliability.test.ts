/**
 * The recorder under the conditions an incident responder meets: rotation
 * and retention, a kill -9, a full disk, a second recorder on the same
 * directory, hostile file names, and a user without privileges. Real
 * capture, as root.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyChain, type SegmentEntry } from '../../src/record/manifest.js';
import { freshDir, MAIN, manifestOf, openEvents, startRecorder, stopRecorder } from '../helpers/recording.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function segmentsOf(hostDir: string): SegmentEntry[] {
  return manifestOf(hostDir).filter((e): e is SegmentEntry => e.type === 'segment');
}

function fileSha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Touches a few files in `dir` every 50 ms while `ms` pass, so segments have events. */
async function busyFor(dir: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  let i = 0;
  while (Date.now() < end) {
    writeFileSync(join(dir, `f${i++ % 5}`), 'x');
    await sleep(50);
  }
}

describe('hindsight record, reliability', () => {
  it('rotates by time into self-contained segments with gap-free sequence numbers', async () => {
    const out = freshDir();
    const rec = await startRecorder(out, ['--rotate', '1s']);
    await busyFor(out, 3500);
    expect(await stopRecorder(rec)).toBe(0);
    const segs = segmentsOf(rec.hostDir);
    expect(segs.length).toBeGreaterThanOrEqual(3);
    expect(verifyChain(manifestOf(rec.hostDir))).toBeNull();
    for (let i = 1; i < segs.length; i++) {
      if (segs[i - 1]!.seq_max === null || segs[i]!.seq_min === null) continue;
      expect(BigInt(segs[i]!.seq_min!)).toBe(BigInt(segs[i - 1]!.seq_max!) + 1n);
    }
    for (const seg of segs) {
      expect(seg.counts_by_kind.snapshot ?? 0, `${seg.file} has snapshot rows`).toBeGreaterThan(0);
      const s = await openEvents([join(rec.hostDir, seg.file)]);
      const [row] = await s.query(`SELECT count(*) AS n, min(kind = 'snapshot') AS first_is_snap FROM (SELECT kind FROM events LIMIT 1)`);
      expect(row!.first_is_snap).toBe(true);
      s.close();
      expect(statSync(join(rec.hostDir, seg.file)).mode & 0o777).toBe(0o600);
    }
    expect(statSync(rec.hostDir).mode & 0o777).toBe(0o700);
    expect(rec.hostDir).toMatch(/\/host=[^/]+$/);
    expect(segs[0]!.file).toMatch(/^date=\d{4}-\d{2}-\d{2}\/seg-/);
  });

  it('keeps total segment size under --max-size by deleting the oldest first', async () => {
    const out = freshDir();
    const maxBytes = 96 * 1024;
    const rec = await startRecorder(out, ['--rotate', '500ms', '--max-size', String(maxBytes)]);
    await busyFor(out, 4000);
    expect(await stopRecorder(rec)).toBe(0);
    const entries = manifestOf(rec.hostDir);
    const segs = entries.filter((e): e is SegmentEntry => e.type === 'segment');
    const retired = new Set(entries.filter((e) => e.type === 'retired').map((e) => (e as { file: string }).file));
    expect(retired.size).toBeGreaterThan(0);
    const kept = segs.filter((e) => !retired.has(e.file));
    // The oldest went first: every retired segment precedes every kept one.
    const order = segs.map((e) => e.file);
    const lastRetired = Math.max(...[...retired].map((f) => order.indexOf(f)));
    const firstKept = Math.min(...kept.map((e) => order.indexOf(e.file)));
    expect(lastRetired).toBeLessThan(firstKept);
    for (const f of retired) expect(existsSync(join(rec.hostDir, f))).toBe(false);
    for (const e of kept) expect(fileSha256(join(rec.hostDir, e.file))).toBe(e.sha256);
    expect(kept.reduce((n, e) => n + e.size_bytes, 0)).toBeLessThanOrEqual(maxBytes);
    expect(verifyChain(entries)).toBeNull();
  });

  it('after kill -9 loses at most the open segment and the next run records the gap', async () => {
    const out = freshDir();
    const first = await startRecorder(out, ['--rotate', '700ms']);
    await busyFor(out, 2000);
    first.child.kill('SIGKILL');
    await first.exited;
    const closed = segmentsOf(first.hostDir);
    expect(closed.length).toBeGreaterThanOrEqual(1);
    const leftovers = readdirSync(first.hostDir, { recursive: true }).map(String).filter((f) => f.endsWith('.tmp'));
    expect(leftovers.length).toBe(1);

    const second = await startRecorder(out, ['--rotate', '5m']);
    expect(second.stderr()).toMatch(/removed unfinished segment/);
    expect(await stopRecorder(second)).toBe(0);
    const entries = manifestOf(first.hostDir);
    expect(verifyChain(entries)).toBeNull();
    const gap = entries.find((e) => e.type === 'gap');
    expect(gap, 'a gap entry').toBeDefined();
    expect(JSON.stringify(gap)).toMatch(/kill|no clean stop/i);
    for (const e of closed) expect(fileSha256(join(first.hostDir, e.file))).toBe(e.sha256);
    expect(readdirSync(first.hostDir, { recursive: true }).map(String).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('stops with a clear error on a full disk and leaves closed segments intact', async () => {
    const mnt = freshDir('hs-full-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mnt]);
    try {
      const rec = await startRecorder(mnt, ['--rotate', '400ms']);
      await busyFor(freshDir(), 1200);
      const before = segmentsOf(rec.hostDir);
      expect(before.length).toBeGreaterThanOrEqual(1);
      // Fill the filesystem, then keep the recorder busy until it must write.
      spawnSync('dd', ['if=/dev/zero', `of=${join(mnt, 'filler')}`, 'bs=1M', 'count=64'], { stdio: 'ignore' });
      await busyFor(freshDir(), 1500);
      const code = await Promise.race([rec.exited, sleep(20_000).then(() => 'still running')]);
      if (code === 'still running') rec.child.kill('SIGKILL');
      expect(code).toBe(4);
      expect(rec.stderr()).toMatch(/storage full \((ENOSPC|EDQUOT)\)/);
      for (const e of before) expect(fileSha256(join(rec.hostDir, e.file))).toBe(e.sha256);
      expect(verifyChain(manifestOf(rec.hostDir))).toBeNull();
      expect(readdirSync(rec.hostDir, { recursive: true }).map(String).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    } finally {
      execFileSync('umount', ['-l', mnt]);
    }
  });

  it('refuses a second recorder on the same directory', async () => {
    const out = freshDir();
    const first = await startRecorder(out);
    try {
      const r = spawnSync(process.execPath, [MAIN, 'record', '--no-status', '--out', out, '--duration', '1s'], { encoding: 'utf8' });
      expect(r.status).toBe(4);
      expect(r.stderr).toContain(`another recorder (pid ${first.child.pid}) is writing to`);
    } finally {
      const code = await stopRecorder(first, 0);
      expect(code, first.stderr()).toBe(0);
    }
  });

  it('refuses to run without privileges, naming what is missing', () => {
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', process.execPath, MAIN,
      'record', '--out', freshDir(), '--duration', '1s'], { encoding: 'utf8' });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/CAP_BPF|root/);
  });

  it('rejects bad option values naming the option', () => {
    const r = spawnSync(process.execPath, [MAIN, 'record', '--out', freshDir(), '--rotate', 'soon'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--rotate: not a duration: "soon"');
  });

  it('stores hostile file names byte-exact: newlines, invalid UTF-8, 4 KB paths', async () => {
    const base = freshDir('hs-names-');
    const newline = Buffer.from(`${base}/evil\nname.txt`);
    const invalid = Buffer.concat([Buffer.from(`${base}/bad-`), Buffer.from([0xff, 0xfe, 0x80]), Buffer.from('.bin')]);
    let deep = base;
    while (deep.length < 3800) deep += `/${'d'.repeat(200)}`;
    const long = Buffer.from(`${deep}/${'f'.repeat(3990 - deep.length)}`);
    const out = freshDir();
    const rec = await startRecorder(out);
    writeFileSync(newline, 'x');
    writeFileSync(invalid, 'x');
    mkdirSync(deep, { recursive: true });
    writeFileSync(long, 'x');
    expect(await stopRecorder(rec)).toBe(0);
    const s = await openEvents([out]);
    const rows = await s.query(`SELECT path, path_raw FROM events WHERE kind = 'open' AND pid = $pid AND (path LIKE $prefix || '%')`,
      { pid: process.pid, prefix: base });
    s.close();
    const stored = rows.map((r) => (r.path_raw instanceof Uint8Array ? Buffer.from(r.path_raw) : Buffer.from(String(r.path))));
    for (const want of [newline, invalid, long]) {
      expect(stored.some((b) => b.equals(want)), `${JSON.stringify(want.toString('latin1')).slice(0, 80)} stored exactly`).toBe(true);
    }
    const inv = rows.find((r) => r.path_raw !== null);
    expect(String(inv!.path)).toBe(`${base}/bad-\\xff\\xfe\\x80.bin`);
    rmSync(base, { recursive: true, force: true });
  });
});
