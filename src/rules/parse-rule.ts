// TOML text → Rule, validated field by field (detection-rules shape: [metadata] and [rule]).
// Every problem names the file, the line when it can be found and the field; the query is compiled elsewhere.
import { parse, TomlError } from 'smol-toml';
import type { Rule, RuleProblem, Severity, ThreatEntry } from './types.js';
import { indexTomlLines, type TomlLineIndex } from './toml-lines.js';
import { parseRuleExamples } from './rule-examples.js';

export interface ParsedRule {
  rule?: Rule;
  problems: RuleProblem[];
  /** 1-based file line of the query's first character (for positioning EQL errors), when found. */
  queryLine?: number;
}

const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

/** Parses one rule file's text. `source` is what the rule records as its origin ("builtin:x.toml" or a path). */
export function parseRuleText(text: string, file: string, source = file): ParsedRule {
  let data: Record<string, unknown>;
  try {
    data = parse(text) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof TomlError) {
      return { problems: [{ file, line: err.line, message: `TOML syntax error at line ${err.line}, column ${err.column}: ${firstLine(err.message)}` }] };
    }
    return { problems: [{ file, message: `TOML could not be read: ${(err as Error).message}` }] };
  }
  const lines = indexTomlLines(text);
  const problems: RuleProblem[] = [];
  const fail = (field: string, message: string, line = lines.keyLine('rule', field.replace(/^rule\./, ''))) =>
    problems.push({ file, line: line ?? lines.tableLine('rule'), field, message });

  const metadata = data.metadata;
  if (metadata !== undefined && !isTable(metadata)) problems.push({ file, line: lines.keyLine('', 'metadata'), field: 'metadata', message: 'must be a table ([metadata])' });
  const r = data.rule;
  if (!isTable(r)) {
    problems.push({ file, field: 'rule', message: 'missing the [rule] table' });
    return { problems };
  }

  const str = (key: string, required: boolean): string | undefined => {
    const v = r[key];
    if (v === undefined) {
      if (required) fail(`rule.${key}`, 'required field is missing', lines.tableLine('rule'));
      return undefined;
    }
    if (typeof v !== 'string' || (required && v.trim() === '')) {
      fail(`rule.${key}`, `must be a ${required ? 'non-empty ' : ''}string`);
      return undefined;
    }
    return v;
  };
  const strList = (key: string): string[] => {
    const v = r[key];
    if (v === undefined) return [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
      fail(`rule.${key}`, 'must be an array of strings');
      return [];
    }
    return v as string[];
  };

  const ruleId = str('rule_id', true);
  const name = str('name', true);
  const description = str('description', true);
  const query = str('query', true);
  const type = str('type', true);
  if (type !== undefined && type !== 'eql') fail('rule.type', `unsupported rule type "${type}" (seqhunt runs "eql" rules)`);
  const language = str('language', true);
  if (language !== undefined && language !== 'eql') fail('rule.language', `unsupported language "${language}" (expected "eql")`);

  const riskScore = r.risk_score;
  if (riskScore === undefined) fail('rule.risk_score', 'required field is missing', lines.tableLine('rule'));
  else if (typeof riskScore !== 'number' || !Number.isInteger(riskScore) || riskScore < 0 || riskScore > 100) {
    fail('rule.risk_score', `must be an integer from 0 to 100 (got ${JSON.stringify(riskScore)})`);
  }
  const severity = str('severity', true);
  if (severity !== undefined && !SEVERITIES.includes(severity as Severity)) {
    fail('rule.severity', `must be one of ${SEVERITIES.join(', ')} (got "${severity}")`);
  }

  const threat = parseThreat(r.threat, file, lines, problems);
  const tags = strList('tags');
  const references = strList('references');
  const falsePositives = strList('false_positives');
  const note = str('note', false);
  const timestampField = str('timestamp_field', false);
  const tiebreakerField = str('tiebreaker_field', false);
  const eventCategoryField = str('event_category_field', false);
  const coversBlindSpot = str('covers_blind_spot', false);
  const exceptionLists = parseExceptionLists(r.exceptions_list, file, lines, problems);
  const examples = parseRuleExamples(data.examples, file, lines, problems);

  const queryLine = queryStartLine(text, lines.keyLine('rule', 'query'));
  if (problems.length > 0) return { problems, queryLine };
  const rule: Rule = {
    ruleId: ruleId!,
    name: name!,
    description: description!,
    type: 'eql',
    language: 'eql',
    query: query!,
    riskScore: riskScore as number,
    severity: severity as Severity,
    threat,
    tags,
    references,
    falsePositives,
    exceptionLists,
    source,
    metadata: isTable(metadata) ? (plainObject(metadata) as Record<string, unknown>) : {},
  };
  if (note !== undefined) rule.note = note;
  if (timestampField !== undefined) rule.timestampField = timestampField;
  if (tiebreakerField !== undefined) rule.tiebreakerField = tiebreakerField;
  if (eventCategoryField !== undefined) rule.eventCategoryField = eventCategoryField;
  if (coversBlindSpot !== undefined) rule.coversBlindSpot = coversBlindSpot;
  if (examples !== undefined) rule.examples = examples;
  return { rule, problems, queryLine };
}

function parseThreat(value: unknown, file: string, lines: TomlLineIndex, problems: RuleProblem[]): ThreatEntry[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.push({ file, line: lines.keyLine('rule', 'threat'), field: 'rule.threat', message: 'must be an array of tables ([[rule.threat]])' });
    return [];
  }
  const out: ThreatEntry[] = [];
  value.forEach((entry, i) => {
    const field = `rule.threat[${i}]`;
    const line = lines.tableLine('rule.threat', i);
    const fail = (sub: string, message: string, at = line) => problems.push({ file, line: at, field: `${field}${sub}`, message });
    if (!isTable(entry)) return fail('', 'must be a table');
    if (entry.framework !== 'MITRE ATT&CK') return fail('.framework', `must be "MITRE ATT&CK" (got ${JSON.stringify(entry.framework)})`, lines.keyLine('rule.threat', 'framework', i) ?? line);
    const tactic = mitreRef(entry.tactic);
    if (!tactic) return fail('.tactic', 'required: a table with string id, name and reference ([rule.threat.tactic])', lines.tableLine('rule.threat.tactic', i) ?? line);
    const threat: ThreatEntry = { framework: 'MITRE ATT&CK', tactic };
    if (entry.technique !== undefined) {
      if (!Array.isArray(entry.technique)) return fail('.technique', 'must be an array of tables ([[rule.threat.technique]])');
      const techniques: NonNullable<ThreatEntry['technique']> = [];
      for (let t = 0; t < entry.technique.length; t++) {
        const raw = entry.technique[t] as unknown;
        const technique = mitreRef(raw);
        if (!technique) return fail(`.technique[${t}]`, 'must have string id, name and reference');
        const subs = isTable(raw) ? raw.subtechnique : undefined;
        if (subs !== undefined) {
          if (!Array.isArray(subs)) return fail(`.technique[${t}].subtechnique`, 'must be an array of tables');
          const parsed = subs.map(mitreRef);
          const bad = parsed.findIndex((s) => !s);
          if (bad >= 0) return fail(`.technique[${t}].subtechnique[${bad}]`, 'must have string id, name and reference');
          techniques.push({ ...technique, subtechnique: parsed as Array<{ id: string; name: string; reference: string }> });
        } else {
          techniques.push(technique);
        }
      }
      threat.technique = techniques;
    }
    out.push(threat);
  });
  return out;
}

function mitreRef(value: unknown): { id: string; name: string; reference: string } | undefined {
  if (!isTable(value)) return undefined;
  const { id, name, reference } = value;
  if (typeof id !== 'string' || typeof name !== 'string' || typeof reference !== 'string' || id === '' || name === '') return undefined;
  return { id, name, reference };
}

/** `[[rule.exceptions_list]]` as Kibana exports it (tables with list_id), or plain list ids. */
function parseExceptionLists(value: unknown, file: string, lines: TomlLineIndex, problems: RuleProblem[]): string[] {
  if (value === undefined) return [];
  const fail = () => problems.push({ file, line: lines.tableLine('rule.exceptions_list') ?? lines.keyLine('rule', 'exceptions_list'), field: 'rule.exceptions_list', message: 'must be list ids or tables with a string list_id' });
  if (!Array.isArray(value)) return fail(), [];
  const ids: string[] = [];
  for (const entry of value) {
    if (typeof entry === 'string' && entry !== '') ids.push(entry);
    else if (isTable(entry) && typeof entry.list_id === 'string' && entry.list_id !== '') ids.push(entry.list_id);
    else return fail(), [];
  }
  return ids;
}

/** The file line of the query's first character: the next line when `'''`/`"""` ends the key's line (TOML trims that newline). */
function queryStartLine(text: string, keyLine: number | undefined): number | undefined {
  if (keyLine === undefined) return undefined;
  const line = text.split(/\r?\n/, keyLine)[keyLine - 1] ?? '';
  return /=\s*('''|""")\s*$/.test(line) ? keyLine + 1 : keyLine;
}

/** smol-toml builds null-prototype objects; callers get ordinary ones (deepEqual, spreading, JSON all behave). */
export function plainObject(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plainObject);
  if (!isTable(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = plainObject(value[key]);
  return out;
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
