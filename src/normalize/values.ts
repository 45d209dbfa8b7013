// Small value conversions shared by the mappers: event data access, numbers, GUIDs, IPs, paths, users.

/** Event data as read: strings from EVTX/XML; flat exports may hold numbers or booleans. */
export type EventData = Record<string, unknown>;

/** A usable text value: trimmed of nothing, but undefined for absent, empty and "-" (Windows' "no value"). */
export function str(data: EventData, key: string): string | undefined {
  const v = data[key];
  if (typeof v === 'string') return v === '' || v === '-' ? undefined : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v) && v.length > 0) return str(v as unknown as EventData, '0');
  return undefined;
}

/** Integer from decimal or 0x-hex text ("0x3e7", "4280"); undefined when not a number. */
export function toLong(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : undefined;
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  if (s.length === 0) return undefined;
  let n: number;
  if (s.length > 2 && s.charCodeAt(0) === 48 && (s.charCodeAt(1) | 32) === 120) {
    if (!/^0[xX][0-9a-fA-F]+$/.test(s)) return undefined;
    n = parseInt(s.slice(2), 16);
  } else {
    if (!/^-?\d+$/.test(s)) return undefined;
    n = parseInt(s, 10);
  }
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Text after the last backslash (or slash): `C:\Windows\System32\svchost.exe` → `svchost.exe`. */
export function basename(path: string): string {
  let i = path.length - 1;
  while (i >= 0) {
    const c = path.charCodeAt(i);
    if (c === 92 || c === 47) break;
    i--;
  }
  return i < 0 ? path : path.slice(i + 1);
}

/** Text before the last backslash (or slash), or undefined when there is none. */
export function dirname(path: string): string | undefined {
  const i = Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/'));
  return i <= 0 ? undefined : path.slice(0, i);
}

/** Extension without the dot, lowercased as ECS examples show it ("exe"); undefined when none. */
export function extension(name: string): string | undefined {
  const i = name.lastIndexOf('.');
  return i <= 0 || i === name.length - 1 ? undefined : name.slice(i + 1).toLowerCase();
}

const ZERO_GUID = '{00000000-0000-0000-0000-000000000000}';
const GUID_RE = /^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$/;

/**
 * Canonical GUID: lowercase in braces. Windows renders GUIDs in either case and offline readers differ, so the
 * join key `process.entity_id` must not depend on the reader. Not a GUID → the text as given.
 */
export function canonicalGuid(v: string): string {
  // Fast path: braced, 38 characters, already lowercase hex → the same string, no allocation.
  if (v.length === 38 && v.charCodeAt(0) === 123 && v.charCodeAt(37) === 125) {
    let lower = true;
    for (let i = 1; i < 37; i++) {
      const c = v.charCodeAt(i);
      if (i === 9 || i === 14 || i === 19 || i === 24) {
        if (c !== 45) return slowGuid(v);
      } else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) {
        if (c >= 65 && c <= 70) lower = false;
        else return v;
      }
    }
    return lower ? v : v.toLowerCase();
  }
  return slowGuid(v);
}

/**
 * False when `canonicalGuid` returns `text[from, to)` unchanged for sure: it respells only a GUID (36 to 38
 * characters once trimmed) and text it trims (any character outside printable ASCII at either end counts as
 * possible white space). Lets a caller hash a value where it sits without slicing it (sequence-pruning.ts).
 */
export function guidMayRespell(text: string, from: number, to: number): boolean {
  if (to === from) return false;
  if (to - from >= 36 && to - from <= 38) return true;
  const first = text.charCodeAt(from);
  const last = text.charCodeAt(to - 1);
  return first <= 32 || first >= 127 || last <= 32 || last >= 127;
}

function slowGuid(v: string): string {
  const t = v.trim();
  const m = GUID_RE.exec(t);
  return m ? '{' + m[1]!.toLowerCase() + '}' : t;
}

/** True for values Elastic's Sysmon pipeline drops from event data: null, "", "-" and the all-zero GUID. */
export function isSysmonEmpty(v: unknown): boolean {
  if (typeof v !== 'string') return v === null || v === undefined;
  const n = v.length;
  return n === 0 || (n === 1 && v === '-') || (n === 38 && v === ZERO_GUID);
}

/**
 * Canonical IP text: IPv4-mapped IPv6 (`::ffff:1.2.3.4`) → `1.2.3.4` (as Elastic's pipelines do), other IPv6
 * in RFC 5952 form (`0:0:0:0:0:0:0:1` → `::1`), so `source.ip != "::1"` holds whatever the writer's spelling.
 * Anything that is not an address is returned unchanged.
 */
export function canonicalIp(ip: string): string {
  if (ip.indexOf(':') < 0) return ip;
  let s = ip.trim();
  if (s.charCodeAt(0) === 91 && s.charCodeAt(s.length - 1) === 93) s = s.slice(1, -1);
  const pct = s.indexOf('%');
  const scope = pct >= 0 ? s.slice(pct) : '';
  if (pct >= 0) s = s.slice(0, pct);
  const groups = expandIpv6(s);
  if (!groups) return ip;
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    return `${groups[6]! >> 8}.${groups[6]! & 255}.${groups[7]! >> 8}.${groups[7]! & 255}`;
  }
  // Longest run of zero groups (length ≥ 2), first one on ties.
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':') + scope;
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLen).join(':');
  return head + '::' + tail + scope;
}

function expandIpv6(s: string): number[] | undefined {
  const dbl = s.indexOf('::');
  if (dbl >= 0 && s.indexOf('::', dbl + 1) >= 0) return undefined;
  const parsePart = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i]!;
      if (i === pieces.length - 1 && p.indexOf('.') >= 0) {
        const o = p.split('.');
        if (o.length !== 4) return undefined;
        const b = o.map((x) => (/^\d{1,3}$/.test(x) ? +x : 256));
        if (b.some((x) => x > 255)) return undefined;
        out.push((b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  if (dbl < 0) {
    const g = parsePart(s);
    return g && g.length === 8 ? g : undefined;
  }
  const a = parsePart(s.slice(0, dbl));
  const b = parsePart(s.slice(dbl + 2));
  if (!a || !b || a.length + b.length > 7) return undefined;
  return [...a, ...new Array<number>(8 - a.length - b.length).fill(0), ...b];
}

/**
 * Windows command line → argv, by the CommandLineToArgvW rules Elastic's Sysmon pipeline implements
 * (backslashes before quotes, doubled quotes inside quotes).
 */
export function splitCommandLine(cmd: string): string[] {
  const args: string[] = [];
  let i = 0;
  const n = cmd.length;
  while (i < n) {
    while (i < n && (cmd[i] === ' ' || cmd[i] === '\t')) i++;
    if (i >= n) break;
    let arg = '';
    let inQuote = false;
    let slashes = 0;
    for (; i < n; i++) {
      const c = cmd[i]!;
      if ((c === ' ' || c === '\t') && !inQuote) break;
      if (c === '\\') {
        slashes++;
        continue;
      }
      if (c === '"') {
        arg += '\\'.repeat(slashes >> 1);
        if ((slashes & 1) === 0) {
          if (inQuote && cmd[i + 1] === '"') {
            arg += '"';
            i++;
          }
          inQuote = !inQuote;
        } else {
          arg += '"';
        }
        slashes = 0;
        continue;
      }
      if (slashes) arg += '\\'.repeat(slashes);
      slashes = 0;
      arg += c;
    }
    if (slashes) arg += '\\'.repeat(slashes);
    args.push(arg);
  }
  return args;
}

/** `DOMAIN\name` → [domain, name] when there are exactly two parts (Elastic's rule), else undefined. */
export function splitDomainUser(v: string): [string, string] | undefined {
  const i = v.indexOf('\\');
  if (i < 0 || v.indexOf('\\', i + 1) >= 0) return undefined;
  const domain = v.slice(0, i);
  const name = v.slice(i + 1);
  return domain && name ? [domain, name] : undefined;
}

/** Adds a value to an array field of `obj` (created on first use), without duplicates. */
export function appendUnique(obj: Record<string, unknown>, key: string, value: string): void {
  const cur = obj[key];
  if (Array.isArray(cur)) {
    if (!cur.includes(value)) cur.push(value);
  } else {
    obj[key] = [value];
  }
}

/** The child object `parent[key]`, created when absent (or replaced when it is not an object). */
export function child(parent: Record<string, unknown>, key: string): Record<string, unknown> {
  const cur = parent[key];
  if (cur !== null && typeof cur === 'object' && !Array.isArray(cur)) return cur as Record<string, unknown>;
  const created: Record<string, unknown> = {};
  parent[key] = created;
  return created;
}

/** A lookup table without a prototype, so hostile keys ("constructor", "__proto__") find nothing. */
export function table<T>(entries: Record<string, T>): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, entries);
}

export { setOwn } from '../formats/own-keys.js';

/** Text of a scalar; '' for objects, arrays and absent values (String() would throw on a hostile object). */
export function text(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' ? String(v) : '';
}
