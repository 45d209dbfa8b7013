// Reads a file of '\n'-terminated UTF-8 lines back as text, whole lines at a time, for the engine's own files
// (sort runs, held lines). The bytes come through `fileChunks`, which reads the next chunk while lines are cut
// from this one (the final merge and the held lines' replay waited 15-20% of their time on reads asked for only
// when needed). Each piece of text decoded is at most PIECE_BYTES unless one line is longer: small strings die
// young in V8's heap, where a string per megabyte read would sit in the large-object space (and raise the peak)
// until a full collection, and every line cut from it would keep it alive.
import type { FileHandle } from 'node:fs/promises';
import { fileChunks } from '../formats/bytes.js';

/** Most bytes decoded into one string (well under V8's large-object threshold). */
export const PIECE_BYTES = 64 << 10;
/** Fewest bytes read at a time. */
const MIN_CHUNK_BYTES = 4 << 10;

export class LinePieces {
  private buf: Buffer;
  private have = 0;
  private start = 0;
  private eof = false;
  private readonly chunks: AsyncIterator<Uint8Array>;

  /**
   * Reads `file` from its start, `chunkBytes` (at least 4 KiB) at a time, into a buffer of twice that, so that a
   * chunk fits beside the part of a line left from the one before. The file is closed at its end, or by `close`.
   * Memory: four times `chunkBytes` (this buffer, and the stream's two it reads into in turn).
   */
  constructor(file: FileHandle, chunkBytes: number) {
    const chunk = Math.max(MIN_CHUNK_BYTES, chunkBytes);
    this.buf = Buffer.allocUnsafe(2 * chunk);
    const stream = fileChunks(file, chunk);
    // Each chunk is copied into `buf` at once, so it can be borrowed, and two buffers are enough: the one read
    // ahead into, and the one being copied.
    stream.lend(true, 2);
    this.chunks = stream[Symbol.asyncIterator]();
  }

  /** Stops reading (a read still in flight ends first) and closes the file; nothing happens when already done. */
  async close(): Promise<void> {
    await this.chunks.return?.(undefined);
  }

  /**
   * The next piece: one or more whole lines, each ending in '\n'; at the end of a file that does not end in
   * '\n', its last bytes without one; undefined at the end.
   */
  async next(): Promise<string | undefined> {
    for (;;) {
      // '\n' never occurs inside a multi-byte UTF-8 sequence: text cut after one decodes whole.
      if (this.start < this.have) {
        let end = this.buf.lastIndexOf(10, Math.min(this.have, this.start + PIECE_BYTES) - 1);
        if (end < this.start) {
          end = this.buf.indexOf(10, this.start);
          if (end >= this.have) end = -1;
        }
        if (end !== -1) {
          const text = this.buf.toString('utf8', this.start, end + 1);
          this.start = end + 1;
          return text;
        }
      }
      if (this.eof) {
        if (this.start >= this.have) return undefined;
        const tail = this.buf.toString('utf8', this.start, this.have);
        this.start = this.have;
        return tail;
      }
      this.buf.copyWithin(0, this.start, this.have);
      this.have -= this.start;
      this.start = 0;
      const chunk = await this.chunks.next();
      if (chunk.done) {
        this.eof = true;
        continue;
      }
      const bytes = chunk.value;
      if (this.have + bytes.length > this.buf.length) {
        // A line longer than what is left of the buffer: make room for it.
        const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.have + bytes.length));
        this.buf.copy(bigger, 0, 0, this.have);
        this.buf = bigger;
      }
      this.buf.set(bytes, this.have);
      this.have += bytes.length;
    }
  }
}
