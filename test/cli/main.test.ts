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

test('a command group alone (evtx, rules, baseline) lists its commands; an unknown one in a group names it', async () => {
  const evtx = await runCli(['evtx']);
  assert.equal(evtx.code, 2);
  assert.doesNotMatch(evtx.stderr, /unknown command 'evtx'/);
  assert.match(evtx.stderr, /^  evtx dump\s+Print the records/m);
  const rules = await runCli(['rules', 'lint']);
  assert.equal(rules.code, 2);
  assert.match(rules.stderr, /seqhunt rules: unknown command 'lint'/);
  assert.match(rules.stderr, /^  rules test\s/m);
  assert.match(rules.stderr, /^  rules check\s/m);
  const help = await runCli(['baseline', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^  baseline learn\s/m);
  assert.match(help.stdout, /^  baseline show\s/m);
});
