// PROVISIONAL (skeleton): the EVTX work (issue 3) replaces this with the real reader and writer.
import type { InputItem, WinEvent } from '../types.js';

export interface EvtxReadOptions {
  /** Lazy decoding: records whose provider/EventID this rejects are skipped before their strings are decoded. */
  filter?: (provider: string, eventId: number) => boolean;
}

/** True when the bytes start like an EVTX file ("ElfFile\0"). */
export function isEvtx(head: Uint8Array): boolean {
  return head.length >= 8 && Buffer.from(head.subarray(0, 8)).toString('latin1') === 'ElfFile\0';
}

/** Reads EVTX from a byte stream chunk by chunk, yielding records and problems. */
export async function* readEvtx(
  _input: AsyncIterable<Uint8Array>,
  origin: { file: string; member?: string },
  _options: EvtxReadOptions = {},
): AsyncGenerator<InputItem> {
  yield { kind: 'problem', severity: 'error', message: 'EVTX reader not built yet', origin };
}

/** Writes a valid EVTX file holding these events. */
export function writeEvtx(_events: Iterable<WinEvent>): Buffer {
  throw new Error('EVTX writer not built yet');
}
