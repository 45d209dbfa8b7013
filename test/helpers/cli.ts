// Runs the CLI in-process with captured streams: the same code path as bin/seqhunt.js, without a build.
import { PassThrough, Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[], stdinText?: string): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const stdin = Readable.from(stdinText === undefined ? [] : [Buffer.from(stdinText)]);
  const code = await main(args, { stdout, stderr, stdin });
  return { code, stdout: out, stderr: err };
}
