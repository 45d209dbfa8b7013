// `seqhunt baseline learn`: past alerts (or telemetry, through the hunt runtime) → a proposed exception
// list of recurring legitimate remote task creation, in Kibana's export format, with evidence per item.
import { stat, writeFile } from 'node:fs/promises';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { outputClash } from '../output.js';
import type { Alert } from '../../alerts/types.js';
import {
  BaselineLearner,
  DEFAULT_BASELINE_LIST_ID,
  DEFAULT_MIN_DAYS,
  DEFAULT_MIN_HOSTS,
  describeShape,
  huntTelemetry,
  printable,
  readAlertFile,
  readAlertText,
  serializeExceptionLists,
  type BaselineShape,
  type ExceptionProblem,
} from '../../tuning/index.js';

const usage = `Usage: seqhunt baseline learn [paths...] [-o baseline.ndjson] [options]    ("-": alerts on stdin)

Finds the recurring, legitimate shape of remote scheduled task creation in past alerts or telemetry:
the same source (IP, else host name) and account creating tasks with the same command pattern
(GUIDs, numbers and random-looking names made variable) on many hosts or over many days.
Writes a proposed exception list, in the format Kibana exports and imports, with the evidence for each
item (count, hosts, first and last seen, example task and command) for a person to review.

Use it with \`seqhunt hunt --exceptions baseline.ndjson\`: matching alerts are suppressed (counted per item),
and the risk score of the others uses it (a source never seen creating tasks +10; a baselined source doing
something else -15, except when the command has strong attacker traits). Items match the alert's own fields (source, account, seqhunt.task.command/arguments):
Kibana imports the file, but evaluates exceptions on events, where those fields do not exist.

Inputs: files of past alerts (NDJSON or JSON as \`seqhunt hunt --format ndjson|json\` writes, recognized
by kibana.alert.rule.rule_id); any other file is telemetry and is run through the hunt runtime first.

Options:
  -o, --output FILE        write the list here (default: stdout)
  --min-hosts N            distinct target hosts that make a shape recurring (default ${DEFAULT_MIN_HOSTS})
  --min-days N             distinct UTC days that make a shape recurring (default ${DEFAULT_MIN_DAYS});
                           a shape is proposed when it reaches either threshold
  --list-id ID             list_id of the written list (default ${DEFAULT_BASELINE_LIST_ID})
  --name NAME              name of the written list
  --expire-days N          proposed items expire after N days (Kibana expire_time), forcing a review
  --include-suspicious     also propose shapes whose command has attacker traits (encoded PowerShell,
                           mshta, rundll32, regsvr32, UNC paths, Users\\Public, Temp); tagged for review
  --rules PATH             extra rule files or directories when learning from telemetry
`;

function positiveInt(name: string, value: string | undefined, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`--${name} must be a positive whole number, got "${value}"`);
  return Number(value);
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

function shapeLine(s: BaselineShape): string {
  return printable(describeShape(s).split('\n').slice(0, 2).join(' — '));
}

export const command: Command = {
  name: ['baseline', 'learn'],
  summary: 'Learn recurring legitimate remote task creation as a proposed exception list',
  usage,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      output: { type: 'string', short: 'o' },
      'min-hosts': { type: 'string' },
      'min-days': { type: 'string' },
      'list-id': { type: 'string' },
      name: { type: 'string' },
      'expire-days': { type: 'string' },
      'include-suspicious': { type: 'boolean' },
      rules: { type: 'string', multiple: true },
    });
    // The list is written after the inputs are read, but over an input it would replace the evidence.
    if (values.output !== undefined) {
      const clash = await outputClash(values.output, positionals);
      if (clash) {
        io.stderr.write(`seqhunt baseline learn: refusing to write the list over an input: ${printable(clash)}\n`);
        return 2;
      }
    }
    if (positionals.length === 0) throw new UsageError('give at least one file of past alerts or telemetry');
    const minHosts = positiveInt('min-hosts', values['min-hosts'], DEFAULT_MIN_HOSTS)!;
    const minDays = positiveInt('min-days', values['min-days'], DEFAULT_MIN_DAYS)!;
    const expireDays = positiveInt('expire-days', values['expire-days']);

    // Alerts stream into the learner; only the per-shape evidence is held, never the alerts.
    const learner = new BaselineLearner({
      minHosts,
      minDays,
      listId: values['list-id'],
      listName: values.name,
      expireDays,
      includeSuspicious: values['include-suspicious'] ?? false,
    });
    const add = (alert: Alert) => learner.add(alert);
    const problems: ExceptionProblem[] = [];
    const telemetry: string[] = [];
    let unreadable = 0;
    for (const file of positionals) {
      try {
        if (file === '-') {
          const r = readAlertText(await readStream(io.stdin), '-', add);
          problems.push(...r.problems);
          if (r.kind === 'telemetry') {
            unreadable++;
            problems.push({ file: '-', message: 'stdin holds no alerts; telemetry is read from files or directories' });
          }
          continue;
        }
        // Directories are telemetry (the hunt runtime expands them); files are sniffed for alerts.
        if ((await stat(file)).isDirectory()) {
          telemetry.push(file);
          continue;
        }
        const r = await readAlertFile(file, add);
        problems.push(...r.problems);
        if (r.kind === 'telemetry') telemetry.push(file);
      } catch (err) {
        unreadable++;
        const code = (err as NodeJS.ErrnoException).code;
        problems.push({ file, message: `cannot read: ${code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}` });
      }
    }
    let fromTelemetry = 0;
    let telemetryEvents = 0;
    if (telemetry.length > 0) {
      const hunted = await huntTelemetry(telemetry, add, { rules: values.rules });
      problems.push(...hunted.problems);
      unreadable += hunted.inputErrors;
      fromTelemetry = hunted.alerts;
      telemetryEvents = hunted.events;
    }

    const result = learner.result();
    const text = serializeExceptionLists([result.list]);
    if (values.output) {
      try {
        await writeFile(values.output, text);
      } catch (err) {
        io.stderr.write(`seqhunt baseline learn: cannot write ${printable(values.output)}: ${(err as Error).message}\n`);
        return 2;
      }
    } else io.stdout.write(text);

    const err: string[] = [];
    for (const p of problems) err.push(printable(`${p.file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.message}`));
    err.push(
      `read ${result.alertsRead} alert(s)${telemetry.length ? ` (${fromTelemetry} from ${telemetryEvents} telemetry event(s))` : ''}; ` +
        `${result.proposed.length} recurring shape(s) proposed (thresholds: ${minHosts} hosts or ${minDays} days), ` +
        `covering ${result.proposed.reduce((n, s) => n + s.count, 0)} alert(s); ` +
        `${result.belowThreshold.length} below the thresholds; ${result.heldBack.length} held back as suspicious`,
    );
    if (result.skipped.noSource || result.skipped.noCommand) {
      err.push(`not learnable: ${result.skipped.noSource} alert(s) without a source, ${result.skipped.noCommand} without a task command`);
    }
    for (const s of result.heldBack) err.push(`held back (recurring, but the command has attacker traits; --include-suspicious to propose): ${shapeLine(s)}`);
    if (values.output) err.push(`wrote ${printable(values.output)}: ${result.list.items.length} item(s) in list ${printable(result.list.list.list_id)}; review with: seqhunt baseline show ${printable(values.output)}`);
    io.stderr.write(err.join('\n') + '\n');
    // Malformed lines are reported and skipped (exit 0, as hunt does); unreadable inputs exit 2.
    return unreadable > 0 ? 2 : 0;
  },
};
