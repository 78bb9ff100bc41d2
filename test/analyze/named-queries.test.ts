/**
 * Named queries against rows written through the real segment writer, for
 * what the fixture recording cannot hold without touching the real host
 * (/etc/cron.d, systemd units, an exec from a memfd with the flag set).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listNamedQueries, loadNamedQuery, runNamedQuery } from '../../src/analyze/named-queries.js';
import { openRecording } from '../../src/analyze/recording.js';
import { DuckSession } from '../../src/analyze/session.js';
import { defineViews } from '../../src/analyze/views.js';
import { ns, writeSegment } from '../helpers/analyze-fixtures.js';
import { freshDir } from '../helpers/recording.js';

const O_RDONLY = 0n;
const O_WRONLY_CREAT_TRUNC = 0o1101n;
const T0 = ns('2026-01-01T00:00:00Z');
let n = 0;
const row = (kind: string, extra: Record<string, unknown>) => ({
  seq: BigInt(n), time: T0 + BigInt(n++) * 1000n, kind, host: 'h', pid: 100, comm: 'evil', proc_key: 'b:1:100', parent_key: 'b:0:1', user: 'root', ...extra,
});

let s: DuckSession;
beforeAll(async () => {
  const dir = freshDir();
  await writeSegment(dir, 'seg-constructed', [[
    row('open', { path: '/etc/cron.d/backdoor', flags: O_WRONLY_CREAT_TRUNC }),
    row('open', { path: '/etc/cron.d/readonly-ignored', flags: O_RDONLY }),
    row('rename', { path: '/tmp/x.service', path2: '/etc/systemd/system/x.service' }),
    row('chmod', { path: '/home/u/.ssh/authorized_keys', mode: 0o600 }),
    row('open', { path: '/home/u/.bashrc', flags: 0o2001n }),
    row('unlink', { path: '/var/spool/cron/crontabs/root' }),
    row('open', { path: '/home/u/.bashrc.not-rc', flags: O_WRONLY_CREAT_TRUNC }),
    row('exec', { exe: '/memfd:payload (deleted)', exe_memfd: true, filename: '/proc/self/fd/5', argv: ['x'] }),
    row('exec', { exe: '/usr/bin/ls', exe_memfd: false, filename: '/usr/bin/ls', argv: ['ls'] }),
    row('exec', { exe: '/var/tmp/dropper', exe_memfd: false, filename: './dropper', argv: ['./dropper'] }),
    row('setuid', { syscall: 'setresuid', id_real: 0n, id_effective: 0n, id_saved: 0n, ret: 0n }),
  ]]);
  s = await DuckSession.open();
  await defineViews(s, await openRecording(s, [dir]));
});
afterAll(() => s.close());

describe('named queries', () => {
  it('every shipped query has its header and runs on a recording', async () => {
    const ids = listNamedQueries();
    expect(ids).toEqual(expect.arrayContaining([
      'net/list-connections', 'file/list-tree-writes', 'exec/list-temp-execs', 'file/list-persistence',
      'security/list-setuid', 'lineage/list-orphans', 'dns/list-names',
    ]));
    for (const id of ids) {
      const q = loadNamedQuery(id);
      await runNamedQuery(s, q, Object.fromEntries(q.params.map((p) => [p, 'b:1:100'])));
    }
  });

  it('file/list-persistence finds writes to cron, systemd units, rc files and authorized_keys, not reads', async () => {
    const rows = await runNamedQuery(s, loadNamedQuery('file/list-persistence'), {});
    expect(rows.map((r) => [r.kind, r.path, r.path2, r.location])).toEqual([
      ['open', '/etc/cron.d/backdoor', null, 'cron'],
      ['rename', '/tmp/x.service', '/etc/systemd/system/x.service', 'systemd unit'],
      ['chmod', '/home/u/.ssh/authorized_keys', null, 'authorized_keys'],
      ['open', '/home/u/.bashrc', null, 'shell rc'],
      ['unlink', '/var/spool/cron/crontabs/root', null, 'cron'],
    ]);
  });

  it('exec/list-temp-execs finds memfd and temp-dir executions', async () => {
    const rows = await runNamedQuery(s, loadNamedQuery('exec/list-temp-execs'), {});
    expect(rows.map((r) => [r.exe, r.why])).toEqual([['/memfd:payload (deleted)', 'memfd'], ['/var/tmp/dropper', 'temp dir']]);
  });

  it('file/list-tree-writes takes the root key as a bound parameter', async () => {
    const rows = await runNamedQuery(s, loadNamedQuery('file/list-tree-writes'), { root_key: 'b:1:100' });
    expect(rows.map((r) => r.path)).toEqual([
      '/etc/cron.d/backdoor', '/tmp/x.service', '/home/u/.ssh/authorized_keys', '/home/u/.bashrc', '/var/spool/cron/crontabs/root', '/home/u/.bashrc.not-rc',
    ]);
    expect(await runNamedQuery(s, loadNamedQuery('file/list-tree-writes'), { root_key: "x' OR '1'='1" })).toEqual([]);
  });
});
