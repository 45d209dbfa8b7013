// Public API of rules: load TOML rule files (the built-in pack and the user's), validate, compile their queries.
// A broken rule is reported (file, line, field) and never stops the others from loading.
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileQuery, EqlError } from '../eql/index.js';
import { ecsFieldType } from '../normalize/ecs-schema.js';
import { parseRuleText } from './parse-rule.js';
import type { LoadedRule, Rule, RuleProblem } from './types.js';

export type { LoadedRule, Rule, RuleProblem, RuleExamples, Severity, ThreatEntry } from './types.js';
export { parseRuleText } from './parse-rule.js';

/** The shipped rule pack: `rules/builtin/` at the package root (the same from src/ under tsx and from dist/). */
export const builtinRulesDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'rules', 'builtin');

export interface LoadRulesOptions {
  /** Load the built-in pack (default true). */
  builtin?: boolean;
  /** Rule files or directories (searched recursively for *.toml). */
  paths?: string[];
}

export interface LoadRulesResult {
  rules: LoadedRule[];
  problems: RuleProblem[];
}

export async function loadRules(options: LoadRulesOptions = {}): Promise<LoadRulesResult> {
  const rules: LoadedRule[] = [];
  const problems: RuleProblem[] = [];
  const seen = new Map<string, string>();
  const files: Array<{ path: string; source: string }> = [];
  if (options.builtin ?? true) {
    for (const path of await tomlFiles(builtinRulesDir, problems)) files.push({ path, source: `builtin:${relative(builtinRulesDir, path)}` });
  }
  for (const given of options.paths ?? []) {
    for (const path of await tomlFiles(given, problems)) files.push({ path, source: path });
  }
  // The same file named twice (e.g. `--rules rules/builtin` beside the built-in pack) loads once.
  const seenFiles = new Set<string>();
  for (const { path, source } of files) {
    let text: string;
    try {
      const real = await realpath(path);
      if (seenFiles.has(real)) continue;
      seenFiles.add(real);
      text = await readFile(path, 'utf8');
    } catch (err) {
      problems.push({ file: path, message: `cannot read: ${(err as Error).message}` });
      continue;
    }
    const loaded = loadRuleText(text, path, source);
    problems.push(...loaded.problems);
    if (!loaded.rule) continue;
    const { rule } = loaded.rule;
    const earlier = seen.get(rule.ruleId);
    if (earlier !== undefined) {
      problems.push({ file: path, field: 'rule.rule_id', message: `duplicate rule_id ${rule.ruleId} (already loaded from ${earlier}); this one is skipped` });
      continue;
    }
    seen.set(rule.ruleId, path);
    rules.push(loaded.rule);
  }
  return { rules, problems };
}

/** One rule file's text → a compiled rule, or its problems. */
export function loadRuleText(text: string, file: string, source = file): { rule?: LoadedRule; problems: RuleProblem[] } {
  const parsed = parseRuleText(text, file, source);
  if (!parsed.rule) return { problems: parsed.problems };
  const compiled = compileRule(parsed.rule, file, parsed.queryLine);
  return 'problem' in compiled ? { problems: [...parsed.problems, compiled.problem] } : { rule: compiled, problems: parsed.problems };
}

/** Compiles a rule's query with its own EQL options and the ECS field types. */
export function compileRule(rule: Rule, file = rule.source, queryLine?: number): LoadedRule | { problem: RuleProblem } {
  try {
    const query = compileQuery(rule.query, {
      ...(rule.timestampField !== undefined && { timestampField: rule.timestampField }),
      ...(rule.tiebreakerField !== undefined && { tiebreakerField: rule.tiebreakerField }),
      ...(rule.eventCategoryField !== undefined && { eventCategoryField: rule.eventCategoryField }),
      fieldType: ecsFieldType,
    });
    return { rule, query };
  } catch (err) {
    if (!(err instanceof EqlError)) {
      return { problem: { file, line: queryLine, field: 'rule.query', message: `query could not be compiled: ${(err as Error).message}` } };
    }
    const line = queryLine !== undefined ? queryLine + err.line - 1 : undefined;
    // format() gives "line L:C: message", the source line and a caret; the first line repeats what we say.
    const formatted = err.format(rule.query).split('\n').slice(1).join('\n');
    const where = `query line ${err.line}, column ${err.column}`;
    return {
      problem: {
        file,
        line,
        field: 'rule.query',
        message: `EQL error in rule "${rule.name}" (${where}): ${err.message}${formatted ? `\n${formatted}` : ''}`,
      },
    };
  }
}

/** Formats a problem as one line (plus any caret block): "file:line: field: message". */
export function formatRuleProblem(p: RuleProblem): string {
  return `${p.file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.field ? `${p.field}: ` : ''}${p.message}`;
}

/** Narrows rules to those whose rule_id or exact name is in `wanted`; names not found are returned too. */
export function selectRules(rules: LoadedRule[], wanted: string[]): { rules: LoadedRule[]; unknown: string[] } {
  if (wanted.length === 0) return { rules, unknown: [] };
  const unknown = wanted.filter((w) => !rules.some((r) => r.rule.ruleId === w || r.rule.name === w));
  return { rules: rules.filter((r) => wanted.includes(r.rule.ruleId) || wanted.includes(r.rule.name)), unknown };
}

async function tomlFiles(path: string, problems: RuleProblem[]): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    problems.push({ file: path, message: `cannot read rules: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}` });
    return [];
  }
  if (!info.isDirectory()) return [path];
  const out: string[] = [];
  const walk = async (dir: string) => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      problems.push({ file: dir, message: `cannot read rules directory: ${(err as Error).message}` });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = join(dir, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.name.endsWith('.toml')) out.push(full);
    }
  };
  await walk(path);
  return out;
}
