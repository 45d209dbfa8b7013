// Data coverage: can each rule fire on the data at all? For every rule, host and stage it counts the events of the
// stage's category, the events matching a relaxed form of the stage (only the clauses that say which kind of
// telemetry it is: category, event code, provider, process name) and the events matching the stage itself.
// Verdict per rule and host: blind when some stage has no event of its category carrying the fields its relaxed
// form reads (the data source is absent: no Sysmon/Defend network events with a process, no 4698 at all);
// unconfirmed when such events exist but none of the relaxed kind (e.g. network events, but none from svchost.exe:
// a Sysmon filter may exclude it, or it was quiet). A rule that cannot fire is never a silent zero.
import { compileQuery } from '../eql/index.js';
import type { CompiledQuery } from '../eql/api.js';
import { ecsFieldType } from '../normalize/index.js';
import type { NormalizedEvent } from '../normalize/types.js';
import type { LoadedRule } from '../rules/types.js';

export interface StageCoverage {
  /** 0-based stage index in the query. */
  stage: number;
  category: string;
  /** What the relaxed form asks for, in words ("network events from svchost.exe"). */
  needs: string;
  /** The data source the stage depends on, in words ("network events with a process", "Security log events"). */
  source: string;
  /** Events of the stage's category. */
  categoryEvents: number;
  /** Events of the category that carry every field the relaxed form reads (the data source is there). */
  sourceEvents: number;
  /** Events matching the relaxed form (counting stops being exact once the strict form has matched). */
  relaxedEvents: number;
  /** Events matching the stage's full condition. */
  matchingEvents: number;
}

export interface HostCoverage {
  host: string;
  events: number;
  stages: StageCoverage[];
  /** Some stage has no event from the data source it needs. */
  blind: boolean;
  /** Not blind, but some stage never saw the kind of event it needs. */
  unconfirmed: boolean;
}

export interface RuleCoverage {
  ruleId: string;
  name: string;
  /** Per host, the counts per stage; empty unless the report was made with them (`CoverageTracker.report`). */
  hosts: HostCoverage[];
  /** Hosts where the rule cannot fire, with the first stage that lacks its telemetry. */
  blindHosts: Array<{ host: string; stage: number; needs: string }>;
  /** Hosts where the data source is there but the kind of event a stage needs was never seen. */
  unconfirmedHosts: Array<{ host: string; stage: number; needs: string }>;
}

export interface CoverageReport {
  hosts: string[];
  events: number;
  /** How the stage counts were kept (`CoverageDetail`). */
  detail: CoverageDetail;
  rules: RuleCoverage[];
}

/**
 * 'counts': every stage count exact (as `seqhunt coverage --json` shows them). 'verdicts': only what the verdicts
 * need: once a host's stage has a relaxed match (and its data source), it is no longer looked at, and the full
 * condition is never tested. Its counts are then lower bounds that are zero exactly when the full count is zero,
 * and `matchingEvents` stays 0. A hunt prints verdicts only, and exact counts took a quarter of its time on a 100 MB
 * input (the `any` stages' full conditions, tested on every event).
 */
export type CoverageDetail = 'counts' | 'verdicts';

interface StagePlan {
  category: string;
  needs: string;
  /** Relaxed form; undefined = category alone. */
  relaxed?: CompiledQuery;
  /** Fields the relaxed form reads, split into path parts. */
  sourceFields: string[][];
  /** The stage reads Security audit events (by event code): its data source is the Security log as a whole. */
  securityLog: boolean;
  source: string;
  /** Full condition; undefined when the stage could not be compiled on its own (then: relaxed only). */
  strict?: CompiledQuery;
  missing: boolean;
}

interface RulePlan {
  loaded: LoadedRule;
  stages: StagePlan[];
  /** The event category field, split once (hot path). */
  categoryPath: string[];
  categoryField: string;
}

/** Fields whose clauses describe the kind of telemetry (kept in the relaxed form). */
const KIND_FIELDS = new Set(['event.category', 'event.code', 'event.provider', 'event.module', 'event.dataset', 'winlog.channel', 'winlog.provider_name', 'host.os.type', 'process.name', 'process.executable']);

/** A tracker's counts as plain data, to cross from a worker thread. */
export interface CoverageSnapshot {
  total: number;
  /** Per host, its counts as the tracker keeps them (events first). */
  hosts: Array<[host: string, counts: number[]]>;
}

export class CoverageTracker {
  private readonly plans: RulePlan[];
  /**
   * host → its counts in one array: [events, then per rule (from `base[r]`) per stage: category, source, relaxed,
   * strict]. One array per host, not one per rule: with thousands of hosts an event's counts are a cache miss away,
   * and five arrays cost five (they were a tenth of a 100 MB hunt).
   */
  private readonly perHost = new Map<string, Int32Array>();
  /** Where each rule's stage counts start in a host's array. */
  private readonly base: number[];
  private readonly width: number;
  private total = 0;

  constructor(
    rules: readonly LoadedRule[],
    private readonly detail: CoverageDetail = 'counts',
  ) {
    this.plans = rules.map((loaded) => planRule(loaded));
    this.base = [];
    let at = 1;
    for (const plan of this.plans) {
      this.base.push(at);
      at += plan.stages.length * 4;
    }
    this.width = at;
  }

  observe(event: NormalizedEvent): void {
    this.total++;
    let counts = this.perHost.get(event.host);
    if (!counts) {
      counts = new Int32Array(this.width);
      this.perHost.set(event.host, counts);
    }
    counts[0]!++;
    const doc = event.doc;
    const verdicts = this.detail === 'verdicts';
    // Per event, not per stage: its categories (for the category field rules share, nearly always one) and
    // whether it is a Security log event.
    let categoryField: string | undefined;
    let categories: readonly string[] = [];
    let security: boolean | undefined;
    for (let r = 0; r < this.plans.length; r++) {
      const plan = this.plans[r]!;
      for (let s = 0, i = this.base[r]!; s < plan.stages.length; s++, i += 4) {
        const stage = plan.stages[s]!;
        // The verdicts need a relaxed match and a source event: once both are here, nothing more is learnt.
        if (verdicts && counts[i + 2]! > 0 && counts[i + 1]! > 0) continue;
        if (stage.securityLog && (security ??= isSecurityLog(doc))) counts[i + 1]!++;
        if (stage.category !== 'any') {
          if (categoryField !== plan.categoryField) {
            categoryField = plan.categoryField;
            categories = categoriesOf(doc, plan.categoryPath, plan.categoryField);
          }
          if (!categories.includes(stage.category)) continue;
        }
        counts[i]!++;
        // Once the full condition has matched here, the other counts no longer decide anything: skip the work.
        if (counts[i + 3]! > 0) continue;
        if (!stage.securityLog) {
          if (!stage.sourceFields.every((f) => present(doc, f))) continue;
          counts[i + 1]!++;
        }
        if (stage.relaxed && !safeMatch(stage.relaxed, doc)) continue;
        counts[i + 2]!++;
        if (!verdicts && stage.strict && safeMatch(stage.strict, doc)) counts[i + 3]!++;
      }
    }
  }

  /** The counts so far as plain data (to cross from a worker thread), and a fresh start. */
  drain(): CoverageSnapshot {
    const snapshot: CoverageSnapshot = { total: this.total, hosts: [...this.perHost].map(([host, counts]) => [host, [...counts]]) };
    this.perHost.clear();
    this.total = 0;
    return snapshot;
  }

  /** Adds counts drained from a tracker of the same rules (the verdicts depend only on sums). */
  absorb(snapshot: CoverageSnapshot): void {
    this.total += snapshot.total;
    for (const [host, counts] of snapshot.hosts) {
      let h = this.perHost.get(host);
      if (!h) {
        h = new Int32Array(this.width);
        this.perHost.set(host, h);
      }
      for (let i = 0; i < h.length; i++) h[i]! += counts[i]!;
    }
  }

  /**
   * The report. `withHosts`: the counts per host and stage in `RuleCoverage.hosts` (default: with exact counts);
   * without them, only the verdicts are made (a fleet of 50,000 hosts took 80 MB for the objects of the detail).
   */
  report(withHosts = this.detail === 'counts'): CoverageReport {
    const hosts = [...this.perHost.keys()].sort();
    const rules: RuleCoverage[] = this.plans.map((plan, r) => {
      const base = this.base[r]!;
      const hostReports: HostCoverage[] = [];
      const blindHosts: RuleCoverage['blindHosts'] = [];
      const unconfirmedHosts: RuleCoverage['unconfirmedHosts'] = [];
      for (const h of hosts) {
        const counts = this.perHost.get(h)!;
        // The first stage (missing-event stages aside) without a source event, and without a relaxed match.
        let noSource = -1;
        let noRelaxed = -1;
        for (let s = 0, i = base; s < plan.stages.length; s++, i += 4) {
          if (plan.stages[s]!.missing) continue;
          if (noSource < 0 && counts[i + 1] === 0) noSource = s;
          if (noRelaxed < 0 && counts[i + 2] === 0) noRelaxed = s;
        }
        const blind = noSource >= 0;
        const unconfirmed = !blind && noRelaxed >= 0;
        if (blind) blindHosts.push({ host: h, stage: noSource, needs: plan.stages[noSource]!.source });
        else if (unconfirmed) unconfirmedHosts.push({ host: h, stage: noRelaxed, needs: plan.stages[noRelaxed]!.needs });
        if (!withHosts) continue;
        const stages = plan.stages.map((st, s) => {
          const i = base + s * 4;
          return { stage: s, category: st.category, needs: st.needs, source: st.source, categoryEvents: counts[i]!, sourceEvents: counts[i + 1]!, relaxedEvents: counts[i + 2]!, matchingEvents: counts[i + 3]! };
        });
        hostReports.push({ host: h, events: counts[0]!, stages, blind, unconfirmed });
      }
      return { ruleId: plan.loaded.rule.ruleId, name: plan.loaded.rule.name, hosts: hostReports, blindHosts, unconfirmedHosts };
    });
    return { hosts, events: this.total, detail: this.detail, rules };
  }
}

/** The report in words: one line per rule, then the blind hosts grouped by what is missing. */
export function formatCoverage(report: CoverageReport): string {
  const lines: string[] = [];
  const n = report.hosts.length;
  if (n === 0) return 'coverage: no events, so no rule can fire on this input\n';
  lines.push(`coverage over ${report.events} event${report.events === 1 ? '' : 's'} from ${n} host${n === 1 ? '' : 's'}:`);
  for (const rule of report.rules) {
    const seeing = n - rule.blindHosts.length;
    lines.push(
      rule.blindHosts.length === 0
        ? `  ${rule.name}: not blind: every stage has its data source on all ${n} host${n === 1 ? '' : 's'}`
        : `  ${rule.name}: blind on ${rule.blindHosts.length} of ${n} host${n === 1 ? '' : 's'}${seeing ? `, not blind on ${seeing}` : ''}`,
    );
    const group = (list: RuleCoverage['blindHosts'], verdict: string) => {
      const byNeed = new Map<string, string[]>();
      for (const b of list) {
        const hosts = byNeed.get(b.needs);
        if (hosts) hosts.push(b.host);
        else byNeed.set(b.needs, [b.host]);
      }
      for (const [needs, hosts] of byNeed) {
        const shown = hosts.length <= 5 ? hosts.join(', ') : `${hosts.slice(0, 5).join(', ')}, …`;
        lines.push(`    no ${needs} on ${hosts.length} of ${n} host${n === 1 ? '' : 's'} (${shown}): ${verdict}`);
      }
    };
    group(rule.blindHosts, `the rule is blind there`);
    group(rule.unconfirmedHosts, `the data source is there, but this kind of event was never seen (filtered out, or quiet)`);
  }
  return lines.join('\n') + '\n';
}

// ---- planning -----------------------------------------------------------------------------------------------------

function planRule(loaded: LoadedRule): RulePlan {
  const q = loaded.query;
  const categoryField = q.options.eventCategoryField;
  const texts = stageTexts(q.source, q.kind);
  const stages = q.stages.map((info, i): StagePlan => {
    const text = texts?.[i];
    const split = text ? splitWhere(text) : undefined;
    const clauses = split ? topLevelAnd(split.condition) : [];
    const kind = clauses.filter((c) => clauseFields(c).length > 0 && clauseFields(c).every((f) => KIND_FIELDS.has(f)));
    const opts = { ...q.options, fieldType: ecsFieldType };
    const compile = (cond: string) => {
      try {
        return compileQuery(`${info.category} where ${cond}`, opts);
      } catch {
        return undefined;
      }
    };
    const fields = [...new Set(kind.flatMap(clauseFields))].filter((f) => f !== 'event.category');
    const codes = kind.filter((c) => clauseFields(c).every((f) => f === 'event.code')).flatMap((c) => [...c.matchAll(/"(\d+)"/g)].map((m) => Number(m[1])));
    const securityLog = codes.length > 0 && codes.every(isSecurityAuditCode);
    const needs = describe(info.category, kind);
    return {
      category: info.category,
      needs,
      securityLog,
      source: securityLog ? 'Security log events' : fields.some((f) => f.startsWith('process.')) && info.category !== 'process' ? `${info.category === 'any' ? '' : `${info.category} `}events with a process name (so none ${needs.replace(/^.*? events /, '')})` : info.category === 'any' ? 'events' : `${info.category} events`,
      relaxed: kind.length ? compile(kind.join(' and ')) : undefined,
      sourceFields: fields.map((f) => f.split('.')),
      strict: split ? compile(split.condition) : undefined,
      missing: info.missing,
    };
  });
  return { loaded, stages, categoryField, categoryPath: categoryField.split('.') };
}

/** An event's categories, lowercased (nested or dotted key; a string, or each element of an array). */
function categoriesOf(doc: Record<string, unknown>, path: readonly string[], field: string): readonly string[] {
  let v: unknown = doc;
  for (const part of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  if (v === undefined) v = doc[field];
  return Array.isArray(v) ? v.map((x) => String(x).toLowerCase()) : typeof v === 'string' ? [v.toLowerCase()] : [];
}

/** Security-Auditing event ids (4608–6424, and 1100–1108 of the Eventlog provider in the Security channel). */
function isSecurityAuditCode(code: number): boolean {
  return (code >= 4608 && code <= 6424) || (code >= 1100 && code <= 1108);
}

function isSecurityLog(doc: Record<string, unknown>): boolean {
  const winlog = doc.winlog as Record<string, unknown> | undefined;
  const channel = winlog?.channel ?? doc['winlog.channel'];
  if (typeof channel === 'string') return channel.toLowerCase() === 'security';
  const provider = (doc.event as Record<string, unknown> | undefined)?.provider ?? doc['event.provider'];
  return typeof provider === 'string' && provider.toLowerCase() === 'microsoft-windows-security-auditing';
}

function present(doc: Record<string, unknown>, path: string[]): boolean {
  let v: unknown = doc;
  for (const part of path) {
    if (!v || typeof v !== 'object') return false;
    v = (v as Record<string, unknown>)[part];
  }
  if (v === undefined || v === null) return doc[path.join('.')] != null;
  return true;
}

function safeMatch(q: CompiledQuery, doc: unknown): boolean {
  try {
    return q.matches(doc);
  } catch {
    return false;
  }
}

/** Skips a string literal starting at i ("…", '…', """…"""); returns the index after it. */
function skipString(text: string, i: number): number {
  if (text.startsWith('"""', i)) {
    const end = text.indexOf('"""', i + 3);
    return end < 0 ? text.length : end + 3;
  }
  const quote = text[i]!;
  let j = i + 1;
  while (j < text.length && text[j] !== quote) j += text[j] === '\\' ? 2 : 1;
  return j + 1;
}

/** The text inside each top-level `[...]` of a sequence (or the whole query before pipes for an event query). */
export function stageTexts(source: string, kind: 'event' | 'sequence'): string[] | undefined {
  const out: string[] = [];
  let depth = 0;
  let start = -1;
  for (let i = 0; i < source.length; ) {
    const c = source[i]!;
    if (c === '"' || c === "'") {
      i = skipString(source, i);
      continue;
    }
    if (kind === 'event' && c === '|' && depth === 0) return [source.slice(0, i).trim()];
    if (c === '[') {
      if (depth === 0) start = i + 1;
      depth++;
    } else if (c === ']') {
      depth--;
      if (depth === 0 && start >= 0) out.push(source.slice(start, i).trim());
      if (depth < 0) return undefined;
    }
    i++;
  }
  if (kind === 'event') return [source.trim()];
  return out;
}

function splitWhere(stage: string): { category: string; condition: string } | undefined {
  const m = /^\s*("[^"]*"|[A-Za-z_][\w]*)\s+where\s+/i.exec(stage);
  return m ? { category: m[1]!, condition: stage.slice(m[0].length).trim() } : undefined;
}

/** Top-level `and` clauses of a condition; the whole condition when it has a top-level `or`. */
export function topLevelAnd(condition: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let last = 0;
  for (let i = 0; i < condition.length; ) {
    const c = condition[i]!;
    if (c === '"' || c === "'") {
      i = skipString(condition, i);
      continue;
    }
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (depth === 0 && /\s/.test(c)) {
      const word = /^\s+(and|or)\s+/i.exec(condition.slice(i));
      if (word) {
        if (word[1]!.toLowerCase() === 'or') return [condition.trim()];
        parts.push(condition.slice(last, i).trim());
        i += word[0].length;
        last = i;
        continue;
      }
    }
    i++;
  }
  parts.push(condition.slice(last).trim());
  return parts.filter((p) => p !== '');
}

/** Field names a clause mentions (identifiers with a dot, or known single-word fields), outside strings. */
function clauseFields(clause: string): string[] {
  let text = '';
  for (let i = 0; i < clause.length; ) {
    const c = clause[i]!;
    if (c === '"' || c === "'") {
      const end = skipString(clause, i);
      text += ' "" ';
      i = end;
      continue;
    }
    text += c;
    i++;
  }
  return [...text.matchAll(/(?<![\w.@])(@?[A-Za-z_][\w@]*(?:\.[A-Za-z_@][\w@]*)+)(?!\s*\()/g)].map((m) => m[1]!);
}

function describe(category: string, kindClauses: string[]): string {
  let text = category === 'any' ? 'events' : `${category} events`;
  const extra: string[] = [];
  for (const clause of kindClauses) {
    const fields = clauseFields(clause);
    const values = [...clause.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\\\/g, '\\'));
    if (fields.every((f) => f === 'host.os.type')) continue;
    if (fields.every((f) => f === 'process.name' || f === 'process.executable')) text += ` from ${values.join(' or ')}`;
    else if (fields.every((f) => f === 'event.code')) text = `${text.replace(/ events$/, '')} events ${values.join('/')}`.replace(/^events /, 'events ');
    else extra.push(clause.replace(/\s+/g, ' '));
  }
  return extra.length ? `${text} where ${extra.join(' and ')}` : text;
}
