// Enrichment of one match with the context a responder asks for first, each item from the telemetry and
// recorded with where it came from. Correlation is by identity (task GUID, task path, logon id, process)
// first; time only breaks ties and bounds "related activity", and only on each source's own clock.
// The steps: enrich-task (which task, what it runs, as whom), enrich-accounts (from where, by whom),
// enrich-related (what else happened around it).
import type { NormalizedEvent } from '../normalize/types.js';
import type { RelatedActivity, TaskContext } from './types.js';
import type { ContextWindow } from './context-window.js';
import { Correlation } from './correlation.js';
import { findAccounts, type AccountFindings } from './enrich-accounts.js';
import { findRelated } from './enrich-related.js';
import { findTask } from './enrich-task.js';

/** The account findings (without the internal logon links), the task and the related activity. */
export interface Enrichment extends Omit<AccountFindings, 'creatorLogon' | 'creatorLogonId'> {
  task: TaskContext;
  related: RelatedActivity[];
  /** Related items left out by the cap. */
  relatedOmitted: number;
}

export function enrich(matchEvents: ReadonlyArray<NormalizedEvent | null>, host: string, window: ContextWindow, contextWindowMs: number): Enrichment {
  const cor = new Correlation(matchEvents, host, window);
  const task = findTask(cor);
  const accounts = findAccounts(cor, task, contextWindowMs);
  const { related, omitted } = findRelated(cor, task, accounts, contextWindowMs);
  const out: Enrichment = { task: task.task, related, relatedOmitted: omitted };
  const { creatorLogon: _l, creatorLogonId: _i, ...fields } = accounts;
  return Object.assign(out, fields);
}
