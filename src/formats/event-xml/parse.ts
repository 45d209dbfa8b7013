// Event XML → WinEvent: assembles <Event> elements from tokens wherever they appear (bare and concatenated as
// `wevtutil qe /f:xml` writes them, inside an <Events> root, one per line, forwarded with RenderingInfo) and
// maps each to the structure the EVTX reader produces, so normalization sees one shape. A malformed event is
// reported with its line and assembly resumes at the next <Event>.
import type { DataValue, InputItem, Origin, WinEvent, WinRendering, WinSystem, XmlElement } from '../types.js';
import { XmlTokenizer, type XmlHandler } from './tokenize.js';
import { setOwn } from '../own-keys.js';

/** Real events nest a handful of levels; deeper trees are hostile or broken (and would strain recursion). */
const MAX_EVENT_DEPTH = 128;
const MAX_EVENT_CHARS = 64 * 1024 * 1024;

/** Local name: namespace prefixes are ignored when matching. */
function local(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

function child(el: XmlElement | { children: XmlElement[]; by: Record<string, XmlElement> } | undefined, name: string): XmlElement | undefined {
  if (!el) return undefined;
  if ('by' in el) return el.by[name];
  for (const c of el.children) if (local(c.name) === name) return c;
  return undefined;
}

function int(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (t === '') return undefined;
  const n = t.startsWith('0x') || t.startsWith('0X') ? parseInt(t.slice(2), 16) : Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * SystemTime in the EVTX reader's form: FILETIME has 100 ns resolution, so UTC times get exactly 7 fraction
 * digits (wevtutil writes 9, "…2320000" + "00"; other producers 3 or none). Anything else is kept as written.
 */
function systemTime(t: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(t);
  if (!m) return t;
  const fraction = (m[2] ?? '').slice(0, 7).padEnd(7, '0');
  return `${m[1]}.${fraction}Z`;
}

/** Elements written `<x/>` in the source, so that writing them back keeps their form. */
const selfClosed = new WeakSet<XmlElement>();

const escText = (t: string): string => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** An element written back as XML text (attributes double-quoted, text before children). */
function serialize(el: XmlElement): string {
  let out = `<${el.name}`;
  for (const [k, v] of Object.entries(el.attrs)) out += ` ${k}="${escText(v).replace(/"/g, '&quot;')}"`;
  if (el.children.length === 0 && el.text === '' && selfClosed.has(el)) return `${out}/>`;
  out += `>${el.text}`;
  for (const c of el.children) out += serialize(c);
  return `${out}</${el.name}>`;
}

/**
 * A <Data> value. Windows escapes string values that hold XML; some exporters (evtxexport) write them
 * unescaped, which parses as child elements: the value is then those elements written back as text.
 */
function dataText(el: XmlElement): string {
  if (el.children.length === 0) return el.text;
  let out = el.text;
  for (const c of el.children) out += serialize(c);
  return out;
}

function eventData(el: XmlElement): Record<string, DataValue> {
  const data: Record<string, DataValue> = {};
  let unnamed = 0;
  for (const c of el.children) {
    const name = local(c.name);
    if (name === 'Data') {
      const key = c.attrs.Name;
      if (key !== undefined && key !== '') setOwn(data, key, dataText(c));
      else data[`param${++unnamed}`] = dataText(c);
    } else if (name === 'Binary') {
      data.Binary = c.text;
    } else {
      setOwn(data, name, c.text);
    }
  }
  return data;
}

function rendering(el: XmlElement): WinRendering {
  const r: WinRendering = {};
  if (el.attrs.Culture !== undefined) r.culture = el.attrs.Culture;
  for (const c of el.children) {
    switch (local(c.name)) {
      case 'Message': r.message = c.text; break;
      case 'Level': r.level = c.text; break;
      case 'Task': r.task = c.text; break;
      case 'Opcode': r.opcode = c.text; break;
      case 'Channel': r.channel = c.text; break;
      case 'Provider': r.provider = c.text; break;
      case 'Keywords': r.keywords = c.children.filter((k) => local(k.name) === 'Keyword').map((k) => k.text); break;
    }
  }
  return r;
}

/** Maps an <Event> element; a string is the reason it is not a usable event. */
export function elementToWinEvent(root: XmlElement): WinEvent | string {
  const system0 = child(root, 'System');
  if (!system0) return '<Event> has no <System>';
  // System's children by local name, looked up once (the first of each name counts).
  const by: Record<string, XmlElement> = Object.create(null) as Record<string, XmlElement>;
  for (const c of system0.children) {
    const n = local(c.name);
    if (by[n] === undefined) by[n] = c;
  }
  const sys = { children: system0.children, by };
  const provider = child(sys, 'Provider');
  const eventIdEl = child(sys, 'EventID');
  const eventId = int(eventIdEl?.text);
  if (eventId === undefined) return eventIdEl ? `EventID "${eventIdEl.text}" is not a number` : '<System> has no <EventID>';
  const correlation = child(sys, 'Correlation');
  const execution = child(sys, 'Execution');
  const system: WinSystem = {
    provider: provider?.attrs.Name ?? provider?.attrs.EventSourceName ?? '',
    eventId,
    timeCreated: systemTime(child(sys, 'TimeCreated')?.attrs.SystemTime ?? ''),
    channel: child(sys, 'Channel')?.text ?? '',
    computer: child(sys, 'Computer')?.text ?? '',
  };
  const set = <K extends keyof WinSystem>(key: K, value: WinSystem[K] | undefined): void => {
    if (value !== undefined) system[key] = value;
  };
  set('providerGuid', provider?.attrs.Guid);
  set('eventSourceName', provider?.attrs.EventSourceName);
  set('qualifiers', int(eventIdEl?.attrs.Qualifiers));
  set('version', int(child(sys, 'Version')?.text));
  set('level', int(child(sys, 'Level')?.text));
  set('task', int(child(sys, 'Task')?.text));
  set('opcode', int(child(sys, 'Opcode')?.text));
  const keywords = child(sys, 'Keywords')?.text;
  if (keywords) system.keywords = keywords;
  set('recordId', int(child(sys, 'EventRecordID')?.text));
  set('activityId', correlation?.attrs.ActivityID);
  set('relatedActivityId', correlation?.attrs.RelatedActivityID);
  set('processId', int(execution?.attrs.ProcessID));
  set('threadId', int(execution?.attrs.ThreadID));
  set('userId', child(sys, 'Security')?.attrs.UserID);

  const event: WinEvent = { system };
  for (const c of root.children) {
    switch (local(c.name)) {
      case 'EventData': event.eventData = eventData(c); break;
      case 'UserData': if (c.children[0]) event.userData = c.children[0]; break;
      case 'ProcessingErrorData': event.processingError = c; break;
      case 'RenderingInfo': event.rendering = rendering(c); break;
    }
  }
  return event;
}

/** Receives tokens; completed events and problems accumulate in `items` (drained by the reader). */
export class EventAssembler implements XmlHandler {
  readonly items: InputItem[] = [];
  /** Open elements of the event being assembled; empty outside events. */
  private stack: XmlElement[] = [];
  private eventLine = 0;
  /** Open UserData elements: an <Event> inside a provider payload is data, not a new event. */
  private inUserData = 0;
  /** Characters of text in the event so far (bounded: a runaway value is not held). */
  private chars = 0;

  constructor(private readonly base: { file: string; member?: string }) {}

  private origin(line: number, record?: number): Origin {
    const o: Origin = { file: this.base.file, line };
    if (this.base.member !== undefined) o.member = this.base.member;
    if (record !== undefined) o.record = record;
    return o;
  }

  private problem(message: string, line: number): void {
    this.items.push({ kind: 'problem', severity: 'error', message, origin: this.origin(line) });
  }

  /** Drops the event being assembled, reporting why. */
  private abandon(message: string, line: number): void {
    const where = line === this.eventLine ? '' : ` (event starts on line ${this.eventLine}, broken on line ${line})`;
    this.problem(`malformed event XML: ${message}${where}`, this.eventLine);
    this.stack = [];
    this.inUserData = 0;
  }

  open(name: string, attrs: Record<string, string>, selfClosing: boolean, line: number): void {
    const ln = local(name);
    if (this.stack.length === 0) {
      if (ln !== 'Event') return; // <Events> roots and other wrappers
      this.begin(name, attrs, line);
      if (selfClosing) this.finish(line);
      return;
    }
    if (ln === 'Event' && this.inUserData === 0) {
      this.abandon('<Event> not closed before the next one', line);
      this.begin(name, attrs, line);
      if (selfClosing) this.finish(line);
      return;
    }
    if (this.stack.length >= MAX_EVENT_DEPTH) {
      this.abandon(`elements nested deeper than ${MAX_EVENT_DEPTH} levels`, line);
      return;
    }
    const el: XmlElement = { name, attrs, children: [], text: '' };
    this.stack[this.stack.length - 1]!.children.push(el);
    if (selfClosing) selfClosed.add(el);
    else {
      this.stack.push(el);
      if (ln === 'UserData') this.inUserData++;
    }
  }

  close(name: string, line: number): void {
    const top = this.stack[this.stack.length - 1];
    if (!top) return; // closing a wrapper (</Events>) or a stray tag between events
    if (top.name !== name && local(top.name) !== local(name)) {
      this.abandon(`</${name}> where </${top.name}> was expected`, line);
      return;
    }
    // Indentation between child elements is not text.
    if (top.children.length > 0 && top.text.trim() === '') top.text = '';
    this.stack.pop();
    if (local(top.name) === 'UserData') this.inUserData--;
    if (this.stack.length === 0) this.finish(line, top);
  }

  text(text: string): void {
    const top = this.stack[this.stack.length - 1];
    if (!top) return;
    this.chars += text.length;
    if (this.chars > MAX_EVENT_CHARS) this.abandon(`event text larger than ${MAX_EVENT_CHARS} characters`, this.eventLine);
    else top.text += text;
  }

  error(message: string, line: number): void {
    if (this.stack.length > 0) this.abandon(message, line);
    else this.problem(`malformed XML: ${message}`, line);
  }

  /** End of input: an event still open is reported. */
  end(line: number): void {
    if (this.stack.length > 0) this.abandon('input ends inside <Event>', line);
  }

  private begin(name: string, attrs: Record<string, string>, line: number): void {
    this.chars = 0;
    this.stack = [{ name, attrs, children: [], text: '' }];
    this.eventLine = line;
    this.inUserData = 0;
  }

  private finish(line: number, root = this.stack[0]!): void {
    this.stack = [];
    const event = elementToWinEvent(root);
    if (typeof event === 'string') {
      this.problem(`malformed event: ${event}`, this.eventLine === line ? line : this.eventLine);
      return;
    }
    this.items.push({ kind: 'windows', event, origin: this.origin(this.eventLine, event.system.recordId) });
  }
}

/** Parses event XML held in memory (tests, small inputs): every event and problem, in order. */
export function parseEventXml(text: string, base: { file: string; member?: string } = { file: '-' }): InputItem[] {
  const assembler = new EventAssembler(base);
  const tokenizer = new XmlTokenizer(assembler);
  tokenizer.push(text);
  tokenizer.end();
  assembler.end(tokenizer.currentLine);
  return assembler.items;
}
