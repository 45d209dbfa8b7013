// `seqhunt rules test [paths]`: run the examples each rule carries and report per rule.
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { directoriesWithoutRules } from '../rule-paths.js';
import { formatRuleProblem, loadRules } from '../../rules/index.js';
import { formatExampleReports, runRuleExamples } from '../../rules/examples.js';

const usage = `Usage: seqhunt rules test [options] [paths...]

Runs each rule's examples ([[examples.positive]] must match, \`expected_matches\` times when given;
[[examples.negative]] must not) and reports per rule. Without paths, tests the built-in rule pack.

Options:
  --builtin     also test the built-in pack when paths are given
  --json        machine-readable report

Exit status: 0 all examples pass (rules without examples are listed, not failed); 1 an example failed;
2 a rule could not be loaded, or a directory holds no rule file (the others are still tested).
`;

export const command: Command = {
  name: ['rules', 'test'],
  summary: 'Run the positive and negative examples of each rule',
  usage,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { builtin: { type: 'boolean' }, json: { type: 'boolean' } });
    const empty = await directoriesWithoutRules(positionals);
    for (const dir of empty) io.stderr.write(`seqhunt rules test: ${dir}: no rule files (*.toml) in this directory\n`);
    const { rules, problems } = await loadRules({ builtin: positionals.length === 0 || values.builtin === true, paths: positionals });
    const reports = rules.map(runRuleExamples);
    if (values.json) {
      io.stdout.write(JSON.stringify({ rules: reports, problems }, null, 2) + '\n');
    } else {
      io.stdout.write(formatExampleReports(reports));
      for (const p of problems) io.stdout.write(`BROKEN      ${formatRuleProblem(p)}\n`);
      const failed = reports.filter((r) => r.failed > 0).length;
      const untested = reports.filter((r) => r.results.length === 0).length;
      io.stderr.write(`seqhunt rules test: ${reports.length} rule${reports.length === 1 ? '' : 's'} tested, ${reports.length - failed - untested} passed, ${failed} failed${untested ? `, ${untested} without examples` : ''}${problems.length ? `, ${problems.length} rule problem${problems.length === 1 ? '' : 's'}` : ''}\n`);
    }
    if (problems.length > 0 || empty.length > 0) return 2;
    return reports.some((r) => r.failed > 0) ? 1 : 0;
  },
};
