// Reading past alerts for `baseline learn`: NDJSON (one alert a line, as `seqhunt hunt --format ndjson`
// writes) or a JSON array / {"alerts": [...]} document. A file is an alerts file when its first JSON
// object carries `kibana.alert.rule.rule_id`; any other file is telemetry, for the hunt runtime.
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Alert } from '../alerts/types.js';
import type { ExceptionProblem } from './types.js';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function isAlertObject(o: unknown): o is Alert {
  return isRecord(o) && typeof o['kibana.alert.rule.rule_id'] === 'string';
}

/** Fills what the rest of tuning reads but an exported alert may lack. */
function asAlert(o: Record<string, unknown>): Alert {
  if (!Array.isArray(o.events)) o.events = [];
  if (!Array.isArray(o['seqhunt.origins'])) o['seqhunt.origins'] = [];
  return o as Alert;
}

export interface AlertFileResult {
  kind: 'alerts' | 'telemetry';
  /** The alerts read, unless an `onAlert` callback took them. */
  alerts: Alert[];
  /** How many alerts were read. */
  count: number;
  problems: ExceptionProblem[];
}

type Sink = (alert: Alert) => void;

/** Malformed lines tolerated at the start of a file before it is taken for telemetry. */
const SNIFF_LINES = 5;

/** Classifies and reads lines one at a time; returns 'telemetry' at the first line that is not an alert. */
class LineReader {
  readonly problems: ExceptionProblem[] = [];
  readonly alerts: Alert[] = [];
  kind: 'alerts' | 'telemetry' | 'document' | undefined;
  count = 0;
  /** Malformed lines before the kind is known: problems only if the file turns out to hold alerts. */
  private readonly pending: ExceptionProblem[] = [];
  constructor(private readonly file: string, private readonly onAlert?: Sink) {}

  /** False when reading should stop (telemetry, or a whole-document JSON to parse at once). */
  line(text: string, lineNo: number): boolean {
    const t = text.trim(); // trim() also drops a byte-order mark
    if (t === '') return true;
    // A JSON array, or an object pretty-printed over lines (its first line is a lone "{").
    if (this.kind === undefined && (t.startsWith('[') || t === '{')) {
      this.kind = 'document';
      return false;
    }
    let o: unknown;
    try {
      o = JSON.parse(t);
    } catch (err) {
      const problem = { file: this.file, line: lineNo, message: `malformed JSON: ${(err as Error).message}; line skipped` };
      if (this.kind === undefined) {
        // A damaged first line does not make an alerts file telemetry; a few in a row (XML, EVTX bytes) do.
        this.pending.push(problem);
        if (this.pending.length >= SNIFF_LINES) {
          this.kind = 'telemetry';
          return false;
        }
        return true;
      }
      this.problems.push(problem);
      return true;
    }
    if (this.kind === undefined) {
      if (!isAlertObject(o)) {
        this.kind = 'telemetry';
        return false;
      }
      this.kind = 'alerts';
      this.problems.push(...this.pending);
    }
    if (isAlertObject(o)) this.take(asAlert(o as Record<string, unknown>));
    else this.problems.push({ file: this.file, line: lineNo, message: 'not an alert (no kibana.alert.rule.rule_id); line skipped' });
    return true;
  }

  /** Nothing but blank lines so far. */
  get empty(): boolean {
    return this.kind === undefined && this.pending.length === 0;
  }

  take(alert: Alert): void {
    this.count++;
    if (this.onAlert) this.onAlert(alert);
    else this.alerts.push(alert);
  }

  /** A JSON array of alerts, or {"alerts": [...]}, parsed whole. */
  document(text: string): AlertFileResult {
    let doc: unknown;
    try {
      doc = JSON.parse(text.replace(/^\uFEFF/, ''));
    } catch {
      return this.done('telemetry');
    }
    const array = Array.isArray(doc) ? doc : isRecord(doc) && Array.isArray(doc.alerts) ? doc.alerts : undefined;
    if (!array || !array.some(isAlertObject)) return this.done('telemetry');
    array.forEach((o, i) => {
      if (isAlertObject(o)) this.take(asAlert(o as Record<string, unknown>));
      else this.problems.push({ file: this.file, message: `element ${i + 1} is not an alert (no kibana.alert.rule.rule_id); skipped` });
    });
    return this.done('alerts');
  }

  done(kind: 'alerts' | 'telemetry'): AlertFileResult {
    return { kind, alerts: this.alerts, count: this.count, problems: this.problems };
  }
}

/**
 * Reads one file of alerts, streaming NDJSON line by line; `telemetry` when it does not hold alerts
 * (nothing else is read then). With `onAlert`, alerts go to it instead of the result.
 */
export async function readAlertFile(file: string, onAlert?: Sink): Promise<AlertFileResult> {
  const reader = new LineReader(file, onAlert);
  const input = createReadStream(file);
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  try {
    for await (const text of lines) {
      if (!reader.line(text, ++lineNo)) break;
    }
  } finally {
    lines.close();
    input.destroy();
  }
  if (reader.kind === 'document') return reader.document(await readFile(file, 'utf8'));
  return reader.done(reader.kind === 'alerts' || (reader.kind === undefined && reader.empty) ? 'alerts' : 'telemetry');
}

/** The same from text already in memory (stdin). */
export function readAlertText(text: string, name: string, onAlert?: Sink): AlertFileResult {
  const reader = new LineReader(name, onAlert);
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) if (!reader.line(lines[i]!, i + 1)) break;
  if (reader.kind === 'document') return reader.document(text);
  return reader.done(reader.kind === 'alerts' || (reader.kind === undefined && reader.empty) ? 'alerts' : 'telemetry');
}
