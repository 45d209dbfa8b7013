// Streaming splitter for JSON inputs: finds document boundaries in bytes without parsing, so files of any size
// are read through fixed buffers and each document is handed to JSON.parse on its own.
//
// One scanner covers every shape users export: NDJSON (blank lines allowed), concatenated pretty-printed
// documents, top-level arrays, and Elasticsearch `_search` responses, whose `hits.hits[]` are split out one by
// one (the response itself is never held whole). Structural bytes are ASCII, so slicing UTF-8 at them is safe.
//
// Recovery from bad input: a raw newline inside a string, a line that ends inside a document of a
// one-document-per-line file, or a `{` opening a line at or left of the current document's own column all
// mean the current document is broken; it is reported with its line and scanning resumes at the next line.

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
const BSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

const OBJ = 1;
const ARR = 2;

/** Documents larger than this are reported and skipped rather than decoded (V8 strings top out near 512 MiB). */
export const MAX_DOCUMENT_BYTES = 256 * 1024 * 1024;
export const MAX_DEPTH = 4096;
/** Keys whose presence at the top of an object marks an Elasticsearch search (or scroll) response. */
const SEARCH_MARKERS = new Set(['took', 'timed_out', '_shards', '_scroll_id', 'pit_id']);

export type ScanOutput =
  /** A complete JSON value's text; `hit` when it is an element of a `_search` response's `hits.hits`. */
  | { type: 'value'; text: string; line: number; index?: number; hit: boolean }
  | { type: 'error'; message: string; line: number; index?: number };

/** Push-based scanner: feed chunks, collect outputs, call `end()` once. */
export class JsonScanner {
  private readonly out: ScanOutput[] = [];
  // Lexical state.
  private line: number;
  private inString = false;
  private escape = false;
  private skipLine = false;
  /** Byte index (in the current chunk) of the current line's start; -1 when the line began in an earlier chunk. */
  private lineStart = -1;
  /** Column (bytes) of the current line's first non-blank byte seen so far; -1 while only blanks were seen. */
  private lineFirstCol = -1;
  private colBase = 0;
  // Structure.
  private depth = 0;
  private readonly ctype = new Uint8Array(MAX_DEPTH + 2);
  private readonly expectKey = new Uint8Array(MAX_DEPTH + 2);
  /** Depth at which documents start: 0, or 1 inside a top-level array. */
  private rootDepth = 0;
  private elementIndex = 0;
  /** A top-level array element that is not an object (reported once, at its start). */
  private scalarElement = false;
  // The document being read.
  private docOpen = false;
  private docLine = 0;
  private docCol = 0;
  private docIndex: number | undefined;
  // Search responses: keys at relative depth 1 and 2, and the hits being split out.
  private key1 = '';
  private key2 = '';
  private searchMarked = false;
  private keyStart = -1;
  private keyPieces: Uint8Array[] = [];
  private capturingKey = false;
  private hitsMode = false;
  private hitIndex = 0;
  private hitOpen = false;
  private hitLine = 0;
  // Capture of the bytes of the document (or hit) being read.
  private capturing = false;
  private capStart = 0;
  private pieces: Uint8Array[] = [];
  private capBytes = 0;
  private capTooBig = false;
  // Text outside any document, reported once per run of lines.
  private garbageFrom = 0;
  private garbageTo = 0;

  /** Scans one chunk; returns what it completed (the array is reused: copy what you keep). */
  /** `firstLine`: the line number of the first byte fed (when another reader took the lines before). */
  constructor(firstLine = 1) {
    this.line = firstLine;
  }

  push(chunk: Uint8Array): ScanOutput[] {
    this.out.length = 0;
    const n = chunk.length;
    this.lineStart = -1;
    if (this.capturing) this.capStart = 0;
    if (this.capturingKey) this.keyStart = 0;
    for (let i = 0; i < n; i++) {
      const c = chunk[i]!;
      if (this.inString) {
        if (this.escape) {
          this.escape = false;
        } else if (c === BSLASH) {
          this.escape = true;
        } else if (c === QUOTE) {
          this.inString = false;
          if (this.capturingKey) this.endKey(chunk, i);
        } else if (c === LF) {
          this.inString = false;
          this.capturingKey = false;
          this.broken('unterminated string (line ends inside it)');
          this.newline(i);
        }
        continue;
      }
      if (c === LF) {
        this.newline(i);
        continue;
      }
      if (c === SP || c === TAB || c === CR) continue;
      if (this.skipLine) continue;
      const firstOnLine = this.lineFirstCol < 0;
      if (firstOnLine) this.lineFirstCol = this.lineStart < 0 ? this.colBase + i : i - this.lineStart;
      switch (c) {
        case LBRACE:
        case LBRACKET:
          this.open(chunk, i, c, firstOnLine);
          break;
        case RBRACE:
        case RBRACKET:
          this.close(chunk, i, c);
          break;
        case QUOTE:
          if (this.depth === 0) {
            this.outside(i);
            break;
          }
          this.inString = true;
          if (this.depth === this.rootDepth) {
            this.scalarInArray();
            break;
          }
          if (this.expectKey[this.depth] === 1) {
            const rel = this.depth - this.rootDepth;
            if (rel === 1 || rel === 2) {
              this.capturingKey = true;
              this.keyStart = i + 1;
              this.keyPieces.length = 0;
            }
          }
          break;
        case COLON:
          if (this.depth <= this.rootDepth) this.outside(i);
          else this.expectKey[this.depth] = 0;
          break;
        case COMMA:
          if (this.depth === 0) this.outside(i);
          else if (this.depth === this.rootDepth) this.scalarElement = false;
          else if (this.ctype[this.depth] === OBJ) this.expectKey[this.depth] = 1;
          break;
        default:
          if (this.depth === 0) this.outside(i);
          else if (this.depth === this.rootDepth) this.scalarInArray();
      }
    }
    if (this.capturing && !this.capTooBig) this.keep(chunk.subarray(this.capStart));
    if (this.capturingKey && this.keyStart < n) {
      // Keys that matter are short: a long one is not kept (nor its bytes held).
      if (this.keyPieces.length < 4 && n - this.keyStart <= 16) this.keyPieces.push(chunk.subarray(this.keyStart));
      else {
        this.capturingKey = false;
        if (this.depth - this.rootDepth === 1) this.key1 = '';
        else this.key2 = '';
      }
    }
    if (this.lineStart >= 0) this.colBase = n - this.lineStart;
    else this.colBase += n;
    this.lineStart = -1;
    return this.out;
  }

  /**
   * Between documents, with nothing held (no document, array or search response open, no text outside documents
   * waiting to be reported): what comes next is read as by a new scanner.
   */
  get idle(): boolean {
    return this.depth === 0 && !this.docOpen && !this.hitOpen && !this.inString && !this.capturing && this.garbageFrom === 0;
  }

  /** End of input: reports a document left open and text outside documents. */
  end(): ScanOutput[] {
    this.out.length = 0;
    if (this.docOpen || this.hitOpen) this.broken('incomplete JSON document (input ends inside it)');
    else if (this.depth > 0) this.out.push({ type: 'error', message: 'input ends inside a JSON array', line: this.line });
    this.flushGarbage();
    return this.out;
  }

  private newline(i: number): void {
    this.line++;
    this.lineStart = i + 1;
    this.colBase = 0;
    this.lineFirstCol = -1;
    this.skipLine = false;
  }

  private open(chunk: Uint8Array, i: number, c: number, firstOnLine: boolean): void {
    const depth = this.depth;
    if (depth === 0) {
      this.flushGarbage();
      if (c === LBRACKET) {
        // A top-level array: its elements are the documents.
        this.push1(ARR);
        this.rootDepth = 1;
        this.elementIndex = 0;
        this.scalarElement = false;
        return;
      }
      this.startDoc(chunk, i, undefined);
    } else if (depth === this.rootDepth) {
      if (c === LBRACKET) {
        // Skip a nested array structurally: track it but capture nothing.
        this.scalarInArray();
        this.push1(ARR);
        return;
      }
      this.startDoc(chunk, i, this.elementIndex++);
    } else if (firstOnLine && c === LBRACE && this.docOpen && this.lineFirstCol <= this.docCol && this.ctype[depth] === OBJ && !this.hitsMode) {
      // An object opening a line at (or left of) the current document's column, where only a key or a value
      // on the key's line can be: a new document, so the current one was cut short (an NDJSON line
      // truncated, a pretty document missing its end). Array elements are exempt: `indent=0` prints them so.
      this.broken('incomplete JSON document (a new document starts before it ends)');
      this.skipLine = false;
      if (this.depth === 0) this.startDoc(chunk, i, undefined);
      else this.startDoc(chunk, i, this.elementIndex++);
    } else if (this.hitsMode && depth === this.rootDepth + 3 && c === LBRACE) {
      this.hitOpen = true;
      this.hitLine = this.line;
      this.startCapture(i);
    }
    if (this.depth >= MAX_DEPTH) {
      this.broken(`JSON nested deeper than ${MAX_DEPTH} levels`);
      this.skipLine = true;
      return;
    }
    const rel = this.depth - this.rootDepth;
    // Entering hits.hits of a search response: split its elements out instead of holding the response.
    if (c === LBRACKET && rel === 2 && this.searchMarked && this.key1 === 'hits' && this.key2 === 'hits' && this.ctype[this.depth] === OBJ && this.expectKey[this.depth] === 0) {
      this.hitsMode = true;
      this.hitIndex = 0;
      this.stopCapture();
    }
    if (rel === 1 && c === LBRACE) this.key2 = '';
    this.push1(c === LBRACE ? OBJ : ARR);
  }

  private close(chunk: Uint8Array, i: number, c: number): void {
    if (this.depth === 0 || (this.depth === this.rootDepth && c === RBRACE)) {
      this.outside(i);
      return;
    }
    if (this.ctype[this.depth] !== (c === RBRACE ? OBJ : ARR) && this.depth > this.rootDepth) {
      this.broken(c === RBRACE ? '"}" closes an array' : '"]" closes an object');
      return;
    }
    this.depth--;
    const depth = this.depth;
    if (depth === 0 && this.rootDepth === 1) {
      // End of a top-level array.
      this.rootDepth = 0;
      this.scalarElement = false;
      return;
    }
    if (this.hitsMode) {
      if (depth === this.rootDepth + 3 && this.hitOpen) {
        this.hitOpen = false;
        this.emit(chunk, i + 1, this.hitLine, this.hitIndex++, true);
      } else if (depth === this.rootDepth + 2) {
        this.hitsMode = false;
      }
    }
    if (depth === this.rootDepth && this.docOpen) {
      this.docOpen = false;
      if (this.searchMarked && this.capturing === false) {
        // A search response whose hits were split out: nothing more to emit.
      } else {
        this.emit(chunk, i + 1, this.docLine, this.docIndex, false);
      }
      this.searchMarked = false;
      this.key1 = '';
      this.key2 = '';
    }
  }

  private scalarInArray(): void {
    if (this.scalarElement) return;
    this.scalarElement = true;
    this.out.push({ type: 'error', message: 'array element is not a JSON object', line: this.line, index: this.elementIndex++ });
  }

  private push1(type: number): void {
    this.depth++;
    this.ctype[this.depth] = type;
    this.expectKey[this.depth] = type === OBJ ? 1 : 0;
  }

  private startDoc(chunk: Uint8Array, i: number, index: number | undefined): void {
    void chunk;
    this.docOpen = true;
    this.docLine = this.line;
    this.docCol = this.lineFirstCol;
    this.docIndex = index;
    this.searchMarked = false;
    this.key1 = '';
    this.key2 = '';
    this.hitsMode = false;
    this.hitOpen = false;
    this.startCapture(i);
  }

  private startCapture(i: number): void {
    this.capturing = true;
    this.capStart = i;
    this.pieces.length = 0;
    this.capBytes = 0;
    this.capTooBig = false;
  }

  private stopCapture(): void {
    this.capturing = false;
    this.pieces.length = 0;
    this.capBytes = 0;
  }

  private keep(piece: Uint8Array): void {
    this.capBytes += piece.length;
    if (this.capBytes > MAX_DOCUMENT_BYTES) {
      this.capTooBig = true;
      this.pieces.length = 0;
    } else if (piece.length > 0) {
      this.pieces.push(piece);
    }
  }

  private emit(chunk: Uint8Array, end: number, line: number, index: number | undefined, hit: boolean): void {
    const start = this.capStart;
    this.capturing = false;
    if (this.capTooBig || this.capBytes + end - start > MAX_DOCUMENT_BYTES) {
      this.pieces.length = 0;
      this.out.push({ type: 'error', message: `JSON document larger than ${MAX_DOCUMENT_BYTES} bytes skipped`, line, index });
      return;
    }
    let text: string;
    if (this.pieces.length === 0) {
      text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length).toString('utf8', start, end);
    } else {
      this.pieces.push(chunk.subarray(start, end));
      text = Buffer.concat(this.pieces).toString('utf8');
      this.pieces.length = 0;
    }
    this.out.push({ type: 'value', text, line, index, hit });
  }

  private endKey(chunk: Uint8Array, i: number): void {
    this.capturingKey = false;
    // Only a few short keys matter (search markers, "hits"): skip decoding every other key.
    if (this.keyPieces.length === 0) {
      const len = i - this.keyStart;
      const b0 = chunk[this.keyStart];
      if (len < 4 || len > 10 || (b0 !== 0x74 /* t */ && b0 !== 0x5f /* _ */ && b0 !== 0x70 /* p */ && b0 !== 0x68) /* h */) {
        if (this.depth - this.rootDepth === 1) this.key1 = '';
        else this.key2 = '';
        return;
      }
    }
    let key: string;
    if (this.keyPieces.length === 0) key = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length).toString('utf8', this.keyStart, i);
    else {
      this.keyPieces.push(chunk.subarray(this.keyStart, i));
      key = Buffer.concat(this.keyPieces).toString('utf8');
      this.keyPieces.length = 0;
    }
    if (this.depth - this.rootDepth === 1) {
      this.key1 = key;
      if (SEARCH_MARKERS.has(key)) this.searchMarked = true;
    } else {
      this.key2 = key;
    }
  }

  /** The current document cannot be completed: report it and resume at the next line. */
  private broken(message: string): void {
    const line = this.hitOpen ? this.hitLine : this.docOpen ? this.docLine : this.line;
    const index = this.hitOpen ? this.hitIndex : this.docIndex;
    const where = line === this.line ? '' : ` (document starts on line ${line}, broken on line ${this.line})`;
    this.out.push({ type: 'error', message: message + where, line, index });
    if (this.hitOpen) this.hitIndex++;
    this.docOpen = false;
    this.hitOpen = false;
    this.hitsMode = false;
    this.searchMarked = false;
    this.capturingKey = false;
    this.inString = false;
    this.escape = false;
    this.stopCapture();
    this.depth = this.rootDepth;
    this.scalarElement = false;
    this.skipLine = true;
    this.key1 = '';
    this.key2 = '';
  }

  /** Text where no document can be: remembered, reported as one run of lines. */
  private outside(_i: number): void {
    if (this.garbageFrom === 0) this.garbageFrom = this.line;
    this.garbageTo = this.line;
    this.skipLine = true;
  }

  private flushGarbage(): void {
    if (this.garbageFrom === 0) return;
    const from = this.garbageFrom;
    const to = this.garbageTo;
    this.garbageFrom = 0;
    const lines = from === to ? `line ${from}` : `lines ${from}-${to}`;
    this.out.push({ type: 'error', message: `text outside any JSON document skipped (${lines})`, line: from });
  }
}
