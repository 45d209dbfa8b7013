// The flagship's own examples, run through its compiled query: each positive matches as many times as it says,
// each negative (the strategy's near misses) never.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { builtinRulesDir, loadRules } from '../../src/rules/index.js';
import { skipWithoutEql } from './eql-ready.js';

test('flagship examples: positives match, near misses do not', { skip: skipWithoutEql }, async () => {
  const { rules, problems } = await loadRules({ builtin: false, paths: [join(builtinRulesDir, 'remote_scheduled_task_creation.toml')] });
  assert.deepEqual(problems, []);
  const { rule, query } = rules[0]!;
  const run = (events: Array<Record<string, unknown>>) => {
    const m = query.matcher<Record<string, unknown>>();
    let n = 0;
    for (const e of events) n += m.push(e, Date.parse(String(e['@timestamp']))).length;
    return n + m.flush().length;
  };
  assert.ok(rule.examples);
  for (const ex of rule.examples.positive) assert.equal(run(ex.events), ex.expectedMatches ?? 1, ex.name);
  for (const ex of rule.examples.negative) assert.equal(run(ex.events), 0, ex.name);
});
