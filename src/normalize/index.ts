// Public API of normalization: InputItem → NormalizedEvent.
// PROVISIONAL (skeleton): ECS pass-through only. Owned by the normalization work (issue 3), which adds
// Sysmon, Security, System and Task Scheduler mappings, flat exports and canonical forms, keeping the signature.
import type { InputItem } from '../formats/types.js';
import type { EcsDocument, NormalizedEvent } from './types.js';

export type { EcsDocument, NormalizedEvent } from './types.js';

export interface NormalizeOptions {
  /** Added to every timestamp of the input (correcting a clock), in milliseconds. */
  timeOffsetMs?: number;
}

/** Result of normalizing one item: an event, or the reason it could not be one. */
export type NormalizeResult = { ok: true; event: NormalizedEvent } | { ok: false; reason: string };

export function normalize(item: InputItem, options: NormalizeOptions = {}): NormalizeResult {
  if (item.kind !== 'document') return { ok: false, reason: `unsupported item kind ${item.kind}` };
  const doc = item.doc as EcsDocument;
  const ts = Date.parse(String(doc['@timestamp'] ?? ''));
  if (Number.isNaN(ts)) return { ok: false, reason: 'no @timestamp' };
  const host = doc.host as Record<string, unknown> | undefined;
  return {
    ok: true,
    event: {
      doc,
      timestamp: ts + (options.timeOffsetMs ?? 0),
      host: String(host?.id ?? host?.name ?? ''),
      origin: item.origin,
    },
  };
}
