/**
 * uid/gid to name, from the host's /etc/passwd and /etc/group. Files are
 * re-read when their mtime changes (checked at most once a second), so users
 * added during a recording are named. Names of users inside containers with
 * their own user databases are not resolved (null), never guessed.
 */
import { readFileSync, statSync } from 'node:fs';

interface Db {
  path: string;
  mtimeMs: number;
  checkedAt: number;
  names: Map<number, string>;
}

function load(path: string): Map<number, string> {
  const names = new Map<number, string>();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return names;
  }
  for (const line of text.split('\n')) {
    const parts = line.split(':');
    if (parts.length < 3 || parts[0] === '' || line.startsWith('#')) continue;
    const id = Number(parts[2]);
    if (Number.isInteger(id) && !names.has(id)) names.set(id, parts[0]!);
  }
  return names;
}

function mtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
}

/** Name lookups with change detection. */
export class UserNames {
  private readonly passwd: Db;
  private readonly group: Db;

  constructor(passwdPath = '/etc/passwd', groupPath = '/etc/group') {
    this.passwd = { path: passwdPath, mtimeMs: mtime(passwdPath), checkedAt: Date.now(), names: load(passwdPath) };
    this.group = { path: groupPath, mtimeMs: mtime(groupPath), checkedAt: Date.now(), names: load(groupPath) };
  }

  private refresh(db: Db): void {
    const now = Date.now();
    if (now - db.checkedAt < 1000) return;
    db.checkedAt = now;
    const m = mtime(db.path);
    if (m !== db.mtimeMs) {
      db.mtimeMs = m;
      db.names = load(db.path);
    }
  }

  /** User name of `uid`, null when unknown. */
  userName(uid: number): string | null {
    const name = this.passwd.names.get(uid);
    if (name !== undefined) return name;
    this.refresh(this.passwd);
    return this.passwd.names.get(uid) ?? null;
  }

  /** Group name of `gid`, null when unknown. */
  groupName(gid: number): string | null {
    const name = this.group.names.get(gid);
    if (name !== undefined) return name;
    this.refresh(this.group);
    return this.group.names.get(gid) ?? null;
  }
}
