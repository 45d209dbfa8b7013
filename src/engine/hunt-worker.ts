// Worker thread entry (see hunt-workers.ts): compiles the rules it is set up with, runs the source pipeline on
// each source it is sent, sorts the timed events into runs on disk (named to the calling thread when it asks),
// and posts everything else back in batches, pausing when the consumer has not taken `CREDITS` batches.
import { parentPort } from 'node:worker_threads';
import { compileRule } from '../rules/index.js';
import type { LoadedRule, Rule } from '../rules/types.js';
import { collectGarbage } from './heap-tuning.js';
import { ExternalSorter } from './external-sort.js';
import { HeldLines } from './held-lines.js';
import { BATCH_SIZE, CREDITS, type FromWorker, type Replayed, type SourceOutput, type ToWorker, type WorkerSetup } from './hunt-workers.js';
import { addKeys, keyLists, type SecondStageKeyLists } from './sequence-pruning.js';
import { SOURCE_ORDER_SPAN, SourcePipeline, type SourceSink } from './source-pipeline.js';
import type { InputSource } from '../formats/index.js';

if (!parentPort) throw new Error('engine/hunt-worker.ts runs only as a worker thread');
const port = parentPort;

let pipeline: SourcePipeline | undefined;
let sorter: ExternalSorter | undefined;
let held: HeldLines | undefined;
const credits = new Map<number, number>();
const waiters = new Map<number, () => void>();
const queue: Array<{ id: number; source: InputSource }> = [];
/** The queue being worked through (settled when it is empty). */
let draining: Promise<void> = Promise.resolve();
let running = false;

function compiled(rules: Rule[]): LoadedRule[] {
  return rules.map((rule) => {
    const r = compileRule(rule);
    // The calling thread compiled the same definitions: this cannot fail unless the two builds differ.
    if ('problem' in r) throw new Error(`rule ${rule.name}: ${r.problem.message}`);
    return r;
  });
}

port.on('message', (m: ToWorker) => {
  if (m.t === 'setup') {
    const s: WorkerSetup = m.setup;
    pipeline = new SourcePipeline(compiled(s.rules), s.spec, s.coverageRules ? compiled(s.coverageRules) : undefined);
    sorter = new ExternalSorter({ ...s.sort, orderGiven: true, runDir: s.runDir, runPrefix: `w${m.worker}-` });
    held = new HeldLines(() => s.runDir, `w${m.worker}-held.txt`);
  } else if (m.t === 'flush') {
    void reportKeys();
  } else if (m.t === 'replay') {
    void flush(m.keys);
  } else if (m.t === 'read') {
    queue.push(m);
    if (!running) draining = runQueue();
  } else {
    credits.set(m.id, (credits.get(m.id) ?? 0) + 1);
    const w = waiters.get(m.id);
    waiters.delete(m.id);
    w?.();
  }
});

async function reportKeys(): Promise<void> {
  // Sources still queued or running come first (the calling thread asks only when all are done).
  await draining;
  port.postMessage({ t: 'keys', keys: keyLists(pipeline!.pruner?.keys ?? []) } satisfies FromWorker);
}

async function flush(keys: SecondStageKeyLists): Promise<void> {
  // Reading is over: its garbage goes before the held lines are decoded and the sort is spilled.
  collectGarbage();
  try {
    const replayed = await replayHeld(keys);
    const paths = sorter!.toRuns();
    port.postMessage({ t: 'runs', paths, stats: sorter!.stats, replayed } satisfies FromWorker);
  } catch (err) {
    port.postMessage({ t: 'flush-error', message: err instanceof Error ? err.message : String(err) } satisfies FromWorker);
  }
}

/** Decodes the held lines that may join some second-stage event (`keys`: every thread's), sorting their events here. */
async function replayHeld(keys: SecondStageKeyLists): Promise<Replayed> {
  const p = pipeline!;
  if (p.pruner) addKeys(p.pruner.keys, keys);
  const outputs: Replayed['outputs'] = [];
  const sinks = new Map<number, SourceSink>();
  const counts = await p.replayHeld(held!, (i) => sinks.get(i) ?? sinks.set(i, replaySink(i, outputs)).get(i)!);
  return { outputs, counts: [...counts] };
}

/** Where a decoded held line's outputs go: events (with their order) to the sort, the rest back to the caller. */
function replaySink(i: number, outputs: Replayed['outputs']): SourceSink {
  return {
    event: (e, gate, line) => {
      if (!Number.isFinite(e.timestamp)) outputs.push([i, ['e', e.doc, null, e.host, e.origin]]);
      else sorter!.add(e, gate, line);
    },
    problem: (item, recordsBefore) => outputs.push([i, ['p', item, recordsBefore]]),
    notNormalized: (origin, reason) => outputs.push([i, ['n', origin, reason]]),
    hold: () => {
      throw new Error('a held line was held again');
    },
  };
}

async function runQueue(): Promise<void> {
  running = true;
  for (let job = queue.shift(); job; job = queue.shift()) {
    await run(job.id, job.source);
  }
  running = false;
}

async function send(id: number, outputs: SourceOutput[]): Promise<void> {
  while ((credits.get(id) ?? 0) <= 0) await new Promise<void>((resolve) => waiters.set(id, resolve));
  credits.set(id, credits.get(id)! - 1);
  port.postMessage({ t: 'batch', id, json: JSON.stringify(outputs) } satisfies FromWorker);
}

async function run(id: number, source: InputSource): Promise<void> {
  credits.set(id, CREDITS);
  let batch: SourceOutput[] = [];
  // Full batches wait here until there is credit; the pipeline waits on `backlog` before reading on.
  const full: SourceOutput[][] = [];
  const add = (out: SourceOutput) => {
    batch.push(out);
    if (batch.length >= BATCH_SIZE) {
      full.push(batch);
      batch = [];
    }
  };
  const flush = async () => {
    while (full.length > 0) await send(id, full.shift()!);
  };
  let seq = 0;
  const sink: SourceSink = {
    event: (e, gate, line) => {
      // Untimed events go to the calling thread, which counts them; the others are sorted here.
      if (!Number.isFinite(e.timestamp)) return add(['e', e.doc, null, e.host, e.origin]);
      e.order = id * SOURCE_ORDER_SPAN + seq++;
      sorter!.add(e, gate, line);
    },
    // Decoded, if at all, by the calling thread once every worker's second-stage keys are in.
    hold: (item, summary) => held!.add(id * SOURCE_ORDER_SPAN + seq++, item, summary),
    problem: (item, recordsBefore) => add(['p', item, recordsBefore]),
    notNormalized: (origin, reason) => add(['n', origin, reason]),
    backlog: () => (full.length > 0 ? flush() : undefined),
  };
  try {
    const counts = await pipeline!.run(source, sink);
    await flush();
    if (batch.length > 0) await send(id, batch);
    const coverage = pipeline!.coverage?.drain();
    port.postMessage({ t: 'end', id, counts, ...(coverage && { coverage }) } satisfies FromWorker);
  } catch (err) {
    port.postMessage({ t: 'error', id, message: err instanceof Error ? err.message : String(err) } satisfies FromWorker);
  } finally {
    credits.delete(id);
    waiters.delete(id);
  }
}
