/**
 * Which `rule_events` kinds a syscall or Falco event type is recorded as
 * (bpf/hindsight.h, enum hs_kind): used to tell the replay runner which rows
 * a rule can match at all.
 */

const KIND_OF_TYPE: Record<string, string[]> = {
  execve: ['exec', 'exec_fail'], execveat: ['exec', 'exec_fail'],
  open: ['open'], openat: ['open'], openat2: ['open'], creat: ['open'],
  unlink: ['unlink'], unlinkat: ['unlink'], rmdir: ['unlink'],
  rename: ['rename'], renameat: ['rename'], renameat2: ['rename'],
  chmod: ['chmod'], fchmod: ['chmod'], fchmodat: ['chmod'], fchmodat2: ['chmod'],
  chown: ['chown'], lchown: ['chown'], fchown: ['chown'], fchownat: ['chown'],
  mkdir: ['mkdir'], mkdirat: ['mkdir'], link: ['link'], linkat: ['link'], symlink: ['symlink'], symlinkat: ['symlink'],
  truncate: ['truncate'], ftruncate: ['truncate'],
  connect: ['connect'], accept: ['accept'], accept4: ['accept'], bind: ['bind'], listen: ['listen'],
  sendto: ['dns'], sendmsg: ['dns'], sendmmsg: ['dns'],
  ptrace: ['ptrace'],
  setuid: ['setuid'], setreuid: ['setuid'], setresuid: ['setuid'], setfsuid: ['setuid'],
  setgid: ['setgid'], setregid: ['setgid'], setresgid: ['setgid'], setfsgid: ['setgid'],
  memfd_create: ['memfd'], init_module: ['module'], finit_module: ['module'], delete_module: ['module'], bpf: ['bpf_prog'],
  clone: ['fork'], clone3: ['fork'], fork: ['fork'], vfork: ['fork'], procexit: ['exit'],
};

/** The kinds the given event types are recorded as, sorted; null when a type is unknown (then any kind). */
export function kindsOfEventTypes(types: Iterable<string>): string[] | null {
  const out = new Set<string>();
  for (const t of types) {
    const kinds = KIND_OF_TYPE[t];
    if (kinds === undefined) return null;
    for (const k of kinds) out.add(k);
  }
  return [...out].sort();
}
