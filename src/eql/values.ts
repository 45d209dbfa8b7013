// Runtime value helpers shared by the compiled operators and functions: three-valued truth, ordering of
// mixed scalars, and lifting scalar functions over multi-valued fields.
import type { Value } from './fields.js';
import { foldCode } from './wildcard.js';

export type Scalar = string | number | boolean;

/** Three-valued truth of a value in a boolean position; a multi-valued one is true when any value is. */
export function truth(v: Value): boolean | null {
  if (v === true || v === false) return v;
  if (Array.isArray(v)) {
    let sawNull = false;
    for (const x of v) {
      const t = truth(x);
      if (t === true) return true;
      if (t === null) sawNull = true;
    }
    return sawNull ? null : false;
  }
  return null;
}

/** A string that is a plain decimal number, as a number; NaN otherwise. */
export function numericString(s: string): number {
  const t = s.trim();
  if (t === '' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return NaN;
  return Number(t);
}

/** Orders two scalars: <0, 0, >0, or NaN when they cannot be compared. Numeric strings compare with numbers. */
export function compareScalars(a: Scalar, b: Scalar): number {
  const ta = typeof a;
  if (ta === typeof b) {
    if (a < b) return -1;
    if (a > b) return 1;
    return a === b ? 0 : NaN;
  }
  if (ta === 'number' && typeof b === 'string') return compareScalars(a, numericString(b));
  if (ta === 'string' && typeof b === 'number') return compareScalars(numericString(a as string), b);
  return NaN;
}

/** Value as a string for string operators (numbers and booleans print as Elasticsearch prints them). */
export function asString(v: Scalar): string {
  return typeof v === 'string' ? v : String(v);
}

/** Case folding that keeps string length (so indexes into folded text are indexes into the original). */
export function foldString(s: string): string {
  let lower = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 65 && c <= 90) || c >= 128) {
      lower = false;
      break;
    }
  }
  if (lower) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) out += String.fromCharCode(foldCode(s.charCodeAt(i)));
  return out;
}

/** Calls `f` on scalar arguments; when some are multi-valued, on every combination (results collected). */
export function lift(args: Value[], f: (args: (Scalar | null)[]) => Value): Value {
  let multi = false;
  for (const a of args) if (Array.isArray(a)) multi = true;
  if (!multi) return f(args as (Scalar | null)[]);
  const out: Value[] = [];
  const cur: (Scalar | null)[] = new Array(args.length);
  const rec = (i: number): void => {
    if (out.length > 10_000) return;
    if (i === args.length) {
      const r = f(cur.slice());
      if (Array.isArray(r)) out.push(...r);
      else if (r !== null) out.push(r);
      return;
    }
    const a = args[i]!;
    if (Array.isArray(a)) {
      for (const x of a) {
        cur[i] = x as Scalar;
        rec(i + 1);
      }
    } else {
      cur[i] = a as Scalar | null;
      rec(i + 1);
    }
  };
  rec(0);
  return out.length === 0 ? null : out.length === 1 ? out[0]! : out;
}
