// Option values that start with '-' (negative offsets and zones): accepted when they read as numbers, a clear
// usage error otherwise; the same pre-pass for every command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { joinNegativeValues } from '../../src/cli/args.js';
import { runCli } from '../helpers/cli.js';
import { tempDir, writeRemoteTaskFiles } from './hunt-fixtures.js';

const OPTIONS = { 'time-offset': { type: 'string' }, output: { type: 'string', short: 'o' }, 'no-builtin': { type: 'boolean' } } as const;

test('joinNegativeValues: a value such as -5h after an option that takes one is joined to it, nothing else', () => {
  assert.deepEqual(joinNegativeValues(['--time-offset', '-5h', 'x'], OPTIONS), ['--time-offset=-5h', 'x']);
  assert.deepEqual(joinNegativeValues(['-o', '-1.ndjson'], OPTIONS), ['-o-1.ndjson']);
  // Boolean options take no value; non-numeric dashes stay as they are (parseArgs reports them).
  assert.deepEqual(joinNegativeValues(['--no-builtin', '-5'], OPTIONS), ['--no-builtin', '-5']);
  assert.deepEqual(joinNegativeValues(['--time-offset', '-x'], OPTIONS), ['--time-offset', '-x']);
  assert.deepEqual(joinNegativeValues(['--', '--time-offset', '-5h'], OPTIONS), ['--', '--time-offset', '-5h']);
});

test('hunt --time-offset -5h (the help example) shifts event times, and --timezone -05:00 is accepted', async () => {
  const dir = tempDir();
  try {
    const { registry, network } = writeRemoteTaskFiles(dir);
    const offset = await runCli(['hunt', '--format', 'ndjson', '--time-offset', '-5h', registry, network]);
    assert.equal(offset.code, 0, offset.stderr);
    assert.match(offset.stdout, /"kibana\.alert\.original_time":"2020-12-19T07:00:01\.012Z"/);
    // (--timezone reinterprets Windows record times; these ECS documents carry their zone, so times stay.)
    const zone = await runCli(['hunt', '--format', 'ndjson', '--timezone', '-05:00', registry, network]);
    assert.equal(zone.code, 0, zone.stderr);
    assert.equal(zone.stdout.trim().split('\n').length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a negative value an option refuses is judged by the option; a value that is truly ambiguous is a clear usage error', async () => {
  const negative = await runCli(['query', 'any where true', '--size', '-1']);
  assert.equal(negative.code, 2);
  assert.match(negative.stderr, /--size needs a non-negative integer, found '-1'/);
  const ambiguous = await runCli(['query', 'any where true', '--size', '-x']);
  assert.equal(ambiguous.code, 2);
  assert.match(ambiguous.stderr, /--size needs a value, but the next argument starts with '-'; .* write --size=VALUE/);
  const short = await runCli(['hunt', 'x.ndjson', '-o', '--no-builtin']);
  assert.equal(short.code, 2);
  assert.match(short.stderr, /-o needs a value, .* write --output=VALUE/);
});
