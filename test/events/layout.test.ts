/**
 * The decoder's offsets against the BTF of the built BPF object: every struct
 * of bpf/hindsight.h, every member's offset and every struct's size must match
 * src/events/layout.ts (the alignchecker idea from tetragon).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LAYOUT } from '../../src/events/layout.js';

const OBJECT = new URL('../../build/hindsight.bpf.o', import.meta.url).pathname;

interface BtfMember { name: string; bits_offset: number }
interface BtfType { id: number; kind: string; name: string; size?: number; members?: BtfMember[] }

function btfStructs(): Map<string, BtfType> {
  const out = execFileSync('bpftool', ['-j', 'btf', 'dump', 'file', OBJECT], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const types = (JSON.parse(out) as { types: BtfType[] }).types;
  return new Map(types.filter((t) => t.kind === 'STRUCT').map((t) => [t.name, t]));
}

describe('wire layout', () => {
  it('has a built BPF object to check against', () => {
    expect(existsSync(OBJECT), `${OBJECT} missing: run make -C bpf`).toBe(true);
  });

  const structs = existsSync(OBJECT) ? btfStructs() : new Map<string, BtfType>();
  for (const [name, layout] of Object.entries(LAYOUT)) {
    it(`${name} matches the BTF of the object in size and member offsets`, () => {
      const btf = structs.get(name);
      expect(btf, `${name} not in BTF`).toBeDefined();
      expect(btf!.size).toBe(layout.size);
      const fromBtf = Object.fromEntries(btf!.members!.map((m) => [m.name, m.bits_offset / 8]));
      expect(fromBtf).toEqual(layout.fields);
    });
  }
});
