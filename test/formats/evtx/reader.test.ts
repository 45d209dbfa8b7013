// The EVTX reader on files the project writes and then damages on purpose: streaming, lazy filtering, counts,
// and every kind of damage reported as a located problem while the rest is still read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isEvtx, newEvtxStats, readEvtx, writeEvtx } from '../../../src/formats/evtx/index.js';
import { ChunkBinXml, type IrInstance, type IrNode } from '../../../src/formats/evtx/binxml.js';
import { crc32 } from '../../../src/formats/evtx/crc32.js';
import { sampleEvents } from './fixtures.js';
import { xmlShapes } from '../../../src/formats/event-xml/render.js';
import { pieces, readAll } from './helpers.js';

const CHUNK0 = 4096;
const chunkAt = (k: number) => 4096 + k * 65536;
const events = sampleEvents(400);
const file = writeEvtx(events);
const chunkCount = (file.length - 4096) / 65536;

function copy(): Buffer {
  return Buffer.from(file);
}

/** Record starts (chunk-relative) in chunk k of a buffer. */
function recordOffsets(buf: Buffer, k: number): number[] {
  const chunk = buf.subarray(chunkAt(k), chunkAt(k + 1));
  const out: number[] = [];
  for (let p = 512; p + 24 <= chunk.readUInt32LE(48) && chunk.readUInt32LE(p) === 0x2a2a; p += chunk.readUInt32LE(p + 4)) out.push(p);
  return out;
}

function recordsIn(buf: Buffer, k: number): number {
  return recordOffsets(buf, k).length;
}

test('isEvtx recognizes the signature only', () => {
  assert.equal(isEvtx(file.subarray(0, 8)), true);
  assert.equal(isEvtx(Buffer.from('ElfChnk\0')), false);
  assert.equal(isEvtx(Buffer.from('Elf')), false);
});

test('reads the same records whatever the stream piece sizes', async () => {
  const whole = await readAll(file);
  for (const size of [1, 511, 4096, 65536, 1 << 20]) {
    // One-byte pieces on the first chunk only (slow by nature, same code path).
    const input = size === 1 ? file.subarray(0, chunkAt(1)) : file;
    const items = [];
    for await (const item of readEvtx(pieces(input, size), { file: 'x.evtx' })) items.push(item);
    const expected = size === 1 ? whole.events.slice(0, recordsIn(file, 0)) : whole.events;
    assert.deepEqual(items.flatMap((i) => (i.kind === 'windows' ? [i.event] : [])), expected, `pieces of ${size}`);
  }
  assert.deepEqual(whole.events, events);
  assert.ok(chunkCount >= 2, 'several chunks');
});

test('origins name the file, member, record id and byte offset of each record', async () => {
  const items = [];
  for await (const item of readEvtx(pieces(file), { file: 'logs.zip', member: 'Security.evtx' })) items.push(item);
  const first = items[0]!;
  assert.equal(first.kind, 'windows');
  assert.deepEqual(first.origin, { file: 'logs.zip', member: 'Security.evtx', record: 100, offset: CHUNK0 + 512 });
  // Key order too (it shows in JSON output), with and without a member.
  assert.deepEqual(Object.keys(first.origin), ['file', 'member', 'record', 'offset']);
  const plain = (await readAll(file)).items[0]!;
  assert.deepEqual(Object.keys(plain.origin), ['file', 'record', 'offset']);
  const second = items[1]!;
  assert.equal(second.origin.offset, CHUNK0 + recordOffsets(file, 0)[1]!);
});

test('filter skips rejected records before decoding them, and counts them', async () => {
  const seen: [string, number][] = [];
  const stats = newEvtxStats();
  const { events: kept } = await readAll(file, {
    stats,
    filter: (provider, eventId) => {
      seen.push([provider, eventId]);
      return eventId === 13;
    },
  });
  assert.deepEqual(seen, events.map((e) => [e.system.provider, e.system.eventId]));
  assert.deepEqual(kept, events.filter((e) => e.system.eventId === 13));
  assert.equal(stats.records, kept.length);
  assert.equal(stats.skipped, events.length - kept.length);
});

test('a rejected record with undecodable values is skipped without a problem (its values were never decoded)', async () => {
  const buf = copy();
  // Retype the last substitution value of the first record (a 4698 is record 3: index 2) as nested BinXML: its
  // UTF-16 text is not a valid token stream, so decoding it fails.
  const at = recordOffsets(buf, 0)[2]!;
  const chunk = buf.subarray(chunkAt(0), chunkAt(1));
  const bx = new ChunkBinXml(chunk, 65536);
  const nodes: IrNode[] = [];
  bx.parseStream(at + 24, at + chunk.readUInt32LE(at + 4) - 4, false, 0, nodes);
  const { values } = nodes[0] as IrInstance;
  const n = values.types.length;
  chunk[values.offs[0]! - 4 * n + 4 * (n - 1) + 2] = 0x21;
  const damaged = await readAll(buf);
  assert.equal(damaged.stats.damaged, 1);
  assert.match(damaged.problems.find((p) => p.severity === 'error')!.message, /record 102 .*unexpected BinXML token/);
  const filtered = await readAll(buf, { filter: (_p, id) => id !== 4698 });
  assert.equal(filtered.stats.damaged, 0);
  assert.equal(filtered.problems.filter((p) => p.severity === 'error').length, 0);
});

test('a wrong file header checksum is a warning; every record is still read', async () => {
  const buf = copy();
  buf[124] ^= 0xff;
  const r = await readAll(buf);
  assert.equal(r.events.length, events.length);
  assert.deepEqual(r.problems.map((p) => [p.severity, p.origin.offset]), [['warning', 0]]);
  assert.match(r.problems[0]!.message, /file header checksum/);
});

test('chunk header and record data checksum mismatches are warnings naming the chunk; records are still read', async () => {
  const buf = copy();
  buf[chunkAt(0) + 20] ^= 1; // a header byte under the header CRC (last record number)
  buf[chunkAt(1) + 600] ^= 1; // a record byte under the data CRC (inside the first record's BinXML)
  const r = await readAll(buf);
  assert.equal(r.problems.length, 2);
  assert.match(r.problems[0]!.message, /chunk 0 at offset 4096: header checksum mismatch/);
  assert.equal(r.problems[0]!.origin.offset, chunkAt(0));
  assert.match(r.problems[1]!.message, /chunk 1 at offset 69632: record data checksum mismatch/);
  assert.equal(r.events.length, events.length);
});

test('no checksum warnings when the file says it keeps no CRC32', async () => {
  const buf = copy();
  buf.writeUInt32LE(0x4, 120);
  buf.writeUInt32LE(crc32(buf.subarray(0, 120)), 124);
  buf[chunkAt(0) + 20] ^= 1;
  const r = await readAll(buf);
  assert.deepEqual(r.problems, []);
});

test('a chunk with a bad signature is skipped with a warning; the chunks after it are read', async () => {
  const buf = copy();
  buf.fill(0x41, chunkAt(0), chunkAt(1));
  const r = await readAll(buf);
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0]!.message, /chunk 0 at offset 4096: bad signature, skipped/);
  assert.equal(r.stats.chunksSkipped, 1);
  assert.equal(r.events.length, events.length - recordsIn(file, 0));
  assert.deepEqual(r.events[0], events[recordsIn(file, 0)]);
});

test('a zero-filled chunk (unused) is skipped silently', async () => {
  const buf = Buffer.concat([file, Buffer.alloc(65536)]);
  const r = await readAll(buf);
  assert.deepEqual(r.problems, []);
  assert.equal(r.events.length, events.length);
});

test('a record with a nonsense size ends its chunk with an error; the next chunk is read', async () => {
  const buf = copy();
  const third = recordOffsets(buf, 0)[2]!;
  buf.writeUInt32LE(0x7fffffff, chunkAt(0) + third + 4);
  const r = await readAll(buf);
  const errors = r.problems.filter((p) => p.severity === 'error');
  assert.equal(errors.length, 1);
  assert.match(errors[0]!.message, /implausible size 2147483647; rest of chunk skipped/);
  assert.equal(errors[0]!.origin.offset, chunkAt(0) + third);
  assert.equal(r.events.length, events.length - recordsIn(file, 0) + 2);
  assert.equal(r.stats.damaged, 1);
});

test('a bad record signature ends its chunk with an error naming the offset', async () => {
  const buf = copy();
  const second = recordOffsets(buf, 1)[1]!;
  buf.writeUInt32LE(0xdeadbeef, chunkAt(1) + second);
  const r = await readAll(buf);
  const errors = r.problems.filter((p) => p.severity === 'error');
  assert.equal(errors.length, 1);
  assert.match(errors[0]!.message, new RegExp(`bad record signature at offset ${chunkAt(1) + second}`));
  assert.equal(r.events.length, events.length - recordsIn(file, 1) + 1);
});

test('a truncated file yields the records before the cut and a warning', async () => {
  const cut = chunkAt(1) + recordOffsets(file, 1)[5]! + 30; // inside the 6th record, after its header
  const r = await readAll(file.subarray(0, cut));
  assert.equal(r.events.length, recordsIn(file, 0) + 5);
  assert.ok(r.problems.some((p) => /chunk 1 at offset 69632: truncated to/.test(p.message)), 'truncation warning');
  assert.ok(r.problems.some((p) => p.severity === 'error' && /implausible size/.test(p.message)), 'cut record reported');
});

test('a file truncated inside the file header or chunk header is read without a crash', async () => {
  for (const cut of [8, 100, 4095, 4096 + 100, 4096 + 511]) {
    const r = await readAll(file.subarray(0, cut));
    assert.equal(r.events.length, 0, `cut at ${cut}`);
    assert.ok(r.problems.length >= 1, `cut at ${cut} reports something`);
    assert.equal(r.stats.unreadable, 0);
  }
});

test('a file header without chunks is an empty log, read without problems', async () => {
  const r = await readAll(file.subarray(0, 4096));
  assert.deepEqual(r.items, []);
});

test('input that is not EVTX, or empty, is unreadable: one error, counted', async () => {
  for (const input of [Buffer.from('{"not":"evtx"}\n'), Buffer.alloc(0), Buffer.from('Elf')]) {
    const r = await readAll(input);
    assert.equal(r.events.length, 0);
    assert.equal(r.problems.length, 1);
    assert.equal(r.problems[0]!.severity, 'error');
    assert.equal(r.stats.unreadable, 1);
  }
});

test('a stream that fails mid-way ends the file with a located error, not an exception', async () => {
  async function* failing(): AsyncGenerator<Uint8Array> {
    yield file.subarray(0, chunkAt(1));
    throw new Error('EIO: i/o error');
  }
  const items = [];
  for await (const item of readEvtx(failing(), { file: 'disk.evtx' })) items.push(item);
  const last = items[items.length - 1]!;
  assert.equal(last.kind, 'problem');
  assert.match((last as { message: string }).message, /read error: EIO/);
  assert.equal(items.filter((i) => i.kind === 'windows').length, recordsIn(file, 0));
});

// ---- hand-built BinXML: what the writer never produces

/** A one-chunk file whose only record holds this BinXML (header fields and CRCs valid). */
function fileWithRecord(binxml: Buffer): Buffer {
  const chunk = Buffer.alloc(65536);
  chunk.write('ElfChnk\0', 0, 'latin1');
  const size = 24 + binxml.length + 4;
  const rec = 512;
  chunk.writeUInt32LE(0x2a2a, rec);
  chunk.writeUInt32LE(size, rec + 4);
  chunk.writeBigUInt64LE(7n, rec + 8);
  binxml.copy(chunk, rec + 24);
  chunk.writeUInt32LE(size, rec + size - 4);
  chunk.writeUInt32LE(128, 40);
  chunk.writeUInt32LE(rec, 44);
  chunk.writeUInt32LE(rec + size, 48);
  chunk.writeUInt32LE(crc32(chunk.subarray(512, rec + size)), 52);
  chunk.writeUInt32LE(crc32(Buffer.concat([chunk.subarray(0, 120), chunk.subarray(128, 512)])), 124);
  const head = Buffer.alloc(4096);
  head.write('ElfFile\0', 0, 'latin1');
  head.writeUInt32LE(crc32(head.subarray(0, 120)), 124);
  return Buffer.concat([head, chunk]);
}

/** Direct (template-less) BinXML: `depth` nested <a> elements, names inline once then referenced. */
function nested(depth: number): Buffer {
  const parts: number[] = [0x0f, 0x01, 0x01, 0x00];
  const u32 = (v: number) => parts.push(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff);
  let nameAt = -1;
  for (let i = 0; i < depth; i++) {
    parts.push(0x01);
    u32(0); // element size (not trusted)
    const here = 512 + 24 + parts.length; // chunk offset of the name-offset field
    if (nameAt < 0) {
      nameAt = here + 4;
      u32(nameAt);
      u32(0);
      parts.push(0x61, 0x00, 0x01, 0x00, 0x61, 0x00, 0x00, 0x00); // hash, count 1, "a", NUL
    } else {
      u32(nameAt);
    }
    parts.push(0x02);
  }
  for (let i = 0; i < depth; i++) parts.push(0x04);
  parts.push(0x00);
  return Buffer.from(parts);
}

test('deeply nested elements fail that record with a clear error, not the stack', async () => {
  const ok = await readAll(fileWithRecord(nested(50)));
  assert.deepEqual(ok.problems, []);
  assert.equal(ok.events.length, 1); // an element tree without <Event>: read as what it is
  const deep = await readAll(fileWithRecord(nested(5000)));
  assert.equal(deep.events.length, 0);
  assert.equal(deep.problems.length, 1);
  assert.match(deep.problems[0]!.message, /record 7 at offset 4608: elements nested too deep/);
});

test('a template instance pointing outside the chunk fails only that record', async () => {
  const bin = Buffer.from([0x0f, 0x01, 0x01, 0x00, 0x0c, 0x01, 0, 0, 0, 0, 0xf0, 0xff, 0x00, 0x00, 0, 0, 0, 0, 0x00]);
  const r = await readAll(fileWithRecord(bin));
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0]!.message, /record 7 at offset 4608: .*template at chunk offset 65520/);
});

test('a record with no data is reported, not turned into an empty event', async () => {
  const r = await readAll(fileWithRecord(Buffer.alloc(0)));
  assert.equal(r.events.length, 0);
  assert.match(r.problems[0]!.message, /record 7 at offset 4608: no event data/);
});

/** A record holding one template instance (definition inline) whose innermost element (of `path`) cites value 0 `refs` times. */
function citing(refs: number, value: string, path = ['a']): Buffer {
  const bytes: number[] = [];
  const u8 = (...v: number[]) => bytes.push(...v);
  const u16 = (v: number) => u8(v & 0xff, v >> 8);
  const u32 = (v: number) => u8(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff);
  const at = () => 512 + 24 + bytes.length; // chunk offset of the next byte
  u8(0x0f, 0x01, 0x01, 0x00, 0x0c, 0x01);
  u32(0);
  u32(at() + 4); // definition right here (inline)
  u32(0);
  for (let i = 0; i < 16; i++) u8(0);
  const sizeAt = bytes.length;
  u32(0);
  const start = bytes.length;
  u8(0x0f, 0x01, 0x01, 0x00);
  for (const name of path) {
    u8(0x01);
    u16(0xffff);
    u32(0);
    u32(at() + 4);
    u32(0);
    u16(0);
    u16(name.length);
    for (const c of Buffer.from(name, 'utf16le')) u8(c);
    u16(0);
    u8(0x02);
  }
  for (let i = 0; i < refs; i++) {
    u8(0x0d);
    u16(0);
    u8(0x01);
  }
  for (const _ of path) u8(0x04);
  u8(0x00);
  const size = bytes.length - start;
  bytes.splice(sizeAt, 4, size & 0xff, (size >> 8) & 0xff, 0, 0);
  u32(1);
  u16(value.length * 2);
  u8(0x01, 0x00);
  for (const b of Buffer.from(value, 'utf16le')) u8(b);
  u8(0x00);
  return Buffer.from(bytes);
}

test('a template citing one large value many times is refused, not expanded without bound', async () => {
  const small = await readAll(fileWithRecord(citing(3, 'abc')));
  assert.deepEqual(small.problems, []);
  assert.equal(small.events.length, 1);
  const huge = await readAll(fileWithRecord(citing(400, 'x'.repeat(30000))));
  assert.equal(huge.events.length, 0);
  assert.match(huge.problems[0]!.message, /record 7 at offset 4608: record expands to too much text/);
  // The same inside <Event><System><Channel>, which the compiled fast path reads.
  const system = await readAll(fileWithRecord(citing(3, 'abc', ['Event', 'System', 'Channel'])));
  assert.deepEqual(system.problems, []);
  assert.equal(system.events[0]!.system.channel, 'abcabcabc');
  const hugeSystem = await readAll(fileWithRecord(citing(400, 'x'.repeat(30000), ['Event', 'System', 'Channel'])));
  assert.equal(hugeSystem.events.length, 0);
  assert.match(hugeSystem.problems[0]!.message, /record expands to too much text/);
});

// ---- template-less records (as some forwarders write them): every content token kind

type Content = string | { cdata: string } | { charRef: number } | { entity: string } | Elem;
interface Elem {
  name: string;
  attrs?: [string, string][];
  content?: Content[];
}

/** Direct BinXML for an element tree: names inline at each use, as the inline rule allows. */
function direct(root: Elem): Buffer {
  const b: number[] = [0x0f, 0x01, 0x01, 0x00];
  const u16 = (v: number) => b.push(v & 0xff, v >> 8);
  const u32 = (v: number) => b.push(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff);
  const chars = (s: string) => {
    for (const c of Buffer.from(s, 'utf16le')) b.push(c);
  };
  const name = (n: string) => {
    u32(512 + 24 + b.length + 4);
    u32(0);
    u16(0);
    u16(n.length);
    chars(n);
    u16(0);
  };
  const text = (s: string) => {
    b.push(0x05, 0x01);
    u16(s.length);
    chars(s);
  };
  const el = (e: Elem) => {
    b.push(e.attrs?.length ? 0x41 : 0x01);
    u32(0);
    name(e.name);
    if (e.attrs?.length) {
      u32(0);
      for (const [k, v] of e.attrs) {
        b.push(0x06);
        name(k);
        text(v);
      }
    }
    if (!e.content?.length) return void b.push(0x03);
    b.push(0x02);
    for (const c of e.content) {
      if (typeof c === 'string') text(c);
      else if ('cdata' in c) {
        b.push(0x07);
        u16(c.cdata.length);
        chars(c.cdata);
      } else if ('charRef' in c) {
        b.push(0x08);
        u16(c.charRef);
      } else if ('entity' in c) {
        b.push(0x09);
        name(c.entity);
      } else el(c);
    }
    b.push(0x04);
  };
  el(root);
  b.push(0x00);
  return Buffer.from(b);
}

test('template-less records: attribute text, CDATA, character and entity references', async () => {
  const record: Elem = {
    name: 'Event',
    attrs: [['xmlns', 'http://schemas.microsoft.com/win/2004/08/events/event']],
    content: [
      {
        name: 'System',
        content: [
          { name: 'Provider', attrs: [['Name', 'Forwarder Test']] },
          { name: 'EventID', attrs: [['Qualifiers', '16384']], content: ['1'] },
          { name: 'TimeCreated', attrs: [['SystemTime', '2021-11-19T16:52:33.8337335Z']] },
          { name: 'Channel', content: ['Application'] },
          { name: 'Computer', content: ['wec.example'] },
        ],
      },
      { name: 'EventData', content: [{ name: 'Data', content: ['first'] }, { name: 'Data', content: ['a', { entity: 'amp' }, 'b', { charRef: 0x41 }] }] },
      { name: 'UserData', content: [{ name: 'Payload', attrs: [['kind', 'x<y']], content: [{ cdata: '<raw & text>' }, { entity: 'lt' }, { entity: 'custom' }] }] },
    ],
  };
  const r = await readAll(fileWithRecord(direct(record)));
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.events, [
    {
      system: { provider: 'Forwarder Test', eventId: 1, qualifiers: 16384, timeCreated: '2021-11-19T16:52:33.8337335Z', channel: 'Application', computer: 'wec.example', recordId: 7 },
      eventData: { param1: 'first', param2: 'a&bA' },
      userData: { name: 'Payload', attrs: { kind: 'x<y' }, children: [], text: '<raw & text><&custom;' },
    },
  ]);
});

test('ProcessingErrorData is kept as a tree', async () => {
  const event = sampleEvents(1)[0]!;
  delete event.eventData;
  event.processingError = {
    name: 'ProcessingErrorData', attrs: {}, text: '',
    children: [
      { name: 'ErrorCode', attrs: {}, children: [], text: '15005' },
      { name: 'DataItemName', attrs: {}, children: [], text: 'Details' },
      { name: 'EventPayload', attrs: {}, children: [], text: '0102AB' },
    ],
  };
  const r = await readAll(writeEvtx([event]));
  assert.deepEqual(r.events, [event]);
});

test('EventData names the plan assigns directly and those it leaves to addNamed read as the element tree reads them', async () => {
  const base = sampleEvents(1)[0]!;
  const tricky: Record<string, string | null>[] = [
    { Image: 'a.exe', CommandLine: 'a.exe /x', User: null }, // plain names
    { param1: 'p', Other: 'o' }, // plain, with a positional-looking name
    { constructor: 'c', toString: 't', Fine: 'f' }, // names Object.prototype has: addNamed's path
  ];
  const written = writeEvtx(tricky.map((eventData, i) => ({ ...base, system: { ...base.system, recordId: i + 1 }, eventData })));
  const plan = await readAll(written);
  const generic = await readAll(written, { generic: true });
  assert.equal(plan.events.length, tricky.length);
  assert.deepEqual(plan.items, generic.items);
  const shapes = (r: typeof plan) => r.events.map((e) => xmlShapes.get(e) ?? null);
  assert.deepEqual(shapes(plan), shapes(generic));
});
