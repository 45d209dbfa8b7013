// The one object `seqhunt hunt` needs: every alert goes through `postProcess` (it is an engine
// AlertPostProcessor), which marks suppression (`suppressed_by`, only when some item matched) and scores risk.
// Risk knowledge comes from a baseline list among the exception lists (one written by `baseline learn`),
// unless given.
import type { Alert } from '../alerts/types.js';
import { riskKnowledgeFromLists } from './baseline.js';
import { scoreRisk } from './risk.js';
import { Suppressor } from './suppressor.js';
import type { ExceptionList, RiskKnowledge, SuppressionSummary } from './types.js';

export interface AlertTuningOptions {
  lists?: readonly ExceptionList[];
  now?: Date;
  /** Baseline knowledge for the source risk factors (default: from lists carrying baseline metadata). */
  knowledge?: RiskKnowledge;
  /** See SuppressorOptions.scope (default 'all': shared lists apply to every rule). */
  scope?: 'all' | 'referenced';
  /** Skip risk scoring (default false). */
  noRisk?: boolean;
}

export interface AlertTuning {
  readonly suppressor: Suppressor;
  readonly knowledge: RiskKnowledge | undefined;
  /** Marks suppression and adjusts risk, in place; returns the same alert. */
  postProcess(alert: Alert, rule: { exceptionLists?: readonly string[] }): Alert;
  summary(): SuppressionSummary;
}

function hasBaselineMeta(l: ExceptionList): boolean {
  const meta = l.list.meta as { seqhunt?: { sources_seen?: unknown } } | undefined;
  return Array.isArray(meta?.seqhunt?.sources_seen);
}

export function createAlertTuning(options: AlertTuningOptions = {}): AlertTuning {
  const lists = options.lists ?? [];
  const now = options.now ?? new Date();
  const suppressor = new Suppressor(lists, { now, scope: options.scope });
  const knowledge = options.knowledge ?? (lists.some(hasBaselineMeta) ? riskKnowledgeFromLists(lists, now) : undefined);
  return {
    suppressor,
    knowledge,
    postProcess(alert, rule) {
      const matches = suppressor.check(alert, rule.exceptionLists ?? []);
      if (matches.length > 0) alert.suppressed_by = matches;
      if (!options.noRisk) scoreRisk(alert, knowledge);
      return alert;
    },
    summary: () => suppressor.summary(),
  };
}
