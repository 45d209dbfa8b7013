// IP comparison for `ip`-typed fields: Elasticsearch accepts a CIDR block in a term query on an ip field,
// so an exception `source.ip is 10.1.0.0/16` matches every address in it.

/** Parses IPv4 or IPv6 text into a 128-bit number (IPv4 mapped into ::ffff:0:0/96); undefined if not an IP. */
export function parseIp(text: string): bigint | undefined {
  const s = text.trim();
  if (s.includes(':')) return parseIpv6(s);
  const v4 = parseIpv4(s);
  return v4 === undefined ? undefined : (0xffffn << 32n) | v4;
}

function parseIpv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = (n << 8n) | BigInt(v);
  }
  return n;
}

function parseIpv6(s: string): bigint | undefined {
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  let tail: bigint | undefined;
  let tailGroups = 0;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    tail = parseIpv4(s.slice(lastColon + 1));
    if (tail === undefined) return undefined;
    s = s.slice(0, lastColon + 1) + '0:0';
    tailGroups = 2;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  let n = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  if (tail !== undefined && tailGroups === 2) n = (n & ~0xffffffffn) | tail;
  return n;
}

/** A predicate for `value` as an exception writes it: an address or a CIDR block. */
export function compileIpMatcher(value: string): ((candidate: string) => boolean) | undefined {
  const slash = value.indexOf('/');
  const addrText = slash >= 0 ? value.slice(0, slash) : value;
  const addr = parseIp(addrText);
  if (addr === undefined) return undefined;
  let bits = 128;
  if (slash >= 0) {
    const prefix = value.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefix)) return undefined;
    bits = Number(prefix) + (addrText.includes(':') ? 0 : 96);
    if (bits > 128) return undefined;
  }
  const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(128 - bits);
  const network = addr & mask;
  return (candidate) => {
    const c = parseIp(candidate);
    return c !== undefined && (c & mask) === network;
  };
}
