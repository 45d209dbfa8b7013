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
  alerts: Alert[];
  problems: ExceptionProblem[];
}

/** Reads one file: its alerts, or `telemetry` when it does not hold alerts (nothing else is read then). */
export async function readAlertFile(file: string): Promise<AlertFileResult> {
  const problems: ExceptionProblem[] = [];
  const alerts: Alert[] = [];
  const input = createReadStream(file);
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  let kind: 'alerts' | 'telemetry' | undefined;
  try {
    for await (const text of lines) {
      lineNo++;
      const t = text.trim();
      if (t === '') continue;
      if (kind === undefined && (t.startsWith('[') || (t.startsWith('{') && !t.endsWith('}')))) {
        lines.close();
        input.destroy();
        return readAlertDocument(file);
      }
      let o: unknown;
      try {
        o = JSON.parse(t);
      } catch (err) {
        if (kind === undefined) return { kind: 'telemetry', alerts, problems };
        problems.push({ file, line: lineNo, message: `malformed JSON: ${(err as Error).message}; line skipped` });
        continue;
      }
      if (kind === undefined) {
        if (!isAlertObject(o)) return { kind: 'telemetry', alerts, problems };
        kind = 'alerts';
      }
      if (isAlertObject(o)) alerts.push(asAlert(o as Record<string, unknown>));
      else problems.push({ file, line: lineNo, message: 'not an alert (no kibana.alert.rule.rule_id); line skipped' });
    }
  } finally {
    lines.close();
    input.destroy();
  }
  return { kind: kind ?? 'alerts', alerts, problems };
}

async function readAlertDocument(file: string): Promise<AlertFileResult> {
  const problems: ExceptionProblem[] = [];
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return { kind: 'telemetry', alerts: [], problems };
  }
  const array = Array.isArray(doc) ? doc : isRecord(doc) && Array.isArray(doc.alerts) ? doc.alerts : undefined;
  if (!array || !array.some(isAlertObject)) return { kind: 'telemetry', alerts: [], problems };
  const alerts: Alert[] = [];
  array.forEach((o, i) => {
    if (isAlertObject(o)) alerts.push(asAlert(o as Record<string, unknown>));
    else problems.push({ file, message: `element ${i + 1} is not an alert (no kibana.alert.rule.rule_id); skipped` });
  });
  return { kind: 'alerts', alerts, problems };
}
