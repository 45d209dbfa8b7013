// Enrichment of one match with the context a responder asks for first, each item from the telemetry and
// recorded with where it came from. Correlation is by identity (task GUID, task path, logon id, process)
// first; time only breaks ties and bounds "related activity", and only on each source's own clock.
import type { NormalizedEvent } from '../normalize/types.js';
import type { RelatedActivity, TaskAction, TaskContext } from './types.js';
import { alignedTime, classify, registryPath, type ContextEvent } from './context-events.js';
import type { ContextWindow } from './context-window.js';
import {
  canonGuid,
  channelOf,
  cleanIp,
  data,
  eventIdOf,
  evidenceOf,
  getField,
  GUID_RE,
  isLoopback,
  num,
  sourceKindOf,
  str,
  wellKnownSid,
} from './fields.js';
import { isoTime } from './time.js';
import { decodeTaskActionsBase64 } from './task-actions.js';
import { effectivePrincipal, parseTaskContent, type TaskDefinition } from './task-xml.js';

export interface Enrichment {
  sourceIp?: string;
  sourcePort?: number;
  sourceEvidence?: string;
  destinationIp?: string;
  destinationPort?: number;
  userName?: string;
  userDomain?: string;
  userEvidence?: string;
  task: TaskContext;
  related: RelatedActivity[];
  /** Related items left out by the cap. */
  relatedOmitted: number;
}

const MAX_RELATED = 50;
/** Logging order slack: a logon is recorded a little after the connection that caused it. */
const LOGON_SLACK_MS = 2000;
const TREE_ID_RE = /\\TaskCache\\Tree\\(.+)\\Id$/i;
const TASKS_VALUE_RE = /\\TaskCache\\Tasks\\(\{?[0-9a-fA-F-]{36}\}?)\\([^\\]+)$/i;
const TASKS_ANY_RE = /\\TaskCache\\(?:Tasks|Plain|Boot|Logon)\\(\{?[0-9a-fA-F-]{36}\}?)/i;

const TASK_EVENT_VERBS: Record<string, string> = {
  'security 4698': 'task created',
  'security 4699': 'task deleted',
  'security 4700': 'task enabled',
  'security 4701': 'task disabled',
  'security 4702': 'task updated',
  'taskscheduler 100': 'task started',
  'taskscheduler 102': 'task finished',
  'taskscheduler 106': 'task registered',
  'taskscheduler 110': 'task launched on demand',
  'taskscheduler 129': 'task process created',
  'taskscheduler 140': 'task registration updated',
  'taskscheduler 141': 'task registration deleted',
  'taskscheduler 142': 'task disabled',
  'taskscheduler 200': 'action started',
  'taskscheduler 201': 'action completed',
  'taskscheduler 203': 'action failed to launch',
};

function lc(s: string | undefined): string | undefined {
  return s === undefined ? undefined : s.toLowerCase();
}

/** Logon ids compare as numbers ("0xEAD4335" = "0xead4335"). */
function logonKey(s: string | undefined): string | undefined {
  if (!s) return undefined;
  try {
    return BigInt(s.trim()).toString(16);
  } catch {
    return s.trim().toLowerCase();
  }
}

function ipOf(doc: Record<string, unknown>): string | undefined {
  return cleanIp(str(doc, 'source.ip') ?? data(doc, 'IpAddress'));
}

function portOf(doc: Record<string, unknown>): number | undefined {
  const p = num(doc, 'source.port') ?? num(doc, 'winlog.event_data.IpPort');
  return p !== undefined && p > 0 ? p : undefined;
}

function regData(doc: Record<string, unknown>): string | undefined {
  return str(doc, 'registry.data.strings') ?? data(doc, 'Details');
}

function isNetwork(doc: Record<string, unknown>): boolean {
  const cat = getField(doc, 'event.category');
  return cat === 'network' || (Array.isArray(cat) && cat.includes('network'));
}

function accountOf(user: string | undefined, domain: string | undefined): string | undefined {
  if (!user) return undefined;
  return domain ? `${domain}\\${user}` : user;
}

function taskKey(doc: Record<string, unknown>): string {
  return `${sourceKindOf(channelOf(doc))} ${eventIdOf(doc) ?? ''}`;
}

function toContext(ev: NormalizedEvent): ContextEvent {
  const c = classify(ev);
  const channel = channelOf(ev.doc);
  return {
    ev,
    kind: c?.kind ?? 'process',
    eventId: c?.eventId ?? eventIdOf(ev.doc),
    clock: c?.clock ?? channel,
    aligned: alignedTime(ev),
    seq: -1,
  };
}

export function enrich(
  matchEvents: ReadonlyArray<NormalizedEvent | null>,
  host: string,
  window: ContextWindow,
  contextWindowMs: number,
): Enrichment {
  const evs = matchEvents.filter((e): e is NormalizedEvent => e !== null);
  const inMatch = new Set<NormalizedEvent>(evs);
  const matchCtx = evs.map(toContext);
  const lastAligned = matchCtx.length ? matchCtx[matchCtx.length - 1]!.aligned : 0;
  const anchors = new Map<string, number>();
  for (const m of matchCtx) anchors.set(m.clock, m.aligned);
  const distance = (c: ContextEvent): number => Math.abs(c.aligned - (anchors.get(c.clock) ?? lastAligned));
  const anchor = (c: ContextEvent): void => {
    if (!anchors.has(c.clock)) anchors.set(c.clock, c.aligned);
  };
  const pool: ContextEvent[] = [];
  for (const c of window.events(host)) if (!inMatch.has(c.ev)) pool.push(c);
  const candidates = [...matchCtx, ...pool];
  const nearest = (pred: (c: ContextEvent) => boolean, prefer?: (c: ContextEvent) => boolean): ContextEvent | undefined => {
    let best: ContextEvent | undefined;
    let bestScore = Infinity;
    for (const c of candidates) {
      if (!pred(c)) continue;
      const score = (prefer && !prefer(c) ? 1e15 : 0) + distance(c);
      if (score < bestScore) {
        bestScore = score;
        best = c;
      }
    }
    return best;
  };

  const task: TaskContext = { evidence: {} };
  const ev = task.evidence;
  const problems: string[] = [];
  const out: Enrichment = { task, related: [], relatedOmitted: 0 };

  // --- The match's own legs: network connection and TaskCache write.
  const net = evs.find((e) => isNetwork(e.doc) && ipOf(e.doc));
  const reg = evs.find((e) => {
    const p = registryPath(e.doc);
    return p !== undefined && TASKS_ANY_RE.test(p);
  });
  const processEntity = lc(str(reg?.doc ?? net?.doc, 'process.entity_id'));
  if (reg) {
    const m = TASKS_ANY_RE.exec(registryPath(reg.doc)!);
    if (m) {
      task.guid = canonGuid(m[1]!);
      ev.guid = evidenceOf(reg, 'TaskCache key');
    }
  }
  const taskEvent = evs.find((e) => {
    const id = eventIdOf(e.doc);
    return (id === 4698 || id === 4702 || id === 106) && data(e.doc, 'TaskName');
  });
  if (taskEvent) {
    task.name = data(taskEvent.doc, 'TaskName');
    ev.name = evidenceOf(taskEvent, 'TaskName');
  }

  // --- Task name from the TaskCache Tree: the `Id` value whose data is this GUID (same process first).
  const sameProcess = (c: ContextEvent): boolean => processEntity !== undefined && lc(str(c.ev.doc, 'process.entity_id')) === processEntity;
  if (task.guid && !task.name) {
    const guid = task.guid;
    const tree = nearest((c) => {
      if (c.kind !== 'taskcache') return false;
      const d = regData(c.ev.doc);
      return d !== undefined && GUID_RE.test(d) && canonGuid(d) === guid && TREE_ID_RE.test(registryPath(c.ev.doc)!);
    }, sameProcess);
    if (tree) {
      task.name = '\\' + TREE_ID_RE.exec(registryPath(tree.ev.doc)!)![1]!;
      ev.name = evidenceOf(tree.ev, 'TaskCache Tree\\…\\Id');
      anchor(tree);
    } else {
      const pathValue = nearest((c) => {
        if (c.kind !== 'taskcache') return false;
        const m = TASKS_VALUE_RE.exec(registryPath(c.ev.doc)!);
        return !!m && canonGuid(m[1]!) === guid && m[2]!.toLowerCase() === 'path' && regData(c.ev.doc) !== undefined;
      }, sameProcess);
      if (pathValue) {
        task.name = regData(pathValue.ev.doc);
        ev.name = evidenceOf(pathValue.ev, 'TaskCache Tasks\\{GUID}\\Path');
        anchor(pathValue);
      }
    }
  }
  // --- GUID from the name, when the match came from the Security log.
  if (task.name && !task.guid) {
    const want = `\\TaskCache\\Tree${task.name}\\Id`.toLowerCase();
    const tree = nearest((c) => {
      if (c.kind !== 'taskcache') return false;
      const d = regData(c.ev.doc);
      return d !== undefined && GUID_RE.test(d) && registryPath(c.ev.doc)!.toLowerCase().endsWith(want);
    });
    if (tree) {
      task.guid = canonGuid(GUID_RE.exec(regData(tree.ev.doc)!)![0]);
      ev.guid = evidenceOf(tree.ev, 'TaskCache Tree\\…\\Id');
      anchor(tree);
    }
  }

  // --- The task-created event (4698, else 4702) for this task name.
  const nameKey = lc(task.name);
  let created: ContextEvent | undefined = taskEvent && (eventIdOf(taskEvent.doc) === 4698 || eventIdOf(taskEvent.doc) === 4702) ? toContext(taskEvent) : undefined;
  if (!created && nameKey) {
    for (const id of [4698, 4702]) {
      created = nearest((c) => c.kind === 'task' && c.eventId === id && sourceKindOf(channelOf(c.ev.doc)) !== 'taskscheduler' && lc(data(c.ev.doc, 'TaskName')) === nameKey);
      if (created) break;
    }
  }
  if (created) anchor(created);
  const registered = nameKey
    ? nearest((c) => c.kind === 'task' && c.eventId === 106 && sourceKindOf(channelOf(c.ev.doc)) === 'taskscheduler' && lc(data(c.ev.doc, 'TaskName')) === nameKey)
    : undefined;
  if (registered) anchor(registered);

  // --- Command and arguments: the Actions value's bytes, else TaskContent, else Task Scheduler events.
  const actionsEvent = (() => {
    const hasBytes = (e: NormalizedEvent): boolean => /\\Actions$/i.test(registryPath(e.doc) ?? '') && str(e.doc, 'registry.data.bytes') !== undefined;
    if (reg && hasBytes(reg)) return reg;
    if (!task.guid) return undefined;
    const guid = task.guid;
    return nearest((c) => {
      if (c.kind !== 'taskcache' || !hasBytes(c.ev)) return false;
      const m = TASKS_VALUE_RE.exec(registryPath(c.ev.doc)!);
      return !!m && canonGuid(m[1]!) === guid;
    }, sameProcess)?.ev;
  })();
  let actions: TaskAction[] | undefined;
  if (actionsEvent) {
    const decoded = decodeTaskActionsBase64(str(actionsEvent.doc, 'registry.data.bytes')!);
    if (!decoded) problems.push(`${evidenceOf(actionsEvent, 'Actions')}: registry.data.bytes is not base64`);
    else {
      if (decoded.parseError) problems.push(`${evidenceOf(actionsEvent, 'Actions')}: ${decoded.parseError}`);
      if (decoded.actions.length) {
        actions = decoded.actions;
        ev.command = evidenceOf(actionsEvent, 'TaskCache Actions value');
      }
      if (decoded.context !== undefined) {
        task.context = decoded.context;
        ev.context = evidenceOf(actionsEvent, 'TaskCache Actions value');
      }
    }
  }
  let def: TaskDefinition | undefined;
  if (created) {
    const xml = data(created.ev.doc, 'TaskContent') ?? data(created.ev.doc, 'TaskContentNew');
    if (xml) {
      def = parseTaskContent(xml);
      if (!def) problems.push(`${evidenceOf(created.ev, 'TaskContent')}: no <Task> element`);
    }
  }
  const defEvidence = created ? evidenceOf(created.ev, 'TaskContent') : '';
  if (def) {
    if (!actions && def.actions.length) {
      actions = def.actions;
      ev.command = defEvidence;
    }
    if (def.context !== undefined && task.context === undefined) {
      task.context = def.context;
      ev.context = defEvidence;
    }
    if (def.author) {
      task.author = def.author;
      ev.author = defEvidence;
    }
    if (def.hidden !== undefined) task.hidden = def.hidden;
    const p = effectivePrincipal(def);
    const account = p?.userId ?? p?.groupId;
    if (account) {
      const known = wellKnownSid(account);
      task.runAs = known ?? account;
      if (known || /^S-1-/i.test(account)) task.runAsSid = account.toUpperCase();
      ev.runAs = evidenceOf(created!.ev, `TaskContent Principal ${p?.userId ? 'UserId' : 'GroupId'}`);
    }
    if (p?.runLevel) task.runLevel = p.runLevel;
  }
  if (!actions && created) {
    // Elastic Agent's pre-parsed TaskContent.
    const parsed = getField(created.ev.doc, 'winlog.scheduled_task.actions');
    if (Array.isArray(parsed) && parsed.length) {
      actions = parsed
        .filter((a): a is Record<string, unknown> => typeof a === 'object' && a !== null)
        .map((a) => ({
          type: (str(a, 'type') as TaskAction['type']) ?? 'exec',
          ...(str(a, 'command') ? { command: str(a, 'command') } : {}),
          ...(str(a, 'arguments') ? { arguments: str(a, 'arguments') } : {}),
        }));
      ev.command = evidenceOf(created.ev, 'winlog.scheduled_task');
    }
  }
  if (actions) {
    const exec = actions.find((a) => a.type === 'exec') ?? actions[0]!;
    if (exec.command) task.command = exec.command;
    if (exec.arguments) task.arguments = exec.arguments;
    if (exec.working_directory) task.workingDirectory = exec.working_directory;
    if (actions.length > 1 || exec.type !== 'exec') task.actions = actions;
  }
  if (!task.command && nameKey) {
    const launched = nearest((c) => c.kind === 'task' && (c.eventId === 200 || c.eventId === 201 || c.eventId === 129) && lc(data(c.ev.doc, 'TaskName')) === nameKey);
    const cmd = launched && (data(launched.ev.doc, 'ActionName') ?? data(launched.ev.doc, 'Path'));
    if (launched && cmd) {
      task.command = cmd;
      ev.command = evidenceOf(launched.ev, launched.eventId === 129 ? 'Path' : 'ActionName');
    }
  }
  // --- The account the task runs as, when no TaskContent said it.
  if (!task.runAs && task.context && task.context.toLowerCase() !== 'author') {
    task.runAs = task.context;
    ev.runAs = `${ev.context} context (principal id)`;
  }
  if (!task.runAs && registered) {
    const uc = data(registered.ev.doc, 'UserContext');
    if (uc) {
      const known = wellKnownSid(uc);
      task.runAs = known ?? uc;
      if (/^S-1-/i.test(uc)) task.runAsSid = uc.toUpperCase();
      ev.runAs = evidenceOf(registered.ev, 'UserContext');
    }
  }

  // --- Source address: the network leg, else the logons and share accesses.
  const setSource = (e: NormalizedEvent, what: string): void => {
    const ip = ipOf(e.doc);
    if (!ip || isLoopback(ip) || out.sourceIp) return;
    out.sourceIp = ip;
    const port = portOf(e.doc);
    if (port !== undefined) out.sourcePort = port;
    out.sourceEvidence = evidenceOf(e, what);
  };
  if (net) {
    setSource(net, sourceKindOf(channelOf(net.doc)) === 'security' ? 'IpAddress' : 'network connection');
    const dip = cleanIp(str(net.doc, 'destination.ip'));
    if (dip) out.destinationIp = dip;
    const dport = num(net.doc, 'destination.port');
    if (dport !== undefined) out.destinationPort = dport;
  }
  for (const e of evs) if (eventIdOf(e.doc) === 4624 || eventIdOf(e.doc) === 5140 || eventIdOf(e.doc) === 5145) setSource(e, 'IpAddress');

  // --- The remote user who created the task: 4698's subject, tied to its network logon by logon id.
  let creatorLogon: ContextEvent | undefined;
  if (created) {
    const user = data(created.ev.doc, 'SubjectUserName');
    if (user) {
      out.userName = user;
      const dom = data(created.ev.doc, 'SubjectDomainName');
      if (dom) out.userDomain = dom;
      out.userEvidence = evidenceOf(created.ev, 'Subject');
    }
    const lid = logonKey(data(created.ev.doc, 'SubjectLogonId'));
    if (lid) {
      creatorLogon = nearest((c) => c.kind === 'logon' && logonKey(data(c.ev.doc, 'TargetLogonId')) === lid);
      if (creatorLogon) {
        anchor(creatorLogon);
        out.userEvidence = `${out.userEvidence ?? evidenceOf(created.ev)}; logon ${data(created.ev.doc, 'SubjectLogonId')} = ${evidenceOf(creatorLogon.ev, 'TargetLogonId')}`;
        setSource(creatorLogon.ev, 'IpAddress (logon of the task creator)');
      }
    }
  }
  if (!out.userName) {
    const inMatchLogon = evs.find((e) => eventIdOf(e.doc) === 4624 && data(e.doc, 'TargetUserName'));
    let logon = inMatchLogon ? toContext(inMatchLogon) : undefined;
    if (!logon && out.sourceIp) {
      // The network logon from the source address: the same source port identifies it, else the nearest in time.
      const ip = out.sourceIp;
      const port = out.sourcePort;
      // A logon after the task was written cannot have written it (time is only trusted without the port).
      logon = nearest(
        (c) => {
          if (c.kind !== 'logon' || ipOf(c.ev.doc) !== ip || /ANONYMOUS LOGON/i.test(data(c.ev.doc, 'TargetUserName') ?? '')) return false;
          if (port !== undefined && portOf(c.ev.doc) === port) return true;
          return distance(c) <= contextWindowMs && c.aligned <= (anchors.get(c.clock) ?? lastAligned) + LOGON_SLACK_MS;
        },
        (c) => port !== undefined && portOf(c.ev.doc) === port,
      );
    }
    if (logon) {
      const user = data(logon.ev.doc, 'TargetUserName');
      if (user) {
        creatorLogon = logon;
        anchor(logon);
        out.userName = user;
        const dom = data(logon.ev.doc, 'TargetDomainName');
        if (dom) out.userDomain = dom;
        const samePort = out.sourcePort !== undefined && portOf(logon.ev.doc) === out.sourcePort;
        out.userEvidence = evidenceOf(logon.ev, samePort ? 'network logon from the same address and port' : 'network logon from the same address');
      }
    }
  }
  if (!out.userName) {
    const share = evs.find((e) => (eventIdOf(e.doc) === 5145 || eventIdOf(e.doc) === 5140) && data(e.doc, 'SubjectUserName'));
    if (share) {
      out.userName = data(share.doc, 'SubjectUserName');
      const dom = data(share.doc, 'SubjectDomainName');
      if (dom) out.userDomain = dom;
      out.userEvidence = evidenceOf(share, 'Subject');
    }
  }
  // SMB-pipe creation (atexec): the task's logon has no address; the IPC$\atsvc access by the same account does.
  if (!out.sourceIp && out.userName) {
    const user = lc(out.userName);
    const dom = lc(out.userDomain);
    const atsvc = nearest(
      (c) =>
        c.kind === 'share' &&
        ipOf(c.ev.doc) !== undefined &&
        lc(data(c.ev.doc, 'SubjectUserName')) === user &&
        (dom === undefined || lc(data(c.ev.doc, 'SubjectDomainName')) === dom) &&
        distance(c) <= contextWindowMs,
      (c) => /^atsvc$/i.test(data(c.ev.doc, 'RelativeTargetName') ?? ''),
    );
    if (atsvc) setSource(atsvc.ev, `${data(atsvc.ev.doc, 'ShareName') ?? ''}${data(atsvc.ev.doc, 'RelativeTargetName') ? '\\' + data(atsvc.ev.doc, 'RelativeTargetName') : ''} access by the same account`);
  }

  // --- Related activity around each source's anchor time.
  const creatorLogonId = creatorLogon ? logonKey(data(creatorLogon.ev.doc, 'TargetLogonId')) : created ? logonKey(data(created.ev.doc, 'SubjectLogonId')) : undefined;
  const command = lc(task.command);
  const used = new Set<NormalizedEvent>([created?.ev, creatorLogon?.ev].filter((e): e is NormalizedEvent => !!e));
  const related: Array<RelatedActivity & { _t: number }> = [];
  for (const c of pool) {
    if (used.has(c.ev) || distance(c) > contextWindowMs) continue;
    const d = c.ev.doc;
    let kind: RelatedActivity['kind'] | undefined;
    let summary = '';
    switch (c.kind) {
      case 'share': {
        kind = 'admin-share';
        const rel = data(d, 'RelativeTargetName');
        const who = accountOf(data(d, 'SubjectUserName'), data(d, 'SubjectDomainName'));
        summary = `${data(d, 'ShareName')}${rel ? '\\' + rel : ''}${ipOf(d) ? ` from ${ipOf(d)}` : ''}${who ? ` by ${who}` : ''}`;
        break;
      }
      case 'service': {
        kind = 'service-install';
        const image = data(d, 'ImagePath') ?? data(d, 'ServiceFileName');
        summary = `service ${data(d, 'ServiceName') ?? '?'}${image ? `: ${image}` : ''}`;
        break;
      }
      case 'logon':
      case 'explicit-logon': {
        if (!out.sourceIp || ipOf(d) !== out.sourceIp) break;
        kind = 'logon';
        const who = c.kind === 'logon' ? accountOf(data(d, 'TargetUserName'), data(d, 'TargetDomainName')) : accountOf(data(d, 'SubjectUserName'), data(d, 'SubjectDomainName'));
        const type = data(d, 'LogonType');
        summary = `${c.kind === 'logon' ? `logon${type ? ` type ${type}` : ''}` : 'explicit-credential logon'} ${who ?? '?'} from ${ipOf(d)}${portOf(d) ? ':' + portOf(d) : ''}${data(d, 'TargetLogonId') ? ` (logon id ${data(d, 'TargetLogonId')})` : ''}`;
        break;
      }
      case 'privileges': {
        if (!creatorLogonId || logonKey(data(d, 'SubjectLogonId')) !== creatorLogonId) break;
        kind = 'logon';
        summary = `special privileges assigned to the creator's logon ${data(d, 'SubjectLogonId')}`;
        break;
      }
      case 'task': {
        if (!nameKey || lc(data(d, 'TaskName')) !== nameKey) break;
        kind = 'task-event';
        summary = `${TASK_EVENT_VERBS[taskKey(d)] ?? 'task event'}: ${data(d, 'TaskName')}${data(d, 'ActionName') ? ` (${data(d, 'ActionName')})` : ''}`;
        break;
      }
      case 'process': {
        const parent = lc(str(d, 'process.parent.entity_id'));
        const exe = lc(str(d, 'process.executable') ?? data(d, 'Image') ?? data(d, 'NewProcessName'));
        if (!((processEntity && parent === processEntity) || (command && exe === command))) break;
        kind = 'process';
        summary = `process ${str(d, 'process.command_line') ?? data(d, 'CommandLine') ?? exe ?? '?'}`;
        break;
      }
      default:
        break;
    }
    if (!kind) continue;
    related.push({ kind, '@timestamp': isoTime(c.ev.timestamp), summary: `${evidenceOf(c.ev)}: ${summary}`, event: d, _t: c.aligned });
  }
  related.sort((a, b) => a._t - b._t);
  out.relatedOmitted = Math.max(0, related.length - MAX_RELATED);
  out.related = related.slice(0, MAX_RELATED).map(({ _t, ...r }) => r);
  if (problems.length) task.problems = problems;
  return out;
}
