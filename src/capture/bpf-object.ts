/**
 * `BpfObject`: one BPF ELF object (a built `.bpf.o`) through its life:
 * open, configure (read-only settings by variable name, map sizes, which
 * programs load), load, attach, read maps, close.
 *
 * Guarantees: settings are located by name through the object's BTF (the
 * `.rodata` DATASEC), never by hand-kept offsets, and are size-checked; a load
 * failure becomes a `VerifierError` carrying the verifier log, a
 * `PermissionError` naming missing capabilities, or a `NotSupportedError`
 * when the kernel refuses the program type; `attachAll` attaches every loaded
 * program and reports each failure without hiding the others; `close` releases
 * links and the object and may be called any number of times.
 */
import { existsSync } from 'node:fs';
import { checkPrivileges } from './environment.js';
import { NotSupportedError, PermissionError, VerifierError, errnoName } from './errors.js';
import * as lib from './libbpf.js';
import type { Pointer } from './libbpf.js';

/** A program of the object, by its C function name and ELF section. */
export interface ProgramInfo {
  name: string;
  section: string;
  autoload: boolean;
}

/** The outcome of attaching one program. */
export interface AttachResult {
  program: string;
  section: string;
  /** Undefined when attached; otherwise why not (NotSupportedError when the hook is missing). */
  error?: Error;
}

/** What `attachAll` did: every loaded program is in exactly one list. */
export interface AttachReport {
  attached: AttachResult[];
  failed: AttachResult[];
}

/** Options of `BpfObject.open`. */
export interface OpenOptions {
  /** Bytes of verifier log kept per program when a load fails (the tail). Default 1 MiB. */
  logSizeBytes?: number;
}

interface Variable {
  offset: number;
  sizeBytes: number;
}

const BPF_MAP_TYPE_PERCPU_HASH = 5;
const BPF_MAP_TYPE_PERCPU_ARRAY = 6;
const BPF_MAP_TYPE_LRU_PERCPU_HASH = 10;
const BPF_MAP_TYPE_RINGBUF = 27;
const PER_CPU_TYPES = new Set([BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_PERCPU_ARRAY, BPF_MAP_TYPE_LRU_PERCPU_HASH]);

/** errnos meaning "this kernel has no such hook or program type". */
const UNSUPPORTED_ERRNOS = new Set(['ENOENT', 'ESRCH', 'EOPNOTSUPP', 'ENOTSUPP', 'ENODEV']);

let possibleCpus = 0;
let savedPrint: Pointer | undefined;

/**
 * Turns libbpf's own messages on stderr off or back on (default: on). They
 * duplicate what the errors of this module say, and on EPERM libbpf suggests
 * raising `ulimit -l`, which is wrong on kernels that account BPF memory to
 * the memory cgroup (5.11+).
 */
export function setLibbpfOutput(enabled: boolean): void {
  if (!enabled && savedPrint === undefined) {
    savedPrint = lib.libbpf_set_print(0);
  } else if (enabled && savedPrint !== undefined) {
    lib.libbpf_set_print(savedPrint);
    savedPrint = undefined;
  }
}

/** A BPF object file opened with libbpf; see the module comment. */
export class BpfObject {
  readonly path: string;
  #obj: Pointer;
  #state: 'opened' | 'loaded' | 'closed' = 'opened';
  #links = new Map<string, Pointer>();
  #rodata: Map<string, Variable> | undefined;
  #data: Map<string, Variable> | undefined;
  readonly #logSizeBytes: number;

  private constructor(path: string, obj: Pointer, logSizeBytes: number) {
    this.path = path;
    this.#obj = obj;
    this.#logSizeBytes = logSizeBytes;
  }

  /**
   * Opens a BPF ELF object (no kernel interaction yet).
   * @throws Error naming the path and errno (ENOENT when the file is missing).
   */
  static open(path: string, options: OpenOptions = {}): BpfObject {
    const r = lib.bpf_object__open_file(path);
    if (r.value === 0) {
      const hint = existsSync(path) ? '' : ' (file not found; build it with make -C bpf)';
      throw new Error(`capture: open BPF object ${path}: ${errnoName(r.errno)}${hint}`);
    }
    return new BpfObject(path, r.value, options.logSizeBytes ?? 1 << 20);
  }

  /** The object's programs in ELF order. */
  programs(): ProgramInfo[] {
    return this.#programPointers().map((p) => ({
      name: lib.bpf_program__name(p),
      section: lib.bpf_program__section_name(p),
      autoload: lib.bpf_program__autoload(p),
    }));
  }

  /**
   * Chooses whether a program is loaded (default: all are). Before `load`.
   * @throws Error when the program does not exist or the object is loaded.
   */
  setAutoload(program: string, enabled: boolean): void {
    this.#expectState('opened', `setAutoload ${program}`);
    const p = lib.bpf_object__find_program_by_name(this.#obj, program);
    if (p === 0) throw new Error(`capture: setAutoload: no program ${program} in ${this.path}`);
    const rc = lib.bpf_program__set_autoload(p, enabled);
    if (rc < 0) throw new Error(`capture: setAutoload ${program}: ${errnoName(rc)}`);
  }

  /**
   * Sets a `const volatile` setting (a variable of `.rodata`) before `load`.
   * A number or bigint is written little-endian over the variable's whole size
   * (1, 2, 4 or 8 bytes; negative values as two's complement); bytes must not
   * be longer than the variable and the rest is zero-filled (for char arrays).
   * @throws Error when the variable is unknown, the value does not fit, or the
   *   object is already loaded (the kernel froze .rodata).
   */
  setRodata(name: string, value: Uint8Array | number | bigint): void {
    this.#expectState('opened', `setRodata ${name}`);
    const v = this.#rodataVariables().get(name);
    if (!v) {
      const known = [...this.#rodataVariables().keys()].join(', ');
      throw new Error(`capture: setRodata: no variable ${name} in .rodata of ${this.path} (has: ${known})`);
    }
    const bytes = encodeSetting(name, v.sizeBytes, value);
    const map = lib.bpf_object__find_map_by_name(this.#obj, '.rodata');
    const sizeOut = lib.malloc(8);
    try {
      const data = lib.bpf_map__initial_value(map, sizeOut);
      const size = Number(new DataView(lib.readNative(sizeOut, 8).buffer).getBigUint64(0, true));
      if (data === 0 || v.offset + v.sizeBytes > size) {
        throw new Error(`capture: setRodata ${name}: .rodata of ${this.path} is ${size} bytes, variable at ${v.offset}+${v.sizeBytes}`);
      }
      lib.viewNative(data, size).set(bytes, v.offset);
    } finally {
      lib.free(sizeOut);
    }
  }

  /**
   * Writes a global variable of `.data` (a non-const initialised global) of
   * the loaded object, while its programs may be running: the section is one
   * array map entry, read, patched at the variable's BTF offset and written
   * back with one bpf_map_update_elem, which every program sees at once.
   * @throws Error when the variable is unknown, the value does not fit, the
   *   object is not loaded, or the update fails (naming the errno).
   */
  setData(name: string, value: Uint8Array | number | bigint): void {
    this.#expectState('loaded', `setData ${name}`);
    this.#data ??= readDatasec(lib.bpf_object__btf(this.#obj), '.data', this.path);
    const v = this.#data.get(name);
    if (!v) throw new Error(`capture: setData: no variable ${name} in .data of ${this.path} (has: ${[...this.#data.keys()].join(', ')})`);
    const bytes = encodeSetting(name, v.sizeBytes, value);
    const map = this.#map('.data');
    const fd = lib.bpf_map__fd(map);
    const key = new Uint8Array(4);
    const section = new Uint8Array(lib.bpf_map__value_size(map));
    const read = lib.bpf_map_lookup_elem(fd, key, section);
    if (read.value < 0) throw new Error(`capture: setData ${name}: read .data: ${errnoName(read.errno)}`);
    section.set(bytes, v.offset);
    const written = lib.bpf_map_update_elem(fd, key, section, 0);
    if (written.value < 0) throw new Error(`capture: setData ${name}: write .data: ${errnoName(written.errno)}`);
  }

  /**
   * Sets a map's max_entries before `load`; for a ring buffer this is its size
   * in bytes (a power of two, a multiple of the page size).
   * @throws Error when the map is unknown, the size invalid, or the object loaded.
   */
  setMaxEntries(mapName: string, n: number): void {
    this.#expectState('opened', `setMaxEntries ${mapName}`);
    const map = this.#map(mapName);
    if (!Number.isInteger(n) || n <= 0 || n > 0xffffffff) {
      throw new Error(`capture: setMaxEntries ${mapName}: ${n} is not a positive 32-bit integer`);
    }
    if (lib.bpf_map__type(map) === BPF_MAP_TYPE_RINGBUF && (n & (n - 1)) !== 0) {
      throw new Error(`capture: setMaxEntries ${mapName}: a ring buffer's size must be a power of two, got ${n}`);
    }
    const rc = lib.bpf_map__set_max_entries(map, n);
    if (rc < 0) throw new Error(`capture: setMaxEntries ${mapName} to ${n}: ${errnoName(rc)}`);
  }

  /** A map's max_entries (for a ring buffer: its size in bytes). */
  maxEntries(mapName: string): number {
    this.#expectOpen(`maxEntries ${mapName}`);
    return lib.bpf_map__max_entries(this.#map(mapName));
  }

  /**
   * Creates the maps and loads the programs chosen by `setAutoload` into the
   * kernel (verification happens here).
   * @throws VerifierError (with the log) when the verifier rejected a program;
   *   PermissionError when privileges are missing; NotSupportedError when the
   *   kernel refuses the program type (e.g. fentry/lsm loads fail with EPERM on
   *   some kernels even for root); Error otherwise, naming the errno.
   */
  load(): void {
    this.#expectState('opened', 'load');
    const progs = this.#programPointers().filter((p) => lib.bpf_program__autoload(p));
    const logs = new Map<Pointer, Pointer>();
    try {
      for (const p of progs) {
        const buf = lib.malloc(this.#logSizeBytes);
        if (buf === 0) throw new Error(`capture: load ${this.path}: cannot allocate a verifier log buffer`);
        logs.set(p, buf);
        lib.viewNative(buf, 1)[0] = 0;
        // Log level 0: libbpf asks the kernel for a log only when the first
        // attempt fails, and then retries at level 1 into this buffer.
        lib.bpf_program__set_log_buf(p, buf, this.#logSizeBytes);
        lib.bpf_program__set_log_level(p, 0);
      }
      const rc = lib.bpf_object__load(this.#obj);
      if (rc < 0) throw this.#loadError(rc, progs, logs);
      this.#state = 'loaded';
    } finally {
      for (const [p, buf] of logs) {
        lib.bpf_program__set_log_buf(p, 0, 0);
        lib.free(buf);
      }
    }
  }

  /**
   * Attaches every loaded program that is not attached yet, by its section
   * (auto-attach). One failure does not stop the others; the caller decides
   * which failures are fatal.
   */
  attachAll(): AttachReport {
    this.#expectState('loaded', 'attachAll');
    const report: AttachReport = { attached: [], failed: [] };
    for (const p of this.#programPointers()) {
      if (!lib.bpf_program__autoload(p)) continue;
      const program = lib.bpf_program__name(p);
      const section = lib.bpf_program__section_name(p);
      if (this.#links.has(program)) continue;
      const r = lib.bpf_program__attach(p);
      if (r.value !== 0) {
        this.#links.set(program, r.value);
        report.attached.push({ program, section });
      } else {
        report.failed.push({ program, section, error: attachError(program, section, r.errno) });
      }
    }
    return report;
  }

  /** The file descriptor of a map (valid until `close`). */
  mapFd(name: string): number {
    this.#expectState('loaded', `mapFd ${name}`);
    const fd = lib.bpf_map__fd(this.#map(name));
    if (fd < 0) throw new Error(`capture: mapFd ${name}: ${errnoName(fd)}`);
    return fd;
  }

  /**
   * One u64 value per possible CPU of a per-CPU map (array or hash) at a u32
   * key.
   * @throws Error when the map is not per-CPU with 8-byte values, or the lookup fails.
   */
  readPerCpuU64(mapName: string, key: number): bigint[] {
    this.#expectState('loaded', `readPerCpuU64 ${mapName}`);
    const map = this.#map(mapName);
    const what = `readPerCpuU64 ${mapName}[${key}]`;
    if (!PER_CPU_TYPES.has(lib.bpf_map__type(map)) || lib.bpf_map__value_size(map) !== 8 || lib.bpf_map__key_size(map) !== 4) {
      throw new Error(`capture: ${what}: not a per-CPU map with u32 keys and u64 values`);
    }
    possibleCpus ||= lib.libbpf_num_possible_cpus();
    const keyBytes = new Uint8Array(4);
    new DataView(keyBytes.buffer).setUint32(0, key, true);
    const value = new Uint8Array(8 * possibleCpus);
    const r = lib.bpf_map_lookup_elem(lib.bpf_map__fd(map), keyBytes, value);
    if (r.value < 0) throw new Error(`capture: ${what}: ${errnoName(r.errno)}`);
    const dv = new DataView(value.buffer);
    return Array.from({ length: possibleCpus }, (_, cpu) => dv.getBigUint64(cpu * 8, true));
  }

  /** The sum over CPUs of `readPerCpuU64(mapName, key)`. */
  sumPerCpuU64(mapName: string, key: number): bigint {
    return this.readPerCpuU64(mapName, key).reduce((a, b) => a + b, 0n);
  }

  /**
   * The per-CPU counters array summed per slot: element i is slot i
   * (HS_CNT_* in bpf/hindsight.h). Reads `slots` slots, default the map's size.
   */
  readCounters(mapName = 'counters', slots?: number): bigint[] {
    const n = slots ?? this.maxEntries(mapName);
    return Array.from({ length: n }, (_, i) => this.sumPerCpuU64(mapName, i));
  }

  /**
   * Detaches every attached program and keeps the maps, so that what the
   * programs wrote before can still be drained and counted. Idempotent;
   * `attachAll` attaches again.
   */
  detach(): void {
    for (const link of this.#links.values()) lib.bpf_link__destroy(link);
    this.#links.clear();
  }

  /**
   * Detaches every program at once, each on its own thread, and resolves when
   * all are gone: the grace period each tracepoint detach waits for then
   * overlaps (the synchronous `detach` pays them one after another).
   */
  async detachConcurrently(): Promise<void> {
    const links = [...this.#links.values()];
    this.#links.clear();
    await Promise.all(links.map((link) => lib.bpf_link__destroy_in_thread(link)));
  }

  /** Detaches every program and frees the object (maps and programs go when their last user closes). Idempotent. */
  close(): void {
    if (this.#state === 'closed') return;
    this.detach();
    lib.bpf_object__close(this.#obj);
    this.#obj = 0;
    this.#state = 'closed';
  }

  #loadError(rc: number, progs: Pointer[], logs: Map<Pointer, Pointer>): Error {
    const errno = errnoName(rc);
    for (const p of progs) {
      const buf = logs.get(p);
      if (!buf || lib.bpf_program__fd(p) >= 0) continue;
      const log = readCString(buf, this.#logSizeBytes);
      if (log.length > 0) return new VerifierError(lib.bpf_program__name(p), lib.bpf_program__section_name(p), errno, log);
    }
    // No log: the kernel refused before the verifier ran. libbpf loads in ELF
    // order and stops at the first failure.
    const failed = progs.find((p) => lib.bpf_program__fd(p) < 0);
    const program = failed ? lib.bpf_program__name(failed) : '(maps)';
    const section = failed ? lib.bpf_program__section_name(failed) : '';
    const what = `load ${this.path}: stopped at ${program}${section ? ` (${section})` : ''}: ${errno}`;
    if (errno === 'EPERM' || errno === 'EACCES') {
      try {
        checkPrivileges();
      } catch (e) {
        if (e instanceof PermissionError) return new PermissionError(`${what}: ${e.message.replace(/^capture: /, '')}`, e.missing);
        throw e;
      }
      return new NotSupportedError(program, section,
        `the kernel refused to load it (${errno}) although this process has CAP_BPF and CAP_PERFMON; ` +
        'this program type is not allowed on this kernel (locked down or not built in); RLIMIT_MEMLOCK is not the cause. ' +
        'Disable it with setAutoload(name, false)');
    }
    if (UNSUPPORTED_ERRNOS.has(errno)) {
      return new NotSupportedError(program, section, `the kernel lacks its hook or program type (${errno})`);
    }
    return new Error(`capture: ${what}`);
  }

  #programPointers(): Pointer[] {
    this.#expectOpen('list programs');
    const out: Pointer[] = [];
    for (let p = lib.bpf_object__next_program(this.#obj, 0); p !== 0; p = lib.bpf_object__next_program(this.#obj, p)) out.push(p);
    return out;
  }

  #map(name: string): Pointer {
    const m = lib.bpf_object__find_map_by_name(this.#obj, name);
    if (m === 0) throw new Error(`capture: no map ${name} in ${this.path}`);
    return m;
  }

  #rodataVariables(): Map<string, Variable> {
    this.#rodata ??= readDatasec(lib.bpf_object__btf(this.#obj), '.rodata', this.path);
    return this.#rodata;
  }

  #expectOpen(what: string): void {
    if (this.#state === 'closed') throw new Error(`capture: ${what}: ${this.path} is closed`);
  }

  #expectState(state: 'opened' | 'loaded', what: string): void {
    this.#expectOpen(what);
    if (this.#state !== state) {
      throw new Error(`capture: ${what}: ${this.path} is ${this.#state}, must be ${state}`);
    }
  }
}

/** Reads the variables (name -> offset, size) of a BTF DATASEC such as ".rodata". */
function readDatasec(btf: Pointer, section: string, path: string): Map<string, Variable> {
  if (btf === 0) throw new Error(`capture: ${path} has no BTF (build it with clang -g)`);
  const id = lib.btf__find_by_name_kind(btf, section, lib.BTF_KIND_DATASEC);
  if (id < 0) throw new Error(`capture: ${path} has no ${section} section (no const volatile settings)`);
  // struct btf_type { __u32 name_off; __u32 info; __u32 size; } then
  // vlen x struct btf_var_secinfo { __u32 type; __u32 offset; __u32 size; }
  const t = lib.btf__type_by_id(btf, id);
  const info = new DataView(lib.readNative(t, 12).buffer).getUint32(4, true);
  const vlen = info & 0xffff;
  const secinfo = new DataView(lib.readNative(t + 12, 12 * vlen).buffer);
  const vars = new Map<string, Variable>();
  for (let i = 0; i < vlen; i++) {
    const type = secinfo.getUint32(i * 12, true);
    const varType = new DataView(lib.readNative(lib.btf__type_by_id(btf, type), 12).buffer);
    const name = lib.btf__name_by_offset(btf, varType.getUint32(0, true));
    vars.set(name, { offset: secinfo.getUint32(i * 12 + 4, true), sizeBytes: secinfo.getUint32(i * 12 + 8, true) });
  }
  return vars;
}

/** The little-endian bytes of a setting, checked against the variable's size. */
function encodeSetting(name: string, sizeBytes: number, value: Uint8Array | number | bigint): Uint8Array {
  if (value instanceof Uint8Array) {
    if (value.length > sizeBytes) {
      throw new Error(`capture: setRodata ${name}: ${value.length} bytes do not fit in ${sizeBytes}`);
    }
    const out = new Uint8Array(sizeBytes);
    out.set(value);
    return out;
  }
  if (![1, 2, 4, 8].includes(sizeBytes)) {
    throw new Error(`capture: setRodata ${name}: a ${sizeBytes}-byte variable takes bytes, not a number`);
  }
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new Error(`capture: setRodata ${name}: ${value} is not a safe integer (use a bigint)`);
  }
  const v = BigInt(value);
  const bits = BigInt(sizeBytes * 8);
  if (v >= 1n << bits || v < -(1n << (bits - 1n))) {
    throw new Error(`capture: setRodata ${name}: ${value} does not fit in ${sizeBytes} bytes`);
  }
  const out = new Uint8Array(sizeBytes);
  let u = BigInt.asUintN(sizeBytes * 8, v);
  for (let i = 0; i < sizeBytes; i++, u >>= 8n) out[i] = Number(u & 0xffn);
  return out;
}

/** Why a program did not attach, as the error callers branch on. */
function attachError(program: string, section: string, errno: number): Error {
  const name = errnoName(errno);
  const tp = /^(?:tracepoint|tp)\/([^/]+)\/([^/]+)$/.exec(section);
  if (tp) {
    if (!existsSync('/sys/kernel/tracing/events') && !existsSync('/sys/kernel/debug/tracing/events')) {
      return new Error(`capture: attach ${program} (${section}): ${name}: tracefs is not mounted (call ensureTracefs first)`);
    }
    if (!existsSync(`/sys/kernel/tracing/events/${tp[1]}/${tp[2]}`) && !existsSync(`/sys/kernel/debug/tracing/events/${tp[1]}/${tp[2]}`)) {
      return new NotSupportedError(program, section, `tracepoint ${tp[1]}/${tp[2]} does not exist in this kernel (${name})`);
    }
  }
  if (UNSUPPORTED_ERRNOS.has(name)) return new NotSupportedError(program, section, `the kernel lacks this hook (${name})`);
  if (name === 'EPERM' || name === 'EACCES') {
    return new PermissionError(`attach ${program} (${section}): ${name}`, []);
  }
  return new Error(`capture: attach ${program} (${section}): ${name}`);
}

/** A NUL-terminated string from native memory, at most `max` bytes. */
function readCString(ptr: Pointer, max: number): string {
  const view = lib.viewNative(ptr, max);
  let end = view.indexOf(0);
  if (end < 0) end = max;
  return Buffer.from(view.subarray(0, end)).toString('utf8');
}
