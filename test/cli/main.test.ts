import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli.js';

test('--help lists every command', async () => {
  const { code, stdout } = await runCli(['--help']);
  assert.equal(code, 0);
  for (const word of ['hunt', 'query', 'evtx dump', 'simulate', 'validate', 'coverage', 'rules check', 'baseline learn']) {
    assert.match(stdout, new RegExp(`^  ${word}\\b`, 'm'));
  }
});

test('an unknown command exits 2 with a message on stderr', async () => {
  const { code, stdout, stderr } = await runCli(['frobnicate']);
  assert.equal(code, 2);
  assert.equal(stdout, '');
  assert.match(stderr, /unknown command 'frobnicate'/);
});
