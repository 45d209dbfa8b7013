// Several inputs decoded at once in worker threads, so decoding (EVTX BinXML, XML, JSON.parse) uses the other
// cores while the caller normalizes and matches. Items come back in batches, per source in source order, each
// source's items in their own order. Workers read ahead at most a few batches per source (credit-based), so
// memory stays bounded however slow the consumer is.
import { Worker } from 'node:worker_threads';
import type { InputItem } from './types.js';
import type { InputOptions, InputSource } from './index.js';

/** Items per message: large enough to amortize messaging, small enough to keep latency and memory low. */
export const BATCH_ITEMS = 256;
/** Batches a worker may send for one source before the consumer takes them. */
const CREDITS = 8;

/** What a worker is told to read (everything must survive structured cloning). */
export interface WorkerJob {
  id: number;
  source: InputSource;
  format?: InputOptions['format'];
  evtxStats: boolean;
}

export type ToWorker = { t: 'read'; job: WorkerJob } | { t: 'ack'; id: number } | { t: 'cancel'; id: number };
export type FromWorker =
  /** Items as JSON text (every InputItem is plain JSON data). */
  | { t: 'batch'; id: number; json: string }
  | { t: 'end'; id: number; evtxStats?: Record<string, number> }
  | { t: 'error'; id: number; message: string };

interface JobState {
  job: WorkerJob;
  batches: InputItem[][];
  done: boolean;
  wake: (() => void) | undefined;
  worker: PooledWorker | undefined;
}

interface PooledWorker {
  worker: Worker;
  /** Jobs sent to this worker and not yet ended, oldest first. */
  jobs: JobState[];
  dead: boolean;
}

/** The worker entry: compiled JS next to this module, or the TS source registered through tsx (tests, dev). */
function workerUrl(): URL {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new URL('./worker.js', self);
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./worker.ts', self).href;
  const code = `const { register } = await import(${JSON.stringify(tsx)}); register(); await import(${JSON.stringify(entry)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

function notify(state: JobState): void {
  const wake = state.wake;
  state.wake = undefined;
  wake?.();
}

/**
 * Reads sources in up to `workers` threads. Yields one entry per source, in order; read each entry's `items`
 * before taking the next entry (an entry left unread is cancelled). stdin ("-") is read in the calling thread.
 */
export async function* readSourcesInWorkers(
  sources: InputSource[],
  options: InputOptions,
  workers: number,
  readLocal: (source: InputSource) => AsyncGenerator<InputItem>,
): AsyncGenerator<{ source: InputSource; items: AsyncGenerator<InputItem> }> {
  const url = workerUrl();
  const pool: PooledWorker[] = [];
  const states: JobState[] = sources.map((source, id) => {
    const job: WorkerJob = { id, source, evtxStats: options.evtxStats !== undefined };
    if (options.format) job.format = options.format;
    return { job, batches: [], done: false, wake: undefined, worker: undefined };
  });
  const byId = new Map<number, JobState>(states.map((s) => [s.job.id, s]));
  let nextToAssign = 0;
  let consuming = 0;

  const finish = (state: JobState, extra?: InputItem): void => {
    if (extra) state.batches.push([extra]);
    state.done = true;
    if (state.worker) state.worker.jobs = state.worker.jobs.filter((j) => j !== state);
    notify(state);
    assign();
  };

  const spawn = (): PooledWorker => {
    const pw: PooledWorker = { worker: new Worker(url), jobs: [], dead: false };
    pw.worker.on('message', (m: FromWorker) => {
      const state = byId.get(m.id);
      if (!state || state.done) return;
      if (m.t === 'batch') {
        state.batches.push(JSON.parse(m.json) as InputItem[]);
        notify(state);
      } else if (m.t === 'end') {
        if (m.evtxStats && options.evtxStats) {
          const into = options.evtxStats as unknown as Record<string, number>;
          for (const [k, v] of Object.entries(m.evtxStats)) into[k] = (into[k] ?? 0) + v;
        }
        finish(state);
      } else {
        finish(state, problemFor(state.job.source, `read error: ${m.message}`));
      }
    });
    const fail = (message: string): void => {
      if (pw.dead) return;
      pw.dead = true;
      for (const state of [...pw.jobs]) finish(state, problemFor(state.job.source, `worker thread failed: ${message}`));
    };
    pw.worker.on('error', (err) => fail(err.message));
    pw.worker.on('exit', (code) => fail(`exited with code ${code}`));
    pool.push(pw);
    return pw;
  };

  // Starts the next sources on idle workers, never running further ahead than `workers` sources.
  function assign(): void {
    while (nextToAssign < states.length && nextToAssign < consuming + workers) {
      const state = states[nextToAssign]!;
      if (state.job.source.path === '-') {
        nextToAssign++; // read locally when its turn comes
        continue;
      }
      let pw = pool.find((p) => !p.dead && p.jobs.length === 0);
      if (!pw) {
        if (pool.filter((p) => !p.dead).length >= workers) return;
        pw = spawn();
      }
      nextToAssign++;
      state.worker = pw;
      pw.jobs.push(state);
      pw.worker.postMessage({ t: 'read', job: state.job } satisfies ToWorker);
    }
  }

  async function* items(state: JobState): AsyncGenerator<InputItem> {
    let finished = false;
    try {
      for (;;) {
        const batch = state.batches.shift();
        if (batch) {
          if (!state.done) state.worker?.worker.postMessage({ t: 'ack', id: state.job.id } satisfies ToWorker);
          yield* batch;
          continue;
        }
        if (state.done) break;
        await new Promise<void>((resolve) => (state.wake = resolve));
      }
      finished = true;
    } finally {
      if (!finished && !state.done) {
        state.worker?.worker.postMessage({ t: 'cancel', id: state.job.id } satisfies ToWorker);
        state.done = true;
        state.batches.length = 0;
        if (state.worker) state.worker.jobs = state.worker.jobs.filter((j) => j !== state);
      }
    }
  }

  try {
    for (let i = 0; i < states.length; i++) {
      consuming = i;
      assign();
      const state = states[i]!;
      if (state.job.source.path === '-') {
        yield { source: state.job.source, items: readLocal(state.job.source) };
        continue;
      }
      const gen = items(state);
      yield { source: state.job.source, items: gen };
      await gen.return(undefined); // an entry the consumer left unread is cancelled, not awaited
    }
  } finally {
    await Promise.all(pool.map((p) => p.worker.terminate()));
  }
}

function problemFor(source: InputSource, message: string): InputItem {
  return { kind: 'problem', severity: 'error', message, origin: { file: source.path } };
}

/** Work a worker may take: with a filter function or a custom stdin, sources are read in the calling thread. */
export function workersUsable(options: InputOptions): boolean {
  return options.filter === undefined && options.lineFilter === undefined && (options.workers ?? 0) > 0;
}

export { CREDITS };
