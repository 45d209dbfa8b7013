// Instantiated <Event> element tree → the WinEvent boundary structure.
import type { DataValue, WinEvent, WinRendering, WinSystem, XmlElement } from '../types.js';
import type { OutElement } from './binxml.js';
import { type XmlShape, xmlShapes } from '../event-xml/render.js';
import { hasOwn, setOwn } from '../own-keys.js';

function child(el: OutElement | undefined, name: string): OutElement | undefined {
  if (!el) return undefined;
  for (const c of el.children) if (c.name === name) return c;
  return undefined;
}

function int(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const n = text.startsWith('0x') ? parseInt(text, 16) : Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** Keeps a tree as XmlElement; array items become repeated elements (MS-EVEN6: one element per item). */
export function toXmlElement(el: OutElement): XmlElement {
  const children: XmlElement[] = [];
  for (const c of el.children) {
    if (c.items) for (const item of c.items) children.push({ name: c.name, attrs: c.attrs, children: [], text: item });
    else children.push(toXmlElement(c));
  }
  return { name: el.name, attrs: el.attrs, children, text: el.text };
}

function dataValue(el: OutElement): DataValue {
  if (el.items) return el.items;
  if (el.isNull) return null;
  return el.text;
}

export const POSITIONAL = /^param\d+$/;

/** A name seen twice (some manifests repeat one, e.g. LogonGuid in 4648) keeps every value, as an array does. */
export function addNamed(data: Record<string, DataValue>, name: string, value: DataValue): void {
  if (!hasOwn(data, name)) {
    setOwn(data, name, value);
    return;
  }
  const prev = data[name]!;
  const list = Array.isArray(prev) ? prev : [prev ?? ''];
  setOwn(data, name, list.concat(value === null ? '' : value));
}

/** EventData decoded without an element tree (plan.ts): the map, how many items were unnamed, <EventData>'s attributes. */
export interface DirectEventData {
  data: Record<string, DataValue>;
  unnamed: number;
  attrs?: Record<string, string>;
  /** Whether a key of `data` looks positional, when the plan knows it (else the keys are tested). */
  positional?: boolean;
}

function noteEventData(shape: XmlShape, data: Record<string, DataValue>, unnamed: number, attrs: Record<string, string> | undefined, positional?: boolean): void {
  if (unnamed > 0) shape.unnamedData = true;
  else if (positional ?? Object.keys(data).some((k) => POSITIONAL.test(k))) shape.unnamedData = false;
  if (attrs) {
    for (const _ in attrs) {
      shape.eventDataAttrs = attrs;
      break;
    }
  }
}

function eventData(el: OutElement, shape: XmlShape): Record<string, DataValue> {
  const data: Record<string, DataValue> = {};
  let unnamed = 0;
  for (const c of el.children) {
    if (c.name === 'Data') {
      const name = c.attrs.Name;
      if (name !== undefined && name !== '') addNamed(data, name, dataValue(c));
      // Unnamed array items render as one <Data> each (MS-EVEN6), so each is its own positional parameter.
      else if (c.items) for (const item of c.items) data[`param${++unnamed}`] = item;
      else data[`param${++unnamed}`] = dataValue(c);
    } else if (c.name === 'Binary') {
      data.Binary = c.text;
    } else {
      // Other payloads (ComplexData …): keep the text under the element's name.
      data[c.name] = dataValue(c);
    }
  }
  noteEventData(shape, data, unnamed, el.attrs);
  return data;
}

function rendering(el: OutElement): WinRendering {
  const r: WinRendering = {};
  if (el.attrs.Culture !== undefined) r.culture = el.attrs.Culture;
  for (const c of el.children) {
    switch (c.name) {
      case 'Message': r.message = c.text; break;
      case 'Level': r.level = c.text; break;
      case 'Task': r.task = c.text; break;
      case 'Opcode': r.opcode = c.text; break;
      case 'Channel': r.channel = c.text; break;
      case 'Provider': r.provider = c.text; break;
      case 'Keywords': r.keywords = c.children.filter((k) => k.name === 'Keyword').map((k) => k.text); break;
    }
  }
  return r;
}

/** WinSystem keeps TimeCreated at its real 100 ns precision: 7 fraction digits (FILETIME renders 9). */
function systemTime(t: string): string {
  return t.length === 30 && t.endsWith('00Z') && t[19] === '.' ? t.slice(0, 27) + 'Z' : t;
}

/** Read access to the <System> block, from an element tree or straight from a compiled template (plan.ts). */
export interface SystemView {
  /** Whether the element is present. */
  has(el: string): boolean;
  /** Direct text of the element; undefined when it is absent. */
  text(el: string): string | undefined;
  /** An attribute's value; undefined when the element or the attribute is absent. */
  attr(el: string, name: string): string | undefined;
  /** Attributes of the element other than `known`, in order; undefined when there are none. */
  otherAttrs(el: string, known: string[]): Record<string, string> | undefined;
}

class TreeView implements SystemView {
  constructor(private readonly sys: OutElement | undefined) {}
  has(el: string): boolean {
    return child(this.sys, el) !== undefined;
  }
  text(el: string): string | undefined {
    return child(this.sys, el)?.text;
  }
  attr(el: string, name: string): string | undefined {
    return child(this.sys, el)?.attrs[name];
  }
  otherAttrs(el: string, known: string[]): Record<string, string> | undefined {
    const attrs = child(this.sys, el)?.attrs;
    let extra: Record<string, string> | undefined;
    for (const k in attrs) if (!known.includes(k)) (extra ??= {})[k] = attrs[k]!;
    return extra;
  }
}

const EXECUTION_KNOWN = ['ProcessID', 'ThreadID'];

/** Builds the WinEvent from System (through a view) and the other children of <Event>. */
export function buildEvent(sys: SystemView, children: OutElement[], fallbackRecordId: number, direct?: DirectEventData): WinEvent {
  const system: WinSystem = {
    provider: sys.attr('Provider', 'Name') ?? sys.attr('Provider', 'EventSourceName') ?? '',
    eventId: int(sys.text('EventID')) ?? 0,
    timeCreated: systemTime(sys.attr('TimeCreated', 'SystemTime') ?? ''),
    channel: sys.text('Channel') ?? '',
    computer: sys.text('Computer') ?? '',
  };
  // Plain statements rather than a setter closure: this runs once per record.
  let v: string | number | undefined;
  if ((v = sys.attr('Provider', 'Guid')) !== undefined) system.providerGuid = v;
  if ((v = sys.attr('Provider', 'EventSourceName')) !== undefined) system.eventSourceName = v;
  if ((v = int(sys.attr('EventID', 'Qualifiers'))) !== undefined) system.qualifiers = v;
  if ((v = int(sys.text('Version'))) !== undefined) system.version = v;
  if ((v = int(sys.text('Level'))) !== undefined) system.level = v;
  if ((v = int(sys.text('Task'))) !== undefined) system.task = v;
  if ((v = int(sys.text('Opcode'))) !== undefined) system.opcode = v;
  if ((v = sys.text('Keywords'))) system.keywords = v;
  system.recordId = int(sys.text('EventRecordID')) ?? fallbackRecordId;
  if ((v = sys.attr('Correlation', 'ActivityID')) !== undefined) system.activityId = v;
  if ((v = sys.attr('Correlation', 'RelatedActivityID')) !== undefined) system.relatedActivityId = v;
  if ((v = int(sys.attr('Execution', 'ProcessID'))) !== undefined) system.processId = v;
  if ((v = int(sys.attr('Execution', 'ThreadID'))) !== undefined) system.threadId = v;
  if ((v = sys.attr('Security', 'UserID')) !== undefined) system.userId = v;

  const event: WinEvent = { system };
  const shape: XmlShape = {};
  if (!sys.has('Correlation')) shape.noCorrelation = true;
  if (!sys.has('Execution')) shape.noExecution = true;
  else {
    const extra = sys.otherAttrs('Execution', EXECUTION_KNOWN);
    if (extra) shape.executionExtra = extra;
  }
  if (!sys.has('Security')) shape.noSecurity = true;
  if (direct) {
    event.eventData = direct.data;
    noteEventData(shape, direct.data, direct.unnamed, direct.attrs, direct.positional);
  }
  for (const c of children) {
    switch (c.name) {
      case 'EventData': event.eventData = eventData(c, shape); break;
      case 'UserData': {
        const first = c.children[0];
        if (first) event.userData = toXmlElement(first);
        break;
      }
      case 'ProcessingErrorData': event.processingError = toXmlElement(c); break;
      case 'RenderingInfo': event.rendering = rendering(c); break;
    }
  }
  // Only events that differ from the usual shape pay for an entry.
  for (const _ in shape) {
    xmlShapes.set(event, shape);
    break;
  }
  return event;
}

/** Maps an <Event> tree; `fallbackRecordId` is the record header's id, used when the XML carries none. */
export function toWinEvent(root: OutElement, fallbackRecordId: number): WinEvent {
  return buildEvent(new TreeView(child(root, 'System')), root.children, fallbackRecordId);
}
