// Hostile and huge inputs: nesting, runaway constructs, and streaming through inputs far larger than any buffer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { readStream, type InputItem } from '../../src/formats/index.js';
import { docs, events, problems, readBytes } from './helpers/read.js';

const EVENT = (id: number): string => `<Event><System><EventID>${id}</EventID></System></Event>`;

test('XML nested far too deep is one malformed event; the next event is read', async () => {
  const deep = `<Event><System><EventID>1</EventID></System><UserData>${'<a>'.repeat(5000)}${'</a>'.repeat(5000)}</UserData></Event>`;
  const items = await readBytes(`${deep}\n${EVENT(2)}\n`, {}, 4096);
  assert.deepEqual(events(items).map((e) => e.event.system.eventId), [2]);
  assert.match(problems(items)[0]!.message, /nested deeper than 128/);
});

test('JSON nested deeper than the scanner tracks is reported; the next document is read', async () => {
  const items = await readBytes(`{"a":${'['.repeat(10000)}${']'.repeat(10000)}}\n{"b":2}\n`);
  assert.deepEqual(docs(items), [{ b: 2 }]);
  assert.match(problems(items)[0]!.message, /nested deeper/);
});

test('an unterminated comment does not swallow the input into memory; what follows it is still read', async () => {
  const filler = `${'x'.repeat(1 << 20)}\n`;
  async function* input(): AsyncGenerator<Uint8Array> {
    yield Buffer.from(`${EVENT(1)}\n<!-- never closed\n`);
    for (let i = 0; i < 20; i++) yield Buffer.from(filler);
    yield Buffer.from(`${EVENT(2)}\n`);
  }
  const items: InputItem[] = [];
  for await (const item of readStream(input(), { file: 'c.xml' })) items.push(item);
  assert.deepEqual(events(items).map((e) => e.event.system.eventId), [1, 2]);
  assert.match(problems(items)[0]!.message, /comment not closed within/);
});

test('a very long key at the top of a document is fine and not mistaken for a search marker', async () => {
  const key = 'k'.repeat(100000);
  const items = await readBytes(`{"${key}": 1, "hits": {"hits": [{"_source": {"x": 1}}]}}\n`, {}, 1000);
  assert.equal(docs(items).length, 1);
  assert.ok(key in docs(items)[0]!);
});

// Live heap (after a collection), not garbage awaiting one, is what shows whether input is being held.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Live heap growth while streaming input made on the fly: bounded by the buffers, not the input size. */
async function peakHeapGrowth(make: (i: number) => string, count: number, file: string): Promise<{ items: number; problems: number; growth: number }> {
  async function* input(): AsyncGenerator<Uint8Array> {
    let batch = '';
    for (let i = 0; i < count; i++) {
      batch += make(i);
      if (batch.length > 256 * 1024) {
        yield Buffer.from(batch);
        batch = '';
      }
    }
    yield Buffer.from(batch);
  }
  gc();
  const base = process.memoryUsage().heapUsed;
  let peak = 0;
  let items = 0;
  let bad = 0;
  for await (const item of readStream(input(), { file })) {
    items++;
    if (item.kind === 'problem') bad++;
    if ((items & 16383) === 0) {
      gc();
      peak = Math.max(peak, process.memoryUsage().heapUsed - base);
    }
  }
  return { items, problems: bad, growth: peak };
}

test('streaming: 40 MB of NDJSON and 40 MB of event XML pass through with bounded live heap', async () => {
  const pad = 'p'.repeat(300);
  const json = await peakHeapGrowth((i) => `${JSON.stringify({ i, pad, 'host.name': 'h' })}\n`, 120_000, 'big.json');
  assert.equal(json.items, 120_000);
  assert.equal(json.problems, 0);
  const xml = await peakHeapGrowth((i) => `<Event><System><EventID>${i & 0xffff}</EventID></System><EventData><Data Name="pad">${pad}</Data></EventData></Event>\n`, 110_000, 'big.xml');
  assert.equal(xml.items, 110_000);
  assert.equal(xml.problems, 0);
  // Holding either input whole would take more than its size (≥ 40 MB); the readers hold a few buffers.
  assert.ok(json.growth < 16 * 1024 * 1024, `JSON live heap growth ${json.growth}`);
  assert.ok(xml.growth < 16 * 1024 * 1024, `XML live heap growth ${xml.growth}`);
  console.log(`live heap growth: JSON ${(json.growth / 1048576).toFixed(1)} MiB, XML ${(xml.growth / 1048576).toFixed(1)} MiB`);
});
