// Test helpers: feed bytes to the readers in chunks of a chosen size, and summarise what comes out.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSource, readStream, type InputItem, type InputOptions } from '../../../src/formats/index.js';

/** The bytes as a stream of `chunk`-sized pieces (chunk boundaries are where streaming bugs hide). */
export async function* chunked(bytes: Uint8Array | string, chunk = 65536): AsyncGenerator<Uint8Array> {
  const b = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  for (let i = 0; i < b.length; i += chunk) yield b.subarray(i, i + chunk);
}

export async function collect(gen: AsyncIterable<InputItem>): Promise<InputItem[]> {
  const out: InputItem[] = [];
  for await (const item of gen) out.push(item);
  return out;
}

/** Reads bytes through the same path as a file (sniffing, archives, formats). */
export function readBytes(bytes: Uint8Array | string, options: Omit<InputOptions, 'lineFilter'> = {}, chunk = 65536, file = 'mem'): Promise<InputItem[]> {
  return collect(readStream(chunked(bytes, chunk), { file }, options));
}

const dirs: string[] = [];
/** A fresh temporary directory for this test file. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-formats-'));
  dirs.push(dir);
  return dir;
}

/** Writes a file into `dir` and reads it as a source. */
export async function readFileItems(dir: string, name: string, content: Uint8Array | string, options: Omit<InputOptions, 'lineFilter'> = {}): Promise<InputItem[]> {
  const path = join(dir, name);
  writeFileSync(path, content);
  return collect(readSource({ path }, options));
}

export const docs = (items: InputItem[]): Array<Record<string, unknown>> =>
  items.flatMap((i) => (i.kind === 'document' ? [i.doc] : []));

export const problems = (items: InputItem[]): Array<Extract<InputItem, { kind: 'problem' }>> =>
  items.flatMap((i) => (i.kind === 'problem' ? [i] : []));

export const events = (items: InputItem[]): Array<Extract<InputItem, { kind: 'windows' }>> =>
  items.flatMap((i) => (i.kind === 'windows' ? [i] : []));

/** Removes the directories made by `tempDir` (call from `after`). */
export function removeTempDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
