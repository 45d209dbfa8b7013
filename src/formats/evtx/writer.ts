// EVTX writer: WinEvents in, a valid EVTX file out (file header, 64 KiB chunks with CRCs, records whose BinXML is a
// template instance). One template per event shape and chunk, written inline at its first use as Windows does;
// optional System fields are optional substitutions, so absent ones vanish on reading (NULL value).
import { open } from 'node:fs/promises';
import type { DataValue, WinEvent, XmlElement } from '../types.js';
import { crc32, crc32Parts } from './crc32.js';
import {
  CHUNK_HEADER_SIZE, CHUNK_SIGNATURE, CHUNK_SIZE, ChunkHeader, FILE_HEADER_SIZE, FILE_SIGNATURE, FileHeader,
  RECORD_SIGNATURE,
} from './layout.js';
import { VT, scalarText } from './values.js';

const EVENT_NS = 'http://schemas.microsoft.com/win/2004/08/events/event';

/** A typed value ready to write: its BinXML type and bytes. */
interface Val {
  type: number;
  bytes: Buffer;
}

/** A template node: element with attributes and content; content/attribute values are substitution slots. */
interface TNode {
  name: string;
  attrs: [string, Slot | string][];
  content: (TNode | Slot | string)[];
}
interface Slot {
  slot: number;
  optional: boolean;
}

class Overflow extends Error {}

/** Records end at least 8 bytes before the chunk end: libevtx drops a record that ends exactly at 65536. */
const RECORDS_END = CHUNK_SIZE - 8;

// ---- typed value encoders (each used only when rendering the bytes gives back exactly the text)

function str(text: string): Val {
  return { type: VT.String, bytes: Buffer.from(text, 'utf16le') };
}
const NULL: Val = { type: VT.Null, bytes: Buffer.alloc(0) };

function exact(v: Val, text: string): Val {
  return scalarText(v.bytes, v.type, 0, v.bytes.length) === text ? v : str(text);
}

function uint(n: number, max: number): Val {
  if (n <= 0xff && max <= 0xff) return { type: VT.UInt8, bytes: Buffer.from([n]) };
  if (n <= 0xffff && max <= 0xffff) {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(n);
    return { type: VT.UInt16, bytes: b };
  }
  if (n <= 0xffffffff) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return { type: VT.UInt32, bytes: b };
  }
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return { type: VT.UInt64, bytes: b };
}

function num(n: number | undefined, max: number): Val {
  if (n === undefined) return NULL;
  if (!Number.isSafeInteger(n) || n < 0) return str(String(n));
  return uint(n, max);
}

function hexInt64(text: string | undefined): Val {
  if (text === undefined) return NULL;
  if (!/^0x[0-9a-fA-F]{1,16}$/.test(text)) return str(text);
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(text));
  return exact({ type: VT.HexInt64, bytes: b }, text);
}

function guid(text: string | undefined): Val {
  if (text === undefined) return NULL;
  const m = /^\{([0-9A-F]{8})-([0-9A-F]{4})-([0-9A-F]{4})-([0-9A-F]{4})-([0-9A-F]{12})\}$/.exec(text);
  if (!m) return str(text);
  const b = Buffer.alloc(16);
  b.writeUInt32LE(parseInt(m[1]!, 16), 0);
  b.writeUInt16LE(parseInt(m[2]!, 16), 4);
  b.writeUInt16LE(parseInt(m[3]!, 16), 6);
  Buffer.from(m[4]! + m[5]!, 'hex').copy(b, 8);
  return exact({ type: VT.Guid, bytes: b }, text);
}

function sid(text: string | undefined): Val {
  if (text === undefined) return NULL;
  const m = /^S-(\d+)-(\d+)((?:-\d+)*)$/.exec(text);
  if (!m) return str(text);
  const subs = m[3] ? m[3].slice(1).split('-').map(Number) : [];
  const rev = Number(m[1]);
  const auth = Number(m[2]);
  if (rev > 255 || auth > 0xffffffffffff || subs.length > 15 || subs.some((s) => s > 0xffffffff)) return str(text);
  const b = Buffer.alloc(8 + 4 * subs.length);
  b[0] = rev;
  b[1] = subs.length;
  b.writeUIntBE(auth, 2, 6);
  subs.forEach((s, i) => b.writeUInt32LE(s, 8 + 4 * i));
  return exact({ type: VT.Sid, bytes: b }, text);
}

const EPOCH_TICKS = 116444736000000000n;

function fileTimeTicks(text: string): bigint | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,7}))?Z$/.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(m[1] + 'Z');
  if (!Number.isFinite(ms)) return undefined;
  return BigInt(ms) * 10000n + BigInt((m[2] ?? '').padEnd(7, '0')) + EPOCH_TICKS;
}

/** TimeCreated as FILETIME when it has the reader's 7-digit form (so it reads back identically), else as text. */
function systemTime(text: string): Val {
  const ticks = /\.\d{7}Z$/.test(text) ? fileTimeTicks(text) : undefined;
  if (ticks === undefined || ticks < 0n) return str(text);
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(ticks);
  const rendered = scalarText(b, VT.FileTime, 0, 8);
  return rendered.slice(0, 27) + 'Z' === text ? { type: VT.FileTime, bytes: b } : str(text);
}

function dataVal(v: DataValue): Val {
  if (v === null) return NULL;
  if (Array.isArray(v)) {
    // NUL-terminated items, as Windows writes string arrays.
    return { type: VT.String | VT.ArrayFlag, bytes: Buffer.from(v.map((s) => s + '\0').join(''), 'utf16le') };
  }
  return str(v);
}

// ---- event → template tree + values

class Shape {
  values: Val[] = [];
  slot(v: Val, optional = false): Slot {
    this.values.push(v);
    return { slot: this.values.length - 1, optional };
  }
  opt(v: Val): Slot {
    return this.slot(v, true);
  }
}

function el(name: string, attrs: TNode['attrs'] = [], content: TNode['content'] = []): TNode {
  return { name, attrs, content };
}

function treeNode(s: Shape, x: XmlElement): TNode {
  const content: TNode['content'] = [];
  if (x.text !== '') content.push(s.slot(str(x.text)));
  for (const c of x.children) content.push(treeNode(s, c));
  return el(x.name, Object.entries(x.attrs).map(([k, v]) => [k, s.slot(str(v))]), content);
}

function eventTree(ev: WinEvent, recordId: number): { root: TNode; values: Val[] } {
  const s = new Shape();
  const y = ev.system;
  const system = el('System', [], [
    el('Provider', [['Name', s.opt(str(y.provider))], ['Guid', s.opt(guid(y.providerGuid))], ['EventSourceName', s.opt(y.eventSourceName === undefined ? NULL : str(y.eventSourceName))]]),
    el('EventID', [['Qualifiers', s.opt(num(y.qualifiers, 0xffff))]], [s.slot(num(y.eventId, 0xffff))]),
    el('Version', [], [s.opt(num(y.version, 0xff))]),
    el('Level', [], [s.opt(num(y.level, 0xff))]),
    el('Task', [], [s.opt(num(y.task, 0xffff))]),
    el('Opcode', [], [s.opt(num(y.opcode, 0xff))]),
    el('Keywords', [], [s.opt(hexInt64(y.keywords))]),
    el('TimeCreated', [['SystemTime', s.opt(systemTime(y.timeCreated))]]),
    el('EventRecordID', [], [s.opt(num(y.recordId ?? recordId, 2 ** 53))]),
    el('Correlation', [['ActivityID', s.opt(guid(y.activityId))], ['RelatedActivityID', s.opt(guid(y.relatedActivityId))]]),
    el('Execution', [['ProcessID', s.opt(num(y.processId, 0xffffffff))], ['ThreadID', s.opt(num(y.threadId, 0xffffffff))]]),
    el('Channel', [], [s.slot(str(y.channel))]),
    el('Computer', [], [s.slot(str(y.computer))]),
    el('Security', [['UserID', s.opt(sid(y.userId))]]),
  ]);
  const children: TNode[] = [system];
  if (ev.eventData) {
    const data: TNode[] = [];
    for (const [k, v] of Object.entries(ev.eventData)) {
      if (k === 'Binary' && typeof v === 'string') data.push(el('Binary', [], [s.slot(str(v))]));
      // NULL as an optional substitution: libevtx cannot substitute NULL into a normal one.
      else data.push(el('Data', [['Name', k]], [v === null ? s.opt(NULL) : s.slot(dataVal(v))]));
    }
    children.push(el('EventData', [], data));
  }
  if (ev.userData) children.push(el('UserData', [], [treeNode(s, ev.userData)]));
  if (ev.processingError) children.push(treeNode(s, ev.processingError));
  if (ev.rendering) {
    const r = ev.rendering;
    const parts: TNode[] = [];
    const text = (name: string, v: string | undefined) => {
      if (v !== undefined) parts.push(el(name, [], [s.slot(str(v))]));
    };
    text('Message', r.message);
    text('Level', r.level);
    text('Task', r.task);
    text('Opcode', r.opcode);
    text('Channel', r.channel);
    text('Provider', r.provider);
    if (r.keywords) parts.push(el('Keywords', [], r.keywords.map((k) => el('Keyword', [], [s.slot(str(k))]))));
    children.push(el('RenderingInfo', r.culture === undefined ? [] : [['Culture', s.slot(str(r.culture))]], parts));
  }
  return { root: el('Event', [['xmlns', EVENT_NS]], children), values: s.values };
}

/** The template's identity: its structure and the value types in its substitution tokens. */
function shapeKey(node: TNode, values: Val[]): string {
  const part = (p: TNode | Slot | string): string =>
    typeof p === 'string' ? JSON.stringify(p) : 'slot' in p ? `${p.optional ? '?' : '%'}${values[p.slot]!.type}` : shapeKey(p, values);
  return `<${node.name}${node.attrs.map(([k, v]) => ` ${k}=${part(v)}`).join('')}>${node.content.map(part).join('')}</>`;
}

// ---- chunk encoding

function nameHash(name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (Math.imul(h, 65599) + name.charCodeAt(i)) >>> 0;
  return h & 0xffff;
}

class ChunkWriter {
  readonly buf = Buffer.alloc(CHUNK_SIZE);
  pos = CHUNK_HEADER_SIZE;
  names = new Map<string, number>();
  templates = new Map<string, number>();
  firstId = 0;
  lastId = 0;
  lastRecordOffset = 0;
  records = 0;

  private need(n: number): void {
    if (this.pos + n > RECORDS_END) throw new Overflow();
  }
  u8(v: number): void {
    this.need(1);
    this.buf[this.pos++] = v;
  }
  u16(v: number): void {
    this.need(2);
    this.buf.writeUInt16LE(v, this.pos);
    this.pos += 2;
  }
  u32(v: number): void {
    this.need(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }
  bytes(b: Uint8Array): void {
    this.need(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  utf16(s: string): void {
    this.need(2 * s.length);
    this.pos += this.buf.write(s, this.pos, 'utf16le');
  }

  /** A name reference: inline (offset = right after the field) at the first use in the chunk, else its offset. */
  name(name: string, added: string[]): void {
    const known = this.names.get(name);
    if (known !== undefined) return this.u32(known);
    const at = this.pos + 4;
    this.u32(at);
    this.u32(0);
    this.u16(nameHash(name));
    this.u16(name.length);
    this.utf16(name);
    this.u16(0);
    this.names.set(name, at);
    added.push(name);
  }

  private patch32(at: number, v: number): void {
    this.buf.writeUInt32LE(v >>> 0, at);
  }

  private value(p: Slot | string, values: Val[]): void {
    if (typeof p === 'string') {
      this.u8(0x05);
      this.u8(VT.String);
      this.u16(p.length);
      this.utf16(p);
    } else {
      this.u8(p.optional ? 0x0e : 0x0d);
      this.u16(p.slot);
      this.u8(values[p.slot]!.type);
    }
  }

  private element(node: TNode, values: Val[], added: string[]): void {
    this.u8(node.attrs.length ? 0x41 : 0x01);
    this.u16(0xffff); // dependency id: none
    const sizeAt = this.pos;
    this.u32(0);
    this.name(node.name, added);
    if (node.attrs.length) {
      const listAt = this.pos;
      this.u32(0);
      node.attrs.forEach(([k, v], i) => {
        this.u8(i < node.attrs.length - 1 ? 0x46 : 0x06);
        this.name(k, added);
        this.value(v, values);
      });
      this.patch32(listAt, this.pos - listAt - 4);
    }
    if (node.content.length === 0) this.u8(0x03);
    else {
      this.u8(0x02);
      for (const c of node.content) {
        if (typeof c === 'object' && 'name' in c) this.element(c, values, added);
        else this.value(c, values);
      }
      this.u8(0x04);
    }
    this.patch32(sizeAt, this.pos - sizeAt - 4);
  }

  /** Appends one record; throws Overflow (with nothing kept) when it does not fit. */
  record(id: number, written: bigint, root: TNode, values: Val[], key: string, templateNo: number): void {
    const start = this.pos;
    const added: string[] = [];
    let newTemplate = false;
    try {
      this.u32(RECORD_SIGNATURE);
      this.u32(0);
      this.need(16);
      this.buf.writeBigUInt64LE(BigInt(id), this.pos);
      this.buf.writeBigUInt64LE(written, this.pos + 8);
      this.pos += 16;
      this.bytes(Buffer.from([0x0f, 0x01, 0x01, 0x00]));
      this.u8(0x0c);
      this.u8(0x01);
      const guid = Buffer.alloc(16);
      guid.writeUInt32LE(crc32(Buffer.from(key)), 0);
      guid.writeUInt32LE(templateNo, 4);
      guid.write('seqhunt!', 8, 'latin1');
      this.bytes(guid.subarray(0, 4)); // template id = first 4 bytes of its GUID
      let defAt = this.templates.get(key);
      if (defAt === undefined) {
        defAt = this.pos + 4;
        this.u32(defAt);
        this.u32(0); // next template in bucket
        this.bytes(guid);
        const sizeAt = this.pos;
        this.u32(0);
        this.bytes(Buffer.from([0x0f, 0x01, 0x01, 0x00]));
        this.element(root, values, added);
        this.u8(0x00);
        this.patch32(sizeAt, this.pos - sizeAt - 4);
        this.templates.set(key, defAt);
        newTemplate = true;
      } else {
        this.u32(defAt);
      }
      this.u32(values.length);
      for (const v of values) {
        if (v.bytes.length > 0xffff) throw new RangeError(`a value of ${v.bytes.length} bytes exceeds the BinXML limit of 65535`);
        this.u16(v.bytes.length);
        this.u8(v.type);
        this.u8(0);
      }
      for (const v of values) this.bytes(v.bytes);
      this.u8(0x00); // end of fragment
      // Windows keeps records 8-byte aligned (padding after EOF); libevtx misreads a record ending 2 bytes short of
      // the chunk end without it.
      while ((this.pos + 4 - start) % 8 !== 0) this.u8(0);
      this.u32(0);
      const size = this.pos - start;
      this.patch32(start + 4, size);
      this.patch32(this.pos - 4, size);
    } catch (err) {
      this.pos = start;
      for (const n of added) this.names.delete(n);
      if (newTemplate) this.templates.delete(key);
      throw err;
    }
    if (this.records === 0) this.firstId = id;
    this.lastId = id;
    this.lastRecordOffset = start;
    this.records++;
  }

  /** Writes the chunk header; `firstNumber` is the log-wide sequence number of its first record. */
  finish(firstNumber: number): Buffer {
    const b = this.buf;
    b.fill(0, this.pos);
    CHUNK_SIGNATURE.copy(b, 0);
    b.writeBigUInt64LE(BigInt(firstNumber), ChunkHeader.firstRecordNumber);
    b.writeBigUInt64LE(BigInt(firstNumber + this.records - 1), ChunkHeader.lastRecordNumber);
    b.writeBigUInt64LE(BigInt(this.firstId), ChunkHeader.firstRecordId);
    b.writeBigUInt64LE(BigInt(this.lastId), ChunkHeader.lastRecordId);
    b.writeUInt32LE(128, ChunkHeader.headerSize);
    b.writeUInt32LE(this.lastRecordOffset, ChunkHeader.lastRecordOffset);
    b.writeUInt32LE(this.pos, ChunkHeader.freeSpaceOffset);
    b.writeUInt32LE(crc32(b.subarray(CHUNK_HEADER_SIZE, this.pos)), ChunkHeader.dataChecksum);
    b.writeUInt32LE(0, ChunkHeader.flags);
    // Template pointer table: the definitions (chained through their first u32, here one per bucket slot in turn).
    let slot = 0;
    for (const at of this.templates.values()) {
      const bucket = ChunkHeader.templateTable + 4 * (slot++ % 32);
      b.writeUInt32LE(b.readUInt32LE(bucket), at); // chain the previous head behind this definition
      b.writeUInt32LE(at, bucket);
    }
    b.writeUInt32LE(crc32Parts([b.subarray(0, 120), b.subarray(128, CHUNK_HEADER_SIZE)]), ChunkHeader.checksum);
    return b;
  }
}

function writtenTime(ev: WinEvent): bigint {
  return fileTimeTicks(ev.system.timeCreated.replace(/(\.\d{7})\d+Z$/, '$1Z')) ?? 0n;
}

/**
 * Incremental writer: add events one by one, collect each finished 64 KiB chunk as it is returned, and write the
 * file header (which needs the final counts) in front of them at the end. Memory stays at one chunk.
 */
export class EvtxChunkWriter {
  private chunk = new ChunkWriter();
  private number = 1;
  private chunkFirstNumber = 1;
  private nextId = 1;
  private templateNo = 0;
  /** Chunks finished so far (returned by `add`, plus the one `end` returns). */
  chunks = 0;

  /** Adds one event; returns the chunk it completed, if adding it started a new one. Throws RangeError when too large. */
  add(ev: WinEvent): Buffer | undefined {
    const id = ev.system.recordId ?? this.nextId;
    this.nextId = id + 1;
    const { root, values } = eventTree(ev, id);
    const key = shapeKey(root, values);
    const written = writtenTime(ev);
    let done: Buffer | undefined;
    try {
      this.chunk.record(id, written, root, values, key, this.templateNo++);
    } catch (err) {
      if (!(err instanceof Overflow)) throw err;
      if (this.chunk.records === 0) throw new RangeError(`event ${id} is too large for one EVTX chunk`);
      done = this.chunk.finish(this.chunkFirstNumber);
      this.chunks++;
      this.chunkFirstNumber = this.number;
      this.chunk = new ChunkWriter();
      try {
        this.chunk.record(id, written, root, values, key, this.templateNo++);
      } catch (again) {
        if (again instanceof Overflow) throw new RangeError(`event ${id} is too large for one EVTX chunk`);
        throw again;
      }
    }
    this.number++;
    return done;
  }

  /** Finishes: the last (partial) chunk, if any, and the file header for everything written. */
  end(): { last?: Buffer; header: Buffer } {
    let last: Buffer | undefined;
    if (this.chunk.records > 0) {
      last = this.chunk.finish(this.chunkFirstNumber);
      this.chunks++;
      this.chunk = new ChunkWriter();
    }
    const head = Buffer.alloc(FILE_HEADER_SIZE);
    FILE_SIGNATURE.copy(head, 0);
    head.writeBigUInt64LE(0n, FileHeader.firstChunk);
    head.writeBigUInt64LE(BigInt(Math.max(this.chunks - 1, 0)), FileHeader.lastChunk);
    head.writeBigUInt64LE(BigInt(this.nextId), FileHeader.nextRecordId);
    head.writeUInt32LE(128, FileHeader.headerSize);
    head.writeUInt16LE(1, FileHeader.minorVersion);
    head.writeUInt16LE(3, FileHeader.majorVersion);
    head.writeUInt16LE(FILE_HEADER_SIZE, FileHeader.blockSize);
    // A u16 field: larger logs say 0xFFFF (readers, ours included, walk the chunks to the end of the file).
    head.writeUInt16LE(Math.min(this.chunks, 0xffff), FileHeader.chunkCount);
    head.writeUInt32LE(0, FileHeader.flags);
    head.writeUInt32LE(crc32(head.subarray(0, 120)), FileHeader.checksum);
    return last ? { last, header: head } : { header: head };
  }
}

/**
 * Writes a valid EVTX file holding these events, in order. EventRecordIDs come from `system.recordId`, else they
 * continue from the previous record (starting at 1). Throws RangeError for an event too large for one chunk.
 */
export function writeEvtx(events: Iterable<WinEvent>): Buffer {
  const w = new EvtxChunkWriter();
  const chunks: Buffer[] = [];
  for (const ev of events) {
    const done = w.add(ev);
    if (done) chunks.push(done);
  }
  const { last, header } = w.end();
  if (last) chunks.push(last);
  return Buffer.concat([header, ...chunks]);
}

/**
 * Streams events into an EVTX file with one chunk in memory: chunks are appended as they fill, then the header is
 * written at offset 0. Returns the number of chunks written.
 */
export async function writeEvtxFile(path: string, events: Iterable<WinEvent> | AsyncIterable<WinEvent>): Promise<number> {
  const file = await open(path, 'w');
  try {
    const w = new EvtxChunkWriter();
    let at = FILE_HEADER_SIZE;
    const put = async (b: Buffer) => {
      await file.write(b, 0, b.length, at);
      at += b.length;
    };
    for await (const ev of events) {
      const done = w.add(ev);
      if (done) await put(done);
    }
    const { last, header } = w.end();
    if (last) await put(last);
    await file.write(header, 0, header.length, 0);
    return w.chunks;
  } finally {
    await file.close();
  }
}
