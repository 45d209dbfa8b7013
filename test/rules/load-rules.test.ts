import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRules, parseRuleText, formatRuleProblem, builtinRulesDir } from '../../src/rules/index.js';
import { skipWithoutEql } from './eql-ready.js';

const GOOD = (id: string, name: string, query = 'process where process.name == "cmd.exe"') => `
[metadata]
creation_date = "2026/11/28"

[rule]
rule_id = "${id}"
name = "${name}"
description = "test rule"
type = "eql"
language = "eql"
risk_score = 21
severity = "low"
query = '''
${query}
'''
`;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'seqhunt-rules-'));
}

test('a valid rule parses into the Rule shape', () => {
  const { rule, problems } = parseRuleText(GOOD('r-1', 'One'), 'one.toml');
  assert.deepEqual(problems, []);
  assert.ok(rule);
  assert.equal(rule.ruleId, 'r-1');
  assert.equal(rule.name, 'One');
  assert.equal(rule.riskScore, 21);
  assert.equal(rule.severity, 'low');
  assert.equal(rule.query, 'process where process.name == "cmd.exe"\n');
  assert.deepEqual(rule.metadata, { creation_date: '2026/11/28' });
  assert.deepEqual(rule.exceptionLists, []);
  assert.equal(rule.source, 'one.toml');
});

test('validation errors name the file, the line and the field', () => {
  const text = GOOD('r-2', 'Two').replace('risk_score = 21', 'risk_score = 250').replace('severity = "low"', 'severity = "urgent"');
  const { rule, problems } = parseRuleText(text, 'two.toml');
  assert.equal(rule, undefined);
  const risk = problems.find((p) => p.field === 'rule.risk_score');
  const sev = problems.find((p) => p.field === 'rule.severity');
  assert.ok(risk && sev, JSON.stringify(problems));
  assert.equal(risk.file, 'two.toml');
  assert.equal(risk.line, 11);
  assert.match(risk.message, /0 to 100/);
  assert.equal(sev.line, 12);
  assert.match(sev.message, /low, medium, high, critical/);
  assert.equal(formatRuleProblem(risk), `two.toml:11: rule.risk_score: ${risk.message}`);
});

test('missing required fields and wrong types are each reported', () => {
  const text = '[rule]\nname = "x"\ntype = "query"\nlanguage = "kuery"\ntags = "not-a-list"\n';
  const { problems } = parseRuleText(text, 'bad.toml');
  const fields = problems.map((p) => p.field).sort();
  for (const f of ['rule.description', 'rule.language', 'rule.query', 'rule.risk_score', 'rule.rule_id', 'rule.severity', 'rule.tags', 'rule.type']) {
    assert.ok(fields.includes(f), `expected a problem for ${f}: ${JSON.stringify(problems)}`);
  }
  assert.equal(problems.find((p) => p.field === 'rule.type')?.line, 3);
  assert.equal(problems.find((p) => p.field === 'rule.tags')?.line, 5);
});

test('a TOML syntax error gives its line', () => {
  const { problems } = parseRuleText('[rule]\nname = "x"\nrisk_score = = 3\n', 'syntax.toml');
  assert.equal(problems.length, 1);
  assert.equal(problems[0]!.line, 3);
  assert.match(problems[0]!.message, /TOML syntax error at line 3/);
});

test('threat entries are checked and located', () => {
  const text = GOOD('r-3', 'Three') + '\n[[rule.threat]]\nframework = "MITRE ATT&CK"\n\n[rule.threat.tactic]\nid = "TA0008"\nname = "Lateral Movement"\n';
  const { problems } = parseRuleText(text, 'threat.toml');
  assert.equal(problems.length, 1);
  assert.equal(problems[0]!.field, 'rule.threat[0].tactic');
  assert.equal(problems[0]!.line, 20);
});

test('examples load from [[examples.*]] with NDJSON events; a bad event line is located', () => {
  const ok = GOOD('r-4', 'Four') + `
[[examples.positive]]
name = "p"
expected_matches = 2
events = '''
{"@timestamp": "2020-01-01T00:00:00Z", "process": {"name": "cmd.exe"}}
# a comment line
{"@timestamp": "2020-01-01T00:00:01Z", "process": {"name": "cmd.exe"}}
'''

[[examples.negative]]
name = "n"
events = [{ "@timestamp" = "2020-01-01T00:00:00Z", process = { name = "x.exe" } }]
`;
  const { rule, problems } = parseRuleText(ok, 'ex.toml');
  assert.deepEqual(problems, []);
  assert.equal(rule?.examples?.positive.length, 1);
  assert.equal(rule?.examples?.positive[0]!.expectedMatches, 2);
  assert.equal(rule?.examples?.positive[0]!.events.length, 2);
  assert.deepEqual(rule?.examples?.negative[0]!.events, [{ '@timestamp': '2020-01-01T00:00:00Z', process: { name: 'x.exe' } }]);

  const bad = ok.replace('{"@timestamp": "2020-01-01T00:00:01Z"', '{"@timestamp": oops');
  const res = parseRuleText(bad, 'ex.toml');
  assert.equal(res.rule, undefined);
  assert.equal(res.problems.length, 1);
  assert.equal(res.problems[0]!.field, 'examples.positive[0].events');
  assert.equal(res.problems[0]!.line, 23, JSON.stringify(res.problems));
  assert.match(res.problems[0]!.message, /example "p": event line 3/);
});

test('exceptions_list accepts Kibana-shaped tables', () => {
  const text = GOOD('r-5', 'Five') + '\n[[rule.exceptions_list]]\nid = "abc"\nlist_id = "admin-tools"\nnamespace_type = "single"\ntype = "detection"\n';
  const { rule, problems } = parseRuleText(text, 'exc.toml');
  assert.deepEqual(problems, []);
  assert.deepEqual(rule?.exceptionLists, ['admin-tools']);
});

test('a broken rule beside good ones: the others load and the problem names the file', async () => {
  const dir = tempDir();
  try {
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'a.toml'), GOOD('a', 'Rule A'));
    writeFileSync(join(dir, 'b.toml'), GOOD('b', 'Rule B').replace('severity = "low"', 'severity = 3'));
    writeFileSync(join(dir, 'sub', 'c.toml'), GOOD('c', 'Rule C'));
    writeFileSync(join(dir, 'dup.toml'), GOOD('a', 'Rule A again'));
    writeFileSync(join(dir, 'notes.txt'), 'ignored');
    const { rules, problems } = await loadRules({ builtin: false, paths: [dir, join(dir, 'missing.toml')] });
    const bad = problems.find((p) => p.file.endsWith('b.toml'));
    assert.ok(bad, JSON.stringify(problems));
    assert.equal(bad.field, 'rule.severity');
    assert.equal(bad.line, 12);
    assert.ok(problems.some((p) => p.file.endsWith('missing.toml') && /no such file/.test(p.message)));
    if (!skipWithoutEql) {
      assert.deepEqual(rules.map((r) => r.rule.ruleId), ['a', 'c']);
      assert.ok(problems.some((p) => p.file.endsWith('dup.toml') && /duplicate rule_id a/.test(p.message)));
      assert.equal(problems.length, 3);
    } else {
      // Without the EQL engine every query fails to compile, but each is still reported against its own file.
      assert.equal(rules.length, 0);
      assert.ok(problems.some((p) => p.file.endsWith('a.toml') && p.field === 'rule.query'));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the built-in pack named again with --rules loads once, without duplicate problems', { skip: skipWithoutEql }, async () => {
  const once = await loadRules({});
  const twice = await loadRules({ paths: [builtinRulesDir, join(builtinRulesDir, '.', 'remote_scheduled_task_creation.toml')] });
  assert.deepEqual(twice.problems, once.problems);
  assert.deepEqual(twice.rules.map((r) => r.rule.ruleId), once.rules.map((r) => r.rule.ruleId));
});

test('an EQL error is reported with the rule file, its line in the file and the position', { skip: skipWithoutEql }, async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'q.toml'), GOOD('q', 'Q', 'process where true\n  and process.name === "x"')); // query starts on line 14
    const { rules, problems } = await loadRules({ builtin: false, paths: [join(dir, 'q.toml')] });
    assert.equal(rules.length, 0);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.field, 'rule.query');
    assert.equal(problems[0]!.line, 15, problems[0]!.message);
    assert.match(problems[0]!.message, /EQL error in rule "Q" \(query line 2, column \d+\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the flagship query is byte-identical to DEVELOPERS.md and its metadata is the strategy\'s', () => {
  const dev = readFileSync(join(builtinRulesDir, '..', '..', 'DEVELOPERS.md'), 'utf8');
  const expected = /```\n(sequence by[\s\S]*?)\n```/.exec(dev)?.[1];
  assert.ok(expected);
  const file = join(builtinRulesDir, 'remote_scheduled_task_creation.toml');
  const { rule, problems } = parseRuleText(readFileSync(file, 'utf8'), file);
  assert.deepEqual(problems, []);
  assert.ok(rule);
  assert.equal(rule.query, expected);
  assert.equal(rule.name, 'Remote Scheduled Task Creation');
  assert.equal(rule.riskScore, 47);
  assert.equal(rule.severity, 'medium');
  const tactics = rule.threat.map((t) => t.tactic.id);
  assert.deepEqual(tactics, ['TA0008', 'TA0002']);
  assert.equal(rule.threat[0]!.technique?.[0]?.id, 'T1021');
  assert.equal(rule.threat[1]!.technique?.[0]?.id, 'T1053');
  assert.equal(rule.threat[1]!.technique?.[0]?.subtechnique?.[0]?.id, 'T1053.005');
  for (const word of ['SCCM', 'PDQ Deploy', 'Intune', 'EDR', 'WMI', 'ATSVC', 'Custom tools', 'locally', 'Response']) {
    assert.ok(rule.note?.includes(word), `note mentions ${word}`);
  }
  assert.ok(rule.note?.includes('schtasks /create /s <host> /u <domain\\user> /p <password> /sc once /tn "RemoteTaskTest" /tr "cmd.exe /c calc.exe"'));
  assert.ok((rule.examples?.positive.length ?? 0) >= 2);
  assert.ok((rule.examples?.negative.length ?? 0) >= 8);
});

test('the built-in pack loads without problems', { skip: skipWithoutEql }, async () => {
  const { rules, problems } = await loadRules({});
  assert.deepEqual(problems, []);
  const flagship = rules.find((r) => r.rule.name === 'Remote Scheduled Task Creation');
  assert.ok(flagship);
  assert.equal(flagship.rule.source, 'builtin:remote_scheduled_task_creation.toml');
  assert.equal(flagship.query.kind, 'sequence');
  assert.deepEqual(flagship.query.stages.map((s) => s.category), ['network', 'registry']);
  assert.equal(flagship.query.maxspanMs, 60_000);
});
