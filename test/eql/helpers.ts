// Small helpers for the EQL tests: evaluate a condition on one document, run a query over events.
import { compileQuery, type CompileOptions, type Match } from '../../src/eql/index.js';

/** Does `any where <cond>` match `doc`? */
export function holds(cond: string, doc: unknown, options: CompileOptions = {}): boolean {
  return compileQuery(`any where ${cond}`, options).matches(doc);
}

export interface Ev {
  id: string;
  '@timestamp': number;
  [k: string]: unknown;
}

/** Pushes events in order (their @timestamp), then flushes; returns each match as the ids of its slots ('-' for missing). */
export function run(query: string, events: Ev[], options: CompileOptions = {}): string[] {
  const q = compileQuery(query, options);
  const m = q.matcher<Ev>();
  const out: Match<Ev>[] = [];
  for (const e of events) out.push(...m.push(e));
  out.push(...m.flush());
  return out.map((x) => x.events.map((e) => (e ? e.id : '-')).join(' '));
}

/** Event with a category and time (ms). */
export function ev(id: string, t: number, category: string, fields: Record<string, unknown> = {}): Ev {
  return { id, '@timestamp': t, event: { category }, ...fields };
}
