// The progress bar: on stderr only when stderr is a terminal, never on stdout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { command } from '../../src/cli/commands/hunt.js';
import { tempDir, writeRemoteTaskFiles } from './hunt-fixtures.js';

async function run(args: string[], stderrIsTty: boolean) {
  const stdout = new PassThrough();
  const stderr = Object.assign(new PassThrough(), { isTTY: stderrIsTty, columns: 200 });
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const code = await command.run(args, { stdout, stderr, stdin: Readable.from([]) });
  return { code, out, err };
}

test('a progress line (files, events, alerts) is drawn on a terminal stderr and cleared before the summary', async () => {
  const dir = tempDir();
  try {
    const { registry, network } = writeRemoteTaskFiles(dir);
    const tty = await run(['--no-builtin', registry, network], true);
    assert.equal(tty.code, 0);
    assert.equal(tty.out, '');
    assert.match(tty.err, /\r\u001b\[2Kfiles 2\/2 .*4 events .*0 alerts/);
    assert.match(tty.err, /\r\u001b\[2Kseqhunt hunt: 2 inputs/, 'the line is cleared before the summary');

    const pipe = await run(['--no-builtin', registry, network], false);
    assert.doesNotMatch(pipe.err, /\u001b/);
    const off = await run(['--no-builtin', '--no-progress', registry, network], true);
    assert.doesNotMatch(off.err, /\u001b/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
