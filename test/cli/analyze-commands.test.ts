/**
 * Snapshot tests of the analysis commands over the committed fixture
 * recording (fixtures/recordings/activity, from fixtures/make-activity.ts):
 * the command, its output and exit code, in test/cli/__snapshots__/.
 * Regenerate with UPDATE_SNAPSHOTS=1 and review the diff.
 */
import { join } from 'node:path';
import { truncateSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { copyFixture, FIXTURE_REL, FIXTURE_SEGMENTS, writeSegment } from '../helpers/analyze-fixtures.js';
import { matchSnapshot, runCli } from '../helpers/cli-snapshot.js';
import { freshDir } from '../helpers/recording.js';

const R = FIXTURE_REL;
const ROOT_KEY = 'fa8a2298d416:397989:26145'; // the activity shell (fixtures/recordings/activity.json shellPid 26145)

const CASES: [string, string[]][] = [
  ['info', ['info', R]],
  ['info-window', ['info', R, '--since', '2026-11-21T07:44:20.4959Z', '--until', '2026-11-21T07:44:20.9959Z']],
  ['query-table', ['query', R, "SELECT kind, count(*) AS n, min(time) AS first FROM events GROUP BY kind ORDER BY n DESC, kind"]],
  ['query-table-narrow-cells', ['query', R, "SELECT time, exe, argv, cwd, exe_sha256 FROM exec WHERE exe LIKE '/tmp/%' OR exe LIKE '/dev/shm/%'"]],
  ['query-json', ['query', R, '--format', 'json', "SELECT seq, time, kind, argv, exe_deleted, ret FROM exec WHERE filename LIKE '/proc/self/fd/%'"]],
  ['query-csv', ['query', R, '--format', 'csv', "SELECT kind, path, path2 FROM file WHERE path LIKE '/tmp/hindsight-activity-%' ORDER BY seq"]],
  ['query-syntax-error', ['query', R, 'SELECT * FORM exec']],
  ['query-unknown-column', ['query', R, 'SELECT no_such_column FROM exec']],
  ['query-list-named', ['query', '--list-named']],
  ['named-net-list-connections', ['query', R, '--format', 'csv', '--named', 'net/list-connections']],
  ['named-exec-list-temp-execs', ['query', R, '--format', 'csv', '--named', 'exec/list-temp-execs']],
  ['named-file-list-persistence', ['query', R, '--format', 'csv', '--named', 'file/list-persistence']],
  ['named-file-list-tree-writes', ['query', R, '--format', 'csv', '--named', 'file/list-tree-writes', '--param', `root_key=${ROOT_KEY}`]],
  ['named-security-list-setuid', ['query', R, '--format', 'csv', '--named', 'security/list-setuid']],
  ['named-lineage-list-orphans', ['query', R, '--format', 'csv', '--named', 'lineage/list-orphans']],
  ['named-dns-list-names', ['query', R, '--format', 'csv', '--named', 'dns/list-names']],
  ['named-missing-param', ['query', R, '--named', 'file/list-tree-writes']],
  ['export-timesketch', ['export', R, '--to', 'timesketch', '--until', '2026-11-21T07:44:20.4799Z']],
  ['export-csv', ['export', R, '--to', 'csv', '--since', '2026-11-21T07:44:20.4759Z', '--until', '2026-11-21T07:44:20.4765Z']],
  ['verify-clean', ['verify', R]],
  ['bad-since', ['info', R, '--since', 'yesterday']],
];

describe('analysis commands on the fixture recording', () => {
  it.each(CASES)('%s', (name, args) => {
    const [got, want] = matchSnapshot(name, runCli(args));
    expect(got).toBe(want);
  });
});

describe('analysis commands on bad input', () => {
  it('names a truncated segment, answers from the rest and exits 5 (partial)', () => {
    const [rec, host] = copyFixture();
    truncateSync(join(host, FIXTURE_SEGMENTS[1]!), 4096);
    const run = runCli(['query', rec, 'SELECT count(*) AS n FROM events'], [[rec, '<REC>']]);
    const [got, want] = matchSnapshot('partial-truncated-segment', run);
    expect(got).toBe(want);
    expect(run.code).toBe(5);
  });

  it('refuses a segment of a newer schema version, naming the file and both versions', async () => {
    const dir = freshDir();
    await writeSegment(dir, 'seg-v2', [[{ seq: 0n, time: 1n, kind: 'exec' }]], 2);
    const [got, want] = matchSnapshot('newer-schema-version', runCli(['info', dir], [[dir, '<DIR>']]));
    expect(got).toBe(want);
  });

  it('says a folder without segments or manifest is not a recording', () => {
    const dir = freshDir();
    const [got, want] = matchSnapshot('not-a-recording', runCli(['query', dir, 'SELECT 1'], [[dir, '<DIR>']]));
    expect(got).toBe(want);
  });
});
