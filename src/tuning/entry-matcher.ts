// Compiles exception entries into predicates over one document, as Kibana's exception filter does:
// the entries of an item are ANDed, each `excluded` entry is the negation of its `included` form
// (so "is not X" holds where the field is absent), and `os_types` adds a host OS condition.
import { compileGetter, compileVisitor, type FieldVisitor } from './field-access.js';
import { compileIpMatcher } from './ip-match.js';
import { compileWildcard, wildcardMatches } from './wildcard.js';
import type { ExceptionEntry, ExceptionListItem } from './types.js';

export type DocPredicate = (doc: unknown) => boolean;

/** Thrown for an entry seqhunt cannot evaluate (a value list): the item is then inert, never suppressing. */
export class UnsupportedEntryError extends Error {}

const isIpField = (field: string) => field === 'ip' || field.endsWith('.ip');

/** Elasticsearch's term semantics on keyword values: numbers and booleans compare by their text. */
function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return undefined;
}

function valuePredicate(field: string, value: string): (text: string) => boolean {
  if (isIpField(field)) {
    const ip = compileIpMatcher(value);
    if (ip) return (text) => text === value || ip(text);
  }
  return (text) => text === value;
}

function anyValue(visit: FieldVisitor, test: (text: string) => boolean): DocPredicate {
  const onValue = (v: unknown) => {
    const text = scalarText(v);
    return text !== undefined && test(text);
  };
  return (doc) => visit(doc, onValue);
}

/** ES `exists`: some non-null value (an object counts when it has members). */
const hasValue = (v: unknown) => typeof v !== 'object' || v === null || Object.keys(v).length > 0;

function exists(visit: FieldVisitor): DocPredicate {
  return (doc) => visit(doc, hasValue);
}

function negate(p: DocPredicate): DocPredicate {
  return (doc) => !p(doc);
}

/** Field names inside a nested entry are relative to its parent field. */
export function compileEntry(entry: ExceptionEntry): DocPredicate {
  switch (entry.type) {
    case 'match': {
      const p = anyValue(compileVisitor(entry.field), valuePredicate(entry.field, entry.value));
      return entry.operator === 'excluded' ? negate(p) : p;
    }
    case 'match_any': {
      const tests = entry.value.map((v) => valuePredicate(entry.field, v));
      const p = anyValue(compileVisitor(entry.field), (text) => tests.some((t) => t(text)));
      return entry.operator === 'excluded' ? negate(p) : p;
    }
    case 'wildcard': {
      const pattern = compileWildcard(entry.value);
      const p = anyValue(compileVisitor(entry.field), (text) => wildcardMatches(pattern, text));
      return entry.operator === 'excluded' ? negate(p) : p;
    }
    case 'exists': {
      const p = exists(compileVisitor(entry.field));
      return entry.operator === 'excluded' ? negate(p) : p;
    }
    case 'nested': {
      // One object of the array must satisfy every inner entry (not one entry per object).
      const parent = compileGetter(entry.field);
      const inner = entry.entries.map((e) => compileEntry(e));
      return (doc) => parent(doc).some((obj) => inner.every((p) => p(obj)));
    }
    case 'list':
      throw new UnsupportedEntryError(
        `entry on ${entry.field} uses the value list "${entry.list.id}", which lives in Kibana and is not part of an export`,
      );
  }
}

/** The whole item: every entry, plus its os_types as Kibana adds them (host.os.type or host.os.name.caseless). */
export function compileItem(item: ExceptionListItem): DocPredicate {
  const entries = item.entries.map((e) => compileEntry(e));
  const osTypes = item.os_types ?? [];
  if (osTypes.length > 0) {
    const osType = compileGetter('host.os.type');
    const caseless = compileGetter('host.os.name.caseless');
    const isOs = (v: unknown) => typeof v === 'string' && osTypes.includes(v);
    entries.push((doc) => osType(doc).some(isOs) || caseless(doc).some(isOs));
  }
  return (doc) => {
    for (const p of entries) if (!p(doc)) return false;
    return true;
  };
}
