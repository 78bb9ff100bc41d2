import { describe, expect, it } from 'vitest';
import { ProcessTable } from '../../src/record/process-table.js';

const TICK = 10_000_000n;

describe('ProcessTable.keyFor', () => {
  it('gives one process the same key for every event', () => {
    const t = new ProcessTable('b00t');
    expect(t.keyFor(10, 5n * TICK + 3n)).toBe('b00t:5:10');
    expect(t.keyFor(11, 9n * TICK)).toBe('b00t:9:11');
    expect(t.keyFor(10, 5n * TICK + 3n)).toBe('b00t:5:10');
  });

  it('gives a pid reused in a later tick a new key', () => {
    const t = new ProcessTable('b00t');
    expect(t.keyFor(10, 5n * TICK)).toBe('b00t:5:10');
    expect(t.keyFor(10, 7n * TICK)).toBe('b00t:7:10');
  });

  it('tells apart a pid reused within the same tick', () => {
    const t = new ProcessTable('b00t');
    expect(t.keyFor(10, 5n * TICK + 100n)).toBe('b00t:5:10');
    expect(t.keyFor(10, 5n * TICK + 900n)).toBe('b00t:5+900:10');
  });

  it('matches a snapshot process (tick precision) to its exact kernel start', () => {
    const t = new ProcessTable('b00t');
    t.addSnapshot([{
      pid: 10, ppid: 1, startNs: 5n * TICK, comm: 'sshd', exe: '/usr/sbin/sshd', argv: ['sshd'], argvTruncated: false,
      cwd: '/', uid: 0, gid: 0, euid: 0, egid: 0, loginuid: null, sessionid: null, sid: 10, tty: null, cgroupPath: null,
    }], () => null);
    expect(t.keyFor(10, 5n * TICK + 4242n)).toBe('b00t:5:10');
    expect(t.liveProcesses().map((p) => p.key)).toEqual(['b00t:5:10']);
  });
});
