// SPDX-License-Identifier: (Apache-2.0 OR GPL-2.0)
/*
 * hindsight.bpf.c: the capture side of the flight recorder.
 *
 * Every program fills records in the layout of hindsight.h and writes them
 * to the `events` ring buffer; nothing is aggregated here.
 *
 * Hooks, and why (this kernel refuses fentry/fexit/LSM and has no kprobes,
 * see /work/shared/CAPTURE-NOTES.md):
 *   - tp_btf/sched_process_{exec,fork,exit}: typed task_struct and
 *     linux_binprm arguments, fired after the point of no return (exec),
 *     after copy_process() (fork) and in do_exit() (exit).
 *   - tracepoint/syscalls/sys_enter_* and sys_exit_*: the syscall's user
 *     arguments are stashed in `pending` at entry and read back at exit,
 *     where the result is known and the user pages have been faulted in by
 *     the syscall itself (reading at entry right after fork can return
 *     nothing).
 *   - tracepoint/sock/inet_sock_set_state: every TCP state change,
 *     including those made in softirq context.
 *
 * Each handler first drops events of the recorder itself (self_tgid).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>

#include "hindsight.h"
#include "lib/maps.h"
#include "lib/task.h"
#include "lib/path.h"
#include "lib/record.h"
#include "lib/sock.h"

char LICENSE[] SEC("license") = "GPL";

/* x86_64 syscall numbers, arch/x86/entry/syscalls/syscall_64.tbl */
#define NR_open 2
#define NR_truncate 76
#define NR_ftruncate 77
#define NR_rename 82
#define NR_mkdir 83
#define NR_rmdir 84
#define NR_creat 85
#define NR_link 86
#define NR_unlink 87
#define NR_symlink 88
#define NR_chmod 90
#define NR_fchmod 91
#define NR_chown 92
#define NR_fchown 93
#define NR_lchown 94
#define NR_connect 42
#define NR_accept 43
#define NR_sendto 44
#define NR_sendmsg 46
#define NR_bind 49
#define NR_listen 50
#define NR_execve 59
#define NR_ptrace 101
#define NR_setuid 105
#define NR_setgid 106
#define NR_setreuid 113
#define NR_setregid 114
#define NR_setresuid 117
#define NR_setresgid 119
#define NR_setfsuid 122
#define NR_setfsgid 123
#define NR_init_module 175
#define NR_delete_module 176
#define NR_openat 257
#define NR_mkdirat 258
#define NR_fchownat 260
#define NR_unlinkat 263
#define NR_renameat 264
#define NR_linkat 265
#define NR_symlinkat 266
#define NR_fchmodat 268
#define NR_accept4 288
#define NR_sendmmsg 307
#define NR_finit_module 313
#define NR_renameat2 316
#define NR_memfd_create 319
#define NR_bpf 321
#define NR_execveat 322
#define NR_openat2 437
#define NR_fchmodat2 452

#define HS_O_ACCMODE 03
#define HS_O_RDONLY 0
#define HS_CREAT_FLAGS 01101 /* O_CREAT | O_WRONLY | O_TRUNC, what creat() means */

#define HS_PTRACE_TRACEME 0
#define HS_PTRACE_POKETEXT 4
#define HS_PTRACE_POKEDATA 5
#define HS_PTRACE_POKEUSR 6
#define HS_PTRACE_SETREGS 13
#define HS_PTRACE_ATTACH 16
#define HS_PTRACE_SETREGSET 0x4205
#define HS_PTRACE_SEIZE 0x4206

#define HS_BPF_PROG_LOAD 5
#define HS_TTY_NAME_MAX 64
#define HS_SMALL_STR_MAX 256

/* include/linux/sched/signal.h */
#define HS_SIGNAL_GROUP_EXIT 0x00000004

/* arch/x86/include/asm/page_64_types.h: THREAD_SIZE without KASAN */
#define HS_THREAD_SIZE 16384
/* include/linux/sched.h */
#define HS_PF_KTHREAD 0x00200000

/* True when the event is not to be recorded: capture paused, or the recorder's own. */
static __always_inline int is_self(__u64 pid_tgid)
{
	return capture_paused || (self_tgid != 0 && (pid_tgid >> 32) == self_tgid);
}

/* ---- enter/exit plumbing ------------------------------------------------ */

/*
 * Stash the first nargs arguments. A syscall tracepoint's record holds only
 * the syscall's own arguments (struct syscall_trace_enter,
 * kernel/trace/trace_syscalls.c), and perf_event_set_bpf_prog() refuses
 * (EACCES) a program that reads past it, so nargs must match the syscall.
 *
 * A thread's entry is created by its first recorded syscall and then reused
 * in place: entry and exit cost one lookup each, with no update or delete
 * on the hot path. handle_exit() deletes the entry when the thread dies.
 */
static __always_inline int stash(struct trace_event_raw_sys_enter *ctx, const int nargs)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct hs_pending *p, fresh = {};

	if (is_self(id))
		return 0;
	p = bpf_map_lookup_elem(&pending, &tid);
	if (!p)
		p = &fresh;
	p->nr = (__u32)ctx->id;
	if (nargs > 0)
		p->args[0] = ctx->args[0];
	if (nargs > 1)
		p->args[1] = ctx->args[1];
	if (nargs > 2)
		p->args[2] = ctx->args[2];
	if (nargs > 3)
		p->args[3] = ctx->args[3];
	if (nargs > 4)
		p->args[4] = ctx->args[4];
	if (nargs > 5)
		p->args[5] = ctx->args[5];
	if (p == &fresh && bpf_map_update_elem(&pending, &tid, &fresh, BPF_NOEXIST))
		count(HS_CNT_LOST_STASH);
	return 0;
}

/*
 * Take the arguments stashed at entry for syscall nr and mark the entry
 * idle; -1 when there are none. Arguments a syscall does not have are
 * stale values from an earlier syscall: never read past nargs.
 */
static __always_inline int take(__u64 pid_tgid, __u32 nr, struct hs_pending *out)
{
	__u32 tid = (__u32)pid_tgid;
	struct hs_pending *p = bpf_map_lookup_elem(&pending, &tid);

	if (!p || p->nr != nr)
		return -1;
	__builtin_memcpy(out, p, sizeof(*out));
	p->nr = HS_PENDING_IDLE;
	return 0;
}

/*
 * The start of every sys_exit handler that records: not the recorder's own,
 * the matching enter stashed its arguments in *a, and a scratch record is
 * free. Returns that record, or NULL when there is nothing to record.
 */
static __always_inline __u8 *exit_record(__u64 id, __u32 nr, struct hs_pending *a)
{
	if (is_self(id))
		return NULL;
	if (take(id, nr, a))
		return NULL;
	return scratch_rec();
}

/* nargs: the syscall's argument count, see stash() */
#define ENTER(name, nargs)                                                 \
	SEC("tracepoint/syscalls/sys_enter_" #name)                        \
	int handle_enter_##name(struct trace_event_raw_sys_enter *ctx)     \
	{                                                                  \
		return stash(ctx, nargs);                                  \
	}

/* A sys_exit_<name> program that hands the exit to `fn` with the syscall number. */
#define EXIT(name, fn)                                                     \
	SEC("tracepoint/syscalls/sys_exit_" #name)                         \
	int handle_exit_##name(struct trace_event_raw_sys_exit *ctx)       \
	{                                                                  \
		return fn(ctx, NR_##name);                                 \
	}

/* A sys_exit_<name> program that hands `kind` and the syscall number to `fn`. */
#define KIND_EXIT(name, fn, kind)                                          \
	SEC("tracepoint/syscalls/sys_exit_" #name)                         \
	int handle_exit_##name(struct trace_event_raw_sys_exit *ctx)       \
	{                                                                  \
		return fn(ctx, kind, NR_##name);                           \
	}

/* Both programs of a syscall whose exit hands `kind` to `fn`. */
#define KIND_SYSCALL(name, fn, kind, n) ENTER(name, n) KIND_EXIT(name, fn, kind)

/* ---- process lifecycle -------------------------------------------------- */

/* Fields of hs_exec that come from the exec'ing task, success or failure. */
static __always_inline void fill_exec_task(struct hs_exec *e, struct task_struct *t,
					   __u8 *rec, __u32 *off)
{
	struct signal_struct *sig = t->signal;
	struct tty_struct *tty = sig->tty;
	struct pid *sid = sig->pids[PIDTYPE_SID];

	e->egid = t->cred->egid.val;
	e->loginuid = t->loginuid.val;
	e->sessionid = t->sessionid;
	e->sid = BPF_CORE_READ(sid, numbers[0].nr);
	if (tty) {
		/* tty_devnum() in drivers/tty/tty_io.c, encoded as /proc/PID/stat does */
		__u32 major = tty->driver->major;
		__u32 minor = tty->driver->minor_start + tty->index;

		e->tty_nr = (minor & 0xff) | (major << 8) | ((minor & ~0xffU) << 12);
		put_kstr(rec, off, &e->tty, tty->name, HS_TTY_NAME_MAX);
	}
}

/*
 * sched_process_exec fires in exec_binprm() (fs/exec.c) once the new image
 * is in place: bprm->file is the final binary (the interpreter for #!),
 * current->mm holds the new argument area, and de_thread() has already given
 * an exec'ing thread the leader's pid and start time.
 */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 old_tid = old_pid;
	struct hs_pending *stashed;
	struct hs_walk_buf *wb;
	struct hs_exec *e;
	struct inode *inode;
	struct mm_struct *mm;
	__u16 nr = HS_NO_SYSCALL, flags = 0;
	__u32 off, pos, trunc = 0, n;
	__u64 arg_start, arg_len;
	__u8 *rec;

	if (is_self(id))
		return 0;
	/* The execve/execveat stash names the syscall. It is keyed by the
	 * calling thread, which no longer exists under that id when a non-leader
	 * thread exec'd (de_thread() gave it the leader's pid), so drop it then. */
	stashed = bpf_map_lookup_elem(&pending, &old_tid);
	if (stashed && (stashed->nr == NR_execve || stashed->nr == NR_execveat)) {
		nr = stashed->nr;
		if (old_tid != (__u32)id)
			bpf_map_delete_elem(&pending, &old_tid);
	}

	rec = scratch_rec();
	wb = walk_scratch();
	if (!rec || !wb)
		return 0;
	e = (void *)rec;
	__builtin_memset(e, 0, sizeof(*e));
	fill_header(&e->h, HS_EXEC, nr, id);
	e->old_tid = old_tid;

	inode = bprm->file->f_inode;
	e->exe_ino = inode->i_ino;
	e->exe_mtime_ns = inode->i_mtime_sec * 1000000000ULL + inode->i_mtime_nsec;
	e->exe_size = inode->i_size;
	e->exe_dev = inode->i_sb->s_dev;
	e->exe_nlink = inode->__i_nlink;
	if (e->exe_nlink == 0)
		flags |= HS_F_EXE_DELETED;
	e->argc = bprm->argc;

	/* argv first: its offset is constant, so its large cap always fits. */
	off = sizeof(*e);
	mm = p->mm;
	if (mm) {
		arg_start = mm->arg_start;
		arg_len = mm->arg_end - arg_start;
		e->argv_bytes = arg_len;
		n = arg_len;
		if (arg_len > argv_max) {
			n = argv_max;
			flags |= HS_F_ARGV_TRUNC;
		}
		if (n > HS_ARGV_MAX)
			n = HS_ARGV_MAX;
		flags |= put_ubytes(rec, &off, &e->argv, (void *)arg_start, n, HS_ARGV_MAX);
	}

	pos = walk_file(wb, bprm->file, &trunc);
	flags |= put_walk(rec, &off, &e->exe, wb, pos, trunc);
	pos = walk_pwd(wb, &trunc);
	flags |= put_walk(rec, &off, &e->cwd, wb, pos, trunc);
	flags |= put_kstr(rec, &off, &e->filename, bprm->filename, HS_PATH_MAX);
	flags |= put_kstr(rec, &off, &e->interp, bprm->interp, HS_PATH_MAX);
	fill_exec_task(e, p, rec, &off);

	e->h.flags = flags;
	emit(rec, off);
	return 0;
}

/* A failed execve/execveat: the user's filename (read now that the syscall
 * has faulted it in), the working directory and the error. */
static __always_inline int exec_exit(struct trace_event_raw_sys_exit *ctx, __u32 nr)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct hs_pending a;
	struct hs_walk_buf *wb;
	struct hs_exec *e;
	__u32 off, pos, trunc = 0;
	__u16 flags = 0;
	long ret = ctx->ret;
	__u8 *rec;

	if (is_self(id))
		return 0;
	if (take(id, nr, &a) || ret >= 0)
		return 0;
	rec = scratch_rec();
	wb = walk_scratch();
	if (!rec || !wb)
		return 0;
	e = (void *)rec;
	__builtin_memset(e, 0, sizeof(*e));
	fill_header(&e->h, HS_EXEC_FAIL, nr, id);
	e->ret = ret;
	e->old_tid = (__u32)id;
	off = sizeof(*e);
	flags |= put_ustr(rec, &off, &e->filename,
			  (void *)(nr == NR_execve ? a.args[0] : a.args[1]), HS_PATH_MAX);
	pos = walk_pwd(wb, &trunc);
	flags |= put_walk(rec, &off, &e->cwd, wb, pos, trunc);
	fill_exec_task(e, bpf_get_current_task_btf(), rec, &off);
	e->h.flags = flags;
	emit(rec, off);
	return 0;
}

ENTER(execve, 3)
ENTER(execveat, 5)

EXIT(execve, exec_exit)

EXIT(execveat, exec_exit)

/*
 * sched_process_fork fires in kernel_clone() (kernel/fork.c) in the parent
 * after copy_process(): the child has its pids, its group_leader (itself
 * for a new process, the parent's leader for CLONE_THREAD) and its
 * start_boottime.
 */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct hs_fork f = {};

	if (is_self(id))
		return 0;
	fill_header(&f.h, HS_FORK, HS_NO_SYSCALL, id);
	f.child_start_ns = child->group_leader->start_boottime;
	f.child_pid = child->tgid;
	f.child_tid = child->pid;
	if (child->tgid == parent->tgid)
		f.h.flags = HS_F_THREAD;
	f.h.size = sizeof(f);
	output(&f, sizeof(f));
	return 0;
}

/*
 * sched_process_exit fires in do_exit() (kernel/exit.c) after
 * tsk->exit_code = code, with group_dead = atomic_dec_and_test(&signal->live).
 * Only the last thread's exit is recorded. The wait status the parent will
 * see is signal->group_exit_code once SIGNAL_GROUP_EXIT is set (exit_group(),
 * a fatal signal, with 0x80 or'ed in by coredump_finish(), or the last
 * thread's exit in synchronize_group_exit()), else the task's exit_code;
 * both are already in wait-status form ((status & 0xff) << 8 | signal).
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *p, bool group_dead)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct signal_struct *sig;
	struct hs_exit x = {};

	if (is_self(id))
		return 0;
	/* A thread that dies inside a syscall never reaches its sys_exit_*. */
	bpf_map_delete_elem(&pending, &tid);
	if (!group_dead)
		return 0;
	sig = p->signal;
	fill_header(&x.h, HS_EXIT, HS_NO_SYSCALL, id);
	x.h.flags = HS_F_GROUP_DEAD;
	if (sig->flags & HS_SIGNAL_GROUP_EXIT)
		x.exit_code = sig->group_exit_code;
	else
		x.exit_code = p->exit_code;
	x.h.size = sizeof(x);
	output(&x, sizeof(x));
	return 0;
}

/* ---- files -------------------------------------------------------------- */

/* Arguments of a file syscall, by syscall number. */
struct file_args {
	const char *path;   /* path_arg */
	const char *path2;  /* path2_arg */
	__s64 fd;           /* f* calls: the file acted on */
	__s32 dirfd;
	__s32 dirfd2;
	__u32 flags;
	__u32 mode;
	__u32 uid;
	__u32 gid;
	__u64 size;
	__u8 open;          /* path and inode come from the returned fd */
	__u8 base2;         /* path2 is a path (not symlink target text) */
};

static __always_inline void file_args_of(const __u32 nr, const __u64 *a, struct file_args *f)
{
	f->path = NULL;
	f->path2 = NULL;
	f->fd = -1;
	f->dirfd = HS_AT_FDCWD;
	f->dirfd2 = HS_AT_FDCWD;
	f->flags = 0;
	f->mode = 0;
	f->uid = (__u32)-1;
	f->gid = (__u32)-1;
	f->size = 0;
	f->open = 0;
	f->base2 = 0;
	switch (nr) {
	case NR_open:
		f->path = (void *)a[0], f->flags = a[1], f->mode = a[2], f->open = 1;
		break;
	case NR_openat:
		f->dirfd = a[0], f->path = (void *)a[1], f->flags = a[2], f->mode = a[3], f->open = 1;
		break;
	case NR_openat2: /* flags and mode come from struct open_how at exit */
		f->dirfd = a[0], f->path = (void *)a[1], f->open = 1;
		break;
	case NR_creat:
		f->path = (void *)a[0], f->flags = HS_CREAT_FLAGS, f->mode = a[1], f->open = 1;
		break;
	case NR_unlink:
	case NR_rmdir:
		f->path = (void *)a[0];
		break;
	case NR_unlinkat:
		f->dirfd = a[0], f->path = (void *)a[1], f->flags = a[2];
		break;
	case NR_rename:
	case NR_link:
		f->path = (void *)a[0], f->path2 = (void *)a[1], f->base2 = 1;
		break;
	case NR_renameat:
	case NR_renameat2:
	case NR_linkat:
		f->dirfd = a[0], f->path = (void *)a[1];
		f->dirfd2 = a[2], f->path2 = (void *)a[3], f->base2 = 1;
		if (nr != NR_renameat)
			f->flags = a[4];
		break;
	case NR_symlink: /* symlink(target, linkpath) */
		f->path = (void *)a[1], f->path2 = (void *)a[0];
		break;
	case NR_symlinkat: /* symlinkat(target, newdirfd, linkpath) */
		f->dirfd = a[1], f->dirfd2 = a[1], f->path = (void *)a[2], f->path2 = (void *)a[0];
		break;
	case NR_chmod:
		f->path = (void *)a[0], f->mode = a[1];
		break;
	case NR_fchmod:
		f->fd = (__s32)a[0], f->dirfd = a[0], f->mode = a[1];
		break;
	case NR_fchmodat:
	case NR_fchmodat2:
		f->dirfd = a[0], f->path = (void *)a[1], f->mode = a[2];
		if (nr == NR_fchmodat2)
			f->flags = a[3];
		break;
	case NR_chown:
	case NR_lchown:
		f->path = (void *)a[0], f->uid = a[1], f->gid = a[2];
		break;
	case NR_fchown:
		f->fd = (__s32)a[0], f->dirfd = a[0], f->uid = a[1], f->gid = a[2];
		break;
	case NR_fchownat:
		f->dirfd = a[0], f->path = (void *)a[1], f->uid = a[2], f->gid = a[3], f->flags = a[4];
		break;
	case NR_mkdir:
		f->path = (void *)a[0], f->mode = a[1];
		break;
	case NR_mkdirat:
		f->dirfd = a[0], f->path = (void *)a[1], f->mode = a[2];
		break;
	case NR_truncate:
		f->path = (void *)a[0], f->size = a[1];
		break;
	case NR_ftruncate:
		f->fd = (__s32)a[0], f->dirfd = a[0], f->size = a[1];
		break;
	}
}

/* Whether s (slen bytes) starts with one of the configured prefixes. */
static __always_inline int ro_prefixed(const char *s, __u32 slen)
{
	for (__u32 i = 0; i < HS_RO_PREFIXES; i++) {
		__u32 plen;
		int match = 1;

		if (i >= ro_prefix_count)
			break;
		plen = ro_prefix_len[i];
		if (plen == 0 || plen > HS_RO_PREFIX_LEN || plen > slen)
			continue;
		for (__u32 j = 0; j < HS_RO_PREFIX_LEN; j++) {
			if (j >= plen)
				break;
			if (s[j] != ro_prefixes[i][j]) {
				match = 0;
				break;
			}
		}
		if (match)
			return 1;
	}
	return 0;
}

/* Walk the directory a relative path starts from: AT_FDCWD or dirfd. */
static __always_inline __u16 put_base(__u8 *rec, __u32 *off, struct hs_str *s,
				      struct hs_walk_buf *wb, __s32 dirfd)
{
	__u32 pos, trunc = 0;
	struct file *f;

	if (dirfd == HS_AT_FDCWD) {
		pos = walk_pwd(wb, &trunc);
	} else {
		f = fd_file(dirfd);
		if (!f)
			return 0;
		pos = walk_file(wb, f, &trunc);
	}
	return put_walk(rec, off, s, wb, pos, trunc);
}

/*
 * All file syscalls: the record is emitted whatever the result. `path` and
 * the inode come from the file now behind the returned fd (opens) or the fd
 * argument (f* calls); `base`/`base2` are walked only for relative paths.
 */
static __always_inline int file_exit(struct trace_event_raw_sys_exit *ctx,
				     const __u16 kind, const __u32 nr)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct hs_walk_buf *wb;
	struct file_args fa;
	struct hs_pending a;
	struct hs_file *r;
	struct file *file = NULL;
	__u32 off, o, pos = 0, trunc = 0;
	__u16 flags = 0;
	long ret = ctx->ret;
	int ro, have_path = 0;
	char first;
	__u8 *rec;

	if (is_self(id))
		return 0;
	if (take(id, nr, &a))
		return 0;
	file_args_of(nr, a.args, &fa);
	if (nr == NR_openat2) {
		struct open_how how = {};

		bpf_probe_read_user(&how, sizeof(how), (void *)a.args[2]);
		fa.flags = how.flags;
		fa.mode = how.mode;
	}

	rec = scratch_rec();
	wb = walk_scratch();
	if (!rec || !wb)
		return 0;

	if (fa.open && ret >= 0)
		file = fd_file(ret);
	else if (fa.fd >= 0)
		file = fd_file(fa.fd);
	if (file) {
		pos = walk_file(wb, file, &trunc);
		have_path = 1;
	}
	ro = fa.open && (fa.flags & HS_O_ACCMODE) == HS_O_RDONLY && ro_prefix_count > 0;
	if (ro && have_path && pos <= HS_PATH_MAX &&
	    ro_prefixed(wb->buf + pos, HS_PATH_MAX - pos)) {
		count(HS_CNT_FILTERED);
		return 0;
	}

	r = (void *)rec;
	__builtin_memset(r, 0, sizeof(*r));
	fill_header(&r->h, kind, nr, id);
	r->ret = ret;
	r->dirfd = fa.dirfd;
	r->dirfd2 = fa.dirfd2;
	r->flags = fa.flags;
	r->mode = fa.mode;
	r->uid_arg = fa.uid;
	r->gid_arg = fa.gid;
	r->size_arg = fa.size;
	off = sizeof(*r);

	if (have_path) {
		struct inode *inode = file->f_inode;

		r->ino = inode->i_ino;
		r->dev = inode->i_sb->s_dev;
		flags |= put_walk(rec, &off, &r->path, wb, pos, trunc);
	}

	if (fa.path) {
		__u16 f;

		o = off;
		f = put_ustr(rec, &off, &r->path_arg, fa.path, HS_PATH_MAX);
		flags |= f;
		if (!f && o < HS_SCRATCH_SIZE - HS_PATH_MAX) {
			__u32 len = off - o;

			first = rec[o];
			/* A failed read-only open has no resolved path: filter
			 * it on its absolute argument (ld.so's library probes). */
			if (ro && !have_path && first == '/' &&
			    ro_prefixed((const char *)rec + o, len)) {
				count(HS_CNT_FILTERED);
				return 0;
			}
			if (first != '/')
				flags |= put_base(rec, &off, &r->base, wb, fa.dirfd);
		}
	}
	if (fa.path2) {
		__u16 f;

		o = off;
		f = put_ustr(rec, &off, &r->path2_arg, fa.path2, HS_PATH_MAX);
		flags |= f;
		if (!f && fa.base2 && o < HS_SCRATCH_SIZE - HS_PATH_MAX) {
			first = rec[o];
			if (first != '/')
				flags |= put_base(rec, &off, &r->base2, wb, fa.dirfd2);
		}
	}

	r->h.flags = flags;
	emit(rec, off);
	return 0;
}

#define FILE_SYSCALL(name, kind, n) KIND_SYSCALL(name, file_exit, kind, n)

FILE_SYSCALL(open, HS_OPEN, 3)
FILE_SYSCALL(openat, HS_OPEN, 4)
FILE_SYSCALL(openat2, HS_OPEN, 4)
FILE_SYSCALL(creat, HS_OPEN, 2)
FILE_SYSCALL(unlink, HS_UNLINK, 1)
FILE_SYSCALL(unlinkat, HS_UNLINK, 3)
FILE_SYSCALL(rmdir, HS_UNLINK, 1)
FILE_SYSCALL(rename, HS_RENAME, 2)
FILE_SYSCALL(renameat, HS_RENAME, 4)
FILE_SYSCALL(renameat2, HS_RENAME, 5)
FILE_SYSCALL(chmod, HS_CHMOD, 2)
FILE_SYSCALL(fchmod, HS_CHMOD, 2)
FILE_SYSCALL(fchmodat, HS_CHMOD, 3)
FILE_SYSCALL(fchmodat2, HS_CHMOD, 4)
FILE_SYSCALL(chown, HS_CHOWN, 3)
FILE_SYSCALL(lchown, HS_CHOWN, 3)
FILE_SYSCALL(fchown, HS_CHOWN, 3)
FILE_SYSCALL(fchownat, HS_CHOWN, 5)
FILE_SYSCALL(mkdir, HS_MKDIR, 2)
FILE_SYSCALL(mkdirat, HS_MKDIR, 3)
FILE_SYSCALL(link, HS_LINK, 2)
FILE_SYSCALL(linkat, HS_LINK, 5)
FILE_SYSCALL(symlink, HS_SYMLINK, 2)
FILE_SYSCALL(symlinkat, HS_SYMLINK, 3)
FILE_SYSCALL(truncate, HS_TRUNCATE, 2)
FILE_SYSCALL(ftruncate, HS_TRUNCATE, 2)

/* ---- network ------------------------------------------------------------ */

static __always_inline struct hs_net *net_begin(__u8 *rec, __u16 kind, __u32 nr,
						__u64 id, long ret, __s32 fd)
{
	struct hs_net *n = (void *)rec;

	__builtin_memset(n, 0, sizeof(*n));
	fill_header(&n->h, kind, nr, id);
	n->ret = ret;
	n->fd = fd;
	return n;
}

/* Copy a user sockaddr of ulen bytes into sa (HS_SOCKADDR_MAX, zeroed). */
static __always_inline __u32 read_sockaddr(__u8 *sa, const void *uaddr, __u64 ulen)
{
	__u32 len = HS_SOCKADDR_MAX;

	if (ulen < HS_SOCKADDR_MAX)
		len = ulen & (HS_SOCKADDR_MAX - 1);
	hs_barrier_var(len);
	if (!uaddr || bpf_probe_read_user(sa, len, uaddr))
		return 0;
	return len;
}

/*
 * connect(fd, addr, len) and bind(fd, addr, len): the address from the user
 * (remote for connect, local for bind); the socket gives protocol and type,
 * and after a successful bind the kernel's local address (the port chosen
 * for port 0); after connect the local address the kernel picked.
 */
static __always_inline int addr_exit(struct trace_event_raw_sys_exit *ctx, __u16 kind, __u32 nr)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u8 sa[HS_SOCKADDR_MAX] = {};
	struct hs_pending a;
	struct hs_net *n;
	struct sock *sk;
	long ret = ctx->ret;
	__u32 off, len;
	__u8 *rec;

	rec = exit_record(id, nr, &a);
	if (!rec)
		return 0;
	n = net_begin(rec, kind, nr, id, ret, a.args[0]);
	off = sizeof(*n);
	len = read_sockaddr(sa, (void *)a.args[1], a.args[2]);
	if (len >= 2)
		put_sockaddr(rec, &off, n, sa, len, kind == HS_BIND);
	sk = fd_sock(a.args[0]);
	if (sk) {
		__u16 family = n->family;
		__u8 daddr[16];
		__u16 dport = n->dport;

		__builtin_memcpy(daddr, n->daddr, 16);
		if (kind == HS_BIND && ret != 0) {
			/* keep the requested address, take protocol and type only */
			n->protocol = BPF_CORE_READ(sk, sk_protocol);
			n->sock_type = BPF_CORE_READ(sk, sk_type);
			n->sock_cookie = (__u64)sk;
		} else {
			sock_fill(n, sk, 0);
			if (kind == HS_CONNECT) {
				__builtin_memcpy(n->daddr, daddr, 16);
				n->dport = dport;
			}
		}
		if (len >= 2)
			n->family = family;
	}
	emit(rec, off);
	return 0;
}

ENTER(connect, 3)
ENTER(bind, 3)

KIND_EXIT(connect, addr_exit, HS_CONNECT)

KIND_EXIT(bind, addr_exit, HS_BIND)

/*
 * accept/accept4 and listen: addresses from the kernel socket. For accept,
 * `fd` is the listening descriptor and ret the new one, whose socket gives
 * both ends (an AF_UNIX accepted socket shares the listener's name).
 */
static __always_inline int sock_exit(struct trace_event_raw_sys_exit *ctx, __u16 kind, __u32 nr)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct hs_pending a;
	struct hs_net *n;
	struct sock *sk;
	long ret = ctx->ret;
	__u32 off;
	__u8 *rec;

	rec = exit_record(id, nr, &a);
	if (!rec)
		return 0;
	n = net_begin(rec, kind, nr, id, ret, a.args[0]);
	off = sizeof(*n);
	if (kind == HS_LISTEN)
		n->backlog = a.args[1];
	sk = fd_sock(kind == HS_ACCEPT && ret >= 0 ? ret : (__s64)(__s32)a.args[0]);
	if (sk) {
		sock_fill(n, sk, kind == HS_ACCEPT && ret >= 0);
		if (n->family == HS_AF_UNIX)
			put_unix_name(rec, &off, &n->unix_path, sk);
	}
	emit(rec, off);
	return 0;
}

ENTER(accept, 3)
ENTER(accept4, 4)
ENTER(listen, 2)

KIND_EXIT(accept, sock_exit, HS_ACCEPT)

KIND_EXIT(accept4, sock_exit, HS_ACCEPT)

KIND_EXIT(listen, sock_exit, HS_LISTEN)

/*
 * DNS: a send to port 53 on a UDP socket. Returns 1 for such a send, which
 * the entry handlers then stash; other sends are never stashed, and cost a
 * 4-byte user read (explicit destination) or the fd -> socket -> peer port
 * lookup (connected socket: glibc's resolver connects, then uses sendmmsg()
 * or send()).
 * dest: the user's destination sockaddr, NULL for a connected socket.
 */
static __always_inline int dns_enter(struct trace_event_raw_sys_enter *ctx,
				     const void *dest, __u64 dest_len)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct sock *sk;

	if (is_self(id))
		return 0;
	if (dest && dest_len >= 4) {
		__u16 hd[2] = {};

		bpf_probe_read_user(hd, sizeof(hd), dest);
		if (hd[1] != bpf_htons(HS_DNS_PORT) ||
		    (hd[0] != HS_AF_INET && hd[0] != HS_AF_INET6))
			return 0;
		sk = fd_sock((__s32)ctx->args[0]);
		if (!sk)
			return 0;
	} else {
		sk = fd_sock((__s32)ctx->args[0]);
		if (!sk || BPF_CORE_READ(sk, __sk_common.skc_dport) != bpf_htons(HS_DNS_PORT))
			return 0;
	}
	if (BPF_CORE_READ(sk, sk_protocol) != HS_IPPROTO_UDP)
		return 0;
	return 1;
}

/* The first struct user_msghdr's name and first iovec, from sendmsg/sendmmsg. */
struct msg_head {
	void *name;
	__u64 namelen;
	void *iov;
	__u64 iovlen;
};

static __always_inline void read_msg_head(struct msg_head *m, const void *umsg)
{
	struct user_msghdr h = {};

	bpf_probe_read_user(&h, sizeof(h), umsg);
	m->name = h.msg_name;
	m->namelen = h.msg_namelen;
	m->iov = h.msg_iov;
	m->iovlen = h.msg_iovlen;
}

SEC("tracepoint/syscalls/sys_enter_sendto")
int handle_enter_sendto(struct trace_event_raw_sys_enter *ctx)
{
	if (dns_enter(ctx, (void *)ctx->args[4], ctx->args[5]))
		stash(ctx, 6);
	return 0;
}

/* sendmsg and sendmmsg: the destination comes from the (first) msghdr. */
static __always_inline int msg_enter(struct trace_event_raw_sys_enter *ctx, __u32 nargs)
{
	struct msg_head m = {};

	read_msg_head(&m, (void *)ctx->args[1]);
	if (dns_enter(ctx, m.name, m.namelen))
		stash(ctx, nargs);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_sendmsg")
int handle_enter_sendmsg(struct trace_event_raw_sys_enter *ctx)
{
	return msg_enter(ctx, 3);
}

/* struct mmsghdr starts with its struct user_msghdr */
SEC("tracepoint/syscalls/sys_enter_sendmmsg")
int handle_enter_sendmmsg(struct trace_event_raw_sys_enter *ctx)
{
	return msg_enter(ctx, 4);
}

/* Emit the DNS record: addresses and the first HS_PAYLOAD_MAX bytes of the
 * first buffer. */
static __always_inline int dns_exit(struct trace_event_raw_sys_exit *ctx, __u32 nr)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u8 sa[HS_SOCKADDR_MAX] = {};
	struct hs_pending a;
	struct msg_head m = {};
	struct hs_net *n;
	struct sock *sk;
	const void *buf;
	__u64 buf_len;
	long ret = ctx->ret;
	__u32 off, len;
	__u8 *rec;

	rec = exit_record(id, nr, &a);
	if (!rec)
		return 0;
	n = net_begin(rec, HS_DNS, nr, id, ret, a.args[0]);
	off = sizeof(*n);
	sk = fd_sock((__s32)a.args[0]);
	if (sk)
		sock_fill(n, sk, 1);
	if (nr == NR_sendto) {
		m.name = (void *)a.args[4];
		m.namelen = a.args[5];
		buf = (void *)a.args[1];
		buf_len = a.args[2];
	} else {
		struct iovec iov = {};

		read_msg_head(&m, (void *)a.args[1]);
		if (m.iovlen)
			bpf_probe_read_user(&iov, sizeof(iov), m.iov);
		buf = iov.iov_base;
		buf_len = iov.iov_len;
	}
	len = read_sockaddr(sa, m.name, m.namelen);
	if (len >= 2)
		put_sockaddr(rec, &off, n, sa, len, 0);
	if (buf)
		n->h.flags |= put_ubytes(rec, &off, &n->payload, buf,
					 buf_len > HS_PAYLOAD_MAX ? HS_PAYLOAD_MAX : buf_len,
					 HS_PAYLOAD_MAX);
	emit(rec, off);
	return 0;
}

EXIT(sendto, dns_exit)

EXIT(sendmsg, dns_exit)

EXIT(sendmmsg, dns_exit)

/*
 * Whether this program runs in interrupt context, on a CPU's irq stack
 * rather than current's task stack.
 *
 * Why not something simpler: preempt_count() would say it directly, but
 * __preempt_count is a per-CPU data symbol, absent from kallsyms without
 * CONFIG_KALLSYMS_ALL (this kernel), and then a ksym to it does not load;
 * the trace_entry flags (TRACE_FLAG_SOFTIRQ) are overwritten with the
 * pt_regs pointer before a BPF program sees the record
 * (perf_trace_run_bpf_submit() in kernel/events/core.c).
 *
 * On x86_64 hard irqs run on the irq stack and so do softirqs, whether
 * entered from irq_exit() or local_bh_enable() (do_softirq_own_stack(),
 * CONFIG_HAVE_SOFTIRQ_ON_OWN_STACK), and a BPF program's frame is on the
 * stack it was called on, unless the JIT gives it a per-CPU private stack:
 * it does for tracepoint programs whose frame is at least
 * BPF_PRIV_STACK_MIN_SIZE (64) bytes (bpf_enable_priv_stack() in
 * kernel/bpf/verifier.c). handle_tcp_state therefore keeps its frame small
 * and builds its record in ring memory. Were the frame ever moved off the
 * task stack, every record would be flagged: the error is a false
 * positive, never a missed softirq.
 */
static __always_inline int on_irq_stack(struct task_struct *t)
{
	__u64 base = (__u64)t->stack;
	void *here = &base;
	__u64 sp = 0;

	/* the stack address as a plain number, through a helper */
	bpf_probe_read_kernel(&sp, sizeof(sp), &here);
	return sp - base >= HS_THREAD_SIZE;
}

/*
 * Every TCP state change, from tcp_set_state() (net/ipv4/tcp.c) via
 * inet_sk_state_store(); many happen in softirq on packet receipt, where
 * current is whichever task was interrupted (or the idle task).
 * HS_F_SOFTIRQ is set when current cannot be the socket's owner: we run on
 * the irq stack (hard or soft irq, see on_irq_stack()), or current is the
 * idle task or a kernel thread (ksoftirqd runs softirqs on its own stack).
 * A task that merely disabled bottom halves is still the owner.
 * The record has no strings, so it is reserved in the ring at its exact
 * size and filled in place (no scratch buffer: this handler may interrupt
 * another one that is using it).
 */
SEC("tracepoint/sock/inet_sock_set_state")
int handle_tcp_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct task_struct *t;
	struct hs_net *n;

	if (ctx->protocol != HS_IPPROTO_TCP)
		return 0;
	if (is_self(id))
		return 0;
	n = bpf_ringbuf_reserve(&events, sizeof(*n), 0);
	if (!n) {
		count(HS_CNT_LOST_RING);
		return 0;
	}
	__builtin_memset(n, 0, sizeof(*n));
	fill_header(&n->h, HS_TCP_STATE, HS_NO_SYSCALL, id);
	n->h.size = sizeof(*n);
	n->fd = -1;
	n->family = ctx->family;
	n->protocol = HS_IPPROTO_TCP;
	n->sock_type = 1; /* SOCK_STREAM */
	n->sport = ctx->sport; /* host order already (TP_fast_assign ntohs) */
	n->dport = ctx->dport;
	n->old_state = ctx->oldstate;
	n->new_state = ctx->newstate;
	n->sock_cookie = (__u64)ctx->skaddr;
	if (n->family == HS_AF_INET) {
		bpf_probe_read_kernel(n->saddr, 4, ctx->saddr);
		bpf_probe_read_kernel(n->daddr, 4, ctx->daddr);
	} else {
		bpf_probe_read_kernel(n->saddr, 16, ctx->saddr_v6);
		bpf_probe_read_kernel(n->daddr, 16, ctx->daddr_v6);
	}
	t = bpf_get_current_task_btf();
	if (id == 0 || (t->flags & HS_PF_KTHREAD) || on_irq_stack(t))
		n->h.flags = HS_F_SOFTIRQ;
	bpf_ringbuf_submit(n, 0);
	count(HS_CNT_EMITTED);
	return 0;
}

/* ---- security ----------------------------------------------------------- */

static __always_inline struct hs_sec *sec_begin(__u8 *rec, __u16 kind, __u32 nr,
						__u64 id, long ret)
{
	struct hs_sec *s = (void *)rec;

	__builtin_memset(s, 0, sizeof(*s));
	fill_header(&s->h, kind, nr, id);
	s->ret = ret;
	return s;
}

static __always_inline int is_ptrace_recorded(__u64 req)
{
	return req == HS_PTRACE_TRACEME || req == HS_PTRACE_ATTACH || req == HS_PTRACE_SEIZE ||
	       req == HS_PTRACE_POKETEXT || req == HS_PTRACE_POKEDATA ||
	       req == HS_PTRACE_POKEUSR || req == HS_PTRACE_SETREGS ||
	       req == HS_PTRACE_SETREGSET;
}

SEC("tracepoint/syscalls/sys_enter_ptrace")
int handle_enter_ptrace(struct trace_event_raw_sys_enter *ctx)
{
	if (!is_ptrace_recorded(ctx->args[0]))
		return 0;
	return stash(ctx, 4);
}

/*
 * The tracee's tgid: for TRACEME the parent; otherwise the tracee with
 * that pid on current->ptraced (ptrace_link() in kernel/ptrace.c adds it
 * there on attach). The pid argument is compared with the global pid, so
 * the lookup only succeeds for a tracer in the initial pid namespace.
 */
#define HS_PTRACED_SCAN 16
static __always_inline __u32 ptrace_target_tgid(__u64 req, __u32 pid)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct list_head *head, *pos;
	__u64 entry_off = bpf_core_field_offset(struct task_struct, ptrace_entry);

	if (req == HS_PTRACE_TRACEME)
		return t->real_parent->tgid;
	head = &t->ptraced;
	pos = BPF_CORE_READ(head, next);
	for (int i = 0; i < HS_PTRACED_SCAN; i++) {
		struct task_struct *child;

		if (!pos || pos == head)
			break;
		child = (void *)pos - entry_off;
		if (BPF_CORE_READ(child, pid) == pid)
			return BPF_CORE_READ(child, tgid);
		pos = BPF_CORE_READ(pos, next);
	}
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_ptrace")
int handle_exit_ptrace(struct trace_event_raw_sys_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct hs_pending a;
	struct hs_sec *s;
	__u8 *rec;

	rec = exit_record(id, NR_ptrace, &a);
	if (!rec)
		return 0;
	s = sec_begin(rec, HS_PTRACE, NR_ptrace, id, ctx->ret);
	s->arg0 = a.args[0];
	s->arg1 = (__u32)a.args[1];
	s->arg2 = a.args[2];
	s->arg3 = ptrace_target_tgid(a.args[0], a.args[1]);
	emit(rec, sizeof(*s));
	return 0;
}

/* set*id: the ids asked for, (u32)-1 where a call leaves one unchanged or
 * has no such argument. The header's uid/gid/euid are read at exit, so they
 * already show the result. */
static __always_inline int setid_exit(struct trace_event_raw_sys_exit *ctx, __u16 kind, __u32 nr)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct hs_pending a;
	struct hs_sec *s;
	__u8 *rec;

	rec = exit_record(id, nr, &a);
	if (!rec)
		return 0;
	s = sec_begin(rec, kind, nr, id, ctx->ret);
	s->arg0 = (__u32)a.args[0];
	s->arg1 = (__u32)-1;
	s->arg2 = (__u32)-1;
	if (nr == NR_setreuid || nr == NR_setregid || nr == NR_setresuid || nr == NR_setresgid)
		s->arg1 = (__u32)a.args[1];
	if (nr == NR_setresuid || nr == NR_setresgid)
		s->arg2 = (__u32)a.args[2];
	emit(rec, sizeof(*s));
	return 0;
}

#define SETID_SYSCALL(name, kind, n) KIND_SYSCALL(name, setid_exit, kind, n)

SETID_SYSCALL(setuid, HS_SETUID, 1)
SETID_SYSCALL(setreuid, HS_SETUID, 2)
SETID_SYSCALL(setresuid, HS_SETUID, 3)
SETID_SYSCALL(setfsuid, HS_SETUID, 1)
SETID_SYSCALL(setgid, HS_SETGID, 1)
SETID_SYSCALL(setregid, HS_SETGID, 2)
SETID_SYSCALL(setresgid, HS_SETGID, 3)
SETID_SYSCALL(setfsgid, HS_SETGID, 1)

ENTER(memfd_create, 2)

SEC("tracepoint/syscalls/sys_exit_memfd_create")
int handle_exit_memfd_create(struct trace_event_raw_sys_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct hs_pending a;
	struct hs_sec *s;
	__u32 off;
	__u8 *rec;

	rec = exit_record(id, NR_memfd_create, &a);
	if (!rec)
		return 0;
	s = sec_begin(rec, HS_MEMFD, NR_memfd_create, id, ctx->ret);
	s->arg0 = (__u32)a.args[1];
	off = sizeof(*s);
	s->h.flags |= put_ustr(rec, &off, &s->str, (void *)a.args[0], HS_SMALL_STR_MAX);
	emit(rec, off);
	return 0;
}

/*
 * Module loading. These tracepoints exist only with CONFIG_MODULES; on a
 * kernel without it the programs load but attaching them fails (ENOENT).
 */
static __always_inline int module_exit(struct trace_event_raw_sys_exit *ctx, __u32 nr)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct hs_walk_buf *wb;
	struct hs_pending a;
	struct hs_sec *s;
	__u32 off, pos, trunc = 0;
	__u8 *rec;

	if (is_self(id))
		return 0;
	if (take(id, nr, &a))
		return 0;
	rec = scratch_rec();
	wb = walk_scratch();
	if (!rec || !wb)
		return 0;
	s = sec_begin(rec, HS_MODULE, nr, id, ctx->ret);
	off = sizeof(*s);
	if (nr == NR_init_module) { /* (image, len, params) */
		s->arg1 = a.args[1];
		s->h.flags |= put_ustr(rec, &off, &s->str, (void *)a.args[2], HS_SMALL_STR_MAX);
	} else if (nr == NR_finit_module) { /* (fd, params, flags) */
		struct file *f = fd_file((__s32)a.args[0]);

		s->arg0 = (__u32)a.args[2];
		s->arg2 = (__u32)a.args[0];
		s->h.flags |= put_ustr(rec, &off, &s->str, (void *)a.args[1], HS_SMALL_STR_MAX);
		if (f) {
			pos = walk_file(wb, f, &trunc);
			s->h.flags |= put_walk(rec, &off, &s->path, wb, pos, trunc);
		}
	} else { /* delete_module(name, flags) */
		s->arg0 = (__u32)a.args[1];
		s->h.flags |= put_ustr(rec, &off, &s->str, (void *)a.args[0], HS_SMALL_STR_MAX);
	}
	emit(rec, off);
	return 0;
}

ENTER(init_module, 3)
ENTER(finit_module, 3)
ENTER(delete_module, 2)

EXIT(init_module, module_exit)

EXIT(finit_module, module_exit)

EXIT(delete_module, module_exit)

/* bpf(BPF_PROG_LOAD, attr, size): only that command is stashed. */
SEC("tracepoint/syscalls/sys_enter_bpf")
int handle_enter_bpf(struct trace_event_raw_sys_enter *ctx)
{
	if (ctx->args[0] != HS_BPF_PROG_LOAD)
		return 0;
	return stash(ctx, 3);
}

/* The prefix of union bpf_attr's BPF_PROG_LOAD member (include/uapi/linux/bpf.h). */
struct prog_load_attr {
	__u32 prog_type;
	__u32 insn_cnt;
	__u64 insns;
	__u64 license;
	__u32 log_level;
	__u32 log_size;
	__u64 log_buf;
	__u32 kern_version;
	__u32 prog_flags;
	char prog_name[16];
	__u32 prog_ifindex;
	__u32 expected_attach_type;
};

SEC("tracepoint/syscalls/sys_exit_bpf")
int handle_exit_bpf(struct trace_event_raw_sys_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct prog_load_attr attr = {};
	char name[sizeof(attr.prog_name) + 1] = {};
	struct hs_pending a;
	struct hs_sec *s;
	__u32 off, len;
	__u8 *rec;

	rec = exit_record(id, NR_bpf, &a);
	if (!rec)
		return 0;
	s = sec_begin(rec, HS_BPF_PROG, NR_bpf, id, ctx->ret);
	len = a.args[2] < sizeof(attr) ? a.args[2] : sizeof(attr);
	bpf_probe_read_user(&attr, len, (void *)a.args[1]);
	s->arg0 = attr.prog_type;
	s->arg1 = attr.insn_cnt;
	s->arg2 = attr.expected_attach_type;
	__builtin_memcpy(name, attr.prog_name, sizeof(attr.prog_name));
	off = sizeof(*s);
	put_kstr(rec, &off, &s->str, name, sizeof(name));
	emit(rec, off);
	return 0;
}
