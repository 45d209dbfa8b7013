// Reads a file of '\n'-terminated UTF-8 lines back as text, whole lines at a time, for the engine's own files
// (sort runs, held lines). One read buffer serves the whole file, and each piece of text decoded is at most
// PIECE_BYTES unless one line is longer: small strings die young in V8's heap, where a string per megabyte read
// would sit in the large-object space (and raise the peak) until a full collection, and every line cut from it
// would keep it alive.
import type { FileHandle } from 'node:fs/promises';

/** Most bytes decoded into one string (well under V8's large-object threshold). */
export const PIECE_BYTES = 64 << 10;

export class LinePieces {
  private buf: Buffer;
  private have = 0;
  private start = 0;
  private eof = false;

  constructor(
    private readonly file: FileHandle,
    bufferBytes: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(PIECE_BYTES, bufferBytes));
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
      if (this.have === this.buf.length) {
        // One line longer than the buffer: make room for it.
        const bigger = Buffer.allocUnsafe(this.buf.length * 2);
        this.buf.copy(bigger, 0, 0, this.have);
        this.buf = bigger;
      }
      const { bytesRead } = await this.file.read(this.buf, this.have, this.buf.length - this.have, null);
      if (bytesRead === 0) this.eof = true;
      this.have += bytesRead;
    }
  }
}
