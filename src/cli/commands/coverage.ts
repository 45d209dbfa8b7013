// `seqhunt coverage [paths]`: can each rule fire on this data at all? Per rule and host, per stage.
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { formatCoverage, hunt } from '../../engine/index.js';
import type { InputFormat } from '../../formats/index.js';
import { formatRuleProblem, loadRules, selectRules } from '../../rules/index.js';

const usage = `Usage: seqhunt coverage [options] <paths...>

Reads the inputs like \`seqhunt hunt\` and tells, for each rule and host, whether the data holds the kinds of
events each stage of the rule needs: blind (the data source is absent, e.g. no Sysmon network events with a
process, no Security 4698), unconfirmed (the source is there but the kind of event never appears, e.g. no
network events from svchost.exe), or not blind.

Options:
  --rules FILE|DIR   add rules from TOML files (repeatable)
  --no-builtin       do not load the built-in rule pack
  --only RULE        only this rule (rule_id or exact name; repeatable)
  --input-format FMT evtx | xml | json: force the input format
  --json             the full report (per rule, host and stage counts)

Exit status: 0 the report was made; 2 usage errors, unreadable inputs or broken rules (after the rest).
`;

export const command: Command = {
  name: ['coverage'],
  summary: 'Tell, per rule and host, whether the inputs can feed the rule at all',
  usage,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      rules: { type: 'string', multiple: true },
      'no-builtin': { type: 'boolean' },
      only: { type: 'string', multiple: true },
      'input-format': { type: 'string' },
      json: { type: 'boolean' },
    });
    if (positionals.length === 0) throw new UsageError('name the inputs (files, directories, globs, or - for stdin)');
    const format = values['input-format'];
    if (format !== undefined && !['evtx', 'xml', 'json'].includes(format)) throw new UsageError(`--input-format: expected evtx, xml or json, got "${format}"`);
    let status = 0;
    const loaded = await loadRules({ builtin: !values['no-builtin'], paths: values.rules ?? [] });
    for (const p of loaded.problems) io.stderr.write(`seqhunt coverage: rule problem: ${formatRuleProblem(p)}\n`);
    if (loaded.problems.length) status = 2;
    const selected = selectRules(loaded.rules, values.only ?? []);
    if (selected.unknown.length) throw new UsageError(`--only: no rule named ${selected.unknown.map((u) => `'${u}'`).join(', ')}`);
    // Coverage only observes: the rules themselves are not run (no alerts, no sorting cost beyond reading).
    const result = await hunt({ inputs: positionals, rules: [], coverageRules: selected.rules, workers: 'auto', ...(format && { inputFormat: format as InputFormat }), stdin: io.stdin });
    for (const e of result.inputErrors) io.stderr.write(`seqhunt coverage: ${e.path}: ${e.message}\n`);
    if (result.inputErrors.length) status = 2;
    if (result.malformed.count) io.stderr.write(`seqhunt coverage: ${result.malformed.count} malformed record${result.malformed.count === 1 ? '' : 's'} skipped (first: ${result.malformed.samples[0]?.origin.file}: ${result.malformed.samples[0]?.message})\n`);
    const report = result.coverage!;
    io.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : formatCoverage(report));
    return status;
  },
};
