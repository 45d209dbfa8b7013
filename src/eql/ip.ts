// IP addresses as Elasticsearch's `ip` type sees them: IPv4 and IPv6 are one 128-bit space, with IPv4 stored
// as IPv4-mapped IPv6 (so `::ffff:127.0.0.1` is `127.0.0.1`). Canonical text is used for equality.

function parseV4(s: string, out: Uint8Array, at: number): boolean {
  const parts = s.split('.');
  if (parts.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^[0-9]{1,3}$/.test(p)) return false;
    const n = Number(p);
    if (n > 255) return false;
    out[at + i] = n;
  }
  return true;
}

/** 16 bytes (IPv4 as ::ffff:a.b.c.d), or null when `s` is not an address. */
export function parseIp(s: string): Uint8Array | null {
  if (typeof s !== 'string' || s.length === 0 || s.length > 45) return null;
  const out = new Uint8Array(16);
  if (s.indexOf(':') < 0) {
    out[10] = 0xff;
    out[11] = 0xff;
    return parseV4(s, out, 12) ? out : null;
  }
  let text = s;
  let tailV4: string | null = null;
  const lastColon = text.lastIndexOf(':');
  if (text.indexOf('.', lastColon) >= 0) {
    tailV4 = text.slice(lastColon + 1);
    text = text.slice(0, lastColon + 1) + (text[lastColon - 1] === ':' ? '' : '0:0');
    if (text.endsWith('::')) text += '';
  }
  const dbl = text.indexOf('::');
  if (dbl >= 0 && text.indexOf('::', dbl + 1) >= 0) return null;
  const groupsWanted = tailV4 ? 6 : 8;
  let head: string[];
  let tail: string[];
  if (dbl >= 0) {
    const a = text.slice(0, dbl);
    const b = text.slice(dbl + 2);
    head = a === '' ? [] : a.split(':');
    tail = b === '' ? [] : b.split(':');
    if (tailV4 && tail.length >= 2 && tail[tail.length - 1] === '0' && tail[tail.length - 2] === '0' && !text.endsWith('::')) tail = tail.slice(0, -2);
    if (head.length + tail.length > groupsWanted - 1) return null;
  } else {
    const all = text.split(':');
    if (tailV4) all.splice(-2, 2);
    head = all;
    tail = [];
    if (head.length !== groupsWanted) return null;
  }
  const groups = [...head, ...new Array(groupsWanted - head.length - tail.length).fill('0'), ...tail];
  for (let i = 0; i < groupsWanted; i++) {
    const g = groups[i]!;
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  }
  if (tailV4 && !parseV4(tailV4, out, 12)) return null;
  return out;
}

function isV4Mapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/** Canonical text: dotted quad for IPv4 (and IPv4-mapped), RFC 5952 compressed lowercase for IPv6. */
export function formatIp(b: Uint8Array): string {
  if (isV4Mapped(b)) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[i * 2]! << 8) | b[i * 2 + 1]!);
  let bestAt = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestAt < 0) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
}

const cache = new Map<string, string | null>();

/** Canonical text of an address, or null when it is not one (memoized: the same peers recur). */
export function canonicalIp(s: string): string | null {
  let c = cache.get(s);
  if (c !== undefined) return c;
  const b = parseIp(s);
  c = b ? formatIp(b) : null;
  if (cache.size >= 8192) cache.clear();
  cache.set(s, c);
  return c;
}

export interface Cidr {
  bytes: Uint8Array;
  /** Prefix length in the 128-bit space. */
  bits: number;
}

/** "10.0.0.0/8", "fe80::/10" or a bare address (full length). Null when malformed. */
export function parseCidr(s: string): Cidr | null {
  const slash = s.indexOf('/');
  const addr = slash < 0 ? s : s.slice(0, slash);
  const bytes = parseIp(addr);
  if (!bytes) return null;
  const v4 = addr.indexOf(':') < 0;
  let bits = 128;
  if (slash >= 0) {
    const p = s.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > (v4 ? 32 : 128)) return null;
    bits = v4 ? n + 96 : n;
  }
  return { bytes, bits };
}

export function cidrContains(c: Cidr, ip: Uint8Array): boolean {
  const full = c.bits >> 3;
  for (let i = 0; i < full; i++) if (c.bytes[i] !== ip[i]) return false;
  const rest = c.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (c.bytes[full]! & mask) === (ip[full]! & mask);
}

/** Orders two canonical addresses as Elasticsearch does (by their 16 bytes). */
export function compareIp(a: string, b: string): number {
  const x = parseIp(a);
  const y = parseIp(b);
  if (!x || !y) return NaN;
  for (let i = 0; i < 16; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  return 0;
}
