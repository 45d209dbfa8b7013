// Test helpers shared by the EVTX tests: read a buffer or file fully with our reader, run evtxexport.
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createReadStream } from 'node:fs';
import { readEvtx, newEvtxStats, type EvtxReadOptions, type EvtxStats } from '../../../src/formats/evtx/index.js';
import type { InputItem, WinEvent } from '../../../src/formats/types.js';
import { type Comparable, fromXml, parseEvents } from './reference-xml.js';

const run = promisify(execFile);

export const hasEvtxexport = spawnSync('evtxexport', ['-V'], { stdio: 'ignore' }).error === undefined;
export const hasEvtxDumpPy = spawnSync('evtx_dump.py', ['-h'], { stdio: 'ignore' }).error === undefined;
export const NO_EVTXEXPORT = 'needs evtxexport (Debian package libevtx-utils)';

/** Splits a buffer into stream pieces of `piece` bytes, to exercise chunk reassembly. */
export async function* pieces(buf: Buffer, piece = 7919): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < buf.length; i += piece) yield buf.subarray(i, i + piece);
}

export interface ReadResult {
  events: WinEvent[];
  items: InputItem[];
  problems: Extract<InputItem, { kind: 'problem' }>[];
  stats: EvtxStats;
}

export async function readAll(input: Buffer | string, options: EvtxReadOptions = {}): Promise<ReadResult> {
  const stats = options.stats ?? newEvtxStats();
  const source = typeof input === 'string' ? createReadStream(input) : pieces(input);
  const items: InputItem[] = [];
  for await (const item of readEvtx(source, { file: typeof input === 'string' ? input : 'mem.evtx' }, { ...options, stats })) items.push(item);
  return {
    events: items.flatMap((i) => (i.kind === 'windows' ? [i.event] : [])),
    items,
    problems: items.flatMap((i) => (i.kind === 'problem' ? [i] : [])),
    stats,
  };
}

/** evtxexport -f xml on a file: the events it printed (also when it stops early) and its error, if any. */
export async function evtxexport(path: string): Promise<{ events: Comparable[]; failed: string }> {
  try {
    const { stdout } = await run('evtxexport', ['-f', 'xml', path], { maxBuffer: 1 << 30 });
    return { events: parseEvents(stdout).map(fromXml), failed: '' };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    const last = (e.stderr ?? '').trim().split('\n').pop() || e.message;
    return { events: parseEvents(e.stdout ?? '').map(fromXml), failed: last };
  }
}

/**
 * python-evtx's evtx_dump.py (the tie-breaker where evtxexport fails): its events, with times cut to microseconds
 * (it prints no more), and its error when it crashed.
 */
export async function evtxDumpPy(path: string): Promise<{ events: Comparable[]; failed: string }> {
  const micro = (c: Comparable): Comparable => ({ ...c, time: c.time.slice(0, 26) });
  try {
    const { stdout } = await run('evtx_dump.py', [path], { maxBuffer: 1 << 30 });
    return { events: parseEvents(stdout).map(fromXml).map(micro), failed: '' };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    const last = (e.stderr ?? '').trim().split('\n').pop() || e.message;
    return { events: parseEvents(e.stdout ?? '').map(fromXml).map(micro), failed: last };
  }
}
