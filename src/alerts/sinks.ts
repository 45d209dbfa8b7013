// Alert outputs: a table for a person, JSON (one complete array), NDJSON (one alert per line) and CSV
// (a fixed set of columns, spreadsheet-safe). Nothing from the data reaches a terminal unescaped.
import type { Alert } from './types.js';
import { csvCell, escapeForTerminal, wellFormed } from './text-safety.js';

export type SinkFormat = 'table' | 'json' | 'ndjson' | 'csv';

export interface SinkOptions {
  /** ANSI colour for severity in the table (the caller decides, e.g. when stdout is a TTY). */
  color?: boolean;
  /** Write alerts an exception suppressed (marked); otherwise they are left out. */
  showSuppressed?: boolean;
}

export interface AlertSink {
  write(alert: Alert): void;
  /** Writes what the format needs at the end and resolves once it is handed to `out` (does not end `out`). */
  close(): Promise<void>;
}

export const SINK_FORMATS: readonly SinkFormat[] = ['table', 'json', 'ndjson', 'csv'];

function isSuppressed(a: Alert): boolean {
  return Array.isArray(a.suppressed_by) && a.suppressed_by.length > 0;
}

function flush(out: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve) => {
    try {
      out.write(text, () => resolve());
    } catch {
      resolve();
    }
  });
}

/** Characters JSON.stringify leaves raw that a terminal or editor may act on; escaped as \uXXXX (same JSON value). */
// eslint-disable-next-line no-control-regex
const JSON_UNSAFE_RE = /[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/g;

/** JSON text of an alert that never throws (a document that cannot be serialized is replaced by a note). */
export function alertJson(alert: Alert, indent?: number): string {
  let text: string;
  try {
    text = JSON.stringify(alert, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), indent);
  } catch (err) {
    text = JSON.stringify(
      { 'kibana.alert.uuid': alert['kibana.alert.uuid'], 'seqhunt.error': `alert could not be serialized: ${(err as Error).message}` },
      null,
      indent,
    );
  }
  return text.replace(JSON_UNSAFE_RE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

class JsonSink implements AlertSink {
  private count = 0;
  constructor(private readonly out: NodeJS.WritableStream, private readonly options: SinkOptions) {}
  write(alert: Alert): void {
    if (isSuppressed(alert) && !this.options.showSuppressed) return;
    const body = alertJson(alert, 2).replace(/\n/g, '\n  ');
    this.out.write(`${this.count++ === 0 ? '[\n  ' : ',\n  '}${body}`);
  }
  close(): Promise<void> {
    return flush(this.out, this.count === 0 ? '[]\n' : '\n]\n');
  }
}

class NdjsonSink implements AlertSink {
  constructor(private readonly out: NodeJS.WritableStream, private readonly options: SinkOptions) {}
  write(alert: Alert): void {
    if (isSuppressed(alert) && !this.options.showSuppressed) return;
    this.out.write(alertJson(alert) + '\n');
  }
  close(): Promise<void> {
    return flush(this.out, '');
  }
}

function task(a: Alert): NonNullable<Alert['seqhunt.task']> | undefined {
  const t = a['seqhunt.task'];
  return t && typeof t === 'object' ? t : undefined;
}

function account(a: Alert): string {
  const name = a['source.user.name'];
  if (!name) return '';
  const dom = a['source.user.domain'];
  return dom ? `${String(dom)}\\${String(name)}` : String(name);
}

function commandLine(a: Alert): string {
  const t = task(a);
  return [t?.command, t?.arguments].filter((x) => x).map(String).join(' ');
}

function suppressedBy(a: Alert): string {
  return Array.isArray(a.suppressed_by) ? a.suppressed_by.map((s) => String(s?.name || s?.item_id || '')).join('; ') : '';
}

/** The CSV columns: what a responder sorts and filters on. */
export const CSV_COLUMNS: ReadonlyArray<[string, (a: Alert) => unknown]> = [
  ['timestamp', (a) => a['@timestamp']],
  ['original_time', (a) => a['kibana.alert.original_time']],
  ['host_name', (a) => a['host.name']],
  ['host_id', (a) => a['host.id']],
  ['source_ip', (a) => a['source.ip']],
  ['source_port', (a) => a['source.port']],
  ['source_user', account],
  ['task_name', (a) => task(a)?.name],
  ['task_guid', (a) => task(a)?.guid],
  ['command', (a) => task(a)?.command],
  ['arguments', (a) => task(a)?.arguments],
  ['run_as', (a) => task(a)?.runAs],
  ['severity', (a) => a['kibana.alert.severity']],
  ['risk_score', (a) => a['kibana.alert.risk_score']],
  ['rule_name', (a) => a['kibana.alert.rule.name']],
  ['rule_id', (a) => a['kibana.alert.rule.rule_id']],
  ['covers_blind_spot', (a) => a['seqhunt.covers_blind_spot']],
  ['incident_id', (a) => a['seqhunt.incident.id']],
  ['alert_uuid', (a) => a['kibana.alert.uuid']],
  ['process_entity_id', (a) => a['process.entity_id']],
  ['related_count', (a) => (Array.isArray(a['seqhunt.related']) ? a['seqhunt.related'].length : 0)],
  ['suppressed_by', suppressedBy],
  ['reason', (a) => a['kibana.alert.reason']],
];

class CsvSink implements AlertSink {
  private started = false;
  constructor(private readonly out: NodeJS.WritableStream, private readonly options: SinkOptions) {}
  private header(): string {
    if (this.started) return '';
    this.started = true;
    return CSV_COLUMNS.map(([name]) => name).join(',') + '\r\n';
  }
  write(alert: Alert): void {
    if (isSuppressed(alert) && !this.options.showSuppressed) return;
    this.out.write(this.header() + CSV_COLUMNS.map(([, get]) => csvCell(get(alert))).join(',') + '\r\n');
  }
  close(): Promise<void> {
    return flush(this.out, this.header());
  }
}

const SEVERITY_COLOR: Record<string, string> = {
  low: '\u001b[36m',
  medium: '\u001b[33m',
  high: '\u001b[31m',
  critical: '\u001b[1;31m',
};
const RESET = '\u001b[0m';
const DIM = '\u001b[2m';

/** Fits a (terminal-escaped) value to a width: truncated with '…', padded with spaces. */
function fit(s: string, width: number): string {
  const t = s.length > width ? s.slice(0, Math.max(0, width - 1)) + '…' : s;
  return t.padEnd(width);
}

const TABLE_COLUMNS: ReadonlyArray<[string, number]> = [
  ['TIME', 24],
  ['HOST', 28],
  ['SOURCE', 21],
  ['USER', 20],
  ['TASK', 40],
  ['COMMAND', 50],
  ['SEVERITY', 8],
  ['INC', 4],
];

class TableSink implements AlertSink {
  private count = 0;
  /** Incident id → its number in this output, so alerts about one incident show the same "#n". */
  private readonly incidents = new Map<string, number>();
  constructor(private readonly out: NodeJS.WritableStream, private readonly options: SinkOptions) {}

  write(alert: Alert): void {
    const suppressed = isSuppressed(alert);
    if (suppressed && !this.options.showSuppressed) return;
    let text = '';
    if (this.count++ === 0) text += TABLE_COLUMNS.map(([h, w]) => h.padEnd(w)).join(' ') + ' RULE\n';
    const inc = String(alert['seqhunt.incident.id'] ?? alert['kibana.alert.uuid']);
    let n = this.incidents.get(inc);
    const repeat = n !== undefined;
    if (n === undefined) {
      n = this.incidents.size + 1;
      this.incidents.set(inc, n);
    }
    const t = task(alert);
    const src = alert['source.ip'] ? `${alert['source.ip']}${alert['source.port'] !== undefined ? ':' + alert['source.port'] : ''}` : '-';
    const severity = String(alert['kibana.alert.severity'] ?? '');
    let rule = String(alert['kibana.alert.rule.name'] ?? '');
    if (alert['seqhunt.covers_blind_spot']) rule += ` (covers: ${fit(String(alert['seqhunt.covers_blind_spot']), 60).trimEnd()})`;
    if (suppressed) rule += ` [suppressed by ${suppressedBy(alert)}]`;
    const cells = [
      String(alert['@timestamp'] ?? ''),
      String(alert['host.name'] ?? alert['host.id'] ?? ''),
      src,
      account(alert) || '-',
      String(t?.name ?? t?.guid ?? '-'),
      commandLine(alert) || '-',
      severity,
      `#${n}${repeat ? '+' : ''}`,
    ].map((v, i) => fit(escapeForTerminal(wellFormed(v)), TABLE_COLUMNS[i]![1]));
    if (this.options.color) {
      const c = SEVERITY_COLOR[severity.toLowerCase()];
      if (c) cells[6] = c + cells[6] + RESET;
    }
    let line = cells.join(' ') + ' ' + escapeForTerminal(wellFormed(rule));
    if (this.options.color && suppressed) line = DIM + line + RESET;
    this.out.write(text + line + '\n');
  }

  close(): Promise<void> {
    return flush(this.out, this.count === 0 ? 'No alerts.\n' : '');
  }
}

/** An output for alerts in `format`, written to `out`. */
export function createSink(format: SinkFormat, out: NodeJS.WritableStream, options: SinkOptions = {}): AlertSink {
  switch (format) {
    case 'table':
      return new TableSink(out, options);
    case 'json':
      return new JsonSink(out, options);
    case 'ndjson':
      return new NdjsonSink(out, options);
    case 'csv':
      return new CsvSink(out, options);
    default:
      throw new Error(`unknown output format "${String(format)}" (expected table, json, ndjson or csv)`);
  }
}
