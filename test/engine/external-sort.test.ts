import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExternalSorter, approxEventBytes } from '../../src/engine/external-sort.js';
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

test('runs with lines longer than the read buffer and non-ASCII text read back intact, in order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-sort-test-'));
  try {
    const sorter = new ExternalSorter({ maxBufferedEvents: 50, tempDir: dir });
    const input: NormalizedEvent[] = [];
    for (let i = 0; i < 400; i++) {
      // Sizes around the 64 KiB decoding piece and the read buffer (at most 1 MiB), with multi-byte characters.
      const size = i % 97 === 0 ? 4_000_000 : (i * 7919) % 70_000;
      input.push({ doc: { n: i, text: `${'é€'.repeat(size >> 3)}${'x'.repeat(size & 7)}🙂` }, timestamp: 1_000 + ((i * 37) % 101), host: 'h', origin: { file: 'f', line: i + 1 } });
    }
    for (const e of input) sorter.add(e);
    const out: NormalizedEvent[] = [];
    for await (const e of sorter.sorted()) out.push(e);
    assert.ok(sorter.stats.spilledRuns >= 8, `spilled (${sorter.stats.spilledRuns} runs)`);
    const expected = input.map((e, i) => ({ e, i })).sort((a, b) => a.e.timestamp - b.e.timestamp || a.i - b.i).map(({ e }) => e);
    assert.deepEqual(out, expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('once some events went to disk, the merge keeps none in memory: those still buffered go to a run first', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-sort-test-'));
  try {
    const sorter = new ExternalSorter({ maxBufferedEvents: 10, tempDir: dir });
    // In time order, as inputs mostly are: the 5 still buffered at the end are the latest, which the merge gives last.
    const input: NormalizedEvent[] = Array.from({ length: 25 }, (_, i) => ({ doc: { i }, timestamp: 1_000 + i, host: 'h', origin: { file: 'f', line: i + 1 } }));
    for (const e of input) sorter.add(e);
    assert.deepEqual([sorter.stats.spilledRuns, sorter.buffered.events], [2, 5]);
    const out: NormalizedEvent[] = [];
    for await (const e of sorter.sorted()) {
      if (out.length === 0) assert.deepEqual([sorter.stats.spilledRuns, sorter.buffered.events], [3, 0], 'the buffered 5 went to a third run');
      out.push(e);
    }
    assert.deepEqual(out, input);
    assert.notEqual(out.at(-1), input.at(-1), 'the last event came back from disk, not from memory');
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

test('the in-memory buffer is bounded by estimated bytes, not only by count (large events spill early)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-sort-test-'));
  try {
    const sorter = new ExternalSorter({ maxBufferedBytes: 64 * 1024, tempDir: dir });
    const message = 'm'.repeat(8 * 1024); // a flat export's Message: ~8 KB per event
    let most = 0;
    for (let i = 0; i < 100; i++) {
      sorter.add({ doc: { message, n: i }, timestamp: 100 - i, host: 'h', origin: { file: 'f', line: i + 1 } });
      most = Math.max(most, sorter.buffered.bytes);
    }
    assert.ok(most <= 64 * 1024 + approxEventBytes({ doc: { message, n: 0 }, timestamp: 0, host: 'h', origin: { file: 'f' } }), `at most the bound plus one event (${most})`);
    assert.ok(sorter.stats.spilledRuns >= 10, `spilled by bytes (${sorter.stats.spilledRuns} runs)`);
    const out: number[] = [];
    for await (const e of sorter.sorted()) out.push(e.doc.n as number);
    assert.deepEqual(out, Array.from({ length: 100 }, (_, i) => 99 - i));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('by default, events of a few KB spill well before the 5,000-event cap', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-sort-test-'));
  const sorter = new ExternalSorter({ tempDir: dir });
  try {
    const text = 't'.repeat(4000);
    let firstSpillAt = 0;
    for (let i = 0; i < 5_000 && firstSpillAt === 0; i++) {
      sorter.add({ doc: { text, n: i }, timestamp: i, host: 'h', origin: { file: 'f', line: i + 1 } });
      if (sorter.stats.spilledRuns > 0) firstSpillAt = i + 1;
    }
    // 4 MiB of ~4.2 KB events: about 1,000 held, whatever the count cap says.
    assert.ok(firstSpillAt > 500 && firstSpillAt < 2_000, `first spill after ${firstSpillAt} events`);
  } finally {
    sorter.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('approxEventBytes grows with the document (strings, nesting, arrays)', () => {
  const base = (doc: Record<string, unknown>) => approxEventBytes({ doc, timestamp: 0, host: 'h', origin: { file: 'f' } });
  assert.ok(base({ a: 'x'.repeat(1000) }) - base({ a: '' }) === 1000);
  assert.ok(base({ a: { b: { c: 1 } } }) > base({ a: 1 }));
  assert.ok(base({ a: [1, 2, 3, 4] }) > base({ a: [1] }));
});
