// Several inputs at once in worker threads: each worker runs the source pipeline (read, pre-filter, decode,
// normalize, leave out what no rule can use) and sends back only the events that matter, so the calling thread
// is left with ordering, rules and alerts. Results are handed over per source in source order, exactly as the
// calling thread would have produced them, so alerts do not depend on the number of workers. A worker reads
// ahead at most `CREDITS` batches per source (memory stays bounded however slow the consumer is).
import { Worker } from 'node:worker_threads';
import type { InputSource, Origin } from '../formats/index.js';
import type { NormalizedEvent } from '../normalize/types.js';
import type { Rule } from '../rules/types.js';
import type { CoverageSnapshot } from './coverage.js';
import type { PipelineSpec, SourceCounts, SourceSink } from './source-pipeline.js';

/** Outputs per message: enough to amortize messaging, few enough to keep latency and memory low. */
export const BATCH_SIZE = 256;
export const CREDITS = 8;

/** What every worker is set up with (plain data: rules travel as their definitions and are compiled there). */
export interface WorkerSetup {
  rules: Rule[];
  coverageRules?: Rule[];
  spec: PipelineSpec;
}

/** One output of a source: an event [timestamp null when not finite], a problem item, a record not normalized. */
export type SourceOutput =
  | ['e', NormalizedEvent['doc'], number | null, string, Origin]
  | ['p', Parameters<SourceSink['problem']>[0], number]
  | ['n', Origin, string];

export type ToWorker = { t: 'setup'; setup: WorkerSetup } | { t: 'read'; id: number; source: InputSource } | { t: 'ack'; id: number };
export type FromWorker =
  /** Outputs as JSON text: one string copy crosses threads, far cheaper than structured-cloning object graphs. */
  | { t: 'batch'; id: number; json: string }
  | { t: 'end'; id: number; counts: SourceCounts; coverage?: CoverageSnapshot }
  | { t: 'error'; id: number; message: string };

export interface SourceHandlers {
  /** Where source `i`'s outputs go. */
  sink(i: number): SourceSink;
  /** Source `i` is done (its counts; a failed worker gives `error`). */
  done(i: number, counts: SourceCounts): void;
  /** Coverage counted by a worker (sums; order does not matter). */
  coverage(snapshot: CoverageSnapshot): void;
  /** Sources that must be read in the calling thread (stdin), when their turn comes. */
  local(i: number): Promise<void>;
}

interface Job {
  id: number;
  source: InputSource;
  batches: SourceOutput[][];
  end: Extract<FromWorker, { t: 'end' }> | undefined;
  worker: PooledWorker | undefined;
  wake: (() => void) | undefined;
}

interface PooledWorker {
  worker: Worker;
  jobs: Job[];
  dead: boolean;
}

/** The worker entry: compiled JS next to this module, or the TS source registered through tsx (tests, dev). */
function workerUrl(): URL {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new URL('./hunt-worker.js', self);
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./hunt-worker.ts', self).href;
  const code = `const { register } = await import(${JSON.stringify(tsx)}); register(); await import(${JSON.stringify(entry)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

export function emptyCounts(): SourceCounts {
  return { records: 0, events: 0, outsideRange: 0, unused: 0, skipped: 0 };
}

/** Applies one output to a sink (the same call the calling thread's pipeline makes). */
export function deliver(out: SourceOutput, sink: SourceSink): void {
  if (out[0] === 'e') sink.event({ doc: out[1], timestamp: out[2] ?? Number.NaN, host: out[3], origin: out[4] });
  else if (out[0] === 'p') sink.problem(out[1], out[2]);
  else sink.notNormalized(out[1], out[2]);
}

/** Runs every source through the pipeline in up to `workers` threads, handing results over in source order. */
export async function pipeSourcesInWorkers(sources: readonly InputSource[], setup: WorkerSetup, workers: number, handlers: SourceHandlers): Promise<void> {
  const url = workerUrl();
  const pool: PooledWorker[] = [];
  const jobs: Job[] = sources.map((source, id) => ({ id, source, batches: [], end: undefined, worker: undefined, wake: undefined }));
  let next = 0;
  let consuming = 0;

  const wake = (job: Job) => {
    const w = job.wake;
    job.wake = undefined;
    w?.();
  };
  const endJob = (job: Job, end: Extract<FromWorker, { t: 'end' }>) => {
    job.end = end;
    if (job.worker) job.worker.jobs = job.worker.jobs.filter((j) => j !== job);
    wake(job);
    assign();
  };

  const spawn = (): PooledWorker => {
    const pw: PooledWorker = { worker: new Worker(url), jobs: [], dead: false };
    pw.worker.postMessage({ t: 'setup', setup } satisfies ToWorker);
    pw.worker.on('message', (m: FromWorker) => {
      const job = jobs[m.id];
      if (!job || job.end) return;
      if (m.t === 'batch') {
        job.batches.push(JSON.parse(m.json) as SourceOutput[]);
        wake(job);
      } else if (m.t === 'end') endJob(job, m);
      else endJob(job, { t: 'end', id: job.id, counts: { ...emptyCounts(), error: `read error: ${m.message}` } });
    });
    const fail = (message: string) => {
      if (pw.dead) return;
      pw.dead = true;
      for (const job of [...pw.jobs]) endJob(job, { t: 'end', id: job.id, counts: { ...emptyCounts(), error: `worker thread failed: ${message}` } });
    };
    pw.worker.on('error', (err) => fail(err.message));
    pw.worker.on('exit', (code) => fail(`exited with code ${code}`));
    pool.push(pw);
    return pw;
  };

  // Starts the next sources on idle workers, never more than `workers` sources ahead of the one consumed.
  function assign(): void {
    while (next < jobs.length && next < consuming + workers) {
      const job = jobs[next]!;
      if (job.source.path === '-') {
        next++; // read in the calling thread when its turn comes
        continue;
      }
      let pw = pool.find((p) => !p.dead && p.jobs.length === 0);
      if (!pw) {
        if (pool.filter((p) => !p.dead).length >= workers) return;
        pw = spawn();
      }
      next++;
      job.worker = pw;
      pw.jobs.push(job);
      pw.worker.postMessage({ t: 'read', id: job.id, source: job.source } satisfies ToWorker);
    }
  }

  try {
    for (let i = 0; i < jobs.length; i++) {
      consuming = i;
      assign();
      const job = jobs[i]!;
      if (job.source.path === '-') {
        await handlers.local(i);
        continue;
      }
      const sink = handlers.sink(i);
      for (;;) {
        const batch = job.batches.shift();
        if (batch) {
          if (!job.end) job.worker?.worker.postMessage({ t: 'ack', id: job.id } satisfies ToWorker);
          for (const out of batch) deliver(out, sink);
          continue;
        }
        if (job.end) break;
        await new Promise<void>((resolve) => (job.wake = resolve));
      }
      if (job.end!.coverage) handlers.coverage(job.end!.coverage);
      handlers.done(i, job.end!.counts);
    }
  } finally {
    await Promise.all(pool.map((p) => p.worker.terminate()));
  }
}
