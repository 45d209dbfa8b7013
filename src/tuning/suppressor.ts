// Suppression of alerts by exception items, with Kibana's semantics made explicit:
//
// * Which lists apply. A list whose list_id the rule names (`[[rule.exceptions_list]]`) applies to that
//   rule. A `rule_default` list is one rule's own list: it applies only where named. Every other list
//   (`detection` = Kibana's shared exception lists, `endpoint*`) given to the hunt applies to every rule,
//   which is what `--exceptions FILE` means; `{ scope: 'referenced' }` restricts all lists to the rules
//   that name them, exactly as Kibana does.
// * What one item is matched against. Kibana filters each event of an EQL sequence with the exceptions
//   before the sequence is assembled: an item that matches any one event needed by the sequence prevents
//   the alert (elastic/security-docs#4757). The entries of one item must all hold on that same event.
//   seqhunt does the same with the matched events, and also matches the item against the alert itself
//   (what Kibana does when it closes existing alerts matching a new exception): the alert's own fields
//   (source.user.*, seqhunt.task.command, ...) completed by the fields whose value is the same in every
//   matched event, which is what a Kibana sequence alert carries. Entries are never satisfied piecewise
//   by different events.
// * Expiry. An item whose expire_time is past (relative to `now`) does not suppress; it is still
//   evaluated, so the summary says how many alerts it would have suppressed.
// * Value lists (`type: list` entries) live in Kibana and are never exported: such an item is inert and
//   reported, so it never suppresses silently.
import type { Alert } from '../alerts/types.js';
import { compileItem, UnsupportedEntryError, type DocPredicate } from './entry-matcher.js';
import { entryError } from './exception-format.js';
import type { ExceptionList, ItemSummary, SuppressionMatch, SuppressionSummary } from './types.js';

export interface SuppressorOptions {
  /** The time expiry is judged against (default: now). */
  now?: Date;
  /** 'all' (default): shared lists apply to every rule. 'referenced': only lists the rule names. */
  scope?: 'all' | 'referenced';
}

interface CompiledItem {
  match: SuppressionMatch;
  listType: string;
  predicate?: DocPredicate;
  expired: boolean;
  summary: ItemSummary;
}

/**
 * A document view of an alert: the fields every matched event agrees on (what a Kibana sequence alert
 * carries), overlaid with the alert's own fields. Built once per alert; plain data, read by the getters.
 */
function alertView(alert: Alert): Record<string, unknown> {
  const events = matchedEvents(alert);
  const view: Record<string, unknown> = events.length > 0 ? commonFields(events) : {};
  for (const key of Object.keys(alert)) if (key !== 'events') view[key] = alert[key];
  return view;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The matched events that are documents (missing-event slots are null; a malformed alert has none). */
const matchedEvents = (alert: Alert) => (Array.isArray(alert.events) ? alert.events.filter(isPlainObject) : []);

/** Members present in every object with equal values; objects that differ are intersected recursively. */
function commonFields(objects: Array<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const [first, ...rest] = objects;
  for (const key of Object.keys(first!)) {
    const value = first![key];
    let same = true;
    let present = true;
    for (const o of rest) {
      if (!Object.hasOwn(o, key)) {
        present = false;
        break;
      }
      if (same && !deepEqual(o[key], value)) same = false;
    }
    if (!present) continue;
    if (same) out[key] = value;
    else if (isPlainObject(value) && rest.every((o) => isPlainObject(o[key]))) {
      const sub = commonFields(objects.map((o) => o[key] as Record<string, unknown>));
      if (Object.keys(sub).length > 0) out[key] = sub;
    }
  }
  return out;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], bb[i])) return false;
    return true;
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b, k) || !deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

export class Suppressor {
  private readonly items: CompiledItem[] = [];
  private readonly scope: 'all' | 'referenced';
  private checked = 0;
  private suppressedCount = 0;

  constructor(lists: readonly ExceptionList[], options: SuppressorOptions = {}) {
    const now = (options.now ?? new Date()).getTime();
    this.scope = options.scope ?? 'all';
    for (const { list, items } of lists) {
      for (const item of items) {
        const match: SuppressionMatch = { list_id: item.list_id, item_id: item.item_id, name: item.name };
        const expireAt = item.expire_time === undefined ? NaN : Date.parse(item.expire_time);
        const expired = !Number.isNaN(expireAt) && expireAt <= now;
        const summary: ItemSummary = { ...match, suppressed: 0, attributed: 0 };
        if (expired) summary.expired = { expire_time: item.expire_time!, wouldHaveSuppressed: 0 };
        let predicate: DocPredicate | undefined;
        // Lists built in code skip the loader's validation: an invalid item is inert, never a crash.
        const invalid = Array.isArray(item.entries) && item.entries.length > 0 ? item.entries.map((e) => entryError(e)).find((e) => e) : 'it has no entries';
        if (invalid) summary.inert = `invalid item: ${invalid}; this item never suppresses`;
        else {
          try {
            predicate = compileItem(item);
          } catch (err) {
            summary.inert = `${err instanceof UnsupportedEntryError ? err.message : `cannot evaluate: ${(err as Error).message}`}; this item never suppresses`;
          }
        }
        this.items.push({ match, listType: list.type, predicate, expired, summary });
      }
    }
  }

  /**
   * The exception items that suppress this alert ([] = not suppressed). `ruleExceptionListIds` are the
   * list_ids the alert's rule names. Counts go to summary(); expired items are counted, never returned.
   */
  check(alert: Alert, ruleExceptionListIds: readonly string[] = []): SuppressionMatch[] {
    this.checked++;
    const out: SuppressionMatch[] = [];
    let view: Record<string, unknown> | undefined;
    let events: unknown[] | undefined;
    for (const it of this.items) {
      if (!it.predicate) continue;
      const referenced = ruleExceptionListIds.includes(it.match.list_id);
      if (!referenced && (this.scope === 'referenced' || it.listType === 'rule_default')) continue;
      view ??= alertView(alert);
      events ??= matchedEvents(alert);
      const hit = it.predicate(view) || events.some((e) => it.predicate!(e));
      if (!hit) continue;
      if (it.expired) {
        it.summary.expired!.wouldHaveSuppressed++;
        continue;
      }
      it.summary.suppressed++;
      if (out.length === 0) it.summary.attributed++;
      out.push({ ...it.match });
    }
    if (out.length > 0) this.suppressedCount++;
    return out;
  }

  /** Items that have expired (as of `now`), with how many alerts each would have suppressed so far. */
  expired(): ItemSummary[] {
    return this.items.filter((it) => it.expired).map((it) => ({ ...it.summary, expired: { ...it.summary.expired! } }));
  }

  /** Items that can never suppress, and why (value lists). */
  inert(): ItemSummary[] {
    return this.items.filter((it) => it.summary.inert).map((it) => ({ ...it.summary }));
  }

  /** Per-item counts in load order; `attributed` over all items sums to `alertsSuppressed`. */
  summary(): SuppressionSummary {
    return {
      alertsChecked: this.checked,
      alertsSuppressed: this.suppressedCount,
      items: this.items.map((it) => ({ ...it.summary, ...(it.summary.expired ? { expired: { ...it.summary.expired } } : {}) })),
    };
  }
}
