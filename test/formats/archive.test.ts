import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readSource } from '../../src/formats/index.js';
import { parseEventXml } from '../../src/formats/event-xml/parse.js';
import { writeEvtx } from '../../src/formats/evtx/index.js';
import { openZip } from '../../src/formats/archive/zip.js';
import type { InputItem, WinEvent } from '../../src/formats/types.js';
import { writeZip } from './helpers/zip-writer.js';
import { chunked, collect, docs, events, problems, readFileItems, removeTempDirs, tempDir } from './helpers/read.js';

after(removeTempDirs);

const ndjson = (from: number, to: number): string => {
  const lines: string[] = [];
  for (let i = from; i < to; i++) lines.push(JSON.stringify({ n: i, 'host.name': 'h' }));
  return `${lines.join('\n')}\n`;
};
const ns = (items: InputItem[]): unknown[] => docs(items).map((d) => d.n);

const xmlEvent = (id: number, record: number): string =>
  `<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Sysmon' Guid='{5770385f-c22a-43e0-bf4c-06f5698ffbd9}'/><EventID>${id}</EventID><Version>2</Version><Level>4</Level><Task>${id}</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime='2020-12-19T12:00:22.2470000Z'/><EventRecordID>${record}</EventRecordID><Correlation/><Execution ProcessID='3000' ThreadID='4012'/><Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>WORKSTATION6.theshire.local</Computer><Security UserID='S-1-5-18'/></System><EventData><Data Name='EventType'>SetValue</Data><Data Name='TargetObject'>HKLM\\SOFTWARE\\x\\Actions</Data></EventData></Event>`;

test('gzip of NDJSON, and multi-member gzip (cat a.gz b.gz)', async () => {
  const dir = tempDir();
  const one = await readFileItems(dir, 'a.json.gz', gzipSync(ndjson(0, 500)));
  assert.deepEqual(ns(one), Array.from({ length: 500 }, (_, i) => i));
  assert.deepEqual(one[499]!.origin, { file: join(dir, 'a.json.gz'), line: 500 });
  const two = await readFileItems(dir, 'ab.gz', Buffer.concat([gzipSync(ndjson(0, 3)), gzipSync(ndjson(3, 6))]));
  assert.deepEqual(ns(two), [0, 1, 2, 3, 4, 5]);
});

test('truncated gzip: what was readable is read, then a located error', async () => {
  const gz = gzipSync(ndjson(0, 2000));
  const items = await readFileItems(tempDir(), 'cut.json.gz', gz.subarray(0, Math.floor(gz.length * 0.6)));
  const p = problems(items);
  assert.equal(p.length, 1);
  assert.equal(p[0]!.severity, 'error');
  assert.match(p[0]!.message, /unexpected end of file/);
  assert.ok(docs(items).length > 100, 'documents before the damage are read');
});

test('zip with several members, each read by content; non-inputs skipped with notes', async () => {
  const evtxEvents = events(parseEventXml(xmlEvent(13, 7) + xmlEvent(3, 8))).map((e) => e.event);
  const zip = writeZip([
    { name: 'logs/', data: '' , method: 0 },
    { name: 'logs/a.json', data: ndjson(0, 3) },
    { name: '__MACOSX/logs/._a.json', data: Buffer.from([0, 5, 22, 7, 0, 2, 0, 0]) },
    { name: 'logs/b.xml', data: `<Events>\n${xmlEvent(13, 1)}\n</Events>`, method: 0 },
    { name: 'logs/c.json.gz', data: gzipSync(ndjson(10, 12)) },
    { name: 'logs/d.evtx', data: writeEvtx(evtxEvents) },
    { name: 'README.txt', data: 'collected on 2020-12-19' },
    { name: 'logs/empty.json', data: '' },
  ]);
  const dir = tempDir();
  const items = await readFileItems(dir, 'bundle.zip', zip);
  const file = join(dir, 'bundle.zip');
  assert.deepEqual(ns(items), [0, 1, 2, 10, 11]);
  assert.deepEqual(items.find((i) => i.kind === 'document')!.origin, { file, member: 'logs/a.json', line: 1 });
  const win = events(items);
  assert.deepEqual(win.map((w) => [w.origin.member, w.event.system.eventId]), [['logs/b.xml', 13], ['logs/d.evtx', 13], ['logs/d.evtx', 3]]);
  assert.deepEqual(win[0]!.origin, { file, member: 'logs/b.xml', line: 2, record: 1 });
  const p = problems(items);
  assert.deepEqual(p.map((x) => [x.severity, x.origin.member]), [
    ['note', 'logs/'],
    ['note', '__MACOSX/logs/._a.json'],
    ['note', 'README.txt'],
    ['note', 'logs/empty.json'],
  ]);
  assert.match(p[1]!.message, /resource fork/);
  assert.match(p[2]!.message, /not an input/);
});

test('zip from stdin, zip inside gzip, zip64 with data descriptors: same documents', async () => {
  const members = [{ name: 'x.json', data: ndjson(0, 50) }, { name: 'y.json', data: ndjson(50, 60), method: 0 }];
  const plain = writeZip(members);
  const expected = Array.from({ length: 60 }, (_, i) => i);
  const fromStdin = await collect(readSource({ path: '-' }, { stdin: chunked(plain, 1000) }));
  assert.deepEqual(ns(fromStdin), expected);
  assert.equal(fromStdin[0]!.origin.file, '-');
  assert.equal(fromStdin[0]!.origin.member, 'x.json');
  const dir = tempDir();
  assert.deepEqual(ns(await readFileItems(dir, 'z.zip.gz', gzipSync(plain))), expected);
  const z64 = writeZip(members, { zip64: true, dataDescriptor: true });
  const items = await readFileItems(dir, 'z64.zip', z64);
  assert.deepEqual(ns(items), expected);
  assert.equal(problems(items).length, 0);
});

test('zip with bytes prepended (self-extractor): offsets corrected, members listed and read', async () => {
  const dir = tempDir();
  for (const zip64 of [false, true]) {
    const path = join(dir, `sfx-${zip64}.zip`);
    writeFileSync(path, writeZip([{ name: 'x.json', data: ndjson(0, 5) }], { zip64, prefix: Buffer.from('#!/bin/sh\nexit 0\n') }));
    const zip = await openZip(path);
    try {
      assert.deepEqual(zip.entries.map((e) => [e.name, e.size]), [['x.json', ndjson(0, 5).length]]);
      const { stream, check } = zip.openEntry(zip.entries[0]!);
      const chunks: Uint8Array[] = [];
      for await (const c of stream) chunks.push(c);
      assert.equal(Buffer.concat(chunks).toString(), ndjson(0, 5));
      assert.equal(check(), undefined);
    } finally {
      await zip.close();
    }
  }
});

test('damaged members: CRC mismatch warns, bad deflate data and unsupported methods are errors; other members still read', async () => {
  const good = { name: 'good.json', data: ndjson(0, 2) };
  const zip = writeZip([
    { name: 'crc.json', data: ndjson(100, 102), crc: 0x12345678 },
    { name: 'bzip2.json', data: ndjson(0, 1), method: 12 },
    { name: 'secret.json', data: ndjson(0, 1), encrypted: true },
    { name: 'corrupt.json', data: ndjson(200, 300) },
    good,
  ]);
  // Damage the deflate stream of corrupt.json (its bytes follow its local header).
  const at = zip.indexOf(Buffer.from('corrupt.json')) + 'corrupt.json'.length;
  for (let i = at + 5; i < at + 40; i++) zip[i] = 0xff;
  const items = await readFileItems(tempDir(), 'damaged.zip', zip);
  const p = problems(items);
  const by = Object.fromEntries(p.map((x) => [x.origin.member, x]));
  assert.equal(by['crc.json']!.severity, 'warning');
  assert.match(by['crc.json']!.message, /CRC mismatch/);
  assert.match(by['bzip2.json']!.message, /compression method 12 not supported/);
  assert.match(by['secret.json']!.message, /encrypted/);
  assert.equal(by['corrupt.json']!.severity, 'error');
  assert.match(by['corrupt.json']!.message, /invalid|incorrect|unexpected/i);
  assert.ok(ns(items).includes(100) && ns(items).includes(101), 'data with a bad CRC is still read');
  assert.deepEqual(docs(items).filter((_, i) => items.filter((x) => x.kind === 'document')[i]!.origin.member === 'good.json').map((d) => d.n), [0, 1]);
});

test('a truncated zip (no central directory): members found from local headers, the cut one read up to the cut', async () => {
  const zip = writeZip([{ name: 'a.json', data: ndjson(0, 100) }, { name: 'b.json', data: ndjson(100, 3000), method: 0 }]);
  const cutAt = zip.indexOf(Buffer.from('{"n":2000,'));
  const items = await readFileItems(tempDir(), 'cut.zip', zip.subarray(0, cutAt + 5));
  const p = problems(items);
  assert.deepEqual(p.map((x) => [x.severity, x.origin.member ?? null]), [['warning', null], ['error', 'b.json']]);
  assert.match(p[0]!.message, /found by scanning local headers/);
  assert.match(p[1]!.message, /cut short/);
  assert.deepEqual(ns(items), Array.from({ length: 2000 }, (_, i) => i), 'every whole record before the cut');
});

test('a truncated zip whose deflated member is cut mid-stream: what inflated is read, then an error naming the member', async () => {
  const zip = writeZip([{ name: 'a.json', data: ndjson(0, 100) }, { name: 'b.json', data: ndjson(100, 5000) }]);
  const items = await readFileItems(tempDir(), 'cut-deflate.zip', zip.subarray(0, Math.floor(zip.length * 0.6)));
  const p = problems(items);
  assert.deepEqual(p.map((x) => [x.severity, x.origin.member ?? null]), [['warning', null], ['error', 'b.json']]);
  assert.match(p[0]!.message, /found by scanning local headers/);
  assert.match(p[1]!.message, /data of b\.json is cut short at the end of the archive.*\d+ bytes decoded/);
  const n = ns(items);
  assert.ok(n.length > 1000, `records inflated before the cut are read (got ${n.length})`);
  assert.deepEqual(n, Array.from({ length: n.length }, (_, i) => i), 'in order, none lost before the cut');
});

test('a truncated streamed zip (sizes in data descriptors): the deflated member is inflated until the data ends', async () => {
  const zip = writeZip([{ name: 'a.json', data: ndjson(0, 5000) }, { name: 'b.json', data: ndjson(5000, 5100) }], { dataDescriptor: true });
  const dir = tempDir();
  const cut = await readFileItems(dir, 'cut-streamed.zip', zip.subarray(0, Math.floor(zip.length * 0.6)));
  assert.deepEqual(problems(cut).map((x) => [x.severity, x.origin.member ?? null]), [['warning', null], ['error', 'a.json']]);
  assert.match(problems(cut)[1]!.message, /data of a\.json is cut short at the end of the archive/);
  const n = ns(cut);
  assert.ok(n.length > 1000, `records inflated before the cut are read (got ${n.length})`);
  assert.deepEqual(n, Array.from({ length: n.length }, (_, i) => i));
  // Only the directory lost: the first member is read whole (where the next starts is unknown), with no error.
  const noDirectory = await readFileItems(dir, 'no-directory.zip', zip.subarray(0, zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]))));
  assert.deepEqual(problems(noDirectory).map((x) => x.severity), ['warning']);
  assert.deepEqual(ns(noDirectory), Array.from({ length: 5000 }, (_, i) => i));
});

test('a garbled zip: one error when nothing is readable, local headers used when only the directory is damaged', async () => {
  const zip = writeZip([{ name: 'a.json', data: ndjson(0, 100) }]);
  const dir = tempDir();
  const headerOnly = await readFileItems(dir, 'header-only.zip', zip.subarray(0, 4));
  assert.equal(headerOnly.length, 1);
  assert.equal(problems(headerOnly)[0]!.severity, 'error');
  assert.match(problems(headerOnly)[0]!.message, /zip: .*end of central directory not found/);
  assert.equal(headerOnly[0]!.origin.file, join(dir, 'header-only.zip'));
  const damagedDirectory = Buffer.concat([zip.subarray(0, zip.length - 22 - 10), Buffer.alloc(10, 0xee), zip.subarray(zip.length - 22)]);
  const items = await readFileItems(dir, 'bad-cd.zip', damagedDirectory);
  assert.deepEqual(problems(items).map((p) => p.severity), ['warning']);
  assert.match(problems(items)[0]!.message, /central directory entry 1 of 1 is damaged.*scanning local headers/);
  assert.deepEqual(ns(items), Array.from({ length: 100 }, (_, i) => i));
});

test('EVTX in zip and in gzip: records read back as written (delegated to the EVTX reader)', async () => {
  const written: WinEvent[] = events(parseEventXml(xmlEvent(13, 41) + xmlEvent(13, 42) + xmlEvent(3, 43))).map((e) => e.event);
  const dir = tempDir();
  writeFileSync(join(dir, 'raw.evtx'), writeEvtx(written));
  const direct = events(await collect(readSource({ path: join(dir, 'raw.evtx') })));
  const zipped = events(await readFileItems(dir, 'e.zip', writeZip([{ name: 'Sysmon.evtx', data: writeEvtx(written) }])));
  assert.deepEqual(zipped.map((e) => e.event), direct.map((e) => e.event));
  assert.deepEqual(direct.map((e) => [e.event.system.recordId, e.event.system.eventId, e.event.eventData?.TargetObject]), [
    [41, 13, 'HKLM\\SOFTWARE\\x\\Actions'],
    [42, 13, 'HKLM\\SOFTWARE\\x\\Actions'],
    [43, 3, 'HKLM\\SOFTWARE\\x\\Actions'],
  ]);
  assert.ok(zipped.every((e) => e.origin.member === 'Sysmon.evtx'));
  const gzipped = events(await readFileItems(dir, 'Sysmon.evtx.gz', gzipSync(writeEvtx(written))));
  assert.deepEqual(gzipped.map((e) => e.event), direct.map((e) => e.event));
});
