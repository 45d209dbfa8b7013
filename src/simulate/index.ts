// Public API of the simulator: scenario id + options → the telemetry the target hosts record, in every shape
// seqhunt reads (Windows events for XML/EVTX, Elastic Defend documents, Winlogbeat-style ECS documents).
import type { WinEvent } from '../formats/types.js';
import type { EcsDocument } from '../normalize/types.js';
import { Recorder } from './host.js';
import { SCENARIOS, findScenario, resolveOptions, type Expected, type ResolvedOptions, type Scenario, type ScenarioOptions } from './scenarios.js';

export { SCENARIOS, RULE, DEFAULTS, findScenario, resolveOptions } from './scenarios.js';
export type { Scenario, ScenarioId, ScenarioOptions, ResolvedOptions, Expected } from './scenarios.js';
export { encodeActions, decodeActions } from './actions-blob.js';
export type { ExecAction } from './actions-blob.js';
export { toWinlogbeat } from './winlogbeat.js';
export { SIMULATION_FORMATS, renderSimulation, evtxFileName } from './output.js';
export type { SimulationFormat, RenderedFile } from './output.js';

export interface SimulatedTelemetry {
  scenario: Scenario;
  options: ResolvedOptions;
  /** Sysmon, Security and Task Scheduler events in the order they were written (TimeCreated), record ids set per channel and host. */
  windows: WinEvent[];
  /** Elastic Defend documents in @timestamp order. */
  defend: EcsDocument[];
  expected: { windows: Expected; defend: Expected };
}

/** Plays a scenario. Throws for an unknown id or bad options (the CLI reports it as a usage error). */
export function simulate(id: string, options: ScenarioOptions = {}): SimulatedTelemetry {
  const scenario = findScenario(id);
  if (!scenario) throw new Error(`unknown scenario '${id}' (known: ${SCENARIOS.map((s) => s.id).join(', ')})`);
  const resolved = resolveOptions(options);
  const rec = new Recorder();
  scenario.play(resolved, rec);
  const ordered = [...rec.records].sort((a, b) => a.written - b.written || a.seq - b.seq);
  const windows: WinEvent[] = [];
  const recordIds = new Map<string, number>();
  for (const r of ordered) {
    if (!r.win) continue;
    const key = `${r.win.system.computer}\0${r.win.system.channel}`;
    const base = recordIds.get(key) ?? 1000 + (hashKey(key) % 90000) * 10;
    r.win.system.recordId = base;
    recordIds.set(key, base + 1);
    windows.push(r.win);
  }
  const defend = rec.records
    .filter((r) => r.defend)
    .sort((a, b) => Date.parse(String(a.defend!['@timestamp'])) - Date.parse(String(b.defend!['@timestamp'])) || a.seq - b.seq)
    .map((r) => r.defend!);
  return { scenario, options: resolved, windows, defend, expected: scenario.expected(resolved) };
}

function hashKey(text: string): number {
  let h = 7;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
  return h;
}
