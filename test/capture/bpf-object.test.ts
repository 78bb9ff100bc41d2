// BpfObject against the real kernel: bpf/selftest.bpf.c, plus small programs
// compiled here from C to provoke a verifier rejection, missing hooks and a
// refused program type.
import { beforeAll, describe, expect, it } from 'vitest';
import { BpfObject } from '../../src/capture/bpf-object.js';
import { ensureTracefs } from '../../src/capture/environment.js';
import { NotSupportedError, PermissionError, VerifierError } from '../../src/capture/errors.js';
import { RingReader } from '../../src/capture/ring-reader.js';
import { SELFTEST_OBJECT, Trigger, buildFixtures, compileBpf, loadSelftest, parseRecord, runIsolated } from './helpers.js';

beforeAll(() => {
  buildFixtures();
  ensureTracefs();
});

const HEADER = '#include "vmlinux.h"\n#include <bpf/bpf_helpers.h>\nchar LICENSE[] SEC("license") = "GPL";\n';

// A hash map, not an array: the verifier drops the NULL check of an array
// lookup with a constant key in bounds, so that would load.
const REJECTED = `
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} values SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getppid")
int handle_rejected(void *ctx)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&values, &key);

	return *v; /* no NULL check: rejected */
}
`;

describe('BpfObject.open', () => {
  it('lists the programs with their sections', () => {
    const obj = BpfObject.open(SELFTEST_OBJECT);
    try {
      expect(obj.programs()).toEqual([{ name: 'handle_getppid', section: 'tracepoint/syscalls/sys_enter_getppid', autoload: true }]);
    } finally {
      obj.close();
    }
  });

  it('names the path, the errno and the fix when the file is missing', () => {
    expect(() => BpfObject.open('/nonexistent/hindsight.bpf.o')).toThrow(
      'capture: open BPF object /nonexistent/hindsight.bpf.o: ENOENT (file not found; build it with make -C bpf)');
  });
});

describe('BpfObject.setRodata', () => {
  it('writes a u32, a u64 and a char array that the loaded program then reads', async () => {
    const trigger = new Trigger(3);
    const obj = loadSelftest(trigger.pid, { stamp: 0xfedcba9876543210n, label: 'hello, rodata', ringBytes: 1 << 16 });
    const reader = new RingReader(obj.mapFd('events'), 1 << 16);
    try {
      trigger.go();
      await trigger.exited;
      const records = reader.readAll().map((r) => parseRecord(r, 0, r.length));
      expect(records.map((r) => [r.seq, r.stamp, r.label])).toEqual([
        [0, 0xfedcba9876543210n, 'hello, rodata'],
        [1, 0xfedcba9876543210n, 'hello, rodata'],
        [2, 0xfedcba9876543210n, 'hello, rodata'],
      ]);
    } finally {
      reader.close();
      obj.close();
    }
  });

  it.each([
    { name: 'an unknown variable is refused, listing the known ones', variable: 'nope', value: 1, error: /no variable nope in \.rodata of .*selftest\.bpf\.o \(has: target_tgid, size_min, size_max, discard_every, stamp, label\)/ },
    { name: 'a number too large for a u32 is refused', variable: 'target_tgid', value: 2 ** 32, error: 'capture: setRodata target_tgid: 4294967296 does not fit in 4 bytes' },
    { name: 'a negative number below the signed range is refused', variable: 'size_min', value: -(2 ** 31) - 1, error: 'does not fit in 4 bytes' },
    { name: 'a number that is not a safe integer is refused', variable: 'stamp', value: 2 ** 60, error: 'is not a safe integer (use a bigint)' },
    { name: 'a bigint too large for a u64 is refused', variable: 'stamp', value: 1n << 64n, error: 'does not fit in 8 bytes' },
    { name: 'bytes longer than the char array are refused', variable: 'label', value: new Uint8Array(17), error: 'capture: setRodata label: 17 bytes do not fit in 16' },
    { name: 'a number for a char array is refused', variable: 'label', value: 1, error: 'a 16-byte variable takes bytes, not a number' },
  ])('$name', ({ variable, value, error }) => {
    const obj = BpfObject.open(SELFTEST_OBJECT);
    try {
      expect(() => obj.setRodata(variable, value)).toThrow(error);
    } finally {
      obj.close();
    }
  });

  it('is refused after load, when the kernel has frozen .rodata', () => {
    const obj = loadSelftest(1);
    try {
      expect(() => obj.setRodata('target_tgid', 2)).toThrow('capture: setRodata target_tgid: ' + SELFTEST_OBJECT + ' is loaded, must be opened');
    } finally {
      obj.close();
    }
  });
});

describe('BpfObject.setMaxEntries', () => {
  it('sizes the ring buffer', () => {
    const obj = BpfObject.open(SELFTEST_OBJECT);
    try {
      obj.setMaxEntries('events', 1 << 20);
      obj.load();
      expect(obj.maxEntries('events')).toBe(1 << 20);
    } finally {
      obj.close();
    }
  });

  it.each([
    { name: 'a ring size that is not a power of two is refused', map: 'events', n: 3 << 12, error: "capture: setMaxEntries events: a ring buffer's size must be a power of two, got 12288" },
    { name: 'an unknown map is refused', map: 'nope', n: 1, error: /capture: no map nope in / },
    { name: 'zero entries are refused', map: 'counters', n: 0, error: 'capture: setMaxEntries counters: 0 is not a positive 32-bit integer' },
  ])('$name', ({ map, n, error }) => {
    const obj = BpfObject.open(SELFTEST_OBJECT);
    try {
      expect(() => obj.setMaxEntries(map, n)).toThrow(error);
    } finally {
      obj.close();
    }
  });
});

describe('BpfObject.load', () => {
  it('turns a verifier rejection into a VerifierError carrying the log', () => {
    const path = compileBpf('rejected', `${HEADER}
${REJECTED}`);
    const obj = BpfObject.open(path);
    try {
      let error: unknown;
      try {
        obj.load();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(VerifierError);
      const v = error as VerifierError;
      expect(v.program).toBe('handle_rejected');
      expect(v.section).toBe('tracepoint/syscalls/sys_enter_getppid');
      expect(v.errno).toBe('EACCES');
      expect(v.log).toMatch(/R0 invalid mem access 'map_value_or_null'/);
      expect(v.message).toMatch(/^capture: verifier rejected handle_rejected \(tracepoint\/syscalls\/sys_enter_getppid\): EACCES: R0 invalid mem access 'map_value_or_null'$/);
    } finally {
      obj.close();
    }
  });

  it('reports a program type the kernel refuses as NotSupportedError, not a memlock problem', (ctx) => {
    const path = compileBpf('fentry', `${HEADER}
SEC("fentry/do_unlinkat")
int handle_fentry(void *ctx)
{
	return 0;
}
`);
    const obj = BpfObject.open(path);
    try {
      let error: unknown;
      try {
        obj.load();
      } catch (e) {
        error = e;
      }
      if (error === undefined) ctx.skip('this kernel loads fentry programs: there is no refusal to report');
      expect(error).toBeInstanceOf(NotSupportedError);
      expect((error as NotSupportedError).program).toBe('handle_fentry');
      expect((error as Error).message).toMatch(/^capture: handle_fentry \(fentry\/do_unlinkat\) not supported: the kernel refused to load it \(EPERM\).*RLIMIT_MEMLOCK is not the cause/);
    } finally {
      obj.close();
    }
  });

  it('loads only the programs left on by setAutoload', () => {
    const path = compileBpf('autoload', `${HEADER}
SEC("tracepoint/syscalls/sys_enter_getppid")
int handle_kept(void *ctx) { return 0; }
${REJECTED}`);
    const obj = BpfObject.open(path);
    try {
      obj.setAutoload('handle_rejected', false);
      obj.load();
      expect(obj.attachAll().attached.map((a) => a.program)).toEqual(['handle_kept']);
      expect(() => obj.setAutoload('handle_kept', false)).toThrow('is loaded, must be opened');
    } finally {
      obj.close();
    }
  });

  it('reports missing capabilities as PermissionError when run without CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN', () => {
    const out = runIsolated(['setpriv', '--bounding-set=-bpf,-perfmon,-sys_admin', '--'], `
import { BpfObject } from '@capture/bpf-object.js';
const obj = BpfObject.open(${JSON.stringify(SELFTEST_OBJECT)});
try { obj.load(); console.log(JSON.stringify({ loaded: true })); }
catch (e) { console.log(JSON.stringify({ name: e.name, message: e.message, missing: e.missing })); }
finally { obj.close(); }
`);
    expect(out).toEqual({
      name: 'PermissionError',
      message: expect.stringMatching(/^capture: load .*selftest\.bpf\.o: stopped at .*: EPERM: loading BPF programs needs CAP_BPF, CAP_PERFMON/),
      missing: ['CAP_BPF', 'CAP_PERFMON'],
    });
  });
});

describe('BpfObject.attachAll', () => {
  it('attaches what it can and reports each missing hook as NotSupportedError without hiding the others', async () => {
    const path = compileBpf('attach', `${HEADER}
SEC("tracepoint/syscalls/sys_enter_no_such_syscall")
int handle_missing_tp(void *ctx) { return 0; }
SEC("kprobe/no_such_kernel_function_hindsight")
int handle_missing_kprobe(void *ctx) { return 0; }
SEC("tracepoint/syscalls/sys_enter_getppid")
int handle_getppid(void *ctx) { return 0; }
`);
    const obj = BpfObject.open(path);
    try {
      obj.load();
      const report = obj.attachAll();
      expect(report.attached).toEqual([{ program: 'handle_getppid', section: 'tracepoint/syscalls/sys_enter_getppid' }]);
      expect(report.failed.map((f) => [f.program, f.error?.constructor.name])).toEqual([
        ['handle_missing_tp', 'NotSupportedError'],
        ['handle_missing_kprobe', 'NotSupportedError'],
      ]);
      expect(report.failed[0]?.error?.message).toBe(
        'capture: handle_missing_tp (tracepoint/syscalls/sys_enter_no_such_syscall) not supported: tracepoint syscalls/sys_enter_no_such_syscall does not exist in this kernel (ENOENT)');
      expect(report.failed[1]?.error?.message).toMatch(/^capture: handle_missing_kprobe \(kprobe\/no_such_kernel_function_hindsight\) not supported: the kernel lacks this hook \(E[A-Z]+\)$/);
      // A second call attaches nothing twice.
      expect(obj.attachAll().attached).toEqual([]);
    } finally {
      obj.close();
    }
  });
});

describe('BpfObject maps', () => {
  it('reads the per-CPU counters, one value per possible CPU, summed per slot by readCounters', async () => {
    const trigger = new Trigger(500);
    const obj = loadSelftest(trigger.pid, { ringBytes: 1 << 20 });
    try {
      trigger.go();
      await trigger.exited;
      const perCpu = obj.readPerCpuU64('counters', 0);
      expect(perCpu.length).toBeGreaterThanOrEqual(1);
      expect(perCpu.reduce((a, b) => a + b)).toBe(500n);
      expect(obj.sumPerCpuU64('counters', 0)).toBe(500n);
      expect(obj.readCounters()).toEqual([500n, 0n, 0n, 0n, 0n, 0n, 0n, 0n]);
    } finally {
      obj.close();
    }
  });

  it.each([
    { name: 'a ring buffer is not read as per-CPU', map: 'events', key: 0, error: 'capture: readPerCpuU64 events[0]: not a per-CPU map with u32 keys and u64 values' },
    { name: 'a key past the end names the errno', map: 'counters', key: 99, error: 'capture: readPerCpuU64 counters[99]: ENOENT' },
  ])('$name', ({ map, key, error }) => {
    const obj = loadSelftest(1);
    try {
      expect(() => obj.readPerCpuU64(map, key)).toThrow(error);
    } finally {
      obj.close();
    }
  });
});

describe('BpfObject.detach', () => {
  it('keeps the ring and counters readable after detaching, and may be repeated', async () => {
    const first = new Trigger(5);
    const obj = loadSelftest(first.pid, { ringBytes: 1 << 16 });
    const reader = new RingReader(obj.mapFd('events'), 1 << 16);
    try {
      first.go();
      await first.exited;
      obj.detach();
      obj.detach();
      expect(reader.readAll().length).toBe(5);
      expect(obj.readCounters('counters', 1)).toEqual([5n]);
    } finally {
      reader.close();
      obj.close();
    }
  });
});

describe('BpfObject.close', () => {
  it('detaches, is idempotent, and makes later calls fail with the path', async () => {
    const trigger = new Trigger(10);
    const obj = loadSelftest(trigger.pid, { ringBytes: 1 << 16 });
    obj.close();
    obj.close();
    expect(() => obj.mapFd('events')).toThrow(`capture: mapFd events: ${SELFTEST_OBJECT} is closed`);
    trigger.go();
    expect(await trigger.exited).toBe(0);
  });
});
