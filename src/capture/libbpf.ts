/**
 * Thin 1:1 ffi-rs bindings to libbpf 1.x (libbpf.so.1) and the few libc calls
 * the capture layer needs (mmap, munmap, malloc, free, mount, sysconf,
 * clock_gettime). This is
 * the only module in hindsight that imports ffi-rs.
 *
 * Each binding keeps the C name and has the C prototype above it. Pointers
 * travel as plain numbers (`Pointer`, 0 is NULL: user-space addresses on
 * x86_64 fit in 47 bits, so a JS number holds them exactly). Calls that report
 * failure through errno (libbpf 1.x returns NULL and sets errno) return
 * `{ value, errno }`, read by ffi-rs right after the call; calls returning
 * -errno return the plain number. Nothing here throws on a C-level failure:
 * the classes above decide what an outcome means. An ffi call costs about
 * 5-9 us, so none of these belong in a per-event path.
 *
 * The libraries are opened on first use; if libbpf.so.1 is missing the call
 * throws an error naming the fix (`apt-get install libbpf1`).
 */
import ffi from 'ffi-rs';
import type { JsExternal } from 'ffi-rs';

const { DataType, load, open, createExternalBuffer } = ffi;

/** A native address as a number; 0 is NULL. */
export type Pointer = number;

/** A result plus the errno captured right after the call (0 when unset). */
export interface WithErrno<T> {
  value: T;
  errno: number;
}

/** Where libbpf is loaded from: Debian's libbpf1 package. */
export const LIBBPF_PATH = 'libbpf.so.1';
const LIBC_PATH = 'libc.so.6';

let opened = false;

function ensureOpen(): void {
  if (opened) return;
  try {
    open({ library: 'libc', path: LIBC_PATH });
  } catch (cause) {
    throw new Error(`capture: cannot open ${LIBC_PATH}`, { cause });
  }
  try {
    open({ library: 'libbpf', path: LIBBPF_PATH });
  } catch (cause) {
    throw new Error(
      `capture: cannot open ${LIBBPF_PATH} (libbpf 1.x runtime): install it with: apt-get install libbpf1`,
      { cause },
    );
  }
  opened = true;
}

type Lib = 'libbpf' | 'libc';
type Param = { type: number; value: unknown };

const P = (value: Pointer): Param => ({ type: DataType.U64, value });
const I32 = (value: number): Param => ({ type: DataType.I32, value });
const U32 = (value: number): Param => ({ type: DataType.U32, value });
const U64 = (value: number): Param => ({ type: DataType.U64, value });
const STR = (value: string): Param => ({ type: DataType.String, value });
const BOOL = (value: boolean): Param => ({ type: DataType.Boolean, value });
const BYTES = (value: Uint8Array): Param => ({ type: DataType.U8Array, value });

function call<T>(library: Lib, funcName: string, retType: number, params: Param[]): T {
  ensureOpen();
  return load({
    library,
    funcName,
    retType,
    paramsType: params.map((p) => p.type),
    paramsValue: params.map((p) => p.value),
  } as never) as T;
}

function callErrno<T>(library: Lib, funcName: string, retType: number, params: Param[]): WithErrno<T> {
  ensureOpen();
  const r = load({
    library,
    funcName,
    retType,
    paramsType: params.map((p) => p.type),
    paramsValue: params.map((p) => p.value),
    errno: true,
  } as never) as unknown as { value: T; errnoCode: number };
  return { value: r.value, errno: r.errnoCode };
}

// ---- objects ---------------------------------------------------------------

// struct bpf_object *bpf_object__open_file(const char *path, const struct bpf_object_open_opts *opts);
export function bpf_object__open_file(path: string): WithErrno<Pointer> {
  return callErrno('libbpf', 'bpf_object__open_file', DataType.U64, [STR(path), P(0)]);
}

// int bpf_object__load(struct bpf_object *obj);   (returns -errno)
export function bpf_object__load(obj: Pointer): number {
  return call('libbpf', 'bpf_object__load', DataType.I32, [P(obj)]);
}

// void bpf_object__close(struct bpf_object *obj);
export function bpf_object__close(obj: Pointer): void {
  call('libbpf', 'bpf_object__close', DataType.Void, [P(obj)]);
}

// struct bpf_map *bpf_object__find_map_by_name(const struct bpf_object *obj, const char *name);
export function bpf_object__find_map_by_name(obj: Pointer, name: string): Pointer {
  return call('libbpf', 'bpf_object__find_map_by_name', DataType.U64, [P(obj), STR(name)]);
}

// struct bpf_program *bpf_object__find_program_by_name(const struct bpf_object *obj, const char *name);
export function bpf_object__find_program_by_name(obj: Pointer, name: string): Pointer {
  return call('libbpf', 'bpf_object__find_program_by_name', DataType.U64, [P(obj), STR(name)]);
}

// struct bpf_program *bpf_object__next_program(const struct bpf_object *obj, struct bpf_program *prog);
export function bpf_object__next_program(obj: Pointer, prev: Pointer): Pointer {
  return call('libbpf', 'bpf_object__next_program', DataType.U64, [P(obj), P(prev)]);
}

// struct btf *bpf_object__btf(const struct bpf_object *obj);
export function bpf_object__btf(obj: Pointer): Pointer {
  return call('libbpf', 'bpf_object__btf', DataType.U64, [P(obj)]);
}

// ---- programs --------------------------------------------------------------

// const char *bpf_program__name(const struct bpf_program *prog);
export function bpf_program__name(prog: Pointer): string {
  return call('libbpf', 'bpf_program__name', DataType.String, [P(prog)]);
}

// const char *bpf_program__section_name(const struct bpf_program *prog);
export function bpf_program__section_name(prog: Pointer): string {
  return call('libbpf', 'bpf_program__section_name', DataType.String, [P(prog)]);
}

// bool bpf_program__autoload(const struct bpf_program *prog);
export function bpf_program__autoload(prog: Pointer): boolean {
  return call('libbpf', 'bpf_program__autoload', DataType.Boolean, [P(prog)]);
}

// int bpf_program__set_autoload(struct bpf_program *prog, bool autoload);   (returns -errno)
export function bpf_program__set_autoload(prog: Pointer, autoload: boolean): number {
  return call('libbpf', 'bpf_program__set_autoload', DataType.I32, [P(prog), BOOL(autoload)]);
}

// int bpf_program__fd(const struct bpf_program *prog);   (-errno when not loaded)
export function bpf_program__fd(prog: Pointer): number {
  return call('libbpf', 'bpf_program__fd', DataType.I32, [P(prog)]);
}

// int bpf_program__set_log_buf(struct bpf_program *prog, char *log_buf, size_t log_size);
export function bpf_program__set_log_buf(prog: Pointer, buf: Pointer, sizeBytes: number): number {
  return call('libbpf', 'bpf_program__set_log_buf', DataType.I32, [P(prog), P(buf), U64(sizeBytes)]);
}

// int bpf_program__set_log_level(struct bpf_program *prog, __u32 log_level);
export function bpf_program__set_log_level(prog: Pointer, level: number): number {
  return call('libbpf', 'bpf_program__set_log_level', DataType.I32, [P(prog), U32(level)]);
}

// struct bpf_link *bpf_program__attach(const struct bpf_program *prog);
export function bpf_program__attach(prog: Pointer): WithErrno<Pointer> {
  return callErrno('libbpf', 'bpf_program__attach', DataType.U64, [P(prog)]);
}

// int bpf_link__destroy(struct bpf_link *link);
export function bpf_link__destroy(link: Pointer): number {
  return call('libbpf', 'bpf_link__destroy', DataType.I32, [P(link)]);
}

/**
 * bpf_link__destroy on an ffi-rs worker thread. Destroying a tracepoint link
 * waits for an RCU grace period (tens of ms); run many at once so the waits
 * overlap instead of adding up (98 links: about 7 s one by one).
 */
export function bpf_link__destroy_in_thread(link: Pointer): Promise<number> {
  ensureOpen();
  return load({
    library: 'libbpf',
    funcName: 'bpf_link__destroy',
    retType: DataType.I32,
    paramsType: [DataType.U64],
    paramsValue: [link],
    runInNewThread: true,
  }) as unknown as Promise<number>;
}

// ---- maps ------------------------------------------------------------------

// int bpf_map__fd(const struct bpf_map *map);
export function bpf_map__fd(map: Pointer): number {
  return call('libbpf', 'bpf_map__fd', DataType.I32, [P(map)]);
}

// enum bpf_map_type bpf_map__type(const struct bpf_map *map);
export function bpf_map__type(map: Pointer): number {
  return call('libbpf', 'bpf_map__type', DataType.I32, [P(map)]);
}

// __u32 bpf_map__max_entries(const struct bpf_map *map);
export function bpf_map__max_entries(map: Pointer): number {
  return call('libbpf', 'bpf_map__max_entries', DataType.U32, [P(map)]);
}

// int bpf_map__set_max_entries(struct bpf_map *map, __u32 max_entries);   (returns -errno)
export function bpf_map__set_max_entries(map: Pointer, maxEntries: number): number {
  return call('libbpf', 'bpf_map__set_max_entries', DataType.I32, [P(map), U32(maxEntries)]);
}

// __u32 bpf_map__key_size(const struct bpf_map *map);
export function bpf_map__key_size(map: Pointer): number {
  return call('libbpf', 'bpf_map__key_size', DataType.U32, [P(map)]);
}

// __u32 bpf_map__value_size(const struct bpf_map *map);
export function bpf_map__value_size(map: Pointer): number {
  return call('libbpf', 'bpf_map__value_size', DataType.U32, [P(map)]);
}

// const void *bpf_map__initial_value(struct bpf_map *map, size_t *psize);
// `sizeOut` must point at 8 writable bytes.
export function bpf_map__initial_value(map: Pointer, sizeOut: Pointer): Pointer {
  return call('libbpf', 'bpf_map__initial_value', DataType.U64, [P(map), P(sizeOut)]);
}

// int bpf_map__set_initial_value(struct bpf_map *map, const void *data, size_t size);   (returns -errno)
export function bpf_map__set_initial_value(map: Pointer, data: Uint8Array): number {
  return call('libbpf', 'bpf_map__set_initial_value', DataType.I32, [P(map), BYTES(data), U64(data.length)]);
}

// int bpf_map_lookup_elem(int fd, const void *key, void *value);   (returns -errno, sets errno)
// `value` is written in place.
export function bpf_map_lookup_elem(fd: number, key: Uint8Array, value: Uint8Array): WithErrno<number> {
  return callErrno('libbpf', 'bpf_map_lookup_elem', DataType.I32, [I32(fd), BYTES(key), BYTES(value)]);
}

// int bpf_map_update_elem(int fd, const void *key, const void *value, __u64 flags);   (returns -errno, sets errno)
export function bpf_map_update_elem(fd: number, key: Uint8Array, value: Uint8Array, flags: number): WithErrno<number> {
  return callErrno('libbpf', 'bpf_map_update_elem', DataType.I32, [I32(fd), BYTES(key), BYTES(value), U64(flags)]);
}

// int libbpf_num_possible_cpus(void);
export function libbpf_num_possible_cpus(): number {
  return call('libbpf', 'libbpf_num_possible_cpus', DataType.I32, []);
}

// libbpf_print_fn_t libbpf_set_print(libbpf_print_fn_t fn);
// Only for NULL (silence) and a pointer it returned earlier (restore): a JS
// callback cannot format libbpf's va_list, as ffi-rs runs callbacks later.
export function libbpf_set_print(fn: Pointer): Pointer {
  return call('libbpf', 'libbpf_set_print', DataType.U64, [P(fn)]);
}

// ---- BTF -------------------------------------------------------------------

/** enum btf_kind values used here (linux/btf.h). */
export const BTF_KIND_VAR = 14;
export const BTF_KIND_DATASEC = 15;

// __s32 btf__find_by_name_kind(const struct btf *btf, const char *type_name, __u32 kind);
export function btf__find_by_name_kind(btf: Pointer, name: string, kind: number): number {
  return call('libbpf', 'btf__find_by_name_kind', DataType.I32, [P(btf), STR(name), U32(kind)]);
}

// const struct btf_type *btf__type_by_id(const struct btf *btf, __u32 id);
export function btf__type_by_id(btf: Pointer, id: number): Pointer {
  return call('libbpf', 'btf__type_by_id', DataType.U64, [P(btf), U32(id)]);
}

// const char *btf__name_by_offset(const struct btf *btf, __u32 offset);
export function btf__name_by_offset(btf: Pointer, offset: number): string {
  return call('libbpf', 'btf__name_by_offset', DataType.String, [P(btf), U32(offset)]);
}

// ---- libc ------------------------------------------------------------------

/** mmap(2) constants (x86_64). */
export const PROT_READ = 0x1;
export const PROT_WRITE = 0x2;
export const MAP_SHARED = 0x01;
const SC_PAGESIZE = 30;

// void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset);
// MAP_FAILED ((void *)-1) comes back as -1 (ffi-rs converts U64 results through i64); see isMapFailed.
export function mmap(length: number, prot: number, flags: number, fd: number, offset: number): WithErrno<Pointer> {
  return callErrno('libc', 'mmap', DataType.U64, [P(0), U64(length), I32(prot), I32(flags), I32(fd), U64(offset)]);
}

/** True when an mmap result is MAP_FAILED. */
export function isMapFailed(p: Pointer): boolean {
  return p === -1 || p >= 2 ** 63;
}

// int munmap(void *addr, size_t length);
export function munmap(addr: Pointer, length: number): WithErrno<number> {
  return callErrno('libc', 'munmap', DataType.I32, [P(addr), U64(length)]);
}

// void *malloc(size_t size);
export function malloc(size: number): Pointer {
  return call('libc', 'malloc', DataType.U64, [U64(size)]);
}

// void free(void *ptr);
export function free(ptr: Pointer): void {
  call('libc', 'free', DataType.Void, [P(ptr)]);
}

// long sysconf(int name);   with _SC_PAGESIZE
export function sysconf_pagesize(): number {
  return call('libc', 'sysconf', DataType.I64, [I32(SC_PAGESIZE)]);
}

// int mount(const char *source, const char *target, const char *filesystemtype,
//           unsigned long mountflags, const void *data);
export function mount(source: string, target: string, fsType: string): WithErrno<number> {
  return callErrno('libc', 'mount', DataType.I32, [STR(source), STR(target), STR(fsType), U64(0), P(0)]);
}

/** clockid_t values (linux/time.h). */
export const CLOCK_REALTIME = 0;
export const CLOCK_BOOTTIME = 7;

// int clock_gettime(clockid_t clockid, struct timespec *tp);
// `timespec` (16 bytes: tv_sec, tv_nsec as 64-bit) is written in place.
export function clock_gettime(clockId: number, timespec: Uint8Array): number {
  return call('libc', 'clock_gettime', DataType.I32, [I32(clockId), BYTES(timespec)]);
}

// void *memmove(void *dest, const void *src, size_t n);
// Called with n = 0 it returns dest unchanged: the way to turn a number into
// the External that createExternalBuffer needs.
function toExternal(ptr: Pointer): JsExternal {
  return call('libc', 'memmove', DataType.External, [P(ptr), P(ptr), U64(0)]);
}

/**
 * A zero-copy view of `length` bytes of native memory at `ptr`. The view does
 * not own the memory: using it after the memory is freed or unmapped crashes
 * the process.
 */
export function viewNative(ptr: Pointer, length: number): Uint8Array {
  if (ptr === 0) throw new Error('capture: viewNative of a NULL pointer');
  const b = createExternalBuffer(toExternal(ptr), length);
  return new Uint8Array(b.buffer, b.byteOffset, length);
}

/** A copy of `length` bytes of native memory at `ptr`. */
export function readNative(ptr: Pointer, length: number): Uint8Array {
  return viewNative(ptr, length).slice();
}
