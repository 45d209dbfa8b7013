// Every function of Elasticsearch's EQL function reference, declared once: name, arity, argument kinds,
// whether a `~` (case-insensitive) form exists, result kind, and semantics on scalar arguments.
// Multi-valued arguments are handled by the caller (the function runs on each value).
import type { Value } from './fields.js';
import { cidrContains, parseIp, type Cidr } from './ip.js';
import { asString, foldString, numericString, type Scalar } from './values.js';

/** Static kinds the checker reasons with. `any` is an unmapped field (known only at run time). */
export type Kind = 'string' | 'number' | 'boolean' | 'ip' | 'date' | 'null' | 'any';

export type ArgKind = 'string' | 'number' | 'integer' | 'boolean' | 'ip' | 'any';

export interface CallContext {
  insensitive: boolean;
  /** For divide/modulo: true when both operands are known integers (integer division), null when unknown. */
  integral: boolean | null;
  /** Pre-parsed constant arguments (cidrMatch blocks). */
  cidrs?: Cidr[];
}

export interface FunctionSpec {
  name: string;
  minArgs: number;
  maxArgs: number;
  args: ArgKind[]; // the last one repeats for variadic functions
  /** Argument positions that must be literals (fields are not supported there). */
  literalArgs?: number[];
  hasInsensitive: boolean;
  result: Kind;
  impl: (args: (Scalar | null)[], ctx: CallContext) => Value;
}

function num(v: Scalar | null): number | null {
  if (v === null) return null;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const n = numericString(v);
    return Number.isNaN(n) ? null : n;
  }
  return null;
}

function str(v: Scalar | null): string | null {
  return v === null ? null : asString(v);
}

function arith(op: (a: number, b: number, ctx: CallContext) => number | null) {
  return (args: (Scalar | null)[], ctx: CallContext): Value => {
    const a = num(args[0]!);
    const b = num(args[1]!);
    if (a === null || b === null) return null;
    const r = op(a, b, ctx);
    return r === null || !Number.isFinite(r) ? null : r;
  };
}

function integral(a: number, b: number, ctx: CallContext): boolean {
  return ctx.integral ?? (Number.isInteger(a) && Number.isInteger(b));
}

export function divideValues(a: number, b: number, ctx: CallContext): number | null {
  if (b === 0) return null;
  return integral(a, b, ctx) ? Math.trunc(a / b) : a / b;
}

export function moduloValues(a: number, b: number, ctx: CallContext): number | null {
  if (b === 0) return null;
  const r = a % b;
  return integral(a, b, ctx) ? Math.trunc(r) : r;
}

function parseNumber(s: string, base: number | null): number | null {
  let t = s.trim();
  if (t === '') return null;
  let sign = 1;
  if (t[0] === '+' || t[0] === '-') {
    if (t[0] === '-') sign = -1;
    t = t.slice(1);
  }
  let radix = base ?? 10;
  if (/^0x/i.test(t) && (base === null || base === 16)) {
    t = t.slice(2);
    radix = 16;
  }
  if (radix === 10) {
    if (!/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return null;
    return sign * Number(t);
  }
  if (!Number.isInteger(radix) || radix < 2 || radix > 36 || t === '') return null;
  const digits = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, radix);
  const lower = t.toLowerCase();
  for (const ch of lower) if (!digits.includes(ch)) return null;
  return sign * parseInt(lower, radix);
}

const fold = (s: string, ci: boolean): string => (ci ? foldString(s) : s);

export const FUNCTIONS: ReadonlyMap<string, FunctionSpec> = new Map(
  (
    [
      { name: 'add', minArgs: 2, maxArgs: 2, args: ['number', 'number'], hasInsensitive: false, result: 'number', impl: arith((a, b) => a + b) },
      { name: 'subtract', minArgs: 2, maxArgs: 2, args: ['number', 'number'], hasInsensitive: false, result: 'number', impl: arith((a, b) => a - b) },
      { name: 'multiply', minArgs: 2, maxArgs: 2, args: ['number', 'number'], hasInsensitive: false, result: 'number', impl: arith((a, b) => a * b) },
      { name: 'divide', minArgs: 2, maxArgs: 2, args: ['number', 'number'], hasInsensitive: false, result: 'number', impl: arith(divideValues) },
      { name: 'modulo', minArgs: 2, maxArgs: 2, args: ['number', 'number'], hasInsensitive: false, result: 'number', impl: arith(moduloValues) },
      {
        name: 'between', minArgs: 3, maxArgs: 4, args: ['string', 'string', 'string', 'boolean'], literalArgs: [3], hasInsensitive: true, result: 'string',
        impl: (a, ctx) => {
          const source = str(a[0]!);
          const left = str(a[1]!);
          const right = str(a[2]!);
          if (source === null || left === null || right === null) return null;
          const greedy = a[3] === true;
          const s = fold(source, ctx.insensitive);
          const l = fold(left, ctx.insensitive);
          const r = fold(right, ctx.insensitive);
          let start = s.indexOf(l);
          if (start < 0) return '';
          start += l.length;
          const end = greedy ? s.lastIndexOf(r) : s.indexOf(r, start);
          if (end < 0 || end < start) return '';
          return source.substring(start, end);
        },
      },
      {
        name: 'cidrMatch', minArgs: 2, maxArgs: Infinity, args: ['ip', 'string'], literalArgs: [1], hasInsensitive: false, result: 'boolean',
        impl: (a, ctx) => {
          const ip = a[0];
          if (ip === null || ip === undefined || ctx.cidrs === undefined) return null;
          for (let i = 1; i < a.length; i++) if (a[i] === null) return null;
          const bytes = parseIp(asString(ip));
          if (!bytes) return false;
          for (const c of ctx.cidrs) if (cidrContains(c, bytes)) return true;
          return false;
        },
      },
      {
        name: 'concat', minArgs: 1, maxArgs: Infinity, args: ['any'], hasInsensitive: false, result: 'string',
        impl: (a) => {
          let out = '';
          for (const v of a) {
            if (v === null) return null;
            out += asString(v);
          }
          return out;
        },
      },
      {
        name: 'endsWith', minArgs: 2, maxArgs: 2, args: ['string', 'string'], hasInsensitive: true, result: 'boolean',
        impl: (a, ctx) => {
          const s = str(a[0]!);
          const x = str(a[1]!);
          if (s === null || x === null) return null;
          return fold(s, ctx.insensitive).endsWith(fold(x, ctx.insensitive));
        },
      },
      {
        name: 'startsWith', minArgs: 2, maxArgs: 2, args: ['string', 'string'], hasInsensitive: true, result: 'boolean',
        impl: (a, ctx) => {
          const s = str(a[0]!);
          const x = str(a[1]!);
          if (s === null || x === null) return null;
          return fold(s, ctx.insensitive).startsWith(fold(x, ctx.insensitive));
        },
      },
      {
        name: 'stringContains', minArgs: 2, maxArgs: 2, args: ['string', 'string'], hasInsensitive: true, result: 'boolean',
        impl: (a, ctx) => {
          const s = str(a[0]!);
          const x = str(a[1]!);
          if (s === null || x === null) return null;
          // As documented (and as Elasticsearch's StringUtils checks): an empty string contains nothing.
          if (s === '' || x === '') return false;
          return fold(s, ctx.insensitive).includes(fold(x, ctx.insensitive));
        },
      },
      {
        name: 'indexOf', minArgs: 2, maxArgs: 3, args: ['string', 'string', 'integer'], hasInsensitive: true, result: 'number',
        impl: (a, ctx) => {
          const s = str(a[0]!);
          const x = str(a[1]!);
          if (s === null || x === null) return null;
          let start = 0;
          if (a.length > 2) {
            const st = num(a[2]!);
            if (st === null) return null;
            start = Math.max(0, Math.trunc(st));
          }
          if (start > s.length) return null;
          const i = fold(s, ctx.insensitive).indexOf(fold(x, ctx.insensitive), start);
          return i < 0 ? null : i;
        },
      },
      {
        name: 'length', minArgs: 1, maxArgs: 1, args: ['string'], hasInsensitive: false, result: 'number',
        impl: (a) => {
          const s = str(a[0]!);
          return s === null ? null : s.length;
        },
      },
      {
        name: 'number', minArgs: 1, maxArgs: 2, args: ['string', 'integer'], literalArgs: [1], hasInsensitive: false, result: 'number',
        impl: (a) => {
          const v = a[0];
          if (v === null || v === undefined) return null;
          if (typeof v === 'number') return v;
          const base = a.length > 1 ? num(a[1]!) : null;
          return parseNumber(asString(v), base);
        },
      },
      {
        name: 'string', minArgs: 1, maxArgs: 1, args: ['any'], hasInsensitive: false, result: 'string',
        impl: (a) => (a[0] === null || a[0] === undefined ? null : asString(a[0])),
      },
      {
        name: 'substring', minArgs: 2, maxArgs: 3, args: ['string', 'integer', 'integer'], hasInsensitive: false, result: 'string',
        impl: (a) => {
          const s = str(a[0]!);
          if (s === null) return null;
          const len = s.length;
          const st = num(a[1]!);
          if (st === null) return null;
          let start = Math.trunc(st);
          let end = len;
          if (a.length > 2) {
            const e = num(a[2]!);
            if (e === null) return null;
            end = Math.trunc(e);
          }
          if (start < 0) start = Math.max(0, len + start);
          if (end < 0) end = Math.max(0, len + end);
          end = Math.min(end, len);
          return start >= end ? '' : s.substring(start, end);
        },
      },
    ] satisfies FunctionSpec[]
  ).map((f) => [f.name, f]),
);

export function argKindAt(spec: FunctionSpec, i: number): ArgKind {
  return spec.args[Math.min(i, spec.args.length - 1)]!;
}

/** Does a value of static kind `k` fit argument kind `want`? */
export function kindFits(k: Kind, want: ArgKind): boolean {
  if (k === 'any' || k === 'null' || want === 'any') return true;
  switch (want) {
    case 'string': return k === 'string' || k === 'ip';
    case 'number':
    case 'integer': return k === 'number';
    case 'boolean': return k === 'boolean';
    case 'ip': return k === 'ip' || k === 'string';
  }
}
