// Output safety: an output file is never one of the inputs (opening it would truncate the evidence), and a reader
// that goes away early (`| head`) ends a command quietly, without a stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { runCli } from '../helpers/cli.js';
import { projectRoot } from '../helpers/shared.js';
import { ndjson, networkDoc, registryDoc, tempDir } from './hunt-fixtures.js';

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = tempDir();
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const TELEMETRY = ndjson([networkDoc('2020-12-19T12:00:01.012Z'), registryDoc('2020-12-19T12:00:22.232Z')]);

test('hunt -o naming an input (same path, symlink, hard link, glob match) is refused with exit 2 and the input is intact', async () => {
  await withDir(async (dir) => {
    const input = join(dir, 'same.ndjson');
    writeFileSync(input, TELEMETRY);
    symlinkSync(input, join(dir, 'link.ndjson'));
    linkSync(input, join(dir, 'hard.ndjson'));
    for (const output of [input, join(dir, 'link.ndjson'), join(dir, 'hard.ndjson'), join(dir, '.', 'same.ndjson')]) {
      const r = await runCli(['hunt', input, '-o', output]);
      assert.equal(r.code, 2, output);
      assert.match(r.stderr, /refusing to write alerts to an input: the output .* is the input/);
      assert.equal(readFileSync(input, 'utf8'), TELEMETRY, `the input survives -o ${output}`);
    }
    // Through the symlink as the input, the real file as the output.
    assert.equal((await runCli(['hunt', join(dir, 'link.ndjson'), '-o', input])).code, 2);
    assert.equal(readFileSync(input, 'utf8'), TELEMETRY);
    // A new file that a glob input would read back: refused, and not left behind.
    const globbed = await runCli(['hunt', join(dir, '*.ndjson'), '-o', join(dir, 'alerts.ndjson')]);
    assert.equal(globbed.code, 2);
    assert.match(globbed.stderr, /is read as an input/);
    assert.equal(existsSync(join(dir, 'alerts.ndjson')), false);
  });
});

test('hunt -o a character device (/dev/null) is never refused: writing there destroys no input', { skip: !existsSync('/dev/null') && 'no /dev/null here' }, async () => {
  await withDir(async (dir) => {
    const input = join(dir, 'in.ndjson');
    writeFileSync(input, TELEMETRY);
    const r = await runCli(['hunt', input, '/dev/null', '-o', '/dev/null']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /refusing/);
  });
});

test('hunt -o inside an input directory is refused; beside it is fine', async () => {
  await withDir(async (dir) => {
    const logs = join(dir, 'logs');
    mkdirSync(join(logs, 'sub'), { recursive: true });
    writeFileSync(join(logs, 'a.ndjson'), TELEMETRY);
    const inside = await runCli(['hunt', logs, '-o', join(logs, 'sub', 'alerts.ndjson')]);
    assert.equal(inside.code, 2);
    assert.match(inside.stderr, /is inside the input directory/);
    assert.deepEqual(readdirSync(join(logs, 'sub')), []);
    const beside = await runCli(['hunt', logs, '-o', join(dir, 'alerts.ndjson')]);
    assert.equal(beside.code, 0, beside.stderr);
    assert.ok(existsSync(join(dir, 'alerts.ndjson')));
  });
});

test('baseline learn -o naming its input is refused with exit 2 and the input is intact', async () => {
  await withDir(async (dir) => {
    const input = join(dir, 'telemetry.ndjson');
    writeFileSync(input, TELEMETRY);
    const r = await runCli(['baseline', 'learn', input, '-o', input]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /refusing to write the list over an input/);
    assert.equal(readFileSync(input, 'utf8'), TELEMETRY);
  });
});

/** Runs the real CLI process, reads its first bytes of stdout, then closes the pipe (as `| head -c 10` does). */
function runAndCloseEarly(args: string[]): Promise<{ code: number | null; first: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'src/cli/bin.ts'), ...args], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let first = '';
    let stderr = '';
    child.stdout.once('data', (c: Buffer) => {
      first = c.toString('utf8').slice(0, 10);
      child.stdout.destroy();
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, first, stderr }));
  });
}

test('a reader closing the pipe early ends query and simulate quietly (exit 0, no EPIPE stack)', async () => {
  await withDir(async (dir) => {
    // Several times what a pipe buffer holds (64 KiB), so the commands are still writing when the reader goes.
    const sim = await runCli(['simulate', 'admin-pdq']);
    assert.equal(sim.code, 0);
    const events = join(dir, 'events.ndjson');
    writeFileSync(events, sim.stdout);
    const runs = [
      ['query', 'any where true', events, '--size', '100000'],
      ['simulate', 'admin-pdq', '--format', 'xml'],
      ['simulate', 'admin-pdq'],
    ];
    const results = await Promise.all(runs.map(runAndCloseEarly));
    for (const [i, args] of runs.entries()) {
      const r = results[i]!;
      assert.ok(r.first.length > 0, `${args[0]} wrote something first`);
      assert.doesNotMatch(r.stderr, /EPIPE|Unhandled|at .*\.ts:\d+/, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    }
  });
});

/** A standard output whose every write fails with `code` (a closed pipe, a full disk). */
function failingStdout(code: string) {
  return new Writable({
    write(_chunk, _enc, callback) {
      callback(Object.assign(new Error(`write ${code}`), { code }));
    },
  });
}

test('every command that writes to stdout stops quietly on a closed pipe (exit status as usual), and reports other write errors with exit 2', async () => {
  await withDir(async (dir) => {
    const events = join(dir, 'events.ndjson');
    writeFileSync(events, TELEMETRY);
    const io = (code: string) => {
      let err = '';
      const stderr = new Writable({ write: (c: Buffer, _e, cb) => ((err += c.toString('utf8')), cb()) });
      return { io: { stdout: failingStdout(code), stderr, stdin: Readable.from([]) }, err: () => err };
    };
    for (const args of [
      ['--help'],
      ['query', 'any where true', events],
      ['hunt', events, '--format', 'ndjson'],
      ['coverage', events],
      ['rules', 'check', '--json'],
      ['simulate', '--list'],
      ['simulate', 'schtasks-remote'],
      ['validate', '--no-datasets', '--scenario', 'schtasks-remote'],
    ]) {
      const pipe = io('EPIPE');
      assert.equal(await main(args, pipe.io), 0, `${args.join(' ')}: ${pipe.err()}`);
      assert.doesNotMatch(pipe.err(), /EPIPE|cannot write/, args.join(' '));
    }
    const full = io('ENOSPC');
    assert.equal(await main(['query', 'any where true', events], full.io), 2);
    assert.match(full.err(), /seqhunt query: cannot write to standard output: write ENOSPC/);
  });
});
