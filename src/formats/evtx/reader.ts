// Streaming EVTX reader: file header, then one 64 KiB chunk at a time (constant memory), records, BinXML.
// Damage is scoped record → chunk → file and reported as `problem` items; nothing here throws for bad bytes.
import type { InputItem, Origin, WinEvent } from '../types.js';
import { compilePlan, type EventPlan, eventFromPlan } from './plan.js';
import { BinXmlError, ChunkBinXml, type IrInstance, type IrNode, type OutElement } from './binxml.js';
import { crc32, crc32Parts } from './crc32.js';
import {
  CHUNK_HEADER_SIZE, CHUNK_SIGNATURE, CHUNK_SIZE, ChunkHeader, FILE_HEADER_SIZE, FILE_SIGNATURE, FileHeader,
  FLAG_NO_CRC32, RECORD_HEADER_SIZE, RECORD_SIGNATURE,
} from './layout.js';
import { toWinEvent } from './to-event.js';

export interface EvtxReadOptions {
  /** Lazy decoding: records whose provider/EventID this rejects are skipped before their other values are decoded. */
  filter?: (provider: string, eventId: number) => boolean;
  /** Filled in while reading (create with `newEvtxStats()`), so a caller can report counts after the stream ends. */
  stats?: EvtxStats;
  /** For tests: decode every record through the element tree, bypassing the compiled per-template plans. */
  generic?: boolean;
}

/** Counts for one or more reads (the same object may be passed to several reads to accumulate). */
export interface EvtxStats {
  /** Chunks decoded (including those with checksum warnings). */
  chunks: number;
  /** Chunks not decoded: bad signature or truncated header (zero-filled unused chunks are not counted). */
  chunksSkipped: number;
  /** Records yielded as `windows` items. */
  records: number;
  /** Records rejected by `filter`. */
  skipped: number;
  /** Records (or the rest of a chunk) that could not be decoded. */
  damaged: number;
  /** Problem items yielded, by severity. */
  warnings: number;
  errors: number;
  /** Files that were not EVTX at all (nothing could be read). */
  unreadable: number;
}

export function newEvtxStats(): EvtxStats {
  return { chunks: 0, chunksSkipped: 0, records: 0, skipped: 0, damaged: 0, warnings: 0, errors: 0, unreadable: 0 };
}

/** True when the bytes start like an EVTX file ("ElfFile\0"). */
export function isEvtx(head: Uint8Array): boolean {
  if (head.length < 8) return false;
  for (let i = 0; i < 8; i++) if (head[i] !== FILE_SIGNATURE[i]) return false;
  return true;
}

interface Ctx {
  source: { file: string; member?: string };
  options: EvtxReadOptions;
  stats: EvtxStats;
  noCrc: boolean;
}

function problem(ctx: Ctx, severity: 'warning' | 'error', message: string, offset: number, record?: number): InputItem {
  if (severity === 'warning') ctx.stats.warnings++;
  else ctx.stats.errors++;
  const origin: Origin = { ...ctx.source, offset };
  if (record !== undefined) origin.record = record;
  return { kind: 'problem', severity, message, origin };
}

const ZERO_CHUNK = Buffer.alloc(CHUNK_SIZE);

/** One native comparison: files often preallocate many zero-filled chunks, and a byte loop over each was costly. */
/** Written out rather than `{ ...source, record, offset }`: that spread cost about a microsecond per record. */
function recordOrigin(source: Ctx['source'], record: number, offset: number): Origin {
  const { file, member } = source;
  return member === undefined ? { file, record, offset } : { file, member, record, offset };
}

function allZero(buf: Buffer, len: number): boolean {
  return buf.subarray(0, len).equals(ZERO_CHUNK.subarray(0, len));
}

function readHeader(head: Buffer, len: number, ctx: Ctx): InputItem[] {
  const items: InputItem[] = [];
  if (len < 128) {
    items.push(problem(ctx, 'warning', `truncated file header (${len} bytes)`, 0));
    return items;
  }
  const flags = head.readUInt32LE(FileHeader.flags);
  ctx.noCrc = (flags & FLAG_NO_CRC32) !== 0;
  const stored = head.readUInt32LE(FileHeader.checksum);
  if (!ctx.noCrc && crc32(head.subarray(0, 120)) !== stored) {
    items.push(problem(ctx, 'warning', 'file header checksum mismatch (header fields ignored; every chunk is read)', 0));
  }
  return items;
}

function* readChunk(chunk: Buffer, len: number, index: number, ctx: Ctx): Generator<InputItem> {
  const base = FILE_HEADER_SIZE + index * CHUNK_SIZE;
  const where = `chunk ${index} at offset ${base}`;
  if (len < CHUNK_HEADER_SIZE || !chunk.subarray(0, 8).equals(CHUNK_SIGNATURE)) {
    if (allZero(chunk, len)) return; // unused (zero-filled) chunk
    ctx.stats.chunksSkipped++;
    const why = len < CHUNK_HEADER_SIZE ? `truncated (${len} bytes)` : 'bad signature';
    yield problem(ctx, 'warning', `${where}: ${why}, skipped`, base);
    return;
  }
  ctx.stats.chunks++;
  if (len < CHUNK_SIZE) yield problem(ctx, 'warning', `${where}: truncated to ${len} bytes, reading what is there`, base);
  const noCrc = ctx.noCrc || (chunk.readUInt32LE(ChunkHeader.flags) & FLAG_NO_CRC32) !== 0;
  let free = chunk.readUInt32LE(ChunkHeader.freeSpaceOffset);
  if (free < CHUNK_HEADER_SIZE || free > len) {
    if (free > CHUNK_SIZE || free < CHUNK_HEADER_SIZE) {
      yield problem(ctx, 'warning', `${where}: free space offset ${free} out of range, reading to the chunk end`, base);
    }
    free = len;
  }
  if (!noCrc) {
    const headerCrc = crc32Parts([chunk.subarray(0, 120), chunk.subarray(128, CHUNK_HEADER_SIZE)]);
    if (headerCrc !== chunk.readUInt32LE(ChunkHeader.checksum)) {
      yield problem(ctx, 'warning', `${where}: header checksum mismatch (read anyway)`, base);
    } else if (crc32(chunk.subarray(CHUNK_HEADER_SIZE, free)) !== chunk.readUInt32LE(ChunkHeader.dataChecksum)) {
      yield problem(ctx, 'warning', `${where}: record data checksum mismatch (read anyway)`, base);
    }
  }

  const bx = new ChunkBinXml(chunk, len);
  const filter = ctx.options.filter;
  let pos = CHUNK_HEADER_SIZE;
  while (pos + RECORD_HEADER_SIZE <= free) {
    const at = base + pos;
    const sig = chunk.readUInt32LE(pos);
    const size = chunk.readUInt32LE(pos + 4);
    if (sig !== RECORD_SIGNATURE) {
      if (sig === 0 && size === 0) break; // zero fill after the last record
      ctx.stats.damaged++;
      yield problem(ctx, 'error', `${where}: bad record signature at offset ${at}; rest of chunk skipped`, at);
      break;
    }
    if (size < RECORD_HEADER_SIZE + 4 || pos + size > len || chunk.readUInt32LE(pos + size - 4) !== size) {
      ctx.stats.damaged++;
      yield problem(ctx, 'error', `${where}: record at offset ${at} has an implausible size ${size}; rest of chunk skipped`, at);
      break;
    }
    const recordId = Number(chunk.readBigUInt64LE(pos + 8));
    const start = pos + RECORD_HEADER_SIZE;
    const end = pos + size - 4;
    pos += size;
    let root: OutElement | undefined;
    try {
      bx.startRecord();
      const nodes: IrNode[] = [];
      bx.parseStream(start, end, false, 0, nodes);
      let filtered = false;
      const first = nodes[0];
      if (filter && nodes.length === 1 && typeof first === 'object' && 'def' in first) {
        const { def, values } = first as IrInstance;
        if (def.providerRef !== undefined && def.eventIdRef !== undefined) {
          const eventId = Number(bx.refText(def.eventIdRef, values));
          if (!filter(bx.refText(def.providerRef, values), eventId)) {
            ctx.stats.skipped++;
            continue;
          }
          filtered = true;
        }
      }
      let event: WinEvent | undefined;
      if (!ctx.options.generic && nodes.length === 1 && typeof first === 'object' && 'def' in first) {
        const { def, values } = first as IrInstance;
        if (def.plan === undefined) def.plan = compilePlan(def);
        if (def.plan) event = eventFromPlan(def.plan as EventPlan, bx, values, recordId);
        if (!event) bx.startRecord();
      }
      if (!event) {
        const out: OutElement[] = [];
        bx.instantiate(nodes, { types: [], offs: [], sizes: [] }, out, 0);
        root = out.find((e) => e.name === 'Event') ?? out[0];
        if (!root) {
          ctx.stats.damaged++;
          yield problem(ctx, 'warning', `record ${recordId} at offset ${at}: no event data`, at, recordId);
          continue;
        }
        event = toWinEvent(root, recordId);
      }
      if (filter && !filtered && !filter(event.system.provider, event.system.eventId)) {
        ctx.stats.skipped++;
        continue;
      }
      ctx.stats.records++;
      yield { kind: 'windows', event, origin: recordOrigin(ctx.source, recordId, at) };
    } catch (err) {
      // BinXmlError for damage; any other error (a RangeError from a bounds slip) is still scoped to this record.
      ctx.stats.damaged++;
      const message = err instanceof BinXmlError ? err.message : `undecodable (${(err as Error).message})`;
      yield problem(ctx, 'error', `record ${recordId} at offset ${at}: ${message}`, at, recordId);
    }
  }
}

/** Reads EVTX from a byte stream chunk by chunk, yielding records and problems. */
export async function* readEvtx(
  input: AsyncIterable<Uint8Array>,
  origin: { file: string; member?: string },
  options: EvtxReadOptions = {},
): AsyncGenerator<InputItem> {
  const source: { file: string; member?: string } = { file: origin.file };
  if (origin.member !== undefined) source.member = origin.member;
  const ctx: Ctx = { source, options, stats: options.stats ?? newEvtxStats(), noCrc: false };
  const head = Buffer.alloc(FILE_HEADER_SIZE);
  const chunk = Buffer.alloc(CHUNK_SIZE);
  let headLen = 0;
  let headDone = false;
  let fill = 0;
  let index = 0;
  try {
    for await (const piece of input) {
      let p = 0;
      while (p < piece.length) {
        if (!headDone) {
          const n = Math.min(FILE_HEADER_SIZE - headLen, piece.length - p);
          head.set(piece.subarray(p, p + n), headLen);
          headLen += n;
          p += n;
          if (headLen >= 8 && !isEvtx(head.subarray(0, 8))) {
            ctx.stats.unreadable++;
            yield problem(ctx, 'error', 'not an EVTX file (no "ElfFile" signature)', 0);
            return;
          }
          if (headLen === FILE_HEADER_SIZE) {
            headDone = true;
            yield* readHeader(head, headLen, ctx);
          }
          continue;
        }
        const n = Math.min(CHUNK_SIZE - fill, piece.length - p);
        chunk.set(piece.subarray(p, p + n), fill);
        fill += n;
        p += n;
        if (fill === CHUNK_SIZE) {
          yield* readChunk(chunk, fill, index++, ctx);
          fill = 0;
        }
      }
    }
  } catch (err) {
    // A failing input stream (I/O error) ends this file, reported like any other damage.
    ctx.stats.damaged++;
    yield problem(ctx, 'error', `read error: ${(err as Error).message}`, FILE_HEADER_SIZE + index * CHUNK_SIZE + fill);
    return;
  }
  if (!headDone) {
    if (headLen < 8) {
      ctx.stats.unreadable++;
      yield problem(ctx, 'error', headLen === 0 ? 'empty file' : 'not an EVTX file (too short)', 0);
      return;
    }
    yield* readHeader(head, headLen, ctx);
    yield problem(ctx, 'warning', `truncated file: ${headLen} bytes, no chunks`, headLen);
    return;
  }
  if (fill > 0) yield* readChunk(chunk, fill, index, ctx);
}
