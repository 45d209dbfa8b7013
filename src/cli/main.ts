// seqhunt command-line entry: dispatches to one module per command in ./commands.
import type { CliIo, Command } from './command.js';
import { UsageError } from './command.js';
import { commands } from './commands/index.js';
import { guardOutput } from './output.js';

function findCommand(argv: string[]): { command: Command; rest: string[] } | undefined {
  // Longest match first, so "rules check" wins over a hypothetical "rules".
  const sorted = [...commands].sort((a, b) => b.name.length - a.name.length);
  for (const command of sorted) {
    if (command.name.every((word, i) => argv[i] === word)) return { command, rest: argv.slice(command.name.length) };
  }
  return undefined;
}

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.join(' ').length));
  const lines = commands.map((c) => `  ${c.name.join(' ').padEnd(width)}  ${c.summary}`);
  return ['seqhunt: EQL detections over Windows telemetry (EVTX, event XML, ECS JSON)', '', 'Usage: seqhunt <command> [options]', '', 'Commands:', ...lines, '', 'Run `seqhunt <command> --help` for a command\'s options.', ''].join('\n');
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  // A reader that goes away (`| head`) ends the output quietly; other write errors are reported after the command.
  const out = guardOutput(io.stdout);
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout.write(help());
    return 0;
  }
  if (argv[0] === '--version') {
    io.stdout.write('seqhunt 0.1.0\n');
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    // A group word alone (`seqhunt evtx`, `seqhunt rules frob`) lists the group's commands.
    const group = commands.filter((c) => c.name.length > 1 && c.name[0] === argv[0]);
    if (group.length > 0) {
      const width = Math.max(...group.map((c) => c.name.join(' ').length));
      const list = group.map((c) => `  ${c.name.join(' ').padEnd(width)}  ${c.summary}`).join('\n');
      const text = `Usage: seqhunt ${argv[0]} <command> [options]\n\nCommands:\n${list}\n\nRun \`seqhunt ${argv[0]} <command> --help\` for a command's options.\n`;
      if (argv[1] === '--help' || argv[1] === '-h') {
        io.stdout.write(text);
        return 0;
      }
      io.stderr.write(`${argv[1] === undefined ? `seqhunt ${argv[0]}: name a command` : `seqhunt ${argv[0]}: unknown command '${argv[1]}'`}\n\n${text}`);
      return 2;
    }
    io.stderr.write(`seqhunt: unknown command '${argv[0]}'\n\n${help()}`);
    return 2;
  }
  if (found.rest.includes('--help') || found.rest.includes('-h')) {
    io.stdout.write(found.command.usage.endsWith('\n') ? found.command.usage : found.command.usage + '\n');
    return 0;
  }
  try {
    const status = await found.command.run(found.rest, io);
    if (out.error) {
      io.stderr.write(`seqhunt ${found.command.name.join(' ')}: cannot write to standard output: ${out.error.message}\n`);
      return Math.max(status, 2);
    }
    return status;
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`seqhunt ${found.command.name.join(' ')}: ${(err as Error).message}\n(see seqhunt ${found.command.name.join(' ')} --help)\n`);
      return 2;
    }
    // Never a bare stack trace for the user; keep it available for bug reports.
    io.stderr.write(`seqhunt ${found.command.name.join(' ')}: internal error: ${(err as Error).message}\n`);
    if (process.env.SEQHUNT_DEBUG) io.stderr.write(`${(err as Error).stack}\n`);
    return 70;
  }
}

