// PROVISIONAL (skeleton): the EQL engine work (issue 2) replaces this with the real implementation.
import type { CompiledQuery, CompileOptions } from './api.js';
export type * from './api.js';

export class EqlError extends Error {
  constructor(message: string, readonly line = 1, readonly column = 1, readonly expected: string[] = []) {
    super(message);
  }
}

export function compileQuery(_source: string, _options: CompileOptions = {}): CompiledQuery {
  throw new EqlError('EQL engine not built yet');
}
