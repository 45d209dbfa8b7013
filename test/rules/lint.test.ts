import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRuleText } from '../../src/rules/index.js';
import { lintRule, lintRuleFiles, severityForRisk } from '../../src/rules/lint.js';
import { findSubtechnique, findTechnique, TACTICS } from '../../src/rules/mitre-attack.js';
import type { LoadedRule } from '../../src/rules/types.js';

const THREAT_OK = `
[[rule.threat]]
framework = "MITRE ATT&CK"
[rule.threat.tactic]
id = "TA0002"
name = "Execution"
reference = "https://attack.mitre.org/tactics/TA0002/"
[[rule.threat.technique]]
id = "T1053"
name = "Scheduled Task/Job"
reference = "https://attack.mitre.org/techniques/T1053/"
[[rule.threat.technique.subtechnique]]
id = "T1053.005"
name = "Scheduled Task"
reference = "https://attack.mitre.org/techniques/T1053/005/"
`;

function ruleText(o: { risk?: number; severity?: string; query?: string; threat?: string; metadata?: string; extra?: string } = {}): string {
  return `
[metadata]
${o.metadata ?? 'creation_date = "2026/11/28"\nmaturity = "production"'}

[rule]
author = ["test"]
rule_id = "11111111-2222-4333-8444-555555555555"
name = "Lint subject"
description = "A rule used to exercise the linter in tests."
type = "eql"
language = "eql"
risk_score = ${o.risk ?? 47}
severity = "${o.severity ?? 'medium'}"
note = "guide"
references = ["https://example.test/"]
false_positives = ["none"]
query = '''
${o.query ?? 'process where process.name == "cmd.exe"'}
'''
${o.extra ?? ''}
${o.threat ?? THREAT_OK}

[[examples.positive]]
name = "p"
events = '''
{"@timestamp":"2026-01-01T00:00:00Z","event":{"category":["process"]},"process":{"name":"cmd.exe"}}
'''

[[examples.negative]]
name = "n"
events = '''
{"@timestamp":"2026-01-01T00:00:00Z","event":{"category":["process"]},"process":{"name":"x.exe"}}
'''
`;
}

function load(text: string): LoadedRule {
  const r = loadRuleText(text, 'test.toml');
  assert.ok(r.rule, `rule loads: ${r.problems.map((p) => p.message).join('; ')}`);
  return r.rule;
}

const errors = (text: string, declared?: string[]) => lintRule(load(text), declared ? { declaredFields: new Set(declared) } : {}).filter((f) => f.severity === 'error');

test('a well-formed rule has no findings', () => {
  assert.deepEqual(lintRule(load(ruleText())), []);
});

test('severity must agree with the risk score band', () => {
  assert.equal(severityForRisk(0), 'low');
  assert.equal(severityForRisk(21), 'low');
  assert.equal(severityForRisk(22), 'medium');
  assert.equal(severityForRisk(47), 'medium');
  assert.equal(severityForRisk(48), 'high');
  assert.equal(severityForRisk(73), 'high');
  assert.equal(severityForRisk(74), 'critical');
  const found = errors(ruleText({ risk: 73, severity: 'medium' }));
  assert.equal(found.length, 1);
  assert.equal(found[0]!.field, 'rule.severity');
  assert.match(found[0]!.message, /risk_score 73 \(high: 48–73/);
});

test('unknown fields are errors unless declared in [[rule.required_fields]]', () => {
  const text = ruleText({ query: 'process where process.name == "cmd.exe" and custom.thing == "x"' });
  const found = errors(text);
  assert.equal(found.length, 1);
  assert.match(found[0]!.message, /field "custom\.thing"/);
  assert.deepEqual(errors(text, ['custom.thing']), []);
});

test('MITRE: unknown ids, wrong names, a technique filed under a tactic it does not belong to, a stray sub-technique', () => {
  const threat = (tactic: string, tname: string, tech: string, techName: string, sub = '') => `
[[rule.threat]]
framework = "MITRE ATT&CK"
[rule.threat.tactic]
id = "${tactic}"
name = "${tname}"
reference = "https://attack.mitre.org/tactics/${tactic}/"
[[rule.threat.technique]]
id = "${tech}"
name = "${techName}"
reference = "https://attack.mitre.org/techniques/${tech}/"
${sub}`;
  assert.match(errors(ruleText({ threat: threat('TA0099', 'Nope', 'T1053', 'Scheduled Task/Job') }))[0]!.message, /unknown ATT&CK tactic id "TA0099"/);
  assert.match(errors(ruleText({ threat: threat('TA0002', 'Execution', 'T9999', 'Made Up') }))[0]!.message, /T9999/);
  const wrongTactic = errors(ruleText({ threat: threat('TA0008', 'Lateral Movement', 'T1053', 'Scheduled Task/Job') }));
  assert.equal(wrongTactic.length, 1);
  assert.match(wrongTactic[0]!.message, /T1053 "Scheduled Task\/Job" does not belong to tactic TA0008 "Lateral Movement" \(it belongs to TA0002 Execution, TA0003 Persistence, TA0004 Privilege Escalation\)/);
  assert.match(errors(ruleText({ threat: threat('TA0002', 'Execution', 'T1053', 'Scheduled Tasks') }))[0]!.message, /is "Scheduled Task\/Job", not "Scheduled Tasks"/);
  assert.match(errors(ruleText({ threat: threat('TA0002', 'Execution', 'T1053.005', 'Scheduled Task') }))[0]!.message, /not a technique id/);
  const straySub = `[[rule.threat.technique.subtechnique]]\nid = "T1021.002"\nname = "SMB/Windows Admin Shares"\nreference = "https://attack.mitre.org/techniques/T1021/002/"\n`;
  assert.match(errors(ruleText({ threat: threat('TA0002', 'Execution', 'T1053', 'Scheduled Task/Job', straySub) }))[0]!.message, /not under technique T1053/);
  assert.match(errors(ruleText({ threat: '' }))[0]!.message, /no MITRE ATT&CK mapping/);
});

test('a "Tactic:" tag must name a mapped tactic (warning)', () => {
  const text = ruleText().replace('note = "guide"', 'note = "guide"\ntags = ["Tactic: Execution", "Tactic: Impact"]');
  const found = lintRule(load(text));
  assert.deepEqual(found.map((f) => [f.severity, f.field]), [['warning', 'rule.tags']]);
  assert.match(found[0]!.message, /"Tactic: Impact"/);
});

test('required metadata: creation date and maturity', () => {
  const found = errors(ruleText({ metadata: 'updated_date = "yesterday"' }));
  assert.deepEqual(found.map((f) => f.field).sort(), ['metadata.creation_date', 'metadata.maturity', 'metadata.updated_date']);
});

test('the bundled ATT&CK table: every tactic, techniques with their tactics and sub-techniques', () => {
  assert.equal(TACTICS.length, 14);
  assert.deepEqual(findTechnique('T1053')?.tactics, ['TA0002', 'TA0003', 'TA0004']);
  assert.deepEqual(findTechnique('T1021')?.tactics, ['TA0008']);
  assert.equal(findSubtechnique('T1021.006')?.name, 'Windows Remote Management');
  assert.equal(findSubtechnique('T1053.099'), undefined);
});

test('lintRuleFiles reports every broken rule with its reason and still checks the others', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-lint-'));
  try {
    writeFileSync(join(dir, 'a_good.toml'), ruleText());
    writeFileSync(join(dir, 'b_severity.toml'), ruleText({ risk: 90, severity: 'low' }).replace('11111111-2222-4333-8444-555555555555', '11111111-2222-4333-8444-666666666666').replace('Lint subject', 'Second'));
    writeFileSync(join(dir, 'c_syntax.toml'), ruleText().replace('11111111-2222-4333-8444-555555555555', '11111111-2222-4333-8444-777777777777').replace("process where process.name == \"cmd.exe\"", 'process where (((').replace('Lint subject', 'Third'));
    writeFileSync(join(dir, 'd_toml.toml'), '[rule\nname = ');
    const reports = await lintRuleFiles({ builtin: false, paths: [dir] });
    const byFile = Object.fromEntries(reports.map((r) => [r.file.slice(dir.length + 1), r]));
    assert.deepEqual(Object.keys(byFile).sort(), ['a_good.toml', 'b_severity.toml', 'c_syntax.toml', 'd_toml.toml']);
    assert.deepEqual(byFile['a_good.toml']!.findings, []);
    assert.match(byFile['b_severity.toml']!.findings[0]!.message, /severity "low" disagrees with risk_score 90/);
    assert.equal(byFile['c_syntax.toml']!.loaded, false);
    assert.equal(byFile['c_syntax.toml']!.findings[0]!.field, 'rule.query');
    assert.match(byFile['d_toml.toml']!.findings[0]!.message, /TOML syntax error/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the built-in pack lints clean', async () => {
  const reports = await lintRuleFiles({ builtin: true });
  assert.ok(reports.length >= 5);
  for (const r of reports) assert.deepEqual(r.findings.filter((f) => f.severity === 'error'), [], r.file);
});
