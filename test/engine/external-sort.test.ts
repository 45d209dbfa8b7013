import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExternalSorter } from '../../src/engine/external-sort.js';
import type { NormalizedEvent } from '../../src/normalize/types.js';

test('many runs are merged in batches (bounded fan-in) and still come out in (time, input order)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-sort-test-'));
  try {
    const sorter = new ExternalSorter({ maxBufferedEvents: 3, maxMergeFanIn: 3, tempDir: dir });
    const input: NormalizedEvent[] = [];
    let seed = 11;
    for (let i = 0; i < 200; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      // Few distinct times, so most events tie with others spread over many runs; fractions survive the disk.
      const t = 1_600_000_000_000 + (seed % 20) + 0.25;
      input.push({ doc: { n: i, nested: { s: `é${i}\n"q"` } }, timestamp: t, host: `h${i % 3}`, origin: { file: 'f', line: i + 1 } });
    }
    for (const e of input) sorter.add(e);
    const out: NormalizedEvent[] = [];
    for await (const e of sorter.sorted()) out.push(e);
    const expected = input.map((e, i) => ({ e, i })).sort((a, b) => a.e.timestamp - b.e.timestamp || a.i - b.i).map(({ e }) => e);
    assert.deepEqual(out, expected);
    assert.ok(sorter.stats.spilledRuns > 66, `intermediate merges wrote runs too (${sorter.stats.spilledRuns})`);
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without a spill, nothing touches the disk', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-sort-test-'));
  try {
    const sorter = new ExternalSorter({ tempDir: dir });
    for (const t of [3, 1, 2]) sorter.add({ doc: { t }, timestamp: t, host: 'h', origin: { file: 'f' } });
    const out: number[] = [];
    for await (const e of sorter.sorted()) out.push(e.timestamp);
    assert.deepEqual(out, [1, 2, 3]);
    assert.equal(sorter.stats.spilledRuns, 0);
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
