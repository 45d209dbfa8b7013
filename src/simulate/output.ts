// Output shapes of `seqhunt simulate`: Elastic Defend NDJSON, event XML, EVTX (one file per channel, or one),
// Winlogbeat-style ECS NDJSON.
import { writeEvtx } from '../formats/evtx/index.js';
import type { WinEvent } from '../formats/types.js';
import { renderEventXml } from '../formats/event-xml/render.js';
import { toWinlogbeat } from './winlogbeat.js';

export const SIMULATION_FORMATS = ['defend', 'xml', 'evtx', 'winlogbeat'] as const;
export type SimulationFormat = (typeof SIMULATION_FORMATS)[number];

export interface RenderedFile {
  /** File name to use inside an output directory. */
  name: string;
  data: Buffer;
}

interface Telemetry {
  scenario: { id: string };
  windows: WinEvent[];
  defend: Array<Record<string, unknown>>;
}

/** EVTX file name of a channel, as Windows names them ("/" becomes "%4"). */
export function evtxFileName(channel: string): string {
  return `${channel.replace(/\//g, '%4')}.evtx`;
}

/**
 * Renders the telemetry. `split` (EVTX only): one file per channel, else everything in one file.
 * Throws when the EVTX writer fails (the CLI reports it).
 */
export function renderSimulation(t: Telemetry, format: SimulationFormat, split = false): RenderedFile[] {
  const ndjson = (docs: Array<Record<string, unknown>>) => Buffer.from(docs.map((d) => JSON.stringify(d)).join('\n') + (docs.length ? '\n' : ''));
  switch (format) {
    case 'defend':
      return [{ name: `${t.scenario.id}.defend.ndjson`, data: ndjson(t.defend) }];
    case 'winlogbeat':
      return [{ name: `${t.scenario.id}.winlogbeat.ndjson`, data: ndjson(t.windows.map(toWinlogbeat)) }];
    case 'xml':
      return [{ name: `${t.scenario.id}.xml`, data: Buffer.from(`<Events>\n${t.windows.map((e) => renderEventXml(e)).join('\n')}\n</Events>\n`) }];
    case 'evtx': {
      if (!split) return [{ name: `${t.scenario.id}.evtx`, data: writeEvtx(t.windows) }];
      const byChannel = new Map<string, WinEvent[]>();
      for (const e of t.windows) {
        const list = byChannel.get(e.system.channel) ?? [];
        list.push(e);
        byChannel.set(e.system.channel, list);
      }
      return [...byChannel].map(([channel, events]) => ({ name: evtxFileName(channel), data: writeEvtx(events) }));
    }
  }
}
