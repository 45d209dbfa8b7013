// Rule examples carried in the rule's own TOML file, beside [metadata] and [rule]:
//
//   [[examples.positive]]
//   name = "remote schtasks from 10.0.0.5"
//   expected_matches = 1            # optional: exact number of matches the events must produce
//   events = '''
//   {"@timestamp": "...", "event": {"category": ["network"]}, ...}
//   {"@timestamp": "...", "event": {"category": ["registry"]}, ...}
//   '''
//
//   [[examples.negative]]
//   name = "connection from loopback"
//   events = '''...'''
//
// `events` is NDJSON of ECS documents (one per line, blank lines and `#` comment lines ignored), or an array of
// inline tables for short examples. Examples run against the rule's query only (`seqhunt rules test`).
import type { RuleExamples, RuleProblem } from './types.js';
import type { TomlLineIndex } from './toml-lines.js';
import { plainObject } from './parse-rule.js';

type Kind = 'positive' | 'negative';

export function parseRuleExamples(value: unknown, file: string, lines: TomlLineIndex, problems: RuleProblem[]): RuleExamples | undefined {
  if (value === undefined) return undefined;
  if (!isTable(value)) {
    problems.push({ file, line: lines.tableLine('examples'), field: 'examples', message: 'must be a table with [[examples.positive]] / [[examples.negative]] entries' });
    return undefined;
  }
  const examples: RuleExamples = { positive: [], negative: [] };
  for (const key of Object.keys(value)) {
    if (key !== 'positive' && key !== 'negative') {
      problems.push({ file, line: lines.tableLine(`examples.${key}`) ?? lines.keyLine('examples', key), field: `examples.${key}`, message: 'unknown example kind (expected "positive" or "negative")' });
    }
  }
  for (const kind of ['positive', 'negative'] as const) {
    const list = value[kind];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      problems.push({ file, line: lines.keyLine('examples', kind), field: `examples.${kind}`, message: `must be an array of tables ([[examples.${kind}]])` });
      continue;
    }
    list.forEach((entry, i) => parseExample(kind, entry, i, file, lines, problems, examples));
  }
  return examples;
}

function parseExample(kind: Kind, entry: unknown, i: number, file: string, lines: TomlLineIndex, problems: RuleProblem[], out: RuleExamples): void {
  const table = `examples.${kind}`;
  const field = `${table}[${i}]`;
  const at = (key?: string) => (key ? lines.keyLine(table, key, i) : undefined) ?? lines.tableLine(table, i);
  if (!isTable(entry)) {
    problems.push({ file, line: at(), field, message: 'must be a table' });
    return;
  }
  const name = entry.name;
  if (typeof name !== 'string' || name.trim() === '') {
    problems.push({ file, line: at('name'), field: `${field}.name`, message: 'required: a non-empty string naming the example' });
    return;
  }
  const events = parseEvents(entry.events, (message, lineOffset) => {
    const base = at('events');
    problems.push({ file, line: base !== undefined && lineOffset !== undefined ? base + lineOffset : base, field: `${field}.events`, message: `example "${name}": ${message}` });
  });
  if (!events) return;
  if (kind === 'negative') {
    if (entry.expected_matches !== undefined && entry.expected_matches !== 0) {
      problems.push({ file, line: at('expected_matches'), field: `${field}.expected_matches`, message: `example "${name}": a negative example expects no match` });
    }
    out.negative.push({ name, events });
    return;
  }
  const expected = entry.expected_matches;
  if (expected !== undefined && (typeof expected !== 'number' || !Number.isInteger(expected) || expected < 1)) {
    problems.push({ file, line: at('expected_matches'), field: `${field}.expected_matches`, message: `example "${name}": must be an integer ≥ 1` });
    return;
  }
  out.positive.push(expected === undefined ? { name, events } : { name, events, expectedMatches: expected });
}

/** NDJSON text or an array of tables → documents; reports through `fail` (lineOffset counts from the `events =` line). */
function parseEvents(value: unknown, fail: (message: string, lineOffset?: number) => void): Array<Record<string, unknown>> | undefined {
  if (Array.isArray(value)) {
    if (value.length === 0 || !value.every(isTable)) {
      fail('events must be NDJSON text or a non-empty array of inline tables');
      return undefined;
    }
    return plainObject(value) as Array<Record<string, unknown>>;
  }
  if (typeof value !== 'string') {
    fail('required: events, as NDJSON text (one ECS document per line)');
    return undefined;
  }
  const docs: Array<Record<string, unknown>> = [];
  // A multi-line string starting with a newline has it trimmed by TOML, so text line n is file line base + n.
  const textLines = value.split(/\r?\n/);
  let ok = true;
  textLines.forEach((text, n) => {
    const trimmed = text.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    try {
      const doc = JSON.parse(trimmed) as unknown;
      if (!isTable(doc)) throw new Error('not a JSON object');
      docs.push(doc);
    } catch (err) {
      ok = false;
      fail(`event line ${n + 1}: ${(err as Error).message}`, n + 1);
    }
  });
  if (!ok) return undefined;
  if (docs.length === 0) {
    fail('events holds no document');
    return undefined;
  }
  return docs;
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
