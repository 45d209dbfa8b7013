// Byte-stream plumbing shared by the readers: reading a file in chunks (lent to a reader that copies what it keeps),
// peeking at the head of a stream without losing it, and re-encoding UTF-16 text (PowerShell redirections, some
// wevtutil exports) as UTF-8.
import type { FileHandle } from 'node:fs/promises';
import { pipeline, Readable, type Transform } from 'node:stream';

/** What every reader consumes: chunks of bytes, in order. */
export type ByteStream = AsyncIterable<Uint8Array>;

export interface Peeked {
  /** At least the requested number of bytes, unless the stream ended first. */
  head: Uint8Array;
  /** True when `head` is the whole stream. */
  ended: boolean;
  /** The whole stream again, head included; iterate it at most once. */
  stream: ByteStream;
  /** Releases the underlying stream when `stream` will not be read. */
  close(): Promise<void>;
}

/** Reads the first `min` bytes of `input` (fewer at end of stream) and hands back a replaying stream. */
export async function peekBytes(input: ByteStream, min: number): Promise<Peeked> {
  const it = input[Symbol.asyncIterator]();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let ended = false;
  while (total < min) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    if (r.value.length === 0) continue;
    chunks.push(r.value);
    total += r.value.length;
  }
  const head = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await it.return?.();
  };
  async function* replay(): AsyncGenerator<Uint8Array> {
    try {
      for (const c of chunks) yield c;
      chunks.length = 0;
      if (ended) return;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    } finally {
      await close();
    }
  }
  return { head, ended, stream: replay(), close };
}

/** Decodes UTF-16 text (BOM dropped) and yields it as UTF-8 bytes. */
export async function* utf16ToUtf8(input: ByteStream, encoding: 'utf-16le' | 'utf-16be'): AsyncGenerator<Uint8Array> {
  const decoder = new TextDecoder(encoding);
  for await (const chunk of input) {
    const text = decoder.decode(chunk, { stream: true });
    if (text.length > 0) yield Buffer.from(text, 'utf8');
  }
  const rest = decoder.decode();
  if (rest.length > 0) yield Buffer.from(rest, 'utf8');
}

/**
 * A ByteStream that can lend its chunks: after `lend(true)`, chunks are read into a few buffers taken in turn, so
 * that a chunk stays as it was through the next two pulls only (a reader that keeps one longer must copy it, or
 * call `lend(false)` first). Before, and after `lend(false)`, every chunk is the reader's to keep (one read ahead
 * into a lent buffer included: that buffer is not used again).
 */
export interface LendingStream extends ByteStream {
  /**
   * `buffers` (first call only; default 4, at least 2): with 2, a chunk stays as it was until the next pull only,
   * which is all a reader that copies each chunk at once needs.
   */
  lend(on: boolean, buffers?: number): void;
}

/** Buffers a lending stream takes in turn by default: the one being read ahead into, the chunk out, and the two before it. */
const LENT_BUFFERS = 4;

/**
 * A file's bytes, `chunkSize` at a time; the file is closed at the end, or when the reader stops early. Lent chunks
 * spare a new buffer per chunk, each held as external memory until a garbage collection frees it (on a 1 GB NDJSON
 * hunt, whose line reader keeps only copies, peak RSS drops by 14 MB). The next chunk is read while the reader
 * works on this one: with a thread per core, a read that starts only when asked for waits for the thread pool
 * (4 NDJSON files on two cores: each thread was idle 15% of its reading time, and the hunt took 8% longer).
 * That needs reads at given offsets, so only for a regular file (`seekable`); a pipe is read a chunk when asked.
 * A seekable file is read from byte `start`.
 */
export function fileChunks(file: FileHandle, chunkSize: number, seekable = true, start = 0): LendingStream {
  let lent: Buffer[] | undefined;
  let turn = 0;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    let position = start;
    const readNext = () => {
      const read = file.read(lent ? lent[turn++ % lent.length]! : Buffer.allocUnsafe(chunkSize), 0, chunkSize, seekable ? position : null);
      // Handled where it is awaited; without a handler now, a read failing ahead of that would end the process.
      read.catch(() => undefined);
      return read;
    };
    let pending: ReturnType<typeof readNext> | undefined;
    try {
      pending = readNext();
      for (;;) {
        const { bytesRead, buffer } = await pending;
        pending = undefined;
        if (bytesRead === 0) return;
        position += bytesRead;
        if (seekable) pending = readNext();
        yield bytesRead === chunkSize ? buffer : buffer.subarray(0, bytesRead);
        pending ??= readNext();
      }
    } finally {
      // A read still in flight when the reader stops early must end before the file closes.
      if (pending) await pending.catch(() => undefined);
      await file.close();
    }
  }
  const it = chunks();
  return {
    [Symbol.asyncIterator]: () => it,
    lend(on, buffers = LENT_BUFFERS) {
      lent = on ? (lent ?? Array.from({ length: Math.max(2, buffers) }, () => Buffer.allocUnsafeSlow(chunkSize))) : undefined;
    },
  };
}

/** Converts a Node readable (or any async iterable of bytes/strings) into a ByteStream. */
export async function* asByteStream(input: AsyncIterable<Uint8Array | string>): AsyncGenerator<Uint8Array> {
  for await (const chunk of input) yield typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
}

/** Runs a stream through a Transform (zlib); an error on either side ends the iteration with that error. */
export async function* throughTransform(input: ByteStream, transform: Transform): AsyncGenerator<Uint8Array> {
  pipeline(Readable.from(input, { objectMode: false }), transform, () => undefined);
  yield* transform as AsyncIterable<Uint8Array>;
}
