// Reading real records for normalization tests: JSON lines inside a zip (the OTRF datasets) with node:zlib, and
// EVTX records through the project's reader. Nothing is copied into the repo.
import { createReadStream, readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { readEvtx } from '../../../src/formats/evtx/index.js';
import type { WinEvent } from '../../../src/formats/types.js';

/** The JSON objects of every `.json` member of a zip (one per non-blank line), skipping `__MACOSX/`. */
export function readZipJsonLines(path: string): Array<Record<string, unknown>> {
  const buf = readFileSync(path);
  // End of central directory: signature 0x06054b50 within the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${path}: not a zip`);
  const entries = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out: Array<Record<string, unknown>> = [];
  for (let n = 0; n < entries; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`${path}: bad central directory`);
    const method = buf.readUInt16LE(p + 10);
    const compressed = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    if (!name.endsWith('.json') || name.startsWith('__MACOSX/')) continue;
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(dataStart, dataStart + compressed);
    const text = (method === 8 ? inflateRawSync(raw) : raw).toString('utf8');
    for (const line of text.split('\n')) {
      const t = line.trim();
      if (t !== '') out.push(JSON.parse(t) as Record<string, unknown>);
    }
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
