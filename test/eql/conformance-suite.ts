// Runs Elasticsearch's EQL conformance suite (../shared/conformance/elasticsearch) the way its README says
// Elasticsearch's harness does, and the state-machine scenarios of sequences.series-spec.
// Shared by `npm run conformance` (scripts/conformance.ts) and test/eql/conformance.test.ts.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { applyPipes, compileQuery, EqlError, type FieldType, type Match } from '../../src/eql/index.js';

export interface CaseResult {
  name: string;
  query: string;
  expected: number[];
  got: number[] | null;
  error?: string;
  ok: boolean;
}

type Doc = Record<string, unknown>;

/** Loads test_data.json with FILETIME timestamps read exactly (they exceed 2^53). */
function loadEvents(path: string): Doc[] {
  const raw = readFileSync(path, 'utf8').replace(/"timestamp":\s*(\d+)/g, '"timestamp": "$1"');
  const docs = JSON.parse(raw) as Doc[];
  for (const d of docs) {
    const ft = BigInt(d.timestamp as string);
    d['@timestamp'] = Number(ft / 10000n - 11644473600000n);
    d.timestamp = Number(ft);
    d.event = { category: d.event_type, sequence: d.serial_event_id };
  }
  // Order: timestamp, then the tiebreaker (serial_event_id); sort is stable for input order.
  docs.sort((a, b) => (a['@timestamp'] as number) - (b['@timestamp'] as number) || (a.serial_event_id as number) - (b.serial_event_id as number));
  return docs;
}

/** Field types from data/endgame-140.mapping (keyword-family placeholders become keyword; aliases follow their path). */
function loadMapping(path: string): (field: string) => FieldType | undefined {
  const text = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('#'))
    .join('\n');
  const json = JSON.parse(text) as { properties: Record<string, unknown> };
  const types = new Map<string, string>();
  const aliases = new Map<string, string>();
  const walk = (props: Record<string, unknown>, prefix: string): void => {
    for (const [k, v] of Object.entries(props)) {
      const def = v as { type?: string; path?: string; properties?: Record<string, unknown> };
      if (def.properties) walk(def.properties, `${prefix}${k}.`);
      else if (def.type === 'alias' && def.path) aliases.set(prefix + k, def.path);
      else if (def.type) types.set(prefix + k, def.type.startsWith('[') ? 'keyword' : def.type);
    }
  };
  walk(json.properties, '');
  return (field) => (types.get(aliases.get(field) ?? field) as FieldType | undefined) ?? undefined;
}

function idsOf(matches: Match<Doc>[]): number[] {
  const ids: number[] = [];
  for (const m of matches) for (const e of m.events) if (e) ids.push(e.serial_event_id as number);
  return ids;
}

/** Every active [[queries]] entry of the TOML files, run over test_data.json. */
export function runQueries(dir: string): CaseResult[] {
  const events = loadEvents(join(dir, 'test_data.json'));
  const order = new Map<Doc, number>(events.map((e, i) => [e, i]));
  const fieldType = loadMapping(join(dir, 'data', 'endgame-140.mapping'));
  const results: CaseResult[] = [];
  for (const file of ['test_queries.toml', 'test_queries_date.toml']) {
    const path = join(dir, file);
    if (!existsSync(path)) continue;
    const toml = parseToml(readFileSync(path, 'utf8')) as { queries?: Array<{ name: string; query: string; expected_event_ids: number[] }> };
    for (const q of toml.queries ?? []) {
      const query = q.query.trim();
      const expected = q.expected_event_ids;
      try {
        const compiled = compileQuery(query, { fieldType, size: 50, tiebreakerField: 'serial_event_id' });
        const matcher = compiled.matcher<Doc>();
        const matches: Match<Doc>[] = [];
        for (const e of events) matches.push(...matcher.push(e));
        matches.push(...matcher.flush());
        // Result order: by the last matched event (completion order, also for delayed missing-event checks).
        const lastOrder = (m: Match<Doc>): number => {
          for (let i = m.events.length - 1; i >= 0; i--) if (m.events[i]) return order.get(m.events[i]!)!;
          return -1;
        };
        const sorted = matches.map((m, i) => ({ m, i })).sort((a, b) => lastOrder(a.m) - lastOrder(b.m) || a.i - b.i).map((x) => x.m);
        const got = idsOf(applyPipes(sorted, compiled.pipes, compiled.options.size));
        results.push({ name: `${file}:${q.name}`, query, expected, got, ok: JSON.stringify(got) === JSON.stringify(expected) });
      } catch (err) {
        const error = err instanceof EqlError ? err.format(query) : String((err as Error)?.stack ?? err);
        results.push({ name: `${file}:${q.name}`, query, expected, got: null, error, ok: false });
      }
    }
  }
  return results;
}

interface SeriesEvent {
  label: string;
  stage: number;
  n: number;
  key: string;
}

/** Parses sequences.series-spec into scenarios. */
function parseSeries(text: string): Array<{ name: string; stages: SeriesEvent[][]; expected: string[][] }> {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => !l.trimStart().startsWith('//'));
  const out: Array<{ name: string; stages: SeriesEvent[][]; expected: string[][] }> = [];
  let i = 0;
  const skipBlank = (): void => {
    while (i < lines.length && lines[i]!.trim() === '') i++;
  };
  while (true) {
    skipBlank();
    if (i >= lines.length) break;
    const name = lines[i++]!.trim();
    const stages: SeriesEvent[][] = [];
    while (i < lines.length && lines[i]!.trim() !== ';') {
      const l = lines[i++]!;
      if (l.trim() === '') continue;
      const stage = stages.length;
      stages.push(
        l.trim().split(/\s+/).map((tok) => {
          const m = /^(?:(\w+)\|)?([A-Za-z]+)(\d+)$/.exec(tok);
          if (!m) throw new Error(`series-spec ${name}: bad event ${tok}`);
          return { label: tok, stage, n: Number(m[3]), key: m[1] ?? '' };
        }),
      );
    }
    i++; // ;
    const expected: string[][] = [];
    while (i < lines.length && lines[i]!.trim() !== ';') {
      const l = lines[i++]!.trim();
      if (l !== '') expected.push(l.split(/\s+/).map((t) => t.replace(/^\w+\|/, '').replace(/^[A-Za-z]+/, '')));
    }
    i++;
    out.push({ name, stages, expected });
  }
  return out;
}

/** Runs each series-spec scenario through the sequence matcher. */
export function runSeries(dir: string): CaseResult[] {
  const path = join(dir, 'sequences.series-spec');
  if (!existsSync(path)) return [];
  const results: CaseResult[] = [];
  for (const sc of parseSeries(readFileSync(path, 'utf8'))) {
    const stageQueries = sc.stages.map((_, s) => `[any where stage == ${s}]`).join(' ');
    const query = `sequence by key ${stageQueries}`;
    const events = sc.stages.flat().sort((a, b) => a.n - b.n);
    const expected = sc.expected.map((seq) => seq.map(Number));
    try {
      const compiled = compileQuery(query, { fieldType: (f) => (f === 'stage' ? 'long' : undefined) });
      const matcher = compiled.matcher<SeriesEvent>();
      const got: number[][] = [];
      for (const e of events) for (const m of matcher.push(e, e.n)) got.push(m.events.map((x) => x!.n));
      for (const m of matcher.flush()) got.push(m.events.map((x) => x!.n));
      const norm = (xs: number[][]): string => JSON.stringify([...xs].sort((a, b) => a[a.length - 1]! - b[b.length - 1]!));
      results.push({ name: `series-spec:${sc.name}`, query, expected: expected.flat(), got: got.flat(), ok: norm(got) === norm(expected) });
    } catch (err) {
      results.push({ name: `series-spec:${sc.name}`, query, expected: expected.flat(), got: null, error: String(err), ok: false });
    }
  }
  return results;
}

export function runConformance(dir: string): CaseResult[] {
  return [...runQueries(dir), ...runSeries(dir)];
}

/** Human-readable report of failures and the total. */
export function formatReport(results: CaseResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    if (r.ok) continue;
    lines.push(`FAIL ${r.name}`);
    lines.push(`  query:    ${r.query.replace(/\s+/g, ' ')}`);
    lines.push(`  expected: [${r.expected.join(', ')}]`);
    lines.push(r.error ? `  error:    ${r.error.replace(/\n/g, '\n            ')}` : `  got:      [${(r.got ?? []).join(', ')}]`);
  }
  const passed = results.filter((r) => r.ok).length;
  lines.push(`${passed}/${results.length} passed, ${results.length - passed} failed`);
  return lines.join('\n');
}
