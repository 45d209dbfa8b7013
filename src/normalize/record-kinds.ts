// Which mapper a Windows record goes through, and which event.category values a (provider, event id) can end up
// with. The normalizer (index.ts) picks its mapper with `windowsFamily` and the mappers categorize from the tables
// imported here, so a reader-side record filter built on `recordCategories` cannot drift from what normalization does.
import type { Categorization } from './mapper.js';
import { SECURITY_CATEGORIES } from './security.js';
import { SYSMON_CATEGORIES, SYSMON_CHANNEL, SYSMON_PROVIDER } from './sysmon.js';
import { SERVICE_CONTROL_MANAGER, SERVICE_INSTALL_ID, SERVICE_INSTALLED, TASK_EVENTS, TASK_SCHEDULER_PROVIDER } from './task-scheduler.js';

export type WindowsFamily = 'generic' | 'sysmon' | 'security' | 'task-scheduler' | 'service-control';

const SYSMON_P = SYSMON_PROVIDER.toLowerCase();
const SYSMON_C = SYSMON_CHANNEL.toLowerCase();
const TASK_P = TASK_SCHEDULER_PROVIDER.toLowerCase();
const SCM_P = SERVICE_CONTROL_MANAGER.toLowerCase();

/**
 * The mapper family of a record (provider and channel compared case-insensitively). The channel matters only
 * through equality with the names in `FAMILY_CHANNELS`: keep them in step (test/engine/record-filter.test.ts checks).
 */
export function windowsFamily(provider: string, channel: string): WindowsFamily {
  const p = provider.toLowerCase();
  const c = channel.toLowerCase();
  if (p === SYSMON_P || c === SYSMON_C) return 'sysmon';
  if (c === 'security' && (p === 'microsoft-windows-security-auditing' || p === 'microsoft-windows-eventlog')) return 'security';
  if (p === TASK_P) return 'task-scheduler';
  if (p === SCM_P) return 'service-control';
  return 'generic';
}

/** The channels `windowsFamily` tells apart; '' stands for every other channel. */
export const FAMILY_CHANNELS: readonly string[] = [SYSMON_CHANNEL, 'Security', ''];

/** The categorization a family's mapper gives an event id, when it gives one. */
export function familyCategorization(family: WindowsFamily, eventId: number): Readonly<Categorization> | undefined {
  switch (family) {
    case 'sysmon':
      return SYSMON_CATEGORIES[eventId];
    case 'security':
      return SECURITY_CATEGORIES[eventId];
    case 'task-scheduler':
      return TASK_EVENTS[eventId];
    case 'service-control':
      return eventId === SERVICE_INSTALL_ID ? SERVICE_INSTALLED : undefined;
    default:
      return undefined; // generic Windows events get no event.category
  }
}

const NONE: readonly string[] = [];

/**
 * Every event.category value a Windows record of this provider and event id may get, whatever its channel (a
 * record filter sees no channel): e.g. any provider's event 1 may be Sysmon's "process" when written to the
 * Sysmon channel. Empty: normalization never categorizes such a record.
 */
export function recordCategories(provider: string, eventId: number): readonly string[] {
  let out: string[] | undefined;
  for (const channel of FAMILY_CHANNELS) {
    const cats = familyCategorization(windowsFamily(provider, channel), eventId)?.category;
    if (!cats) continue;
    out ??= [];
    for (const c of cats) if (!out.includes(c)) out.push(c);
  }
  return out ?? NONE;
}
