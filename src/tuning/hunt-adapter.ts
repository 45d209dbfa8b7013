// Telemetry → alerts for `baseline learn`, through the same runtime as `seqhunt hunt` (inputs, normalization,
// time order, the built-in rules plus any given), with nothing suppressed: a baseline learns from every alert.
import type { Alert } from '../alerts/types.js';
import { hunt } from '../engine/index.js';
import { loadRules, formatRuleProblem } from '../rules/index.js';
import type { ExceptionProblem } from './types.js';

export interface TelemetryHuntResult {
  /** Alerts produced (each went to `onAlert`). */
  alerts: number;
  events: number;
  problems: ExceptionProblem[];
  /** Inputs that could not be read at all. */
  inputErrors: number;
}

export async function huntTelemetry(
  paths: string[],
  onAlert: (alert: Alert) => void,
  options: { rules?: string[] } = {},
): Promise<TelemetryHuntResult> {
  const problems: ExceptionProblem[] = [];
  const loaded = await loadRules({ paths: options.rules ?? [] });
  for (const p of loaded.problems) problems.push({ file: p.file, line: p.line, message: formatRuleProblem(p) });
  let alerts = 0;
  const result = await hunt({
    inputs: paths,
    rules: loaded.rules,
    onAlert: (alert) => {
      alerts++;
      onAlert(alert);
    },
  });
  for (const e of result.inputErrors) problems.push({ file: e.path, message: e.message });
  for (const s of result.malformed.samples) {
    problems.push({ file: s.origin.file, line: s.origin.line ?? s.origin.record, message: s.message });
  }
  const more = result.malformed.count - result.malformed.samples.length;
  if (more > 0) problems.push({ file: paths.join(', '), message: `${more} more malformed record(s)` });
  return { alerts, events: result.run.events + result.run.unused, problems, inputErrors: result.inputErrors.length };
}
