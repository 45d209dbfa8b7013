// JSON inputs → `document` items, unchanged: ECS documents (nested or dotted keys), flat exports (NXLog, OTRF),
// elements of JSON arrays and the `_source` of Elasticsearch search hits. Normalization decides what they are.
import type { ByteStream } from '../bytes.js';
import type { LineRange } from '../line-range.js';
import type { ByteSpan, HeldLine, InputItem, Origin, ReadItem } from '../types.js';
import { JsonScanner, MAX_DEPTH, type ScanOutput } from './scan.js';

type Doc = Record<string, unknown>;

const isObject = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True for an Elasticsearch search/scroll response (checked on parsed objects whose keys came in any order). */
export function isSearchResponse(doc: Doc): boolean {
  const hits = doc.hits;
  return (
    isObject(hits) &&
    Array.isArray(hits.hits) &&
    ('took' in doc || 'timed_out' in doc || '_shards' in doc || '_scroll_id' in doc || 'pit_id' in doc)
  );
}

/**
 * A pre-filter over raw NDJSON lines (see src/engine/prefilter.ts): `scan` reports the lines that may matter;
 * the others are counted in `skipped` and never parsed. A line reported with a non-zero `hold` becomes a `held`
 * item, its text undecoded, with that number as its tag (the filter's word for why it holds it).
 */
export interface JsonLineFilter {
  scan(text: string, from: number, to: number, onLine: (start: number, end: number, hold: number) => void): void;
  /** Lines not parsed because the filter passed over them (blank lines included). */
  skipped: number;
}

/** Reads JSON from a UTF-8 byte stream; malformed documents become `problem` items and reading goes on. */
export async function* readJson(
  input: ByteStream,
  base: { file: string; member?: string },
  options: { lineFilter?: JsonLineFilter; lend?: (on: boolean) => void; piece?: LineRange } = {},
): AsyncGenerator<ReadItem> {
  // NDJSON (the first line is a whole object) is read line by line: JSON.parse on each line, and a pre-filter can
  // skip lines unparsed. Anything else (arrays, pretty-printed or concatenated documents, search responses spread
  // over lines) goes through the scanner, which finds document boundaries byte by byte.
  const it = input[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let first = true;
  let firstLine: string | undefined;
  for (;;) {
    const r = await it.next();
    if (r.done) break;
    let chunk = r.value;
    if (first && chunk.length > 0) {
      first = false;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
    }
    head.push(chunk);
    const nl = chunk.indexOf(10);
    if (nl !== -1) {
      firstLine = Buffer.concat(head).toString('utf8', 0, head.reduce((n, c) => n + c.length, 0) - (chunk.length - nl));
      break;
    }
  }
  const replay: ByteStream = {
    async *[Symbol.asyncIterator]() {
      yield* head;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    },
  };
  if (firstLine !== undefined && isWholeObjectLine(firstLine)) {
    yield* readJsonLines(replay, base, options.lineFilter, options.lend, options.piece);
  } else {
    options.piece?.overrun();
    yield* readJsonScanned(replay, base);
  }
}

/** Whether UTF-8 text starting with `head` is read as NDJSON: its first line (whole in `head`) is a JSON object. */
export function startsNdjson(head: Uint8Array): boolean {
  const bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  const nl = head.indexOf(10, bom);
  return nl !== -1 && isWholeObjectLine(Buffer.from(head.buffer, head.byteOffset, head.length).toString('utf8', bom, nl));
}

function isWholeObjectLine(line: string): boolean {
  const t = line.trim();
  if (t.length < 2 || t.charCodeAt(0) !== 0x7b || t.charCodeAt(t.length - 1) !== 0x7d) return false;
  try {
    return isObject(JSON.parse(t));
  } catch {
    return false;
  }
}

/**
 * NDJSON: one document per line, blank lines allowed. A line that is not a whole JSON document (a malformed line,
 * or a switch to arrays or pretty-printed documents) goes to the scanner, which reports problems precisely, with
 * the lines after it until the scanner is between documents at a line that is a whole object. A piece of a file
 * (`range`) that ends while the scanner is inside a document reads on to the end of the file; its `state` counts
 * its lines.
 */
export async function* readJsonLines(
  input: ByteStream,
  base: { file: string; member?: string },
  filter: JsonLineFilter | undefined,
  lend?: (on: boolean) => void,
  range?: LineRange,
): AsyncGenerator<ReadItem> {
  // What this keeps of a chunk past the next pull is copied (strings decoded from it, the partial line `carry`
  // joined to the next chunk), so it can borrow the input's chunks (`LendingStream`).
  lend?.(true);
  const pending: ReadItem[] = [];
  const bulk = { count: 0 };
  let carry: Buffer = Buffer.alloc(0);
  let line = 0; // lines consumed so far
  let broken = -1; // char index in the current text of the first line that did not parse
  // Text of the current chunk's lines [start, end), as UTF-8 (see `bytewise` below).
  let decode = (text: string, start: number, end: number): string => text.slice(start, end);
  // With text read as latin1 (below): the bytes of its lines [start, end), for a held line kept undecoded.
  let heldBytes: ((start: number, end: number) => ByteSpan) | undefined;
  const parseLine = (text: string, start: number, end: number, lineNo: number, hold = 0): boolean => {
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    let s = start;
    while (s < end && (text.charCodeAt(s) === 32 || text.charCodeAt(s) === 9)) s++;
    if (s === end) return true;
    // Held only when it looks like one whole object, so that anything else still switches to the scanner below.
    if (hold !== 0 && text.charCodeAt(s) === 0x7b && text.charCodeAt(end - 1) === 0x7d) {
      // Its text as scanned: the latin1 reading of its bytes (then given too), or the decoded text itself.
      pending.push({ kind: 'held', text: text.slice(s, end), bytes: heldBytes?.(s, end), origin: origin(base, lineNo, undefined), tag: hold });
      return true;
    }
    // Only a line longer than the nesting limit can nest that deep; such a line goes to the scanner, which
    // enforces the limit (deeper documents overflow the stack of code that walks them).
    if (end - s > MAX_DEPTH && openings(text, s, end) >= MAX_DEPTH) return false;
    const body = decode(text, s, end);
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      return false;
    }
    if (!isObject(value)) return false;
    const item = convertParsed(value, { type: 'value', text: body, line: lineNo, hit: false }, base, pending, bulk);
    if (item?.kind === 'document') item.line = body;
    if (item) pending.push(item);
    return true;
  };
  // Complete lines text[0, to): parse each, or the ones the filter picks (counting the lines in between).
  const lines = (text: string, to: number): void => {
    if (filter) {
      let pos = 0; // first char not yet accounted for
      filter.scan(text, 0, to, (start, end, hold) => {
        if (broken >= 0) return;
        let passed = 0;
        for (let i = text.indexOf('\n', pos); i !== -1 && i < start; i = text.indexOf('\n', i + 1)) passed++;
        filter.skipped += passed;
        line += passed;
        if (!parseLine(text, start, end, line + 1, hold)) {
          broken = start;
          return;
        }
        line++;
        pos = end + 1;
      });
      if (broken >= 0) return;
      let rest = 0;
      for (let i = text.indexOf('\n', pos); i !== -1 && i < to; i = text.indexOf('\n', i + 1)) rest++;
      filter.skipped += rest;
      line += rest;
      return;
    }
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1 && nl < to; nl = text.indexOf('\n', start)) {
      if (!parseLine(text, start, nl, line + 1)) {
        broken = start;
        return;
      }
      line++;
      start = nl + 1;
    }
  };
  // The scanner reading the lines from one that did not parse, until it is back between documents.
  let scanner: JsonScanner | undefined;
  const scanned = (out: ScanOutput) => {
    const item = convert(out, base, pending, bulk);
    if (item) pending.push(item);
  };
  // Lines buf[from, last] to the scanner, one at a time (copies: it keeps what it likes), the first one always when
  // `broken` (it did not parse); returns where line reading resumes (last + 1: not yet). At the end of the input,
  // the newline added to the last line is not fed.
  const recover = (buf: Buffer, from: number, last: number, atEnd: boolean, broken: boolean): number => {
    for (let s = from; s <= last; ) {
      const e = buf.indexOf(10, s);
      if (!(broken && s === from) && scanner!.idle && isWholeObjectLine(buf.toString('utf8', s, e))) {
        scanner = undefined;
        return s;
      }
      for (const out of scanner!.push(Buffer.from(atEnd && e === last ? buf.subarray(s, e) : buf.subarray(s, e + 1)))) scanned(out);
      line++;
      s = e + 1;
    }
    return last + 1;
  };
  const it = input[Symbol.asyncIterator]();
  let done = false;
  while (!done) {
    const r = await it.next();
    let buf: Buffer;
    if (r.done) {
      done = true;
      if (carry.length === 0) break;
      buf = Buffer.concat([carry, Buffer.from('\n')]);
    } else {
      buf = carry.length === 0 ? Buffer.from(r.value.buffer, r.value.byteOffset, r.value.length) : Buffer.concat([carry, r.value]);
    }
    // A newline byte never occurs inside a multi-byte UTF-8 sequence: decode whole lines only.
    const last = buf.lastIndexOf(10);
    if (last === -1) {
      carry = buf;
      continue;
    }
    // With a filter, which looks for ASCII words only, the bytes are scanned as latin1 text (a character per byte,
    // far cheaper than decoding UTF-8, whose multi-byte sequences never hold an ASCII byte), and only the lines it
    // picks are decoded as UTF-8. Not when the chunk holds a Kelvin sign, which case-insensitive EQL reads as `k`.
    const bytewise = filter !== undefined && buf.indexOf(KELVIN_SIGN) === -1;
    const chunk = buf;
    // Whole lines, decoded a piece of at most PIECE bytes at a time (longer lines whole): a string that small is
    // allocated young and dies young, where a larger one goes to the old generation and costs a full collection.
    // A line that does not parse hands the lines from it to the scanner, until it is back between documents at a
    // line that is a whole object: a broken line costs the scanner a line or two, not the rest of the input.
    let piece = scanner ? recover(buf, 0, last, done, false) : 0;
    while (piece <= last) {
      let end = piece + PIECE > last ? last : buf.lastIndexOf(10, piece + PIECE - 1);
      if (end < piece) end = buf.indexOf(10, piece);
      const at = piece;
      const text = bytewise ? buf.toString('latin1', at, end + 1) : buf.toString('utf8', at, end + 1);
      decode = bytewise ? (_text, start, stop) => chunk.toString('utf8', at + start, at + stop) : (t, start, stop) => t.slice(start, stop);
      heldBytes = bytewise ? (start, stop) => ({ buffer: chunk, start: at + start, end: at + stop }) : undefined;
      lines(text, text.length);
      piece = end + 1;
      if (broken >= 0) {
        const from = at + (bytewise ? broken : Buffer.byteLength(text.slice(0, broken)));
        broken = -1;
        scanner = new JsonScanner(line + 1);
        piece = recover(buf, from, last, done, true);
      }
    }
    // A piece of a file that ends inside a document the scanner is reading reads on to the end of the file.
    if (scanner && range?.ending) range.overrun();
    if (pending.length > 0) {
      yield* pending;
      pending.length = 0;
    }
    carry = buf.subarray(last + 1);
  }
  if (scanner) for (const out of scanner.end()) scanned(out);
  if (range) range.state.lines = line;
  yield* pending;
  if (range) range.state.bulk += bulk.count;
  else if (bulk.count > 0) yield bulkNote(base, bulk.count);
}

/** The note JSON problems end with when they name lines other than their origin's (scan.ts, `parseErrorMessage`). */
const LINES_NOTE = /\((?:document starts on line \d+, broken on line \d+|on line \d+|lines? \d+(?:-\d+)?)\)$/;

/** A JSON problem's message with the lines it names `by` lines further on (for a piece of a file, line-range.ts). */
export function shiftLineNumbers(message: string, by: number): string {
  return by === 0 ? message : message.replace(LINES_NOTE, (note) => note.replace(/\d+/g, (n) => String(Number(n) + by)));
}

/**
 * A `held` item's line, decoded now as it would have been when read (its document, or the problem it has; a
 * search response or _bulk action line gives its hits or nothing).
 */
export function readHeldLine(item: HeldLine): InputItem[] {
  const { text, origin: o } = item;
  const line = o.line ?? 1;
  const base = o.member !== undefined ? { file: o.file, member: o.member } : { file: o.file };
  const more: InputItem[] = [];
  const one = convert({ type: 'value', text, line, hit: false }, base, more, { count: 0 });
  if (one?.kind === 'document') one.line = text;
  return one ? [one] : more;
}

const KELVIN_SIGN = Buffer.from('\u212A', 'utf8');
/** Bytes of lines decoded at once (below V8's large-object size, so that the text is a young object). */
const PIECE = 64 * 1024;

/** Count of `{` and `[` in text[start, end): an upper bound of the nesting depth. */
function openings(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) n++;
  }
  return n;
}

/** What a JSON input that held Elasticsearch `_bulk` action lines is noted with. */
export function bulkNoteMessage(count: number): string {
  return `${count} Elasticsearch _bulk action line(s) skipped (the documents after them are read)`;
}

function bulkNote(base: { file: string; member?: string }, count: number): InputItem {
  const o: Origin = { file: base.file };
  if (base.member !== undefined) o.member = base.member;
  return { kind: 'problem', severity: 'note', message: bulkNoteMessage(count), origin: o };
}

/** Any JSON shape, document boundaries found by the scanner. */
async function* readJsonScanned(input: ByteStream, base: { file: string; member?: string }, firstLine = 1): AsyncGenerator<InputItem> {
  const scanner = new JsonScanner(firstLine);
  const pending: InputItem[] = [];
  const bulk = { count: 0 };
  for await (const chunk of input) {
    const outs = scanner.push(chunk);
    for (let k = 0; k < outs.length; k++) {
      const out = outs[k]!;
      // The common case inline: one object, one item (no per-item generator on the hot path).
      const item = convert(out, base, pending, bulk);
      if (item) yield item;
      else if (pending.length > 0) {
        yield* pending;
        pending.length = 0;
      }
    }
  }
  for (const out of scanner.end()) {
    const item = convert(out, base, pending, bulk);
    if (item) yield item;
  }
  yield* pending;
  if (bulk.count > 0) yield bulkNote(base, bulk.count);
}

function origin(base: { file: string; member?: string }, line: number, index: number | undefined): Origin {
  const o: Origin = { file: base.file, line };
  if (base.member !== undefined) o.member = base.member;
  if (index !== undefined) o.index = index;
  return o;
}

/** One scanner output → one item (returned), or several (appended to `more`, returning undefined). */
function convert(out: ScanOutput, base: { file: string; member?: string }, more: ReadItem[], bulk: { count: number }): InputItem | undefined {
  if (out.type === 'error') {
    return { kind: 'problem', severity: 'error', message: out.message, origin: origin(base, out.line, out.index) };
  }
  let value: unknown;
  try {
    value = JSON.parse(out.text);
  } catch (err) {
    return { kind: 'problem', severity: 'error', message: `malformed JSON: ${parseErrorMessage(err, out.text, out.line)}`, origin: origin(base, out.line, out.index) };
  }
  if (!isObject(value)) {
    return { kind: 'problem', severity: 'error', message: 'not a JSON object', origin: origin(base, out.line, out.index) };
  }
  return convertParsed(value, out, base, more, bulk);
}

/** A parsed object → its item(s): a search hit, the hits of a search response, nothing for a _bulk action, or a document. */
function convertParsed(value: Doc, out: ScanOutput & { type: 'value' }, base: { file: string; member?: string }, more: ReadItem[], bulk: { count: number }): InputItem | undefined {
  if (out.hit) return hitItem(value, origin(base, out.line, out.index));
  const response = searchResponseIn(value);
  if (response) {
    // A response whose keys came in an order the scanner could not recognise early, or wrapped
    // (Kibana's inspector `rawResponse`, `_msearch` `responses`): split it here.
    const hits = response.flatMap((r) => (r.hits as Doc).hits as unknown[]);
    for (let i = 0; i < hits.length; i++) {
      const hit = hits[i];
      const o = origin(base, out.line, i);
      more.push(isObject(hit) ? hitItem(hit, o) : { kind: 'problem', severity: 'error', message: 'search hit is not a JSON object', origin: o });
    }
    return undefined;
  }
  if (isBulkAction(value)) {
    bulk.count++;
    return undefined;
  }
  return { kind: 'document', doc: value, origin: origin(base, out.line, out.index) };
}

/** Search responses a parsed object holds: itself, Kibana's `rawResponse`, or `_msearch` `responses[]`. */
function searchResponseIn(doc: Doc): Doc[] | undefined {
  if (isSearchResponse(doc)) return [doc];
  if (isObject(doc.rawResponse) && isSearchResponse(doc.rawResponse)) return [doc.rawResponse];
  const responses = doc.responses;
  if (Array.isArray(responses) && responses.length > 0 && responses.every((r) => isObject(r) && isSearchResponse(r))) return responses as Doc[];
  return undefined;
}

const BULK_OPS = new Set(['index', 'create', 'update', 'delete']);
const BULK_META = new Set(['_index', '_id', '_type', 'routing', 'pipeline', 'require_alias', 'if_seq_no', 'if_primary_term', 'version', 'version_type', 'dynamic_templates', 'retry_on_conflict']);

/** An Elasticsearch `_bulk` action line (`{"index":{"_index":…}}`), which precedes each document in bulk files. */
function isBulkAction(doc: Doc): boolean {
  let op: unknown;
  let n = 0;
  for (const k in doc) {
    if (++n > 1 || !BULK_OPS.has(k)) return false;
    op = doc[k];
  }
  if (!isObject(op)) return false;
  let meta = 0;
  for (const k in op) {
    if (!BULK_META.has(k)) return false;
    meta++;
  }
  return meta > 0;
}

function hitItem(hit: Doc, o: Origin): InputItem {
  const source = hit._source;
  if (isObject(source)) return { kind: 'document', doc: source, origin: o };
  return { kind: 'problem', severity: 'warning', message: 'search hit has no _source object (stored fields only?); skipped', origin: o };
}

/** JSON.parse's message, with the line of the failing position when V8 names one. */
function parseErrorMessage(err: unknown, text: string, firstLine: number): string {
  const message = err instanceof Error ? err.message : String(err);
  const m = /position (\d+)/.exec(message);
  if (!m) return message;
  const pos = Math.min(Number(m[1]), text.length);
  let line = firstLine;
  for (let i = text.indexOf('\n'); i !== -1 && i < pos; i = text.indexOf('\n', i + 1)) line++;
  const short = message.length > 200 ? `${message.slice(0, 200)}…` : message;
  return line === firstLine ? short : `${short} (on line ${line})`;
}
