// `seqhunt query '<eql>' [paths...]`: run one EQL query (event query or sequence) over events and print the
// matches as NDJSON. Inputs are read whole and ordered in memory (timestamp, tiebreaker, input order).
import { parseCommandArgs } from '../args.js';
import type { CliIo, Command } from '../command.js';
import { UsageError } from '../command.js';
import { writeOut } from '../output.js';
import { applyPipes, compileQuery, EqlError, fieldGetter, type CompiledQuery, type Match } from '../../eql/index.js';
import { expandInputs, readSource } from '../../formats/index.js';
import { ecsFieldType, isWindowsDocument, normalize } from '../../normalize/index.js';

const usage = `Usage: seqhunt query [options] '<eql>' [paths...]

Runs one EQL query (Elasticsearch dialect: event queries, sequences, | head / | tail) over events and prints
the matches, ordered by event time. Paths are files, directories or globs (- or none: stdin); Windows
event sources are normalized to ECS, any other JSON is queried as it is.

Options:
  --timestamp-field F       event time field (default @timestamp; ISO 8601 string or epoch ms)
  --tiebreaker-field F      orders events with the same time (then input order)
  --event-category-field F  the field "process where" tests (default event.category)
  --size N                  at most N results (default 10, as Elasticsearch)
  --format ndjson           one line per matched event, or per sequence
                            {"join_keys": [...], "events": [...]} with {"missing": true} in missing slots

Exit status: 0 the query ran (matches or not), 2 a query or usage error, or an input that could not be read
(after the rest has run).
`;

interface Row {
  doc: unknown;
  ts: number;
  tie: unknown;
  seq: number;
}

function compareTie(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function wholeInput(o: { line?: number; record?: number; offset?: number; index?: number; member?: string }): boolean {
  return o.line === undefined && o.record === undefined && o.offset === undefined && o.index === undefined && o.member === undefined;
}

function firstOf(v: unknown): unknown {
  return Array.isArray(v) ? v[0] : v;
}

export const command: Command = {
  name: ['query'],
  summary: 'Run an EQL query over events (NDJSON, EVTX, XML, JSON)',
  usage,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(args, {
      'timestamp-field': { type: 'string' },
      'tiebreaker-field': { type: 'string' },
      'event-category-field': { type: 'string' },
      size: { type: 'string' },
      format: { type: 'string' },
    });
    const [query, ...paths] = positionals;
    if (query === undefined) throw new UsageError('missing the EQL query');
    const format = values.format ?? 'ndjson';
    if (format !== 'ndjson') throw new UsageError(`unknown --format '${format}' (supported: ndjson)`);
    let size = 10;
    if (values.size !== undefined) {
      if (!/^\d+$/.test(values.size)) throw new UsageError(`--size needs a non-negative integer, found '${values.size}'`);
      size = Number(values.size);
    }
    const timestampField = values['timestamp-field'] ?? '@timestamp';
    const tiebreakerField = values['tiebreaker-field'];
    let compiled: CompiledQuery;
    try {
      compiled = compileQuery(query, {
        timestampField,
        tiebreakerField,
        eventCategoryField: values['event-category-field'],
        size,
        fieldType: ecsFieldType,
      });
    } catch (err) {
      if (err instanceof EqlError) {
        io.stderr.write(`seqhunt query: invalid query\n${err.format(query)}\n`);
        return 2;
      }
      throw err;
    }

    const tsOf = fieldGetter(timestampField, 'date');
    const tieOf = tiebreakerField ? fieldGetter(tiebreakerField, undefined) : undefined;
    const rows: Row[] = [];
    let problems = 0;
    // Inputs that could not be read at all (missing, not a format seqhunt reads): exit status 2 at the end.
    const unreadable = new Set<string>();
    let untimed = 0;
    const report = (where: { file: string; member?: string; line?: number; record?: number; offset?: number }, message: string): void => {
      const place = [where.file, where.member, where.line ?? (where.record !== undefined ? `record ${where.record}` : where.offset !== undefined ? `offset ${where.offset}` : undefined)]
        .filter((x) => x !== undefined)
        .join(':');
      io.stderr.write(`${place}: ${message}\n`);
    };
    const sources = await expandInputs(paths.length > 0 ? paths : ['-']);
    for (const source of sources) {
      let records = 0;
      for await (const item of readSource(source, { stdin: io.stdin as AsyncIterable<Uint8Array | string> })) {
        if (item.kind === 'problem') {
          if (item.severity === 'error') problems++;
          // As hunt does: an error about the whole input before any record means the input was not read.
          if (item.severity === 'error' && records === 0 && wholeInput(item.origin)) unreadable.add(source.path);
          report(item.origin, item.message);
          continue;
        }
        records++;
        // Windows events are normalized to ECS; any other JSON (ECS included) is queried and printed as read.
        let doc: unknown;
        const result = item.kind === 'windows' || isWindowsDocument(item.doc) ? normalize(item) : undefined;
        if (result === undefined) doc = item.kind === 'document' ? item.doc : undefined;
        else if (result.ok) doc = result.event.doc;
        else if (item.kind === 'document') doc = item.doc;
        else {
          problems++;
          report(item.origin, result.reason);
          continue;
        }
        const t = firstOf(tsOf(doc));
        if (typeof t !== 'number') {
          untimed++;
          continue;
        }
        rows.push({ doc, ts: t, tie: tieOf ? firstOf(tieOf(doc)) : undefined, seq: rows.length });
      }
    }
    rows.sort((a, b) => a.ts - b.ts || compareTie(a.tie, b.tie) || a.seq - b.seq);

    const matcher = compiled.matcher<unknown>();
    const order = new Map<unknown, number>();
    const matches: Match<unknown>[] = [];
    // Event queries keep only what the pipes and size can print (head/size: the first ones, tail: a window).
    const lastPipe = compiled.pipes[compiled.pipes.length - 1];
    const bound = compiled.kind === 'event' && lastPipe?.kind !== 'tail' && !compiled.pipes.some((p) => p.kind === 'tail')
      ? Math.min(size, ...compiled.pipes.map((p) => p.n))
      : Infinity;
    for (let i = 0; i < rows.length && matches.length < bound; i++) {
      const r = rows[i]!;
      order.set(r.doc, i);
      for (const m of matcher.push(r.doc, r.ts)) matches.push(m);
    }
    matches.push(...matcher.flush());
    const lastIndex = (m: Match<unknown>): number => {
      for (let i = m.events.length - 1; i >= 0; i--) {
        const e = m.events[i];
        if (e) return order.get(e) ?? 0;
      }
      return 0;
    };
    const sorted = matches.map((m, i) => ({ m, i })).sort((a, b) => lastIndex(a.m) - lastIndex(b.m) || a.i - b.i).map((x) => x.m);
    const shown = applyPipes(sorted, compiled.pipes, size);
    for (const m of shown) {
      const line = compiled.kind === 'event' ? m.events[0] : { join_keys: m.joinKeys, events: m.events.map((e) => e ?? { missing: true }) };
      if (!(await writeOut(io.stdout, JSON.stringify(line) + '\n'))) break;
    }
    if (untimed > 0) io.stderr.write(`seqhunt query: ${untimed} event${untimed === 1 ? '' : 's'} without a readable ${timestampField} skipped\n`);
    if (problems > 0) io.stderr.write(`seqhunt query: ${problems} input problem${problems === 1 ? '' : 's'} (reported above); the rest was read\n`);
    if (unreadable.size > 0) io.stderr.write(`seqhunt query: ${unreadable.size} unreadable input${unreadable.size === 1 ? '' : 's'}: exit status 2\n`);
    return unreadable.size > 0 ? 2 : 0;
  },
};
