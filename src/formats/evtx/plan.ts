// Fast path for the usual record shape: a template whose root is <Event> with a <System> of simple elements.
// Compiled once per template definition into per-element substitution plans, so System fields are read straight
// from the substitution values (no element tree for System); the other children of <Event> (EventData, UserData,
// RenderingInfo …) are instantiated as usual. Same semantics as the generic path, which stays the fallback.
import type { WinEvent } from '../types.js';
import type { ChunkBinXml, IrElement, IrNode, IrPart, IrSubst, OutElement, TemplateDef, Values } from './binxml.js';
import { type SystemView, buildEvent } from './to-event.js';
import { VT } from './values.js';

interface ElementPlan {
  /** Optional substitutions in the content: any NULL one removes the element. */
  guard: IrSubst[];
  /** Text content: literals and substitutions. */
  parts: IrPart[];
  attrs: [string, IrPart[]][];
}

export interface EventPlan {
  system: Map<string, ElementPlan>;
  /** <Event>'s children other than <System> (elements, and usually a BinXml substitution holding EventData). */
  rest: IrNode[];
  /** Optional substitutions directly in <Event>: a NULL one removes the whole event (left to the generic path). */
  guard: IrSubst[];
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
        text += v === null ? '' : Array.isArray(v) ? v.join(',') : v;
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
    bx.instContent(plan.rest, values, rest, 0);
    return buildEvent(new PlanView(plan.system, bx, values), rest, fallbackRecordId);
  } catch (err) {
    if (err === FALLBACK) return undefined;
    throw err;
  }
}
