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
// The score is clamped to 0..100; severity follows the bands low 0-21, medium 22-47, high 48-73, critical 74-100.
// Scoring starts from the rule's score each time, so calling it twice gives the same result.
import type { Alert, RiskFactor } from '../alerts/types.js';
import { compileIpMatcher } from './ip-match.js';
import type { RiskKnowledge } from './types.js';

export interface CommandTrait {
  id: string;
  factor: string;
  delta: number;
  /** High-weight traits keep `baseline learn` from proposing a shape as legitimate. */
  weight: 'high' | 'medium';
  test: RegExp;
}

// Paths are matched with either slash and with environment-variable forms (%TEMP%, %PUBLIC%, ...).
export const COMMAND_TRAITS: readonly CommandTrait[] = [
  { id: 'cmd', factor: 'command runs cmd.exe /c', delta: 10, weight: 'medium', test: /(?:^|[\\/\s"'])cmd(?:\.exe)?["']?\s+(?:\/[a-z]\s+)*\/[ckr]\b/i },
  {
    id: 'powershell-encoded',
    factor: 'PowerShell with an encoded command',
    delta: 20,
    weight: 'high',
    test: /(?:powershell|pwsh)(?:\.exe)?["']?\s[^|&]*?[\s"'](?:-|\/|–)(?:e|ec|en|enc|enco|encod|encode|encoded|encodedc\w*|encodedcommand)\s+["']?[A-Za-z0-9+/=]{8,}/i,
  },
  { id: 'rundll32', factor: 'command runs rundll32', delta: 15, weight: 'high', test: /(?:^|[\\/\s"'])rundll32(?:\.exe)?\b/i },
  { id: 'regsvr32', factor: 'command runs regsvr32', delta: 15, weight: 'high', test: /(?:^|[\\/\s"'])regsvr32(?:\.exe)?\b/i },
  { id: 'mshta', factor: 'command runs mshta', delta: 20, weight: 'high', test: /(?:^|[\\/\s"'])mshta(?:\.exe)?\b/i },
  { id: 'users-public', factor: 'script or binary under Users\\Public', delta: 15, weight: 'high', test: /(?:\\|\/)users(?:\\|\/)public(?:\\|\/)|%public%/i },
  { id: 'temp', factor: 'script or binary under a Temp folder', delta: 15, weight: 'high', test: /(?:\\|\/)(?:windows(?:\\|\/)temp|appdata(?:\\|\/)local(?:\\|\/)temp|temp)(?:\\|\/)|%te?mp%/i },
  { id: 'programdata', factor: 'script or binary under ProgramData', delta: 10, weight: 'medium', test: /(?:\\|\/)programdata(?:\\|\/)|%programdata%/i },
  { id: 'unc', factor: 'command uses a UNC path', delta: 15, weight: 'high', test: /(?:^|[\s"'=,])\\\\[A-Za-z0-9._$-]+\\[^\s\\"']+/ },
];

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
  return COMMAND_TRAITS.filter((t) => t.test.test(commandLine));
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
  if (commandLine) for (const t of commandTraits(commandLine)) factors.push({ factor: t.factor, delta: t.delta });
  const runAs = alert['seqhunt.task']?.runAs;
  if (typeof runAs === 'string' && SYSTEM_ACCOUNTS.test(runAs.trim())) factors.push({ factor: 'task runs as SYSTEM', delta: SYSTEM_DELTA });
  const source = alertSource(alert);
  if (knowledge && source !== undefined) {
    const suppressed = (alert.suppressed_by?.length ?? 0) > 0;
    if (!knows(knowledge.seenSources, source)) {
      factors.push({ factor: `source ${source} never seen creating tasks in the baseline`, delta: UNSEEN_SOURCE_DELTA });
    } else if (knows(knowledge.baselinedSources, source) && !suppressed) {
      factors.push({ factor: `source ${source} is baselined, but this task matches none of its baselined shapes`, delta: BASELINED_SOURCE_DELTA });
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
