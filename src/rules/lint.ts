// `seqhunt rules check`: lint rules beyond loading. The query compiles (the loader's job, reported here), the fields
// it reads exist in ECS or are declared by the rule ([[rule.required_fields]]), severity agrees with risk score,
// MITRE ids exist and the technique belongs to the tactic it is filed under, and the metadata a rule pack needs is
// there. Every rule is reported with its reasons; one broken rule never hides the others.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { isEcsField } from '../normalize/index.js';
import { builtinRulesDir, loadRules, type LoadRulesOptions } from './index.js';
import { attackUrl, findSubtechnique, findTactic, findTechnique } from './mitre-attack.js';
import type { LoadedRule, Rule, RuleProblem, Severity } from './types.js';

export interface LintFinding {
  severity: 'error' | 'warning';
  /** The rule field concerned, e.g. "rule.severity" or "rule.threat[0].technique[1].id". */
  field?: string;
  line?: number;
  message: string;
}

export interface RuleLintReport {
  file: string;
  ruleId?: string;
  name?: string;
  /** False when the rule could not be loaded (its errors are in `findings`). */
  loaded: boolean;
  findings: LintFinding[];
}

/** The severity a risk score implies (Elastic's bands). */
export function severityForRisk(score: number): Severity {
  if (score <= 21) return 'low';
  if (score <= 47) return 'medium';
  if (score <= 73) return 'high';
  return 'critical';
}

const RISK_BANDS: Record<Severity, string> = { low: '0–21', medium: '22–47', high: '48–73', critical: '74–100' };

export interface LintOptions {
  /** Fields the rule declares itself ([[rule.required_fields]] names). */
  declaredFields?: ReadonlySet<string>;
  /** Which fields count as known (default: the ECS schema of normalization). */
  isKnownField?: (field: string) => boolean;
}

/** Lints one loaded rule. */
export function lintRule(loaded: LoadedRule, options: LintOptions = {}): LintFinding[] {
  const { rule, query } = loaded;
  const findings: LintFinding[] = [];
  const error = (field: string | undefined, message: string) => findings.push({ severity: 'error', ...(field && { field }), message });
  const warn = (field: string | undefined, message: string) => findings.push({ severity: 'warning', ...(field && { field }), message });

  // Fields.
  const known = options.isKnownField ?? isEcsField;
  const declared = options.declaredFields ?? new Set<string>();
  const unknown = query.fields.filter((f) => !known(f) && !declared.has(f) && f !== rule.timestampField);
  for (const f of unknown) error('rule.query', `field "${f}" is neither an ECS field normalization produces nor declared in [[rule.required_fields]]`);

  // Severity and risk score.
  const expected = severityForRisk(rule.riskScore);
  if (expected !== rule.severity) {
    error('rule.severity', `severity "${rule.severity}" disagrees with risk_score ${rule.riskScore} (${expected}: ${RISK_BANDS[expected]}; ${rule.severity} needs ${RISK_BANDS[rule.severity]})`);
  }

  // MITRE ATT&CK.
  if (rule.threat.length === 0) error('rule.threat', 'no MITRE ATT&CK mapping ([[rule.threat]] with a tactic and its techniques)');
  rule.threat.forEach((entry, i) => {
    const at = `rule.threat[${i}]`;
    if (entry.framework !== 'MITRE ATT&CK') error(`${at}.framework`, `framework must be "MITRE ATT&CK" (got "${entry.framework}")`);
    const tactic = findTactic(entry.tactic.id);
    if (!tactic) {
      error(`${at}.tactic.id`, `unknown ATT&CK tactic id "${entry.tactic.id}"`);
    } else {
      if (tactic.name !== entry.tactic.name) error(`${at}.tactic.name`, `tactic ${tactic.id} is "${tactic.name}", not "${entry.tactic.name}"`);
      if (entry.tactic.reference && normalizeUrl(entry.tactic.reference) !== attackUrl(tactic.id)) warn(`${at}.tactic.reference`, `expected ${attackUrl(tactic.id)}`);
    }
    (entry.technique ?? []).forEach((tech, j) => {
      const tat = `${at}.technique[${j}]`;
      const known = findTechnique(tech.id);
      if (!known) {
        error(`${tat}.id`, /^T\d{4}$/.test(tech.id) ? `technique "${tech.id}" is not in the bundled ATT&CK table` : `"${tech.id}" is not a technique id (T####; sub-techniques go under [[rule.threat.technique.subtechnique]])`);
        return;
      }
      if (known.name !== tech.name) error(`${tat}.name`, `technique ${known.id} is "${known.name}", not "${tech.name}"`);
      if (tactic && !known.tactics.includes(tactic.id)) {
        const names = known.tactics.map((id) => `${id} ${findTactic(id)?.name ?? ''}`.trim()).join(', ');
        error(`${tat}.id`, `technique ${known.id} "${known.name}" does not belong to tactic ${tactic.id} "${tactic.name}" (it belongs to ${names})`);
      }
      if (tech.reference && normalizeUrl(tech.reference) !== attackUrl(known.id)) warn(`${tat}.reference`, `expected ${attackUrl(known.id)}`);
      (tech.subtechnique ?? []).forEach((sub, k) => {
        const sat = `${tat}.subtechnique[${k}]`;
        if (!sub.id.startsWith(`${known.id}.`)) {
          error(`${sat}.id`, `sub-technique "${sub.id}" is not under technique ${known.id}`);
          return;
        }
        const found = findSubtechnique(sub.id);
        if (!found) return error(`${sat}.id`, `sub-technique "${sub.id}" is not in the bundled ATT&CK table`);
        if (found.name !== sub.name) error(`${sat}.name`, `sub-technique ${sub.id} is "${found.name}", not "${sub.name}"`);
      });
    });
  });

  // "Tactic: X" tags should name tactics the rule is mapped to (Kibana filters on them).
  const mapped = new Set(rule.threat.map((t) => findTactic(t.tactic.id)?.name).filter((n): n is string => n !== undefined));
  for (const tag of rule.tags) {
    const m = /^Tactic:\s*(.+)$/.exec(tag);
    if (m && !mapped.has(m[1]!.trim())) warn('rule.tags', `tag "${tag}" names a tactic the rule is not mapped to in [[rule.threat]]`);
  }

  // Metadata a rule pack needs.
  checkMetadata(rule, error, warn);
  return findings;
}

function checkMetadata(rule: Rule, error: (f: string, m: string) => void, warn: (f: string, m: string) => void): void {
  const meta = rule.metadata;
  if (typeof meta.creation_date !== 'string') error('metadata.creation_date', 'required: creation date ("YYYY/MM/DD")');
  else if (!/^\d{4}\/\d{2}\/\d{2}$/.test(meta.creation_date)) error('metadata.creation_date', `must be "YYYY/MM/DD" (got "${meta.creation_date}")`);
  if (meta.updated_date !== undefined && (typeof meta.updated_date !== 'string' || !/^\d{4}\/\d{2}\/\d{2}$/.test(meta.updated_date))) error('metadata.updated_date', 'must be "YYYY/MM/DD"');
  if (meta.maturity === undefined) error('metadata.maturity', 'required: "production", "development" or "deprecated"');
  else if (!['production', 'development', 'deprecated', 'experimental'].includes(String(meta.maturity))) error('metadata.maturity', `unknown maturity "${String(meta.maturity)}"`);
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(rule.ruleId)) warn('rule.rule_id', `"${rule.ruleId}" is not a UUID`);
  if (rule.description.trim().length < 20) error('rule.description', 'too short to tell an analyst what the rule detects');
  if (!rule.note || rule.note.trim() === '') warn('rule.note', 'no investigation guide');
  if (rule.falsePositives.length === 0) warn('rule.false_positives', 'no false positives listed');
  if (rule.references.length === 0) warn('rule.references', 'no references');
  if (!rule.examples || rule.examples.positive.length === 0) warn('examples.positive', 'no positive example: `seqhunt rules test` cannot prove the rule fires');
  if (!rule.examples || rule.examples.negative.length === 0) warn('examples.negative', 'no negative example');
}

function normalizeUrl(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** The file a loaded rule came from ("builtin:x.toml" → the pack directory). */
export function ruleFile(rule: Rule): string {
  return rule.source.startsWith('builtin:') ? join(builtinRulesDir, rule.source.slice('builtin:'.length)) : rule.source;
}

/** Names in [[rule.required_fields]] of a rule file ([] when the file cannot be read again). */
export async function declaredFieldsOf(file: string): Promise<Set<string>> {
  try {
    const data = parse(await readFile(file, 'utf8')) as { rule?: { required_fields?: Array<{ name?: unknown }> } };
    const list = data.rule?.required_fields;
    return new Set(Array.isArray(list) ? list.map((f) => f?.name).filter((n): n is string => typeof n === 'string') : []);
  } catch {
    return new Set();
  }
}

/** Loads and lints rules; one report per rule file (load problems included, as errors). */
export async function lintRuleFiles(options: LoadRulesOptions = {}): Promise<RuleLintReport[]> {
  const { rules, problems } = await loadRules(options);
  const reports = new Map<string, RuleLintReport>();
  for (const loaded of rules) {
    const file = ruleFile(loaded.rule);
    const findings = lintRule(loaded, { declaredFields: await declaredFieldsOf(file) });
    reports.set(`${file}\0${loaded.rule.ruleId}`, { file, ruleId: loaded.rule.ruleId, name: loaded.rule.name, loaded: true, findings });
  }
  for (const p of problems) {
    // A rule that loaded can still carry problems (e.g. a broken example): attach them to its report.
    const existing = [...reports.values()].find((r) => r.file === p.file);
    const report = existing ?? { file: p.file, loaded: false, findings: [] };
    report.findings.push(problemFinding(p));
    if (!existing) reports.set(`${p.file}\0!`, report);
  }
  return [...reports.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

function problemFinding(p: RuleProblem): LintFinding {
  return { severity: 'error', ...(p.field && { field: p.field }), ...(p.line !== undefined && { line: p.line }), message: p.message };
}
