import { describe, expect, it } from 'vitest';
import { resolvePath } from '../../src/record/paths.js';
import { escapeInvalidUtf8, storeText } from '../../src/record/text.js';

describe('resolvePath', () => {
  it.each([
    ['an absolute argument ignores the base', '/etc/passwd', '/tmp', '/etc/passwd'],
    ['a relative argument joins the base', 'x/y', '/home/u', '/home/u/x/y'],
    ['dot components are dropped', './a/./b', '/r', '/r/a/b'],
    ['dot-dot removes the previous component', '../etc/shadow', '/home/u', '/home/etc/shadow'],
    ['dot-dot never climbs above the root', '../../../../x', '/a', '/x'],
    ['repeated slashes collapse', '//a//b/', '/', '/a/b'],
    ['the root stays the root', '/', '/x', '/'],
  ])('%s', (_n, arg, base, want) => {
    expect(resolvePath(arg, base)).toBe(want);
  });

  it('returns null for a relative argument without a base', () => {
    expect(resolvePath('x', null)).toBeNull();
  });

  it('keeps non-UTF-8 bytes exact', () => {
    const arg = new Uint8Array([0x62, 0xff, 0x0a]);
    expect(resolvePath(arg, '/tmp')).toEqual(new Uint8Array([0x2f, 0x74, 0x6d, 0x70, 0x2f, 0x62, 0xff, 0x0a]));
  });
});

describe('storeText', () => {
  it('stores valid UTF-8 with newlines as text only', () => {
    expect(storeText('a\nb\u00e9')).toEqual({ text: 'a\nb\u00e9', raw: null });
  });

  it('stores invalid bytes as an escaped rendering plus the exact bytes', () => {
    const b = new Uint8Array([0x61, 0xff, 0xc3, 0xa9, 0xc3]);
    expect(storeText(b)).toEqual({ text: 'a\\xff\u00e9\\xc3', raw: b });
    expect(escapeInvalidUtf8(new Uint8Array([0x80]))).toBe('\\x80');
  });
});
