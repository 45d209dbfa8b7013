// A piece of an NDJSON file (`InputSource.piece`): the lines that start in bytes [start, end), so that threads can
// read one big file at once. Pieces meet at line starts: a piece ends after the first newline at or after byte
// end - 1, and the next one (start = end) begins after the first newline at or after its byte start - 1, which is
// that same newline. Line numbers in a piece count from its first line; the hunt adds the lines of the pieces
// before it (src/engine/file-pieces.ts).
import type { LendingStream } from './bytes.js';

/** What reading a piece tells its caller. */
export interface PieceState {
  /** Lines read (a piece that ran on to the end of the file: unused). */
  lines: number;
  /**
   * The piece did not stay NDJSON (a line that is not a whole JSON object sent the reader to the scanner, which
   * may find a document spread over lines): it read on to the end of the file, as reading the whole file would
   * have from there, and the pieces after it are not to be used.
   */
  overran: boolean;
  /**
   * Elasticsearch `_bulk` action lines skipped: a piece counts them here, and its reader says nothing, so that the
   * file gets one note for all its pieces (`bulkNoteMessage`), as when it is read whole.
   */
  bulk: number;
}

export interface LineRange extends LendingStream {
  /** Reads on past the piece's end, to the end of the file (`PieceState.overran`). */
  overrun(): void;
  /** True from the chunk that ends the piece on: `overrun` while reading it goes on past the end. */
  readonly ending: boolean;
  /** What reading the piece tells its caller, filled by the reader. */
  readonly state: PieceState;
}

/** Where the stream a piece is cut from starts: the byte before the piece, which tells whether a line starts there. */
export const rangeFrom = (start: number): number => (start === 0 ? 0 : start - 1);

/**
 * The bytes of the piece [start, end) out of `input`, a stream of the file from byte `rangeFrom(start)`. Chunks are
 * the input's own, cut: lent chunks stay lent.
 */
export function lineRange(input: LendingStream, start: number, end: number, state: PieceState): LineRange {
  let released = false;
  let ending = false;
  const limit = end - rangeFrom(start); // the piece's end, in the input's bytes
  async function* bytes(): AsyncGenerator<Uint8Array> {
    let pos = 0; // bytes of the input before `c`
    let skipping = start > 0;
    for await (const chunk of input) {
      let c = chunk;
      if (skipping) {
        // The partial line before the piece is the previous piece's.
        const nl = c.indexOf(10);
        if (nl === -1) {
          pos += c.length;
          continue;
        }
        skipping = false;
        c = c.subarray(nl + 1);
        pos += nl + 1;
        if (pos >= limit) return; // no line starts in the piece
      }
      if (!released && limit - 1 - pos < c.length) {
        const nl = c.indexOf(10, Math.max(0, limit - 1 - pos));
        if (nl !== -1) {
          ending = true;
          yield c.subarray(0, nl + 1);
          // The reader may have asked for the rest of the file while it read that last part.
          if (!released) return;
          c = c.subarray(nl + 1);
          pos += nl + 1;
          if (c.length === 0) continue;
        }
      }
      pos += c.length;
      yield c;
    }
  }
  const it = bytes();
  return {
    [Symbol.asyncIterator]: () => it,
    lend: (on, buffers) => input.lend(on, buffers),
    state,
    get ending() {
      return ending && !released;
    },
    overrun() {
      released = true;
      state.overran = true;
    },
  };
}
