// Command output: standard output that a reader may close early (`| head`), stopped quietly with no stack
// trace; and output files that must never be one of the inputs (opening them truncates the input).
import { statSync, type Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { expandInputs } from '../formats/index.js';
import type { CliIo } from './command.js';

type Out = CliIo['stdout'];

interface OutState {
  /** The reader went away (EPIPE) or the stream was destroyed: further output is dropped. */
  closed: boolean;
  /** A write error other than a closed reader (disk full, …): reported by main, exit status 2. */
  error?: NodeJS.ErrnoException;
}

const states = new WeakMap<Out, OutState>();
const GONE = new Set(['EPIPE', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

/** Listens for errors on `stream` once (idempotent), so a closed pipe is never an unhandled 'error' event. */
export function guardOutput(stream: Out): OutState {
  let state = states.get(stream);
  if (state) return state;
  const s: OutState = { closed: false };
  stream.on('error', (err: NodeJS.ErrnoException) => {
    s.closed = true;
    if (!GONE.has(err.code ?? '')) s.error ??= err;
  });
  states.set(stream, s);
  return s;
}

/** Whether the reader of `stream` has gone away (commands stop producing output then). */
export function outputClosed(stream: Out): boolean {
  return guardOutput(stream).closed;
}

/** Writes `text` unless the reader has gone; false once output is closed. Waits for drain on backpressure. */
export async function writeOut(stream: Out, text: string | Uint8Array): Promise<boolean> {
  const state = guardOutput(stream);
  if (state.closed) return false;
  if (stream.write(text)) return true;
  await new Promise<void>((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('error', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('error', done);
    stream.on('close', done);
  });
  return !state.closed;
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** `dir` itself or a path below it (both real paths). */
function isWithin(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Why writing `output` would destroy or feed back into the inputs, or undefined when it is safe: it is one of the
 * input files (the same file through any symlink or hard link: same device and inode) or lies inside an input
 * directory that is walked. Opening the output truncates it, so this is checked before; an output that does not
 * exist yet can only be matched by a glob once created, so callers check again after creating it.
 */
export async function outputClash(output: string, inputs: readonly string[]): Promise<string | undefined> {
  const outStat = await stat(output).catch(() => undefined);
  const outDir = dirname(resolve(output));
  const outReal = outStat ? await realpath(output) : join(await realpath(outDir).catch(() => outDir), basename(output));
  const named = inputs.filter((p) => p !== '-');
  for (const input of named) {
    const st = await stat(input).catch(() => undefined);
    if (!st?.isDirectory()) continue;
    if (isWithin(await realpath(input), outReal)) return `the output ${output} is inside the input directory ${input}`;
  }
  // Writing to a character device (/dev/null, a terminal) destroys no input: the inputs are not walked again.
  if (!outStat || outStat.isCharacterDevice()) return undefined;
  for (const input of named) {
    for (const source of await expandInputs([input])) {
      if (source.error) continue;
      // Synchronous: thousands of collected files are statted one after the other, at a tenth of the cost.
      const st = statOrUndefined(source.path);
      if (!st || st.dev !== outStat.dev || st.ino !== outStat.ino) continue;
      return source.path === input ? `the output ${output} is the input ${input}` : `the output ${output} is read as an input (${source.path}, from ${input})`;
    }
  }
  return undefined;
}
