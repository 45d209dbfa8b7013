// Public API of the input formats: turn paths into a stream of InputItems.
// PROVISIONAL (skeleton): NDJSON only. Owned by the inputs work (issue 3), which replaces the body
// with format sniffing, EVTX, event XML, JSON arrays, archives and stdin, keeping these signatures.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { InputFormat, InputItem } from './types.js';

export type { InputItem, InputFormat, Origin, WinEvent, WinSystem, DataValue, XmlElement } from './types.js';

export interface InputOptions {
  /** Force a format instead of sniffing the content. */
  format?: InputFormat;
}

/** One input the user named, after expanding directories and globs ("-" is stdin). */
export interface InputSource {
  path: string;
  size?: number;
}

/** Expands files, directories (recursively) and globs into sources, in a stable order. */
export async function expandInputs(paths: string[]): Promise<InputSource[]> {
  return paths.map((path) => ({ path }));
}

/** Reads one source as a stream of items; never throws for bad content (that becomes `problem` items). */
export async function* readSource(source: InputSource, _options: InputOptions = {}): AsyncGenerator<InputItem> {
  const input = source.path === '-' ? process.stdin : createReadStream(source.path);
  let line = 0;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    line++;
    if (text.trim() === '') continue;
    const origin = { file: source.path, line };
    try {
      const doc = JSON.parse(text) as unknown;
      if (doc && typeof doc === 'object' && !Array.isArray(doc)) {
        yield { kind: 'document', doc: doc as Record<string, unknown>, origin };
      } else {
        yield { kind: 'problem', severity: 'error', message: 'not a JSON object', origin };
      }
    } catch (err) {
      yield { kind: 'problem', severity: 'error', message: `malformed JSON: ${(err as Error).message}`, origin };
    }
  }
}
