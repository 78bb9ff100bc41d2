/**
 * Checks and fixes of the host before BPF programs are loaded: tracefs is
 * mounted (classic tracepoints are attached through it), the process has the
 * capabilities to load and attach programs, and the kernel exposes its BTF
 * (CO-RE relocations need it). Each check throws an error that says what is
 * missing and how to fix it; none of them changes anything except
 * `ensureTracefs`, which mounts tracefs when it is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { NotSupportedError, PermissionError, errnoName } from './errors.js';
import { mount } from './libbpf.js';

/** Where libbpf looks for tracefs when debugfs is not mounted. */
export const TRACEFS_PATH = '/sys/kernel/tracing';
/** The kernel's own BTF, the target of CO-RE relocations. */
export const KERNEL_BTF_PATH = '/sys/kernel/btf/vmlinux';

/**
 * Mounts tracefs at /sys/kernel/tracing unless a tracefs is already there.
 * Returns "mounted" when it mounted it, "present" otherwise.
 * @throws PermissionError when mount(2) fails with EPERM (needs CAP_SYS_ADMIN),
 *   Error for any other failure, naming the errno.
 */
export function ensureTracefs(): 'mounted' | 'present' {
  if (isTracefsMounted()) return 'present';
  const r = mount('nodev', TRACEFS_PATH, 'tracefs');
  if (r.value === 0) return 'mounted';
  const name = errnoName(r.errno);
  const what = `mount tracefs at ${TRACEFS_PATH}: ${name}`;
  if (name === 'EPERM') throw new PermissionError(`${what}: needs CAP_SYS_ADMIN, or mount it before starting: mount -t tracefs nodev ${TRACEFS_PATH}`, ['CAP_SYS_ADMIN']);
  throw new Error(`capture: ${what}: classic tracepoints cannot be attached without tracefs`);
}

/** True when /proc/self/mounts lists a tracefs at /sys/kernel/tracing. */
export function isTracefsMounted(): boolean {
  const mounts = readFileSync('/proc/self/mounts', 'utf8');
  return mounts.split('\n').some((line) => {
    const [, target, type] = line.split(' ');
    return target === TRACEFS_PATH && type === 'tracefs';
  });
}

/** Capability numbers from linux/capability.h. */
const CAP = { CAP_DAC_OVERRIDE: 1, CAP_SYS_ADMIN: 21, CAP_PERFMON: 38, CAP_BPF: 39 } as const;

/**
 * The capabilities missing from an effective set (the CapEff bitmask of
 * /proc/<pid>/status) to load and attach tracing programs on kernel >= 5.8:
 * CAP_BPF and CAP_PERFMON (CAP_SYS_ADMIN stands in for both), and for a
 * non-root user CAP_DAC_OVERRIDE to open tracefs (mode 0700, owned by root).
 * Pure; returns [] when nothing is missing.
 */
export function missingCapabilities(capEff: bigint, euid: number): string[] {
  const has = (cap: number): boolean => ((capEff >> BigInt(cap)) & 1n) === 1n;
  const admin = has(CAP.CAP_SYS_ADMIN);
  const missing: string[] = [];
  if (!has(CAP.CAP_BPF) && !admin) missing.push('CAP_BPF');
  if (!has(CAP.CAP_PERFMON) && !admin) missing.push('CAP_PERFMON');
  if (euid !== 0 && !has(CAP.CAP_DAC_OVERRIDE)) missing.push('CAP_DAC_OVERRIDE');
  return missing;
}

/** Reads CapEff from a /proc/<pid>/status text. */
export function parseCapEff(statusText: string): bigint {
  const m = /^CapEff:\s*([0-9a-fA-F]+)$/m.exec(statusText);
  if (!m?.[1]) throw new Error('capture: no CapEff line in /proc/self/status');
  return BigInt(`0x${m[1]}`);
}

/**
 * Checks that this process may load and attach the recorder's programs.
 * @throws PermissionError naming the missing capabilities.
 */
export function checkPrivileges(): void {
  const capEff = parseCapEff(readFileSync('/proc/self/status', 'utf8'));
  const euid = process.geteuid?.() ?? -1;
  const missing = missingCapabilities(capEff, euid);
  if (missing.length > 0) {
    throw new PermissionError(
      `loading BPF programs needs ${missing.join(', ')} (effective set 0x${capEff.toString(16)}, euid ${euid}): run as root or grant them, e.g. setcap cap_bpf,cap_perfmon,cap_dac_override+ep`,
      missing,
    );
  }
}

/**
 * Checks that the kernel exposes its BTF at /sys/kernel/btf/vmlinux.
 * @throws NotSupportedError when absent: CO-RE programs need a kernel built
 *   with CONFIG_DEBUG_INFO_BTF=y.
 */
export function checkBtf(path: string = KERNEL_BTF_PATH): void {
  if (!existsSync(path)) {
    throw new NotSupportedError('kernel BTF', '', `${path} is missing: CO-RE programs need a kernel built with CONFIG_DEBUG_INFO_BTF=y`);
  }
}
