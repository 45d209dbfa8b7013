// `seqhunt rules check [paths]`: lint rules (query compiles, fields known, severity vs risk, ATT&CK, metadata).
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { directoriesWithoutRules } from '../rule-paths.js';
import { lintRuleFiles } from '../../rules/lint.js';

const usage = `Usage: seqhunt rules check [options] [paths...]

Lints rules: the query parses and compiles; every field it reads is an ECS field normalization produces or is
declared in [[rule.required_fields]]; severity agrees with risk_score (low 0–21, medium 22–47, high 48–73,
critical 74–100); MITRE ATT&CK tactic, technique and sub-technique ids exist (bundled ATT&CK table) and each
technique belongs to the tactic it is filed under; required metadata is present. Without paths, checks the
built-in pack. Every broken rule is reported with its reasons; the rest are still checked.

Options:
  --builtin     also check the built-in pack when paths are given
  --strict      warnings fail too
  --json        machine-readable report

Exit status: 0 no errors; 2 a rule has errors (or warnings, with --strict), or a directory holds no rule file.
`;

export const command: Command = {
  name: ['rules', 'check'],
  summary: 'Lint rules: query, fields, severity, MITRE mapping, metadata',
  usage,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { builtin: { type: 'boolean' }, strict: { type: 'boolean' }, json: { type: 'boolean' } });
    const empty = await directoriesWithoutRules(positionals);
    for (const dir of empty) io.stderr.write(`seqhunt rules check: ${dir}: no rule files (*.toml) in this directory\n`);
    const reports = await lintRuleFiles({ builtin: positionals.length === 0 || values.builtin === true, paths: positionals });
    const failing = (r: (typeof reports)[number]) => r.findings.some((f) => f.severity === 'error' || (values.strict === true && f.severity === 'warning'));
    if (values.json) {
      io.stdout.write(JSON.stringify(reports, null, 2) + '\n');
    } else {
      for (const r of reports) {
        const errors = r.findings.filter((f) => f.severity === 'error').length;
        const warnings = r.findings.length - errors;
        const verdict = !r.loaded ? 'BROKEN' : errors ? 'ERRORS' : warnings ? 'warnings' : 'ok';
        io.stdout.write(`${verdict.padEnd(9)} ${r.name ?? '(not loaded)'}  [${r.file}]${errors || warnings ? ` ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}\n`);
        for (const f of r.findings) {
          const where = `${f.line !== undefined ? `line ${f.line}: ` : ''}${f.field ? `${f.field}: ` : ''}`;
          io.stdout.write(`  ${f.severity === 'error' ? 'error  ' : 'warning'} ${where}${f.message.replace(/\n/g, '\n          ')}\n`);
        }
      }
      const bad = reports.filter(failing).length;
      io.stderr.write(`seqhunt rules check: ${reports.length} rule file${reports.length === 1 ? '' : 's'} checked, ${reports.length - bad} clean, ${bad} with ${values.strict ? 'errors or warnings' : 'errors'}\n`);
    }
    return reports.some(failing) || empty.length > 0 ? 2 : 0;
  },
};
