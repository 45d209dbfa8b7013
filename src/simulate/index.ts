// Public API of the simulator: scenario id + options → the telemetry the target hosts record, in every shape
// seqhunt reads (Windows events for XML/EVTX, Elastic Defend documents, Winlogbeat-style ECS documents).
import type { WinEvent } from '../formats/types.js';
import type { EcsDocument } from '../normalize/types.js';
import { Recorder } from './host.js';
import { hash32 } from './random.js';
import { SCENARIOS, findScenario, resolveOptions, type Expected, type ResolvedOptions, type Scenario, type ScenarioOptions } from './scenarios.js';

export { SCENARIOS, RULE, DEFAULTS, TELEMETRY, findScenario, resolveOptions, isIpAddress, formatScenarioList } from './scenarios.js';
export type { Scenario, ScenarioId, ScenarioOptions, ResolvedOptions, Expected, Telemetry } from './scenarios.js';
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
  const lastIds = new Map<string, number>();
  for (const r of ordered) {
    if (!r.win) continue;
    const key = `${r.win.system.computer}\0${r.win.system.channel}`;
    const prev = lastIds.get(key);
    const id = Math.max(prev === undefined ? 0 : prev + 1, recordIdAt(r.written, `${resolved.seed}\0${resolved.time}\0${scenario.id}\0${key}`));
    r.win.system.recordId = id;
    lastIds.set(key, id);
    windows.push(r.win);
  }
  const defend = rec.records
    .filter((r) => r.defend)
    .sort((a, b) => Date.parse(String(a.defend!['@timestamp'])) - Date.parse(String(b.defend!['@timestamp'])) || a.seq - b.seq)
    .map((r) => r.defend!);
  return { scenario, options: resolved, windows, defend, expected: scenario.expected(resolved) };
}

/** Logs are modelled as written since 2020 at about one record a second (other activity), plus every simulated record. */
const LOG_EPOCH_MS = Date.UTC(2020, 0, 1);

/**
 * The record id a log would have reached at `written`: a start per log and run (seed, start time, scenario), so
 * that another run on the same host does not reuse the ids even where the two overlap in time; plus the seconds
 * since LOG_EPOCH_MS, so that ids grow with time as Windows writes them (across the days of admin-* runs too).
 */
function recordIdAt(written: number, log: string): number {
  return 1000 + (hash32(log) % 5_000_000) + Math.max(0, Math.floor((written - LOG_EPOCH_MS) / 1000));
}
