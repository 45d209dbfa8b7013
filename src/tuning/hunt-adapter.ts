// Telemetry → alerts for `baseline learn`, through the same runtime as `seqhunt hunt`: inputs, normalization,
// the built-in rules (plus any given), and the engine's runRules. The engine's public entry is imported with a
// computed specifier: while src/engine/index.ts has not landed, telemetry input is reported as unavailable
// (past alerts still work) instead of breaking the build.
import type { Alert } from '../alerts/types.js';
import { expandInputs, readSource } from '../formats/index.js';
import { normalize } from '../normalize/index.js';
import type { NormalizedEvent } from '../normalize/types.js';
import { loadRules, formatRuleProblem } from '../rules/index.js';
import type { LoadedRule } from '../rules/types.js';
import type { ExceptionProblem } from './types.js';

type RunRules = (
  rules: readonly LoadedRule[],
  events: AsyncIterable<NormalizedEvent>,
  options?: Record<string, unknown>,
) => Promise<{ alerts: Alert[]; suppressed?: Alert[] }>;

export interface TelemetryHuntResult {
  alerts: Alert[];
  events: number;
  problems: ExceptionProblem[];
  /** Set when the runtime is not available in this build. */
  unavailable?: string;
}

async function loadRunRules(): Promise<RunRules | undefined> {
  const specifier = '../engine/index.js';
  try {
    const mod = (await import(specifier)) as { runRules?: RunRules };
    return typeof mod.runRules === 'function' ? mod.runRules : undefined;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return undefined;
    throw err;
  }
}

export async function huntTelemetry(paths: string[], options: { rules?: string[] } = {}): Promise<TelemetryHuntResult> {
  const problems: ExceptionProblem[] = [];
  const runRules = await loadRunRules();
  if (!runRules) {
    return { alerts: [], events: 0, problems, unavailable: 'the hunt runtime (src/engine) is not available in this build; give past alerts instead (seqhunt hunt --format ndjson)' };
  }
  const loaded = await loadRules({ paths: options.rules ?? [] });
  for (const p of loaded.problems) problems.push({ file: p.file, line: p.line, message: formatRuleProblem(p) });
  let events = 0;
  async function* normalized(): AsyncGenerator<NormalizedEvent> {
    for (const source of await expandInputs(paths)) {
      for await (const item of readSource(source)) {
        if (item.kind === 'problem') {
          if (item.severity !== 'note') problems.push({ file: item.origin.file, line: item.origin.line ?? item.origin.record, message: item.message });
          continue;
        }
        const r = normalize(item);
        if (r.ok) {
          events++;
          yield r.event;
        }
      }
    }
  }
  const result = await runRules(loaded.rules, normalized());
  return { alerts: [...result.alerts, ...(result.suppressed ?? [])], events, problems };
}
