// `seqhunt rules test`: runs the examples each rule carries (positive: must match, `expected_matches` times when
// given; negative: must not match) against the rule's compiled query, in memory.
import type { LoadedRule } from './types.js';

export interface ExampleResult {
  kind: 'positive' | 'negative';
  name: string;
  passed: boolean;
  matches: number;
  /** What was required: "≥1", "=2" or "0". */
  expected: string;
  /** Why it failed (bad timestamps, engine error), when it did not simply count wrong. */
  error?: string;
}

export interface RuleExampleReport {
  ruleId: string;
  name: string;
  source: string;
  results: ExampleResult[];
  passed: number;
  failed: number;
}

/** Runs one example's events through a fresh matcher, in the order given; returns the number of matches. */
export function countMatches(loaded: LoadedRule, events: ReadonlyArray<Record<string, unknown>>): number {
  const matcher = loaded.query.matcher<Record<string, unknown>>();
  let matches = 0;
  for (const doc of events) matches += matcher.push(doc).length;
  return matches + matcher.flush().length;
}

export function runRuleExamples(loaded: LoadedRule): RuleExampleReport {
  const { rule } = loaded;
  const results: ExampleResult[] = [];
  const run = (kind: 'positive' | 'negative', name: string, events: ReadonlyArray<Record<string, unknown>>, expectedMatches?: number) => {
    const expected = kind === 'negative' ? '0' : expectedMatches !== undefined ? `=${expectedMatches}` : '≥1';
    try {
      const matches = countMatches(loaded, events);
      const passed = kind === 'negative' ? matches === 0 : expectedMatches !== undefined ? matches === expectedMatches : matches >= 1;
      results.push({ kind, name, passed, matches, expected });
    } catch (err) {
      results.push({ kind, name, passed: false, matches: 0, expected, error: (err as Error).message });
    }
  };
  for (const ex of rule.examples?.positive ?? []) run('positive', ex.name, ex.events, ex.expectedMatches);
  for (const ex of rule.examples?.negative ?? []) run('negative', ex.name, ex.events);
  const passed = results.filter((r) => r.passed).length;
  return { ruleId: rule.ruleId, name: rule.name, source: rule.source, results, passed, failed: results.length - passed };
}

/** Human-readable report, one block per rule. */
export function formatExampleReports(reports: readonly RuleExampleReport[]): string {
  const lines: string[] = [];
  for (const r of reports) {
    const total = r.results.length;
    const verdict = total === 0 ? 'NO EXAMPLES' : r.failed === 0 ? 'ok' : 'FAIL';
    lines.push(`${verdict.padEnd(11)} ${r.name} (${r.passed}/${total} examples passed)  [${r.source}]`);
    for (const x of r.results) {
      const mark = x.passed ? '  ✓' : '  ✗';
      const detail = x.error ? `error: ${x.error}` : `${x.matches} match${x.matches === 1 ? '' : 'es'}, expected ${x.expected}`;
      lines.push(`${mark} ${x.kind === 'positive' ? '+' : '-'} ${x.name}: ${detail}`);
    }
  }
  return lines.join('\n') + '\n';
}
