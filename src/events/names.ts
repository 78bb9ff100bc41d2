/**
 * Name tables for numbers the kernel reports: x86_64 syscall numbers, errno
 * values, TCP states, ptrace requests and BPF program types. Pure lookups;
 * an unknown number maps to a stable fallback text that keeps the number.
 */

/** x86_64 syscall numbers of the calls the BPF programs hook (arch/x86/entry/syscalls/syscall_64.tbl). */
const SYSCALLS: Record<number, string> = {
  2: 'open', 42: 'connect', 43: 'accept', 44: 'sendto', 46: 'sendmsg', 49: 'bind', 50: 'listen',
  59: 'execve', 76: 'truncate', 77: 'ftruncate', 82: 'rename', 83: 'mkdir', 84: 'rmdir', 85: 'creat',
  86: 'link', 87: 'unlink', 88: 'symlink', 90: 'chmod', 91: 'fchmod', 92: 'chown', 93: 'fchown',
  94: 'lchown', 101: 'ptrace', 105: 'setuid', 106: 'setgid', 113: 'setreuid', 114: 'setregid',
  117: 'setresuid', 119: 'setresgid', 122: 'setfsuid', 123: 'setfsgid', 175: 'init_module',
  176: 'delete_module', 257: 'openat', 258: 'mkdirat', 260: 'fchownat', 263: 'unlinkat',
  264: 'renameat', 265: 'linkat', 266: 'symlinkat', 268: 'fchmodat', 288: 'accept4', 307: 'sendmmsg',
  313: 'finit_module', 316: 'renameat2', 319: 'memfd_create', 321: 'bpf', 322: 'execveat',
  437: 'openat2', 452: 'fchmodat2',
};

/** Names of every syscall the BPF programs hook (the values of the `syscall` column). */
export const HOOKED_SYSCALLS: readonly string[] = Object.values(SYSCALLS);

/** Name of an x86_64 syscall number; `syscall_<n>` when not in the table. */
export function syscallName(nr: number): string {
  return SYSCALLS[nr] ?? `syscall_${nr}`;
}

const ERRNOS = [
  '', 'EPERM', 'ENOENT', 'ESRCH', 'EINTR', 'EIO', 'ENXIO', 'E2BIG', 'ENOEXEC', 'EBADF', 'ECHILD',
  'EAGAIN', 'ENOMEM', 'EACCES', 'EFAULT', 'ENOTBLK', 'EBUSY', 'EEXIST', 'EXDEV', 'ENODEV', 'ENOTDIR',
  'EISDIR', 'EINVAL', 'ENFILE', 'EMFILE', 'ENOTTY', 'ETXTBSY', 'EFBIG', 'ENOSPC', 'ESPIPE', 'EROFS',
  'EMLINK', 'EPIPE', 'EDOM', 'ERANGE', 'EDEADLK', 'ENAMETOOLONG', 'ENOLCK', 'ENOSYS', 'ENOTEMPTY',
  'ELOOP', '', 'ENOMSG', 'EIDRM', 'ECHRNG', 'EL2NSYNC', 'EL3HLT', 'EL3RST', 'ELNRNG', 'EUNATCH',
  'ENOCSI', 'EL2HLT', 'EBADE', 'EBADR', 'EXFULL', 'ENOANO', 'EBADRQC', 'EBADSLT', '', 'EBFONT',
  'ENOSTR', 'ENODATA', 'ETIME', 'ENOSR', 'ENONET', 'ENOPKG', 'EREMOTE', 'ENOLINK', 'EADV', 'ESRMNT',
  'ECOMM', 'EPROTO', 'EMULTIHOP', 'EDOTDOT', 'EBADMSG', 'EOVERFLOW', 'ENOTUNIQ', 'EBADFD', 'EREMCHG',
  'ELIBACC', 'ELIBBAD', 'ELIBSCN', 'ELIBMAX', 'ELIBEXEC', 'EILSEQ', 'ERESTART', 'ESTRPIPE', 'EUSERS',
  'ENOTSOCK', 'EDESTADDRREQ', 'EMSGSIZE', 'EPROTOTYPE', 'ENOPROTOOPT', 'EPROTONOSUPPORT',
  'ESOCKTNOSUPPORT', 'EOPNOTSUPP', 'EPFNOSUPPORT', 'EAFNOSUPPORT', 'EADDRINUSE', 'EADDRNOTAVAIL',
  'ENETDOWN', 'ENETUNREACH', 'ENETRESET', 'ECONNABORTED', 'ECONNRESET', 'ENOBUFS', 'EISCONN',
  'ENOTCONN', 'ESHUTDOWN', 'ETOOMANYREFS', 'ETIMEDOUT', 'ECONNREFUSED', 'EHOSTDOWN', 'EHOSTUNREACH',
  'EALREADY', 'EINPROGRESS', 'ESTALE', 'EUCLEAN', 'ENOTNAM', 'ENAVAIL', 'EISNAM', 'EREMOTEIO',
  'EDQUOT', 'ENOMEDIUM', 'EMEDIUMTYPE', 'ECANCELED', 'ENOKEY', 'EKEYEXPIRED', 'EKEYREVOKED',
  'EKEYREJECTED', 'EOWNERDEAD', 'ENOTRECOVERABLE', 'ERFKILL', 'EHWPOISON',
];

/** errno name for a negative syscall return (e.g. -2 -> ENOENT); null for ret >= 0. */
export function errnoName(ret: number | bigint): string | null {
  const n = -Number(ret);
  if (n <= 0) return null;
  if (n === 512) return 'ERESTARTSYS';
  return ERRNOS[n] || `E${n}`;
}

const TCP_STATES = [
  '', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT', 'CLOSE',
  'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING', 'NEW_SYN_RECV', 'BOUND_INACTIVE',
];

/** TCP state name (include/net/tcp_states.h). */
export function tcpStateName(state: number): string {
  return TCP_STATES[state] || `STATE_${state}`;
}

const PTRACE_REQUESTS: Record<number, string> = {
  0: 'PTRACE_TRACEME', 1: 'PTRACE_PEEKTEXT', 2: 'PTRACE_PEEKDATA', 3: 'PTRACE_PEEKUSER',
  4: 'PTRACE_POKETEXT', 5: 'PTRACE_POKEDATA', 6: 'PTRACE_POKEUSER', 7: 'PTRACE_CONT',
  8: 'PTRACE_KILL', 9: 'PTRACE_SINGLESTEP', 12: 'PTRACE_GETREGS', 13: 'PTRACE_SETREGS',
  16: 'PTRACE_ATTACH', 17: 'PTRACE_DETACH', 0x4206: 'PTRACE_SEIZE', 0x4207: 'PTRACE_INTERRUPT',
};

/** ptrace request name (include/uapi/linux/ptrace.h). */
export function ptraceRequestName(req: number): string {
  return PTRACE_REQUESTS[req] ?? `PTRACE_${req}`;
}

const BPF_PROG_TYPES = [
  'unspec', 'socket_filter', 'kprobe', 'sched_cls', 'sched_act', 'tracepoint', 'xdp', 'perf_event',
  'cgroup_skb', 'cgroup_sock', 'lwt_in', 'lwt_out', 'lwt_xmit', 'sock_ops', 'sk_skb', 'cgroup_device',
  'sk_msg', 'raw_tracepoint', 'cgroup_sock_addr', 'lwt_seg6local', 'lirc_mode2', 'sk_reuseport',
  'flow_dissector', 'cgroup_sysctl', 'raw_tracepoint_writable', 'cgroup_sockopt', 'tracing',
  'struct_ops', 'ext', 'lsm', 'sk_lookup', 'syscall', 'netfilter',
];

/** BPF program type name (enum bpf_prog_type, include/uapi/linux/bpf.h). */
export function bpfProgTypeName(type: number): string {
  return BPF_PROG_TYPES[type] ?? `type_${type}`;
}

const DNS_TYPES: Record<number, string> = {
  1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV',
  35: 'NAPTR', 43: 'DS', 48: 'DNSKEY', 64: 'SVCB', 65: 'HTTPS', 255: 'ANY',
};

/** DNS RR type mnemonic (RFC 1035 and successors); `TYPE<n>` otherwise (RFC 3597). */
export function dnsTypeName(type: number): string {
  return DNS_TYPES[type] ?? `TYPE${type}`;
}

/** Address family name for AF_* numbers. */
export function familyName(family: number): string | null {
  switch (family) {
    case 1: return 'unix';
    case 2: return 'inet';
    case 10: return 'inet6';
    case 0: return null;
    default: return `af_${family}`;
  }
}

/** IP protocol name for IPPROTO_* numbers. */
export function protocolName(proto: number): string | null {
  switch (proto) {
    case 6: return 'tcp';
    case 17: return 'udp';
    case 0: return null;
    default: return `ipproto_${proto}`;
  }
}
