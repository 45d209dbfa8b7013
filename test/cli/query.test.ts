// `seqhunt query`: event queries and sequences over NDJSON files and stdin, ordering, size and pipes,
// missing slots, query errors (exit 2 with a caret), malformed lines reported and counted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { projectRoot, sharedPath, skipWithoutShared } from '../helpers/shared.js';

let dir = '';
const lines = (docs: unknown[]): string => docs.map((d) => JSON.stringify(d)).join('\n') + '\n';
const parseOut = (s: string): Array<Record<string, unknown>> => s.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

const iso = (s: number): string => new Date(Date.UTC(2024, 0, 1, 0, 0, s)).toISOString();
const proc = (s: number, pid: number, name: string, extra: Record<string, unknown> = {}) => ({ '@timestamp': iso(s), event: { category: 'process' }, process: { pid, name }, ...extra });
const file = (s: number, pid: number, extra: Record<string, unknown> = {}) => ({ '@timestamp': iso(s), event: { category: 'file' }, process: { pid }, file: { name: `f${s}` }, ...extra });

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'seqhunt-query-'));
  // Out of order on purpose, split over two files; one malformed line.
  writeFileSync(join(dir, 'a.ndjson'), lines([proc(3, 2, 'b.exe'), proc(1, 1, 'A.EXE'), file(4, 1)]) + 'this is not json\n' + lines([file(9, 9)]));
  writeFileSync(join(dir, 'b.ndjson'), lines([proc(2, 3, 'c.exe'), file(5, 2), { custom: 'no timestamp', event: { category: 'process' } }]));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('event query: matches in time order across files, NDJSON out, documents as read', async () => {
  const { code, stdout, stderr } = await runCli(['query', 'process where process.name : "*.exe"', join(dir, 'a.ndjson'), join(dir, 'b.ndjson')]);
  assert.equal(code, 0);
  const out = parseOut(stdout);
  assert.deepEqual(out.map((d) => (d.process as { name: string }).name), ['A.EXE', 'c.exe', 'b.exe']);
  assert.match(stderr, /a\.ndjson:4: /, 'malformed line reported with file:line');
  assert.match(stderr, /1 input problem/);
  assert.match(stderr, /1 event without a readable @timestamp skipped/);
});

test('sequence query: one line per sequence with join_keys and events', async () => {
  const { code, stdout } = await runCli(['query', 'sequence by process.pid [process where true] [file where true]', join(dir, 'a.ndjson'), join(dir, 'b.ndjson')]);
  assert.equal(code, 0);
  const out = parseOut(stdout);
  assert.equal(out.length, 2);
  assert.deepEqual(out.map((s) => s.join_keys), [[1], [2]]);
  const first = out[0]!.events as Array<Record<string, unknown>>;
  assert.deepEqual(first.map((e) => e['@timestamp']), [iso(1), iso(4)]);
});

test('missing-event slots print as {"missing": true}', async () => {
  const { code, stdout } = await runCli(['query', 'sequence by process.pid with maxspan=10s [process where true] ![file where true]', join(dir, 'a.ndjson'), join(dir, 'b.ndjson')]);
  assert.equal(code, 0);
  const out = parseOut(stdout);
  assert.deepEqual(out.map((s) => s.join_keys), [[3]]);
  assert.deepEqual((out[0]!.events as unknown[])[1], { missing: true });
});

test('--size, head and tail', async () => {
  const all = ['query', 'any where true', join(dir, 'a.ndjson'), join(dir, 'b.ndjson')];
  const ts = (s: string): string[] => parseOut(s).map((d) => d['@timestamp'] as string);
  assert.deepEqual(ts((await runCli([...all, '--size', '2'])).stdout), [iso(1), iso(2)]);
  assert.deepEqual(ts((await runCli(['query', 'any where true | tail 2', join(dir, 'a.ndjson'), join(dir, 'b.ndjson')])).stdout), [iso(5), iso(9)]);
  assert.deepEqual(ts((await runCli(['query', 'any where true | head 4 | tail 1', join(dir, 'a.ndjson'), join(dir, 'b.ndjson')])).stdout), [iso(4)]);
  assert.equal(parseOut((await runCli(all)).stdout).length, 6, 'default size 10 leaves all 6 timed events');
});

test('--timestamp-field, --tiebreaker-field, --event-category-field', async () => {
  const p = join(dir, 'custom.ndjson');
  writeFileSync(p, lines([{ ts: 2000, seq: 2, kind: 'x', n: 'second' }, { ts: 2000, seq: 1, kind: 'x', n: 'first' }, { ts: 1000, seq: 9, kind: 'y', n: 'zero' }]));
  const { code, stdout } = await runCli(['query', 'x where true', p, '--timestamp-field', 'ts', '--tiebreaker-field', 'seq', '--event-category-field', 'kind']);
  assert.equal(code, 0);
  assert.deepEqual(parseOut(stdout).map((d) => d.n), ['first', 'second']);
  const seq = await runCli(['query', 'sequence [y where true] [x where true]', p, '--timestamp-field', 'ts', '--tiebreaker-field', 'seq', '--event-category-field', 'kind']);
  assert.deepEqual(parseOut(seq.stdout).map((s) => (s.events as Array<{ n: string }>).map((e) => e.n)), [['zero', 'first']]);
});

test('reads stdin when no path is given', async () => {
  const { code, stdout } = await runCli(['query', 'process where process.pid == 3'], lines([proc(1, 1, 'a'), proc(2, 3, 'b')]));
  assert.equal(code, 0);
  assert.deepEqual(parseOut(stdout).map((d) => (d.process as { name: string }).name), ['b']);
});

test('a query error exits 2 with the positioned message and a caret on stderr', async () => {
  const { code, stdout, stderr } = await runCli(['query', 'process where process.name ==', join(dir, 'a.ndjson')]);
  assert.equal(code, 2);
  assert.equal(stdout, '');
  assert.match(stderr, /line 1:30: expected expression but found end of query/);
  assert.match(stderr, /\n {2}process where process.name ==\n {31}\^/);
  const fn = await runCli(['query', 'any where nosuch(x)']);
  assert.equal(fn.code, 2);
  assert.match(fn.stderr, /unknown function 'nosuch'/);
});

test('usage errors exit 2', async () => {
  assert.equal((await runCli(['query'])).code, 2);
  assert.equal((await runCli(['query', 'any where true', '--size', 'ten'])).code, 2);
  assert.equal((await runCli(['query', 'any where true', '--format', 'csv'])).code, 2);
  assert.equal((await runCli(['query', 'any where true', '--bogus'])).code, 2);
});

// The flagship rule, as DEVELOPERS.md carries it, over the real captures in ../shared (ground truth in SOURCE.md).

function flagshipQuery(): string {
  const dev = readFileSync(join(projectRoot, 'DEVELOPERS.md'), 'utf8');
  return /## The flagship rule[\s\S]*?```\n([\s\S]*?)\n```/.exec(dev)![1]!;
}

const SCHTASK = ['datasets', 'otrf-schtask-create', 'schtask_create.zip'];
const NEARMISS = ['datasets', 'otrf-covenant-wmi-nearmiss', 'covenant_wmi_wbemcomn_dll_hijack.zip'];

test('flagship over the real remote schtasks capture: one sequence on WORKSTATION6 in the Task Scheduler svchost', { skip: skipWithoutShared(...SCHTASK) }, async () => {
  const { code, stdout } = await runCli(['query', flagshipQuery(), sharedPath(...SCHTASK)!]);
  assert.equal(code, 0);
  const out = parseOut(stdout);
  assert.equal(out.length, 1);
  assert.equal((out[0]!.join_keys as string[])[1]!.toLowerCase(), '{649442b8-52dc-5fd1-3600-000000000600}');
  const [net, reg] = out[0]!.events as Array<{ source: { port: number }; destination: { port: number }; registry: { path: string } }>;
  assert.deepEqual([Number(net!.source.port), Number(net!.destination.port)], [56588, 49671]);
  assert.match(reg!.registry.path, /\\Tasks\\\{47CDCDF5-3457-4925-96E5-DB6635FFCDDE\}\\Actions$/i);
});

test('flagship over the remote-WMI near miss: no sequence (registry write on another host)', { skip: skipWithoutShared(...NEARMISS) }, async () => {
  const { code, stdout } = await runCli(['query', flagshipQuery(), sharedPath(...NEARMISS)!]);
  assert.equal(code, 0);
  assert.equal(stdout, '');
});

test('JSON that is not a Windows event source prints exactly as read (no canonical forms, no time rewrite)', async () => {
  const line = '{"@timestamp":1577836800000,"event":{"category":"registry"},"registry":{"path":"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\X"},"host":{"name":"h"}}';
  const { code, stdout } = await runCli(['query', 'registry where true', '-'], `${line}\n`);
  assert.equal(code, 0);
  assert.deepEqual(JSON.parse(stdout), JSON.parse(line));
});

test('an unreadable input (missing, not a format seqhunt reads) exits 2 after the other inputs were queried', async () => {
  const binary = join(dir, 'random.bin');
  writeFileSync(binary, Buffer.from([0x05, 0xed, 0x01, 0x7e, 0x5d, 0x63, 0x8f, 0x27, 0x00, 0xff, 0x10, 0x80]));
  const missing = await runCli(['query', 'any where true', join(dir, 'nonexistent.ndjson'), join(dir, 'b.ndjson')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nonexistent\.ndjson: cannot read/);
  assert.match(missing.stderr, /1 unreadable input: exit status 2/);
  assert.equal(parseOut(missing.stdout).length, 2, 'b.ndjson is still queried');
  const notAnInput = await runCli(['query', 'any where true', binary]);
  assert.equal(notAnInput.code, 2);
  assert.match(notAnInput.stderr, /random\.bin: not an input seqhunt reads/);
  // Malformed records inside a readable input are reported, not an unreadable input.
  assert.equal((await runCli(['query', 'any where true', join(dir, 'a.ndjson')])).code, 0);
});
