import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { expandInputs, readSource } from '../../src/formats/index.js';
import { segmentRegExp } from '../../src/formats/expand.js';
import { removeTempDirs, tempDir } from './helpers/read.js';

after(removeTempDirs);

function tree(): string {
  const dir = tempDir();
  for (const sub of ['b', 'a', 'a/deep', '.git']) mkdirSync(join(dir, sub), { recursive: true });
  const files = ['z.json', 'a/2.xml', 'a/10.xml', 'a/deep/s.evtx', 'b/x.json', 'b/y.json.gz', '.hidden.json', '.git/config'];
  for (const f of files) writeFileSync(join(dir, f), '{}\n');
  return dir;
}

test('directories expand recursively, sorted by name, hidden entries left out, marked implicit with sizes', async () => {
  const dir = tree();
  const sources = await expandInputs([dir]);
  assert.deepEqual(sources.map((s) => s.path), ['a/10.xml', 'a/2.xml', 'a/deep/s.evtx', 'b/x.json', 'b/y.json.gz', 'z.json'].map((f) => join(dir, f)));
  assert.ok(sources.every((s) => s.implicit === true && s.size === 3 && s.error === undefined));
});

test('globs: *, ?, [..] and ** across directories; a pattern matching nothing is a source with an error', async () => {
  const dir = tree();
  const paths = async (...p: string[]): Promise<string[]> => (await expandInputs(p)).map((s) => s.path.slice(dir.length + 1));
  assert.deepEqual(await paths(join(dir, '*.json')), ['z.json']);
  assert.deepEqual(await paths(join(dir, '*/*.xml')), ['a/10.xml', 'a/2.xml']);
  assert.deepEqual(await paths(join(dir, '**/*.json*')), ['b/x.json', 'b/y.json.gz', 'z.json']);
  assert.deepEqual(await paths(join(dir, '?/[xy].json')), ['b/x.json']);
  assert.deepEqual(await paths(join(dir, 'a/**')), ['a/10.xml', 'a/2.xml', 'a/deep/s.evtx']);
  const none = await expandInputs([join(dir, '*.nothing')]);
  assert.equal(none.length, 1);
  assert.equal(none[0]!.error, 'no file matches this pattern');
});

test('stdin, named files (not implicit), missing paths, duplicates and symlink cycles', async () => {
  const dir = tree();
  symlinkSync(dir, join(dir, 'a', 'loop'));
  const named = join(dir, 'z.json');
  const sources = await expandInputs(['-', named, join(dir, 'missing.json'), named, join(dir, 'b')]);
  assert.deepEqual(sources.map((s) => [s.path, s.implicit ?? false, s.error ?? null]), [
    ['-', false, null],
    [named, false, null],
    [join(dir, 'missing.json'), false, 'no such file or directory'],
    [join(dir, 'b', 'x.json'), true, null],
    [join(dir, 'b', 'y.json.gz'), true, null],
  ]);
  const all = await expandInputs([dir]);
  assert.equal(new Set(all.map((s) => s.path)).size, all.length, 'a symlink cycle is walked once');
});

test('glob segments do not match dotfiles unless the pattern starts with a dot', () => {
  assert.equal(segmentRegExp('*.json').test('.x.json'), false);
  assert.equal(segmentRegExp('.*').test('.x.json'), true);
  assert.equal(segmentRegExp('a[!b]c').test('abc'), false);
  assert.equal(segmentRegExp('a[!b]c').test('axc'), true);
  assert.equal(segmentRegExp('x+(1).json').test('x+(1).json'), true);
});

test('a FIFO or socket inside a directory or glob is not read but reported as a note: not a regular file', { skip: process.platform === 'win32' && 'no FIFOs on Windows' }, async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'a.json'), '{"n":1}\n');
  execFileSync('mkfifo', [join(dir, 'pipe')]);
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(join(dir, 'sock'), resolve));
  try {
    for (const input of [dir, join(dir, '*')]) {
      const sources = await expandInputs([input]);
      assert.deepEqual(sources.map((s) => [s.path.slice(dir.length + 1), s.skipped ?? null]), [['a.json', null], ['pipe', 'not a regular file'], ['sock', 'not a regular file']]);
      // Reading it yields the note at once (opening the FIFO would block until a writer came).
      const items = [];
      for await (const item of readSource(sources[1]!)) items.push(item);
      assert.deepEqual(items, [{ kind: 'problem', severity: 'note', message: 'skipped: not a regular file', origin: { file: join(dir, 'pipe') } }]);
    }
  } finally {
    server.close();
  }
});

test('a FIFO named on the command line (`hunt <(zcat logs.gz)`) has no size, so it is streamed, not read whole', { skip: process.platform === 'win32' && 'no FIFOs on Windows' }, async () => {
  const dir = tempDir();
  const fifo = join(dir, 'pipe');
  execFileSync('mkfifo', [fifo]);
  const sources = await expandInputs([fifo]);
  assert.deepEqual(sources, [{ path: fifo }]);
  const { spawn } = await import('node:child_process');
  const writer = spawn('sh', ['-c', `printf '{"n":1}\\n{"n":2}\\n' > "$0"`, fifo]);
  const closed = new Promise((resolve) => writer.on('close', resolve));
  const docs = [];
  for await (const item of readSource(sources[0]!)) if (item.kind === 'document') docs.push(item.doc);
  assert.deepEqual(docs, [{ n: 1 }, { n: 2 }]);
  await closed;
});
