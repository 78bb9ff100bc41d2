/* SPDX-License-Identifier: (Apache-2.0 OR GPL-2.0) */
/*
 * maps.h: the maps and load-time settings shared by every hindsight program.
 *
 * events    ring buffer of records (user space sizes it before load)
 * counters  per-CPU __u64 slots indexed by enum hs_counter
 * scratch   per-CPU record under construction; records are built here and
 *           copied to the ring with their exact size
 * walk_buf  per-CPU buffer the dentry walk writes into, back to front
 * pending   syscall arguments stashed at sys_enter_*, keyed by thread id,
 *           consumed at the matching sys_exit_*
 */
#ifndef HS_LIB_MAPS_H
#define HS_LIB_MAPS_H

/*
 * A per-CPU array value is capped at PCPU_MIN_UNIT_SIZE (32 KiB,
 * include/linux/percpu.h; checked in array_map_alloc_check()), so the
 * largest record is 32 KiB. Every string append checks its offset against
 * this size so the verifier can bound the write.
 */
#define HS_SCRATCH_SIZE 32768
/* The walk writes a component of at most HS_NAME_MAX bytes before pos. */
#define HS_NAME_MAX 255
#define HS_WALK_BUF_SIZE (HS_PATH_MAX + HS_NAME_MAX + 1 + 256)
#define HS_PENDING_MAX 32768
#define HS_PENDING_IDLE 0xffffffff /* hs_pending.nr of an entry with nothing in flight */

/* Load-time settings; see hindsight.h. */
const volatile __u32 self_tgid = 0;
const volatile __u32 argv_max = 4096;
const volatile __u32 ro_prefix_count = 0;
const volatile __u32 ro_prefix_len[HS_RO_PREFIXES] = {};
const volatile char ro_prefixes[HS_RO_PREFIXES][HS_RO_PREFIX_LEN] = {};

/*
 * The capture switch, in .data so that user space can flip it while the
 * programs run (one bpf_map_update_elem, seen by every program at once):
 * 1 = paused. It starts paused, so a recording begins only once every
 * program is attached, and the recorder pauses before it detaches, so the
 * edges of a recording never hold a fork without its exec because one hook
 * was attached or detached before another.
 */
volatile __u32 capture_paused = 1;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HS_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct hs_scratch {
	__u8 rec[HS_SCRATCH_SIZE];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hs_scratch);
} scratch SEC(".maps");

struct hs_walk_buf {
	char buf[HS_WALK_BUF_SIZE];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hs_walk_buf);
} walk_buf SEC(".maps");

/* Arguments of a syscall in flight, from sys_enter_* to sys_exit_*; one
 * entry per thread that made a recorded syscall, deleted when it exits. */
struct hs_pending {
	__u64 args[6];
	__u32 nr;    /* syscall number, checked at exit; HS_PENDING_IDLE after */
	__u32 _pad0;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HS_PENDING_MAX);
	__type(key, __u32);
	__type(value, struct hs_pending);
} pending SEC(".maps");

static __always_inline void count(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &slot);

	if (v)
		*v += 1;
}

#endif /* HS_LIB_MAPS_H */
