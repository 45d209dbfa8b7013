// `seqhunt hunt [paths...]`: run the detection rules over collected telemetry and report alerts.
// Results go to stdout (or -o FILE); progress and the closing summary go to stderr.
import { createWriteStream, existsSync, openSync, unlinkSync } from 'node:fs';
import { extname } from 'node:path';
import { parseCommandArgs } from '../args.js';
import type { CliIo, Command } from '../command.js';
import { UsageError } from '../command.js';
import { guardOutput, outputClash } from '../output.js';
import { createSink, SINK_FORMATS, type SinkFormat, escapeForTerminal } from '../../alerts/index.js';
import { formatCoverage, hunt, parseDuration, parseTimeBound, prefilterForRules, recordFilterForRules, type HuntProgress, type HuntResult } from '../../engine/index.js';
import { checkNormalizeOptions, type NormalizeOptions } from '../../normalize/index.js';
import { formatRuleProblem, loadRules, selectRules, type LoadedRule } from '../../rules/index.js';
import { declaredFieldsOf, lintRule, ruleFile } from '../../rules/lint.js';
import { createAlertTuning, loadExceptionLists, type SuppressionSummary } from '../../tuning/index.js';
import { expandInputs, type InputFormat } from '../../formats/index.js';

const usage = `Usage: seqhunt hunt [options] <paths...>

Runs the detection rules (the built-in pack by default) over telemetry and reports alerts.
Paths are files, directories (read recursively), globs, or - for stdin; EVTX, event XML and JSON
(ECS, Winlogbeat, flat exports), plain or in gzip/zip archives, are recognised by content.

Events of each host reach the rules in @timestamp order whatever their order or file: inputs from files
are sorted (spilling to a temp dir past a memory bound), so nothing is late. When stdin is among the
inputs, events go through a reorder window per host (--lateness); events later than it are counted and
listed in the summary.

Options:
  --rules FILE|DIR        add rules from TOML files (repeatable)
  --no-builtin            do not load the built-in rule pack
  --only RULE             run only this rule (rule_id or exact name; repeatable)
  --from TIME, --to TIME  only events in this range (ISO 8601; UTC when no zone is given)
  --format FMT            table | json | ndjson | csv. Default: table when writing to a terminal,
                          else from the -o extension (.json, .csv, .txt for the table), else ndjson
  -o, --output FILE       write alerts to FILE instead of stdout (never one of the inputs nor inside an
                          input directory: refused with exit status 2)
  --lateness DUR          reorder window for streams (default 30s; e.g. 500ms, 2m)
  --order MODE            sort | window: force full sorting (e.g. a finished export piped to stdin:
                          nothing is late) or the reorder window (default: window with stdin, else sort)
  --time-offset DUR       add DUR to every input time (e.g. -5h) to correct a clock
  --timezone ZONE         the zone an input's clock wrote (IANA name or +05:00); see seqhunt README
  --input-format FMT      evtx | xml | json: force the input format instead of sniffing
  --exceptions FILE       Kibana exception list export (NDJSON) suppressing matching alerts (repeatable)
  --show-suppressed       also write suppressed alerts (marked with suppressed_by)
  --fail-on-alert         exit 1 when there are alerts (for scripts)
  --no-progress           no progress bar (it is shown only when stderr is a terminal)
  --prefilter MODE        auto | on | off: skip, undecoded, NDJSON lines that hold none of the words the
                          rules and the enrichment need and EVTX records of event ids they cannot use
                          (never changes alerts; what is skipped is not checked for malformation nor
                          counted in coverage). auto (default): on when the inputs add up to 256 MiB or more
  --workers N|auto        read up to N inputs at once, in the main thread and N-1 worker threads (auto,
                          the default: one per core when there are several inputs, or an NDJSON file of
                          128 MiB or more, which is then read in pieces; 0 or 1: all in the main
                          thread). Alerts are the same whatever N

Exit status: 0 the hunt completed (with or without alerts, malformed records reported); 1 with
--fail-on-alert and alerts; 2 usage errors, unreadable inputs or broken rules (after the rest has run).
`;

const options = {
  rules: { type: 'string', multiple: true },
  'no-builtin': { type: 'boolean' },
  only: { type: 'string', multiple: true },
  from: { type: 'string' },
  to: { type: 'string' },
  format: { type: 'string' },
  output: { type: 'string', short: 'o' },
  lateness: { type: 'string' },
  order: { type: 'string' },
  'time-offset': { type: 'string' },
  timezone: { type: 'string' },
  'input-format': { type: 'string' },
  exceptions: { type: 'string', multiple: true },
  'show-suppressed': { type: 'boolean' },
  'fail-on-alert': { type: 'boolean' },
  'no-progress': { type: 'boolean' },
  prefilter: { type: 'string' },
  workers: { type: 'string' },
} as const;

/** Inputs at least this large get the NDJSON pre-filter by default (`--prefilter auto`). */
const PREFILTER_AUTO_BYTES = 256 * 1024 * 1024;

/** --workers: a count (0 = main thread only) or auto. */
function parseWorkers(value: string | undefined): number | 'auto' {
  if (value === undefined || value === 'auto') return 'auto';
  if (!/^\d+$/.test(value) || Number(value) > 64) usageError(`--workers: expected a number from 0 to 64 or auto, got "${value}"`);
  return Number(value);
}

function usageError(message: string): never {
  throw new UsageError(message);
}

function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    return usageError((err as Error).message);
  }
}

function defaultFormat(output: string | undefined, stdoutIsTty: boolean): SinkFormat {
  if (output === undefined) return stdoutIsTty ? 'table' : 'ndjson';
  const ext = extname(output).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.csv') return 'csv';
  if (ext === '.txt') return 'table';
  return 'ndjson';
}

export const command: Command = {
  name: ['hunt'],
  summary: 'Run the detection rules over collected telemetry and report alerts',
  usage,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, options);
    if (positionals.length === 0) usageError('no input given (files, directories, globs, or - for stdin)');
    if (values.format !== undefined && !SINK_FORMATS.includes(values.format as SinkFormat)) {
      usageError(`unknown --format "${values.format}" (expected ${SINK_FORMATS.join(', ')})`);
    }
    const inputFormat = values['input-format'];
    if (inputFormat !== undefined && !['evtx', 'xml', 'json'].includes(inputFormat)) usageError(`unknown --input-format "${inputFormat}" (expected evtx, xml or json)`);
    const from = values.from !== undefined ? wrap(() => parseTimeBound(values.from!, '--from')) : undefined;
    const to = values.to !== undefined ? wrap(() => parseTimeBound(values.to!, '--to')) : undefined;
    if (from !== undefined && to !== undefined && from > to) usageError('--from is after --to');
    const latenessMs = values.lateness !== undefined ? wrap(() => parseDuration(values.lateness!, '--lateness')) : undefined;
    if (latenessMs !== undefined && latenessMs < 0) usageError('--lateness cannot be negative');
    const order = values.order;
    if (order !== undefined && order !== 'sort' && order !== 'window') usageError(`unknown --order "${order}" (expected sort or window)`);
    const normalizeOptions: NormalizeOptions = {};
    if (values['time-offset'] !== undefined) normalizeOptions.timeOffsetMs = wrap(() => parseDuration(values['time-offset']!, '--time-offset'));
    if (values.timezone !== undefined) normalizeOptions.timezone = values.timezone;
    const badClock = checkNormalizeOptions(normalizeOptions);
    if (badClock) usageError(badClock);
    const format = (values.format as SinkFormat | undefined) ?? defaultFormat(values.output, io.stdout.isTTY === true);
    const prefilterMode = values.prefilter ?? 'auto';
    if (!['auto', 'on', 'off'].includes(prefilterMode)) usageError(`unknown --prefilter "${prefilterMode}" (expected auto, on or off)`);
    const workers = parseWorkers(values.workers);

    let status = 0;
    const err = (text: string) => io.stderr.write(text);

    // Rules: broken ones are reported and the others run; the exit status says so at the end.
    const loaded = await loadRules({ builtin: !values['no-builtin'], paths: values.rules ?? [] });
    for (const p of loaded.problems) err(`seqhunt hunt: rule problem: ${safeLines(formatRuleProblem(p))}\n`);
    if (loaded.problems.length > 0) status = 2;
    for (const w of await ruleWarnings(loaded.rules)) err(`seqhunt hunt: rule warning: ${safeLines(w)}\n`);
    const selected = selectRules(loaded.rules, values.only ?? []);
    if (selected.unknown.length > 0) {
      const known = loaded.rules.map((r) => `${r.rule.ruleId} (${r.rule.name})`).join(', ') || 'none loaded';
      usageError(`--only: no rule ${selected.unknown.map((u) => `"${u}"`).join(', ')} (rules: ${known})`);
    }
    for (const wanted of values.only ?? []) {
      const matching = selected.rules.filter((r) => r.rule.ruleId === wanted || r.rule.name === wanted);
      if (matching.length > 1) err(`seqhunt hunt: warning: --only "${escapeForTerminal(wanted)}" matches ${matching.length} rules; all run: ${matching.map((r) => escapeForTerminal(`${r.rule.ruleId} (${r.rule.source})`)).join(', ')}\n`);
    }
    const rules = selected.rules;
    if (rules.length === 0) err('seqhunt hunt: warning: no rule to run; inputs are still read and checked\n');

    // Tuning: exceptions suppress (only alerts matched by an item), risk is scored and explained.
    let lists: Awaited<ReturnType<typeof loadExceptionLists>>['lists'] = [];
    if (values.exceptions && values.exceptions.length > 0) {
      const ex = await loadExceptionLists(values.exceptions);
      for (const p of ex.problems) err(`seqhunt hunt: exceptions: ${escapeForTerminal(`${p.file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.message}`)}\n`);
      if (ex.problems.length > 0) status = 2;
      lists = ex.lists;
    }
    const tuning = createAlertTuning({ lists });

    // Output. The file is opened first: a path that cannot be written is known before hours of hunting.
    // Opening truncates: an output that is one of the inputs is refused before, and (a new file that a glob or
    // directory walk would read back) after it is created.
    let fileOut: ReturnType<typeof createWriteStream> | undefined;
    if (values.output !== undefined) {
      const output = values.output;
      const refuse = (why: string) => {
        err(`seqhunt hunt: refusing to write alerts to an input: ${escapeForTerminal(why)}\n`);
        return 2;
      };
      const before = await outputClash(output, positionals);
      if (before) return refuse(before);
      const existed = existsSync(output);
      let fd: number;
      try {
        fd = openSync(output, 'w');
      } catch (e) {
        err(`seqhunt hunt: cannot write ${output}: ${(e as Error).message}\n`);
        return 2;
      }
      const after = existed ? undefined : await outputClash(output, positionals);
      if (after) {
        unlinkSync(output);
        return refuse(after);
      }
      fileOut = createWriteStream(output, { fd });
    }
    const out: NodeJS.WritableStream = fileOut ?? io.stdout;
    // Standard output is guarded for the whole CLI (a closed pipe ends output quietly; main reports other errors).
    const stdoutState = guardOutput(io.stdout);
    let outError: NodeJS.ErrnoException | undefined;
    const onOutError = (e: NodeJS.ErrnoException) => (outError ??= e);
    if (fileOut) fileOut.on('error', onOutError);
    const sink = createSink(format, out, { color: !fileOut && io.stdout.isTTY === true && format === 'table', showSuppressed: values['show-suppressed'] === true });

    // The NDJSON pre-filter: lines no rule and no enrichment can use are counted, not parsed. It never changes
    // alerts (test/engine/prefilter.test.ts), but it hides skipped lines from coverage and from malformed-line
    // checks, so by default it is used only on large inputs, where speed matters most.
    let useFilter = prefilterMode === 'on';
    if (prefilterMode === 'auto') {
      const sources = await expandInputs(positionals);
      useFilter = sources.reduce((sum, src) => sum + (src.size ?? 0), 0) >= PREFILTER_AUTO_BYTES;
    }
    // The rules give no word to look for (some stage has none): nothing can be skipped.
    if (useFilter && !prefilterForRules(rules) && !recordFilterForRules(rules, { coverage: false })) useFilter = false;
    const progress = io.stderr.isTTY && !values['no-progress'] ? progressBar(io) : undefined;
    let result: HuntResult;
    const bySeverity = new Map<string, number>();
    try {
      result = await hunt({
        inputs: positionals,
        rules,
        ...(from !== undefined && { from }),
        ...(to !== undefined && { to }),
        ...(latenessMs !== undefined && { latenessMs }),
        ...(order !== undefined && { ordering: order }),
        normalize: normalizeOptions,
        ...(inputFormat !== undefined && { inputFormat: inputFormat as InputFormat }),
        prefilter: useFilter,
        workers,
        stdin: io.stdin,
        postProcess: (alert, rule) => tuning.postProcess(alert, rule),
        onAlert: (alert) => {
          // Alerts on the same terminal as the progress line: clear it first (it is redrawn on the next update).
          if (progress && !fileOut && io.stdout.isTTY) progress.clear();
          if (!stdoutState.closed || fileOut) sink.write(alert);
          if (!alert.suppressed_by?.length) {
            const sev = String(alert['kibana.alert.severity']);
            bySeverity.set(sev, (bySeverity.get(sev) ?? 0) + 1);
          }
        },
        // Whether the inputs hold what each rule stage needs: a rule that cannot fire is never a silent zero.
        // Coverage needs every event: with the pre-filter on, it is not assessed (the summary says so).
        // The summary gives verdicts only (blind, unconfirmed): exact counts are `seqhunt coverage --json`'s.
        ...(!useFilter && { coverageRules: rules, coverageDetail: 'verdicts' as const }),
        ...(progress && { onProgress: progress.update }),
      });
    } finally {
      progress?.clear();
      await sink.close();
      if (fileOut) await new Promise<void>((resolve) => fileOut.end(() => resolve()));
      fileOut?.removeListener('error', onOutError);
    }
    // A reader that went away (`| head`) is not a failure; any other write error is.
    if (outError && outError.code !== 'EPIPE') {
      err(`seqhunt hunt: cannot write ${values.output ?? 'to standard output'}: ${outError.message}\n`);
      status = 2;
    }
    let coverageText = rules.length > 0 && result.coverage ? formatCoverage(result.coverage) : '';
    if (useFilter) {
      coverageText =
        `pre-filter: ${n(result.skipped)} NDJSON lines and EVTX records not decoded (no rule stage and no enrichment can use them; --prefilter off reads them all)\n` +
        (result.held.lines > 0
          ? `  held (could only start a sequence): ${n(result.held.lines)} lines, ${n(result.held.decoded)} decoded in the end (the others had no join key a next stage had)\n`
          : '') +
        `coverage: not assessed on pre-filtered input (it needs every event); run \`seqhunt coverage\` on the same paths\n`;
    }
    err(summary(result, bySeverity, loaded.problems.length, lists.length > 0 ? tuning.summary() : undefined, coverageText, values['show-suppressed'] === true));
    if (result.inputErrors.length > 0) status = 2;
    const alerts = result.run.perRule.reduce((n, r) => n + r.alerts, 0);
    if (status === 0 && values['fail-on-alert'] && alerts > 0) status = 1;
    return status;
  },
};

// ---- summary and progress ----

/** Data-derived text for a terminal, keeping its own line breaks (EQL caret blocks). */
const safeLines = (text: string) => text.split('\n').map(escapeForTerminal).join('\n');
/**
 * A count with thousands separators, as `toLocaleString('en-US')` writes it: its first call loads ICU's number
 * formatting, 12 ms of a hunt that takes 0.2 s in all.
 */
const n = (x: number): string => (Number.isSafeInteger(x) ? String(x).replace(/\B(?=(\d{3})+$)/g, ',') : x.toLocaleString('en-US'));
const plural = (x: number, word: string) => `${n(x)} ${word}${x === 1 ? '' : 's'}`;

function where(o: { file: string; member?: string; line?: number; record?: number; offset?: number; index?: number }): string {
  const file = o.member ? `${o.file}!${o.member}` : o.file;
  if (o.line !== undefined) return `${file}:${o.line}`;
  if (o.record !== undefined) return `${file} record ${o.record}`;
  if (o.index !== undefined) return `${file} item ${o.index}`;
  if (o.offset !== undefined) return `${file} @${o.offset}`;
  return file;
}

const MAX_FILES_LISTED = 5;

function tallyLines(label: string, t: HuntResult['malformed']): string[] {
  if (t.count === 0) return [];
  // The files with most first; a hunt over thousands of files names a few and counts the rest.
  const byFile = Object.entries(t.byFile).sort((a, b) => b[1] - a[1]);
  const shown = byFile.slice(0, MAX_FILES_LISTED).map(([f, c]) => `${f}: ${n(c)}`);
  if (byFile.length > MAX_FILES_LISTED) shown.push(`${n(byFile.length - MAX_FILES_LISTED)} more files`);
  const lines = [`  ${label}: ${n(t.count)} (${shown.join(', ')})`];
  for (const s of t.samples) lines.push(`    ${where(s.origin)}: ${s.message}`);
  if (t.count > t.samples.length) lines.push(`    … and ${n(t.count - t.samples.length)} more`);
  return lines;
}

function summary(r: HuntResult, bySeverity: ReadonlyMap<string, number>, ruleProblems: number, suppression: SuppressionSummary | undefined, coverage: string, shown: boolean): string {
  const lines: string[] = [];
  // Events left out before ordering (no rule or enrichment could use them) were checked all the same.
  const events = r.run.events + r.run.unused;
  lines.push(
    `seqhunt hunt: ${plural(r.sources.length, 'input')}, ${plural(r.records, 'record')}, ${plural(events, 'event')} checked` +
      `${r.outsideRange > 0 ? ` (${n(r.outsideRange)} outside --from/--to)` : ''} in ${(r.durationMs / 1000).toFixed(1)} s` +
      // How the inputs were shared out (--workers), so that a user sees what the cores did.
      (r.workers > 1 ? ` on ${r.workers} threads${r.pieces > 0 ? ` (big NDJSON files in ${n(r.pieces)} pieces)` : ''}` : ''),
  );
  for (const e of r.inputErrors) lines.push(`  unreadable input: ${e.path}: ${e.message}`);
  lines.push(...tallyLines('malformed records', r.malformed));
  lines.push(...tallyLines('warnings', r.warnings));
  lines.push(...tallyLines('notes', r.notes));
  lines.push(...tallyLines('records not normalized', r.notNormalized));
  if (r.run.late.count > 0) {
    lines.push(`  late events (beyond --lateness, not checked): ${n(r.run.late.count)}`);
    for (const s of r.run.late.samples) lines.push(`    ${where(s.origin)}: host ${s.host}, ${(s.behindMs / 1000).toFixed(3)} s behind`);
  }
  for (const [label, f] of [['events without a usable time (not checked)', r.run.untimed], ['events that failed in the rules or enrichment (skipped)', r.run.errors]] as const) {
    if (f.count === 0) continue;
    lines.push(`  ${label}: ${n(f.count)}`);
    for (const s of f.samples) lines.push(`    ${where(s.origin)}: host ${s.host}: ${s.message}`);
  }
  if (r.run.sort && r.run.sort.spilledRuns > 0) lines.push(`  sorted on disk: ${plural(r.run.sort.spilledRuns, 'run')}, ${(r.run.sort.spilledBytes / 1048576).toFixed(1)} MiB`);
  for (const w of r.clockWarnings) lines.push(`  clock: ${w}`);
  const dups = r.run.duplicates;
  if (dups > 0) lines.push(`  ${n(dups)} duplicate match${dups === 1 ? '' : 'es'} dropped (the same events read twice)`);
  const alerts = r.run.perRule.reduce((x, p) => x + p.alerts, 0);
  const suppressed = r.run.perRule.reduce((x, p) => x + p.suppressed, 0);
  lines.push(`alerts: ${n(alerts)}${suppressed > 0 ? ` (${n(suppressed)} suppressed${shown ? ', shown' : ', not shown; --show-suppressed to see them'})` : ''}`);
  for (const p of r.run.perRule) {
    if (p.alerts === 0 && p.suppressed === 0) continue;
    lines.push(`  ${p.name} [rule severity ${p.severity}]: ${n(p.alerts)}${p.suppressed > 0 ? ` (+${n(p.suppressed)} suppressed)` : ''}`);
  }
  // The alerts' own severity (the rule's, as adjusted by the risk score).
  if (bySeverity.size > 0) lines.push(`  by severity: ${['critical', 'high', 'medium', 'low'].filter((s) => bySeverity.has(s)).map((s) => `${s} ${n(bySeverity.get(s)!)}`).join(', ')}`);
  if (suppression) {
    for (const item of suppression.items) {
      if (item.suppressed > 0) lines.push(`  suppressed by ${item.name || item.item_id} (${item.list_id}): ${n(item.suppressed)}`);
      if (item.expired) lines.push(`  expired exception ${item.name || item.item_id} (${item.expired.expire_time}): suppresses nothing; would have suppressed ${n(item.expired.wouldHaveSuppressed)}`);
      if (item.inert) lines.push(`  inert exception ${item.name || item.item_id}: ${item.inert}`);
    }
  }
  if (coverage.trim()) lines.push(...coverage.trimEnd().split('\n'));
  if (ruleProblems > 0) lines.push(`${plural(ruleProblems, 'rule problem')} (listed above): exit status 2`);
  else if (r.inputErrors.length > 0) lines.push(`${plural(r.inputErrors.length, 'unreadable input')}: exit status 2`);
  return lines.map((l) => escapeForTerminal(l)).join('\n') + '\n';
}

function progressBar(io: CliIo): { update: (p: HuntProgress) => void; clear: () => void } {
  let shown = false;
  return {
    update(p) {
      const secs = Math.max(p.elapsedMs / 1000, 0.001);
      const mb = (b: number) => (b / 1048576).toFixed(1);
      // Bytes advance a file at a time (readers report no position), so one file shows only its size.
      const bytes = p.bytesTotal > 0 ? (p.filesTotal > 1 ? ` ${mb(p.bytesDone)}/${mb(p.bytesTotal)} MiB` : ` (${mb(p.bytesTotal)} MiB)`) : '';
      const width = Math.max(20, (io.stderr.columns || 80) - 1);
      const reading = p.currentFile !== undefined;
      const rate = n(Math.round((reading ? p.events : p.checked) / secs));
      const text = reading
        ? `files ${p.filesDone}/${p.filesTotal}${bytes}  ${n(p.events)} events read (${rate}/s)  ${plural(p.alerts, 'alert')}  ${p.currentFile}`
        : `files ${p.filesDone}/${p.filesTotal}${bytes}  ${n(p.checked)} of ${n(p.events)} events checked (${rate}/s)  ${plural(p.alerts, 'alert')}`;
      io.stderr.write(`\r\u001b[2K${escapeForTerminal(text).slice(0, width)}`);
      shown = true;
    },
    clear() {
      if (shown) io.stderr.write('\r\u001b[2K');
      shown = false;
    },
  };
}

// ---- user rules ----

/**
 * Lint findings of the user's rules (--rules: the built-in pack is checked by its tests) and rule names loaded
 * twice, as warnings: a rule reading a field that does not exist never fires, and the hunt should say so.
 * (Duplicate rule_ids are load problems already.)
 */
async function ruleWarnings(rules: readonly LoadedRule[]): Promise<string[]> {
  const warnings: string[] = [];
  for (const loaded of rules) {
    if (loaded.rule.source.startsWith('builtin:')) continue;
    const file = ruleFile(loaded.rule);
    for (const f of lintRule(loaded, { declaredFields: await declaredFieldsOf(file) })) {
      warnings.push(`${file}${f.line !== undefined ? `:${f.line}` : ''}: rule "${loaded.rule.name}": lint ${f.severity}: ${f.field ? `${f.field}: ` : ''}${f.message}`);
    }
  }
  const byName = new Map<string, LoadedRule[]>();
  for (const r of rules) byName.set(r.rule.name, [...(byName.get(r.rule.name) ?? []), r]);
  for (const [name, same] of byName) {
    if (same.length > 1) warnings.push(`${same.length} rules are named "${name}": ${same.map((r) => `${r.rule.ruleId} (${r.rule.source})`).join(', ')}; alerts and --only cannot tell them apart by name`);
  }
  return warnings;
}
