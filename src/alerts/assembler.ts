// Turns rule matches into alerts: deduplicated, held until the context window after the match has closed on
// the host's clock, then enriched from the events observed around them.
import type { Match } from '../eql/api.js';
import type { NormalizedEvent } from '../normalize/types.js';
import type { Rule } from '../rules/types.js';
import type { Alert } from './types.js';
import { alignedTime, classify } from './context-events.js';
import { ContextWindow } from './context-window.js';
import { enrich, type Enrichment } from './enrich.js';
import { str } from './fields.js';
import { alertUuid, incidentId, ruleUuid } from './identity.js';
import { isoTime } from './time.js';

export interface AlertAssemblerOptions {
  /** Context looked at around a match, and how long an alert waits for late context (default 5 min). */
  contextWindowMs?: number;
  /** Cap on context events kept per host (default 50,000; task/TaskCache events have their own cap of 10,000). */
  maxContextEventsPerHost?: number;
  /** How long task registrations and TaskCache writes are kept for correlation across skewed clocks (default 24 h). */
  identityRetentionMs?: number;
  /** Cap on alerts waiting per host; beyond it the oldest are released early (default 10,000). */
  maxPendingPerHost?: number;
  /** Cap on remembered alert uuids for deduplication (default 1,000,000; oldest forgotten first). */
  maxRemembered?: number;
  /** TaskCache writes kept in memory; later ones wait on disk (default 1,024; see context-window.ts). */
  taskCacheInMemory?: number;
  /** Where the directory for context kept on disk is made (default the system's temp directory). */
  tempDir?: string;
}

interface Pending {
  rule: Rule;
  match: Match<NormalizedEvent>;
  events: NormalizedEvent[];
  uuid: string;
  readyAligned: number;
  lastRaw: number;
}

interface HostPending {
  items: Pending[];
  /** Earliest readyAligned / lastRaw among items: most calls end on this check. */
  minReady: number;
  minRaw: number;
}

/** A pending alert is released at the latest this long (host event time) after its window, whatever the clocks say. */
const MAX_WAIT_MS = 24 * 3600_000;

export class AlertAssembler {
  private readonly windowMs: number;
  private readonly context: ContextWindow;
  private readonly pending = new Map<string, HostPending>();
  private readonly seen = new Set<string>();
  /** Alerts built when their window closed, waiting for ready()/finish() to hand them out. */
  private readonly built = new Map<string, Alert[]>();
  private readonly maxPending: number;
  private readonly maxRemembered: number;
  private duplicates = 0;

  constructor(options: AlertAssemblerOptions = {}) {
    this.windowMs = Math.max(0, options.contextWindowMs ?? 5 * 60_000);
    this.maxPending = Math.max(1, options.maxPendingPerHost ?? 10_000);
    this.maxRemembered = Math.max(1, options.maxRemembered ?? 1_000_000);
    // Keep events long enough to cover the window before a match's first event when its window closes.
    this.context = new ContextWindow({
      retentionMs: 2 * this.windowMs + 5 * 60_000,
      maxPerHost: Math.max(1, options.maxContextEventsPerHost ?? 50_000),
      ...(options.identityRetentionMs !== undefined ? { identityRetentionMs: options.identityRetentionMs } : {}),
      ...(options.taskCacheInMemory !== undefined ? { taskCacheInMemory: options.taskCacheInMemory } : {}),
      ...(options.tempDir !== undefined ? { tempDir: options.tempDir } : {}),
    });
  }

  /** Every event of the hunt, in event-time order per host. Keeps only what enrichment can use. */
  /**
   * Can enrichment use this event as context? Events for which this is false (and that no rule can use) may be
   * left out of the assembler's input without changing any alert: the runtime skips ordering them.
   */
  static usesEvent(event: NormalizedEvent): boolean {
    return classify(event) !== undefined;
  }

  observe(event: NormalizedEvent): void {
    // Alerts whose window this event closes are built now, before its arrival can evict their context.
    const list = this.pending.get(event.host);
    if (list) this.release(event.host, list, Math.max(alignedTime(event), this.context.alignedNow(event.host)), event.timestamp);
    this.context.observe(event);
  }

  /**
   * Moves the host's pending alerts whose window has closed (at aligned host time `alignedNow`, or at the latest
   * MAX_WAIT_MS after it on the raw clock `rawNow`), and any beyond the cap, to the built ones.
   */
  private release(host: string, list: HostPending, alignedNow: number, rawNow: number): void {
    const wait = this.windowMs + MAX_WAIT_MS;
    if (alignedNow < list.minReady && rawNow - list.minRaw < wait && list.items.length <= this.maxPending) return;
    const out: Pending[] = [];
    const keep: Pending[] = [];
    for (const p of list.items) (alignedNow >= p.readyAligned || rawNow - p.lastRaw >= wait ? out : keep).push(p);
    while (keep.length > this.maxPending) out.push(keep.shift()!);
    if (keep.length) {
      list.items = keep;
      list.minReady = Math.min(...keep.map((p) => p.readyAligned));
      list.minRaw = Math.min(...keep.map((p) => p.lastRaw));
    } else this.pending.delete(host);
    if (out.length === 0) return;
    const built = this.built.get(host);
    const alerts = this.build(out);
    if (built) built.push(...alerts);
    else this.built.set(host, alerts);
  }

  /** A match of `rule`. The same match (same rule, same events) is accepted once. */
  addMatch(rule: Rule, match: Match<NormalizedEvent>): void {
    const events = match.events.filter((e): e is NormalizedEvent => e !== null);
    if (events.length === 0) return;
    const uuid = alertUuid(rule.ruleId, match.events);
    if (this.seen.has(uuid)) {
      this.duplicates++;
      return;
    }
    this.seen.add(uuid);
    if (this.seen.size > this.maxRemembered) this.seen.delete(this.seen.values().next().value as string);
    const last = events[events.length - 1]!;
    const host = events[0]!.host;
    const p: Pending = { rule, match, events, uuid, readyAligned: alignedTime(last) + this.windowMs, lastRaw: last.timestamp };
    const list = this.pending.get(host);
    if (!list) this.pending.set(host, { items: [p], minReady: p.readyAligned, minRaw: p.lastRaw });
    else {
      list.items.push(p);
      // NaN times compare false everywhere: such alerts wait for finish() (or the cap).
      if (p.readyAligned < list.minReady) list.minReady = p.readyAligned;
      if (p.lastRaw < list.minRaw) list.minRaw = p.lastRaw;
    }
  }

  /** Alerts of `host` whose context window has closed at the host's event time `now`. */
  ready(host: string, now: number): Alert[] {
    const list = this.pending.get(host);
    if (list) {
      const observedNow = this.context.alignedNow(host);
      this.release(host, list, observedNow === -Infinity ? now : observedNow, now);
    }
    const built = this.built.get(host);
    if (!built) return [];
    this.built.delete(host);
    return built;
  }

  /** End of input: every alert still waiting. The context kept is let go (and its files on disk deleted). */
  finish(): Alert[] {
    const all: Pending[] = [];
    for (const list of this.pending.values()) all.push(...list.items);
    this.pending.clear();
    const out: Alert[] = [];
    for (const list of this.built.values()) out.push(...list);
    this.built.clear();
    try {
      out.push(...this.build(all));
    } finally {
      this.context.close();
    }
    return out;
  }

  /** Alerts waiting for their context window. */
  get pendingCount(): number {
    let n = 0;
    for (const l of this.pending.values()) n += l.items.length;
    for (const l of this.built.values()) n += l.length;
    return n;
  }

  /** Context events held (all hosts): bounded by the retention window and the per-host cap. */
  get contextEventCount(): number {
    return this.context.size();
  }

  /** Matches dropped as already reported. */
  get duplicateCount(): number {
    return this.duplicates;
  }

  private build(list: Pending[]): Alert[] {
    list.sort((a, b) => a.events[0]!.timestamp - b.events[0]!.timestamp || a.lastRaw - b.lastRaw);
    return list.map((p) => buildAlert(p.rule, p.match, p.uuid, this.enrichSafely(p)));
  }

  /** Enrichment must never cost the alert: a failure leaves it bare, with the reason recorded. */
  private enrichSafely(p: Pending): Enrichment {
    try {
      return enrich(p.match.events, p.events[0]!.host, this.context, this.windowMs);
    } catch (err) {
      return { task: { evidence: {}, problems: [`enrichment failed: ${(err as Error)?.message ?? String(err)}`] }, related: [], relatedOmitted: 0 };
    }
  }
}

function commonProcess(events: NormalizedEvent[]): NormalizedEvent | undefined {
  let first: NormalizedEvent | undefined;
  for (const e of events) {
    const id = str(e.doc, 'process.entity_id');
    if (id === undefined) continue;
    if (!first) first = e;
    else if (str(first.doc, 'process.entity_id')!.toLowerCase() !== id.toLowerCase()) return undefined;
  }
  return first;
}

function reasonOf(rule: Rule, hostName: string, e: Enrichment): string {
  const t = e.task;
  const parts = [`${rule.name} on ${hostName}`];
  if (t.name || t.guid) parts.push(`task ${t.name ?? t.guid}`);
  if (e.sourceIp) parts.push(`from ${e.sourceIp}${e.sourcePort !== undefined ? ':' + e.sourcePort : ''}`);
  if (e.userName) parts.push(`created by ${e.userDomain ? e.userDomain + '\\' : ''}${e.userName}`);
  if (t.command) parts.push(`runs ${[t.command, t.arguments].filter(Boolean).join(' ')}`);
  if (t.runAs) parts.push(`as ${t.runAs}`);
  return parts.join(', ');
}

export function buildAlert(rule: Rule, match: Match<NormalizedEvent>, uuid: string, e: Enrichment): Alert {
  const events = match.events.filter((x): x is NormalizedEvent => x !== null);
  const first = events[0]!;
  const last = events[events.length - 1]!;
  const hostId = str(first.doc, 'host.id') ?? first.host;
  const hostName = str(first.doc, 'host.name') ?? str(first.doc, 'winlog.computer_name') ?? hostId;
  const taskKey = e.task.name ?? e.task.guid;
  const alert: Alert = {
    '@timestamp': isoTime(last.timestamp),
    'event.kind': 'signal',
    'kibana.alert.uuid': uuid,
    'kibana.alert.original_time': isoTime(first.timestamp),
    'kibana.alert.rule.name': rule.name,
    'kibana.alert.rule.rule_id': rule.ruleId,
    'kibana.alert.rule.uuid': ruleUuid(rule.ruleId),
    'kibana.alert.rule.type': rule.type,
    'kibana.alert.rule.risk_score': rule.riskScore,
    'kibana.alert.rule.severity': rule.severity,
    'kibana.alert.rule.threat': rule.threat,
    'kibana.alert.rule.description': rule.description,
    'kibana.alert.rule.tags': rule.tags,
    'kibana.alert.risk_score': rule.riskScore,
    'kibana.alert.severity': rule.severity,
    'kibana.alert.status': 'active',
    'kibana.alert.workflow_status': 'open',
    'kibana.alert.reason': reasonOf(rule, hostName, e),
    'seqhunt.risk.factors': [],
    'seqhunt.incident.id': incidentId(first.host, taskKey ?? `alert:${uuid}`, e.sourceIp ?? ''),
    'host.id': hostId,
    'host.name': hostName,
    events: match.events.map((x) => (x ? x.doc : null)),
    'seqhunt.origins': match.events.map((x) => (x ? x.origin : null)),
  };
  const proc = commonProcess(events);
  if (proc) {
    alert['process.entity_id'] = str(proc.doc, 'process.entity_id');
    const pid = Number(str(proc.doc, 'process.pid'));
    if (Number.isFinite(pid)) alert['process.pid'] = pid;
    const name = str(proc.doc, 'process.name');
    if (name) alert['process.name'] = name;
    const exe = str(proc.doc, 'process.executable');
    if (exe) alert['process.executable'] = exe;
  }
  if (e.sourceIp) alert['source.ip'] = e.sourceIp;
  if (e.sourcePort !== undefined) alert['source.port'] = e.sourcePort;
  if (e.destinationIp) alert['destination.ip'] = e.destinationIp;
  if (e.destinationPort !== undefined) alert['destination.port'] = e.destinationPort;
  if (e.userName) alert['source.user.name'] = e.userName;
  if (e.userDomain) alert['source.user.domain'] = e.userDomain;
  const evidence = e.task.evidence;
  if (e.sourceEvidence) evidence['source.ip'] = e.sourceEvidence;
  if (e.userEvidence) evidence['source.user'] = e.userEvidence;
  // Evidence last, after the items it documents.
  const { evidence: _evidence, ...items } = e.task;
  alert['seqhunt.task'] = { ...items, evidence };
  alert['seqhunt.related'] = e.related;
  if (e.relatedOmitted) alert['seqhunt.related_omitted'] = e.relatedOmitted;
  if (rule.coversBlindSpot) alert['seqhunt.covers_blind_spot'] = rule.coversBlindSpot;
  return alert;
}
