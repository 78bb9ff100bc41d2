/**
 * Byte layout of the records in bpf/hindsight.h, as the decoder reads them.
 *
 * Every offset here is checked against the BTF of the built BPF object by
 * test/events/layout.test.ts (the way tetragon's alignchecker does), so a
 * change to the C structs that is not mirrored here fails the suite instead
 * of silently corrupting data.
 */

/** Wire version of bpf/hindsight.h (HS_WIRE_VERSION). */
export const WIRE_VERSION = 1;

/** Field offsets in bytes from the start of a record, and struct sizes. */
export const LAYOUT = {
  hs_str: { size: 4, fields: { off: 0, len: 2 } },
  hs_header: {
    size: 80,
    fields: {
      kind: 0, size: 2, syscall: 4, flags: 6, ktime_ns: 8, start_ns: 16, parent_start_ns: 24,
      cgroup_id: 32, pid: 40, tid: 44, ppid: 48, uid: 52, gid: 56, euid: 60, comm: 64,
    },
  },
  hs_exec: {
    size: 176,
    fields: {
      h: 0, ret: 80, old_tid: 84, egid: 88, loginuid: 92, sessionid: 96, tty_nr: 100, exe_ino: 104,
      exe_mtime_ns: 112, exe_size: 120, exe_dev: 128, exe_nlink: 132, argc: 136, argv_bytes: 140,
      sid: 144, _pad0: 148, exe: 152, filename: 156, interp: 160, argv: 164, cwd: 168, tty: 172,
    },
  },
  hs_fork: { size: 96, fields: { h: 0, child_start_ns: 80, child_pid: 88, child_tid: 92 } },
  hs_exit: { size: 88, fields: { h: 0, exit_code: 80, _pad0: 84 } },
  hs_file: {
    size: 160,
    fields: {
      h: 0, ret: 80, dirfd: 88, dirfd2: 92, flags: 96, mode: 100, uid_arg: 104, gid_arg: 108, ino: 112,
      size_arg: 120, dev: 128, _pad0: 132, path: 136, path_arg: 140, base: 144, path2_arg: 148, base2: 152,
    },
  },
  hs_net: {
    size: 160,
    fields: {
      h: 0, ret: 80, fd: 88, family: 92, protocol: 94, sock_type: 96, sport: 98, dport: 100,
      old_state: 102, new_state: 104, _pad0: 106, backlog: 108, saddr: 112, daddr: 128,
      sock_cookie: 144, unix_path: 152, payload: 156,
    },
  },
  hs_sec: {
    size: 128,
    fields: { h: 0, ret: 80, arg0: 88, arg1: 96, arg2: 104, arg3: 112, str: 120, path: 124 },
  },
} as const;

/** enum hs_kind: kind codes are never reused. */
export const KIND = {
  EXEC: 1, EXEC_FAIL: 2, FORK: 3, EXIT: 4,
  OPEN: 10, UNLINK: 11, RENAME: 12, CHMOD: 13, CHOWN: 14, MKDIR: 15, LINK: 16, SYMLINK: 17, TRUNCATE: 18,
  CONNECT: 30, ACCEPT: 31, BIND: 32, LISTEN: 33, TCP_STATE: 34, DNS: 35,
  PTRACE: 50, SETUID: 51, SETGID: 52, MEMFD: 53, MODULE: 54, BPF_PROG: 55,
} as const;

/** hs_header.flags bits (HS_F_*). */
export const FLAG = {
  THREAD: 1 << 0,
  ARGV_TRUNC: 1 << 1,
  PATH_TRUNC: 1 << 2,
  EXE_DELETED: 1 << 3,
  GROUP_DEAD: 1 << 4,
  SOFTIRQ: 1 << 5,
  STR_FAULT: 1 << 6,
} as const;

/** Slots of the per-CPU `counters` map (enum hs_counter). */
export const COUNTER = {
  EMITTED: 0, LOST_RING: 1, LOST_STASH: 2, PATH_TRUNC: 3, FILTERED: 4, MAX: 8,
} as const;

export const HS_NO_SYSCALL = 0xffff;
export const HS_COMM_LEN = 16;
export const HS_PATH_MAX = 4096;
export const HS_ARGV_MAX = 16384;
export const HS_RO_PREFIXES = 8;
export const HS_RO_PREFIX_LEN = 64;
