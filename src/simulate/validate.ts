// `seqhunt validate`: the strategy's Validation section as one command. Every scenario's telemetry goes through
// normalization and every built-in rule in memory (the Windows logs and, separately, the Elastic Defend documents),
// and the real captures in the shared datasets run through the same hunt as users' files; each result is compared
// with what must fire.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Alert } from '../alerts/types.js';
import { hunt, runRules } from '../engine/index.js';
import type { InputItem } from '../formats/types.js';
import { normalize } from '../normalize/index.js';
import type { NormalizedEvent } from '../normalize/types.js';
import type { LoadedRule } from '../rules/types.js';
import { RULE, SCENARIOS, TELEMETRY, type Expected, type Scenario, type Telemetry } from './scenarios.js';
import { simulate } from './index.js';

export interface Cell {
  rule: string;
  expected: number;
  got: number;
}

export interface ValidationRow {
  /** Scenario id, or dataset folder name. */
  id: string;
  kind: string;
  /** "windows" (Sysmon + Security + Task Scheduler), "defend", or "dataset". */
  telemetry: 'windows' | 'defend' | 'dataset';
  events: number;
  cells: Cell[];
  ok: boolean;
  /** Alerts as one line each (rule, host, source, task), to see that related alerts are one incident. */
  incidents: string[];
  /** Problems met on the way (events that did not normalize, unreadable files). */
  problems: string[];
  /** Why no rule is expected to fire in this shape although the activity is remote (the scenario's `quiet`). */
  note?: string;
}

const expectedFor = (exp: Expected | undefined, rule: string): number => (exp as Record<string, number> | undefined)?.[rule] ?? 0;

function tally(rules: readonly LoadedRule[], alerts: readonly Alert[], expected: Expected | undefined): { cells: Cell[]; ok: boolean } {
  const cells = rules.map((r) => ({
    rule: r.rule.name,
    expected: expectedFor(expected, r.rule.name),
    got: alerts.filter((a) => a['kibana.alert.rule.rule_id'] === r.rule.ruleId).length,
  }));
  return { cells, ok: cells.every((c) => c.expected === c.got) };
}

function get(doc: unknown, path: string): unknown {
  let v: unknown = doc;
  for (const p of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

/** One line per alert: the fields that make related alerts recognisably one incident. */
export function incidentLine(a: Alert): string {
  const events = (a.events ?? []).filter((e): e is Record<string, unknown> => e !== null);
  const pick = (path: string) => events.map((e) => get(e, path)).find((v) => v !== undefined && v !== null && v !== '');
  const host = a['host.name'] ?? pick('host.name') ?? a['host.id'] ?? pick('host.id');
  const source = a['source.ip'] ?? pick('source.ip');
  const task = a['seqhunt.task']?.name ?? pick('winlog.event_data.TaskName') ?? a['seqhunt.task']?.guid;
  const user = a['source.user.name'] ?? pick('user.name');
  return `${a['kibana.alert.rule.name']}: host ${String(host ?? '?')}, source ${String(source ?? '?')}${user ? `, user ${String(user)}` : ''}${task ? `, task ${String(task)}` : ''}`;
}

async function runInMemory(rules: readonly LoadedRule[], items: InputItem[]): Promise<{ alerts: Alert[]; events: number; problems: string[] }> {
  const events: NormalizedEvent[] = [];
  const problems: string[] = [];
  for (const item of items) {
    const r = normalize(item);
    if (r.ok) events.push(r.event);
    else if (problems.length < 5) problems.push(`${item.origin.file}${item.origin.record !== undefined ? ` record ${item.origin.record}` : item.origin.line !== undefined ? `:${item.origin.line}` : ''}: not normalized: ${r.reason}`);
  }
  const result = await runRules(rules, events, { collect: true });
  return { alerts: result.alerts, events: events.length, problems };
}

/** Runs scenarios (default: all) through `rules`, on the Windows logs and on the Defend documents. */
export async function validateScenarios(rules: readonly LoadedRule[], scenarios: readonly Scenario[] = SCENARIOS): Promise<ValidationRow[]> {
  const rows: ValidationRow[] = [];
  for (const s of scenarios) {
    const t = simulate(s.id);
    const windows: InputItem[] = t.windows.map((event, i) => ({ kind: 'windows', event, origin: { file: `simulate:${s.id}`, record: event.system.recordId ?? i } }));
    const defend: InputItem[] = t.defend.map((doc, i) => ({ kind: 'document', doc: structuredClone(doc), origin: { file: `simulate:${s.id}:defend`, line: i + 1 } }));
    for (const [telemetry, items, expected] of [
      ['windows', windows, t.expected.windows],
      ['defend', defend, t.expected.defend],
    ] as const) {
      const run = await runInMemory(rules, items);
      const { cells, ok } = tally(rules, run.alerts, expected);
      const note = s.quiet?.[telemetry];
      rows.push({ id: s.id, kind: s.kind, telemetry, events: run.events, cells, ok, incidents: run.alerts.map(incidentLine), problems: run.problems, ...(note ? { note } : {}) });
    }
  }
  return rows;
}

/**
 * What must fire on each shared dataset. The flagship verdict is also read from the dataset's SOURCE.md
 * ("Would the seed rule fire?"), and a disagreement is reported; companion verdicts follow the ground truth there.
 */
export const DATASET_EXPECTATIONS: Record<string, { kind: string; expected: Expected }> = {
  'otrf-schtask-create': { kind: 'attack', expected: { [RULE.flagship]: 1, [RULE.rpc]: 1 } },
  'sbousseaden-atsvc-target': { kind: 'attack', expected: { [RULE.atsvc]: 1 } },
  'otrf-cmd-wevtutil-noise': { kind: 'noise', expected: {} },
  'otrf-covenant-wmi-nearmiss': { kind: 'near-miss', expected: {} },
};

/** The flagship verdict a SOURCE.md gives: 0 for "**No**", n for "fires (n alert…)", undefined when unclear. */
export function flagshipVerdictFromSource(text: string): number | undefined {
  const section = /##\s*Would the seed rule fire\?([\s\S]*?)(?:\n##\s|$)/i.exec(text)?.[1];
  if (!section) return undefined;
  const fires = /fires \((\d+) alerts?\)/i.exec(section);
  if (fires) return Number(fires[1]);
  if (/^\s*\*\*No\*\*/m.test(section) || /^\s*\*\*No\.?\*\*/m.test(section.trim())) return 0;
  return undefined;
}

/** Runs every dataset folder under `dir` that has data files, through the same hunt users run. */
export async function validateDatasets(rules: readonly LoadedRule[], dir: string): Promise<ValidationRow[]> {
  const rows: ValidationRow[] = [];
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch (err) {
    return [{ id: dir, kind: 'dataset', telemetry: 'dataset', events: 0, cells: [], ok: false, incidents: [], problems: [`cannot read datasets: ${(err as Error).message}`] }];
  }
  for (const name of names) {
    const folder = join(dir, name);
    const files = (await readdir(folder)).filter((f) => !/\.(md|txt|yaml|yml)$/i.test(f) && !f.startsWith('.')).map((f) => join(folder, f));
    const data: string[] = [];
    for (const f of files) if ((await stat(f)).isFile()) data.push(f);
    if (data.length === 0) continue;
    const problems: string[] = [];
    const known = DATASET_EXPECTATIONS[name];
    let expected: Expected | undefined = known?.expected;
    const source = await readFile(join(folder, 'SOURCE.md'), 'utf8').catch(() => undefined);
    const verdict = source ? flagshipVerdictFromSource(source) : undefined;
    if (verdict !== undefined && known && expectedFor(known.expected, RULE.flagship) !== verdict) {
      problems.push(`SOURCE.md says the flagship fires ${verdict} time(s), the built-in expectation says ${expectedFor(known.expected, RULE.flagship)}`);
    }
    if (!known) {
      if (verdict === undefined) problems.push('no expectation for this dataset (SOURCE.md gives no verdict): only listed');
      expected = verdict === undefined ? undefined : { [RULE.flagship]: verdict };
    }
    const alerts: Alert[] = [];
    const result = await hunt({ inputs: data, rules, collect: false, onAlert: (a) => void alerts.push(a) });
    for (const e of result.inputErrors) problems.push(`${e.path}: ${e.message}`);
    const { cells, ok } = tally(rules, alerts, expected);
    // Without an expectation only the flagship (from SOURCE.md) is checked; other rules are shown, not judged.
    const judged = known ? cells : cells.map((c) => (c.rule === RULE.flagship && expected ? c : { ...c, expected: c.got }));
    rows.push({
      id: name,
      kind: known?.kind ?? 'dataset',
      telemetry: 'dataset',
      events: result.run.events + result.run.unused,
      cells: judged,
      ok: ok && problems.every((p) => !p.startsWith('SOURCE.md')) && result.inputErrors.length === 0 && (expected !== undefined || known !== undefined),
      incidents: alerts.map(incidentLine),
      problems,
    });
  }
  return rows;
}

/** The matrix: one line per scenario and telemetry, one column per rule ("expected/got", ✓ or ✗). */
export function formatMatrix(rows: readonly ValidationRow[], rules: readonly LoadedRule[], options: { markdown?: boolean } = {}): string {
  const heads = rules.map((_, i) => `[${i + 1}]`);
  const legend = rules.map((r, i) => `[${i + 1}] ${r.rule.name}`).join('\n');
  const cell = (c: Cell) => `${c.expected}/${c.got} ${c.expected === c.got ? '✓' : '✗'}`;
  if (options.markdown) {
    const lines = [`| scenario | kind | telemetry | ${rules.map((r) => r.rule.name).join(' | ')} | verdict |`, `|---|---|---|${rules.map(() => '---|').join('')}---|`];
    for (const r of rows) lines.push(`| ${r.id} | ${r.kind} | ${r.telemetry} | ${r.cells.map(cell).join(' | ')} | ${r.ok ? 'pass' : '**FAIL**'} |`);
    return `${lines.join('\n')}\n\nCells: expected/got alerts.\n`;
  }
  const idW = Math.max(8, ...rows.map((r) => r.id.length));
  const cellW = Math.max(7, ...rows.flatMap((r) => r.cells.map((c) => cell(c).length)));
  const header = `${'scenario'.padEnd(idW)}  ${'kind'.padEnd(9)}  ${'telemetry'.padEnd(9)}  ${heads.map((h) => h.padEnd(cellW)).join('  ')}  verdict`;
  const lines = [header, '-'.repeat(header.length)];
  for (const r of rows) {
    lines.push(`${r.id.padEnd(idW)}  ${r.kind.padEnd(9)}  ${r.telemetry.padEnd(9)}  ${r.cells.map((c) => cell(c).padEnd(cellW)).join('  ')}  ${r.ok ? 'pass' : 'FAIL'}`);
    if (r.note) lines.push(`${' '.repeat(idW + 2)}· ${r.note}`);
    for (const p of r.problems) lines.push(`${' '.repeat(idW + 2)}! ${p}`);
  }
  const shapes = (Object.keys(TELEMETRY) as Telemetry[]).map((t) => `${t} = ${TELEMETRY[t].what} (--format ${TELEMETRY[t].formats})`).join('; ');
  return `${lines.join('\n')}\n\nColumns (cells are expected/got alerts):\n${legend}\nTelemetry: ${shapes}; dataset = a real capture.\n`;
}
