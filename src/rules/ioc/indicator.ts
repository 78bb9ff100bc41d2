/**
 * What an indicator of compromise is, and how one written value becomes
 * indicators: the type names every input format understands (plain type
 * names, MISP attribute types), type inference for untyped values, refanging
 * (`evil[.]com`, `hxxp://`), and normalization (lower-case hashes and
 * domains, IDN to punycode). Pure: every outcome is data (indicators or
 * reasons to skip), nothing throws.
 */
import { domainToASCII } from 'node:url';
import { parseCidr, parseIp } from './ip.js';

/** What an indicator is matched against (formats/ioc.md). */
export type IndicatorType = 'sha256' | 'ip' | 'cidr' | 'domain' | 'path' | 'filename';

/** One indicator, with where it was written. */
export interface Indicator {
  type: IndicatorType;
  /** Normalized: sha256 lower-case hex; domain lower-case without trailing dot, IDN as punycode; ip/cidr trimmed and lower-case. */
  value: string;
  /** The type as the source named it (`ip-dst`, `hostname`, `url`, `sha256`, ...), or the inferred type. */
  label: string;
  file: string;
  /** 1-based line (for MISP JSON, the line of the attribute's uuid). */
  line: number;
  /** MISP attribute uuid, or a CSV `uuid` column. */
  ref?: string;
  comment?: string;
}

/** The indicators one written value gives, and why parts of it were not used. */
export interface Reading {
  found: { type: IndicatorType; value: string; label: string; comment?: string }[];
  /** Reasons, one per part that could not be used. */
  skipped: string[];
}

/** A UTF-16 surrogate without its pair: no text decoded from bytes holds one, and it cannot be sent to DuckDB as is. */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Longest value accepted (PATH_MAX). */
const MAX_LENGTH = 4096;

/** Name endings that make an untyped `name.ext` a file name rather than a domain. */
const FILE_EXTENSIONS = new Set([
  'sh', 'bash', 'py', 'pyc', 'pl', 'rb', 'php', 'js', 'lua', 'jar', 'class', 'so', 'ko', 'o', 'elf', 'bin', 'out',
  'exe', 'dll', 'run', 'tmp', 'txt', 'log', 'conf', 'cfg', 'json', 'yml', 'yaml', 'service', 'timer', 'socket',
  'zip', 'gz', 'tgz', 'tar', 'bz2', 'xz', '7z', 'rar', 'deb', 'rpm', 'apk', 'img', 'iso', 'pid', 'lock',
  'x86', 'x86_64', 'x64', 'i686', 'i586', 'arm', 'arm5', 'arm6', 'arm7', 'aarch64', 'mips', 'mipsel', 'mpsl', 'ppc', 'm68k', 'sh4', 'spc',
]);

/** Hash types other than sha256, named as MISP and common feeds name them. */
const OTHER_HASHES = new Set(['md5', 'sha1', 'sha224', 'sha384', 'sha512', 'sha512/224', 'sha512/256', 'sha3-256', 'sha3-512',
  'ssdeep', 'imphash', 'tlsh', 'authentihash', 'vhash', 'pehash', 'impfuzzy', 'telfhash', 'cdhash']);

type Reader = (value: string, label: string) => Reading;

function one(type: IndicatorType, value: string, label: string, comment?: string): Reading {
  return { found: [comment === undefined ? { type, value, label } : { type, value, label, comment }], skipped: [] };
}

function skip(reason: string): Reading {
  return { found: [], skipped: [reason] };
}

function merge(...readings: Reading[]): Reading {
  return { found: readings.flatMap((r) => r.found), skipped: readings.flatMap((r) => r.skipped) };
}

/** `evil[.]com`, `hxxps[:]//1[.]2[.]3[.]4` -> the plain text. */
export function refang(text: string): string {
  return text
    .replace(/\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)/gi, '.')
    .replace(/\[:\]/g, ':')
    .replace(/\[\/\/\]/g, '//')
    .replace(/^hxxp(s?)(?=:)/i, 'http$1')
    .replace(/^fxp(?=:)/i, 'ftp');
}

function hashUnsupported(kind: string): string {
  return `${kind} indicators are not supported: hindsight hashes executables with sha256 only`;
}

const readSha256: Reader = (value, label) => {
  const v = value.toLowerCase();
  if (/^[0-9a-f]{64}$/.test(v)) return one('sha256', v, label);
  return skip(`not a sha256 (64 hex digits): ${JSON.stringify(value)}`);
};

const readIp: Reader = (value, label) => {
  let v = refang(value).toLowerCase();
  if (v.startsWith('[') && v.endsWith(']')) v = v.slice(1, -1);
  if (v.includes('/')) {
    return parseCidr(v) === null ? skip(`not an IP network: ${JSON.stringify(value)}`) : one('cidr', v, label);
  }
  return parseIp(v) === null ? skip(`not an IP address: ${JSON.stringify(value)}`) : one('ip', v, label);
};

/** A domain name normalized for matching, or null. */
export function normalizeDomain(text: string): string | null {
  let v = refang(text).trim().replace(/\.+$/, '');
  if (v.startsWith('*.')) v = v.slice(2);
  if (/[^\x20-\x7e]/.test(v)) v = domainToASCII(v);
  v = v.toLowerCase();
  if (v === '' || v.length > 253) return null;
  const labels = v.split('.');
  return labels.every((l) => /^[a-z0-9_-]{1,63}$/.test(l)) ? v : null;
}

const readDomain: Reader = (value, label) => {
  const v = normalizeDomain(value);
  return v === null ? skip(`not a domain name: ${JSON.stringify(value)}`) : one('domain', v, label);
};

const readPath: Reader = (value, label) => {
  if (!value.startsWith('/')) return skip(`not an absolute path: ${JSON.stringify(value)}`);
  return one('path', value, label);
};

const readFilename: Reader = (value, label) => {
  if (value.startsWith('/')) return one('path', value, label);
  if (value === '' || value === '.' || value === '..' || value.includes('/')) return skip(`not a file name: ${JSON.stringify(value)}`);
  return one('filename', value, label);
};

const readUrl: Reader = (value, label) => {
  let url: URL;
  try {
    url = new URL(refang(value.trim()));
  } catch {
    return skip(`not a URL: ${JSON.stringify(value)}`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') return skip(`URL has no host: ${JSON.stringify(value)}`);
  const asIp = readIp(host, label);
  const r = asIp.found.length > 0 ? asIp : readDomain(host, label);
  return { found: r.found.map((f) => ({ ...f, comment: `from URL ${value}` })), skipped: r.skipped };
};

/** A MISP composite value `a|b`, split at its last `|`; `second` null ignores the part after it (a port). */
function composite(value: string, label: string, first: Reader, second: Reader | null): Reading {
  const cut = value.lastIndexOf('|');
  if (cut < 0) return skip(`${label} value has no '|': ${JSON.stringify(value)}`);
  const a = first(value.slice(0, cut), label);
  return second === null ? a : merge(a, second(value.slice(cut + 1), label));
}

function hashReader(kind: string): Reader {
  return (value, label) => (kind === 'sha256' ? readSha256(value, label) : skip(hashUnsupported(kind)));
}

/** Type names (lower case) -> how their values are read. MISP attribute types and common feed names. */
const READERS: Record<string, Reader> = {
  sha256: readSha256,
  ip: readIp, ipv4: readIp, ipv6: readIp, 'ip-src': readIp, 'ip-dst': readIp, 'ip-any': readIp, address: readIp,
  'ipv4-addr': readIp, 'ipv6-addr': readIp, ip_address: readIp,
  cidr: readIp, net: readIp, network: readIp, subnet: readIp, 'ip-range': readIp,
  'ip-src|port': (v, l) => composite(v, l, readIp, null),
  'ip-dst|port': (v, l) => composite(v, l, readIp, null),
  domain: readDomain, hostname: readDomain, fqdn: readDomain, host: readDomain, 'domain-name': readDomain, dns: readDomain,
  'domain|ip': (v, l) => composite(v, l, readDomain, readIp),
  'hostname|port': (v, l) => composite(v, l, readDomain, null),
  url: readUrl,
  path: readPath, filepath: readPath, 'file-path': readPath, file_path: readPath, 'full-path': readPath,
  filename: readFilename, 'file-name': readFilename, file_name: readFilename, file: readFilename,
  'filename|sha256': (v, l) => composite(v, l, readFilename, readSha256),
};
for (const h of OTHER_HASHES) {
  READERS[h] = hashReader(h);
  READERS[`filename|${h}`] = (v, l) => composite(v, l, readFilename, hashReader(h));
}

/** Whether `label` (any case) is a type name a source may use. */
export function isKnownLabel(label: string): boolean {
  return Object.hasOwn(READERS, label.toLowerCase());
}

/** The type of an untyped value, by its shape. */
function infer(raw: string): Reading {
  const v = raw.trim();
  if (/^[0-9a-f]{64}$/i.test(v)) return readSha256(v, 'sha256');
  if (/^[0-9a-f]{40}$/i.test(v)) return skip(hashUnsupported('sha1'));
  if (/^[0-9a-f]{32}$/i.test(v)) return skip(hashUnsupported('md5'));
  const plain = refang(v);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(plain)) return readUrl(v, 'url');
  if (v.startsWith('/')) return readPath(v, 'path');
  const ip = readIp(v, 'ip');
  if (ip.found.length > 0) return { found: ip.found.map((f) => ({ ...f, label: f.type })), skipped: [] };
  if (v.includes('/')) return skip(`cannot tell the type of ${JSON.stringify(v)}: not an absolute path, IP network or URL`);
  if (/\s/.test(v)) return skip(`cannot tell the type of ${JSON.stringify(v)} (it has spaces): write it as type:value`);
  const ext = plain.includes('.') ? plain.slice(plain.lastIndexOf('.') + 1).toLowerCase() : null;
  if (ext !== null && !FILE_EXTENSIONS.has(ext)) {
    const d = readDomain(v, 'domain');
    if (d.found.length > 0) return d;
  }
  return readFilename(v, 'filename');
}

/**
 * The indicators a written value gives: typed by `label` when the source
 * names a type (a MISP attribute type, a CSV type column, `type:value`),
 * else inferred from the value's shape (formats/ioc.md).
 */
export function readIndicator(value: string, label?: string): Reading {
  if (value.includes('\0')) return skip(`value contains a NUL byte, which no recorded field can hold: ${JSON.stringify(value)}`);
  if (LONE_SURROGATE.test(value)) return skip(`value is not valid Unicode (a lone surrogate): ${JSON.stringify(value)}`);
  if (value.length > MAX_LENGTH) return skip(`value is longer than ${MAX_LENGTH} characters`);
  if (label === undefined || label === '') {
    if (value.trim() === '') return skip('empty value');
    return infer(value);
  }
  const name = label.trim().toLowerCase();
  const reader = READERS[name];
  if (reader === undefined) return skip(`type ${JSON.stringify(label)} is not supported`);
  const v = name.startsWith('filename') || READERS[name] === readPath ? value : value.trim();
  if (v === '') return skip('empty value');
  return reader(v, name);
}
