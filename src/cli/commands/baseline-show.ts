// `seqhunt baseline show FILE...`: an exception list (a learned baseline or any Kibana export) in words.
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { formatExceptionLists, loadExceptionLists, printable } from '../../tuning/index.js';

const usage = `Usage: seqhunt baseline show FILE... [--now ISO-TIME]

Prints exception lists (a baseline written by \`seqhunt baseline learn\`, or any Kibana exception list
export) readably: each item's conditions, its expiry, and the evidence baseline learn recorded.
Malformed lines are reported with file and line; the rest is still shown.

Options:
  --now TIME   judge expiry at this time instead of now (ISO 8601)
`;

export const command: Command = {
  name: ['baseline', 'show'],
  summary: 'Print a baseline or exception list readably',
  usage,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { now: { type: 'string' } });
    if (positionals.length === 0) throw new UsageError('give the exception list file(s) to show');
    let now: Date | undefined;
    if (values.now !== undefined) {
      now = new Date(values.now);
      if (Number.isNaN(now.getTime())) throw new UsageError(`--now must be an ISO 8601 time, got "${values.now}"`);
    }
    const { lists, problems } = await loadExceptionLists(positionals);
    if (lists.length > 0) io.stdout.write(formatExceptionLists(lists, { now }));
    for (const p of problems) io.stderr.write(printable(`${p.file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.message}`) + '\n');
    if (lists.length === 0 && problems.length === 0) io.stderr.write('no exception list in the given file(s)\n');
    return problems.length > 0 || lists.length === 0 ? 2 : 0;
  },
};
