// Several inputs at once, in the calling thread and in worker threads: each worker runs the source pipeline (read,
// pre-filter, decode, normalize, leave out what no rule can use) and sorts the events that matter into runs on
// disk, as the calling thread's external sort would; the calling thread reads inputs too whenever it is free, and
// once all are read merges every run with its own events by (time, input order) and runs the rules. So events cross threads once, as sorted runs, and the result does not depend on how sources were spread
// over workers: each event carries its input order (source index, position in the source). Problems, counts and
// untimed events come back as messages, at most `CREDITS` batches ahead of the consumer. NDJSON lines a worker
// held undecoded (source-pipeline.ts `hold`) it decodes itself once every thread's second-stage keys are known:
// at the end, workers report their keys, receive everyone's, and then sort what they decode into their runs, while
// the calling thread decodes its own.
import { Worker } from 'node:worker_threads';
import type { InputSource, Origin } from '../formats/index.js';
import type { NormalizedEvent } from '../normalize/types.js';
import type { Rule } from '../rules/types.js';
import type { CoverageSnapshot } from './coverage.js';
import type { ExternalSortOptions, SortStats } from './external-sort.js';
import type { SecondStageKeyLists } from './sequence-pruning.js';
import { emptyCounts, type PipelineSpec, type SourceCounts, type SourceSink } from './source-pipeline.js';

/** Outputs per message: enough to amortize messaging, few enough to keep latency and memory low. */
export const BATCH_SIZE = 256;
export const CREDITS = 8;
/**
 * How much a worker is given at a time: sources until they make AHEAD_BYTES, up to MAX_AHEAD of them (thousands of
 * small EVTX files would otherwise leave it waiting for the next one after each). A big source is given alone: one
 * more queued behind it would be taken from whichever thread frees up first, and four equal files then split 3:1.
 */
const AHEAD_BYTES = 4 << 20;
const MAX_AHEAD = 64;

/** Whether a worker holding sources of these sizes (undefined: unknown, as from a pipe) has enough to go on with. */
function suppliedEnough(sizes: ReadonlyArray<number | undefined>): boolean {
  return sizes.length >= MAX_AHEAD || sizes.reduce<number>((sum, size) => sum + (size ?? AHEAD_BYTES), 0) >= AHEAD_BYTES;
}
/**
 * A worker's young generation (V8's default is sized for one thread owning the machine): each worker thread adds its
 * own heap, and 16 MB took 15-30 MB off each (1 GB in 2 and 4 threads: 179 against 195 MB, 285 against 316 MB) in
 * the same time (4 files on two cores: 5.43 s against 5.31 s, medians of 6 alternating runs, within the noise).
 */
const WORKER_YOUNG_GENERATION_MB = 16;
/** Longest the calling thread reads sources without letting the workers' messages in. */
const YIELD_MS = 10;

/** What every worker is set up with (plain data: rules travel as their definitions and are compiled there). */
export interface WorkerSetup {
  rules: Rule[];
  coverageRules?: Rule[];
  spec: PipelineSpec;
  /** Where the worker writes its sorted runs (the calling thread's sorter removes them). */
  runDir: string;
  /** The workers' sort buffer bounds (each worker holds one). */
  sort: ExternalSortOptions;
}


/** One output of a source: an event [timestamp null when not finite], a problem item, a record not normalized. */
export type SourceOutput =
  | ['e', NormalizedEvent['doc'], number | null, string, Origin]
  | ['p', Parameters<SourceSink['problem']>[0], number]
  | ['n', Origin, string];

export type ToWorker =
  | { t: 'setup'; setup: WorkerSetup; worker: number }
  | { t: 'read'; id: number; source: InputSource }
  | { t: 'ack'; id: number }
  /** No more sources: report the second-stage keys seen. */
  | { t: 'flush' }
  /** Every thread's second-stage keys: decode the held lines that may join, spill what is held, report the runs. */
  | { t: 'replay'; keys: SecondStageKeyLists };
export type FromWorker =
  /** Outputs as JSON text: one string copy crosses threads, far cheaper than structured-cloning object graphs. */
  | { t: 'batch'; id: number; json: string }
  | { t: 'end'; id: number; counts: SourceCounts; coverage?: CoverageSnapshot }
  | { t: 'error'; id: number; message: string }
  | { t: 'keys'; keys: SecondStageKeyLists }
  | { t: 'runs'; paths: string[]; stats: SortStats; replayed: Replayed }
  | { t: 'flush-error'; message: string };

/** What a worker's held lines gave once decoded: outputs and count changes per source (how many it decoded among them). */
export interface Replayed {
  outputs: Array<[number, SourceOutput]>;
  counts: Array<[number, SourceCounts]>;
}

export interface SourceHandlers {
  /** Where source `i`'s outputs go (called once per source, before its first output). */
  sink(i: number): SourceSink;
  /** Source `i` is done (its counts; a failed worker gives `error`). */
  done(i: number, counts: SourceCounts): void;
  /** Coverage counted by a worker (sums; order does not matter). */
  coverage(snapshot: CoverageSnapshot): void;
  /** Reads source `i` in the calling thread (stdin), while the workers go on. */
  local(i: number): Promise<void>;
  /** A worker's second-stage keys (once every source is done); returns every thread's once all have reported. */
  keys(keys: SecondStageKeyLists): void;
  allKeys(): SecondStageKeyLists;
  /** Decodes the calling thread's own held lines (every key is known), while the workers decode theirs. */
  replayLocal(): Promise<void>;
  /** A worker's sorted runs, and what its held lines gave (the outputs go to the source's sink, as `sink` does). */
  runs(paths: string[], stats: SortStats, replayed: Replayed): void;
  /** A worker failed after reading sources: the events of those sources that it held are lost. */
  lost(sources: number[], message: string): void;
}

interface Job {
  id: number;
  source: InputSource;
  sink: SourceSink | undefined;
  done: boolean;
  worker: PooledWorker | undefined;
}

interface PooledWorker {
  worker: Worker;
  jobs: Job[];
  /** Sources it finished, whose events sit in its sorter until it flushes. */
  held: number[];
  dead: boolean;
  keyed: (() => void) | undefined;
  flushed: (() => void) | undefined;
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

/** Applies one output to a sink (the same call the calling thread's pipeline makes). */
export function deliver(out: SourceOutput, sink: SourceSink): void {
  if (out[0] === 'e') sink.event({ doc: out[1], timestamp: out[2] ?? Number.NaN, host: out[3], origin: out[4] });
  else if (out[0] === 'p') sink.problem(out[1], out[2]);
  else sink.notNormalized(out[1], out[2]);
}

/**
 * Runs every source through the pipeline in `workers` pipelines at once: this thread's (`handlers.local`, which
 * also reads stdin) and `workers - 1` worker threads'; resolves when all are done.
 */
export async function pipeSourcesInWorkers(sources: readonly InputSource[], setup: WorkerSetup, workers: number, handlers: SourceHandlers): Promise<void> {
  const url = workerUrl();
  const threads = workers - 1;
  const pool: PooledWorker[] = [];
  const jobs: Job[] = sources.map((source, id) => ({ id, source, sink: undefined, done: false, worker: undefined }));
  // Largest first, so that the small ones left at the end even out the threads' shares (the order sources are read
  // in does not change the result: every event carries its input order).
  const queue = jobs.filter((j) => j.source.path !== '-').sort((a, b) => (b.source.size ?? 0) - (a.source.size ?? 0) || a.id - b.id);
  let remaining = queue.length;
  let allDone: () => void = () => {};
  const finished = new Promise<void>((resolve) => (allDone = resolve));
  const sinkOf = (job: Job) => (job.sink ??= handlers.sink(job.id));

  const end = (job: Job, counts: SourceCounts, coverage?: CoverageSnapshot) => {
    if (job.done) return;
    job.done = true;
    if (job.worker) {
      job.worker.jobs = job.worker.jobs.filter((j) => j !== job);
      if (!counts.error) job.worker.held.push(job.id);
    }
    sinkOf(job);
    if (coverage) handlers.coverage(coverage);
    handlers.done(job.id, counts);
    if (--remaining === 0) allDone();
    else assign();
  };

  const spawn = (): PooledWorker => {
    const pw: PooledWorker = { worker: new Worker(url, { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } }), jobs: [], held: [], dead: false, flushed: undefined, keyed: undefined };
    pw.worker.postMessage({ t: 'setup', setup, worker: pool.length } satisfies ToWorker);
    pw.worker.on('message', (m: FromWorker) => {
      if (m.t === 'keys') {
        handlers.keys(m.keys);
        pw.keyed?.();
        return;
      }
      if (m.t === 'runs' || m.t === 'flush-error') {
        if (m.t === 'runs') handlers.runs(m.paths, m.stats, m.replayed);
        else handlers.lost(pw.held, m.message);
        pw.held = [];
        pw.flushed?.();
        return;
      }
      const job = jobs[m.id];
      if (!job || job.done) return;
      if (m.t === 'batch') {
        const sink = sinkOf(job);
        for (const out of JSON.parse(m.json) as SourceOutput[]) deliver(out, sink);
        pw.worker.postMessage({ t: 'ack', id: job.id } satisfies ToWorker);
      } else if (m.t === 'end') end(job, m.counts, m.coverage);
      else end(job, { ...emptyCounts(), error: `read error: ${m.message}` });
    });
    const fail = (message: string) => {
      if (pw.dead) return;
      pw.dead = true;
      if (pw.held.length > 0) handlers.lost(pw.held, `worker thread failed: ${message}`);
      pw.held = [];
      pw.keyed?.();
      pw.flushed?.();
      for (const job of [...pw.jobs]) end(job, { ...emptyCounts(), error: `worker thread failed: ${message}` });
    };
    pw.worker.on('error', (err) => fail(err.message));
    pw.worker.on('exit', (code) => fail(`exited with code ${code}`));
    pool.push(pw);
    return pw;
  };

  const full = (pw: PooledWorker): boolean => suppliedEnough(pw.jobs.map((j) => j.source.size));
  // Gives the next sources to workers, keeping each supplied (`full`) so that none waits for the next one.
  function assign(): void {
    while (queue.length > 0 && threads > 0) {
      const alive = pool.filter((p) => !p.dead);
      let pw = alive.length < threads ? undefined : alive.reduce((a, b) => (b.jobs.length < a.jobs.length ? b : a));
      if (!pw || full(pw)) {
        if (alive.length >= threads) return;
        pw = spawn();
      }
      const job = queue.shift()!;
      job.worker = pw;
      pw.jobs.push(job);
      pw.worker.postMessage({ t: 'read', id: job.id, source: job.source } satisfies ToWorker);
    }
  }

  try {
    if (remaining === 0) allDone();
    assign();
    for (const job of jobs) if (job.source.path === '-') await handlers.local(job.id);
    // The calling thread is one of the `workers` pipelines: it reads the next source in line whenever it is free.
    let yielded = performance.now();
    for (let job = queue.shift(); job; job = queue.shift()) {
      await handlers.local(job.id);
      // Let the workers' messages in (their ends, batches and credits) every few milliseconds: small files read
      // from the page cache never wait on I/O, and a worker waiting for an answer sits idle.
      if (performance.now() - yielded > YIELD_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        yielded = performance.now();
      }
      job.done = true;
      if (--remaining === 0) allDone();
      else assign();
    }
    await finished;
    // Every source is read: each worker reports its second-stage keys, then, given everyone's, decodes the held
    // lines that may join, spills what it holds and names its runs.
    const alive = () => pool.filter((p) => !p.dead);
    await Promise.all(
      alive().map(
        (p) =>
          new Promise<void>((resolve) => {
            p.keyed = resolve;
            p.worker.postMessage({ t: 'flush' } satisfies ToWorker);
          }),
      ),
    );
    const keys = handlers.allKeys();
    await Promise.all([
      ...alive().map(
        (p) =>
          new Promise<void>((resolve) => {
            p.flushed = resolve;
            p.worker.postMessage({ t: 'replay', keys } satisfies ToWorker);
          }),
      ),
      handlers.replayLocal(),
    ]);
  } finally {
    await Promise.all(pool.map((p) => p.worker.terminate()));
  }
}
