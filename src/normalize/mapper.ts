// What a per-event-id mapper is: it adds ECS fields to a document already holding winlog.*, event.* and host.*.
import type { EventData } from './values.js';
import type { WinRecord } from './win-record.js';

export interface MapContext {
  /** Added to every time read from the event (NormalizeOptions.timeOffsetMs). */
  timeOffsetMs: number;
}

/** Returns the event's own time (epoch ms) when it has a better one than TimeCreated (Sysmon UtcTime). */
export type Mapper = (doc: Record<string, unknown>, data: EventData, rec: WinRecord, ctx: MapContext) => number | void;

/** ECS categorization of one event id. */
export interface Categorization {
  action: string;
  category?: string[];
  type?: string[];
  outcome?: string;
}

/** Sets event.action/category/type (fresh arrays: documents must not share them). */
export function categorize(doc: Record<string, unknown>, c: Categorization): void {
  const event = doc.event as Record<string, unknown>;
  event.action = c.action;
  if (c.category) event.category = c.category.slice();
  if (c.type) event.type = c.type.slice();
  if (c.outcome) event.outcome = c.outcome;
}
