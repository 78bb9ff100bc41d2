import { describe, expect, it } from 'vitest';
import { DecodeError, decodeRecord, splitArgv } from '../../src/events/decode.js';
import { KIND, LAYOUT } from '../../src/events/layout.js';

const H = LAYOUT.hs_header.fields;

/** Builds a record: header fields, then `fill` for the kind's fields, then strings. */
function record(kind: number, struct: keyof typeof LAYOUT, fill: (v: DataView) => void, strings: Array<[number, Uint8Array]> = []) {
  const fixed = LAYOUT[struct].size;
  const size = fixed + strings.reduce((n, [, b]) => n + b.length, 0);
  const bytes = new Uint8Array(size + 8);
  const v = new DataView(bytes.buffer);
  const at = 8; // a record not at offset 0, as in the ring
  const dv = new DataView(bytes.buffer, at);
  dv.setUint16(H.kind, kind, true);
  dv.setUint16(H.size, size, true);
  dv.setUint16(H.syscall, 257, true);
  dv.setBigUint64(H.ktime_ns, 123456789012345n, true);
  dv.setBigUint64(H.start_ns, 2n ** 60n + 7n, true);
  dv.setBigUint64(H.parent_start_ns, 99n, true);
  dv.setBigUint64(H.cgroup_id, 2n ** 63n + 1n, true);
  dv.setUint32(H.pid, 4242, true);
  dv.setUint32(H.tid, 4243, true);
  dv.setUint32(H.ppid, 1, true);
  dv.setUint32(H.uid, 1000, true);
  dv.setUint32(H.euid, 0, true);
  bytes.set(new TextEncoder().encode('bash'), at + H.comm);
  fill(dv);
  let off = fixed;
  for (const [fieldAt, b] of strings) {
    dv.setUint16(fieldAt, off, true);
    dv.setUint16(fieldAt + 2, b.length, true);
    bytes.set(b, at + off);
    off += b.length;
  }
  return { view: v, bytes, at, size };
}

const enc = (s: string) => new TextEncoder().encode(s);

describe('decodeRecord', () => {
  it('reads the header with 64-bit values as exact bigints', () => {
    const F = LAYOUT.hs_exit.fields;
    const r = record(KIND.EXIT, 'hs_exit', (v) => v.setUint32(F.exit_code, 0x0100, true));
    const ev = decodeRecord(r.view, r.bytes, r.at, r.size);
    expect(ev).toMatchObject({ type: 'exit', pid: 4242, tid: 4243, ppid: 1, uid: 1000, comm: 'bash', syscall: 257, exitStatus: 256 });
    expect(ev.startNs).toBe(2n ** 60n + 7n);
    expect(ev.cgroupId).toBe(2n ** 63n + 1n);
  });

  it('reads file strings and keeps invalid UTF-8 as exact bytes', () => {
    const F = LAYOUT.hs_file.fields;
    const bad = new Uint8Array([0x2f, 0x74, 0xff, 0x0a, 0x78]);
    const r = record(KIND.OPEN, 'hs_file', (v) => v.setBigInt64(F.ret, -2n, true), [[F.path_arg, bad], [F.base, enc('/tmp')]]);
    const ev = decodeRecord(r.view, r.bytes, r.at, r.size);
    if (ev.type !== 'file') throw new Error('not a file event');
    expect(ev.ret).toBe(-2n);
    expect(ev.pathArg).toEqual(bad);
    expect(ev.base).toBe('/tmp');
    expect(ev.path).toBeNull();
  });

  it('splits argv at NULs and keeps a cut last argument', () => {
    expect(splitArgv(enc('ls\0-l\0/tmp\0'))).toEqual(['ls', '-l', '/tmp']);
    expect(splitArgv(enc('echo\0\0x'))).toEqual(['echo', '', 'x']);
    expect(splitArgv(null)).toEqual([]);
  });

  it.each([
    ['a record shorter than the header', 40],
    ['a record shorter than its kind struct', 90],
  ])('rejects %s', (_name, len) => {
    const r = record(KIND.EXEC, 'hs_exec', () => {});
    expect(() => decodeRecord(r.view, r.bytes, r.at, len)).toThrow(DecodeError);
  });

  it('rejects a string that points outside the record', () => {
    const F = LAYOUT.hs_file.fields;
    const r = record(KIND.OPEN, 'hs_file', (v) => { v.setUint16(F.path, 150, true); v.setUint16(F.path + 2, 100, true); });
    expect(() => decodeRecord(r.view, r.bytes, r.at, r.size)).toThrow(/path \[150, \+100\)/);
  });

  it('rejects an unknown kind', () => {
    const r = record(999, 'hs_exit', () => {});
    expect(() => decodeRecord(r.view, r.bytes, r.at, r.size)).toThrow(/unknown record kind 999/);
  });
});
