// Windows-style XML for a WinEvent, as `evtxexport -f xml` and wevtutil render it: the event namespace, System
// in Windows' element order, <Data Name="…"> items, UserData/ProcessingErrorData trees, RenderingInfo of forwarded
// events. Used by `seqhunt evtx dump --xml` and by the simulator.
import type { DataValue, WinEvent, XmlElement } from '../types.js';

export const EVENT_NAMESPACE = 'http://schemas.microsoft.com/win/2004/08/events/event';

/**
 * How a read event's XML differed from the usual shape, for readers that know (the EVTX reader sets it): WinEvent
 * does not say whether <Data> items were unnamed or whether System had <Correlation>/<Execution>. Kept beside the
 * event (not in it) so the boundary type stays as it is; events without an entry render in the usual shape.
 */
export interface XmlShape {
  /** True: EventData items param1..N were unnamed <Data>; false: they were named so. */
  unnamedData?: boolean;
  /** Attributes of <EventData> itself (some classic providers name it). */
  eventDataAttrs?: Record<string, string>;
  /** <Execution> attributes beyond ProcessID/ThreadID (ProcessorID, KernelTime, UserTime, …), in order. */
  executionExtra?: Record<string, string>;
  noCorrelation?: boolean;
  noExecution?: boolean;
  noSecurity?: boolean;
}
export const xmlShapes = new WeakMap<WinEvent, XmlShape>();

export interface RenderXmlOptions {
  /** Indentation per level (default two spaces, as evtxexport); false renders the event on one line. */
  indent?: string | false;
}

const TEXT_ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
const ATTR_ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\t': '&#x9;', '\n': '&#xA;', '\r': '&#xD;' };

/**
 * Characters XML 1.0 forbids even as references (C0 controls other than tab/LF/CR, U+FFFE/U+FFFF): evtxexport
 * writes them raw, which leaves the document not well-formed and lets escapes reach a terminal. They are
 * written as their visible Control Pictures instead (0x03 → U+2403 "␃"; U+FFFE/U+FFFF → U+FFFD).
 */
const FORBIDDEN = '\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff';
/**
 * Allowed, but acted on by terminals or able to disguise text (DEL, C1, bidi and invisible format characters):
 * written as character references, which parse back to the same text.
 */
const INVISIBLE = '\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb';
const TEXT_RE = new RegExp(`[&<>${FORBIDDEN}${INVISIBLE}]`, 'g');
const ATTR_RE = new RegExp(`[&<>"\t\n\r${FORBIDDEN}${INVISIBLE}]`, 'g');

function escapeChar(c: string, table: Record<string, string>): string {
  const known = table[c];
  if (known !== undefined) return known;
  const code = c.charCodeAt(0);
  if (code < 0x20) return String.fromCharCode(0x2400 + code);
  if (code >= 0xfffe) return '\ufffd';
  return `&#x${code.toString(16)};`;
}

export function escapeText(s: string): string {
  TEXT_RE.lastIndex = 0;
  return TEXT_RE.test(s) ? s.replace(TEXT_RE, (c) => escapeChar(c, TEXT_ESC)) : s;
}

/** Attribute values also keep tab/LF/CR as references: a parser would turn raw ones into spaces. */
export function escapeAttr(s: string): string {
  ATTR_RE.lastIndex = 0;
  return ATTR_RE.test(s) ? s.replace(ATTR_RE, (c) => escapeChar(c, ATTR_ESC)) : s;
}

/** Windows renders SystemTime with 9 fraction digits (100 ns, padded): "…29.136879200Z". */
function systemTime(t: string): string {
  const m = /^(.*\.)(\d{1,7})Z$/.exec(t);
  return m ? `${m[1]}${m[2]!.padEnd(7, '0')}00Z` : t;
}

type Attrs = [string, string | number | undefined][];

class Out {
  private parts: string[] = [];
  constructor(private readonly indent: string | false) {}

  private pad(depth: number): string {
    return this.indent === false ? '' : this.indent.repeat(depth);
  }
  private nl(): string {
    return this.indent === false ? '' : '\n';
  }
  private open(name: string, attrs: Attrs): string {
    let s = `<${name}`;
    for (const [k, v] of attrs) if (v !== undefined) s += ` ${k}="${escapeAttr(String(v))}"`;
    return s;
  }
  /** An element holding text (or nothing: self-closed). */
  leaf(depth: number, name: string, attrs: Attrs, text?: string | number): void {
    const head = this.open(name, attrs);
    const body = text === undefined || text === '' ? '/>' : `>${escapeText(String(text))}</${name}>`;
    this.parts.push(this.pad(depth) + head + body + this.nl());
  }
  start(depth: number, name: string, attrs: Attrs = []): void {
    this.parts.push(this.pad(depth) + this.open(name, attrs) + '>' + this.nl());
  }
  end(depth: number, name: string): void {
    this.parts.push(`${this.pad(depth)}</${name}>${this.nl()}`);
  }
  tree(depth: number, el: XmlElement): void {
    const attrs = Object.entries(el.attrs);
    if (el.children.length === 0) return this.leaf(depth, el.name, attrs, el.text);
    this.start(depth, el.name, attrs);
    if (el.text.trim() !== '') this.parts.push(this.pad(depth + 1) + escapeText(el.text) + this.nl());
    for (const c of el.children) this.tree(depth + 1, c);
    this.end(depth, el.name);
  }
  toString(): string {
    const s = this.parts.join('');
    return s.endsWith('\n') ? s.slice(0, -1) : s;
  }
}

/** Unnamed classic-provider items are read as param1..N; without a shape hint they render back as unnamed <Data>. */
const POSITIONAL = /^param\d+$/;

function data(out: Out, depth: number, name: string, value: DataValue, unnamed: boolean | undefined): void {
  if (value === null) return; // an absent substitution: Windows and evtxexport omit the element
  const attrs: Attrs = unnamed !== false && POSITIONAL.test(name) ? [] : [['Name', name]];
  if (name === 'Binary' && typeof value === 'string') return out.leaf(depth, 'Binary', [], value);
  // Arrays render as one element per item (MS-EVEN6).
  for (const item of Array.isArray(value) ? value : [value]) out.leaf(depth, 'Data', attrs, item);
}

/** Renders one event as Windows-style XML (no XML declaration, no trailing newline). */
export function renderEventXml(event: WinEvent, options: RenderXmlOptions = {}): string {
  const out = new Out(options.indent === undefined ? '  ' : options.indent);
  const s = event.system;
  const shape = xmlShapes.get(event);
  out.start(0, 'Event', [['xmlns', EVENT_NAMESPACE]]);
  out.start(1, 'System');
  out.leaf(2, 'Provider', [['Name', s.provider], ['Guid', s.providerGuid], ['EventSourceName', s.eventSourceName]]);
  out.leaf(2, 'EventID', [['Qualifiers', s.qualifiers]], s.eventId);
  if (s.version !== undefined) out.leaf(2, 'Version', [], s.version);
  if (s.level !== undefined) out.leaf(2, 'Level', [], s.level);
  if (s.task !== undefined) out.leaf(2, 'Task', [], s.task);
  if (s.opcode !== undefined) out.leaf(2, 'Opcode', [], s.opcode);
  if (s.keywords !== undefined) out.leaf(2, 'Keywords', [], s.keywords);
  out.leaf(2, 'TimeCreated', [['SystemTime', systemTime(s.timeCreated)]]);
  if (s.recordId !== undefined) out.leaf(2, 'EventRecordID', [], s.recordId);
  if (!shape?.noCorrelation) out.leaf(2, 'Correlation', [['ActivityID', s.activityId], ['RelatedActivityID', s.relatedActivityId]]);
  if (!shape?.noExecution) {
    const extra = Object.entries(shape?.executionExtra ?? {});
    out.leaf(2, 'Execution', [['ProcessID', s.processId], ['ThreadID', s.threadId], ...extra]);
  }
  out.leaf(2, 'Channel', [], s.channel);
  out.leaf(2, 'Computer', [], s.computer);
  if (!shape?.noSecurity) out.leaf(2, 'Security', [['UserID', s.userId]]);
  out.end(1, 'System');
  if (event.eventData) {
    const entries = Object.entries(event.eventData).filter(([, v]) => v !== null);
    const attrs = Object.entries(shape?.eventDataAttrs ?? {});
    if (entries.length === 0) out.leaf(1, 'EventData', attrs);
    else {
      out.start(1, 'EventData', attrs);
      for (const [name, value] of entries) data(out, 2, name, value, shape?.unnamedData);
      out.end(1, 'EventData');
    }
  }
  if (event.userData) {
    out.start(1, 'UserData');
    out.tree(2, event.userData);
    out.end(1, 'UserData');
  }
  if (event.processingError) out.tree(1, event.processingError);
  const r = event.rendering;
  if (r) {
    out.start(1, 'RenderingInfo', [['Culture', r.culture]]);
    for (const [name, v] of [['Message', r.message], ['Level', r.level], ['Task', r.task], ['Opcode', r.opcode], ['Channel', r.channel], ['Provider', r.provider]] as const) {
      if (v !== undefined) out.leaf(2, name, [], v);
    }
    if (r.keywords) {
      out.start(2, 'Keywords');
      for (const k of r.keywords) out.leaf(3, 'Keyword', [], k);
      out.end(2, 'Keywords');
    }
    out.end(1, 'RenderingInfo');
  }
  out.end(0, 'Event');
  return out.toString();
}
