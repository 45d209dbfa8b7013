import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { expandInputs, readSource, type InputItem, type JsonLineFilter } from '../../src/formats/index.js';
import { fileChunks } from '../../src/formats/bytes.js';
import { chunked, collect, docs, problems, readFileItems, removeTempDirs, tempDir } from './helpers/read.js';

after(removeTempDirs);

test('"-" reads the given stdin, sniffed like a file', async () => {
  const items = await collect(readSource({ path: '-' }, { stdin: chunked('\n\n  {"a": 1}\n{"a": 2}\n', 4) }));
  assert.deepEqual(docs(items), [{ a: 1 }, { a: 2 }]);
  assert.deepEqual(items.map((i) => i.origin), [{ file: '-', line: 3 }, { file: '-', line: 4 }]);
});

test('unrecognised content is an error when named, a note when found by a directory walk', async () => {
  const dir = tempDir();
  const named = await readFileItems(dir, 'notes.txt', 'just some notes\n');
  assert.equal(named.length, 1);
  assert.equal(problems(named)[0]!.severity, 'error');
  assert.match(problems(named)[0]!.message, /not an input.*starts with "just some notes/);
  const walked = await collect(readSource({ path: join(dir, 'notes.txt'), implicit: true }));
  assert.equal(problems(walked)[0]!.severity, 'note');
});

test('format override reads content sniffing cannot place', async () => {
  const dir = tempDir();
  const text = 'exported by tool v1\n{"a": 1}\n';
  assert.equal(problems(await readFileItems(dir, 'x.log', text))[0]!.severity, 'error');
  const forced = await readFileItems(dir, 'y.log', text, { format: 'json' });
  assert.deepEqual(docs(forced), [{ a: 1 }]);
  assert.equal(problems(forced)[0]!.origin.line, 1);
  const xml = await readFileItems(dir, 'z.log', 'junk <Event><System><EventID>4</EventID></System></Event>', { format: 'xml' });
  assert.equal(xml.filter((i) => i.kind === 'windows').length, 1);
});

test('empty and blank inputs, missing files and sources carrying errors become problems', async () => {
  const dir = tempDir();
  assert.match(problems(await readFileItems(dir, 'empty.json', ''))[0]!.message, /empty input/);
  assert.match(problems(await readFileItems(dir, 'blank.json', '\n\n   \n'))[0]!.message, /only blank/);
  const missing = await collect(readSource({ path: join(dir, 'nope.json') }));
  assert.deepEqual(missing.map((p) => [p.kind, p.origin.file]), [['problem', join(dir, 'nope.json')]]);
  assert.match(problems(missing)[0]!.message, /no such file/);
  const [glob] = await expandInputs([join(dir, '*.none')]);
  assert.match(problems(await collect(readSource(glob!)))[0]!.message, /no file matches/);
  const asDir = await collect(readSource({ path: dir }));
  assert.equal(problems(asDir).length, 1);
  assert.equal(problems(asDir)[0]!.severity, 'error');
});

test('a consumer that stops early does not leave the reader hanging', async () => {
  const dir = tempDir();
  const lines = Array.from({ length: 5000 }, (_, i) => JSON.stringify({ i })).join('\n');
  writeFileSync(join(dir, 'big.json'), lines);
  let n = 0;
  for await (const item of readSource({ path: join(dir, 'big.json') })) {
    assert.equal(item.kind, 'document');
    if (++n === 3) break;
  }
  assert.equal(n, 3);
});

test('XML that holds no events (a Sysmon config beside the logs) is a warning when named, a note when walked', async () => {
  const dir = tempDir();
  const config = '<?xml version="1.0"?>\n<Sysmon schemaversion="4.50"><EventFiltering/></Sysmon>\n';
  const named = await readFileItems(dir, 'sysmonconfig.xml', config);
  assert.deepEqual(named.map((i) => (i.kind === 'problem' ? i.severity : i.kind)), ['warning']);
  assert.match(problems(named)[0]!.message, /without any <Event>/);
  const walked = await collect(readSource({ path: join(dir, 'sysmonconfig.xml'), implicit: true }));
  assert.deepEqual(walked.map((i) => (i.kind === 'problem' ? i.severity : i.kind)), ['note']);
});

/**
 * NDJSON of a few MB: lines across chunk boundaries, a chunk (256 KiB) that ends with its last line, multi-byte
 * text, a line longer than a chunk, a Kelvin sign (which reads the chunk as UTF-8 rather than bytewise).
 */
function bigNdjson(tail: string): string {
  const lines: string[] = [];
  let bytes = 0;
  const push = (line: string) => {
    lines.push(line);
    bytes += Buffer.byteLength(line) + 1;
  };
  for (let i = 0; i < 9000; i++) {
    const pad = 'x'.repeat((i * 37) % 400);
    push(JSON.stringify({ n: i, keep: i % 3 === 0, text: i % 7 === 0 ? `é日本 ${pad}` : pad }));
    if (i === 1500) {
      // Pads the file so that the next chunk boundary falls right after a newline.
      const boundary = Math.ceil((bytes + 100) / (256 * 1024)) * 256 * 1024;
      const line = JSON.stringify({ keep: true, pad: '' });
      push(line.replace('""', `"${'z'.repeat(boundary - bytes - line.length - 1)}"`));
      assert.equal(bytes % (256 * 1024), 0);
    }
    if (i === 3000) push(JSON.stringify({ n: -1, keep: true, long: 'y'.repeat(700_000) }));
    if (i === 6000) push(JSON.stringify({ n: -2, keep: true, kelvin: 'tas\u212Acache' }));
  }
  return lines.join('\n') + '\n' + tail;
}

/** A line filter (as the pre-filter is one) that picks the lines holding `keep":true`. */
function keepFilter(): JsonLineFilter {
  return {
    skipped: 0,
    scan(text, from, to, onLine) {
      for (let start = from; start < to; ) {
        let end = text.indexOf('\n', start);
        if (end === -1 || end > to) end = to;
        if (text.slice(start, end).includes('keep":true')) onLine(start, end, 0);
        else this.skipped++;
        start = end + 1;
      }
    },
  };
}

test('a big NDJSON file, its chunks lent to the line reader, reads as the same file read whole', async () => {
  const dir = tempDir();
  // A malformed line hands the rest of the file to the scanner (which keeps the chunks it reads): a pretty-printed
  // document after it, more lines, and a last line without a newline.
  const pretty = `{\n  "pretty": true,\n${Array.from({ length: 2000 }, (_, i) => `  "k${i}": "${'p'.repeat(500)}"`).join(',\n')}\n}\n`;
  const text = bigNdjson('{"keep":true, "broken": \n' + pretty + '{"after": 1, "keep":true}\n'.repeat(20_000) + '{"last": 1}');
  const path = join(dir, 'big.ndjson');
  writeFileSync(path, text);
  const size = Buffer.byteLength(text);
  assert.ok(size > 2 * 1024 * 1024, 'many more chunks (256 KiB) than lent buffers');
  // Without a size the file is read in chunks (lent to the line reader); with one this small, read whole.
  // This filter never holds a line, so only input items come out.
  const read = (source: { path: string; size?: number }, filter?: () => JsonLineFilter) => collect(readSource(source, filter ? { lineFilter: filter() } : {}) as AsyncGenerator<InputItem>);
  for (const filter of [undefined, keepFilter]) {
    const streamed = await read({ path }, filter);
    const whole = await read({ path, size }, filter);
    assert.equal(JSON.stringify(streamed), JSON.stringify(whole));
    assert.equal(problems(streamed).length, 1);
    assert.ok(docs(streamed).some((d) => (d as { long?: string }).long?.length === 700_000));
    assert.ok(docs(streamed).some((d) => d.pretty === true));
    assert.equal(docs(streamed).filter((d) => d.after === 1).length, 20_000);
  }
});

test('a lending file stream hands out its own chunks until it lends, then reuses a few buffers', async () => {
  const dir = tempDir();
  const path = join(dir, 'bytes.bin');
  const bytes = Buffer.alloc(10 * 1000 + 7, 0);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) % 251;
  writeFileSync(path, bytes);
  const file = await open(path, 'r');
  const stream = fileChunks(file, 1000);
  const it = stream[Symbol.asyncIterator]();
  const owned = [(await it.next()).value!, (await it.next()).value!];
  stream.lend(true);
  const lent: Uint8Array[] = [];
  for (let k = 0; k < 6; k++) lent.push(Buffer.from((await it.next()).value!));
  stream.lend(false);
  const rest: Uint8Array[] = [];
  for (let r = await it.next(); !r.done; r = await it.next()) rest.push(r.value);
  // Owned chunks are intact after everything else was read; the whole file came through in order.
  assert.deepEqual(Buffer.concat([...owned, ...lent, ...rest]), bytes);
  assert.equal(rest.at(-1)!.length, 7);
  assert.equal(file.fd, -1, 'closed at the end');
  // Lent chunks share their buffers, four in turn (one being read ahead), and each stays as it was through the next
  // two pulls, however long the reader takes with them (the read ahead has long finished when it is checked).
  const again = fileChunks(await open(path, 'r'), 1000);
  again.lend(true);
  const it2 = again[Symbol.asyncIterator]();
  const lentBuffers = new Set<ArrayBufferLike>();
  const pulled: Uint8Array[] = [];
  for (let k = 0; k < 8; k++) {
    const chunk = (await it2.next()).value!;
    lentBuffers.add(chunk.buffer);
    pulled.push(chunk);
    await new Promise((r) => setTimeout(r, 5));
    for (let j = Math.max(0, k - 2); j <= k; j++) {
      assert.deepEqual(Buffer.from(pulled[j]!), bytes.subarray(j * 1000, j * 1000 + 1000), `chunk ${j}, ${k - j} pull(s) later`);
    }
  }
  assert.equal(lentBuffers.size, 4);
  await it2.return!(undefined);
  assert.equal((await it2.next()).done, true);
  // Lending two (a reader that copies each chunk at once): they alternate, and a chunk is intact until the next pull.
  const two = fileChunks(await open(path, 'r'), 1000);
  two.lend(true, 2);
  const it3 = two[Symbol.asyncIterator]();
  const twoBuffers = new Set<ArrayBufferLike>();
  for (let k = 0; k < 6; k++) {
    const chunk = (await it3.next()).value!;
    twoBuffers.add(chunk.buffer);
    await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(Buffer.from(chunk), bytes.subarray(k * 1000, k * 1000 + 1000), `chunk ${k}`);
  }
  assert.equal(twoBuffers.size, 2);
  await it3.return!(undefined);
});

test('a lending file stream stopped early, or failing, leaves no read behind and closes the file', async () => {
  const dir = tempDir();
  const path = join(dir, 'bytes.bin');
  writeFileSync(path, Buffer.alloc(50_000, 7));
  const file = await open(path, 'r');
  const it = fileChunks(file, 1000)[Symbol.asyncIterator]();
  await it.next();
  await it.return!(undefined); // a read ahead is in flight: it ends before the file is closed
  assert.equal(file.fd, -1, 'closed');
  // A read that fails ahead of being asked for is reported when it is asked for, not as an unhandled rejection.
  const failing = await open(path, 'r');
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const realRead = failing.read.bind(failing);
    let reads = 0;
    (failing as { read: unknown }).read = (...args: Parameters<typeof realRead>) => (++reads === 2 ? Promise.reject(new Error('EIO: i/o error, read')) : realRead(...args));
    const it2 = fileChunks(failing, 1000)[Symbol.asyncIterator]();
    assert.equal((await it2.next()).value!.length, 1000);
    await new Promise((r) => setTimeout(r, 20)); // the second read has failed by now, unasked for
    await assert.rejects(it2.next(), /EIO/);
    assert.deepEqual(unhandled, []);
    assert.equal(failing.fd, -1, 'closed after the error');
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
