import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readSources, type InputItem, type InputOptions, type InputSource } from '../../src/formats/index.js';
import { newEvtxStats, writeEvtx } from '../../src/formats/evtx/index.js';
import { parseEventXml } from '../../src/formats/event-xml/parse.js';
import { writeZip } from './helpers/zip-writer.js';
import { chunked, removeTempDirs, tempDir } from './helpers/read.js';

after(removeTempDirs);

const ndjson = (tag: string, n: number): string => Array.from({ length: n }, (_, i) => JSON.stringify({ tag, i })).join('\n');
const xmlEvent = (record: number): string =>
  `<Event><System><Provider Name='P'/><EventID>${record % 7}</EventID><TimeCreated SystemTime='2020-12-19T12:00:22.2470000Z'/><EventRecordID>${record}</EventRecordID><Channel>C</Channel><Computer>H</Computer></System><EventData><Data Name='n'>${record}</Data></EventData></Event>`;

function fixtures(): InputSource[] {
  const dir = tempDir();
  const files: Array<[string, Uint8Array | string]> = [
    ['a.json', ndjson('a', 3000)], // more batches than a worker may send ahead
    ['b.xml', Array.from({ length: 300 }, (_, i) => xmlEvent(i + 1)).join('\n')],
    ['c.json.gz', gzipSync(ndjson('c', 40))],
    ['d.zip', writeZip([{ name: 'x.json', data: ndjson('d', 5) }, { name: '__MACOSX/._x.json', data: 'xx' }])],
    ['e.txt', 'not an input'],
    ['f.evtx', writeEvtx(parseEventXml(Array.from({ length: 50 }, (_, i) => xmlEvent(i + 1)).join('')).flatMap((i) => (i.kind === 'windows' ? [i.event] : [])))],
  ];
  for (const [name, data] of files) writeFileSync(join(dir, name), data);
  return [...files.map(([name]) => ({ path: join(dir, name) })), { path: join(dir, 'missing.json') }];
}

async function readAll(sources: InputSource[], options: InputOptions): Promise<Array<[string, InputItem[]]>> {
  const out: Array<[string, InputItem[]]> = [];
  for await (const { source, items } of readSources(sources, options)) {
    const list: InputItem[] = [];
    for await (const item of items) list.push(item);
    out.push([source.path, list]);
  }
  return out;
}

test('worker threads give the same items, per source in order, as reading in place; EVTX stats are merged', async () => {
  const sources = fixtures();
  const inPlaceStats = newEvtxStats();
  const inPlace = await readAll(sources, { evtxStats: inPlaceStats });
  const workerStats = newEvtxStats();
  const parallel = await readAll(sources, { workers: 2, evtxStats: workerStats });
  assert.deepEqual(parallel, inPlace);
  assert.deepEqual(parallel.map(([, items]) => items.length), [3000, 300, 40, 6, 1, 50, 1]);
  assert.equal(workerStats.records, 50);
  assert.deepEqual(workerStats, inPlaceStats);
});

test('a source left partly read is cancelled and the next sources still arrive whole; stdin is read in place', async () => {
  const sources = fixtures();
  const withStdin = [sources[0]!, { path: '-' }, sources[1]!, sources[2]!];
  const seen: Array<[string, number]> = [];
  for await (const { source, items } of readSources(withStdin, { workers: 2, stdin: chunked('{"from":"stdin"}\n') })) {
    let n = 0;
    for await (const item of items) {
      assert.notEqual(item.kind, 'problem');
      if (++n === 10 && source.path.endsWith('a.json')) break;
    }
    seen.push([source.path.slice(-6), n]);
  }
  assert.deepEqual(seen, [['a.json', 10], ['-', 1], ['/b.xml', 300], ['son.gz', 40]]);
});

test('with a filter function (which cannot cross threads) sources are read in place', async () => {
  const sources = fixtures().slice(5, 6);
  const entries = await readAll(sources, { workers: 2, filter: (_p, id) => id === 3 });
  assert.deepEqual(entries[0]![1].map((i) => (i.kind === 'windows' ? i.event.system.eventId : i.kind)), Array(7).fill(3));
});
