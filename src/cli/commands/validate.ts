// `seqhunt validate`: every scenario through every built-in rule, plus the shared real captures, as a matrix.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { formatRuleProblem, loadRules } from '../../rules/index.js';
import { SCENARIOS } from '../../simulate/index.js';
import { formatMatrix, validateDatasets, validateScenarios, type ValidationRow } from '../../simulate/validate.js';

/** ../shared/datasets beside the project (the checkout's shared material), or $SEQHUNT_SHARED/datasets. */
function defaultDatasets(): string | undefined {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  const dir = process.env.SEQHUNT_SHARED ? resolve(process.env.SEQHUNT_SHARED, 'datasets') : resolve(root, '..', 'shared', 'datasets');
  return existsSync(dir) ? dir : undefined;
}

const usage = `Usage: seqhunt validate [options]

The strategy's Validation section as one command: runs every simulated scenario (attacks, admin tooling,
near misses) through every built-in rule in memory, on the Windows logs (Sysmon + Security + Task Scheduler)
and on Elastic Defend data, then the real captures in the shared datasets (when present) against the
verdicts their SOURCE.md files give. Prints a matrix of expected/got alerts per scenario and rule.

Options:
  --scenario ID       only this scenario (repeatable)
  --datasets DIR      folder of datasets (default: ../shared/datasets beside the project, when present)
  --no-datasets       scenarios only
  --markdown          the matrix as a Markdown table (for the README)
  --incidents         list every alert (rule, host, source, user, task) under the matrix
  --json              machine-readable rows

Exit status: 0 every cell as expected; 1 a mismatch; 2 a built-in rule could not be loaded.
`;

export const command: Command = {
  name: ['validate'],
  summary: 'Run every scenario and the real captures through the built-in rules; matrix, non-zero on mismatch',
  usage,
  async run(args, io) {
    const { values } = parseCommandArgs(
      args,
      { scenario: { type: 'string', multiple: true }, datasets: { type: 'string' }, 'no-datasets': { type: 'boolean' }, markdown: { type: 'boolean' }, incidents: { type: 'boolean' }, json: { type: 'boolean' } },
      { allowPositionals: false },
    );
    const wanted = values.scenario ?? [];
    const unknown = wanted.filter((id) => !SCENARIOS.some((s) => s.id === id));
    if (unknown.length) throw new UsageError(`unknown scenario ${unknown.map((u) => `'${u}'`).join(', ')} (known: ${SCENARIOS.map((s) => s.id).join(', ')})`);
    const loaded = await loadRules({ builtin: true });
    const { problems } = loaded;
    // The flagship first, then its companions (rules labelled with the blind spot they cover).
    const rules = [...loaded.rules].sort((a, b) => Number(a.rule.coversBlindSpot !== undefined) - Number(b.rule.coversBlindSpot !== undefined) || (a.rule.name < b.rule.name ? -1 : 1));
    for (const p of problems) io.stderr.write(`seqhunt validate: rule problem: ${formatRuleProblem(p)}\n`);
    const scenarios = wanted.length ? SCENARIOS.filter((s) => wanted.includes(s.id)) : SCENARIOS;
    const rows: ValidationRow[] = await validateScenarios(rules, scenarios);
    const datasets = values['no-datasets'] ? undefined : (values.datasets ?? (wanted.length ? undefined : defaultDatasets()));
    if (values.datasets && !existsSync(values.datasets)) throw new UsageError(`--datasets: no such directory: ${values.datasets}`);
    if (datasets) rows.push(...(await validateDatasets(rules, datasets)));
    if (values.json) {
      io.stdout.write(JSON.stringify({ rules: rules.map((r) => ({ ruleId: r.rule.ruleId, name: r.rule.name })), rows }, null, 2) + '\n');
    } else {
      io.stdout.write(formatMatrix(rows, rules, { markdown: values.markdown === true }));
      if (values.incidents) {
        io.stdout.write('\nAlerts:\n');
        for (const r of rows) for (const line of r.incidents) io.stdout.write(`  ${r.id} (${r.telemetry}): ${line}\n`);
      }
    }
    const failed = rows.filter((r) => !r.ok);
    io.stderr.write(
      `seqhunt validate: ${rows.length} rows (${scenarios.length} scenarios × 2 telemetry shapes${datasets ? `, ${rows.length - scenarios.length * 2} datasets` : ', no datasets'}), ${failed.length ? `${failed.length} FAILED: ${failed.map((r) => `${r.id}/${r.telemetry}`).join(', ')}` : 'all as expected'}\n`,
    );
    if (problems.length) return 2;
    return failed.length ? 1 : 0;
  },
};
