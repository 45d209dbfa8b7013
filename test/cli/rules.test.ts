import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinRulesDir } from '../../src/rules/index.js';
import { runCli } from '../helpers/cli.js';

const flagshipText = () => readFileSync(join(builtinRulesDir, 'remote_scheduled_task_creation.toml'), 'utf8');

test('rules test: the built-in rules pass their examples', async () => {
  const { code, stdout, stderr } = await runCli(['rules', 'test']);
  assert.equal(code, 0, stdout);
  assert.match(stdout, /^ok\s+Remote Scheduled Task Creation \(\d+\/\d+ examples passed\)/m);
  assert.match(stdout, /^ok\s+Scheduled Task Created over the ATSVC Named Pipe/m);
  assert.match(stderr, /5 rules tested, 5 passed, 0 failed/);
});

test('rules test [paths]: a failing example exits 1 and names the example; a broken file exits 2, others still run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-cli-rules-'));
  try {
    // The flagship with its time window shrunk: its 21-second positive example must now fail.
    writeFileSync(join(dir, 'a.toml'), flagshipText().replace('maxspan = 1m', 'maxspan = 5s'));
    const failing = await runCli(['rules', 'test', join(dir, 'a.toml')]);
    assert.equal(failing.code, 1);
    assert.match(failing.stdout, /^FAIL\s+Remote Scheduled Task Creation/m);
    assert.match(failing.stdout, /✗ \+ schtasks \/create \/s from 172\.18\.39\.5 .*: 0 matches, expected =1/);
    writeFileSync(join(dir, 'b.toml'), '[rule]\nname = "half a rule"\n');
    const broken = await runCli(['rules', 'test', dir]);
    assert.equal(broken.code, 2);
    assert.match(broken.stdout, /^BROKEN\s+.*b\.toml.*required field is missing/m);
    assert.match(broken.stdout, /^FAIL\s+Remote Scheduled Task Creation/m, 'the other rule is still tested');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('rules check: the built-in pack is clean; each broken rule is reported with its reason', async () => {
  const clean = await runCli(['rules', 'check']);
  assert.equal(clean.code, 0, clean.stdout);
  assert.match(clean.stderr, /5 rule files checked, 5 clean/);
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-cli-check-'));
  try {
    const base = flagshipText();
    writeFileSync(join(dir, 'risk.toml'), base.replace('risk_score = 47', 'risk_score = 80'));
    writeFileSync(join(dir, 'mitre.toml'), base.replace('39382038-bdde-4b58-a552-fb4f6c26df94', '39382038-bdde-4b58-a552-000000000001').replace('id = "TA0008"', 'id = "TA0003"').replace('name = "Lateral Movement"', 'name = "Persistence"'));
    writeFileSync(join(dir, 'query.toml'), base.replace('39382038-bdde-4b58-a552-fb4f6c26df94', '39382038-bdde-4b58-a552-000000000002').replace('registry.value : "Actions"', 'registry.valeu : "Actions"'));
    const { code, stdout, stderr } = await runCli(['rules', 'check', dir]);
    assert.equal(code, 2);
    assert.match(stdout, /^ERRORS\s+Remote Scheduled Task Creation\s+\[.*risk\.toml\]/m);
    assert.match(stdout, /rule\.severity: severity "medium" disagrees with risk_score 80/);
    assert.match(stdout, /technique T1021 "Remote Services" does not belong to tactic TA0003 "Persistence"/);
    assert.match(stdout, /registry\.valeu/);
    assert.match(stderr, /3 rule files checked, 0 clean, 3 with errors/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('rules test: a rule without examples is listed, not failed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-cli-noex-'));
  try {
    const text = flagshipText();
    writeFileSync(join(dir, 'bare.toml'), text.slice(0, text.indexOf('[[examples.')));
    const { code, stdout, stderr } = await runCli(['rules', 'test', dir]);
    assert.equal(code, 0);
    assert.match(stdout, /^NO EXAMPLES\s+Remote Scheduled Task Creation \(0\/0 examples passed\)/m);
    assert.match(stderr, /1 rule tested, 0 passed, 0 failed, 1 without examples/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('rules test and rules check on a directory without rule files say so and exit 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-cli-rules-'));
  try {
    writeFileSync(join(dir, 'notes.txt'), 'not a rule\n');
    for (const sub of ['test', 'check']) {
      const r = await runCli(['rules', sub, dir]);
      assert.equal(r.code, 2, `rules ${sub}`);
      assert.ok(r.stderr.includes(`${dir}: no rule files (*.toml) in this directory`), r.stderr);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
