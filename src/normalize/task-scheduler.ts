// Microsoft-Windows-TaskScheduler/Operational and System 7045 (Service Control Manager) → ECS.
// Elastic has no dedicated pipeline for these (they arrive as generic winlog events), so the categorization here
// is seqhunt's own, modelled on the Security equivalents (4698 … 4702, 4697). Event data stays whole.
import type { Categorization, Mapper } from './mapper.js';
import { categorize } from './mapper.js';
import { appendUnique, basename, child, splitDomainUser, str } from './values.js';

export const TASK_SCHEDULER_PROVIDER = 'Microsoft-Windows-TaskScheduler';
export const SERVICE_CONTROL_MANAGER = 'Service Control Manager';

/** Task Scheduler categorization by event id (record-kinds.ts reads it too). */
export const TASK_EVENTS: Readonly<Record<number, Categorization>> = {
  106: { action: 'scheduled-task-registered', category: ['configuration'], type: ['creation'] },
  140: { action: 'scheduled-task-updated', category: ['configuration'], type: ['change'] },
  141: { action: 'scheduled-task-deleted', category: ['configuration'], type: ['deletion'] },
  200: { action: 'scheduled-task-action-started', category: ['process'], type: ['start'] },
  201: { action: 'scheduled-task-action-completed', category: ['process'], type: ['end'] },
};

export const mapTaskScheduler: Mapper = (doc, data, rec) => {
  const cat = TASK_EVENTS[rec.eventId];
  if (cat) categorize(doc, cat);
  // 140/141 name the account in UserName ("DOMAIN\user" or a SID); 106's UserContext is the task's principal,
  // not its creator, so it is left in event data only.
  const user = str(data, 'UserName');
  if (user !== undefined && (rec.eventId === 140 || rec.eventId === 141)) {
    const parts = splitDomainUser(user);
    const u = child(doc, 'user');
    if (parts) {
      u.domain = parts[0];
      u.name = parts[1];
      appendUnique(child(doc, 'related'), 'user', parts[1]);
    } else if (user.startsWith('S-1-')) u.id = user;
    else u.name = user;
  }
  // 200/201: ActionName is the command the task ran.
  const action = str(data, 'ActionName');
  if (action !== undefined && (rec.eventId === 200 || rec.eventId === 201)) {
    const process = child(doc, 'process');
    process.executable = action;
    process.name = basename(action);
  }
};

/** The one Service Control Manager event mapped: 7045, a service was installed (record-kinds.ts reads it too). */
export const SERVICE_INSTALL_ID = 7045;
export const SERVICE_INSTALLED: Readonly<Categorization> = { action: 'service-installed', category: ['iam', 'configuration'], type: ['admin', 'change'] };

export const mapServiceInstall: Mapper = (doc, data, rec) => {
  if (rec.eventId !== SERVICE_INSTALL_ID) return;
  categorize(doc, SERVICE_INSTALLED);
  const name = str(data, 'ServiceName');
  const type = str(data, 'ServiceType');
  if (name !== undefined || type !== undefined) {
    const service = child(doc, 'service');
    if (name !== undefined) service.name = name;
    if (type !== undefined) service.type = type;
  }
};
