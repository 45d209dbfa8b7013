import type { WinEvent } from '../types.js';
export function writeEvtx(_events: Iterable<WinEvent>): Buffer {
  throw new Error('EVTX writer not built yet');
}
