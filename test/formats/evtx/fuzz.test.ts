// Fuzz: thousands of damaged EVTX files (bit flips, truncation, broken chunk and record headers, garbage BinXML).
// Every read must end with no exception escaping. Reads run in a worker so that a hang (a synchronous endless loop)
// is caught by the parent's timer; the bound is a hang detector, far above any normal read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { writeEvtx } from '../../../src/formats/evtx/index.js';
import { sharedPath } from '../../helpers/shared.js';
import { sampleEvents } from './fixtures.js';
import type { FuzzJob, FuzzMessage } from './fuzz-worker.js';

const HANG_MS = 20_000;
const ITERATIONS = Number(process.env.EVTX_FUZZ_ITERATIONS ?? 3000);
const SEED = Number(process.env.EVTX_FUZZ_SEED ?? 20261128);

/** Mutation bases: corpus files (at most 2 chunks of each, to keep reads short) or, without the corpus, our writer's output. */
function bases(): FuzzJob['bases'] {
  const out: FuzzJob['bases'] = [{ name: 'written.evtx', bytes: writeEvtx(sampleEvents(300)) }];
  const dir = sharedPath('evtx-corpus', 'evtx-rs-samples');
  if (dir) {
    for (const f of readdirSync(dir).sort()) {
      if (!f.endsWith('.evtx')) continue;
      const bytes = readFileSync(join(dir, f));
      out.push({ name: f, bytes: bytes.subarray(0, Math.min(bytes.length, 4096 + 2 * 65536)) });
    }
  }
  return out;
}

test(`${ITERATIONS} mutated files each read to the end without an exception or a hang`, { timeout: 600_000 }, async (t) => {
  const job: FuzzJob = { bases: bases(), seed: SEED, iterations: ITERATIONS };
  // The worker needs the TypeScript loader too: register tsx inside it before importing the worker module.
  const entry = new URL('./fuzz-worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  const worker = new Worker(boot, { eval: true, workerData: job });
  const escaped: string[] = [];
  let current = 'starting';
  let summary: Extract<FuzzMessage, { type: 'end' }> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const hung = await new Promise<string | undefined>((resolve, reject) => {
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => resolve(current), HANG_MS);
    };
    arm();
    worker.on('message', (m: FuzzMessage) => {
      if (m.type === 'start') current = `#${m.i} ${m.what}`;
      else if (m.type === 'escaped') escaped.push(`#${m.i} ${m.what}: ${m.error}`);
      else if (m.type === 'end') {
        summary = m;
        resolve(undefined);
      }
      arm();
    });
    worker.on('error', reject);
    worker.on('exit', (code) => (code === 0 ? resolve(undefined) : reject(new Error(`fuzz worker exited with ${code} during ${current}`))));
  });
  clearTimeout(timer);
  await worker.terminate();
  assert.equal(hung, undefined, `a read did not finish within ${HANG_MS} ms (seed ${SEED}): ${hung}`);
  assert.deepEqual(escaped.slice(0, 5), [], `exceptions escaped the reader (seed ${SEED})`);
  assert.ok(summary, 'the worker finished every read');
  assert.equal(summary.reads, ITERATIONS);
  t.diagnostic(`seed ${SEED}: ${summary.reads} reads over ${job.bases.length} bases, ${summary.records} records, ${summary.problems} problems reported`);
});
