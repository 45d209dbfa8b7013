// Worker thread entry for parallel decoding (see parallel.ts): reads the sources it is sent with readSource
// and posts their items back in batches, pausing when the consumer has not taken `CREDITS` batches.
import { parentPort } from 'node:worker_threads';
import { readSource, type InputOptions } from './index.js';
import { newEvtxStats } from './evtx/index.js';
import { BATCH_ITEMS, CREDITS, type FromWorker, type ToWorker, type WorkerJob } from './parallel.js';
import type { InputItem } from './types.js';

const port = parentPort!;
if (!parentPort) throw new Error('formats/worker.ts runs only as a worker thread');

const credits = new Map<number, number>();
const cancelled = new Set<number>();
const waiters = new Map<number, () => void>();
const queue: WorkerJob[] = [];
let running = false;

function wake(id: number): void {
  const w = waiters.get(id);
  waiters.delete(id);
  w?.();
}

port.on('message', (m: ToWorker) => {
  if (m.t === 'read') {
    queue.push(m.job);
    if (!running) void runQueue();
  } else if (m.t === 'ack') {
    credits.set(m.id, (credits.get(m.id) ?? 0) + 1);
    wake(m.id);
  } else {
    cancelled.add(m.id);
    wake(m.id);
  }
});

async function runQueue(): Promise<void> {
  running = true;
  for (let job = queue.shift(); job; job = queue.shift()) await run(job);
  running = false;
}

async function send(id: number, items: InputItem[]): Promise<void> {
  while ((credits.get(id) ?? 0) <= 0 && !cancelled.has(id)) await new Promise<void>((resolve) => waiters.set(id, resolve));
  if (cancelled.has(id)) return;
  credits.set(id, credits.get(id)! - 1);
  // JSON text crosses threads as one string copy, far cheaper than structured-cloning each object graph.
  port!.postMessage({ t: 'batch', id, json: JSON.stringify(items) } satisfies FromWorker);
}

async function run(job: WorkerJob): Promise<void> {
  const { id } = job;
  credits.set(id, CREDITS);
  const stats = job.evtxStats ? newEvtxStats() : undefined;
  const options: InputOptions = {};
  if (job.format) options.format = job.format;
  if (stats) options.evtxStats = stats;
  let batch: InputItem[] = [];
  try {
    for await (const item of readSource(job.source, options)) {
      if (cancelled.has(id)) break;
      batch.push(item);
      if (batch.length >= BATCH_ITEMS) {
        await send(id, batch);
        batch = [];
      }
    }
    if (!cancelled.has(id)) {
      if (batch.length > 0) await send(id, batch);
      const end: FromWorker = { t: 'end', id };
      if (stats) end.evtxStats = stats as unknown as Record<string, number>;
      port.postMessage(end);
    }
  } catch (err) {
    port.postMessage({ t: 'error', id, message: err instanceof Error ? err.message : String(err) } satisfies FromWorker);
  } finally {
    credits.delete(id);
    cancelled.delete(id);
    waiters.delete(id);
  }
}
