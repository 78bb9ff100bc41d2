/**
 * The import graph keeps the layers of ../shared/STYLE.md: events imports
 * nothing of ours; capture, record and analyze import only events (and
 * themselves); only capture imports ffi-rs; only analyze imports DuckDB; only
 * cli prints or exits.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = new URL('../src/', import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : []);
}

const sources = files(SRC).map((path) => ({
  layer: relative(SRC, path).split('/')[0]!,
  path: relative(SRC, path),
  text: readFileSync(path, 'utf8'),
}));

function imports(text: string): string[] {
  return [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
}

const ALLOWED: Record<string, string[]> = {
  events: ['events'],
  capture: ['capture', 'events'],
  record: ['record', 'events'],
  analyze: ['analyze', 'events'],
  lineage: ['lineage', 'events'],
  rules: ['rules', 'analyze', 'lineage', 'events'],
  tui: ['tui', 'analyze', 'lineage', 'rules', 'events'],
  cli: ['cli', 'tui', 'rules', 'lineage', 'analyze', 'record', 'capture', 'events'],
};

describe('layers', () => {
  it.each(sources.map((s) => [s.path, s] as const))('%s imports only from allowed layers', (_p, s) => {
    for (const spec of imports(s.text)) {
      if (!spec.startsWith('.')) continue;
      const target = relative(SRC, join(SRC, s.path, '..', spec)).split('/')[0]!;
      expect(ALLOWED[s.layer], `layer ${s.layer}`).toBeDefined();
      expect(ALLOWED[s.layer], `${s.path} imports ${spec}`).toContain(target);
    }
  });

  it('keeps ffi-rs in capture, DuckDB in analyze, and printing and exiting in cli', () => {
    for (const s of sources) {
      const pkgs = imports(s.text);
      if (pkgs.includes('ffi-rs')) expect(s.layer, s.path).toBe('capture');
      if (pkgs.some((p) => p.startsWith('@duckdb/'))) expect(s.layer, s.path).toBe('analyze');
      if (/process\.exit\(|console\.log\(|process\.stdout\.write\(/.test(s.text)) expect(s.layer, s.path).toBe('cli');
    }
  });
});
