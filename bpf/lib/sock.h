/* SPDX-License-Identifier: (Apache-2.0 OR GPL-2.0) */
/*
 * sock.h: sockets behind descriptors and socket addresses into struct hs_net.
 */
#ifndef HS_LIB_SOCK_H
#define HS_LIB_SOCK_H

#define HS_AF_UNIX 1
#define HS_AF_INET 2
#define HS_AF_INET6 10
#define HS_IPPROTO_TCP 6
#define HS_IPPROTO_UDP 17
#define HS_DNS_PORT 53
#define HS_SOCKADDR_MAX 128 /* sizeof(struct sockaddr_storage) */
#define HS_UNIX_PATH_MAX 108

/*
 * The struct sock behind fd, or NULL when fd is not a socket. A socket file's
 * private_data is its struct socket (sock_alloc_file() in net/socket.c), whose
 * ->file points back at the file: checking that back pointer rejects other
 * files without needing the address of socket_file_ops.
 */
static __always_inline struct sock *fd_sock(__s64 fd)
{
	struct file *f = fd_file(fd);
	struct socket *so;

	if (!f)
		return NULL;
	so = BPF_CORE_READ(f, private_data);
	if (!so || BPF_CORE_READ(so, file) != f)
		return NULL;
	return BPF_CORE_READ(so, sk);
}

/* Family, protocol, type and addresses of sk; the peer only when with_peer. */
static __always_inline void sock_fill(struct hs_net *n, struct sock *sk, int with_peer)
{
	n->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	n->protocol = BPF_CORE_READ(sk, sk_protocol);
	n->sock_type = BPF_CORE_READ(sk, sk_type);
	n->sock_cookie = (__u64)sk;
	if (n->family == HS_AF_INET) {
		bpf_core_read(n->saddr, 4, &sk->__sk_common.skc_rcv_saddr);
		n->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
		if (with_peer) {
			bpf_core_read(n->daddr, 4, &sk->__sk_common.skc_daddr);
			n->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
		}
	} else if (n->family == HS_AF_INET6) {
		bpf_core_read(n->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		n->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
		if (with_peer) {
			bpf_core_read(n->daddr, 16, &sk->__sk_common.skc_v6_daddr);
			n->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
		}
	}
}

/*
 * The bound name of an AF_UNIX socket (unix_sk(sk)->addr, net/unix/af_unix.c)
 * into the record: a path name without its NUL, an abstract name with its
 * leading NUL and exact length.
 */
static __always_inline void put_unix_name(__u8 *rec, __u32 *off, struct hs_str *s, struct sock *sk)
{
	struct unix_sock *us = (void *)sk;
	struct unix_address *ua = BPF_CORE_READ(us, addr);
	const char *path;
	char first = 0;
	int len;

	if (!ua)
		return;
	len = BPF_CORE_READ(ua, len) - 2; /* minus sun_family */
	path = (const char *)&ua->name[0].sun_path;
	bpf_probe_read_kernel(&first, 1, path);
	if (len <= 0)
		return;
	if (first)
		put_kstr(rec, off, s, path, HS_UNIX_PATH_MAX + 1);
	else
		put_kbytes(rec, off, s, path, len & 0x7f, HS_UNIX_PATH_MAX);
}

/*
 * Decode a sockaddr copied from user space (sa, len bytes) into n's local
 * (to_local) or remote side; an AF_UNIX name goes into unix_path.
 */
static __always_inline void put_sockaddr(__u8 *rec, __u32 *off, struct hs_net *n,
					 const __u8 *sa, __u32 len, int to_local)
{
	__u16 family = *(__u16 *)sa;
	__u16 port = bpf_ntohs(*(__u16 *)(sa + 2));

	n->family = family;
	if (family == HS_AF_INET && len >= 8) {
		if (to_local) {
			__builtin_memcpy(n->saddr, sa + 4, 4);
			n->sport = port;
		} else {
			__builtin_memcpy(n->daddr, sa + 4, 4);
			n->dport = port;
		}
	} else if (family == HS_AF_INET6 && len >= 24) {
		if (to_local) {
			__builtin_memcpy(n->saddr, sa + 8, 16);
			n->sport = port;
		} else {
			__builtin_memcpy(n->daddr, sa + 8, 16);
			n->dport = port;
		}
	} else if (family == HS_AF_UNIX && len > 2) {
		__u32 plen = (len - 2) & 0x7f;

		if (plen > HS_UNIX_PATH_MAX)
			plen = HS_UNIX_PATH_MAX;
		if (sa[2])
			/* sa is zero-filled past len, so a terminator exists */
			put_kstr(rec, off, &n->unix_path, sa + 2, HS_UNIX_PATH_MAX + 1);
		else
			put_kbytes(rec, off, &n->unix_path, sa + 2, plen, HS_UNIX_PATH_MAX);
	}
}

#endif /* HS_LIB_SOCK_H */
