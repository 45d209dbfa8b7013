// Learning the legitimate shape of remote task creation from past alerts: the same source (IP, else host
// name) and account creating tasks with the same command pattern on many hosts or over many days is
// administration (SCCM, PDQ Deploy, Intune, agents). Each such shape becomes a proposed exception item,
// with its evidence, in a Kibana-importable exception list for a person to review.
//
// Defaults: a shape is proposed when seen on at least 5 distinct hosts OR on at least 3 distinct UTC days.
// A shape whose command has a high-weight attacker trait (encoded PowerShell, mshta, rundll32, regsvr32,
// UNC paths, Users\Public or Temp) is held back and reported instead, unless includeSuspicious is set:
// a worm spreading with one command from one host would otherwise be learned as "recurring".
import { createHash } from 'node:crypto';
import type { Alert } from '../alerts/types.js';
import { commandPattern, displayPattern } from './command-pattern.js';
import { alertSource, commandTraits, taskCommandLine } from './risk.js';
import type { ExceptionEntry, ExceptionList, ExceptionListItem, ExceptionListObject, RiskKnowledge } from './types.js';
import { flattenEntries } from './exception-format.js';

export const DEFAULT_MIN_HOSTS = 5;
export const DEFAULT_MIN_DAYS = 3;
export const DEFAULT_BASELINE_LIST_ID = 'seqhunt-baseline-remote-task-creation';

export interface LearnOptions {
  /** Distinct target hosts that make a shape recurring (default 5). */
  minHosts?: number;
  /** Distinct UTC days that make a shape recurring (default 3). */
  minDays?: number;
  listId?: string;
  listName?: string;
  /** Proposed items expire after this many days (Kibana expire_time), so they come back for review. */
  expireDays?: number;
  /** Propose shapes with high-weight attacker traits too (tagged for review). */
  includeSuspicious?: boolean;
  /** Time written in created_at / updated_at (default now). */
  now?: Date;
}

/** One recurring (or not yet recurring) shape, with its evidence. */
export interface BaselineShape {
  source: string;
  sourceField: 'source.ip' | 'source.domain' | 'source.address';
  userName?: string;
  userDomain?: string;
  commandPattern: string;
  commandWildcard: boolean;
  argumentsPattern?: string;
  argumentsWildcard: boolean;
  count: number;
  hosts: string[];
  days: string[];
  firstSeen: string;
  lastSeen: string;
  ruleIds: string[];
  example: { task?: string; command: string; host?: string; time: string };
  /** High-weight command traits (why it was held back). */
  traits: string[];
}

export interface LearnResult {
  list: ExceptionList;
  alertsRead: number;
  skipped: { noSource: number; noCommand: number };
  proposed: BaselineShape[];
  belowThreshold: BaselineShape[];
  heldBack: BaselineShape[];
}

interface Accumulator extends Omit<BaselineShape, 'hosts' | 'days' | 'ruleIds'> {
  hosts: Set<string>;
  days: Set<string>;
  ruleIds: Set<string>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

function alertTime(alert: Alert): string {
  const t = str(alert['kibana.alert.original_time']) ?? str(alert['@timestamp']) ?? '';
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? t : new Date(ms).toISOString();
}

function sourceField(alert: Alert): BaselineShape['sourceField'] | undefined {
  for (const f of ['source.ip', 'source.domain', 'source.address'] as const) if (str(alert[f])) return f;
  return undefined;
}

/** A UUID-shaped id derived from text, so the same input always yields the same ids. */
function stableId(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Incremental learning: add alerts one by one (a hunt's onAlert, a file's lines), then result(). */
export class BaselineLearner {
  private readonly groups = new Map<string, Accumulator>();
  private readonly seen = new Map<string, { count: number; first: string; last: string }>();
  private alertsRead = 0;
  private readonly skipped = { noSource: 0, noCommand: 0 };

  constructor(private readonly options: LearnOptions = {}) {}

  add(alert: Alert): void {
    this.alertsRead++;
    const field = sourceField(alert);
    const source = alertSource(alert);
    if (!field || source === undefined) {
      this.skipped.noSource++;
      return;
    }
    const time = alertTime(alert);
    const s = this.seen.get(source);
    if (!s) this.seen.set(source, { count: 1, first: time, last: time });
    else {
      s.count++;
      if (time < s.first) s.first = time;
      if (time > s.last) s.last = time;
    }
    const task = isRecord(alert['seqhunt.task']) ? alert['seqhunt.task'] : undefined;
    const command = str(task?.command);
    if (!command) {
      this.skipped.noCommand++;
      return;
    }
    const userName = str(alert['source.user.name']);
    const userDomain = str(alert['source.user.domain']);
    const cmd = commandPattern(command);
    const argsText = str(task?.arguments);
    const args = argsText ? commandPattern(argsText) : undefined;
    const key = JSON.stringify([source, userName ?? null, userDomain ?? null, cmd.pattern, args?.pattern ?? null]);
    const host = str(alert['host.name']) ?? str(alert['host.id']) ?? '(unknown host)';
    let g = this.groups.get(key);
    if (!g) {
      const commandLine = taskCommandLine(alert) ?? command;
      g = {
        source: alert[field] as string,
        sourceField: field,
        userName,
        userDomain,
        commandPattern: cmd.pattern,
        commandWildcard: cmd.wildcard,
        argumentsPattern: args?.pattern,
        argumentsWildcard: args?.wildcard ?? false,
        count: 0,
        hosts: new Set(),
        days: new Set(),
        firstSeen: time,
        lastSeen: time,
        ruleIds: new Set(),
        example: { task: str(task?.name), command: commandLine, host, time },
        traits: commandTraits(commandLine).filter((t) => t.weight === 'high').map((t) => t.factor),
      };
      this.groups.set(key, g);
    }
    g.count++;
    g.hosts.add(host.toLowerCase());
    g.days.add(time.slice(0, 10));
    const ruleId = str(alert['kibana.alert.rule.rule_id']);
    if (ruleId) g.ruleIds.add(ruleId);
    if (time < g.firstSeen) g.firstSeen = time;
    if (time > g.lastSeen) g.lastSeen = time;
  }

  result(): LearnResult {
    const { options } = this;
    const minHosts = options.minHosts ?? DEFAULT_MIN_HOSTS;
    const minDays = options.minDays ?? DEFAULT_MIN_DAYS;
    const now = (options.now ?? new Date()).toISOString();
    const alertsRead = this.alertsRead;
    const seen = this.seen;
    const skipped = { ...this.skipped };
    const proposed: BaselineShape[] = [];
    const belowThreshold: BaselineShape[] = [];
    const heldBack: BaselineShape[] = [];
    for (const g of this.groups.values()) {
      const shape: BaselineShape = { ...g, hosts: [...g.hosts].sort(), days: [...g.days].sort(), ruleIds: [...g.ruleIds].sort() };
      if (shape.hosts.length < minHosts && shape.days.length < minDays) belowThreshold.push(shape);
      else if (shape.traits.length > 0 && !options.includeSuspicious) heldBack.push(shape);
      else proposed.push(shape);
    }
    const byEvidence = (a: BaselineShape, b: BaselineShape) => b.count - a.count || a.source.localeCompare(b.source) || a.commandPattern.localeCompare(b.commandPattern);
    proposed.sort(byEvidence);
    belowThreshold.sort(byEvidence);
    heldBack.sort(byEvidence);

    const listId = options.listId ?? DEFAULT_BASELINE_LIST_ID;
    const expireTime = options.expireDays !== undefined ? new Date(Date.parse(now) + options.expireDays * 86_400_000).toISOString() : undefined;
    const items = proposed.map((shape) => shapeToItem(shape, listId, now, expireTime));
    // Keys in alphabetical order, as Kibana writes them.
    const list: ExceptionListObject = {
      created_at: now,
      created_by: 'seqhunt',
      description:
        `Recurring remote scheduled task creation learned by seqhunt baseline learn from ${alertsRead} alert(s): ` +
        `the same source and account creating tasks with the same command pattern on at least ${minHosts} hosts ` +
        `or on at least ${minDays} days. Proposed for review: check each item's evidence before relying on it.`,
      id: stableId(`list:${listId}`),
      immutable: false,
      list_id: listId,
      meta: {
        seqhunt: {
          generated_at: now,
          thresholds: { min_hosts: minHosts, min_days: minDays },
          alerts_read: alertsRead,
          sources_seen: [...seen.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([source, s]) => ({ source, count: s.count, first_seen: s.first, last_seen: s.last })),
        },
      },
      name: options.listName ?? 'seqhunt baseline: recurring remote task creation',
      namespace_type: 'single',
      os_types: [],
      tags: ['seqhunt:baseline'],
      tie_breaker_id: stableId(`tie:${listId}`),
      type: 'detection',
      updated_at: now,
      updated_by: 'seqhunt',
      version: 1,
    };
    return { list: { list, items }, alertsRead, skipped, proposed, belowThreshold, heldBack };
  }
}

export function learnBaseline(alerts: Iterable<Alert>, options: LearnOptions = {}): LearnResult {
  const learner = new BaselineLearner(options);
  for (const alert of alerts) learner.add(alert);
  return learner.result();
}

function listSome(values: string[], max = 10): string {
  return values.length <= max ? values.join(', ') : `${values.slice(0, max).join(', ')} and ${values.length - max} more`;
}

/** The evidence in words, for the item's description and comment (what Kibana shows a reviewer). */
export function describeShape(shape: BaselineShape): string {
  const account = shape.userName ? `${shape.userDomain ? shape.userDomain + '\\' : ''}${shape.userName}` : '(no account seen)';
  return [
    `Source ${shape.source} as ${account} created tasks running ${displayPattern(shape.commandPattern, shape.commandWildcard)}` +
      (shape.argumentsPattern !== undefined ? ` ${displayPattern(shape.argumentsPattern, shape.argumentsWildcard)}` : ''),
    `Seen ${shape.count} time(s) on ${shape.hosts.length} host(s) over ${shape.days.length} day(s), first ${shape.firstSeen}, last ${shape.lastSeen}.`,
    `Hosts: ${listSome(shape.hosts)}.`,
    `Example: task ${shape.example.task ?? '(name not seen)'} on ${shape.example.host ?? '(unknown host)'} at ${shape.example.time}: ${shape.example.command}`,
    ...(shape.traits.length > 0 ? [`Review: the command has attacker traits (${shape.traits.join('; ')}).`] : []),
  ].join('\n');
}

function shapeToItem(shape: BaselineShape, listId: string, now: string, expireTime?: string): ExceptionListItem {
  const entries: ExceptionEntry[] = [{ field: shape.sourceField, operator: 'included', type: 'match', value: shape.source }];
  if (shape.userName) entries.push({ field: 'source.user.name', operator: 'included', type: 'match', value: shape.userName });
  else entries.push({ field: 'source.user.name', operator: 'excluded', type: 'exists' });
  if (shape.userDomain) entries.push({ field: 'source.user.domain', operator: 'included', type: 'match', value: shape.userDomain });
  entries.push({ field: 'seqhunt.task.command', operator: 'included', type: shape.commandWildcard ? 'wildcard' : 'match', value: shape.commandPattern });
  if (shape.argumentsPattern !== undefined) {
    entries.push({ field: 'seqhunt.task.arguments', operator: 'included', type: shape.argumentsWildcard ? 'wildcard' : 'match', value: shape.argumentsPattern });
  } else entries.push({ field: 'seqhunt.task.arguments', operator: 'excluded', type: 'exists' });
  if (shape.ruleIds.length > 0) entries.push({ field: 'kibana.alert.rule.rule_id', operator: 'included', type: 'match_any', value: shape.ruleIds });
  const key = JSON.stringify([shape.source, shape.userName, shape.userDomain, shape.commandPattern, shape.argumentsPattern]);
  const itemId = `seqhunt-baseline-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
  const evidence = describeShape(shape);
  const account = shape.userName ? ` as ${shape.userName}` : '';
  const command = displayPattern(shape.commandPattern, shape.commandWildcard);
  const item: ExceptionListItem = {
    comments: [{ comment: `seqhunt baseline evidence:\n${evidence}`, created_at: now, created_by: 'seqhunt', id: stableId(`comment:${itemId}`) }],
    created_at: now,
    created_by: 'seqhunt',
    description: evidence,
    entries,
    ...(expireTime ? { expire_time: expireTime } : {}),
    id: stableId(`item:${listId}:${itemId}`),
    item_id: itemId,
    list_id: listId,
    meta: {
      seqhunt: {
        source: shape.source,
        account: shape.userName ? (shape.userDomain ? `${shape.userDomain}\\${shape.userName}` : shape.userName) : null,
        command_pattern: shape.commandPattern,
        arguments_pattern: shape.argumentsPattern ?? null,
        count: shape.count,
        host_count: shape.hosts.length,
        hosts: shape.hosts,
        days: shape.days,
        first_seen: shape.firstSeen,
        last_seen: shape.lastSeen,
        rule_ids: shape.ruleIds,
        example: shape.example,
        ...(shape.traits.length > 0 ? { traits: shape.traits } : {}),
      },
    },
    name: `Baseline: ${shape.source}${account} runs ${command.length > 80 ? command.slice(0, 77) + '...' : command}`,
    namespace_type: 'single',
    os_types: [],
    tags: shape.traits.length > 0 ? ['seqhunt:baseline', 'seqhunt:review-suspicious'] : ['seqhunt:baseline'],
    tie_breaker_id: stableId(`tie:${itemId}`),
    type: 'simple',
    updated_at: now,
    updated_by: 'seqhunt',
  };
  return item;
}

/**
 * What lists tell the risk score: sources seen creating tasks (a baseline list's meta.seqhunt.sources_seen,
 * plus every source an item names) and baselined sources (named by an included match / match_any entry on
 * source.ip, source.domain or source.address of an item not expired at `now`).
 */
export function riskKnowledgeFromLists(lists: readonly ExceptionList[], now: Date = new Date()): RiskKnowledge {
  const seenSources = new Set<string>();
  const baselinedSources = new Set<string>();
  for (const { list, items } of lists) {
    const meta = (list.meta as { seqhunt?: { sources_seen?: Array<{ source?: unknown }> } } | undefined)?.seqhunt;
    for (const s of meta?.sources_seen ?? []) if (typeof s.source === 'string') seenSources.add(s.source.toLowerCase());
    for (const item of items) {
      const expired = item.expire_time !== undefined && Date.parse(item.expire_time) <= now.getTime();
      for (const { field, entry } of flattenEntries(item.entries)) {
        if (field !== 'source.ip' && field !== 'source.domain' && field !== 'source.address') continue;
        if (entry.type !== 'match' && entry.type !== 'match_any') continue;
        if (entry.operator !== 'included') continue;
        for (const v of Array.isArray(entry.value) ? entry.value : [entry.value]) {
          seenSources.add(v.toLowerCase());
          if (!expired) baselinedSources.add(v.toLowerCase());
        }
      }
    }
  }
  return { seenSources, baselinedSources };
}
