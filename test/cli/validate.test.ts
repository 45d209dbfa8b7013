import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

test('validate prints the scenario × rule matrix and exits 0 when all is as expected', async () => {
  const { code, stdout, stderr } = await runCli(['validate', '--no-datasets']);
  assert.equal(code, 0, stdout + stderr);
  assert.match(stdout, /^scenario\s+kind\s+telemetry\s+\[1\]\s+\[2\]\s+\[3\]\s+\[4\]\s+\[5\]\s+verdict$/m);
  assert.match(stdout, /^\[1\] Remote Scheduled Task Creation$/m, 'the flagship is the first column');
  assert.match(stdout, /^schtasks-remote\s+attack\s+windows\s+1\/1 ✓/m);
  assert.doesNotMatch(stdout, /FAIL|✗/);
  assert.match(stderr, /26 rows \(13 scenarios × 2 telemetry shapes, no datasets\), all as expected/);
});

test('validate --scenario narrows; --markdown gives the README table; unknown scenarios are usage errors', async () => {
  const md = await runCli(['validate', '--scenario', 'atexec', '--markdown']);
  assert.equal(md.code, 0);
  assert.match(md.stdout, /^\| atexec \| attack \| windows \| 0\/0 ✓ \|/m);
  assert.equal(md.stdout.split('\n').filter((l) => l.startsWith('| atexec')).length, 2);
  const bad = await runCli(['validate', '--scenario', 'nope']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown scenario 'nope'/);
});

test('validate over a datasets folder: a dataset whose SOURCE.md verdict is not met fails with exit 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-cli-val-'));
  try {
    // A made-up dataset: SOURCE.md claims the flagship fires, the data is one harmless process event.
    mkdirSync(join(dir, 'claims-a-hit'));
    writeFileSync(join(dir, 'claims-a-hit', 'SOURCE.md'), '# x\n## Would the seed rule fire?\n**fires (1 alert)** on the target.\n');
    writeFileSync(join(dir, 'claims-a-hit', 'data.ndjson'), JSON.stringify({ '@timestamp': '2026-01-01T00:00:00Z', host: { id: 'h', os: { type: 'windows' } }, event: { category: ['process'], type: ['start'] }, process: { name: 'notepad.exe' } }) + '\n');
    const { code, stdout, stderr } = await runCli(['validate', '--scenario', 'schtasks-remote', '--datasets', dir]);
    assert.equal(code, 1, stdout + stderr);
    assert.match(stdout, /^claims-a-hit\s+dataset\s+dataset\s+1\/0 ✗/m);
    assert.match(stderr, /FAILED: claims-a-hit\/dataset/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
