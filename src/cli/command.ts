// What every CLI command module exports. Commands are thin: parse flags, call the library, print.
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

export interface Command {
  /** The words that invoke it, e.g. ["hunt"] or ["rules", "check"]. */
  name: string[];
  /** One line for `seqhunt --help`. */
  summary: string;
  /** Full usage text for `seqhunt <command> --help`. */
  usage: string;
  /** Returns the exit status: 0 ran, 1 findings when asked (--fail-on-alert), 2 usage/input/rule errors. */
  run(args: string[], io: CliIo): Promise<number>;
}

/** A usage error: printed with the command's usage hint, exit status 2. */
export class UsageError extends Error {}
