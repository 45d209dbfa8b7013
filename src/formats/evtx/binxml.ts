// BinXML decoding for one chunk: tokens → a small IR (element trees whose values are substitution slots),
// template definitions and names cached per chunk, then instantiation into plain element trees.
// Every read is bounds-checked; damage raises BinXmlError, which the record reader scopes to one record.
import type { DataValue } from '../types.js';
import { VT, valueText } from './values.js';
import { setOwn } from '../own-keys.js';

export class BinXmlError extends Error {}

/** Caps of the same order as libfwevt / evtx-rs: element depth, template/BinXml nesting, output size per record. */
export const MAX_ELEMENT_DEPTH = 256;
export const MAX_NESTING = 16;
export const MAX_OUTPUT_NODES = 100_000;
/** Text characters one record may expand to: a template can cite one large value many times. */
export const MAX_OUTPUT_CHARS = 4_000_000;

export interface IrSubst {
  index: number;
  optional: boolean;
}
export type IrPart = string | IrSubst;
export interface IrAttr {
  name: string;
  parts: IrPart[];
}
export interface IrElement {
  name: string;
  attrs: IrAttr[];
  children: IrNode[];
}
/** A template instance found in a stream: its definition plus where its values sit in the chunk. */
export interface IrInstance {
  def: TemplateDef;
  values: Values;
}
export type IrNode = IrElement | IrInstance | IrPart;

export interface Values {
  types: number[];
  offs: number[];
  sizes: number[];
}

export interface TemplateDef {
  offset: number;
  nodes: IrNode[];
  /** Where Event/System/Provider/@Name and Event/System/EventID come from: a substitution index or a literal. */
  providerRef?: number | string;
  eventIdRef?: number | string;
  /** Compiled direct mapping to WinEvent (see plan.ts): undefined until tried, null when the shape is not simple. */
  plan?: unknown;
  /** Compiled EventData plan when the definition is a nested EventData template (plan.ts); same convention. */
  dataPlan?: unknown;
}

const SELF_REFERENCE = new BinXmlError('a template definition refers to itself');
const NO_VALUES: Values = { types: [], offs: [], sizes: [] };

/** An instantiated element. `items` holds an array value's items when the content was one array substitution. */
export interface OutElement {
  name: string;
  attrs: Record<string, string>;
  children: OutElement[];
  text: string;
  items?: string[];
  /** True when the content was only a NULL substitution (rendered empty, reported as null). */
  isNull?: boolean;
}

function isSubst(n: IrNode): n is IrSubst {
  return typeof n === 'object' && 'index' in n;
}
function isInstance(n: IrNode): n is IrInstance {
  return typeof n === 'object' && 'def' in n;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decoder state for one 64 KiB chunk (names and templates are chunk-relative and never cross chunks). */
export class ChunkBinXml {
  private names = new Map<number, string>();
  private templates = new Map<number, TemplateDef | BinXmlError>();
  private budget = 0;
  private textBudget = 0;

  constructor(readonly buf: Buffer, readonly len: number) {}

  // ---- low-level bounded reads

  private need(pos: number, n: number, end: number): void {
    if (pos < 0 || pos + n > end) throw new BinXmlError(`truncated BinXML at chunk offset ${pos}`);
  }

  private readName(off: number): { name: string; size: number } {
    if (off < 0 || off + 8 > this.len) throw new BinXmlError(`name offset ${off} outside chunk`);
    const count = this.buf.readUInt16LE(off + 6);
    const size = 10 + 2 * count;
    if (off + size > this.len) throw new BinXmlError(`name at ${off} overruns chunk`);
    let name = this.names.get(off);
    if (name === undefined) {
      name = this.buf.toString('utf16le', off + 8, off + 8 + 2 * count);
      this.names.set(off, name);
    }
    return { name, size };
  }

  /** Reads a name reference at pos (u32 offset); returns the name and the position after it (skipping an inline Name). */
  private nameAt(pos: number, end: number): [string, number] {
    this.need(pos, 4, end);
    const off = this.buf.readUInt32LE(pos);
    const { name, size } = this.readName(off);
    let next = pos + 4;
    if (off === next) {
      this.need(next, size, end);
      next += size;
    }
    return [name, next];
  }

  // ---- templates

  template(offset: number, depth: number): TemplateDef {
    const cached = this.templates.get(offset);
    if (cached instanceof BinXmlError) throw cached;
    if (cached) return cached;
    try {
      this.need(offset, 24, this.len);
      const size = this.buf.readUInt32LE(offset + 20);
      const start = offset + 24;
      const end = Math.min(start + size, this.len);
      // Mark as in progress so a definition that refers to itself fails instead of recursing.
      this.templates.set(offset, SELF_REFERENCE);
      const nodes: IrNode[] = [];
      this.parseStream(start, end, true, depth + 1, nodes);
      const def: TemplateDef = { offset, nodes };
      locateSystemRefs(def);
      this.templates.set(offset, def);
      return def;
    } catch (err) {
      const e = err instanceof BinXmlError ? err : new BinXmlError(String((err as Error).message));
      const wrapped = new BinXmlError(`template at chunk offset ${offset}: ${e.message}`);
      this.templates.set(offset, wrapped);
      throw wrapped;
    }
  }

  /** Parses a template instance (token 0x0C at pos); returns the instance and the position after its values. */
  private instanceAt(pos: number, end: number, depth: number): [IrInstance, number] {
    if (depth > MAX_NESTING) throw new BinXmlError('template nesting too deep');
    this.need(pos, 10, end);
    const defOff = this.buf.readUInt32LE(pos + 6);
    let p = pos + 10;
    if (defOff === p) {
      // The definition is written inline at its first use in the chunk: skip it.
      this.need(p, 24, end);
      p += 24 + this.buf.readUInt32LE(p + 20);
    }
    const def = this.template(defOff, depth);
    this.need(p, 4, end);
    const count = this.buf.readUInt32LE(p);
    p += 4;
    if (count > (end - p) / 4) throw new BinXmlError(`substitution count ${count} exceeds the record`);
    const values: Values = { types: new Array(count), offs: new Array(count), sizes: new Array(count) };
    let dataPos = p + 4 * count;
    for (let i = 0; i < count; i++) {
      const size = this.buf.readUInt16LE(p + 4 * i);
      values.types[i] = this.buf[p + 4 * i + 2]!;
      values.sizes[i] = size;
      values.offs[i] = dataPos;
      dataPos += size;
    }
    if (dataPos > end) throw new BinXmlError(`substitution values overrun the record by ${dataPos - end} bytes`);
    return [{ def, values }, dataPos];
  }

  // ---- token stream → IR

  /**
   * Parses tokens from pos until EOF/end into `out`. Within template definitions elements carry a dependency id.
   * Returns the position after the EOF token (or end).
   */
  parseStream(pos: number, end: number, inTemplate: boolean, depth: number, out: IrNode[]): number {
    const buf = this.buf;
    while (pos < end) {
      const tok = buf[pos]!;
      switch (tok) {
        case 0x00:
          return pos + 1;
        case 0x0f:
          pos += 4;
          break;
        case 0x01:
        case 0x41: {
          const [el, next] = this.element(pos, end, inTemplate, 1, depth);
          out.push(el);
          pos = next;
          break;
        }
        case 0x0c: {
          const [inst, next] = this.instanceAt(pos, end, depth);
          out.push(inst);
          pos = next;
          break;
        }
        case 0x0a: {
          pos = this.nameAt(pos + 1, end)[1];
          break;
        }
        case 0x0b: {
          this.need(pos, 3, end);
          pos += 3 + 2 * buf.readUInt16LE(pos + 1);
          break;
        }
        default:
          throw new BinXmlError(`unexpected BinXML token 0x${tok.toString(16).padStart(2, '0')} at chunk offset ${pos}`);
      }
    }
    return pos;
  }

  /** `depth` counts elements; `nest` counts template/BinXml nesting (for instances inside the element). */
  private element(pos: number, end: number, inTemplate: boolean, depth: number, nest: number): [IrElement, number] {
    if (depth > MAX_ELEMENT_DEPTH) throw new BinXmlError('elements nested too deep');
    const buf = this.buf;
    const hasAttrs = buf[pos] === 0x41;
    let p = pos + 1;
    if (inTemplate) p += 2;
    this.need(p, 8, end);
    p += 4; // element data size: not trusted, parsing decides
    const [name, afterName] = this.nameAt(p, end);
    p = afterName;
    const el: IrElement = { name, attrs: [], children: [] };
    if (hasAttrs) {
      this.need(p, 4, end);
      p += 4;
      while (p < end && (buf[p]! & 0xbf) === 0x06) {
        const [attrName, afterAttr] = this.nameAt(p + 1, end);
        const parts: IrPart[] = [];
        p = this.values(afterAttr, end, parts);
        el.attrs.push({ name: attrName, parts });
      }
    }
    this.need(p, 1, end);
    const close = buf[p]!;
    if (close === 0x03) return [el, p + 1];
    if (close !== 0x02) throw new BinXmlError(`element <${name}> not closed at chunk offset ${p}`);
    p++;
    for (;;) {
      this.need(p, 1, end);
      const tok = buf[p]!;
      switch (tok) {
        case 0x04:
          return [el, p + 1];
        case 0x01:
        case 0x41: {
          const [child, next] = this.element(p, end, inTemplate, depth + 1, nest);
          el.children.push(child);
          p = next;
          break;
        }
        case 0x07:
        case 0x47: {
          this.need(p, 3, end);
          const n = buf.readUInt16LE(p + 1);
          this.need(p + 3, 2 * n, end);
          el.children.push(buf.toString('utf16le', p + 3, p + 3 + 2 * n));
          p += 3 + 2 * n;
          break;
        }
        case 0x0a: {
          p = this.nameAt(p + 1, end)[1];
          break;
        }
        case 0x0b: {
          this.need(p, 3, end);
          p += 3 + 2 * buf.readUInt16LE(p + 1);
          break;
        }
        case 0x0c: {
          const [inst, next] = this.instanceAt(p, end, nest);
          el.children.push(inst);
          p = next;
          break;
        }
        default: {
          const next = this.values(p, end, el.children as IrPart[]);
          if (next === p) throw new BinXmlError(`unexpected BinXML token 0x${tok.toString(16).padStart(2, '0')} in <${name}> at chunk offset ${p}`);
          p = next;
        }
      }
    }
  }

  /** Reads consecutive value tokens (text, substitutions, char/entity refs) into parts. */
  private values(p: number, end: number, parts: IrPart[]): number {
    const buf = this.buf;
    while (p < end) {
      const tok = buf[p]!;
      if (tok === 0x05 || tok === 0x45) {
        this.need(p, 4, end);
        const n = buf.readUInt16LE(p + 2);
        this.need(p + 4, 2 * n, end);
        parts.push(buf.toString('utf16le', p + 4, p + 4 + 2 * n));
        p += 4 + 2 * n;
      } else if (tok === 0x0d || tok === 0x0e) {
        this.need(p, 4, end);
        parts.push({ index: buf.readUInt16LE(p + 1), optional: tok === 0x0e });
        p += 4;
      } else if (tok === 0x08 || tok === 0x48) {
        this.need(p, 3, end);
        parts.push(String.fromCharCode(buf.readUInt16LE(p + 1)));
        p += 3;
      } else if (tok === 0x09 || tok === 0x49) {
        const [name, next] = this.nameAt(p + 1, end);
        parts.push(ENTITIES[name] ?? `&${name};`);
        p = next;
      } else {
        break;
      }
    }
    return p;
  }

  // ---- instantiation

  /** Resets the per-record output budget (guards against exponential template/BinXml expansion). */
  startRecord(): void {
    this.budget = MAX_OUTPUT_NODES;
    this.textBudget = MAX_OUTPUT_CHARS;
  }

  /** Charges text against the record's output budget (the plan's direct paths too). */
  spend(text: string): string {
    if ((this.textBudget -= text.length) < 0) throw new BinXmlError('record expands to too much text');
    return text;
  }

  /** Instantiates IR nodes (with the given substitution values) into elements appended to `out`. */
  instantiate(nodes: IrNode[], values: Values, out: OutElement[], depth: number): void {
    for (const node of nodes) {
      if (typeof node === 'string' || isSubst(node)) continue; // text outside any element
      if (isInstance(node)) {
        if (depth > MAX_NESTING) throw new BinXmlError('template nesting too deep');
        this.instantiate(node.def.nodes, node.values, out, depth + 1);
      } else {
        this.instElement(node, values, out, depth);
      }
    }
  }

  valueAt(values: Values, index: number): DataValue {
    if (index >= values.types.length) return null;
    return valueText(this.buf, values.types[index]!, values.offs[index]!, values.sizes[index]!);
  }

  isEmpty(values: Values, s: IrSubst): boolean {
    if (s.index >= values.types.length) return true;
    const t = values.types[s.index]!;
    if (t === VT.Null) return true;
    if (t & VT.ArrayFlag) return values.sizes[s.index] === 0;
    return false;
  }

  private attrs(ir: IrElement, values: Values): Record<string, string> {
    const attrs: Record<string, string> = {};
    for (const a of ir.attrs) {
      if (a.parts.length === 1 && isSubst(a.parts[0]!) && (a.parts[0] as IrSubst).optional && this.isEmpty(values, a.parts[0] as IrSubst)) continue;
      let text = '';
      for (const part of a.parts) {
        if (typeof part === 'string') text += part;
        else {
          const v = this.valueAt(values, part.index);
          text += v === null ? '' : Array.isArray(v) ? v.join(',') : v;
        }
      }
      setOwn(attrs, a.name, this.spend(text));
    }
    return attrs;
  }

  private instElement(ir: IrElement, values: Values, out: OutElement[], depth: number): void {
    if (--this.budget < 0) throw new BinXmlError('record expands to too many elements');
    // An optional substitution that is NULL removes its element (MS-EVEN6 2.2.12; libevtx does the same), except
    // <Data>: it stays, marked null, so EventData can report the field as an absent substitution (DataValue null).
    for (const c of ir.children) {
      if (isSubst(c) && c.optional && this.isEmpty(values, c)) {
        if (ir.name !== 'Data') return;
        out.push({ name: ir.name, attrs: this.attrs(ir, values), children: [], text: '', isNull: true });
        return;
      }
    }
    const el: OutElement = { name: ir.name, attrs: this.attrs(ir, values), children: [], text: '' };
    let nullOnly = ir.children.length > 0;
    for (const c of ir.children) {
      if (typeof c === 'string') {
        el.text += this.spend(c);
        nullOnly = false;
      } else if (isSubst(c)) {
        const type = c.index < values.types.length ? values.types[c.index]! : VT.Null;
        if (type === VT.BinXml) {
          nullOnly = false;
          this.nested(values.offs[c.index]!, values.sizes[c.index]!, el.children, depth);
          continue;
        }
        const v = this.valueAt(values, c.index);
        if (v === null) continue;
        nullOnly = false;
        if (Array.isArray(v)) {
          el.items = v;
          el.text += this.spend(v.join(','));
        } else {
          el.text += this.spend(v);
        }
      } else if (isInstance(c)) {
        nullOnly = false;
        if (depth > MAX_NESTING) throw new BinXmlError('template nesting too deep');
        this.instantiate(c.def.nodes, c.values, el.children, depth + 1);
      } else {
        nullOnly = false;
        this.instElement(c, values, el.children, depth);
      }
    }
    if (nullOnly) el.isNull = true;
    out.push(el);
  }

  /**
   * Element content instantiated into `out` without the element itself (used for <Event> by the plan): child
   * elements, template instances and nested BinXml values; plain text is dropped (<Event> has none that matters).
   */
  instContent(children: IrNode[], values: Values, out: OutElement[], depth: number): void {
    for (const c of children) {
      if (typeof c === 'string') continue;
      if (isSubst(c)) {
        if (c.index < values.types.length && values.types[c.index] === VT.BinXml) this.nested(values.offs[c.index]!, values.sizes[c.index]!, out, depth);
      } else if (isInstance(c)) {
        if (depth > MAX_NESTING) throw new BinXmlError('template nesting too deep');
        this.instantiate(c.def.nodes, c.values, out, depth + 1);
      } else {
        this.instElement(c, values, out, depth);
      }
    }
  }

  /** A BinXml (0x21) value: its own token stream (elements without dependency ids, or a template instance). */
  private nested(off: number, size: number, out: OutElement[], depth: number): void {
    if (depth >= MAX_NESTING) throw new BinXmlError('BinXml values nested too deep');
    const nodes: IrNode[] = [];
    this.parseStream(off, off + size, false, depth + 1, nodes);
    this.instantiate(nodes, NO_VALUES, out, depth + 1);
  }

  // ---- lazy filtering support

  /** The text of a template reference for the filter (a substitution rendered, or a literal). */
  refText(ref: number | string, values: Values): string {
    if (typeof ref === 'string') return ref;
    const v = this.valueAt(values, ref);
    return v === null ? '' : Array.isArray(v) ? v.join(',') : v;
  }
}

function childEl(nodes: IrNode[], name: string): IrElement | undefined {
  for (const n of nodes) if (typeof n === 'object' && 'name' in n && n.name === name) return n as IrElement;
  return undefined;
}

function refOf(parts: IrNode[]): number | string | undefined {
  if (parts.length === 1) {
    const p = parts[0]!;
    if (typeof p === 'string') return p;
    if (isSubst(p)) return p.index;
  }
  return undefined;
}

/** Finds where the System provider name and EventID come from, so records can be filtered before full decoding. */
function locateSystemRefs(def: TemplateDef): void {
  const system = childEl(childEl(def.nodes, 'Event')?.children ?? [], 'System');
  if (!system) return;
  const provider = childEl(system.children, 'Provider');
  const nameAttr = provider?.attrs.find((a) => a.name === 'Name');
  if (nameAttr) def.providerRef = refOf(nameAttr.parts);
  const eventId = childEl(system.children, 'EventID');
  if (eventId) def.eventIdRef = refOf(eventId.children);
}
