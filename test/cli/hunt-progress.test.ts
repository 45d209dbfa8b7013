// The progress bar: on stderr only when stderr is a terminal, never on stdout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
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

test('with stdout on the same terminal, the progress line is cleared before alerts are written', async () => {
  const dir = tempDir();
  try {
    const { registry, network } = writeRemoteTaskFiles(dir);
    // Both streams are terminals; every write is logged in order, as a terminal would show it.
    const log: Array<{ stream: 'out' | 'err'; text: string }> = [];
    const terminal = (stream: 'out' | 'err') => {
      const s = Object.assign(new PassThrough(), { isTTY: true, columns: 200 });
      const write = s.write.bind(s);
      s.write = ((chunk: unknown, ...rest: unknown[]) => {
        log.push({ stream, text: String(chunk) });
        return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof s.write;
      s.resume();
      return s;
    };
    const code = await command.run([registry, network], { stdout: terminal('out'), stderr: terminal('err'), stdin: Readable.from([]) });
    assert.equal(code, 0);
    const firstOut = log.findIndex((w) => w.stream === 'out');
    assert.ok(firstOut > 0, 'a table was written');
    assert.match(log[firstOut]!.text, /^TIME\s+HOST/);
    const lastErrBefore = log.slice(0, firstOut).filter((w) => w.stream === 'err').pop();
    assert.ok(log.slice(0, firstOut).some((w) => w.stream === 'err' && /files 2\/2/.test(w.text)), 'a progress line was drawn');
    assert.equal(lastErrBefore?.text, '\r\u001b[2K', 'the progress line is cleared right before the table');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('-o FILE.txt writes the table, as the help says', async () => {
  const dir = tempDir();
  try {
    const { registry, network } = writeRemoteTaskFiles(dir);
    assert.match(command.usage, /\.txt for the table/);
    const out = `${dir}/alerts.txt`;
    const r = await run([registry, network, '-o', out], false);
    assert.equal(r.code, 0, r.err);
    assert.match(readFileSync(out, 'utf8'), /^TIME\s+HOST\s+SOURCE/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
