// Worker for fuzz.test.ts: reads mutated EVTX buffers and reports each read's end, so the parent can detect a
// hang (a synchronous loop cannot be interrupted from inside its own thread).
import { parentPort, workerData } from 'node:worker_threads';
import { newEvtxStats, readEvtx } from '../../../src/formats/evtx/index.js';
import { Rng } from '../../../src/simulate/random.js';

export interface FuzzJob {
  bases: { name: string; bytes: Uint8Array }[];
  seed: number;
  iterations: number;
}

export type FuzzMessage =
  | { type: 'start'; i: number; what: string }
  | { type: 'done'; i: number; records: number; problems: number }
  | { type: 'escaped'; i: number; what: string; error: string }
  | { type: 'end'; reads: number; records: number; problems: number };

/** Seeded uniform numbers in [0, 1) (the simulator's mulberry32), so a failure names a reproducible case. */
const rng = (seed: number): (() => number) => {
  const r = new Rng(seed);
  return () => r.next();
};

function mutate(base: Uint8Array, rand: () => number): { bytes: Uint8Array; what: string } {
  const int = (n: number) => Math.floor(rand() * n);
  const buf = Buffer.from(base);
  const chunks = Math.max(1, Math.floor((buf.length - 4096) / 65536));
  const chunk = 4096 + int(chunks) * 65536;
  switch (int(6)) {
    case 0: {
      const flips = 1 + int(64);
      for (let k = 0; k < flips; k++) buf[int(buf.length)]! ^= 1 << int(8);
      return { bytes: buf, what: `${flips} bit flips` };
    }
    case 1: {
      const len = int(buf.length);
      return { bytes: buf.subarray(0, len), what: `truncated to ${len}` };
    }
    case 2: {
      // Chunk header: random bytes over signature, counters, offsets, checksums, string/template tables.
      const n = 1 + int(16);
      for (let k = 0; k < n; k++) buf[chunk + int(512)] = int(256);
      return { bytes: buf, what: `chunk header at ${chunk}: ${n} random bytes` };
    }
    case 3: {
      // Record headers: walk the chunk's records and break one's size, copy or id with an extreme value.
      let p = chunk + 512;
      const stop = int(40);
      for (let k = 0; k < stop && p + 8 < buf.length && buf.readUInt32LE(p) === 0x2a2a; k++) {
        const size = buf.readUInt32LE(p + 4);
        if (size < 28 || p + size > buf.length) break;
        p += size;
      }
      if (p + 8 > buf.length) return { bytes: buf, what: 'record header: none found' };
      const values = [0, 1, 27, 28, 0xffff, 0x10000, 0x7fffffff, 0xffffffff, int(0x20000)];
      const field = int(3);
      buf.writeUInt32LE(values[int(values.length)]!, p + (field === 0 ? 4 : field === 1 ? 0 : 8));
      return { bytes: buf, what: `record header at ${p}: field ${field}` };
    }
    case 4: {
      // BinXML: overwrite a run inside record data with random bytes (tokens, sizes, offsets, counts).
      const at = chunk + 512 + int(65536 - 512);
      const n = 1 + int(32);
      for (let k = 0; k < n && at + k < buf.length; k++) buf[at + k] = int(256);
      return { bytes: buf, what: `${n} random bytes at ${at}` };
    }
    default: {
      // Whole chunk replaced by garbage or zeros, or a chunk's free-space offset set to nonsense.
      const kind = int(3);
      if (kind === 0) for (let k = chunk; k < Math.min(chunk + 65536, buf.length); k++) buf[k] = int(256);
      else if (kind === 1) buf.fill(0, chunk, Math.min(chunk + 65536, buf.length));
      else if (chunk + 52 <= buf.length) buf.writeUInt32LE([0, 1, 511, 65537, 0xffffffff][int(5)]!, chunk + 48);
      return { bytes: buf, what: `chunk at ${chunk}: ${['garbage', 'zeros', 'free offset'][kind]}` };
    }
  }
}

async function* once(bytes: Uint8Array, piece: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += piece) yield bytes.subarray(i, i + piece);
}

async function run(job: FuzzJob): Promise<void> {
  const rand = rng(job.seed);
  const port = parentPort!;
  let records = 0;
  let problems = 0;
  for (let i = 0; i < job.iterations; i++) {
    const base = job.bases[i % job.bases.length]!;
    const { bytes, what } = mutate(base.bytes, rand);
    const label = `${base.name}: ${what}`;
    port.postMessage({ type: 'start', i, what: label } satisfies FuzzMessage);
    const stats = newEvtxStats();
    try {
      let items = 0;
      for await (const item of readEvtx(once(bytes, 65536), { file: base.name }, { stats })) {
        items++;
        if (item.kind === 'problem') problems++;
      }
      records += stats.records;
      port.postMessage({ type: 'done', i, records: stats.records, problems: items - stats.records } satisfies FuzzMessage);
    } catch (err) {
      port.postMessage({ type: 'escaped', i, what: label, error: String((err as Error).stack ?? err) } satisfies FuzzMessage);
    }
  }
  port.postMessage({ type: 'end', reads: job.iterations, records, problems } satisfies FuzzMessage);
}

if (parentPort && workerData) void run(workerData as FuzzJob);
