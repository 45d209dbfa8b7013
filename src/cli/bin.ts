// Process entry: runs the CLI with the real standard streams and sets the exit status.
import { main } from './main.js';

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`seqhunt: ${String(err)}\n`);
    process.exitCode = 70;
  },
);
