// Risk that says why. As Elastic's risk_score_mapping / severity_mapping adjust an alert's score from its
// fields, but additively and explained: each factor found adds (or removes) a fixed delta from the rule's
// score, and `seqhunt.risk.factors` lists them. The rule's own values stay in kibana.alert.rule.*; the
// adjusted ones go to kibana.alert.risk_score / kibana.alert.severity.
//
// Factors (delta):
//   command traits (once each, from seqhunt.task command + arguments):
//     cmd.exe /c|/k|/r +10 · PowerShell encoded command +20 · rundll32 +15 · regsvr32 +15 · mshta +20 ·
//     script or binary under Users\Public +15 · under a Temp folder +15 · under ProgramData +10 · UNC path +15
//   task runs as SYSTEM (SYSTEM, NT AUTHORITY\SYSTEM, LocalSystem, S-1-5-18)      +10
//   with baseline knowledge: source never seen creating tasks                        +10
//   with baseline knowledge: source is baselined, yet this alert was not suppressed  -15
//     (0, listed as such, when the command has a high-weight trait: the reduction never offsets strong
//     attacker traits, so such an alert never scores below the rule's own score)
// The score is clamped to 0..100; severity follows the bands low 0-21, medium 22-47, high 48-73, critical 74-100.
// Scoring starts from the rule's score each time, so calling it twice gives the same result.
import type { Alert, RiskFactor } from '../alerts/types.js';
import { compileIpMatcher } from './ip-match.js';
import { parseCommandLine, programName, type ParsedCommandLine } from './command-line.js';
import type { RiskKnowledge } from './types.js';

export interface CommandTrait {
  id: string;
  factor: string;
  delta: number;
  /** High-weight traits keep `baseline learn` from proposing a shape as legitimate, and cancel the baselined-source reduction. */
  weight: 'high' | 'medium';
  test: (command: ParsedCommandLine) => boolean;
}

// Paths: either slash, doubled separators, up to the end of the path component (so `\Temp` but not
// `\tempo`); a `/` only inside a path (`C:/Temp`), never a switch (`/tmp`); cmd's %VAR% and PowerShell's
// $env:VAR forms. Tested on the raw line and on its words with quotes and carets removed.
const SEP = String.raw`(?:\\|(?<=[^\s"'=,])/)[\\/]*`;
const END = String.raw`(?=[\\/"'\s;,|&)]|$)`;
const envVar = (names: string) => String.raw`%(?:${names})%|\$\{?env:(?:${names})\b`;
const pathTrait = (re: RegExp) => (c: ParsedCommandLine) => re.test(c.text) || re.test(c.plain);

const USERS_PUBLIC = new RegExp(String.raw`${SEP}users[\\/]+public${END}|${envVar('public')}`, 'i');
const TEMP = new RegExp(String.raw`${SEP}te?mp${END}|${envVar('temp|tmp')}`, 'i');
const PROGRAMDATA = new RegExp(String.raw`${SEP}programdata${END}|${envVar('programdata|allusersprofile')}`, 'i');
// \\host\share (also \\?\UNC\host\share, and //host/share where a path starts) at the start of a word or
// after a switch's colon (regsvr32 /i:\\host\…); not the local device paths \\.\ and \\?\C:.
const UNC_HOST = String.raw`(?![.?][\\/])[A-Za-z0-9._$@%-]+`;
const UNC = new RegExp(
  String.raw`(?:(?<=^|[\s"'=,;(|&>])|(?<=[/-][A-Za-z]+:))\\\\(?:\?\\UNC\\)?${UNC_HOST}\\[^\s\\/"']+` +
    String.raw`|(?<=^|[\s"'=,;(|&>])//${UNC_HOST}/[^\s\\/"']+`,
  'i',
);

/** Any word of any command names this program (first position or not: `cmd /c start mshta …`). */
const runs = (name: string) => (c: ParsedCommandLine) => c.commands.some((words) => words.some((w) => programName(w) === name));

export const COMMAND_TRAITS: readonly CommandTrait[] = [
  { id: 'cmd', factor: 'command runs cmd.exe /c', delta: 10, weight: 'medium', test: (c) => c.commands.some(cmdRunsCommand) },
  { id: 'powershell-encoded', factor: 'PowerShell with an encoded command', delta: 20, weight: 'high', test: (c) => c.commands.some(powershellEncoded) },
  { id: 'rundll32', factor: 'command runs rundll32', delta: 15, weight: 'high', test: runs('rundll32') },
  { id: 'regsvr32', factor: 'command runs regsvr32', delta: 15, weight: 'high', test: runs('regsvr32') },
  { id: 'mshta', factor: 'command runs mshta', delta: 20, weight: 'high', test: runs('mshta') },
  { id: 'users-public', factor: 'script or binary under Users\\Public', delta: 15, weight: 'high', test: pathTrait(USERS_PUBLIC) },
  { id: 'temp', factor: 'script or binary under a Temp folder', delta: 15, weight: 'high', test: pathTrait(TEMP) },
  { id: 'programdata', factor: 'script or binary under ProgramData', delta: 10, weight: 'medium', test: pathTrait(PROGRAMDATA) },
  { id: 'unc', factor: 'command uses a UNC path', delta: 15, weight: 'high', test: pathTrait(UNC) },
];

// cmd.exe (or %COMSPEC%, or cmd glued to its switches: `cmd.exe/c`), then switches up to /c, /k or /r:
// cmd accepts others before it (/q /d /a /u /s /v:on /e:off /f:on /t:0a) and glued ones (/q/c, /ccalc).
const CMD_GLUED = /^(?:.*\\)?(?:cmd(?:\.exe)?|%comspec%)(\/.*)$/i;
const isCmd = (word: string) => programName(word) === 'cmd' || /^%comspec%$/i.test(word.replace(/^['"]+|['"]+$/g, ''));

function cmdRunsCommand(words: readonly string[]): boolean {
  for (let i = 0; i < words.length; i++) {
    const glued = CMD_GLUED.exec(words[i]!);
    if (!glued && !isCmd(words[i]!)) continue;
    const switches = glued ? [glued[1]!, ...words.slice(i + 1)] : words.slice(i + 1);
    for (const s of switches) {
      if (!s.startsWith('/')) break;
      if (s.split('/').some((part) => /^[ckr]/i.test(part))) return true;
    }
  }
  return false;
}

// PowerShell binds any prefix of a parameter name (-e, -en, -enc, …, -EncodedCommand; also the alias -ec),
// introduced by -, --, /, or the en/em dashes it also accepts. Switch parsing ends at -Command / -File
// (and pwsh's -CommandWithArgs): what follows belongs to the command or script, not to powershell.exe.
const POWERSHELL = new Set(['powershell', 'pwsh']);
const SWITCH = /^(?:--?|\/|[\u2013\u2014\u2015])([a-z]+)(?::(.*))?$/i;
const isPrefixOf = (name: string, full: string) => name.length > 0 && full.startsWith(name);

function powershellEncoded(words: readonly string[]): boolean {
  for (let i = 0; i < words.length; i++) {
    if (!POWERSHELL.has(programName(words[i]!))) continue;
    for (let j = i + 1; j < words.length; j++) {
      const m = SWITCH.exec(words[j]!);
      if (!m) continue; // a switch's value (-w hidden), or a bare word
      const name = m[1]!.toLowerCase();
      if (name === 'ec' || isPrefixOf(name, 'encodedcommand')) {
        const value = m[2] ?? words[j + 1];
        if (value !== undefined && value !== '' && !/^(?:-|[\u2013\u2014\u2015])/.test(value)) return true;
        continue;
      }
      if (isPrefixOf(name, 'command') || isPrefixOf(name, 'file') || name === 'cwa' || name === 'commandwithargs') break;
    }
  }
  return false;
}

export const SYSTEM_DELTA = 10;
export const UNSEEN_SOURCE_DELTA = 10;
export const BASELINED_SOURCE_DELTA = -15;

const SYSTEM_ACCOUNTS = /^(?:nt authority\\system|system|localsystem|s-1-5-18|\.?\\?localsystem)$/i;

/** The command line the task runs: command and arguments joined as Windows would. */
export function taskCommandLine(alert: Alert): string | undefined {
  const task = alert['seqhunt.task'];
  if (!task || (task.command === undefined && task.arguments === undefined)) return undefined;
  return [task.command, task.arguments].filter((p) => p !== undefined && p !== '').join(' ');
}

/** The command traits found in a command line (each trait once). */
export function commandTraits(commandLine: string): CommandTrait[] {
  const parsed = parseCommandLine(commandLine);
  return COMMAND_TRAITS.filter((t) => t.test(parsed));
}

/** The alert's source as baselines key it: its IP, else a source host name, lower case. */
export function alertSource(alert: Alert): string | undefined {
  const candidates = [alert['source.ip'], alert['source.domain'], alert['source.address']];
  for (const c of candidates) if (typeof c === 'string' && c.trim() !== '') return c.trim().toLowerCase();
  return undefined;
}

export function severityForScore(score: number): 'low' | 'medium' | 'high' | 'critical' {
  if (score <= 21) return 'low';
  if (score <= 47) return 'medium';
  if (score <= 73) return 'high';
  return 'critical';
}

/** Whether a set of sources names this one: exactly, or through a CIDR block (`10.0.5.0/24`). */
function knows(sources: ReadonlySet<string>, source: string): boolean {
  if (sources.has(source)) return true;
  for (const s of sources) {
    if (s.includes('/') && compileIpMatcher(s)?.(source)) return true;
  }
  return false;
}

/**
 * Adjusts the alert in place (and returns it): kibana.alert.risk_score / severity and seqhunt.risk.factors.
 * `knowledge` (from a baseline, see riskKnowledgeFromLists) enables the source factors; without it the
 * source is neither rewarded nor penalised. A suppressed alert (suppressed_by set) never gets the
 * baselined-source reduction: the reduction is for baselined sources doing something not baselined.
 */
export function scoreRisk(alert: Alert, knowledge?: RiskKnowledge): Alert {
  const base = Number(alert['kibana.alert.rule.risk_score']);
  const factors: RiskFactor[] = [];
  const commandLine = taskCommandLine(alert);
  const traits = commandLine ? commandTraits(commandLine) : [];
  for (const t of traits) factors.push({ factor: t.factor, delta: t.delta });
  const strong = traits.filter((t) => t.weight === 'high');
  const runAs = alert['seqhunt.task']?.runAs;
  if (typeof runAs === 'string' && SYSTEM_ACCOUNTS.test(runAs.trim())) factors.push({ factor: 'task runs as SYSTEM', delta: SYSTEM_DELTA });
  const source = alertSource(alert);
  if (knowledge && source !== undefined) {
    const suppressed = (alert.suppressed_by?.length ?? 0) > 0;
    if (!knows(knowledge.seenSources, source)) {
      factors.push({ factor: `source ${source} never seen creating tasks in the baseline`, delta: UNSEEN_SOURCE_DELTA });
    } else if (knows(knowledge.baselinedSources, source) && !suppressed) {
      // A known admin source doing something new is reassuring only while the new thing looks like
      // administration: strong attacker traits (a compromised management server) get no reduction.
      if (strong.length > 0) {
        factors.push({ factor: `source ${source} is baselined, but no reduction: the command has strong attacker traits`, delta: 0 });
      } else {
        factors.push({ factor: `source ${source} is baselined, but this task matches none of its baselined shapes`, delta: BASELINED_SOURCE_DELTA });
      }
    }
  }
  const start = Number.isFinite(base) ? base : 0;
  const score = Math.max(0, Math.min(100, start + factors.reduce((sum, f) => sum + f.delta, 0)));
  alert['kibana.alert.risk_score'] = score;
  alert['kibana.alert.severity'] = factors.length === 0 && typeof alert['kibana.alert.rule.severity'] === 'string'
    ? alert['kibana.alert.rule.severity']
    : severityForScore(score);
  alert['seqhunt.risk.factors'] = factors;
  return alert;
}
