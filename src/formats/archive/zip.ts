// Zip archives, read through the central directory (the authoritative member list: local headers may carry
// zero sizes when the writer streamed them). Member data is streamed from the file and inflated with
// node:zlib; zip64 sizes and offsets are honoured; data prepended to the archive (self-extractors) is allowed
// for. Anything inconsistent raises ZipError with a message naming what is wrong.
import { open, type FileHandle } from 'node:fs/promises';
import { constants, createInflateRaw, crc32 } from 'node:zlib';
import { throughTransform, type ByteStream } from '../bytes.js';

export class ZipError extends Error {}

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflate; others are reported as unsupported. */
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  size: number;
  /** Offset of the local file header (already corrected for prepended data). */
  localOffset: number;
  isDirectory: boolean;
  encrypted: boolean;
  /**
   * Found by scanning a local header written before its sizes (data descriptor): size and CRC are unknown and
   * `compressedSize` runs to the end of the file; the deflate stream marks where the member really ends.
   */
  sizesUnknown?: boolean;
}

export interface ZipFile {
  readonly entries: readonly ZipEntry[];
  /** Set when the archive was only partly readable (members found by scanning local headers). */
  readonly warning?: string;
  /** Streams a member's uncompressed bytes; `check()` after the stream ends tells a CRC or size mismatch. */
  openEntry(entry: ZipEntry): { stream: ByteStream; check(): string | undefined };
  close(): Promise<void>;
}

const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const READ_CHUNK = 256 * 1024;
/** Central directories beyond this size are taken for corruption rather than read into memory. */
const MAX_CENTRAL_DIRECTORY = 256 * 1024 * 1024;

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === length ? buf : buf.subarray(0, got);
}

const u64 = (b: Buffer, at: number): number => Number(b.readBigUInt64LE(at));

export async function openZip(path: string): Promise<ZipFile> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    let entries: ZipEntry[];
    let warning: string | undefined;
    try {
      entries = await readCentralDirectory(fh, size);
    } catch (err) {
      // A truncated download keeps its first members: find them through their local headers.
      const found = await scanLocalHeaders(fh, size);
      if (found.length === 0) throw err;
      entries = found;
      warning = `${(err as Error).message}; ${found.length} member(s) found by scanning local headers`;
    }
    const zip: ZipFile = {
      entries,
      openEntry: (entry) => openEntry(fh, size, entry),
      close: () => fh.close(),
    };
    return warning === undefined ? zip : { ...zip, warning };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

async function readCentralDirectory(fh: FileHandle, size: number): Promise<ZipEntry[]> {
  const tailLen = Math.min(size, 0xffff + 22);
  const tail = await readAt(fh, size - tailLen, tailLen);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === SIG_EOCD && i + 22 + tail.readUInt16LE(i + 20) <= tail.length) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipError('not a readable zip archive: end of central directory not found (truncated?)');
  const eocdPos = size - tailLen + eocd;
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  let cdEnd = eocdPos;
  if (eocdPos >= 20) {
    const loc = await readAt(fh, eocdPos - 20, 20);
    if (loc.length === 20 && loc.readUInt32LE(0) === SIG_EOCD64_LOCATOR) {
      let at = u64(loc, 8);
      let rec = await readAt(fh, at, 56);
      if (rec.length < 56 || rec.readUInt32LE(0) !== SIG_EOCD64) {
        // Prepended data shifts the recorded offset too: the record usually sits right before its locator.
        at = eocdPos - 20 - 56;
        rec = at >= 0 ? await readAt(fh, at, 56) : Buffer.alloc(0);
        if (rec.length < 56 || rec.readUInt32LE(0) !== SIG_EOCD64) throw new ZipError('zip64 end of central directory record not found');
      }
      count = u64(rec, 32);
      cdSize = u64(rec, 40);
      cdOffset = u64(rec, 48);
      cdEnd = at;
    }
  }
  if (cdSize > MAX_CENTRAL_DIRECTORY || cdSize > cdEnd) throw new ZipError(`central directory size ${cdSize} is impossible for this file`);
  // Data prepended to the archive shifts every recorded offset by the same amount.
  const shift = cdEnd - cdSize - cdOffset;
  if (shift < 0) throw new ZipError('central directory offset points past its end');
  const cd = await readAt(fh, cdOffset + shift, cdSize);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let k = 0; k < count; k++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== SIG_CENTRAL) throw new ZipError(`central directory entry ${k + 1} of ${count} is damaged`);
    const flags = cd.readUInt16LE(p + 8);
    const method = cd.readUInt16LE(p + 10);
    const crc = cd.readUInt32LE(p + 16);
    let compressedSize = cd.readUInt32LE(p + 20);
    let uncompressed = cd.readUInt32LE(p + 24);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    let localOffset = cd.readUInt32LE(p + 42);
    const nameEnd = p + 46 + nameLen;
    if (nameEnd + extraLen + commentLen > cd.length) throw new ZipError(`central directory entry ${k + 1} of ${count} runs past the directory`);
    // Names are UTF-8 when flag bit 11 says so; otherwise CP437, of which the ASCII part is what matters here.
    const name = cd.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, nameEnd);
    // Zip64 extended information: present only for the fields saturated at 0xFFFFFFFF, in this order.
    for (let e = nameEnd; e + 4 <= nameEnd + extraLen; ) {
      const id = cd.readUInt16LE(e);
      const len = cd.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let f = e + 4;
        const fEnd = f + len;
        if (uncompressed === 0xffffffff && f + 8 <= fEnd) (uncompressed = u64(cd, f)), (f += 8);
        if (compressedSize === 0xffffffff && f + 8 <= fEnd) (compressedSize = u64(cd, f)), (f += 8);
        if (localOffset === 0xffffffff && f + 8 <= fEnd) localOffset = u64(cd, f);
      }
      e += 4 + len;
    }
    if (localOffset + shift + 30 > cdOffset + shift) throw new ZipError(`central directory entry ${k + 1} of ${count} is damaged (its data would start past the directory)`);
    entries.push({
      name,
      method,
      flags,
      crc32: crc,
      compressedSize,
      size: uncompressed,
      localOffset: localOffset + shift,
      isDirectory: name.endsWith('/'),
      encrypted: (flags & 1) === 1,
    });
    p = nameEnd + extraLen + commentLen;
  }
  return entries;
}

/**
 * Members in order from the local headers alone (no central directory). Stops at the first member whose size
 * the local header does not give (written with a data descriptor) or that does not fit in the file.
 */
async function scanLocalHeaders(fh: FileHandle, size: number): Promise<ZipEntry[]> {
  const entries: ZipEntry[] = [];
  for (let at = 0; at + 30 <= size && entries.length < 100000; ) {
    const h = await readAt(fh, at, 30);
    if (h.length < 30 || h.readUInt32LE(0) !== SIG_LOCAL) break;
    const flags = h.readUInt16LE(6);
    const method = h.readUInt16LE(8);
    let compressedSize = h.readUInt32LE(18);
    let uncompressed = h.readUInt32LE(22);
    const nameLen = h.readUInt16LE(26);
    const extraLen = h.readUInt16LE(28);
    const tail = await readAt(fh, at + 30, nameLen + extraLen);
    if (tail.length < nameLen + extraLen) break;
    const name = tail.toString(flags & 0x800 ? 'utf8' : 'latin1', 0, nameLen);
    for (let e = nameLen; e + 4 <= nameLen + extraLen; ) {
      const id = tail.readUInt16LE(e);
      const len = tail.readUInt16LE(e + 2);
      if (id === 0x0001 && len >= 16 && e + 4 + 16 <= tail.length) {
        if (uncompressed === 0xffffffff) uncompressed = u64(tail, e + 4);
        if (compressedSize === 0xffffffff) compressedSize = u64(tail, e + 12);
      }
      e += 4 + len;
    }
    const dataStart = at + 30 + nameLen + extraLen;
    // Sizes written after the data: only a deflate stream marks its own end, so only it can be read, and it is the
    // last member found (where the next one starts is not known without inflating this one).
    const sizesUnknown = (flags & 0x8) !== 0 && compressedSize === 0 && !name.endsWith('/');
    if (sizesUnknown && method !== 8) break;
    if (sizesUnknown) compressedSize = size - dataStart;
    const dataEnd = dataStart + compressedSize;
    entries.push({
      name,
      method,
      flags,
      crc32: h.readUInt32LE(14),
      compressedSize,
      size: uncompressed,
      localOffset: at,
      isDirectory: name.endsWith('/'),
      encrypted: (flags & 1) === 1,
      ...(sizesUnknown ? { sizesUnknown } : {}),
    });
    if (sizesUnknown || dataEnd > size) break; // the last member is cut short: reading it reports where
    at = dataEnd + (flags & 0x8 ? 16 : 0);
  }
  return entries;
}

function openEntry(fh: FileHandle, fileSize: number, entry: ZipEntry): { stream: ByteStream; check(): string | undefined } {
  let crc = 0;
  let produced = 0;
  let complete = false;
  let cut = false;
  async function* raw(): AsyncGenerator<Uint8Array> {
    const header = await readAt(fh, entry.localOffset, 30);
    if (header.length < 30 || header.readUInt32LE(0) !== SIG_LOCAL) throw new ZipError(`local header of ${entry.name} not found at offset ${entry.localOffset}`);
    const start = entry.localOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
    const end = start + entry.compressedSize;
    // A member cut short by truncation: what is there is still read, then the cut is reported (by data()).
    cut = end > fileSize;
    const avail = Math.min(end, fileSize);
    for (let pos = start; pos < avail; ) {
      const n = Math.min(READ_CHUNK, avail - pos);
      const buf = await readAt(fh, pos, n);
      if (buf.length === 0) break;
      pos += buf.length;
      yield buf;
    }
  }
  async function* data(): AsyncGenerator<Uint8Array> {
    // A deflate stream cut mid-way has no final block: a sync flush at its end hands over what did decode instead
    // of failing with "unexpected end of file" (a complete stream is unaffected; check() still verifies it).
    // Without known sizes, the end of the file before the end of the stream is the cut: let zlib report it.
    const finishFlush = entry.sizesUnknown ? constants.Z_FINISH : constants.Z_SYNC_FLUSH;
    const source = entry.method === 0 ? raw() : throughTransform(raw(), createInflateRaw({ finishFlush }));
    try {
      for await (const chunk of source) {
        crc = crc32(chunk, crc);
        produced += chunk.length;
        yield chunk;
      }
    } catch (err) {
      if (entry.sizesUnknown && (err as NodeJS.ErrnoException).code === 'Z_BUF_ERROR') cut = true;
      else throw err;
    }
    if (cut) throw new ZipError(`data of ${entry.name} is cut short at the end of the archive (truncated?): ${produced} bytes decoded`);
    complete = true;
  }
  return {
    stream: data(),
    check: () => {
      if (!complete || entry.sizesUnknown) return undefined;
      if (produced !== entry.size) return `size mismatch: ${produced} bytes, the directory says ${entry.size}`;
      if (crc >>> 0 !== entry.crc32) return `CRC mismatch (0x${(crc >>> 0).toString(16)} ≠ 0x${entry.crc32.toString(16)}): data damaged`;
      return undefined;
    },
  };
}
