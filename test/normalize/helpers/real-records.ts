// Reading real records for normalization tests (the OTRF zips, EVTX files) through the project's readers.
// Nothing is copied into the repo.
import { createReadStream } from 'node:fs';
import { readEvtx } from '../../../src/formats/evtx/index.js';
import { readSource } from '../../../src/formats/index.js';
import type { WinEvent } from '../../../src/formats/types.js';

/** The JSON documents of a file as the project's input reader yields them (an OTRF zip: every `.json` member). */
export async function readZipJsonLines(path: string): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  for await (const item of readSource({ path })) {
    if (item.kind === 'document') out.push(item.doc);
  }
  return out;
}

/** Every record of an EVTX file as WinEvents (problems are ignored here; the formats tests cover them). */
export async function readEvtxEvents(path: string): Promise<WinEvent[]> {
  const events: WinEvent[] = [];
  for await (const item of readEvtx(createReadStream(path), { file: path })) {
    if (item.kind === 'windows') events.push(item.event);
  }
  return events;
}
