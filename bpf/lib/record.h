/* SPDX-License-Identifier: (Apache-2.0 OR GPL-2.0) */
/*
 * record.h: building a record in the per-CPU scratch buffer and writing it
 * to the ring with its exact size.
 *
 * A record is its kind's fixed struct followed by strings appended at *off.
 * Strings carry no NUL: the next string overwrites the terminator that the
 * *_str helpers write. Each append first checks *off against the scratch size
 * with the append's constant cap, which is what lets the verifier bound the
 * write; an append that would not fit is dropped and flagged
 * HS_F_PATH_TRUNC (only reachable with several maximal strings).
 */
#ifndef HS_LIB_RECORD_H
#define HS_LIB_RECORD_H

/* Keep clang from replacing a clamped length by the unclamped value it was
 * derived from, which the verifier cannot bound. */
#define hs_barrier_var(v) asm volatile("" : "+r"(v))

static __always_inline __u8 *scratch_rec(void)
{
	__u32 zero = 0;
	struct hs_scratch *s = bpf_map_lookup_elem(&scratch, &zero);

	return s ? s->rec : NULL;
}

static __always_inline struct hs_walk_buf *walk_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&walk_buf, &zero);
}

/* Append the walked path wb->buf[pos, HS_PATH_MAX). */
static __always_inline __u16 put_walk(__u8 *rec, __u32 *off, struct hs_str *s,
				      struct hs_walk_buf *wb, __u32 pos, __u32 trunc)
{
	__u32 o = *off;
	__u32 len;

	if (o > HS_SCRATCH_SIZE - HS_PATH_MAX)
		return HS_F_PATH_TRUNC;
	if (pos > HS_PATH_MAX)
		return 0;
	len = HS_PATH_MAX - pos;
	bpf_probe_read_kernel(rec + o, len, wb->buf + pos);
	s->off = o;
	s->len = len;
	*off = o + len;
	if (trunc) {
		count(HS_CNT_PATH_TRUNC);
		return HS_F_PATH_TRUNC;
	}
	return 0;
}

/* Append a NUL-terminated user string of at most cap - 1 bytes. */
static __always_inline __u16 put_ustr(__u8 *rec, __u32 *off, struct hs_str *s,
				      const void *uptr, const __u32 cap)
{
	__u32 o = *off;
	long n;

	if (o > HS_SCRATCH_SIZE - cap)
		return HS_F_PATH_TRUNC;
	n = bpf_probe_read_user_str(rec + o, cap, uptr);
	if (n <= 0)
		return HS_F_STR_FAULT;
	s->off = o;
	s->len = n - 1;
	*off = o + n - 1;
	return 0;
}

/* Append a NUL-terminated kernel string of at most cap - 1 bytes. */
static __always_inline __u16 put_kstr(__u8 *rec, __u32 *off, struct hs_str *s,
				      const void *kptr, const __u32 cap)
{
	__u32 o = *off;
	long n;

	if (!kptr)
		return 0;
	if (o > HS_SCRATCH_SIZE - cap)
		return HS_F_PATH_TRUNC;
	n = bpf_probe_read_kernel_str(rec + o, cap, kptr);
	if (n <= 0)
		return 0;
	s->off = o;
	s->len = n - 1;
	*off = o + n - 1;
	return 0;
}

/* Append len raw user bytes, len <= cap. */
static __always_inline __u16 put_ubytes(__u8 *rec, __u32 *off, struct hs_str *s,
					const void *uptr, __u32 len, const __u32 cap)
{
	__u32 o = *off;

	if (o > HS_SCRATCH_SIZE - cap)
		return HS_F_PATH_TRUNC;
	if (len > cap)
		len = cap;
	hs_barrier_var(len);
	if (bpf_probe_read_user(rec + o, len, uptr))
		return HS_F_STR_FAULT;
	s->off = o;
	s->len = len;
	*off = o + len;
	return 0;
}

/* Append len raw kernel bytes, len <= cap. */
static __always_inline void put_kbytes(__u8 *rec, __u32 *off, struct hs_str *s,
				       const void *kptr, __u32 len, const __u32 cap)
{
	__u32 o = *off;

	if (o > HS_SCRATCH_SIZE - cap)
		return;
	if (len > cap)
		len = cap;
	hs_barrier_var(len);
	if (bpf_probe_read_kernel(rec + o, len, kptr))
		return;
	s->off = o;
	s->len = len;
	*off = o + len;
}

/*
 * Copy a finished record to the ring and count the outcome. BPF_RB_NO_WAKEUP:
 * the recorder drains the ring on a 10 ms timer and never sleeps on the map's
 * fd, so the irq_work wake-up that a plain output schedules per record
 * (kernel/bpf/ringbuf.c, bpf_ringbuf_commit) would be pure overhead.
 */
static __always_inline void output(const void *rec, __u32 size)
{
	if (bpf_ringbuf_output(&events, (void *)rec, size, BPF_RB_NO_WAKEUP))
		count(HS_CNT_LOST_RING);
	else
		count(HS_CNT_EMITTED);
}

/* Write rec[0, size) to the ring; size becomes hs_header.size. */
static __always_inline void emit(__u8 *rec, __u32 size)
{
	if (size > HS_SCRATCH_SIZE)
		size = HS_SCRATCH_SIZE;
	((struct hs_header *)rec)->size = size;
	output(rec, size);
}

#endif /* HS_LIB_RECORD_H */
