// Public API of the input formats: turn the paths a user names into a stream of InputItems.
// Formats are found by content (EVTX, gzip, zip, event XML, JSON; UTF-8 or UTF-16 text), can be forced with
// `format`, and nest (a gzip of a zip of EVTX files). Bad content never throws: it becomes `problem` items
// that name the file, archive member and line or record, and reading goes on.
import { mkdtemp, open, rm } from 'node:fs/promises';
import { createWriteStream, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { asByteStream, fileChunks, peekBytes, utf16ToUtf8, type ByteStream } from './bytes.js';
import { describeHead, sniff } from './sniff.js';
import { readJson, readJsonLines, startsNdjson, type JsonLineFilter } from './json/read.js';
import { readEventXml } from './event-xml/read.js';
import { gunzip } from './archive/gzip.js';
import { openZip, type ZipFile } from './archive/zip.js';
import { expandPaths } from './expand.js';
import { readEvtx, type EvtxStats } from './evtx/index.js';
import { lineRange, rangeFrom, type LineRange, type PieceState } from './line-range.js';
import type { InputFormat, InputItem, Origin, ProblemSeverity, ReadItem } from './types.js';

export type { ByteSpan, InputItem, HeldLine, ReadItem, InputFormat, Origin, WinEvent, WinSystem, DataValue, XmlElement, ProblemSeverity } from './types.js';
export type { ByteStream } from './bytes.js';
export { parseEventXml } from './event-xml/parse.js';
export type { JsonLineFilter } from './json/read.js';
export { bulkNoteMessage, readHeldLine, shiftLineNumbers } from './json/read.js';
export type { PieceState } from './line-range.js';

export interface InputOptions {
  /** Force a format instead of sniffing the content (gzip and zip containers are still opened). */
  format?: InputFormat;
  /** EVTX lazy decoding: records whose provider/EventID this rejects are skipped before full decoding. */
  filter?: (provider: string, eventId: number) => boolean;
  /** EVTX counters, filled while reading (see `newEvtxStats` in ./evtx/index.js). */
  evtxStats?: EvtxStats;
  /**
   * NDJSON pre-filter: lines it passes over are counted and never parsed (src/engine/prefilter.ts builds one
   * from the rules).
   */
  lineFilter?: JsonLineFilter;
  /** What "-" reads (default process.stdin): the CLI passes its own stdin. */
  stdin?: AsyncIterable<Uint8Array | string>;
  /** Filled while reading a piece of a file (`InputSource.piece`). */
  piece?: PieceState;
}

/** One input the user named, after expanding directories and globs ("-" is stdin). */
export interface InputSource {
  path: string;
  size?: number;
  /**
   * Found by walking a directory or matching a glob rather than named by the user: content that is not an
   * input (a README beside the logs) is skipped with a note instead of an error.
   */
  implicit?: boolean;
  /** Why the path cannot be read (no such file, no glob match): `readSource` reports it as a problem. */
  error?: string;
  /** Why a path found in a directory or glob is not read (not a regular file): `readSource` reports it as a note. */
  skipped?: string;
  /**
   * Only the lines that start in these bytes of a UTF-8 NDJSON file (line-range.ts), line numbers counted from the
   * piece's first line: so that threads can share one big file. The first piece (start 0) is read as the whole file
   * would be (its format found by content); the others are read as NDJSON lines straight away.
   */
  piece?: { start: number; end: number };
}

/** Expands files, directories (recursively) and globs into sources, in a stable order. */
export async function expandInputs(paths: string[]): Promise<InputSource[]> {
  return expandPaths(paths);
}

/**
 * Whether a file is UTF-8 NDJSON, as reading it would find from its first bytes (its first line a JSON object),
 * so that it can be read in pieces (`InputSource.piece`); false when it cannot be read.
 */
export async function isNdjsonFile(path: string, format?: InputFormat): Promise<boolean> {
  if (format !== undefined && format !== 'json') return false;
  let file: Awaited<ReturnType<typeof open>> | undefined;
  try {
    file = await open(path, 'r');
    // Lines are short, as a rule: a first read small enough that many big files are checked quickly from disk.
    for (const size of [64 * 1024, NDJSON_HEAD_BYTES]) {
      const { buffer, bytesRead } = await file.read(Buffer.alloc(size), 0, size, 0);
      const head = buffer.subarray(0, bytesRead);
      const sniffed = sniff(head);
      if (sniffed.kind !== 'json' || sniffed.encoding !== 'utf-8') return false;
      if (head.includes(10) || bytesRead < size) return startsNdjson(head);
    }
    return false;
  } catch {
    return false;
  } finally {
    await file?.close();
  }
}

/** Bytes `isNdjsonFile` reads: a first line longer than this leaves the file whole. */
const NDJSON_HEAD_BYTES = 1 << 20;

/** Reads several sources, one entry per source in order; consume each entry's `items` before taking the next. */
export async function* readSources(sources: InputSource[], options: InputOptions & { lineFilter?: undefined } = {}): AsyncGenerator<{ source: InputSource; items: AsyncGenerator<InputItem> }> {
  for (const source of sources) yield { source, items: readSource(source, options) };
}

/** Bytes read to decide a format (more are read while only blanks have been seen). */
const SNIFF_BYTES = 4096;
const SNIFF_MAX_BLANK = 1 << 20;
/** Containers inside containers, at most (a zip of gzips of …). */
const MAX_NESTING = 4;
const FILE_CHUNK = 256 * 1024;
/** Files up to this size are read whole, then handed on in FILE_CHUNK pieces (views, not copies). */
const WHOLE_FILE_BYTES = 32 * 1024 * 1024;

async function* chunksOf(data: Buffer): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < data.length; at += FILE_CHUNK) yield data.subarray(at, Math.min(data.length, at + FILE_CHUNK));
}

interface Context {
  depth: number;
  /** Content that is not an input is a note (archive members, directory walks), not an error. */
  implicit: boolean;
  /** The plain file the stream reads, when it can be opened again for random access (zip). */
  path?: string;
  /** Lends the file's chunks from now on (or stops), when the stream is the file's own (`LendingStream`). */
  lend?: (on: boolean) => void;
  /** When the stream is a piece of the file: anything but NDJSON lines reads on to the end of the file. */
  piece?: LineRange;
}

type Base = { file: string; member?: string };

function problem(severity: ProblemSeverity, message: string, base: Base, extra?: Partial<Origin>): InputItem {
  const origin: Origin = { file: base.file };
  if (base.member !== undefined) origin.member = base.member;
  if (extra) Object.assign(origin, extra);
  return { kind: 'problem', severity, message, origin };
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Reads one source as a stream of items; never throws for bad content (that becomes `problem` items). */
export function readSource(source: InputSource, options?: InputOptions & { lineFilter?: undefined }): AsyncGenerator<InputItem>;
/** With a line filter, which may hold lines (`JsonLineFilter`). */
export function readSource(source: InputSource, options: InputOptions): AsyncGenerator<ReadItem>;
export async function* readSource(source: InputSource, options: InputOptions = {}): AsyncGenerator<ReadItem> {
  const base: Base = { file: source.path };
  if (source.error) {
    yield problem('error', `cannot read ${source.path}: ${source.error}`, base);
    return;
  }
  if (source.skipped) {
    yield problem('note', `skipped: ${source.skipped}`, base);
    return;
  }
  const ctx: Context = { depth: 0, implicit: source.implicit === true };
  let input: ByteStream;
  if (source.piece && source.path !== '-') {
    yield* readPiece(source.path, source.piece, options, base, ctx);
    return;
  }
  if (source.path === '-') {
    input = asByteStream(options.stdin ?? (process.stdin as AsyncIterable<Uint8Array>));
  } else {
    try {
      if (source.size !== undefined && source.size <= WHOLE_FILE_BYTES) {
        // Small files (most EVTX logs) in one synchronous read. The asynchronous reads (open, FileHandle, reads,
        // close, each a round trip) cost this thread more than the read itself: 13% of a 1,511-file EVTX hunt,
        // prefetching included, from the page cache. A cold disk now waits here instead of beside the decoding.
        input = chunksOf(readFileSync(source.path));
      } else {
        // A size is known for regular files only (expand.ts): a FIFO (`<(zcat …)`) cannot be read at offsets.
        const chunks = fileChunks(await open(source.path, 'r'), FILE_CHUNK, source.size !== undefined);
        ctx.lend = (on) => chunks.lend(on);
        input = chunks;
      }
      ctx.path = source.path;
    } catch (err) {
      yield problem('error', `cannot read ${source.path}: ${openError(err)}`, base);
      return;
    }
  }
  yield* readAny(input, base, options, ctx);
}

function openError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : messageOf(err);
}

/** A piece of an NDJSON file (`InputSource.piece`): the first as the whole file would be read, the others as lines. */
async function* readPiece(path: string, piece: { start: number; end: number }, options: InputOptions, base: Base, ctx: Context): AsyncGenerator<ReadItem> {
  let chunks: ReturnType<typeof fileChunks>;
  try {
    chunks = fileChunks(await open(path, 'r'), FILE_CHUNK, true, rangeFrom(piece.start));
  } catch (err) {
    yield problem('error', `cannot read ${path}: ${openError(err)}`, base);
    return;
  }
  const range = lineRange(chunks, piece.start, piece.end, options.piece ?? { lines: 0, overran: false, bulk: 0 });
  const lend = (on: boolean) => chunks.lend(on);
  if (piece.start === 0) {
    yield* readAny(range, base, options, { ...ctx, path, lend, piece: range });
    return;
  }
  try {
    yield* readJsonLines(range, base, options.lineFilter, lend, range);
  } catch (err) {
    yield problem('error', `read error: ${messageOf(err)}`, base);
  } finally {
    await range[Symbol.asyncIterator]().return?.();
  }
}

/**
 * Reads any supported content from a byte stream that is not a named file (a socket, a pipe, bytes in memory);
 * `origin` names it in items and problems.
 */
export function readStream(input: ByteStream, origin: { file: string; member?: string }, options?: InputOptions & { lineFilter?: undefined }): AsyncGenerator<InputItem>;
export function readStream(input: ByteStream, origin: { file: string; member?: string }, options: InputOptions): AsyncGenerator<ReadItem>;
export function readStream(input: ByteStream, origin: { file: string; member?: string }, options: InputOptions = {}): AsyncGenerator<ReadItem> {
  return readAny(input, origin, options, { depth: 0, implicit: false });
}

async function* readAny(input: ByteStream, base: Base, options: InputOptions, ctx: Context): AsyncGenerator<ReadItem> {
  let stream: ByteStream | undefined;
  try {
    let peeked = await peekBytes(input, SNIFF_BYTES);
    let sniffed = sniff(peeked.head);
    if (sniffed.blank && !peeked.ended && peeked.head.length < SNIFF_MAX_BLANK) {
      peeked = await peekBytes(peeked.stream, SNIFF_MAX_BLANK);
      sniffed = sniff(peeked.head);
    }
    stream = peeked.stream;
    if (peeked.head.length === 0 || (sniffed.blank && peeked.ended)) {
      await peeked.close();
      yield problem(ctx.implicit ? 'note' : 'warning', peeked.head.length === 0 ? 'empty input' : 'input holds only blank text', base);
      return;
    }
    let kind = sniffed.kind;
    // A piece read as anything but UTF-8 JSON is the whole file (readJson decides between lines and the scanner).
    if (ctx.piece && !(kind === 'json' && (options.format ?? 'json') === 'json' && sniffed.encoding === 'utf-8')) ctx.piece.overrun();
    if (kind === 'gzip' || kind === 'zip') {
      if (ctx.depth >= MAX_NESTING) {
        await peeked.close();
        yield problem('error', `archives nested deeper than ${MAX_NESTING} levels: not opened`, base);
        return;
      }
    } else if (options.format) {
      kind = options.format;
    }
    switch (kind) {
      case 'gzip':
        yield* readAny(gunzip(peeked.stream), base, options, { depth: ctx.depth + 1, implicit: ctx.implicit });
        return;
      case 'zip':
        yield* readZipStream(peeked, base, options, ctx);
        return;
      case 'evtx': {
        const evtxOptions: { filter?: InputOptions['filter']; stats?: EvtxStats } = {};
        if (options.filter) evtxOptions.filter = options.filter;
        if (options.evtxStats) evtxOptions.stats = options.evtxStats;
        yield* readEvtx(peeked.stream, base, evtxOptions);
        return;
      }
      case 'xml':
      case 'json': {
        const text = sniffed.encoding === 'utf-8' ? peeked.stream : utf16ToUtf8(peeked.stream, sniffed.encoding);
        // The JSON reader may borrow the file's chunks: UTF-8 text comes straight from the file (gzip and zip
        // members are read with a new context, without `lend`).
        const lend = sniffed.encoding === 'utf-8' ? ctx.lend : undefined;
        yield* kind === 'xml' ? readEventXml(text, base, ctx.implicit ? 'note' : 'warning') : readJson(text, base, { ...(options.lineFilter && { lineFilter: options.lineFilter }), ...(lend && { lend }), ...(ctx.piece && { piece: ctx.piece }) });
        return;
      }
      default:
        await peeked.close();
        yield problem(ctx.implicit ? 'note' : 'error', `not an input seqhunt reads (EVTX, event XML, JSON, gzip or zip): ${describeHead(peeked.head)}`, base);
    }
  } catch (err) {
    if (process.env.SEQHUNT_DEBUG) console.error(err);
    const code = (err as NodeJS.ErrnoException).code;
    yield problem('error', code === 'EISDIR' ? 'is a directory' : `read error: ${messageOf(err)}`, base);
  } finally {
    // Release the file when a reader stopped early or failed.
    const it = stream?.[Symbol.asyncIterator]?.();
    await it?.return?.();
  }
}

/** A member that is not an input: directories and macOS resource forks. */
function skippedMember(name: string): string | undefined {
  if (name.endsWith('/')) return 'directory entry';
  if (name.startsWith('__MACOSX/') || name.includes('/__MACOSX/')) return 'macOS resource fork (__MACOSX)';
  const baseName = name.slice(name.lastIndexOf('/') + 1);
  if (baseName.startsWith('._')) return 'macOS resource fork (._*)';
  return undefined;
}

async function* readZipStream(peeked: { stream: ByteStream; close(): Promise<void> }, base: Base, options: InputOptions, ctx: Context): AsyncGenerator<ReadItem> {
  if (ctx.path !== undefined && ctx.depth === 0) {
    // A plain file: read its central directory in place.
    await peeked.close();
    yield* readZip(ctx.path, base, options, ctx);
    return;
  }
  // stdin, or a zip inside gzip or zip: spool it to a temporary file for random access.
  const dir = await mkdtemp(join(tmpdir(), 'seqhunt-zip-'));
  try {
    const path = join(dir, 'archive.zip');
    await pipeline(Readable.from(peeked.stream), createWriteStream(path));
    yield* readZip(path, base, options, ctx);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function* readZip(path: string, base: Base, options: InputOptions, ctx: Context): AsyncGenerator<ReadItem> {
  let zip: ZipFile;
  try {
    zip = await openZip(path);
  } catch (err) {
    yield problem('error', `zip: ${messageOf(err)}`, base);
    return;
  }
  try {
    if (zip.warning) yield problem('warning', `zip: ${zip.warning}`, base);
    if (zip.entries.length === 0) yield problem('note', 'zip archive holds no members', base);
    for (const entry of zip.entries) {
      const member: Base = { file: base.file, member: base.member !== undefined ? `${base.member}/${entry.name}` : entry.name };
      const skip = skippedMember(entry.name);
      if (skip) {
        yield problem('note', `skipped: ${skip}, not an input`, member);
        continue;
      }
      if (entry.encrypted) {
        yield problem('error', 'encrypted member: not supported', member);
        continue;
      }
      if (entry.method !== 0 && entry.method !== 8) {
        yield problem('error', `compression method ${entry.method} not supported (stored and deflate are)`, member);
        continue;
      }
      const { stream, check } = zip.openEntry(entry);
      yield* readAny(stream, member, options, { depth: ctx.depth + 1, implicit: true });
      const damage = check();
      if (damage) yield problem('warning', `zip member ${damage}`, member);
    }
  } finally {
    await zip.close();
  }
}
