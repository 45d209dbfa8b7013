// Field access on documents as Elasticsearch resolves a dotted name: nested objects `{a:{b:{c}}}`, dotted
// keys `{"a.b.c":…}` and any mix `{"a.b":{c:…}}`; arrays anywhere along the path make the field
// multi-valued. Values are coerced by the field's mapped type (numbers, ip, date) once, in the getter.
import type { FieldType } from './api.js';
import { canonicalIp } from './ip.js';

/** A field value: null (missing), one scalar, or several scalars (a multi-valued field, length >= 2). */
export type Value = null | string | number | boolean | Value[];

export type Getter = (doc: unknown) => Value;

const NUMERIC = new Set<FieldType>(['long', 'integer', 'short', 'byte', 'double', 'float', 'scaled_float']);
const INTEGRAL = new Set<FieldType>(['long', 'integer', 'short', 'byte']);

export function isNumericType(t: FieldType | undefined): boolean {
  return t !== undefined && NUMERIC.has(t);
}
export function isIntegralType(t: FieldType | undefined): boolean {
  return t !== undefined && INTEGRAL.has(t);
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Epoch milliseconds of an ISO 8601 date (fraction beyond ms truncated, as the `date` type), or of a
 * numeric string (epoch ms); NaN when it is neither. */
export function parseDate(s: string): number {
  const t = s.trim();
  if (/^-?\d+(\.\d+)?$/.test(t)) return Math.floor(Number(t));
  const m = ISO.exec(t);
  if (!m) return NaN;
  const [, y, mo, d, h, mi, sec, frac, zone] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h ?? 0) > 24 || Number(mi ?? 0) > 59 || Number(sec ?? 0) > 60) return NaN;
  let ms = Date.UTC(Number(y), month - 1, day, Number(h ?? 0), Number(mi ?? 0), Number(sec ?? 0));
  if (frac) ms += Number((frac + '00').slice(0, 3));
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const off = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0');
    ms -= sign * off * 60_000;
  }
  return ms;
}

/** Converts one raw document scalar to the field type's representation; undefined drops it. */
export type Coerce = (v: unknown) => string | number | boolean | undefined;

export function coercerFor(type: FieldType | undefined): Coerce {
  if (isNumericType(type)) {
    return (v) => {
      if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
      if (typeof v === 'string') {
        const t = v.trim();
        if (t === '') return undefined;
        const n = Number(t);
        return Number.isFinite(n) ? n : undefined;
      }
      return undefined;
    };
  }
  switch (type) {
    case 'ip':
      return (v) => (typeof v === 'string' ? canonicalIp(v.trim()) ?? undefined : undefined);
    case 'date':
      return (v) => {
        if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
        if (typeof v === 'string') {
          const n = parseDate(v);
          return Number.isNaN(n) ? undefined : n;
        }
        return undefined;
      };
    case 'boolean':
      return (v) => (typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : undefined);
    default:
      return (v) => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : undefined);
  }
}

/**
 * Getter for a dotted field name. `keys[i][j]` is parts i..j joined with dots, precomputed so resolving
 * allocates nothing unless the field is multi-valued.
 */
export function makeGetter(name: string, type: FieldType | undefined): Getter {
  const parts = name.split('.');
  const n = parts.length;
  const keys: string[][] = [];
  for (let i = 0; i < n; i++) {
    keys.push([]);
    for (let j = i; j < n; j++) keys[i]![j] = parts.slice(i, j + 1).join('.');
  }
  const coerce = coercerFor(type);
  const hasOwn = Object.prototype.hasOwnProperty;
  // Collects leaf values into `acc` (or returns the single one); undefined when absent.
  let acc: unknown[] | null = null;
  let single: unknown = undefined;
  let count = 0;
  const emit = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const x of v) emit(x);
      return;
    }
    if (v === null || v === undefined || typeof v === 'object') return;
    const c = coerce(v);
    if (c === undefined) return;
    if (count === 0) single = c;
    else {
      if (count === 1) acc = [single];
      acc!.push(c);
    }
    count++;
  };
  const walk = (node: unknown, i: number): void => {
    if (i === n) {
      emit(node);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const el of node) walk(el, i);
      return;
    }
    const row = keys[i]!;
    const obj = node as Record<string, unknown>;
    for (let j = i; j < n; j++) {
      const k = row[j]!;
      if (hasOwn.call(obj, k)) walk(obj[k], j + 1);
    }
  };
  /**
   * An array of scalars as the walk gives it (coerced, those that coerce to nothing left out, one value alone);
   * undefined when it holds anything else or nothing is left, for the walk to decide.
   */
  const scalars = (arr: readonly unknown[]): Value | Value[] | undefined => {
    let first: Value | undefined;
    let more: Value[] | undefined;
    for (let i = 0; i < arr.length; i++) {
      const x = arr[i];
      if (x === null || typeof x === 'object') return undefined;
      const c = coerce(x);
      if (c === undefined) continue;
      if (first === undefined) first = c;
      else (more ??= [first]).push(c);
    }
    return more ?? first;
  };
  if (n === 1) {
    const k = parts[0]!;
    return (doc) => {
      if (doc === null || typeof doc !== 'object') return null;
      const v = (doc as Record<string, unknown>)[k];
      if (v === undefined || v === null) return null;
      if (typeof v !== 'object') {
        const c = coerce(v);
        return c === undefined ? null : c;
      }
      count = 0;
      acc = null;
      walk(doc, 0);
      return count === 0 ? null : count === 1 ? (single as Value) : (acc as unknown as Value[]);
    };
  }
  const last = parts[n - 1]!;
  const head = parts.slice(0, n - 1);
  return (doc) => {
    // Fast path: plain nested objects down to a scalar (the shape normalization produces).
    let node = doc;
    for (let i = 0; i < head.length && node !== null && typeof node === 'object' && !Array.isArray(node); i++) node = (node as Record<string, unknown>)[head[i]!];
    if (node !== null && typeof node === 'object' && !Array.isArray(node)) {
      const v = (node as Record<string, unknown>)[last];
      if (v !== undefined && v !== null && hasOwn.call(node, last)) {
        if (typeof v !== 'object') {
          const c = coerce(v);
          if (c !== undefined) return c;
        } else if (Array.isArray(v)) {
          // ECS keeps event.category and event.type in arrays of keywords: the walk's answer, without the walk.
          const c = scalars(v);
          if (c !== undefined) return c;
        }
      }
    }
    count = 0;
    acc = null;
    single = undefined;
    walk(doc, 0);
    return count === 0 ? null : count === 1 ? (single as Value) : (acc as unknown as Value[]);
  };
}
