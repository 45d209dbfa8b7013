// The one error type of the engine: every syntax, name and type problem carries its position.
import type { EqlErrorInfo } from './api.js';
import type { Pos } from './ast.js';

export class EqlError extends Error {
  override name = 'EqlError';
  constructor(
    message: string,
    /** 1-based. */
    readonly line = 1,
    /** 1-based. */
    readonly column = 1,
    /** What the parser expected at this spot, when it knows. */
    readonly expected: string[] = [],
  ) {
    super(message);
  }

  static at(pos: Pos, message: string, expected: string[] = []): EqlError {
    return new EqlError(message, pos.line, pos.column, expected);
  }

  /** The plain-data form (for rule linters and JSON reports). */
  info(): EqlErrorInfo {
    return { message: this.message, line: this.line, column: this.column, ...(this.expected.length > 0 ? { expected: this.expected } : {}) };
  }

  /** "line L:C: message", the offending source line, and a caret under the spot. */
  format(source: string): string {
    const lines = source.split(/\r\n|\r|\n/);
    const text = lines[this.line - 1] ?? '';
    const shown = text.replace(/\t/g, ' ');
    const caret = ' '.repeat(Math.max(0, Math.min(this.column - 1, shown.length))) + '^';
    return `line ${this.line}:${this.column}: ${this.message}\n  ${shown}\n  ${caret}`;
  }
}
