// The search space of one alert's enrichment: the match's own events and the host's kept context, with
// "nearest" lookups whose distance is measured on each source's own clock, around an anchor per clock (the time
// of an identity-linked event in that clock, else the match's time).
import type { NormalizedEvent } from '../normalize/types.js';
import { alignedTime, classify, type ContextEvent } from './context-events.js';
import type { ContextWindow } from './context-window.js';
import { channelOf, cleanIp, data, eventIdOf, getField, num, str } from './fields.js';

export type Predicate = (c: ContextEvent) => boolean;

/** A match event seen as a context event (its kind is only a best guess: match events are looked up by role). */
export function toContext(ev: NormalizedEvent): ContextEvent {
  const c = classify(ev);
  return {
    ev,
    kind: c?.kind ?? 'process',
    eventId: c?.eventId ?? eventIdOf(ev.doc),
    clock: c?.clock ?? channelOf(ev.doc),
    aligned: alignedTime(ev),
    seq: -1,
  };
}

/** What tells an event apart from the others of its hunt: its input order, else where it was read. */
function sameEventKey(ev: NormalizedEvent): string {
  if (ev.order !== undefined) return `#${ev.order}`;
  const o = ev.origin;
  return JSON.stringify([o.file, o.member, o.record, o.line, o.offset, o.index]);
}

export class Correlation {
  /** The match's events (missing-event slots left out), in order. */
  readonly events: NormalizedEvent[];
  /** The host's kept context, without the match's own events. */
  readonly pool: ContextEvent[] = [];
  private readonly candidates: ContextEvent[];
  private readonly anchors = new Map<string, number>();
  private readonly lastAligned: number;

  constructor(matchEvents: ReadonlyArray<NormalizedEvent | null>, host: string, window: ContextWindow) {
    this.events = matchEvents.filter((e): e is NormalizedEvent => e !== null);
    const inMatch = new Set<NormalizedEvent>(this.events);
    // The window keeps a TaskCache write as a projection of the event (projectForContext), in memory or read back
    // from disk: the match's own write is told apart by its input order (unique in a hunt), else by where it was
    // read (the projection keeps both).
    const matchKeys = new Set<string>(this.events.map(sameEventKey));
    const matchCtx = this.events.map(toContext);
    this.lastAligned = matchCtx.length ? matchCtx[matchCtx.length - 1]!.aligned : 0;
    for (const m of matchCtx) this.anchors.set(m.clock, m.aligned);
    for (const c of window.events(host)) {
      if (!inMatch.has(c.ev) && !(c.kind === 'taskcache' && matchKeys.has(sameEventKey(c.ev)))) this.pool.push(c);
    }
    this.candidates = [...matchCtx, ...this.pool];
  }

  /** The reference time on `clock`. */
  anchorTime(clock: string): number {
    return this.anchors.get(clock) ?? this.lastAligned;
  }

  /** Distance in time from the reference on the event's own clock. */
  distance(c: ContextEvent): number {
    return Math.abs(c.aligned - this.anchorTime(c.clock));
  }

  /** An identity-linked event fixes the reference time of its clock (first one wins). */
  anchor(c: ContextEvent | undefined): void {
    if (c && !this.anchors.has(c.clock)) this.anchors.set(c.clock, c.aligned);
  }

  /** The candidate satisfying `pred` closest in time, those satisfying `prefer` first. */
  nearest(pred: Predicate, prefer?: Predicate): ContextEvent | undefined {
    let best: ContextEvent | undefined;
    let bestScore = Infinity;
    for (const c of this.candidates) {
      if (!pred(c)) continue;
      const score = (prefer && !prefer(c) ? 1e15 : 0) + this.distance(c);
      if (score < bestScore) {
        bestScore = score;
        best = c;
      }
    }
    return best;
  }
}

// ---- Small readers shared by the enrichment steps ----

export function lc(s: string | undefined): string | undefined {
  return s === undefined ? undefined : s.toLowerCase();
}

/** Logon ids compare as numbers ("0xEAD4335" = "0xead4335" = "0x000000000ead4335"). */
export function logonKey(s: string | undefined): string | undefined {
  if (!s) return undefined;
  try {
    return BigInt(s.trim()).toString(16);
  } catch {
    return s.trim().toLowerCase();
  }
}

export function ipOf(doc: Record<string, unknown>): string | undefined {
  return cleanIp(str(doc, 'source.ip') ?? data(doc, 'IpAddress'));
}

export function portOf(doc: Record<string, unknown>): number | undefined {
  const p = num(doc, 'source.port') ?? num(doc, 'winlog.event_data.IpPort');
  return p !== undefined && p > 0 ? p : undefined;
}

/** A registry value's data as text (ECS registry.data.strings, else Sysmon's Details). */
export function regData(doc: Record<string, unknown>): string | undefined {
  return str(doc, 'registry.data.strings') ?? data(doc, 'Details');
}

export function isNetwork(doc: Record<string, unknown>): boolean {
  const cat = getField(doc, 'event.category');
  return cat === 'network' || (Array.isArray(cat) && cat.includes('network'));
}

export function accountOf(user: string | undefined, domain: string | undefined): string | undefined {
  if (!user) return undefined;
  return domain ? `${domain}\\${user}` : user;
}
