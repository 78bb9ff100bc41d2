/* SPDX-License-Identifier: (Apache-2.0 OR GPL-2.0) */
/*
 * path.h: absolute paths by walking dentries, for hooks where bpf_d_path()
 * is not allowed (it is limited to a few fentry/LSM attach points).
 *
 * The walk follows prepend_path() in fs/d_path.c: from (mnt, dentry) go up
 * d_parent; at the root of a mount cross to mnt_mountpoint in mnt_parent;
 * stop at current's fs->root (so a chrooted process gets paths as it sees
 * them, as d_path() does) or at the global root. Components are written back
 * to front into the per-CPU walk_buf ending at HS_PATH_MAX, one bpf_loop()
 * step each (a plain bounded loop exceeds the verifier's instruction budget).
 * Kernel pointers are held as numbers and turned back into typed pointers
 * with hs_cast() (bpf_rdonly_cast()), so fields are plain fault-tolerant
 * loads; only the name copy is a helper call.
 *
 * Differences from d_path(): no " (deleted)" suffix, no "(unreachable)"
 * prefix (a walk that cannot reach the root stops where it is), and no
 * d_dname() names for pseudo filesystems (pipe:, socket:).
 */
#ifndef HS_LIB_PATH_H
#define HS_LIB_PATH_H

/* bpf_loop() steps: path components plus mount crossings. */
#define HS_WALK_DEPTH 512

struct walk_ctx {
	__u64 dentry;
	__u64 mnt;        /* struct mount * of the current position */
	__u64 mnt_root;   /* its mnt.mnt_root */
	__u64 root_dentry;
	__u64 root_mnt;   /* struct mount * of current's fs->root */
	char *buf;
	__u32 pos;        /* the path is buf[pos, HS_PATH_MAX) */
	__u32 trunc;
	__u32 done;
};

static __always_inline __u64 real_mount(__u64 vfsmnt)
{
	/* container_of(mnt, struct mount, mnt), fs/mount.h */
	return vfsmnt - bpf_core_field_offset(struct mount, mnt);
}

static long walk_step(__u32 index, void *data)
{
	struct walk_ctx *w = data;
	struct dentry *d;
	const unsigned char *name;
	__u64 parent;
	__u32 len, pos;

	if (w->dentry == w->root_dentry && w->mnt == w->root_mnt)
		goto done;
	if (w->dentry == w->mnt_root) {
		struct mount *m = hs_cast(w->mnt, struct mount);
		struct mount *up = m->mnt_parent;

		if ((__u64)up == w->mnt)
			goto done; /* the global root */
		w->dentry = (__u64)m->mnt_mountpoint;
		w->mnt = (__u64)up;
		w->mnt_root = (__u64)up->mnt.mnt_root;
		return 0;
	}
	d = hs_cast(w->dentry, struct dentry);
	parent = (__u64)d->d_parent;
	len = d->d_name.len;
	name = d->d_name.name;
	if (len > HS_NAME_MAX) {
		len = HS_NAME_MAX;
		w->trunc = 1;
	}
	if (!parent)
		goto done;
	if (parent == w->dentry) {
		/*
		 * IS_ROOT() below a mount root: a detached tree, or a pseudo file
		 * made by alloc_file_pseudo() (memfd, anon files) whose dentry is
		 * its own parent and whose only name is its own. Name the latter as
		 * d_path() does for memfd ("/memfd:x", fs/d_path.c): only when it is
		 * the first component and has a name that is not "/".
		 */
		unsigned char first = 0;

		if (w->pos != HS_PATH_MAX || len == 0)
			goto done;
		bpf_probe_read_kernel(&first, 1, name);
		if (first == '/')
			goto done;
	}

	pos = w->pos;
	if (pos > HS_PATH_MAX)
		goto done;
	if (len + 1 > pos) {
		w->trunc = 1;
		goto done;
	}
	pos -= len + 1;
	if (pos > HS_PATH_MAX)
		goto done;
	bpf_probe_read_kernel(w->buf + pos + 1, len, name);
	w->buf[pos] = '/';
	w->pos = pos;
	w->dentry = parent;
	return 0;
done:
	w->done = 1;
	return 1;
}

/*
 * Resolve (vfsmnt, dentry) into wb->buf. Returns the index where the path
 * starts; it ends at HS_PATH_MAX. *trunc is set when the path was cut.
 */
static __always_inline __u32 walk(struct hs_walk_buf *wb, __u64 vfsmnt, __u64 dentry, __u32 *trunc)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct fs_struct *fs = t->fs;
	struct walk_ctx w = {};

	w.dentry = dentry;
	w.mnt = real_mount(vfsmnt);
	w.mnt_root = (__u64)hs_cast(vfsmnt, struct vfsmount)->mnt_root;
	w.root_dentry = (__u64)fs->root.dentry;
	w.root_mnt = real_mount((__u64)fs->root.mnt);
	w.buf = wb->buf;
	w.pos = HS_PATH_MAX;
	bpf_loop(HS_WALK_DEPTH, walk_step, &w, 0);
	if (!w.done)
		w.trunc = 1; /* deeper than HS_WALK_DEPTH */
	if (w.pos >= HS_PATH_MAX) {
		wb->buf[HS_PATH_MAX - 1] = '/';
		w.pos = HS_PATH_MAX - 1;
	}
	*trunc = w.trunc;
	return w.pos;
}

static __always_inline __u32 walk_file(struct hs_walk_buf *wb, struct file *f, __u32 *trunc)
{
	return walk(wb, (__u64)f->f_path.mnt, (__u64)f->f_path.dentry, trunc);
}

/* Current's working directory. */
static __always_inline __u32 walk_pwd(struct hs_walk_buf *wb, __u32 *trunc)
{
	struct fs_struct *fs = bpf_get_current_task_btf()->fs;

	return walk(wb, (__u64)fs->pwd.mnt, (__u64)fs->pwd.dentry, trunc);
}

#endif /* HS_LIB_PATH_H */
