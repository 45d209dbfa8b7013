// Public API of the EVTX format: a streaming reader and a writer (issue 3).
export { isEvtx, readEvtx, newEvtxStats } from './reader.js';
export type { EvtxReadOptions, EvtxStats } from './reader.js';
export { EvtxChunkWriter, writeEvtx, writeEvtxFile } from './writer.js';
