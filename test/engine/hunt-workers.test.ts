// Inputs read in worker threads must give exactly what reading them in the calling thread gives: the same
// alerts, counts, problems with their places, coverage, whatever the number of workers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { hunt, type HuntOptions, type HuntResult } from '../../src/engine/hunt.js';
import { pipeSourcesInWorkers } from '../../src/engine/hunt-workers.js';
import { loadRules } from '../../src/rules/index.js';
import { SCENARIOS, renderSimulation, simulate } from '../../src/simulate/index.js';
import type { Alert } from '../../src/alerts/index.js';
import { comparableResult } from '../helpers/hunt-result.js';

function withDir<T>(f: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-workers-'));
  return f(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

/** Every scenario in three formats, plus a file with malformed lines and one that is not an input. */
function writeInputs(dir: string): void {
  for (const s of SCENARIOS) {
    const t = simulate(s.id);
    for (const format of ['evtx', 'xml', 'defend'] as const) for (const f of renderSimulation(t, format, format === 'evtx')) writeFileSync(join(dir, f.name), f.data);
  }
  const t = simulate(SCENARIOS[0]!.id);
  const lines = renderSimulation(t, 'defend')[0]!.data.toString().split('\n');
  lines.splice(2, 0, '{"broken": 1');
  lines.splice(6, 0, 'not json at all');
  writeFileSync(join(dir, 'zz-damaged.ndjson'), lines.join('\n'));
  writeFileSync(join(dir, 'zz-readme.bin'), Buffer.from([0, 1, 2, 3, 255, 254]));
}

async function run(dir: string, workers: number, extra: Partial<HuntOptions> = {}): Promise<{ r: HuntResult; alerts: string[] }> {
  const { rules } = await loadRules();
  const alerts: Alert[] = [];
  const r = await hunt({ inputs: [dir], rules, workers, coverageRules: rules, onAlert: (a) => alerts.push(a), ...extra });
  return { r, alerts: alerts.map((a) => JSON.stringify(a)) };
}

const comparable = comparableResult;

test('two workers give the same alerts, counts, problems and coverage as the calling thread, in the same order', async () => {
  await withDir(async (dir) => {
    writeInputs(dir);
    const one = await run(dir, 0);
    const two = await run(dir, 2);
    assert.equal(one.r.workers, 0);
    assert.equal(two.r.workers, 2);
    assert.ok(one.alerts.length > 10, 'the scenarios raise alerts');
    assert.deepEqual(two.alerts, one.alerts);
    assert.deepEqual(comparable(two.r), comparable(one.r));
    assert.equal(one.r.malformed.count, 2, 'both damaged lines are reported');
    assert.ok(one.r.notes.count + one.r.inputErrors.length >= 1, 'the file that is not an input is reported');
    assert.ok(one.r.coverage && one.r.coverage.hosts.length > 0);
  });
});

test('with the pre-filter, workers skip the same lines and records and give the same alerts', async () => {
  await withDir(async (dir) => {
    writeInputs(dir);
    const one = await run(dir, 0, { prefilter: true, coverageRules: undefined });
    const two = await run(dir, 2, { prefilter: true, coverageRules: undefined });
    assert.ok(one.r.skipped > 0, 'something is skipped');
    assert.deepEqual(two.alerts, one.alerts);
    assert.deepEqual(comparable(two.r), comparable(one.r));
    const plain = await run(dir, 0, { coverageRules: undefined });
    assert.deepEqual([...one.alerts].sort(), [...plain.alerts].sort(), 'the pre-filter changes no alert');
  });
});

test('stdin among files is read in the calling thread, in its turn', async () => {
  await withDir(async (dir) => {
    writeInputs(dir);
    const t = simulate(SCENARIOS[1]!.id);
    const data = renderSimulation(t, 'defend')[0]!.data;
    const stdin = () => Readable.from([data]);
    // Sorting is forced: with stdin the default is the reorder window, and both runs must order alike anyway.
    const one = await run(dir, 0, { inputs: [dir, '-'], stdin: stdin(), ordering: 'sort' });
    const two = await run(dir, 2, { inputs: [dir, '-'], stdin: stdin(), ordering: 'sort' });
    assert.equal(two.r.sources.at(-1)!.path, '-');
    assert.ok(two.r.sources.at(-1)!.records > 0);
    assert.deepEqual(two.alerts, one.alerts);
    assert.deepEqual(comparable(two.r), comparable(one.r));
  });
});

/**
 * Runs sources through one worker and the calling thread, whose turn at a source busy-waits `localMs` (a file read
 * from the page cache never waits on I/O); returns the sources the worker read and the calling thread's, in order.
 */
async function spread(dir: string, sources: Array<{ path: string; size: number }>, localMs: number): Promise<{ byWorker: Set<number>; local: number[] }> {
  const { rules } = await loadRules();
  const byWorker = new Set<number>();
  const local: number[] = [];
  await pipeSourcesInWorkers(
    sources,
    { rules: rules.map((r) => r.rule), spec: { normalize: {}, from: -Infinity, to: Infinity, prefilter: false, relevantOnly: true, hold: false }, runDir: dir, sort: {} },
    2,
    {
      sink: () => ({ problem() {}, notNormalized() {}, event() {}, hold() {} }),
      done: (i) => {
        if (!local.includes(i)) byWorker.add(i);
      },
      coverage() {},
      local: async (i) => {
        local.push(i);
        const until = performance.now() + localMs;
        while (performance.now() < until);
      },
      keys() {},
      allKeys: () => [],
      replayLocal: async () => {},
      runs() {},
      lost() {},
    },
  );
  assert.equal(byWorker.size + local.length, sources.length);
  return { byWorker, local };
}

/** A one-line NDJSON file; `size` is what the source claims, which is all that steers how sources are spread. */
function source(dir: string, i: number, size: number): { path: string; size: number } {
  const path = join(dir, `f${String(i).padStart(3, '0')}.ndjson`);
  writeFileSync(path, '{"@timestamp":"2026-01-01T00:00:00Z","event":{"category":["process"]}}\n');
  return { path, size };
}

test('workers keep getting sources while the calling thread reads ones that never wait on I/O', async () => {
  await withDir(async (dir) => {
    // Many small files, as a folder of EVTX logs is: the calling thread's turn at each takes a few milliseconds.
    const { byWorker } = await spread(dir, Array.from({ length: 300 }, (_, i) => source(dir, i, 1 << 20)), 3);
    // Starved (the calling thread never lets the worker's messages in), it reads its first batch only: 4. It read
    // 72-133 on a loaded machine, and 48 once while CI ran the other test files beside it.
    assert.ok(byWorker.size >= 25, `the worker read ${byWorker.size} of 300 sources`);
  });
});

test('a big source is given to a worker alone, and the largest sources are read first', async () => {
  await withDir(async (dir) => {
    // While the worker starts (far longer than the calling thread's few milliseconds per source), the calling
    // thread takes every source not yet given: a second big one queued behind the worker's first would wait for
    // it, which on four equal files left one thread reading three.
    const sizes = [1 << 20, 400 << 20, 2 << 20, 300 << 20, 350 << 20];
    const { byWorker, local } = await spread(dir, sizes.map((size, i) => source(dir, i, size)), 2);
    assert.deepEqual([...byWorker], [1]);
    assert.deepEqual(local, [4, 3, 2, 0]);
  });
});
