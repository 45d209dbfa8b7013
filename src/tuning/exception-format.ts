// Exception lists as Kibana exports them (POST /api/exception_lists/_export): NDJSON with the list object,
// then its items, then usually an export-summary line {"exported_exception_list_count": ...}. The same
// format is what `baseline learn` writes and what Kibana's _import reads. Objects are kept as parsed, so
// fields seqhunt does not know survive a load and a write unchanged.
import { readFile } from 'node:fs/promises';
import type {
  ExceptionEntry,
  ExceptionList,
  ExceptionListItem,
  ExceptionListObject,
  ExceptionProblem,
} from './types.js';

const LIST_TYPES = new Set([
  'detection',
  'rule_default',
  'endpoint',
  'endpoint_trusted_apps',
  'endpoint_events',
  'endpoint_host_isolation_exceptions',
  'endpoint_blocklists',
]);
const OPERATORS = new Set(['included', 'excluded']);
const NAMESPACES = new Set(['single', 'agnostic']);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

/** Why an entry is not in Kibana's schema, or undefined when it is. `inNested` forbids list/nested inside. */
export function entryError(entry: unknown, inNested = false): string | undefined {
  if (!isRecord(entry)) return 'an entry is not an object';
  const { type, field, operator } = entry;
  if (!nonEmpty(field)) return 'an entry has no field';
  if (type === 'nested') {
    if (inNested) return `nested entry on ${field} inside a nested entry`;
    if (!Array.isArray(entry.entries) || entry.entries.length === 0) return `nested entry on ${field} has no entries`;
    for (const inner of entry.entries) {
      const err = entryError(inner, true);
      if (err) return `in nested ${field}: ${err}`;
    }
    return undefined;
  }
  if (typeof operator !== 'string' || !OPERATORS.has(operator)) return `entry on ${field}: operator must be "included" or "excluded"`;
  switch (type) {
    case 'match':
    case 'wildcard':
      return nonEmpty(entry.value) ? undefined : `${type} entry on ${field} needs a non-empty string value`;
    case 'match_any':
      return Array.isArray(entry.value) && entry.value.length > 0 && entry.value.every(nonEmpty)
        ? undefined
        : `match_any entry on ${field} needs a non-empty array of non-empty strings`;
    case 'exists':
      return undefined;
    case 'list':
      if (inNested) return `list entry on ${field} inside a nested entry`;
      return isRecord(entry.list) && nonEmpty(entry.list.id) && nonEmpty(entry.list.type)
        ? undefined
        : `list entry on ${field} needs list.id and list.type`;
    default:
      return `entry on ${field}: unknown type ${JSON.stringify(type)}`;
  }
}

function itemError(o: Record<string, unknown>): string | undefined {
  if (!nonEmpty(o.item_id)) return 'item_id must be a non-empty string';
  if (!nonEmpty(o.list_id)) return `item ${o.item_id}: list_id must be a non-empty string`;
  if (!nonEmpty(o.name)) return `item ${o.item_id}: name must be a non-empty string`;
  if (o.type !== 'simple') return `item ${o.item_id}: type must be "simple"`;
  if (typeof o.description !== 'string') return `item ${o.item_id}: description must be a string`;
  if (o.namespace_type !== undefined && !NAMESPACES.has(o.namespace_type as string)) return `item ${o.item_id}: namespace_type must be "single" or "agnostic"`;
  if (!Array.isArray(o.entries) || o.entries.length === 0) return `item ${o.item_id}: entries must be a non-empty array`;
  for (const e of o.entries) {
    const err = entryError(e);
    if (err) return `item ${o.item_id}: ${err}`;
  }
  if (o.expire_time !== undefined && (typeof o.expire_time !== 'string' || Number.isNaN(Date.parse(o.expire_time)))) {
    return `item ${o.item_id}: expire_time ${JSON.stringify(o.expire_time)} is not a date`;
  }
  if (o.comments !== undefined && (!Array.isArray(o.comments) || !o.comments.every((c) => isRecord(c) && typeof c.comment === 'string'))) {
    return `item ${o.item_id}: comments must be objects with a comment string`;
  }
  if (o.os_types !== undefined && !(Array.isArray(o.os_types) && o.os_types.every((t) => typeof t === 'string'))) {
    return `item ${o.item_id}: os_types must be an array of strings`;
  }
  return undefined;
}

function listError(o: Record<string, unknown>): string | undefined {
  if (!nonEmpty(o.list_id)) return 'list_id must be a non-empty string';
  if (typeof o.type !== 'string' || !LIST_TYPES.has(o.type)) return `list ${o.list_id}: unknown type ${JSON.stringify(o.type)}`;
  if (typeof o.name !== 'string') return `list ${o.list_id}: name must be a string`;
  if (typeof o.description !== 'string') return `list ${o.list_id}: description must be a string`;
  if (o.namespace_type !== undefined && !NAMESPACES.has(o.namespace_type as string)) return `list ${o.list_id}: namespace_type must be "single" or "agnostic"`;
  return undefined;
}

export interface ParsedExceptionText {
  lists: ExceptionList[];
  problems: ExceptionProblem[];
  /** Items whose list was not in this text (resolved across files by loadExceptionLists). */
  orphans: Array<{ item: ExceptionListItem; line: number }>;
}

const namespaceOf = (o: { namespace_type?: string }) => o.namespace_type ?? 'single';
const listKey = (listId: string, ns: string) => `${ns}\u0000${listId}`;

/**
 * Parses one export. Lines are classified as Kibana's importer does: `item_id` makes an item (tested
 * first), otherwise `list_id` a list; the summary line is checked against what was read.
 */
export function parseExceptionText(text: string, file: string): ParsedExceptionText {
  const problems: ExceptionProblem[] = [];
  const lists: ExceptionList[] = [];
  const byKey = new Map<string, ExceptionList>();
  const pending: Array<{ item: ExceptionListItem; line: number }> = [];
  let summary: { line: number; lists: unknown; items: unknown } | undefined;
  // trim() below also drops a byte-order mark (files saved by Windows editors).
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '') continue;
    const line = i + 1;
    let o: unknown;
    try {
      o = JSON.parse(raw);
    } catch (err) {
      problems.push({ file, line, message: `malformed JSON: ${(err as Error).message}` });
      continue;
    }
    if (!isRecord(o)) {
      problems.push({ file, line, message: 'not a JSON object' });
      continue;
    }
    if ('exported_exception_list_count' in o) {
      summary = { line, lists: o.exported_exception_list_count, items: o.exported_exception_list_item_count };
      continue;
    }
    if ('item_id' in o) {
      const err = itemError(o);
      if (err) problems.push({ file, line, message: `${err}; item skipped` });
      else pending.push({ item: o as ExceptionListItem, line });
      continue;
    }
    if ('list_id' in o) {
      const err = listError(o);
      if (err) {
        problems.push({ file, line, message: `${err}; list skipped (its items too)` });
        continue;
      }
      const list = o as ExceptionListObject;
      const key = listKey(list.list_id, namespaceOf(list));
      if (byKey.has(key)) {
        problems.push({ file, line, message: `list ${list.list_id} appears twice; the first is kept` });
        continue;
      }
      const entry: ExceptionList = { list, items: [], file };
      byKey.set(key, entry);
      lists.push(entry);
      continue;
    }
    problems.push({ file, line, message: 'neither an exception list, an item nor an export summary (no list_id or item_id)' });
  }
  const orphans: Array<{ item: ExceptionListItem; line: number }> = [];
  const seenItems = new Set<string>();
  for (const p of pending) {
    const ns = namespaceOf(p.item);
    const target = byKey.get(listKey(p.item.list_id, ns));
    if (!target) {
      orphans.push(p);
      continue;
    }
    const key = `${listKey(p.item.list_id, ns)}\u0000${p.item.item_id}`;
    if (seenItems.has(key)) {
      problems.push({ file, line: p.line, message: `item ${p.item.item_id} appears twice in list ${p.item.list_id}; the first is kept` });
      continue;
    }
    seenItems.add(key);
    target.items.push(p.item);
  }
  if (summary) {
    const items = pending.length;
    if (typeof summary.lists === 'number' && summary.lists !== lists.length) {
      problems.push({ file, line: summary.line, message: `export summary says ${summary.lists} list(s), the file holds ${lists.length}` });
    }
    if (typeof summary.items === 'number' && summary.items !== items) {
      problems.push({ file, line: summary.line, message: `export summary says ${summary.items} item(s), the file holds ${items}` });
    }
  }
  return { lists, problems, orphans };
}

/** Loads exports from files; lists of the same list_id and namespace across files are merged. */
export async function loadExceptionLists(paths: string[]): Promise<{ lists: ExceptionList[]; problems: ExceptionProblem[] }> {
  const lists: ExceptionList[] = [];
  const problems: ExceptionProblem[] = [];
  const byKey = new Map<string, ExceptionList>();
  const orphans: Array<{ item: ExceptionListItem; line: number; file: string }> = [];
  for (const file of paths) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      problems.push({ file, message: `cannot read exception list: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}` });
      continue;
    }
    const parsed = parseExceptionText(text, file);
    problems.push(...parsed.problems);
    for (const l of parsed.lists) {
      const key = listKey(l.list.list_id, namespaceOf(l.list));
      const existing = byKey.get(key);
      if (existing) {
        const known = new Set(existing.items.map((it) => it.item_id));
        for (const it of l.items) {
          if (known.has(it.item_id)) problems.push({ file, message: `item ${it.item_id} of list ${l.list.list_id} already loaded from ${existing.file}; skipped` });
          else existing.items.push(it);
        }
        continue;
      }
      byKey.set(key, l);
      lists.push(l);
    }
    for (const o of parsed.orphans) orphans.push({ ...o, file });
  }
  for (const o of orphans) {
    const target = byKey.get(listKey(o.item.list_id, namespaceOf(o.item)));
    if (!target) {
      problems.push({ file: o.file, line: o.line, message: `item ${o.item.item_id} belongs to list ${o.item.list_id}, which no given file holds; item skipped` });
      continue;
    }
    if (target.items.some((it) => it.item_id === o.item.item_id)) {
      problems.push({ file: o.file, line: o.line, message: `item ${o.item.item_id} appears twice in list ${o.item.list_id}; the first is kept` });
      continue;
    }
    target.items.push(o.item);
  }
  return { lists, problems };
}

/**
 * Writes lists as Kibana's export does: every list object, then every item, then the export summary.
 * Objects are written as they are held (key order kept), so an unchanged load writes back the same lines.
 */
export function serializeExceptionLists(lists: readonly ExceptionList[]): string {
  const lines: string[] = [];
  for (const l of lists) lines.push(JSON.stringify(l.list));
  let items = 0;
  for (const l of lists) {
    for (const it of l.items) {
      lines.push(JSON.stringify(it));
      items++;
    }
  }
  lines.push(
    JSON.stringify({
      exported_exception_list_count: lists.length,
      exported_exception_list_item_count: items,
      missing_exception_list_item_count: 0,
      missing_exception_list_items: [],
      missing_exception_lists: [],
      missing_exception_lists_count: 0,
    }),
  );
  return lines.join('\n') + '\n';
}

/** The entries an item holds, flattened with their nesting parent, for display and knowledge extraction. */
export function flattenEntries(entries: readonly ExceptionEntry[], parent?: string): Array<{ field: string; entry: ExceptionEntry }> {
  const out: Array<{ field: string; entry: ExceptionEntry }> = [];
  for (const e of entries) {
    if (e.type === 'nested') out.push(...flattenEntries(e.entries, parent ? `${parent}.${e.field}` : e.field));
    else out.push({ field: parent ? `${parent}.${e.field}` : e.field, entry: e });
  }
  return out;
}
