/**
 * cgroup v2 id -> path and container id.
 *
 * On cgroup v2 a cgroup's id is the inode number of its directory under the
 * unified mount, so the map is built by walking /sys/fs/cgroup; an unknown id
 * triggers one rescan (rate-limited), after which it is remembered as unknown
 * until the next rescan. Container ids come from the path naming conventions
 * of docker, containerd (cri-containerd-), cri-o (crio-), podman (libpod-).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const CONTAINER_PATTERNS = [
  /(?:docker|cri-containerd|crio|libpod)-([0-9a-f]{64})\.scope/,
  /\/docker\/([0-9a-f]{64})(?:\/|$)/,
  /\/kubepods[^/]*\/.*?([0-9a-f]{64})(?:\/|$)/,
  /\/(?:lxc|lxc\.payload)\.([^/]+)/,
];

/** The container id named by a cgroup path, null for host cgroups. */
export function containerIdFromCgroup(path: string): string | null {
  for (const re of CONTAINER_PATTERNS) {
    const m = re.exec(path);
    if (m) return m[1]!;
  }
  return null;
}

/** Resolves cgroup ids to paths under the unified hierarchy. */
export class CgroupPaths {
  private readonly byId = new Map<bigint, string | null>();
  private lastScanMs = 0;

  constructor(private readonly root = '/sys/fs/cgroup', private readonly minRescanMs = 1000) {
    this.scan();
  }

  private scan(): void {
    this.lastScanMs = Date.now();
    const walk = (dir: string, rel: string, depth: number): void => {
      try {
        const st = statSync(dir, { bigint: true });
        this.byId.set(st.ino, rel === '' ? '/' : rel);
      } catch {
        return;
      }
      if (depth > 16) return;
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        if (e.isDirectory()) walk(join(dir, e.name), `${rel}/${e.name}`, depth + 1);
      }
    };
    walk(this.root, '', 0);
  }

  /** Path of cgroup `id` relative to the cgroup2 root ('/' for the root), null when unknown. */
  path(id: bigint): string | null {
    const known = this.byId.get(id);
    if (known !== undefined) return known;
    if (Date.now() - this.lastScanMs >= this.minRescanMs) {
      this.scan();
      const found = this.byId.get(id);
      if (found !== undefined) return found;
    }
    this.byId.set(id, null);
    return null;
  }
}
