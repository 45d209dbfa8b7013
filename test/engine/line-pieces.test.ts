// The engine's own files (sort runs, held lines) are read back through LinePieces, which reads ahead of need: the
// pieces must still be whole lines, in order, whatever the line lengths (longer than the buffer included), with
// multi-byte characters across read boundaries, and a reader that stops early must leave no read in flight.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LinePieces, PIECE_BYTES } from '../../src/engine/line-pieces.js';
import { Rng } from '../../src/simulate/random.js';

function withFile(text: string, body: (path: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-pieces-test-'));
  const path = join(dir, 'lines.ndjson');
  writeFileSync(path, text, 'utf8');
  return body(path).finally(() => rmSync(dir, { recursive: true, force: true }));
}

async function piecesOf(path: string, chunkBytes: number): Promise<string[]> {
  const file = await open(path, 'r');
  const pieces = new LinePieces(file, chunkBytes);
  try {
    const out: string[] = [];
    for (let p = await pieces.next(); p !== undefined; p = await pieces.next()) out.push(p);
    assert.equal(file.fd, -1, 'closed at its end');
    return out;
  } finally {
    await pieces.close();
  }
}

test('pieces are whole lines in order, however long the lines and wherever a read ends', async () => {
  const rng = new Rng(7);
  const lines: string[] = [];
  // Short and long lines, one over four times the largest piece, with 2-, 3- and 4-byte characters.
  for (let i = 0; i < 3000; i++) {
    const len = i === 1500 ? 5 * PIECE_BYTES : rng.int(0, i % 97 === 0 ? 40_000 : 300);
    let line = `${i}:`;
    for (let k = 0; k < len; k += 1) line += k % 11 === 0 ? ['é', '€', '😀'][k % 3]! : String.fromCharCode(97 + (k % 26));
    lines.push(line);
  }
  const text = lines.join('\n') + '\n';
  await withFile(text, async (path) => {
    for (const chunkBytes of [1, 3 * PIECE_BYTES, 1 << 20]) {
      const pieces = await piecesOf(path, chunkBytes);
      assert.equal(pieces.join(''), text, `chunk ${chunkBytes}`);
      for (const p of pieces) {
        assert.ok(p.endsWith('\n'), 'each piece ends a line');
        // A piece is at most PIECE_BYTES of UTF-8 unless it is one line longer than that.
        if (Buffer.byteLength(p) > PIECE_BYTES) assert.equal(p.indexOf('\n'), p.length - 1, 'only a single long line exceeds a piece');
      }
    }
  });
  // A file that does not end in a newline gives its last bytes as they are.
  await withFile('a\nbb\nccc', async (path) => assert.deepEqual((await piecesOf(path, 1)).join('|'), 'a\nbb\n|ccc'));
  await withFile('', async (path) => assert.deepEqual(await piecesOf(path, 1), []));
});

test('a reader that stops early ends the read it started ahead, then the file is closed', async () => {
  await withFile('x'.repeat(100) + '\n'.repeat(1) + 'y\n'.repeat(200_000), async (path) => {
    const file = await open(path, 'r');
    const pieces = new LinePieces(file, 2 * PIECE_BYTES);
    assert.ok((await pieces.next())!.startsWith('x'));
    await pieces.close();
    assert.equal(file.fd, -1);
    await pieces.close(); // already closed: returns at once
  });
});
