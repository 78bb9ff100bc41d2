// Host checks against this machine, and in children given fewer privileges or
// their own mount namespace, so the host is never changed.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  KERNEL_BTF_PATH, checkBtf, checkPrivileges, ensureTracefs, isTracefsMounted, missingCapabilities, parseCapEff,
} from '../../src/capture/environment.js';
import { NotSupportedError } from '../../src/capture/errors.js';
import { runIsolated } from './helpers.js';

const ALL = (1n << 41n) - 1n;
const bit = (n: number): bigint => 1n << BigInt(n);
const CAP_DAC_OVERRIDE = 1;
const CAP_SYS_ADMIN = 21;
const CAP_PERFMON = 38;
const CAP_BPF = 39;

describe('ensureTracefs', () => {
  it('leaves a mounted tracefs alone', () => {
    ensureTracefs();
    expect(isTracefsMounted()).toBe(true);
    expect(ensureTracefs()).toBe('present');
  });

  it('mounts tracefs where it is missing (in a private mount namespace)', () => {
    const out = runIsolated(['unshare', '--mount', '--propagation', 'private', 'sh', '-c',
      'umount /sys/kernel/tracing 2>/dev/null; exec "$@"', 'sh'], `
import { ensureTracefs, isTracefsMounted } from '@capture/environment.js';
const before = isTracefsMounted();
console.log(JSON.stringify({ before, result: ensureTracefs(), after: isTracefsMounted() }));
`);
    expect(out).toEqual({ before: false, result: 'mounted', after: true });
  });

  it('names CAP_SYS_ADMIN when it may not mount', () => {
    const out = runIsolated(['unshare', '--mount', '--propagation', 'private', 'sh', '-c',
      'umount /sys/kernel/tracing 2>/dev/null; exec setpriv --bounding-set=-sys_admin -- "$@"', 'sh'], `
import { ensureTracefs } from '@capture/environment.js';
try { ensureTracefs(); console.log('{}'); } catch (e) { console.log(JSON.stringify({ name: e.name, message: e.message })); }
`);
    expect(out).toEqual({
      name: 'PermissionError',
      message: 'capture: mount tracefs at /sys/kernel/tracing: EPERM: needs CAP_SYS_ADMIN, or mount it before starting: mount -t tracefs nodev /sys/kernel/tracing',
    });
  });
});

describe('missingCapabilities', () => {
  it.each([
    { name: 'root with every capability misses nothing', capEff: ALL, euid: 0, missing: [] },
    { name: 'CAP_BPF and CAP_PERFMON suffice for root', capEff: bit(CAP_BPF) | bit(CAP_PERFMON), euid: 0, missing: [] },
    { name: 'CAP_SYS_ADMIN stands in for CAP_BPF and CAP_PERFMON', capEff: bit(CAP_SYS_ADMIN), euid: 0, missing: [] },
    { name: 'root without capabilities misses CAP_BPF and CAP_PERFMON', capEff: 0n, euid: 0, missing: ['CAP_BPF', 'CAP_PERFMON'] },
    { name: 'a user with CAP_BPF alone misses CAP_PERFMON and tracefs access', capEff: bit(CAP_BPF), euid: 1000, missing: ['CAP_PERFMON', 'CAP_DAC_OVERRIDE'] },
    { name: 'a user with the three capabilities misses nothing', capEff: bit(CAP_BPF) | bit(CAP_PERFMON) | bit(CAP_DAC_OVERRIDE), euid: 1000, missing: [] },
  ])('$name', ({ capEff, euid, missing }) => {
    expect(missingCapabilities(capEff, euid)).toEqual(missing);
  });
});

describe('parseCapEff', () => {
  it('reads the effective set from a status text', () => {
    expect(parseCapEff('Name:\tnode\nCapPrm:\t0000000000000001\nCapEff:\t000001ffffffffff\nCapBnd:\t0\n')).toBe(0x1ffffffffffn);
  });

  it('says so when the line is missing', () => {
    expect(() => parseCapEff('Name:\tnode\n')).toThrow('capture: no CapEff line in /proc/self/status');
  });
});

describe('checkPrivileges', () => {
  it('passes for this test, which runs as root', () => {
    expect(() => checkPrivileges()).not.toThrow();
  });

  it('names the missing capabilities in a process that lost them', () => {
    const out = runIsolated(['setpriv', '--bounding-set=-bpf,-perfmon,-sys_admin', '--'], `
import { checkPrivileges } from '@capture/environment.js';
try { checkPrivileges(); console.log('{}'); } catch (e) { console.log(JSON.stringify({ name: e.name, message: e.message, missing: e.missing })); }
`);
    expect(out).toEqual({
      name: 'PermissionError',
      message: expect.stringMatching(/^capture: loading BPF programs needs CAP_BPF, CAP_PERFMON \(effective set 0x[0-9a-f]+, euid 0\): run as root or grant them/),
      missing: ['CAP_BPF', 'CAP_PERFMON'],
    });
  });
});

describe('checkBtf', () => {
  it.skipIf(!existsSync(KERNEL_BTF_PATH))('passes on a kernel with BTF', () => {
    expect(() => checkBtf()).not.toThrow();
  });

  it('throws NotSupportedError naming the kernel option when BTF is missing', () => {
    expect(() => checkBtf('/nonexistent/vmlinux')).toThrow(NotSupportedError);
    expect(() => checkBtf('/nonexistent/vmlinux')).toThrow(
      'capture: kernel BTF not supported: /nonexistent/vmlinux is missing: CO-RE programs need a kernel built with CONFIG_DEBUG_INFO_BTF=y');
  });
});
