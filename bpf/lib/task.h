/* SPDX-License-Identifier: (Apache-2.0 OR GPL-2.0) */
/*
 * task.h: the common record header and lookups from the current task.
 *
 * Fields are read through BTF pointers (bpf_get_current_task_btf(), available
 * to tracepoint programs through bpf_tracing_func_proto() in
 * kernel/trace/bpf_trace.c), which the verifier turns into fault-tolerant
 * direct loads: cheaper than one bpf_probe_read_kernel() call per field.
 */
#ifndef HS_LIB_TASK_H
#define HS_LIB_TASK_H

#define HS_AT_FDCWD (-100)

/*
 * bpf_rdonly_cast() (kernel/bpf/helpers.c, a kfunc for every program type)
 * turns a number into a read-only BTF pointer of the given type; the
 * verifier rewrites the call into a register move, and loads through the
 * result are fault-tolerant (PROBE_MEM), far cheaper than a
 * bpf_probe_read_kernel() call per field.
 */
extern void *bpf_rdonly_cast(const void *obj__ign, __u32 btf_id__k) __ksym;
#define hs_cast(v, type) \
	((type *)bpf_rdonly_cast((const void *)(__u64)(v), bpf_core_type_id_kernel(type)))

/* Fill the common header from current. */
static __always_inline void fill_header(struct hs_header *h, __u16 kind, __u16 nr, __u64 pid_tgid)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct task_struct *rp = t->real_parent;
	const struct cred *cred = t->cred;

	h->kind = kind;
	h->syscall = nr;
	h->flags = 0;
	h->ktime_ns = bpf_ktime_get_boot_ns();
	h->start_ns = t->group_leader->start_boottime;
	h->parent_start_ns = rp->group_leader->start_boottime;
	h->cgroup_id = bpf_get_current_cgroup_id();
	h->pid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	h->ppid = rp->tgid;
	h->uid = cred->uid.val;
	h->gid = cred->gid.val;
	h->euid = cred->euid.val;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

/*
 * The file behind descriptor fd of current: files->fdt->fd[fd], as
 * files_lookup_fd_raw() in include/linux/fdtable.h. NULL when out of range.
 */
static __always_inline struct file *fd_file(__s64 fd)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct fdtable *fdt;
	struct file **fds;
	struct file *f = NULL;

	if (fd < 0)
		return NULL;
	fdt = t->files->fdt;
	if ((__u64)fd >= fdt->max_fds)
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	if (!f)
		return NULL;
	return hs_cast(f, struct file);
}

#endif /* HS_LIB_TASK_H */
