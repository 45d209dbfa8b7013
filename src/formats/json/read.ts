// JSON inputs → `document` items, unchanged: ECS documents (nested or dotted keys), flat exports (NXLog, OTRF),
// elements of JSON arrays and the `_source` of Elasticsearch search hits. Normalization decides what they are.
import type { ByteStream } from '../bytes.js';
import type { InputItem, Origin } from '../types.js';
import { JsonScanner, type ScanOutput } from './scan.js';

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

/** Reads JSON from a UTF-8 byte stream; malformed documents become `problem` items and reading goes on. */
export async function* readJson(input: ByteStream, base: { file: string; member?: string }): AsyncGenerator<InputItem> {
  const scanner = new JsonScanner();
  const pending: InputItem[] = [];
  const bulk = { count: 0 };
  let first = true;
  for await (let chunk of input) {
    if (first && chunk.length > 0) {
      first = false;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
    }
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
  if (bulk.count > 0) {
    const o: Origin = { file: base.file };
    if (base.member !== undefined) o.member = base.member;
    yield { kind: 'problem', severity: 'note', message: `${bulk.count} Elasticsearch _bulk action line(s) skipped (the documents after them are read)`, origin: o };
  }
}

function origin(base: { file: string; member?: string }, line: number, index: number | undefined): Origin {
  const o: Origin = { file: base.file, line };
  if (base.member !== undefined) o.member = base.member;
  if (index !== undefined) o.index = index;
  return o;
}

/** One scanner output → one item (returned), or several (appended to `more`, returning undefined). */
function convert(out: ScanOutput, base: { file: string; member?: string }, more: InputItem[], bulk: { count: number }): InputItem | undefined {
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
