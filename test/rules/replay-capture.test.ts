/**
 * Rule replay over real captured behaviour: fixtures/threat-scenario.sh
 * recorded by the real recorder (fixtures/make-threat.ts), replayed with the
 * public Falco and Sigma rules, the shipped native rules and an IOC list
 * through `hindsight replay --format json`. The findings on the scenario's
 * own process tree must be exactly the expected ones: every rule that should
 * fire does, and no other rule fires on it (the host's own activity, which
 * may set off rules too, is left out by the tree).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../helpers/cli-snapshot.js';
import { PUBLIC_RULES } from '../helpers/public-rules.js';
import { threatRecording, type ThreatRecording } from './threat-recording.js';

interface FindingJson {
  source: string; rule_id: string; rule: string; severity: string; author: string | null; time: string;
  proc_key: string; pid: number; exe: string; cmdline: string; parent_exe: string | null;
  ancestry: { key: string; pid: number; exe: string }[]; event: Record<string, unknown>; message: string;
  incomplete: boolean; extra?: Record<string, unknown>;
}

let threat: ThreatRecording;
let run: CliRun;
let mine: FindingJson[];

beforeAll(async () => {
  threat = await threatRecording();
  const dir = mkdtempSync(join(tmpdir(), 'hs-ioc-'));
  const iocs = join(dir, 'iocs.txt');
  writeFileSync(iocs, `# test list\n${threat.iocIp}\n203.0.113.99\nevil.hindsight.invalid\n${'0'.repeat(64)}\n`);
  run = runCli(['replay', threat.rec, '--rules', PUBLIC_RULES, 'queries/rules', '--iocs', iocs, '--format', 'json']);
  const all = run.stdout.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as FindingJson);
  const root = all.find((f) => f.pid === threat.pid)?.proc_key;
  mine = all.filter((f) => f.proc_key === root || f.ancestry.some((a) => a.key === root));
}, 300_000);

/** `source: rule` of each finding on the scenario's tree, in time order (a rule that fires twice is listed twice). */
const fired = () => mine.map((f) => `${f.source}: ${f.rule}`);

describe('replay of the recorded threat scenario', () => {
  it('exits with code 6 (findings) and reports every public rule as compiled, unsupported or disabled, none as an error', () => {
    expect(run.code, run.stderr).toBe(6);
    expect(run.stderr).toMatch(/falco: 93 rules: 52 compiled, 52 ran, 29 unsupported, 12 disabled, 0 errors/);
    expect(run.stderr).toMatch(/sigma: 248 rules: 164 compiled, 164 ran, 84 unsupported, 0 disabled, 0 errors/);
    expect(run.stderr).toMatch(/native: 6 rules: 6 compiled, 6 ran/);
  });

  it('fires exactly the expected Falco, Sigma, native and IOC rules on the scenario, in order', () => {
    expect(fired()).toEqual([
      // 1. a job written to /etc/cron.d, chmod'ed, removed
      'sigma: New Cron File Created',
      'falco: Schedule Cron Jobs',
      'sigma: Chmod Targeting Sensitive Directories',
      'native: Cron file written, then chmod\'ed',
      'sigma: File Deletion',
      // 2. chmod u+s
      'falco: Set Setuid or Setgid bit',
      // 3. cat /etc/shadow
      'sigma: Local System Accounts Discovery - Linux',
      'falco: Read sensitive file untrusted',
      // 4. echo ... | base64 -d | sh
      'sigma: Linux Base64 Encoded Pipe to Shell',
      'sigma: Linux Shell Pipe to Shell',
      'sigma: Decode Base64 Encoded Text',
      // 5. shred -u
      'sigma: File Deletion',
      'falco: Remove Bulk Data from Disk',
      // 6. a binary dropped in /tmp and run
      'native: File written to /tmp, /var/tmp or /dev/shm, then executed',
      'sigma: Potentially Suspicious Execution From Tmp Folder',
      // 7. bash > /dev/tcp/IOC_IP/PORT
      `ioc: IOC ip ${threat.iocIp} (iocs.txt)`,
      'sigma: Linux Reverse Shell Indicator',
      // cleanup
      'sigma: File Deletion',
    ]);
  });

  it('does not fire rules whose conditions the scenario does not meet', () => {
    for (const rule of ['falco: Terminal shell in container', 'falco: Run shell untrusted', 'falco: Fileless execution via memfd_create',
      'falco: Create Symlink Over Sensitive Files', 'falco: Launch Suspicious Network Tool on Host', 'native: Memory-backed (memfd) executable run',
      'sigma: Linux Crypto Mining Indicators']) {
      expect(fired()).not.toContain(rule);
    }
  });

  it('gives each finding its actor, parent and ancestry, and Sigma findings their author', () => {
    const shadow = mine.find((f) => f.rule === 'Read sensitive file untrusted')!;
    expect(shadow).toMatchObject({ source: 'falco', severity: 'warning', exe: '/usr/bin/cat', cmdline: 'cat /etc/shadow', parent_exe: '/usr/bin/bash', event: { kind: 'open', path: '/etc/shadow' } });
    expect(shadow.ancestry.at(-1)).toMatchObject({ pid: threat.pid, exe: '/usr/bin/bash' });
    expect(shadow.message).toMatch(/file=\/etc\/shadow .*process=cat /);
    const b64 = mine.find((f) => f.rule === 'Linux Base64 Encoded Pipe to Shell')!;
    expect(b64.author).toBeTruthy();
    expect(b64.cmdline).toMatch(/\| base64 -d \| sh/);
    const suid = mine.find((f) => f.rule === 'Set Setuid or Setgid bit')!;
    expect(suid.event).toMatchObject({ kind: 'chmod', path: `${threat.dir}/suid-${threat.tag}` });
    expect(Number(suid.event.mode) & 0o4000).toBe(0o4000);
  });

  it('reports the IOC with its first and last sighting and the processes involved', () => {
    const ioc = mine.find((f) => f.source === 'ioc')!;
    expect(ioc).toMatchObject({ rule_id: threat.iocIp, exe: '/usr/bin/bash', event: { kind: 'connect', daddr: threat.iocIp, dport: threat.port } });
    expect(ioc.extra).toMatchObject({ indicator_type: 'ip', sightings: 1, first_seen: ioc.extra!.last_seen });
    expect(ioc.extra!.processes).toEqual([expect.objectContaining({ proc_key: ioc.proc_key, exe: '/usr/bin/bash' })]);
    expect(run.stdout).not.toMatch(/203\.0\.113\.99|evil\.hindsight\.invalid/);
  });
});
