// Instantiated <Event> element tree → the WinEvent boundary structure.
import type { DataValue, WinEvent, WinRendering, WinSystem, XmlElement } from '../types.js';
import type { OutElement } from './binxml.js';
import { type XmlShape, xmlShapes } from '../event-xml/render.js';

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

const POSITIONAL = /^param\d+$/;

/** A name seen twice (some manifests repeat one, e.g. LogonGuid in 4648) keeps every value, as an array does. */
function addNamed(data: Record<string, DataValue>, name: string, value: DataValue): void {
  if (!(name in data)) {
    data[name] = value;
    return;
  }
  const prev = data[name]!;
  const list = Array.isArray(prev) ? prev : [prev ?? ''];
  data[name] = list.concat(value === null ? '' : value);
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
  if (unnamed > 0) shape.unnamedData = true;
  else if (Object.keys(data).some((k) => POSITIONAL.test(k))) shape.unnamedData = false;
  for (const k in el.attrs) {
    shape.eventDataAttrs = el.attrs;
    break;
  }
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

/** Maps an <Event> tree; `fallbackRecordId` is the record header's id, used when the XML carries none. */
export function toWinEvent(root: OutElement, fallbackRecordId: number): WinEvent {
  const sys = child(root, 'System');
  const provider = child(sys, 'Provider');
  const eventIdEl = child(sys, 'EventID');
  const correlation = child(sys, 'Correlation');
  const execution = child(sys, 'Execution');
  const system: WinSystem = {
    provider: provider?.attrs.Name ?? provider?.attrs.EventSourceName ?? '',
    eventId: int(eventIdEl?.text) ?? 0,
    timeCreated: systemTime(child(sys, 'TimeCreated')?.attrs.SystemTime ?? ''),
    channel: child(sys, 'Channel')?.text ?? '',
    computer: child(sys, 'Computer')?.text ?? '',
  };
  const set = <K extends keyof WinSystem>(key: K, value: WinSystem[K] | undefined) => {
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
  set('recordId', int(child(sys, 'EventRecordID')?.text) ?? fallbackRecordId);
  set('activityId', correlation?.attrs.ActivityID);
  set('relatedActivityId', correlation?.attrs.RelatedActivityID);
  set('processId', int(execution?.attrs.ProcessID));
  set('threadId', int(execution?.attrs.ThreadID));
  set('userId', child(sys, 'Security')?.attrs.UserID);

  const event: WinEvent = { system };
  const shape: XmlShape = {};
  if (!correlation) shape.noCorrelation = true;
  if (!execution) shape.noExecution = true;
  else {
    for (const k in execution.attrs) {
      if (k !== 'ProcessID' && k !== 'ThreadID') (shape.executionExtra ??= {})[k] = execution.attrs[k]!;
    }
  }
  if (!child(sys, 'Security')) shape.noSecurity = true;
  for (const c of root.children) {
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
