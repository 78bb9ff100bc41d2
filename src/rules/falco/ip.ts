/**
 * IP address and CIDR values of Falco conditions (`fd.sip = 10.0.0.1`,
 * `fd.net = "127.0.0.0/8"`), checked and written the way the recording
 * writes addresses (src/events/net-format.ts): IPv4 dotted decimal, IPv6 in
 * RFC 5952 compressed lower-case form, an IPv4-mapped address as
 * `::ffff:a.b.c.d`.
 */

/** The canonical text of an IPv4 or IPv6 address, or null if `text` is not one. */
export function canonicalIp(text: string): string | null {
  return text.includes(':') ? canonicalIpv6(text) : canonicalIpv4(text);
}

/** `ip/len` with the address canonical, or null if not a CIDR; a bare address is a one-host network. */
export function canonicalCidr(text: string): string | null {
  const slash = text.indexOf('/');
  const addr = canonicalIp(slash < 0 ? text : text.slice(0, slash));
  if (addr === null) return null;
  const max = addr.includes(':') ? 128 : 32;
  if (slash < 0) return `${addr}/${max}`;
  const len = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(len) || Number(len) > max) return null;
  return `${addr}/${Number(len)}`;
}

function canonicalIpv4(text: string): string | null {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return null;
  return parts.map(Number).join('.');
}

function canonicalIpv6(text: string): string | null {
  let groups: number[] = [];
  const halves = text.toLowerCase().split('::');
  if (halves.length > 2) return null;
  const parse = (half: string): number[] | null => {
    if (half === '') return [];
    const out: number[] = [];
    const items = half.split(':');
    for (const [i, item] of items.entries()) {
      if (i === items.length - 1 && item.includes('.')) {
        const v4 = canonicalIpv4(item);
        if (v4 === null) return null;
        const o = v4.split('.').map(Number);
        out.push((o[0]! << 8) | o[1]!, (o[2]! << 8) | o[3]!);
      } else if (/^[0-9a-f]{1,4}$/.test(item)) {
        out.push(parseInt(item, 16));
      } else {
        return null;
      }
    }
    return out;
  };
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  if (head === null || tail === null) return null;
  if (halves.length === 2) {
    if (head.length + tail.length > 7) return null;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    if (head.length !== 8) return null;
    groups = head;
  }
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${groups[6]! >> 8}.${groups[6]! & 255}.${groups[7]! >> 8}.${groups[7]! & 255}`;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestAt < 0) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
}
