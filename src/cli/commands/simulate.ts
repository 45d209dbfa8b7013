// `seqhunt simulate SCENARIO`: write the telemetry a target host records for an attack, admin or near-miss scenario.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { writeOut } from '../output.js';
import { DEFAULTS, SCENARIOS, SIMULATION_FORMATS, formatScenarioList, isIpAddress, renderSimulation, simulate, type ScenarioOptions, type SimulationFormat } from '../../simulate/index.js';

const usage = `Usage: seqhunt simulate <scenario> [options]
       seqhunt simulate --list

Writes the telemetry the target host(s) of a scenario record: Sysmon, Security and Task Scheduler events
(as event XML, EVTX or Winlogbeat-style ECS JSON) or Elastic Defend documents. Output is deterministic for
a given --seed and --time. \`seqhunt validate\` runs every scenario through the built-in rules.

Scenarios:
${SCENARIOS.map((s) => `  ${s.id.padEnd(16)} ${s.kind.padEnd(9)} ${s.title}`).join('\n')}

Options:
  --format FMT         defend (ECS NDJSON, default) | xml | evtx | winlogbeat
  -o, --output PATH    write to PATH instead of stdout; with --format evtx and a directory (existing, or
                       ending in /), one .evtx file per channel
  --host NAME          target computer (default ${DEFAULTS.host})
  --target-ip IP       target address (default ${DEFAULTS.targetIp})
  --source-ip IP       remote client address (default ${DEFAULTS.sourceIp})
  --user DOMAIN\\USER   remote account (default ${DEFAULTS.user})
  --task NAME          task name or path (default ${DEFAULTS.task})
  --command CMDLINE    the task's command line (default "${DEFAULTS.command}")
  --time ISO           start time (default ${DEFAULTS.time})
  --seed N             randomness seed for ids, ports and jitter (default ${DEFAULTS.seed})
  --targets N          admin-* scenarios: number of managed hosts (default ${DEFAULTS.targets})
  --runs N             admin-* scenarios: number of recurring runs (default ${DEFAULTS.runs})
  --list               list the scenarios with the rules each must raise, per telemetry shape
`;

const options = {
  format: { type: 'string' },
  output: { type: 'string', short: 'o' },
  host: { type: 'string' },
  'target-ip': { type: 'string' },
  'source-ip': { type: 'string' },
  user: { type: 'string' },
  task: { type: 'string' },
  command: { type: 'string' },
  time: { type: 'string' },
  seed: { type: 'string' },
  targets: { type: 'string' },
  runs: { type: 'string' },
  list: { type: 'boolean' },
} as const;

function intOption(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min) throw new UsageError(`--${name}: expected an integer ≥ ${min}, got "${value}"`);
  return Number(value);
}

export const command: Command = {
  name: ['simulate'],
  summary: 'Write the telemetry of an attack, admin-tooling or near-miss scenario',
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    if (values.list) {
      io.stdout.write(formatScenarioList());
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'name a scenario (seqhunt simulate --list shows them)' : `one scenario at a time (got ${positionals.join(', ')})`);
    const id = positionals[0]!;
    if (!SCENARIOS.some((s) => s.id === id)) throw new UsageError(`unknown scenario '${id}' (known: ${SCENARIOS.map((s) => s.id).join(', ')})`);
    const format = (values.format ?? 'defend') as SimulationFormat;
    if (!SIMULATION_FORMATS.includes(format)) throw new UsageError(`--format: expected one of ${SIMULATION_FORMATS.join(', ')}, got "${values.format}"`);
    if (values.time !== undefined && Number.isNaN(Date.parse(values.time))) throw new UsageError(`--time: not an ISO 8601 time: "${values.time}"`);
    for (const ip of ['source-ip', 'target-ip'] as const) {
      const v = values[ip];
      if (v !== undefined && !isIpAddress(v)) throw new UsageError(`--${ip}: not an IP address (IPv4 or IPv6): "${v}"`);
    }
    for (const key of ['host', 'task', 'command'] as const) {
      const v = values[key];
      if (v !== undefined && v.trim() === '') throw new UsageError(`--${key}: must not be empty`);
    }
    if (values.host !== undefined && !/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(values.host)) throw new UsageError(`--host: not a computer name: "${values.host}"`);
    if (values.user !== undefined && !/^([^\\]+\\)?[^\\]+$/.test(values.user)) throw new UsageError(`--user: expected DOMAIN\\user or user, got "${values.user}"`);
    const opts: ScenarioOptions = {
      host: values.host,
      targetIp: values['target-ip'],
      sourceIp: values['source-ip'],
      user: values.user,
      task: values.task,
      command: values.command,
      time: values.time,
      seed: intOption('seed', values.seed, 0),
      targets: intOption('targets', values.targets, 1),
      runs: intOption('runs', values.runs, 1),
    };
    const telemetry = simulate(id, opts);

    const out = values.output;
    let split = false;
    if (format === 'evtx' && out !== undefined) {
      split = out.endsWith('/') || (await stat(out).then((s) => s.isDirectory(), () => false));
    }
    let files;
    try {
      files = renderSimulation(telemetry, format, split);
    } catch (err) {
      io.stderr.write(`seqhunt simulate: cannot write ${format}: ${(err as Error).message}\n`);
      return 2;
    }
    if (out === undefined) {
      if (format === 'evtx' && io.stdout.isTTY) throw new UsageError('EVTX is binary: give -o FILE or -o DIR/ (or redirect stdout)');
      // A reader that goes away (`| head`) ends the output quietly.
      for (const f of files) if (!(await writeOut(io.stdout, f.data))) break;
      return 0;
    }
    try {
      if (split) {
        await mkdir(out, { recursive: true });
        for (const f of files) await writeFile(join(out, f.name), f.data);
        io.stderr.write(`seqhunt simulate: ${id}: ${telemetry.windows.length} events in ${files.length} files under ${out}: ${files.map((f) => f.name).join(', ')}\n`);
      } else {
        await writeFile(out, files[0]!.data);
        const count = format === 'defend' ? telemetry.defend.length : telemetry.windows.length;
        io.stderr.write(`seqhunt simulate: ${id}: ${count} events written to ${out}\n`);
      }
    } catch (err) {
      io.stderr.write(`seqhunt simulate: cannot write ${out}: ${(err as Error).message}\n`);
      return 2;
    }
    return 0;
  },
};
