/**
 * Real capture, end to end: the `hindsight record` command records the
 * scripted activity on this kernel, and every event of it is read back from
 * the segments through DuckDB with its exact fields. Runs as root (CI does);
 * the host may be busy, so rows are picked by the activity's own process tree
 * and unique directory.
 */
import { createHash } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runActivity, type ActivityReport } from '../../src/cli/activity.js';
import type { DuckSession, SqlRow } from '../../src/analyze/session.js';
import { verifyChain } from '../../src/record/manifest.js';
import {
  freshDir, keyOfForkedPid, manifestOf, openEvents, startRecorder, stopRecorder, treeKeys,
} from '../helpers/recording.js';

const O_CREAT = 0o100;

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

describe('hindsight record, on the scripted activity', () => {
  let s: DuckSession;
  let a: ActivityReport;
  let hostDir: string;
  let exitCode: number;
  let shellKey: string;
  let keys: string[];
  let rows: SqlRow[];

  beforeAll(async () => {
    const out = freshDir();
    const rec = await startRecorder(out, ['--rotate', '5m']);
    hostDir = rec.hostDir;
    a = await runActivity();
    exitCode = await stopRecorder(rec);
    s = await openEvents([out]);
    shellKey = await keyOfForkedPid(s, a.shellPid);
    keys = await treeKeys(s, shellKey);
    rows = await s.query(`SELECT * FROM events WHERE proc_key IN (SELECT unnest(string_split($keys, ' '))) AND kind <> 'snapshot' ORDER BY seq`, { keys: keys.join(' ') });
  });

  afterAll(() => s?.close());

  const one = (pred: (r: SqlRow) => boolean, what: string): SqlRow => {
    const hits = rows.filter(pred);
    expect(hits.length, `${what}: ${hits.length} rows`).toBe(1);
    return hits[0]!;
  };

  it('stops cleanly with exit code 0 and the activity succeeded', () => {
    expect(exitCode).toBe(0);
    expect(a.exitCode).toBe(0);
  });

  it('records an exec with resolved exe, exact argv, cwd, parent key and the binary hash', () => {
    const e = one((r) => r.kind === 'exec' && r.filename === '/bin/echo', 'exec of /bin/echo');
    expect(e.exe).toBe(realpathSync('/bin/echo'));
    expect(e.argv).toEqual(['/bin/echo', 'hindsight-demo', 'two words', '--flag=1']);
    expect(e.argv_truncated).toBe(false);
    expect(e.argc).toBe(4);
    expect(e.cwd).toBe(a.dir);
    expect(e.parent_key).toBe(shellKey);
    expect(e.ppid).toBe(a.shellPid);
    expect(e.uid).toBe(0n);
    expect(e.user).toBe('root');
    expect(e.group_name).toBe('root');
    expect(e.exe_hash_status).toBe('ok');
    expect(e.exe_sha256).toBe(sha256(realpathSync('/bin/echo')));
    expect(e.syscall).toBe('execve');
  });

  it('records a #! script with its interpreter as exe and the script path', () => {
    const e = one((r) => r.kind === 'exec' && r.filename === './greet.sh', 'exec of greet.sh');
    expect(e.exe).toBe(realpathSync('/bin/sh'));
    expect(e.script).toBe(`${a.dir}/greet.sh`);
    expect(e.interp).toBe('/bin/sh');
    expect(e.argv).toEqual(['/bin/sh', './greet.sh', 'alpha', 'beta']);
  });

  it('records fork rows whose child keys are the children\'s process keys', () => {
    const e = one((r) => r.kind === 'exec' && r.filename === '/bin/echo', 'exec of /bin/echo');
    const f = one((r) => r.kind === 'fork' && r.child_key === e.proc_key, 'fork of the echo child');
    expect(f.proc_key).toBe(shellKey);
    expect(f.child_pid).toBe(e.pid);
    expect(f.is_thread).toBe(false);
    const x = one((r) => r.kind === 'exit' && r.proc_key === e.proc_key, 'exit of echo');
    expect(x.exit_code).toBe(0);
    expect(x.exit_signal).toBeNull();
  });

  it('records a failed exec with its error', () => {
    const e = one((r) => r.kind === 'exec_fail' && r.filename === '/nonexistent/hindsight-missing-binary', 'failed exec');
    expect(e.error).toBe('ENOENT');
    expect(e.ret).toBe(-2n);
  });

  it('records an exec from a memfd as such', () => {
    const e = one((r) => r.kind === 'exec' && Array.isArray(r.argv) && r.argv[0] === 'memfd-true', 'memfd exec');
    expect(e.exe).toBe('/memfd:hindsight-memfd');
    expect(e.exe_memfd).toBe(true);
    expect(e.exe_deleted).toBe(true);
    expect(String(e.filename)).toMatch(/^\/proc\/self\/fd\/\d+$/);
    // A memfd can only be hashed through /proc/<pid>/exe while the process lives.
    expect(['ok', 'gone']).toContain(e.exe_hash_status);
    if (e.exe_hash_status === 'ok') expect(e.exe_sha256).toBe(sha256('/bin/true'));
  });

  it('records a file create with the kernel-resolved path, flags and fd', () => {
    const e = one((r) => r.kind === 'open' && r.path === `${a.dir}/created.txt`, 'open of created.txt');
    expect(e.path_source).toBe('kernel');
    expect(e.path_arg).toBe('created.txt');
    expect((e.flags as bigint) & BigInt(O_CREAT)).toBe(BigInt(O_CREAT));
    expect(e.ret as bigint).toBeGreaterThanOrEqual(0n);
    expect(e.fd).toBe(Number(e.ret));
    expect(e.proc_key).toBe(shellKey);
  });

  it('records rename, chmod, mkdir, symlink and unlink with absolute paths', () => {
    const mv = one((r) => r.kind === 'rename' && r.path === `${a.dir}/created.txt`, 'rename');
    expect(mv.path2).toBe(`${a.dir}/renamed.txt`);
    expect(mv.ret).toBe(0n);
    expect(mv.path_source).toBe('joined');
    const ch = one((r) => r.kind === 'chmod' && r.path === `${a.dir}/renamed.txt`, 'chmod');
    expect(ch.mode).toBe(0o640);
    expect(ch.ret).toBe(0n);
    one((r) => r.kind === 'mkdir' && r.path === `${a.dir}/subdir` && r.ret === 0n, 'mkdir');
    const ln = one((r) => r.kind === 'symlink' && r.path === `${a.dir}/link.txt`, 'symlink');
    expect(ln.path2).toBe('renamed.txt');
    one((r) => r.kind === 'unlink' && r.path === `${a.dir}/link.txt` && r.ret === 0n, 'unlink link.txt');
    one((r) => r.kind === 'unlink' && r.path === `${a.dir}/renamed.txt` && r.ret === 0n, 'unlink renamed.txt');
  });

  it('records the TCP connect to the local listener with its result', () => {
    const c = one((r) => r.kind === 'connect' && r.dport === a.tcpPort, 'connect');
    expect(c.family).toBe('inet');
    expect(c.protocol).toBe('tcp');
    expect(c.daddr).toBe('127.0.0.1');
    expect(c.ret).toBe(0n);
    expect(c.error).toBeNull();
  });

  it('records UDP DNS queries with their names and types, sent to an address or on a connected socket', () => {
    const d = one((r) => r.kind === 'dns' && r.syscall === 'sendto', 'dns query by sendto');
    expect(d.dns_query).toBe(a.dnsName);
    expect(d.dns_qtype).toBe('A');
    expect(d.daddr).toBe('127.0.0.1');
    expect(d.dport).toBe(53);
    expect(d.protocol).toBe('udp');
    const m = one((r) => r.kind === 'dns' && r.syscall === 'sendmsg', 'dns query by sendmsg');
    expect(m.dns_query).toBe(`msg.${a.dnsName}`);
    expect(m.daddr).toBe('127.0.0.1');
    expect(m.dport).toBe(53);
  });

  it('starts the segment with a snapshot of live processes, init included', async () => {
    const snap = await s.query(`SELECT pid, proc_key, exe FROM events WHERE kind = 'snapshot' AND pid = 1`);
    expect(snap.length).toBeGreaterThanOrEqual(1);
    expect(String(snap[0]!.proc_key)).toMatch(/^[0-9a-f]{12}:\d+:1$/);
  });

  it('writes a manifest whose chain verifies and whose counts match the segment', async () => {
    const entries = manifestOf(hostDir);
    expect(entries.map((e) => e.type)).toEqual(['start', 'segment', 'stop']);
    expect(verifyChain(entries)).toBeNull();
    const seg = entries[1]!;
    if (seg.type !== 'segment') throw new Error('no segment entry');
    const [{ n }] = await s.query(`SELECT count(*) AS n FROM events`) as [{ n: bigint }];
    expect(BigInt(seg.rows)).toBe(n);
    expect(Object.values(seg.counts_by_kind).reduce((x, y) => x + y, 0)).toBe(seg.rows);
  });
});
