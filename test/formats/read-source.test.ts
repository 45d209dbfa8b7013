import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expandInputs, readSource } from '../../src/formats/index.js';
import { chunked, collect, docs, problems, readFileItems, removeTempDirs, tempDir } from './helpers/read.js';

after(removeTempDirs);

test('"-" reads the given stdin, sniffed like a file', async () => {
  const items = await collect(readSource({ path: '-' }, { stdin: chunked('\n\n  {"a": 1}\n{"a": 2}\n', 4) }));
  assert.deepEqual(docs(items), [{ a: 1 }, { a: 2 }]);
  assert.deepEqual(items.map((i) => i.origin), [{ file: '-', line: 3 }, { file: '-', line: 4 }]);
});

test('unrecognised content is an error when named, a note when found by a directory walk', async () => {
  const dir = tempDir();
  const named = await readFileItems(dir, 'notes.txt', 'just some notes\n');
  assert.equal(named.length, 1);
  assert.equal(problems(named)[0]!.severity, 'error');
  assert.match(problems(named)[0]!.message, /not an input.*starts with "just some notes/);
  const walked = await collect(readSource({ path: join(dir, 'notes.txt'), implicit: true }));
  assert.equal(problems(walked)[0]!.severity, 'note');
});

test('format override reads content sniffing cannot place', async () => {
  const dir = tempDir();
  const text = 'exported by tool v1\n{"a": 1}\n';
  assert.equal(problems(await readFileItems(dir, 'x.log', text))[0]!.severity, 'error');
  const forced = await readFileItems(dir, 'y.log', text, { format: 'json' });
  assert.deepEqual(docs(forced), [{ a: 1 }]);
  assert.equal(problems(forced)[0]!.origin.line, 1);
  const xml = await readFileItems(dir, 'z.log', 'junk <Event><System><EventID>4</EventID></System></Event>', { format: 'xml' });
  assert.equal(xml.filter((i) => i.kind === 'windows').length, 1);
});

test('empty and blank inputs, missing files and sources carrying errors become problems', async () => {
  const dir = tempDir();
  assert.match(problems(await readFileItems(dir, 'empty.json', ''))[0]!.message, /empty input/);
  assert.match(problems(await readFileItems(dir, 'blank.json', '\n\n   \n'))[0]!.message, /only blank/);
  const missing = await collect(readSource({ path: join(dir, 'nope.json') }));
  assert.deepEqual(missing.map((p) => [p.kind, p.origin.file]), [['problem', join(dir, 'nope.json')]]);
  assert.match(problems(missing)[0]!.message, /no such file/);
  const [glob] = await expandInputs([join(dir, '*.none')]);
  assert.match(problems(await collect(readSource(glob!)))[0]!.message, /no file matches/);
  const asDir = await collect(readSource({ path: dir }));
  assert.equal(problems(asDir).length, 1);
  assert.equal(problems(asDir)[0]!.severity, 'error');
});

test('a consumer that stops early does not leave the reader hanging', async () => {
  const dir = tempDir();
  const lines = Array.from({ length: 5000 }, (_, i) => JSON.stringify({ i })).join('\n');
  writeFileSync(join(dir, 'big.json'), lines);
  let n = 0;
  for await (const item of readSource({ path: join(dir, 'big.json') })) {
    assert.equal(item.kind, 'document');
    if (++n === 3) break;
  }
  assert.equal(n, 3);
});

test('XML that holds no events (a Sysmon config beside the logs) is a warning when named, a note when walked', async () => {
  const dir = tempDir();
  const config = '<?xml version="1.0"?>\n<Sysmon schemaversion="4.50"><EventFiltering/></Sysmon>\n';
  const named = await readFileItems(dir, 'sysmonconfig.xml', config);
  assert.deepEqual(named.map((i) => (i.kind === 'problem' ? i.severity : i.kind)), ['warning']);
  assert.match(problems(named)[0]!.message, /without any <Event>/);
  const walked = await collect(readSource({ path: join(dir, 'sysmonconfig.xml'), implicit: true }));
  assert.deepEqual(walked.map((i) => (i.kind === 'problem' ? i.severity : i.kind)), ['note']);
});
