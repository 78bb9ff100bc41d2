/**
 * Joins a user's path argument with the directory it was relative to, and
 * normalises the result lexically: '.' and empty components are dropped and
 * '..' removes the previous component (never above '/'). Symlinks are not
 * followed, which is why the schema's path_source says 'joined' for these.
 * Works on Text so that non-UTF-8 names stay byte-exact.
 */
import type { Text } from '../events/decode.js';
import { bytesToText } from '../events/decode.js';

const SLASH = 0x2f;
const DOT = 0x2e;

function toBytes(t: Text): Uint8Array {
  return typeof t === 'string' ? new TextEncoder().encode(t) : t;
}

/** Normalises an absolute path given as bytes. */
function normaliseBytes(path: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i <= path.length; i++) {
    if (i < path.length && path[i] !== SLASH) continue;
    const part = path.subarray(start, i);
    start = i + 1;
    if (part.length === 0 || (part.length === 1 && part[0] === DOT)) continue;
    if (part.length === 2 && part[0] === DOT && part[1] === DOT) { parts.pop(); continue; }
    parts.push(part);
  }
  let size = parts.length === 0 ? 1 : 0;
  for (const p of parts) size += p.length + 1;
  const out = new Uint8Array(size);
  out[0] = SLASH;
  let at = 0;
  for (const p of parts) { out[at++] = SLASH; out.set(p, at); at += p.length; }
  return out;
}

/**
 * The absolute path for `arg`: `arg` itself when absolute, else `base`/`arg`.
 * Returns null when `arg` is relative and `base` is unknown.
 */
export function resolvePath(arg: Text | null, base: Text | null): Text | null {
  if (arg === null) return null;
  const argBytes = toBytes(arg);
  if (argBytes[0] === SLASH) return bytesToText(normaliseBytes(argBytes));
  if (base === null) return null;
  const baseBytes = toBytes(base);
  const joined = new Uint8Array(baseBytes.length + 1 + argBytes.length);
  joined.set(baseBytes, 0);
  joined[baseBytes.length] = SLASH;
  joined.set(argBytes, baseBytes.length + 1);
  return bytesToText(normaliseBytes(joined));
}

/** True when two Texts hold the same bytes. */
export function sameText(a: Text | null, b: Text | null): boolean {
  if (a === null || b === null) return a === b;
  if (typeof a === 'string' && typeof b === 'string') return a === b;
  const x = toBytes(a);
  const y = toBytes(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}
