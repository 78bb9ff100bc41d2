/**
 * parseIocFile over every input format: the fixtures (a text list, a CSV, a
 * MISP event export written as MISP writes them), type inference, typed
 * forms, MISP attribute types, skipped entries with their lines and reasons,
 * and the file-level errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readIndicator } from '../../../src/rules/ioc/indicator.js';
import { describeSkipped, detectIocFormat, parseIocFile } from '../../../src/rules/ioc/parse.js';
import { RuleFileError } from '../../../src/rules/types.js';

const FIXTURES = new URL('../../../fixtures/rules/ioc/', import.meta.url).pathname;
const fixture = (name: string) => ({ path: `fixtures/rules/ioc/${name}`, text: readFileSync(FIXTURES + name, 'utf8') });
const brief = (r: ReturnType<typeof parseIocFile>) => r.indicators.map((i) => [i.line, i.type, i.label, i.value]);

describe('a plain-text list', () => {
  const r = parseIocFile(fixture('list.txt'));

  it('gives every indicator with its line, inferred or written type, and normalized value', () => {
    expect(brief(r)).toEqual([
      [2, 'ip', 'ip', '203.0.113.7'],
      [3, 'cidr', 'cidr', '198.51.100.0/24'],
      [4, 'cidr', 'cidr', '2001:db8:bad::/48'],
      [5, 'domain', 'domain', 'evil.example.com'],
      [6, 'domain', 'url', 'dl.bad-cdn.example'],
      [7, 'sha256', 'sha256', '5f2b51ca2fdc5baa31ec02e002f69aec3a3a4d5e7d8c7b3a0e9d1c2b3a4f5e6d'],
      [8, 'path', 'path', '/tmp/.X11-unix/.kworker'],
      [9, 'filename', 'filename', 'xmrig'],
      [10, 'filename', 'filename', 'payload.x86'],
      [11, 'domain', 'domain', 'payload.sh'],
      [12, 'ip', 'ip', '::ffff:192.0.2.44'],
    ]);
  });

  it('keeps comments after the value and the name of sha256sum output', () => {
    expect(r.indicators.find((i) => i.line === 3)?.comment).toBe('C2 range');
    expect(r.indicators.find((i) => i.line === 7)?.comment).toBe('dropper.bin');
    expect(r.indicators.find((i) => i.line === 6)?.comment).toBe('from URL hxxps://dl.bad-cdn[.]example/stage2.sh');
    expect(r.indicators.every((i) => i.file === 'fixtures/rules/ioc/list.txt')).toBe(true);
  });

  it('skips malformed and unsupported entries with their line and reason', () => {
    expect(r.skipped.map((s) => describeSkipped('list.txt', s))).toEqual([
      'list.txt:15: md5 indicators are not supported: hindsight hashes executables with sha256 only',
      'list.txt:16: sha1 indicators are not supported: hindsight hashes executables with sha256 only',
      'list.txt:17: cannot tell the type of "this has spaces" (it has spaces): write it as type:value',
      'list.txt:18: cannot tell the type of "relative/path": not an absolute path, IP network or URL',
      'list.txt:19: not an IP address: "300.1.2.3"',
    ]);
  });
});

describe('a CSV list', () => {
  const r = parseIocFile(fixture('list.csv'));

  it('reads the type, value and comment columns, quoted fields included', () => {
    expect(r.indicators.map((i) => [i.line, i.type, i.label, i.value, i.comment])).toEqual([
      [2, 'ip', 'ip-dst', '203.0.113.8', 'C2 server'],
      [3, 'domain', 'domain', 'evil.example.net', undefined],
      [4, 'sha256', 'sha256', '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', 'dropper, stage 1'],
      [5, 'filename', 'filename', 'name with, comma', 'quoted value'],
      [6, 'path', 'path', '/dev/shm/.cache/payload', undefined],
      [7, 'ip', 'url', '198.51.100.23', 'from URL http://198.51.100.23:8080/x.sh; url with an IP host'],
    ]);
  });

  it('skips unsupported and malformed rows and ignores empty ones', () => {
    expect(r.skipped.map((s) => [s.line, s.value, s.reason])).toEqual([
      [8, 'd41d8cd98f00b204e9800998ecf8427e', 'md5 indicators are not supported: hindsight hashes executables with sha256 only'],
      [9, 'not-an-ip', 'not an IP address: "not-an-ip"'],
    ]);
  });

  it.each([
    ['an indicator column without a type column infers each type', 'indicator\n203.0.113.9\nevil.test\n', [[2, 'ip', '203.0.113.9'], [3, 'domain', 'evil.test']]],
    ['an ioc column with an ioc_type column', 'IOC Type,IOC,Notes\nhostname,C2.Evil.Test,x\n', [[2, 'domain', 'c2.evil.test']]],
    ['a MISP CSV export', 'uuid,event_id,category,type,value,comment,to_ids,date\n'
      + '5f0c-1,12,Network activity,ip-dst|port,192.0.2.1|443,c2,1,1700000000\n', [[2, 'ip', '192.0.2.1']]],
    ['columns named after types', 'sha256,filename\n' + 'ab'.repeat(32) + ',loader\n', [[2, 'sha256', 'ab'.repeat(32)], [2, 'filename', 'loader']]],
    ['a semicolon-separated file', 'type;value\ndomain;semi.test\n', [[2, 'domain', 'semi.test']]],
    ['a tab-separated file', 'type\tvalue\nip\t10.0.0.1\n', [[2, 'ip', '10.0.0.1']]],
    ['a quoted value spanning lines, with the next record on its own line', 'type,value\nfilename,"two\nlines"\nip,10.0.0.2\n', [[2, 'filename', 'two\nlines'], [4, 'ip', '10.0.0.2']]],
    ['doubled quotes inside a quoted value', 'type,value\nfilename,"say ""hi"""\n', [[2, 'filename', 'say "hi"']]],
    ['CRLF line ends and a BOM', '\uFEFFtype,value\r\nip,10.0.0.3\r\n', [[2, 'ip', '10.0.0.3']]],
    ['comment lines before the header', '# exported 2026-11-21\ntype,value\nip,10.0.0.4\n', [[3, 'ip', '10.0.0.4']]],
  ] as const)('reads %s', (_name, text, want) => {
    const got = parseIocFile({ path: 'l.csv', text });
    expect(got.indicators.map((i) => [i.line, i.type, i.value])).toEqual(want);
  });

  it('keeps a uuid column as the reference', () => {
    const got = parseIocFile({ path: 'l.csv', text: 'uuid,type,value\nabc-1,domain,ref.test\n' });
    expect(got.indicators[0]?.ref).toBe('abc-1');
  });

  it('reports an unterminated quoted field and keeps what came before', () => {
    const got = parseIocFile({ path: 'l.csv', text: 'type,value\nip,10.0.0.5\nfilename,"never closed\nip,10.0.0.6\n' });
    expect(got.indicators.map((i) => i.value)).toEqual(['10.0.0.5']);
    expect(got.skipped).toEqual([{ line: 3, value: '', reason: 'unterminated quoted field: the rest of the file was not read' }]);
  });

  it('refuses a header that names no indicator column, at the header line', () => {
    const err = (() => { try { parseIocFile({ path: 'bad.csv', text: '# c\nfoo,bar\n1,2\n' }); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(RuleFileError);
    expect((err as RuleFileError).message).toMatch(/^bad\.csv:2:1: ioc: CSV header names no indicator column: .*got: foo, bar$/);
  });
});

describe('a MISP JSON event export', () => {
  const r = parseIocFile(fixture('event.misp.json'));

  it('gives the attributes of the event and of its objects, with uuid, line and context', () => {
    expect(r.indicators.map((i) => [i.line, i.type, i.label, i.value, i.ref?.slice(-2)])).toEqual([
      [26, 'ip', 'ip-dst', '203.0.113.7', '01'],
      [33, 'cidr', 'ip-src', '2001:db8:dead::/48', '02'],
      [40, 'ip', 'ip-dst|port', '192.0.2.10', '03'],
      [47, 'domain', 'domain', 'evil.example.com', '04'],
      [54, 'domain', 'hostname', 'cdn.bad-example.org', '05'],
      [61, 'domain', 'domain|ip', 'update.bad-example.net', '06'],
      [61, 'ip', 'domain|ip', '198.51.100.77', '06'],
      [68, 'domain', 'url', 'files.bad-example.io', '07'],
      [89, 'filename', 'filename|sha256', 'kit-loader', '10'],
      [89, 'sha256', 'filename|sha256', '2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae', '10'],
      [97, 'filename', 'filename|md5', 'ws.php', '11'],
      [117, 'filename', 'filename', 'kworkerds', '12'],
      [124, 'sha256', 'sha256', 'fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9', '13'],
    ]);
  });

  it('puts the event info, object name and attribute comment in the comment', () => {
    expect(r.indicators[0]?.comment).toBe('Web shell campaign WS-42; C2');
    expect(r.indicators.find((i) => i.value === 'kworkerds')?.comment).toBe('Web shell campaign WS-42; object file');
  });

  it('skips deleted attributes, unsupported types and unsupported hashes, and counts them', () => {
    expect(r.skipped.map((s) => [s.line, s.reason])).toEqual([
      [75, 'MISP mutex: type "mutex" is not supported'],
      [82, 'attribute is marked deleted'],
      [97, 'MISP filename|md5: md5 indicators are not supported: hindsight hashes executables with sha256 only'],
      [132, 'MISP md5: md5 indicators are not supported: hindsight hashes executables with sha256 only'],
    ]);
  });

  const attr = (type: string, value: string, uuid = 'u-1') => ({ type, value, uuid, category: 'Network activity', to_ids: true });
  it.each([
    ['a list of events under response', { response: [{ Event: { info: 'a', Attribute: [attr('ip-dst', '192.0.2.1')] } }, { Event: { info: 'b', Attribute: [attr('domain', 'b.test', 'u-2')] } }] }, ['192.0.2.1', 'b.test']],
    ['a bare array of events', [{ Event: { Attribute: [attr('sha256', 'CD'.repeat(32))] } }], ['cd'.repeat(32)]],
    ['an attribute search result', { response: { Attribute: [attr('ip-src|port', '2001:db8::5|22')] } }, ['2001:db8::5']],
    ['an event without its wrapper', { info: 'x', Attribute: [attr('hostname', 'h.test')] }, ['h.test']],
  ])('reads %s', (_name, json, want) => {
    const got = parseIocFile({ path: 'e.json', text: JSON.stringify(json, null, 1) });
    expect(got.indicators.map((i) => i.value)).toEqual(want);
  });

  it('refuses JSON that does not parse, at the position of the error', () => {
    const err = (() => { try { parseIocFile({ path: 'e.json', text: '{\n  "Event": {\n    "info": x\n  }\n}' }); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(RuleFileError);
    expect((err as RuleFileError).position).toEqual({ file: 'e.json', line: 3, column: 13 });
    expect((err as RuleFileError).message).toMatch(/ioc: not valid JSON/);
  });

  it('refuses JSON that is not a MISP export', () => {
    expect(() => parseIocFile({ path: 'e.json', text: '{"indicators": []}' })).toThrow(/e\.json:1:1: ioc: JSON is not a MISP export/);
  });
});

describe('format detection', () => {
  it.each([
    ['a .json file is MISP', 'x.json', 'anything', 'misp'],
    ['text starting with { is MISP', 'x.txt', '  {"Event": {}}', 'misp'],
    ['a .csv file is CSV', 'x.csv', '1.2.3.4', 'csv'],
    ['a .tsv file is CSV', 'x.tsv', 'type\tvalue', 'csv'],
    ['a text file whose first line is a CSV header is CSV', 'x.txt', '# c\ntype,value\nip,1.2.3.4', 'csv'],
    ['a text file with typed lines is text', 'x.txt', 'ip,1.2.3.4\ndomain,a.test', 'text'],
    ['a file without an extension is text', 'iocs', '1.2.3.4', 'text'],
  ] as const)('%s', (_name, path, text, want) => {
    expect(detectIocFormat(path, text)).toBe(want);
  });

  it('refuses a binary file', () => {
    expect(() => parseIocFile({ path: 'x.bin', text: '\0\0\0\uFFFD\uFFFD\0abc\0\0' })).toThrow(/x\.bin:1:1: ioc: not a text file/);
  });
});

describe('reading one value', () => {
  it.each([
    ['a sha256 in upper case is lower-cased', 'AB'.repeat(32), undefined, [['sha256', 'ab'.repeat(32)]]],
    ['an IPv6 address in upper case is lower-cased', '2001:DB8::1', undefined, [['ip', '2001:db8::1']]],
    ['a bracketed IPv6 address in a typed value loses its brackets', '[2001:db8::2]', 'ip', [['ip', '2001:db8::2']]],
    ['a defanged IP is refanged', '203[.]0[.]113[.]5', undefined, [['ip', '203.0.113.5']]],
    ['a defanged domain is refanged', 'evil(.)example[.]com', undefined, [['domain', 'evil.example.com']]],
    ['a wildcard domain loses its *.', '*.Evil.Test.', 'domain', [['domain', 'evil.test']]],
    ['an internationalized domain becomes punycode', 'bücher.example', 'domain', [['domain', 'xn--bcher-kva.example']]],
    ['a URL with an IPv6 host gives an ip', 'http://[2001:db8::9]:8080/x', 'url', [['ip', '2001:db8::9']]],
    ['a typed filename starting with / is a path', '/usr/bin/evil', 'filename', [['path', '/usr/bin/evil']]],
    ['a typed filename keeps its spaces', ' spaced name ', 'filename', [['filename', ' spaced name ']]],
    ['an ip-dst|port keeps the IPv6 address before the port', '2001:db8::1|443', 'ip-dst|port', [['ip', '2001:db8::1']]],
    ['a type name in any case is understood', 'a.test', 'HOSTNAME', [['domain', 'a.test']]],
    ['a CIDR typed as ip-dst is a cidr', '10.0.0.0/8', 'ip-dst', [['cidr', '10.0.0.0/8']]],
  ] as const)('%s', (_name, value, label, want) => {
    const r = readIndicator(value, label);
    expect(r.skipped).toEqual([]);
    expect(r.found.map((f) => [f.type, f.value])).toEqual(want);
  });

  it.each([
    ['a NUL byte', 'evil\0.test', undefined, /NUL byte/],
    ['an unknown type', 'x', 'regkey', /type "regkey" is not supported/],
    ['a relative path typed as path', 'tmp/x', 'path', /not an absolute path/],
    ['a bad domain', 'bad..test', 'domain', /not a domain name/],
    ['a sha256 of the wrong length', 'abc', 'sha256', /not a sha256/],
    ['an empty typed value', '   ', 'ip', /empty value/],
    ['a value longer than PATH_MAX', `/${'a'.repeat(5000)}`, undefined, /longer than 4096/],
  ] as const)('skips %s with its reason', (_name, value, label, reason) => {
    const r = readIndicator(value, label);
    expect(r.found).toEqual([]);
    expect(r.skipped[0]).toMatch(reason);
  });
});
