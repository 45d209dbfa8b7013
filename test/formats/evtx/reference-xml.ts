// Test helper: a small XML reader for reference tools' output (evtxexport -f xml, evtx_dump.py, our --xml),
// and the comparable view of an event (System fields and EventData/UserData values, normalized).
import type { DataValue, WinEvent, XmlElement } from '../../../src/formats/types.js';

export interface Node {
  name: string;
  attrs: Record<string, string>;
  children: Node[];
  text: string;
}

const ENT: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
function unescape(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (m, e: string) =>
    e[0] === '#' ? String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1))) : ENT[e] ?? m,
  );
}

/** Parses every top-level <Event> element (or child of an <Events> root); other text and prologs are ignored. */
export function parseEvents(xml: string): Node[] {
  const events: Node[] = [];
  const stack: Node[] = [];
  const re = /<\?[^>]*\?>|<!--[\s\S]*?-->|<(\/?)([\w:.-]+)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/g;
  const attrRe = /([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(xml))) {
    const [, close, name, attrText, selfClose, text] = m;
    if (text !== undefined) {
      if (stack.length) stack[stack.length - 1]!.text += unescape(text);
      continue;
    }
    if (!name) continue;
    if (close) {
      const node = stack.pop();
      const top = stack.length === 0 || (stack.length === 1 && stack[0]!.name === 'Events');
      if (node && top && node.name === 'Event') events.push(node);
      continue;
    }
    const attrs: Record<string, string> = {};
    if (attrText) for (const a of attrText.matchAll(attrRe)) attrs[a[1]!] = unescape(a[2] ?? a[3] ?? '');
    const node: Node = { name, attrs, children: [], text: '' };
    if (stack.length) stack[stack.length - 1]!.children.push(node);
    if (selfClose) {
      if (stack.length === 0 && name === 'Event') events.push(node);
    } else stack.push(node);
  }
  return events;
}

/** What the differential test compares, with the normalizations of evtx-format.md §10. */
export interface Comparable {
  recordId: string;
  time: string;
  eventId: string;
  provider: string;
  channel: string;
  computer: string;
  /** name → value for EventData; path → text for UserData leaves and attributes. */
  values: Map<string, string>;
}

/** Times to 100 ns ("2017-12-26T13:10:29.1368792Z" and "...29.136879200Z" and "2017-12-26 13:10:29.136879" agree). */
export function normTime(t: string): string {
  const m = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:\.(\d+))?Z?$/.exec(t.trim());
  if (!m) return t;
  return `${m[1]}T${m[2]}.${(m[3] ?? '').padEnd(7, '0').slice(0, 7)}Z`;
}

/** Values: GUIDs lowercased, hex numbers as BigInt, booleans lowercased, surrounding whitespace ignored. */
export function normValue(v: string): string {
  const s = v.trim();
  if (/^0x[0-9a-fA-F]+$/.test(s)) return '0x' + BigInt(s).toString(16);
  if (/^\{[0-9a-fA-F-]{36}\}$/.test(s)) return s.toLowerCase();
  if (s === 'True' || s === 'False') return s.toLowerCase();
  return s;
}

function flattenTree(node: { name: string; attrs: Record<string, string>; children: { name: string }[]; text: string }, path: string, out: Map<string, string>): void {
  for (const [k, v] of Object.entries(node.attrs)) if (k !== 'xmlns') out.set(`${path}@${k}`, normValue(v));
  const seen = new Map<string, number>();
  for (const c of node.children as (typeof node)[]) {
    const i = seen.get(c.name) ?? 0;
    seen.set(c.name, i + 1);
    flattenTree(c, `${path}/${c.name}[${i}]`, out);
  }
  if (node.children.length === 0) out.set(path, normValue(node.text));
}

function child(n: Node | undefined, name: string): Node | undefined {
  return n?.children.find((c) => c.name === name);
}

/** The comparable view of a reference tool's <Event>. */
export function fromXml(ev: Node): Comparable {
  const sys = child(ev, 'System');
  const values = new Map<string, string>();
  const data = child(ev, 'EventData');
  if (data) {
    let unnamed = 0;
    const arrays = new Map<string, string[]>();
    for (const d of data.children) {
      if (d.name === 'Data') {
        const key = d.attrs.Name ? d.attrs.Name : `param${++unnamed}`;
        // Array values render as one element per item: gather them back into one list.
        const list = arrays.get(key) ?? [];
        list.push(normValue(d.text));
        arrays.set(key, list);
      } else values.set(d.name, normValue(d.text));
    }
    for (const [k, list] of arrays) values.set(k, list.join('|'));
  }
  const user = child(ev, 'UserData')?.children[0];
  if (user) flattenTree(user, `UserData/${user.name}`, values);
  return {
    recordId: (child(sys, 'EventRecordID')?.text ?? '').trim(),
    time: normTime(child(sys, 'TimeCreated')?.attrs.SystemTime ?? ''),
    eventId: (child(sys, 'EventID')?.text ?? '').trim(),
    provider: child(sys, 'Provider')?.attrs.Name ?? '',
    channel: (child(sys, 'Channel')?.text ?? '').trim(),
    computer: (child(sys, 'Computer')?.text ?? '').trim(),
    values,
  };
}

function dataText(v: DataValue): string {
  if (v === null) return '';
  if (Array.isArray(v)) return v.map(normValue).join('|');
  return normValue(v);
}

/** The comparable view of one of our events. */
export function fromWinEvent(ev: WinEvent): Comparable {
  const values = new Map<string, string>();
  // null is an absent substitution: evtxexport omits the element.
  for (const [k, v] of Object.entries(ev.eventData ?? {})) if (v !== null) values.set(k, dataText(v));
  const user: XmlElement | undefined = ev.userData;
  if (user) flattenTree(user, `UserData/${user.name}`, values);
  const s = ev.system;
  return {
    recordId: String(s.recordId ?? ''),
    time: normTime(s.timeCreated),
    eventId: String(s.eventId),
    provider: s.provider,
    channel: s.channel,
    computer: s.computer,
    values,
  };
}

export interface Difference {
  field: string;
  ours: string | undefined;
  ref: string | undefined;
  text: string;
}

function show(v: string | undefined): string {
  return v === undefined ? 'absent' : JSON.stringify(v.length > 120 ? v.slice(0, 120) + '…' : v);
}

/** Differences between two comparable events (empty when they agree). */
export function diff(ours: Comparable, ref: Comparable): Difference[] {
  const out: Difference[] = [];
  for (const k of ['recordId', 'time', 'eventId', 'provider', 'channel', 'computer'] as const) {
    if (ours[k] !== ref[k]) out.push({ field: k, ours: ours[k], ref: ref[k], text: `${k}: ours ${show(ours[k])} ref ${show(ref[k])}` });
  }
  const keys = new Set([...ours.values.keys(), ...ref.values.keys()]);
  for (const k of keys) {
    const a = ours.values.get(k);
    const b = ref.values.get(k);
    if (a !== b) out.push({ field: k, ours: a, ref: b, text: `${k}: ours ${show(a)} ref ${show(b)}` });
  }
  return out;
}
