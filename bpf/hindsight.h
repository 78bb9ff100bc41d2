/* SPDX-License-Identifier: (Apache-2.0 OR GPL-2.0) */
/*
 * hindsight.h: the kernel/user wire contract.
 *
 * Every record written to the `events` ring buffer starts with struct
 * hs_header, followed by the kind's fixed part and then a variable area of
 * strings. A string field is a struct hs_str: an offset from the start of the
 * record and a length in bytes (no NUL terminator is counted; the bytes are
 * raw, never assumed to be UTF-8).
 *
 * Rules (checked by test/capture/layout.test.ts against the BTF of the built
 * object, so the TypeScript decoder never keeps an offset by hand):
 *   - fixed-width fields only, explicit padding, no bool/int/long;
 *   - kind codes are never reused; a new field goes at the end of a struct,
 *     before the string area, and bumps HS_WIRE_VERSION.
 *
 * Included by BPF code (after vmlinux.h) only.
 */
#ifndef HINDSIGHT_H
#define HINDSIGHT_H

#define HS_WIRE_VERSION 1

#define HS_COMM_LEN 16
#define HS_PATH_MAX 4096       /* longest path the dentry walk emits */
#define HS_ARGV_MAX 16384      /* hard ceiling for the argv_max setting */
#define HS_PAYLOAD_MAX 512     /* DNS payload bytes copied */
#define HS_NO_SYSCALL 0xffff   /* hs_header.syscall for non-syscall events */

enum hs_kind {
	HS_EXEC = 1,       /* struct hs_exec, successful execve/execveat */
	HS_EXEC_FAIL = 2,  /* struct hs_exec, execve/execveat returning < 0 */
	HS_FORK = 3,       /* struct hs_fork, in the parent's context */
	HS_EXIT = 4,       /* struct hs_exit, last thread of a process exits */

	HS_OPEN = 10,      /* struct hs_file: open, openat, openat2, creat */
	HS_UNLINK = 11,    /* struct hs_file: unlink, unlinkat, rmdir */
	HS_RENAME = 12,    /* struct hs_file: rename, renameat, renameat2 */
	HS_CHMOD = 13,     /* struct hs_file: chmod, fchmod, fchmodat, fchmodat2 */
	HS_CHOWN = 14,     /* struct hs_file: chown, lchown, fchown, fchownat */
	HS_MKDIR = 15,     /* struct hs_file: mkdir, mkdirat */
	HS_LINK = 16,      /* struct hs_file: link, linkat */
	HS_SYMLINK = 17,   /* struct hs_file: symlink, symlinkat */
	HS_TRUNCATE = 18,  /* struct hs_file: truncate, ftruncate */

	HS_CONNECT = 30,   /* struct hs_net: connect */
	HS_ACCEPT = 31,    /* struct hs_net: accept, accept4 */
	HS_BIND = 32,      /* struct hs_net: bind */
	HS_LISTEN = 33,    /* struct hs_net: listen */
	HS_TCP_STATE = 34, /* struct hs_net: sock/inet_sock_set_state, TCP only */
	HS_DNS = 35,       /* struct hs_net: UDP sendto/sendmsg/sendmmsg to port 53 */

	HS_PTRACE = 50,    /* struct hs_sec: ptrace attach/seize/traceme/poke/setregs */
	HS_SETUID = 51,    /* struct hs_sec: setuid, setreuid, setresuid, setfsuid */
	HS_SETGID = 52,    /* struct hs_sec: setgid, setregid, setresgid, setfsgid */
	HS_MEMFD = 53,     /* struct hs_sec: memfd_create */
	HS_MODULE = 54,    /* struct hs_sec: init_module, finit_module, delete_module */
	HS_BPF_PROG = 55,  /* struct hs_sec: bpf(BPF_PROG_LOAD) */
};

/* hs_header.flags */
#define HS_F_THREAD        (1 << 0) /* fork: the child is a thread (CLONE_THREAD) */
#define HS_F_ARGV_TRUNC    (1 << 1) /* exec: argv longer than argv_max */
#define HS_F_PATH_TRUNC    (1 << 2) /* a path was longer than HS_PATH_MAX or deeper than the walk limit */
#define HS_F_EXE_DELETED   (1 << 3) /* exec: the executable's inode has no links (deleted, memfd) */
#define HS_F_GROUP_DEAD    (1 << 4) /* exit: the whole thread group is gone */
#define HS_F_SOFTIRQ       (1 << 5) /* tcp_state: fired outside process context; pid/comm are not the socket's owner */
#define HS_F_STR_FAULT     (1 << 6) /* a user string could not be read (page not present) */

/* Slots of the per-CPU `counters` array map (__u64 each); summed by user space. */
enum hs_counter {
	HS_CNT_EMITTED = 0,      /* records written to the ring */
	HS_CNT_LOST_RING = 1,    /* records dropped: ring buffer full */
	HS_CNT_LOST_STASH = 2,   /* syscalls not recorded: the enter->exit stash map was full */
	HS_CNT_PATH_TRUNC = 3,   /* paths cut at HS_PATH_MAX or the walk's depth limit */
	HS_CNT_FILTERED = 4,     /* records skipped by the read-only prefix filter */
	HS_CNT_MAX = 8,
};

/*
 * Load-time settings (const volatile, .rodata), set by user space before load:
 *   __u32 self_tgid          events of this process are not recorded (the recorder)
 *   __u32 argv_max           bytes of argv copied, <= HS_ARGV_MAX
 *   __u32 ro_prefix_count    number of read-only-open prefixes in use, <= HS_RO_PREFIXES
 *   __u32 ro_prefix_len[HS_RO_PREFIXES]
 *   char  ro_prefixes[HS_RO_PREFIXES][HS_RO_PREFIX_LEN]
 * An open whose flags are O_RDONLY and whose resolved path starts with one of
 * the prefixes is not recorded (counted in HS_CNT_FILTERED).
 *
 * Run-time switch (.data, written with bpf_map_update_elem after load):
 *   __u32 capture_paused     1 (the initial value): record nothing; 0: record
 */
#define HS_RO_PREFIXES 8
#define HS_RO_PREFIX_LEN 64

struct hs_str {
	__u16 off; /* from the start of the record */
	__u16 len; /* bytes */
};

struct hs_header {
	__u16 kind;            /* enum hs_kind */
	__u16 size;            /* bytes of the whole record, header and strings included */
	__u16 syscall;         /* x86_64 syscall number, or HS_NO_SYSCALL */
	__u16 flags;           /* HS_F_* */
	__u64 ktime_ns;        /* bpf_ktime_get_boot_ns(): CLOCK_BOOTTIME */
	__u64 start_ns;        /* current->group_leader->start_boottime: the process key's time */
	__u64 parent_start_ns; /* current->real_parent->group_leader->start_boottime */
	__u64 cgroup_id;       /* bpf_get_current_cgroup_id(), cgroup v2 */
	__u32 pid;             /* tgid */
	__u32 tid;             /* kernel pid of the thread */
	__u32 ppid;            /* real_parent->tgid */
	__u32 uid;             /* real uid, in the initial user namespace */
	__u32 gid;             /* real gid */
	__u32 euid;            /* effective uid */
	char comm[HS_COMM_LEN];
};

struct hs_exec {
	struct hs_header h;
	__s32 ret;          /* 0, or -errno for HS_EXEC_FAIL */
	__u32 old_tid;      /* sched_process_exec old_pid: the thread that called exec */
	__u32 egid;
	__u32 loginuid;     /* (u32)-1 when unset */
	__u32 sessionid;    /* (u32)-1 when unset */
	__u32 tty_nr;       /* new_encode_dev(major, minor) of the controlling tty, 0 when none */
	__u64 exe_ino;      /* inode of bprm->file */
	__u64 exe_mtime_ns; /* its mtime */
	__u64 exe_size;     /* its i_size */
	__u32 exe_dev;      /* its superblock s_dev (kernel encoding: major << 20 | minor) */
	__u32 exe_nlink;
	__u32 argc;
	__u32 argv_bytes;   /* full length of the argument area, may exceed argv.len */
	__u32 sid;          /* session id: task's PIDTYPE_SID pid number in the initial namespace */
	__u32 _pad0;
	struct hs_str exe;      /* absolute path of bprm->file, resolved by a dentry walk */
	struct hs_str filename; /* bprm->filename as passed to exec (the script for #!) */
	struct hs_str interp;   /* bprm->interp (differs from filename for #! and binfmt_misc) */
	struct hs_str argv;     /* NUL-separated arguments, at most argv_max bytes */
	struct hs_str cwd;      /* absolute path of fs->pwd */
	struct hs_str tty;      /* tty->name, e.g. "pts3" */
};

struct hs_fork {
	struct hs_header h;     /* the parent's context */
	__u64 child_start_ns;   /* child->group_leader->start_boottime */
	__u32 child_pid;        /* child->tgid */
	__u32 child_tid;        /* child->pid */
};

struct hs_exit {
	struct hs_header h;
	__u32 exit_code;        /* wait status: (code << 8) | termsig, 0x80 set when core dumped */
	__u32 _pad0;
};

struct hs_file {
	struct hs_header h;
	__s64 ret;              /* syscall return value */
	__s32 dirfd;            /* dirfd of *at calls, fd of f* calls, AT_FDCWD (-100) otherwise */
	__s32 dirfd2;           /* newdirfd of renameat/linkat/symlinkat */
	__u32 flags;            /* open flags, unlinkat/renameat2/linkat/fchmodat/fchownat flags */
	__u32 mode;             /* open/creat/mkdir/chmod mode */
	__u32 uid_arg;          /* chown owner ((u32)-1 = unchanged) */
	__u32 gid_arg;          /* chown group */
	__u64 ino;              /* inode of the resolved file, 0 when not resolved */
	__u64 size_arg;         /* truncate length */
	__u32 dev;              /* s_dev of the resolved file */
	__u32 _pad0;
	struct hs_str path;     /* absolute path resolved in the kernel from the result fd (opens) or fd (f* calls) */
	struct hs_str path_arg; /* the user's path argument: the file acted on (oldpath for rename/link, linkpath for symlink) */
	struct hs_str base;     /* absolute path of the directory a relative path_arg starts from (dirfd or cwd) */
	struct hs_str path2_arg;/* rename/link newpath; symlink target text */
	struct hs_str base2;    /* directory a relative path2_arg starts from */
};

struct hs_net {
	struct hs_header h;
	__s64 ret;
	__s32 fd;
	__u16 family;           /* AF_INET 2, AF_INET6 10, AF_UNIX 1 */
	__u16 protocol;         /* IPPROTO_TCP 6, IPPROTO_UDP 17, 0 unknown */
	__u16 sock_type;        /* SOCK_STREAM 1, SOCK_DGRAM 2 */
	__u16 sport;            /* host byte order */
	__u16 dport;            /* host byte order */
	__u16 old_state;        /* TCP state before (tcp_state) */
	__u16 new_state;        /* TCP state after (tcp_state) */
	__u16 _pad0;
	__u32 backlog;          /* listen */
	__u8 saddr[16];         /* local address; IPv4 in the first 4 bytes, network order */
	__u8 daddr[16];         /* remote address */
	__u64 sock_cookie;      /* bpf_get_socket_cookie or the sock pointer, to join events of one socket */
	struct hs_str unix_path;/* AF_UNIX sun_path (abstract names start with NUL) */
	struct hs_str payload;  /* dns: the first HS_PAYLOAD_MAX bytes sent */
};

struct hs_sec {
	struct hs_header h;
	__s64 ret;
	/*
	 * Arguments by kind:
	 *   ptrace:   arg0 request, arg1 target pid, arg2 addr, arg3 target tgid (0 when unknown)
	 *   setuid:   arg0 ruid, arg1 euid, arg2 suid ((u32)-1 = unchanged; setuid passes its one id in arg0, setfsuid in arg0)
	 *   setgid:   same with gids
	 *   memfd:    arg0 flags
	 *   module:   arg0 flags, arg1 image length (init_module), arg2 fd (finit_module)
	 *   bpf_prog: arg0 prog_type, arg1 insn_cnt, arg2 expected_attach_type
	 */
	__u64 arg0;
	__u64 arg1;
	__u64 arg2;
	__u64 arg3;
	struct hs_str str;      /* memfd name, module params or delete_module name, bpf prog_name */
	struct hs_str path;     /* finit_module: absolute path of the module file */
};

/*
 * BTF anchors: unused pointers that make clang emit BTF for every wire struct,
 * so user space can check its decoder against the built object
 * (test/events/layout.test.ts), as libbpf-bootstrap does for its event struct.
 */
const struct hs_str *hs_btf_str __attribute__((unused));
const struct hs_header *hs_btf_header __attribute__((unused));
const struct hs_exec *hs_btf_exec __attribute__((unused));
const struct hs_fork *hs_btf_fork __attribute__((unused));
const struct hs_exit *hs_btf_exit __attribute__((unused));
const struct hs_file *hs_btf_file __attribute__((unused));
const struct hs_net *hs_btf_net __attribute__((unused));
const struct hs_sec *hs_btf_sec __attribute__((unused));

#endif /* HINDSIGHT_H */
