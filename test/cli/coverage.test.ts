import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';

test('coverage on Defend data: the flagship is not blind, the Security-log companions are', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-cli-cov-'));
  try {
    const file = join(dir, 'defend.ndjson');
    assert.equal((await runCli(['simulate', 'schtasks-remote', '-o', file])).code, 0);
    const { code, stdout } = await runCli(['coverage', file]);
    assert.equal(code, 0);
    assert.match(stdout, /coverage over 15 events from 1 host:/);
    assert.match(stdout, /^ {2}Remote Scheduled Task Creation: not blind/m);
    assert.match(stdout, /^ {2}Remote Scheduled Task Creation via RPC \(Security log\): blind on 1 of 1 host\n {4}no Security log events on 1 of 1 host/m);
    const json = await runCli(['coverage', '--json', '--only', 'Remote Scheduled Task Creation', file]);
    const report = JSON.parse(json.stdout) as { rules: Array<{ name: string; hosts: Array<{ stages: Array<{ matchingEvents: number }> }> }> };
    assert.deepEqual(report.rules.map((r) => r.name), ['Remote Scheduled Task Creation']);
    assert.ok(report.rules[0]!.hosts[0]!.stages.every((s) => s.matchingEvents > 0));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('coverage: missing inputs and usage errors exit 2 with the path named', async () => {
  const missing = await runCli(['coverage', '/nonexistent/file.evtx']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /\/nonexistent\/file\.evtx/);
  const none = await runCli(['coverage']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /name the inputs/);
  const only = await runCli(['coverage', '--only', 'No Such Rule', '-']);
  assert.equal(only.code, 2);
  assert.match(only.stderr, /no rule named 'No Such Rule'/);
});

test('coverage on the ATSVC capture: the flagship is blind there (no Sysmon)', { skip: skipWithoutShared('datasets', 'sbousseaden-atsvc-target') }, async () => {
  const { code, stdout } = await runCli(['coverage', sharedPath('datasets', 'sbousseaden-atsvc-target')!]);
  assert.equal(code, 0);
  assert.match(stdout, /^ {2}Remote Scheduled Task Creation: blind on 1 of 1 host/m);
  assert.match(stdout, /^ {2}Scheduled Task Created over the ATSVC Named Pipe: not blind/m);
});

test('coverage on otrf-schtask-create: the flagship is not blind', { skip: skipWithoutShared('datasets', 'otrf-schtask-create') }, async () => {
  const { code, stdout } = await runCli(['coverage', sharedPath('datasets', 'otrf-schtask-create', 'schtask_create.zip')!]);
  assert.equal(code, 0);
  assert.match(stdout, /^ {2}Remote Scheduled Task Creation: not blind/m);
});
