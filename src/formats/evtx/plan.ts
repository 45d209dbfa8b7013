// Fast path for the usual record shape: a template whose root is <Event> with a <System> of simple elements.
// Compiled once per template definition into per-element substitution plans, so System fields are read straight
// from the substitution values (no element tree for System); the other children of <Event> (EventData, UserData,
// RenderingInfo …) are instantiated as usual. Same semantics as the generic path, which stays the fallback.
import type { WinEvent } from '../types.js';
import type { ChunkBinXml, IrElement, IrNode, IrPart, IrSubst, OutElement, TemplateDef, Values } from './binxml.js';
import type { DataValue } from '../types.js';
import { type DirectEventData, type SystemView, POSITIONAL, addNamed, buildEvent } from './to-event.js';
import { VT } from './values.js';
import { setOwn } from '../own-keys.js';

interface ElementPlan {
  /** Optional substitutions in the content: any NULL one removes the element. */
  guard: IrSubst[];
  /** Text content: literals and substitutions. */
  parts: IrPart[];
  attrs: [string, IrPart[]][];
}

/** <EventData> of <Data Name="literal">%n</Data> items only (the manifest-based shape of most providers). */
interface DataPlan {
  attrs?: Record<string, string>;
  items: { name: string | undefined; subst: IrSubst }[];
  /**
   * Every item named, the names distinct and none inherited from Object.prototype: addNamed would always just
   * assign, so the values are assigned directly, and the map's keys are known to be the names.
   */
  plain: boolean;
  /** When plain: whether a name looks positional (param3), which noteEventData would otherwise test per record. */
  positional: boolean;
}


function literalAttrs(el: IrElement): Record<string, string> | null {
  const attrs: Record<string, string> = {};
  for (const a of el.attrs) {
    if (a.parts.some((p) => typeof p !== 'string')) return null;
    setOwn(attrs, a.name, (a.parts as string[]).join(''));
  }
  return attrs;
}

function compileData(el: IrElement): DataPlan | null {
  if (el.name !== 'EventData') return null;
  const attrs = literalAttrs(el);
  if (!attrs) return null;
  const plan: DataPlan = { items: [], plain: false, positional: false };
  if (el.attrs.length) plan.attrs = attrs;
  for (const c of el.children) {
    if (typeof c === 'string' && c.trim() === '') continue;
    if (!isElement(c) || c.name !== 'Data' || c.children.length !== 1 || !isSubst(c.children[0]!)) return null;
    const a = literalAttrs(c);
    if (!a || c.attrs.some((x) => x.name !== 'Name')) return null;
    plan.items.push({ name: a.Name, subst: c.children[0] as IrSubst });
  }
  const names = plan.items.map((i) => i.name);
  plan.plain = names.every((n) => n !== undefined && n !== '' && !(n in Object.prototype)) && new Set(names).size === names.length;
  plan.positional = plan.plain && names.some((n) => POSITIONAL.test(n!));
  return plan;
}

function dataPlanOf(def: TemplateDef): DataPlan | null {
  // Cached on the definition (as def.plan is): a WeakMap's get and set cost more, once per template per chunk.
  let plan = def.dataPlan as DataPlan | null | undefined;
  if (plan === undefined) {
    const roots = def.nodes.filter((n) => typeof n === 'object');
    plan = roots.length === 1 && isElement(roots[0]!) ? compileData(roots[0]) : null;
    def.dataPlan = plan;
  }
  return plan;
}

/** Same result as instantiating the <Data> elements and reading them back (to-event.ts eventData). */
function directData(plan: DataPlan, bx: ChunkBinXml, values: Values): DirectEventData {
  const data: Record<string, DataValue> = {};
  let unnamed = 0;
  for (const { name, subst } of plan.items) {
    let v: DataValue;
    if (subst.optional && bx.isEmpty(values, subst)) v = null;
    else {
      if (subst.index < values.types.length && values.types[subst.index] === VT.BinXml) throw FALLBACK;
      v = bx.valueAt(values, subst.index);
    }
    if (typeof v === 'string') bx.spend(v);
    else if (v) for (const item of v) bx.spend(item);
    if (plan.plain) data[name!] = v;
    else if (name !== undefined && name !== '') addNamed(data, name, v);
    else if (Array.isArray(v)) for (const item of v) data[`param${++unnamed}`] = item;
    else data[`param${++unnamed}`] = v;
  }
  const out: DirectEventData = { data, unnamed };
  if (plan.plain) out.positional = plan.positional;
  if (plan.attrs) out.attrs = plan.attrs;
  return out;
}

export interface EventPlan {
  system: Map<string, ElementPlan>;
  /** <Event>'s children other than <System> (elements, and usually a BinXml substitution holding EventData). */
  rest: IrNode[];
  /** Optional substitutions directly in <Event>: a NULL one removes the whole event (left to the generic path). */
  guard: IrSubst[];
  /** When `rest` is one <EventData> element: its direct plan (undefined until tried, null when not simple). */
  data?: DataPlan | null;
}

/** Thrown when a record's values do not fit the plan (e.g. nested BinXml where text was expected). */
const FALLBACK = Symbol('fallback');

function isSubst(n: IrNode): n is IrSubst {
  return typeof n === 'object' && 'index' in n;
}
function isElement(n: IrNode): n is IrElement {
  return typeof n === 'object' && 'name' in n;
}

function compileElement(el: IrElement): ElementPlan | null {
  const plan: ElementPlan = { guard: [], parts: [], attrs: el.attrs.map((a) => [a.name, a.parts]) };
  for (const c of el.children) {
    if (typeof c === 'string') plan.parts.push(c);
    else if (isSubst(c)) {
      plan.parts.push(c);
      if (c.optional) plan.guard.push(c);
    } else if (!isElement(c)) return null; // a template instance inside System: not simple
  }
  return plan;
}

/** The plan for a definition, or null when its shape is not the simple one. */
export function compilePlan(def: TemplateDef): EventPlan | null {
  const roots = def.nodes.filter((n) => typeof n === 'object');
  if (roots.length !== 1 || !isElement(roots[0]!) || roots[0].name !== 'Event') return null;
  const event = roots[0];
  const guard = event.children.filter((c): c is IrSubst => isSubst(c) && c.optional);
  const sysIndex = event.children.findIndex((c) => (c as IrElement).name === 'System');
  if (sysIndex < 0) return null;
  const sys = event.children[sysIndex] as IrElement;
  if (sys.children.some((c) => !isElement(c))) return null;
  const system = new Map<string, ElementPlan>();
  for (const c of sys.children as IrElement[]) {
    if (system.has(c.name)) continue; // the first one wins, as in the tree view
    const plan = compileElement(c);
    if (!plan) return null;
    system.set(c.name, plan);
  }
  return { system, rest: event.children.filter((_, i) => i !== sysIndex), guard };
}

class PlanView implements SystemView {
  constructor(
    private readonly plan: Map<string, ElementPlan>,
    private readonly bx: ChunkBinXml,
    private readonly values: Values,
  ) {}

  private present(el: string): ElementPlan | undefined {
    const p = this.plan.get(el);
    if (!p) return undefined;
    for (const g of p.guard) if (this.bx.isEmpty(this.values, g)) return undefined;
    return p;
  }

  private textOf(parts: IrPart[]): string {
    let text = '';
    for (const part of parts) {
      if (typeof part === 'string') text += part;
      else {
        if (part.index < this.values.types.length && this.values.types[part.index] === VT.BinXml) throw FALLBACK;
        const v = this.bx.valueAt(this.values, part.index);
        // Charged to the record's budget: an element may cite one large value many times.
        text += this.bx.spend(v === null ? '' : Array.isArray(v) ? v.join(',') : v);
      }
    }
    return text;
  }

  has(el: string): boolean {
    return this.present(el) !== undefined;
  }
  text(el: string): string | undefined {
    const p = this.present(el);
    return p && this.textOf(p.parts);
  }
  attr(el: string, name: string): string | undefined {
    const p = this.present(el);
    if (!p) return undefined;
    for (const [n, parts] of p.attrs) {
      if (n !== name) continue;
      const only = parts.length === 1 ? parts[0]! : undefined;
      if (only && isSubst(only) && only.optional && this.bx.isEmpty(this.values, only)) return undefined;
      return this.textOf(parts);
    }
    return undefined;
  }
  otherAttrs(el: string, known: string[]): Record<string, string> | undefined {
    const p = this.present(el);
    let extra: Record<string, string> | undefined;
    for (const [n] of p?.attrs ?? []) {
      if (known.includes(n)) continue;
      const v = this.attr(el, n);
      if (v !== undefined) (extra ??= {})[n] = v;
    }
    return extra;
  }
}

/** The event by the plan, or undefined when this record's values need the generic path. */
export function eventFromPlan(plan: EventPlan, bx: ChunkBinXml, values: Values, fallbackRecordId: number): WinEvent | undefined {
  for (const g of plan.guard) if (bx.isEmpty(values, g)) return undefined;
  const rest: OutElement[] = [];
  try {
    const view = new PlanView(plan.system, bx, values);
    if (plan.rest.length === 1) {
      const only = plan.rest[0]!;
      // EventData written in this template, or (usually) a BinXml value holding one template instance of it.
      if (isElement(only) && plan.data !== null) {
        if (plan.data === undefined) plan.data = compileData(only);
        if (plan.data) return buildEvent(view, rest, fallbackRecordId, directData(plan.data, bx, values));
      } else if (isSubst(only) && only.index < values.types.length && values.types[only.index] === VT.BinXml) {
        const nodes: IrNode[] = [];
        const off = values.offs[only.index]!;
        bx.parseStream(off, off + values.sizes[only.index]!, false, 1, nodes);
        const inner = nodes.length === 1 && typeof nodes[0] === 'object' && 'def' in nodes[0] ? nodes[0] : undefined;
        const dataPlan = inner && dataPlanOf(inner.def);
        if (inner && dataPlan) return buildEvent(view, rest, fallbackRecordId, directData(dataPlan, bx, inner.values));
        bx.instantiate(nodes, { types: [], offs: [], sizes: [] }, rest, 1);
        return buildEvent(view, rest, fallbackRecordId);
      }
    }
    bx.instContent(plan.rest, values, rest, 0);
    return buildEvent(view, rest, fallbackRecordId);
  } catch (err) {
    if (err === FALLBACK) return undefined;
    throw err;
  }
}
