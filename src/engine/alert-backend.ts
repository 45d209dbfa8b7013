// The alerts API the runtime drives (built by src/alerts), and a minimal stand-in used until that module lands.
// The stand-in builds the Alert of src/alerts/types.ts without enrichment and writes plain sinks; once
// src/alerts/index.ts exists, `loadAlertBackend` returns it instead and the stand-in is no longer used.
import { createHash } from 'node:crypto';
import type { Match } from '../eql/api.js';
import type { NormalizedEvent } from '../normalize/types.js';
import type { Rule } from '../rules/types.js';
import type { Alert } from '../alerts/types.js';

export type AlertFormat = 'table' | 'json' | 'ndjson' | 'csv';

export interface AlertAssemblerLike {
  observe(event: NormalizedEvent): void;
  addMatch(rule: Rule, match: Match<NormalizedEvent>): void;
  ready(host: string, now: number): Alert[];
  finish(): Alert[];
}

export interface AlertSinkLike {
  write(alert: Alert): void;
  close(): Promise<void>;
}

export interface AlertBackend {
  createAssembler(options?: { contextWindowMs?: number }): AlertAssemblerLike;
  createSink(format: AlertFormat, out: NodeJS.WritableStream, options?: Record<string, unknown>): AlertSinkLike;
  /** True for the stand-in (no enrichment). */
  readonly fallback: boolean;
}

let cached: Promise<AlertBackend> | undefined;

/** The real src/alerts module when present, else the stand-in. */
export function loadAlertBackend(): Promise<AlertBackend> {
  cached ??= (async () => {
    // A computed specifier: the module may not exist yet, and the build must not depend on it.
    const specifier = '../alerts/index.js';
    try {
      const mod = (await import(specifier)) as {
        AlertAssembler?: new (options?: { contextWindowMs?: number }) => AlertAssemblerLike;
        createSink?: AlertBackend['createSink'];
      };
      const Assembler = mod.AlertAssembler;
      const createSink = mod.createSink;
      if (typeof Assembler === 'function' && typeof createSink === 'function') {
        return { createAssembler: (o) => new Assembler(o), createSink, fallback: false };
      }
    } catch (err) {
      if (!isModuleMissing(err)) throw err;
    }
    return fallbackBackend;
  })();
  return cached;
}

function isModuleMissing(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

// ---- stand-in ----

function uuidOf(text: string): string {
  const x = createHash('sha256').update(text).digest('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-5${x.slice(13, 16)}-a${x.slice(17, 20)}-${x.slice(20, 32)}`;
}

function get(doc: Record<string, unknown> | undefined, path: string): unknown {
  let v: unknown = doc;
  for (const p of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  return v ?? doc?.[path];
}

export function buildBasicAlert(rule: Rule, match: Match<NormalizedEvent>): Alert {
  const events = match.events.filter((e): e is NormalizedEvent => e !== null);
  const first = events[0];
  const last = events[events.length - 1];
  const identity = match.events.map((e) => (e ? String(get(e.doc, 'event.id') ?? JSON.stringify(e.origin)) : '-')).join('|');
  const withSource = events.find((e) => get(e.doc, 'source.ip') !== undefined);
  const iso = (e: NormalizedEvent | undefined) => (e && Number.isFinite(e.timestamp) ? new Date(e.timestamp).toISOString() : '');
  const alert: Alert = {
    '@timestamp': iso(last),
    'kibana.alert.uuid': uuidOf(`${rule.ruleId}\u0000${identity}`),
    'kibana.alert.original_time': iso(first),
    'kibana.alert.rule.name': rule.name,
    'kibana.alert.rule.rule_id': rule.ruleId,
    'kibana.alert.rule.uuid': uuidOf(`rule\u0000${rule.ruleId}`),
    'kibana.alert.rule.risk_score': rule.riskScore,
    'kibana.alert.rule.severity': rule.severity,
    'kibana.alert.rule.threat': rule.threat,
    'kibana.alert.rule.description': rule.description,
    'kibana.alert.rule.tags': rule.tags,
    'kibana.alert.risk_score': rule.riskScore,
    'kibana.alert.severity': rule.severity,
    'kibana.alert.status': 'active',
    'kibana.alert.workflow_status': 'open',
    'seqhunt.risk.factors': [],
    events: match.events.map((e) => (e ? e.doc : null)),
    'seqhunt.origins': match.events.map((e) => (e ? e.origin : null)),
  };
  const hostId = get(first?.doc, 'host.id');
  const hostName = get(first?.doc, 'host.name');
  if (typeof hostId === 'string') alert['host.id'] = hostId;
  if (typeof hostName === 'string') alert['host.name'] = hostName;
  const ip = get(withSource?.doc, 'source.ip');
  const port = get(withSource?.doc, 'source.port');
  if (typeof ip === 'string') alert['source.ip'] = ip;
  if (typeof port === 'number') alert['source.port'] = port;
  if (rule.coversBlindSpot) alert['seqhunt.covers_blind_spot'] = rule.coversBlindSpot;
  return alert;
}

class BasicAssembler implements AlertAssemblerLike {
  private pending: Alert[] = [];
  observe(): void {}
  addMatch(rule: Rule, match: Match<NormalizedEvent>): void {
    this.pending.push(buildBasicAlert(rule, match));
  }
  ready(): Alert[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }
  finish(): Alert[] {
    return this.ready();
  }
}

/** Control characters (terminal escapes included) never reach the output from the data. */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}

function csvCell(value: unknown): string {
  let s = value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  s = clean(s);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`; // spreadsheets would run it as a formula
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const COLUMNS = ['@timestamp', 'host.name', 'source.ip', 'kibana.alert.severity', 'kibana.alert.risk_score', 'kibana.alert.rule.name', 'kibana.alert.uuid'] as const;

function basicSink(format: AlertFormat, out: NodeJS.WritableStream): AlertSinkLike {
  let count = 0;
  return {
    write(alert) {
      if (format === 'ndjson') out.write(JSON.stringify(alert) + '\n');
      else if (format === 'json') out.write((count === 0 ? '[\n' : ',\n') + JSON.stringify(alert, null, 2));
      else if (format === 'csv') {
        if (count === 0) out.write(COLUMNS.join(',') + '\n');
        out.write(COLUMNS.map((c) => csvCell(alert[c])).join(',') + '\n');
      } else {
        const host = String(alert['host.name'] ?? alert['host.id'] ?? '-');
        const source = alert['source.ip'] ? `${alert['source.ip']}${alert['source.port'] !== undefined ? `:${alert['source.port']}` : ''}` : '-';
        out.write(clean(`${alert['@timestamp']}  ${host}  ${source}  ${alert['kibana.alert.severity']}  ${alert['kibana.alert.rule.name']}`) + '\n');
      }
      count++;
    },
    async close() {
      if (format === 'json') out.write(count === 0 ? '[]\n' : '\n]\n');
    },
  };
}

export const fallbackBackend: AlertBackend = {
  createAssembler: () => new BasicAssembler(),
  createSink: (format, out) => basicSink(format, out),
  fallback: true,
};
