// Pieces of a file (line-range.ts) meet at line starts: read one after the other, they give the file's bytes
// exactly once, each piece starting at a line start, whatever the piece and chunk sizes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileChunks } from '../../src/formats/bytes.js';
import { lineRange, rangeFrom, type PieceState } from '../../src/formats/line-range.js';
import { isNdjsonFile } from '../../src/formats/index.js';

async function pieceBytes(path: string, start: number, end: number, chunk: number, overrunAfter?: number): Promise<{ bytes: Buffer; state: PieceState }> {
  const state: PieceState = { lines: 0, overran: false, bulk: 0 };
  const range = lineRange(fileChunks(await open(path, 'r'), chunk, true, rangeFrom(start)), start, end, state);
  const out: Buffer[] = [];
  let n = 0;
  for await (const c of range) {
    out.push(Buffer.from(c));
    if (++n === overrunAfter) range.overrun();
  }
  return { bytes: Buffer.concat(out), state };
}

const TEXTS: Record<string, string> = {
  'short lines': 'a\nbb\n\nccc\nd\n',
  'no newline at the end': 'one\ntwo\nthree',
  'CRLF and a long line': `x\r\n${'y'.repeat(50)}\r\nz\r\n`,
  'multi-byte characters': 'é\n€€\n𝄞\nplain\n',
  'newlines only': '\n\n\n\n',
  'one line': 'a single line without newline',
};

test('pieces read one after the other give the file exactly once, each from a line start', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-range-'));
  try {
    for (const [name, text] of Object.entries(TEXTS)) {
      const path = join(dir, 'f.txt');
      const data = Buffer.from(text);
      writeFileSync(path, data);
      for (const size of [1, 2, 3, 5, 7, 16, 1000]) {
        for (const chunk of [1, 3, 16, 4096]) {
          const parts: Buffer[] = [];
          for (let start = 0; start < data.length; start += size) {
            const { bytes } = await pieceBytes(path, start, Math.min(data.length, start + size), chunk);
            if (bytes.length > 0) {
              const at = Buffer.concat(parts).length;
              assert.ok(at === 0 || data[at - 1] === 10, `${name}, pieces of ${size}, chunks of ${chunk}: a piece starts at byte ${at}, not a line start`);
            }
            parts.push(bytes);
          }
          assert.equal(Buffer.concat(parts).toString(), text, `${name}, pieces of ${size}, chunks of ${chunk}`);
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a piece told to overrun reads on to the end of the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-range-'));
  try {
    const path = join(dir, 'f.txt');
    const text = 'l1\nl2\nl3\nl4\nl5\nl6\n';
    writeFileSync(path, text);
    // Bytes [3, 9) hold the starts of l2 and l3; told to overrun while reading, the piece goes on to l6.
    assert.equal((await pieceBytes(path, 3, 9, 2)).bytes.toString(), 'l2\nl3\n');
    const { bytes, state } = await pieceBytes(path, 3, 9, 2, 1);
    assert.equal(bytes.toString(), 'l2\nl3\nl4\nl5\nl6\n');
    assert.equal(state.overran, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('isNdjsonFile: a UTF-8 file whose first line is a JSON object, however long that line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-range-'));
  try {
    const write = (name: string, data: string | Buffer) => {
      writeFileSync(join(dir, name), data);
      return join(dir, name);
    };
    assert.equal(await isNdjsonFile(write('a.ndjson', '{"a":1}\n{"b":2}\n')), true);
    assert.equal(await isNdjsonFile(write('bom.ndjson', '\uFEFF{"a":1}\n')), true);
    assert.equal(await isNdjsonFile(write('long.ndjson', `{"a":"${'x'.repeat(200_000)}"}\n{"b":2}\n`)), true, 'a first line past the first read');
    assert.equal(await isNdjsonFile(write('huge.ndjson', `{"a":"${'x'.repeat(2_000_000)}"}\n`)), false, 'no line end within 1 MiB');
    assert.equal(await isNdjsonFile(write('array.json', '[\n{"a":1}\n]\n')), false);
    assert.equal(await isNdjsonFile(write('pretty.json', '{\n  "a": 1\n}\n')), false);
    assert.equal(await isNdjsonFile(write('utf16.json', Buffer.from('\uFEFF{"a":1}\n', 'utf16le'))), false);
    assert.equal(await isNdjsonFile(write('x.ndjson', '{"a":1}\n'), 'evtx'), false, 'a forced format other than json');
    assert.equal(await isNdjsonFile(join(dir, 'missing.ndjson')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
