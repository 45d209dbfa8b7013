// Mutated inputs (bit flips, structural bytes inserted, ranges cut or repeated, truncation) through every text
// and archive reader: each read ends, no exception escapes, and no internal failure shows up as a read error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { readStream } from '../../src/formats/index.js';
import { writeZip } from './helpers/zip-writer.js';
import { chunked } from './helpers/read.js';
import { Rng } from '../../src/simulate/random.js';

/** Seeded uniform numbers in [0, 1) (the simulator's mulberry32), so a failure names a reproducible case. */
const rng = (seed: number): (() => number) => {
  const r = new Rng(seed);
  return () => r.next();
};

const STRUCTURAL = Buffer.from('{}[]",:\\\n<>/&;!?-\'= \u00e9');

function mutate(input: Buffer, rand: () => number): Buffer {
  let b = Buffer.from(input);
  const ops = 1 + Math.floor(rand() * 4);
  for (let k = 0; k < ops; k++) {
    const at = Math.floor(rand() * b.length);
    switch (Math.floor(rand() * 5)) {
      case 0:
        b[at] = b[at]! ^ (1 << Math.floor(rand() * 8));
        break;
      case 1:
        b = Buffer.concat([b.subarray(0, at), STRUCTURAL.subarray(Math.floor(rand() * STRUCTURAL.length)).subarray(0, 1), b.subarray(at)]);
        break;
      case 2:
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + Math.floor(rand() * 200)))]);
        break;
      case 3:
        b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + Math.floor(rand() * 300)), b.subarray(at)]);
        break;
      default:
        b = b.subarray(0, at);
    }
  }
  return b;
}

const docs = Array.from({ length: 30 }, (_, i) => ({ '@timestamp': `2020-12-19T12:00:${String(i % 60).padStart(2, '0')}Z`, event: { code: String(i) }, 'process.name': 'svchost.exe', msg: 'a "quoted" \\ value ü' }));
const xmlEvents = docs
  .map((d, i) => `<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='P'/><EventID>${i}</EventID><TimeCreated SystemTime="${d['@timestamp']}"/><EventRecordID>${i}</EventRecordID><Channel>C</Channel><Computer>H</Computer></System><EventData><Data Name='a'>x &amp; &lt;y&gt; ${i}</Data><Data><![CDATA[<z>]]></Data></EventData><UserData><U a="1"><V>v</V><!-- c --></U></UserData></Event>`)
  .join('\n');
const SEEDS: Array<[string, Buffer]> = [
  ['ndjson', Buffer.from(docs.map((d) => JSON.stringify(d)).join('\n'))],
  ['array', Buffer.from(JSON.stringify(docs, null, 2))],
  ['search', Buffer.from(JSON.stringify({ took: 1, timed_out: false, _shards: {}, hits: { hits: docs.map((d) => ({ _index: 'i', _source: d })) } }, null, 1))],
  ['xml', Buffer.from(`<?xml version="1.0"?>\n<Events>\n${xmlEvents}\n</Events>\n`)],
  ['gzip', gzipSync(docs.map((d) => JSON.stringify(d)).join('\n'))],
  ['zip', writeZip([{ name: 'a.json', data: JSON.stringify(docs) }, { name: 'b.xml', data: xmlEvents, method: 0 }, { name: '__MACOSX/._a', data: 'x' }])],
];

/** More with SEQHUNT_FUZZ_ITERATIONS for a deep run. */
const ITERATIONS = Number(process.env.SEQHUNT_FUZZ_ITERATIONS ?? 250);

for (const [name, seed] of SEEDS) {
  test(`fuzz: ${name} mutated ${ITERATIONS} times`, async () => {
    const rand = rng(name.length * 7919 + seed.length);
    const textual = name !== 'gzip' && name !== 'zip';
    for (let iteration = 0; iteration < ITERATIONS; iteration++) {
      const input = mutate(seed, rand);
      const chunk = 1 + Math.floor(rand() * 700);
      let items = 0;
      try {
        for await (const item of readStream(chunked(input, chunk), { file: 'fuzz' })) {
          items++;
          assert.equal(item.origin.file, 'fuzz');
          if (item.kind === 'problem' && textual) {
            assert.doesNotMatch(item.message, /^read error/, `${name} #${iteration}: ${item.message}`);
          }
          if (item.origin.line !== undefined) assert.ok(item.origin.line >= 1);
        }
      } catch (err) {
        assert.fail(`${name} #${iteration} (chunk ${chunk}) threw: ${(err as Error).stack}`);
      }
      assert.ok(items < 10_000, `${name} #${iteration}: ${items} items from ${input.length} bytes`);
    }
  });
}
