import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRuleText, loadRules } from '../../src/rules/index.js';
import { formatExampleReports, runRuleExamples } from '../../src/rules/examples.js';

const doc = (ts: string, name: string) => JSON.stringify({ '@timestamp': ts, event: { category: ['process'] }, host: { id: 'h1' }, process: { name } });

function rule(examples: string, query = 'sequence by host.id with maxspan = 1m [process where process.name == "a.exe"] [process where process.name == "b.exe"]'): ReturnType<typeof loadRuleText> {
  return loadRuleText(
    `[metadata]\ncreation_date = "2026/11/28"\n[rule]\nrule_id = "r1"\nname = "Examples subject"\ndescription = "d"\ntype = "eql"\nlanguage = "eql"\nrisk_score = 10\nseverity = "low"\nquery = '''\n${query}\n'''\n${examples}`,
    'ex.toml',
  );
}

test('positive examples must match (exactly expected_matches when given), negative ones must not', () => {
  const loaded = rule(`
[[examples.positive]]
name = "a then b"
events = '''
${doc('2026-01-01T00:00:00Z', 'a.exe')}
${doc('2026-01-01T00:00:10Z', 'b.exe')}
'''

[[examples.positive]]
name = "claims two matches"
expected_matches = 2
events = '''
${doc('2026-01-01T00:00:00Z', 'a.exe')}
${doc('2026-01-01T00:00:10Z', 'b.exe')}
'''

[[examples.positive]]
name = "too late to match"
events = '''
${doc('2026-01-01T00:00:00Z', 'a.exe')}
${doc('2026-01-01T00:02:00Z', 'b.exe')}
'''

[[examples.negative]]
name = "b then a"
events = '''
${doc('2026-01-01T00:00:00Z', 'b.exe')}
${doc('2026-01-01T00:00:10Z', 'a.exe')}
'''

[[examples.negative]]
name = "wrongly negative"
events = '''
${doc('2026-01-01T00:00:00Z', 'a.exe')}
${doc('2026-01-01T00:00:01Z', 'b.exe')}
'''
`);
  assert.ok(loaded.rule, loaded.problems.map((p) => p.message).join('; '));
  const report = runRuleExamples(loaded.rule);
  assert.deepEqual(
    report.results.map((r) => [r.kind, r.name, r.passed, r.matches]),
    [
      ['positive', 'a then b', true, 1],
      ['positive', 'claims two matches', false, 1],
      ['positive', 'too late to match', false, 0],
      ['negative', 'b then a', true, 0],
      ['negative', 'wrongly negative', false, 1],
    ],
  );
  assert.equal(report.passed, 2);
  assert.equal(report.failed, 3);
  const text = formatExampleReports([report]);
  assert.match(text, /^FAIL\s+Examples subject \(2\/5 examples passed\)/);
  assert.match(text, /✗ \+ claims two matches: 1 match, expected =2/);
});

test('a rule without examples is reported as such', () => {
  const loaded = rule('');
  const report = runRuleExamples(loaded.rule!);
  assert.equal(report.results.length, 0);
  assert.match(formatExampleReports([report]), /^NO EXAMPLES/);
});

test('every built-in rule carries positive and negative examples, and they pass', async () => {
  const { rules, problems } = await loadRules({ builtin: true });
  assert.deepEqual(problems, []);
  assert.ok(rules.length >= 5);
  for (const r of rules) {
    const report = runRuleExamples(r);
    assert.ok(r.rule.examples!.positive.length > 0 && r.rule.examples!.negative.length > 0, `${r.rule.name} has both kinds`);
    assert.equal(report.failed, 0, `${r.rule.name}: ${report.results.filter((x) => !x.passed).map((x) => x.name).join(', ')}`);
  }
});

test('companion rules are labelled with the blind spot they cover, and carry their own risk and note', async () => {
  const { rules } = await loadRules({ builtin: true });
  const names = ['Remote Scheduled Task Creation via RPC (Security log)', 'Scheduled Task Created over the ATSVC Named Pipe', 'Remote Scheduled Task Update', 'Scheduled Task Registered through Remote Management'];
  for (const name of names) {
    const r = rules.find((x) => x.rule.name === name);
    assert.ok(r, name);
    assert.ok(r.rule.coversBlindSpot && r.rule.coversBlindSpot.length > 10, `${name}: covers_blind_spot`);
    assert.ok(r.rule.note && r.rule.note.includes('Triage'), `${name}: note`);
  }
});
