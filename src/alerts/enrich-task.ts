// What task a match is about, and what it does: its path and GUID (TaskCache Tree Id ↔ Tasks\{GUID}, 4698 /
// 106 TaskName; for a remote update, 4702 / 140), its command (the Actions value, else TaskContent or
// TaskContentNew, else Task Scheduler events) and the account it runs as. Identity first: GUID ↔ Tree Id data,
// path ↔ TaskName, connection ↔ logon session; time only among equals.
import type { NormalizedEvent } from '../normalize/types.js';
import type { TaskAction, TaskContext } from './types.js';
import { registryPath, type ContextEvent } from './context-events.js';
import { Correlation, isNetwork, ipOf, lc, logonKey, portOf, regData, toContext } from './correlation.js';
import { canonGuid, channelOf, data, eventIdOf, evidenceOf, getField, GUID_RE, sourceKindOf, str, wellKnownSid } from './fields.js';
import { decodeTaskActionsBase64 } from './task-actions.js';
import { effectivePrincipal, parseTaskContent, type TaskDefinition } from './task-xml.js';

const TREE_ID_RE = /\\TaskCache\\Tree\\(.+)\\Id$/i;
const TASKS_VALUE_RE = /\\TaskCache\\Tasks\\(\{?[0-9a-fA-F-]{36}\}?)\\([^\\]+)$/i;
const TASKS_ANY_RE = /\\TaskCache\\(?:Tasks|Plain|Boot|Logon)\\(\{?[0-9a-fA-F-]{36}\}?)/i;

export interface TaskFindings {
  task: TaskContext;
  /** The match's network leg, when it has one. */
  net?: NormalizedEvent;
  /** The process that wrote the TaskCache (or took the connection), lower-cased. */
  processEntity?: string;
  /** The 4698 (else 4702) that registered this task. */
  created?: ContextEvent;
  /** The TaskScheduler 106 of this task (140 for an update). */
  registered?: ContextEvent;
  /** Lower-cased task path, the key for task events. */
  nameKey?: string;
}

/**
 * The 4698/4702 whose subject logon is the network logon of `net`'s address and port (the RPC connection
 * authenticates itself: 4624 IpPort is its client port), nearest in time. Undefined without a port: the
 * address alone does not tie a logon session to this connection.
 */
function registrationOfConnection(cor: Correlation, net: NormalizedEvent): ContextEvent | undefined {
  const ip = ipOf(net.doc);
  const port = portOf(net.doc);
  if (!ip || port === undefined) return undefined;
  const sessions = new Set<string>();
  for (const c of cor.pool) {
    if (c.kind !== 'logon' || ipOf(c.ev.doc) !== ip || portOf(c.ev.doc) !== port) continue;
    const lid = logonKey(data(c.ev.doc, 'TargetLogonId'));
    if (lid) sessions.add(lid);
  }
  if (sessions.size === 0) return undefined;
  return cor.nearest(
    (c) =>
      c.kind === 'task' &&
      (c.eventId === 4698 || c.eventId === 4702) &&
      sourceKindOf(channelOf(c.ev.doc)) !== 'taskscheduler' &&
      sessions.has(logonKey(data(c.ev.doc, 'SubjectLogonId')) ?? ''),
  );
}

function setRunAs(task: TaskContext, account: string, evidence: string): void {
  const known = wellKnownSid(account);
  task.runAs = known ?? account;
  if (/^S-1-/i.test(account)) task.runAsSid = account.toUpperCase();
  task.evidence.runAs = evidence;
}

export function findTask(cor: Correlation): TaskFindings {
  const evs = cor.events;
  const task: TaskContext = { evidence: {} };
  const ev = task.evidence;
  const problems: string[] = [];

  // The match's own legs: network connection and TaskCache write.
  const net = evs.find((e) => isNetwork(e.doc) && ipOf(e.doc));
  const reg = evs.find((e) => {
    const p = registryPath(e.doc);
    return p !== undefined && TASKS_ANY_RE.test(p);
  });
  const processEntity = lc(str(reg?.doc ?? net?.doc, 'process.entity_id'));
  if (reg) {
    task.guid = canonGuid(TASKS_ANY_RE.exec(registryPath(reg.doc)!)![1]!);
    ev.guid = evidenceOf(reg, 'TaskCache key');
  }
  const taskEvent = evs.find((e) => {
    const id = eventIdOf(e.doc);
    return (id === 4698 || id === 4702 || id === 106) && data(e.doc, 'TaskName');
  });
  if (taskEvent) {
    task.name = data(taskEvent.doc, 'TaskName');
    ev.name = evidenceOf(taskEvent, 'TaskName');
  }

  // Task path from the TaskCache Tree: the `Id` value whose data is this GUID (same process first).
  const sameProcess = (c: ContextEvent): boolean => processEntity !== undefined && lc(str(c.ev.doc, 'process.entity_id')) === processEntity;
  if (task.guid && !task.name) {
    const guid = task.guid;
    const tree = cor.nearest((c) => {
      if (c.kind !== 'taskcache') return false;
      const d = regData(c.ev.doc);
      return d !== undefined && GUID_RE.test(d) && canonGuid(d) === guid && TREE_ID_RE.test(registryPath(c.ev.doc)!);
    }, sameProcess);
    if (tree) {
      task.name = '\\' + TREE_ID_RE.exec(registryPath(tree.ev.doc)!)![1]!;
      ev.name = evidenceOf(tree.ev, 'TaskCache Tree\\…\\Id');
      cor.anchor(tree);
    } else {
      const pathValue = cor.nearest((c) => {
        if (c.kind !== 'taskcache') return false;
        const m = TASKS_VALUE_RE.exec(registryPath(c.ev.doc)!);
        return !!m && canonGuid(m[1]!) === guid && m[2]!.toLowerCase() === 'path' && regData(c.ev.doc) !== undefined;
      }, sameProcess);
      if (pathValue) {
        task.name = regData(pathValue.ev.doc);
        ev.name = evidenceOf(pathValue.ev, 'TaskCache Tasks\\{GUID}\\Path');
        cor.anchor(pathValue);
      }
    }
  }
  // A remote update rewrites Actions but no Tree Id or Path: the 4702 (or 4698) of the logon session that the
  // match's connection opened names the task (address and port → 4624 TargetLogonId → SubjectLogonId).
  let createdBySession: ContextEvent | undefined;
  if (!task.name && net) {
    createdBySession = registrationOfConnection(cor, net);
    const name = createdBySession && data(createdBySession.ev.doc, 'TaskName');
    if (createdBySession && name) {
      task.name = name;
      ev.name = `${evidenceOf(createdBySession.ev, 'TaskName')}, same logon session as the connection`;
      cor.anchor(createdBySession);
    }
  }
  // GUID from the path, when the match came from the Security log.
  if (task.name && !task.guid) {
    const want = `\\TaskCache\\Tree${task.name}\\Id`.toLowerCase();
    const tree = cor.nearest((c) => {
      if (c.kind !== 'taskcache') return false;
      const d = regData(c.ev.doc);
      return d !== undefined && GUID_RE.test(d) && registryPath(c.ev.doc)!.toLowerCase().endsWith(want);
    });
    if (tree) {
      task.guid = canonGuid(GUID_RE.exec(regData(tree.ev.doc)!)![0]);
      ev.guid = evidenceOf(tree.ev, 'TaskCache Tree\\…\\Id');
      cor.anchor(tree);
    }
  }

  // The Security event that registered it (4698, else 4702), and the TaskScheduler 106.
  const nameKey = lc(task.name);
  const taskEventId = taskEvent ? eventIdOf(taskEvent.doc) : undefined;
  let created: ContextEvent | undefined = taskEvent && (taskEventId === 4698 || taskEventId === 4702) ? toContext(taskEvent) : createdBySession;
  if (!created && nameKey) {
    for (const id of [4698, 4702]) {
      created = cor.nearest((c) => c.kind === 'task' && c.eventId === id && sourceKindOf(channelOf(c.ev.doc)) !== 'taskscheduler' && lc(data(c.ev.doc, 'TaskName')) === nameKey);
      if (created) break;
    }
  }
  cor.anchor(created);
  // 106 "registered", else 140 "updated" for a remote update.
  const operational = (id: number) =>
    cor.nearest((c) => c.kind === 'task' && c.eventId === id && sourceKindOf(channelOf(c.ev.doc)) === 'taskscheduler' && lc(data(c.ev.doc, 'TaskName')) === nameKey);
  const registered = nameKey ? (operational(106) ?? operational(140)) : undefined;
  cor.anchor(registered);

  // Command and arguments: the Actions value's bytes, else TaskContent, else Task Scheduler events.
  const hasBytes = (e: NormalizedEvent): boolean => /\\Actions$/i.test(registryPath(e.doc) ?? '') && str(e.doc, 'registry.data.bytes') !== undefined;
  let actionsEvent: NormalizedEvent | undefined = reg && hasBytes(reg) ? reg : undefined;
  if (!actionsEvent && task.guid) {
    const guid = task.guid;
    actionsEvent = cor.nearest((c) => {
      if (c.kind !== 'taskcache' || !hasBytes(c.ev)) return false;
      const m = TASKS_VALUE_RE.exec(registryPath(c.ev.doc)!);
      return !!m && canonGuid(m[1]!) === guid;
    }, sameProcess)?.ev;
  }
  let actions: TaskAction[] | undefined;
  let contextFromActions = false;
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
        contextFromActions = true;
      }
    }
  }
  let def: TaskDefinition | undefined;
  // 4698 carries TaskContent; 4702 the task as updated, TaskContentNew.
  const contentField = created && data(created.ev.doc, 'TaskContent') === undefined ? 'TaskContentNew' : 'TaskContent';
  if (created) {
    const xml = data(created.ev.doc, contentField);
    if (xml) {
      def = parseTaskContent(xml);
      if (!def) problems.push(`${evidenceOf(created.ev, contentField)}: no <Task> element`);
    }
  }
  if (def && created) {
    const defEvidence = evidenceOf(created.ev, contentField);
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
    if (account) setRunAs(task, account, evidenceOf(created.ev, `${contentField} Principal ${p?.userId ? 'UserId' : 'GroupId'}`));
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
  if (actions && actions.length) {
    const exec = actions.find((a) => a.type === 'exec') ?? actions[0]!;
    if (exec.command) task.command = exec.command;
    if (exec.arguments) task.arguments = exec.arguments;
    if (exec.working_directory) task.workingDirectory = exec.working_directory;
    if (actions.length > 1 || exec.type !== 'exec') task.actions = actions;
  }
  if (!task.command && nameKey) {
    const launched = cor.nearest((c) => c.kind === 'task' && (c.eventId === 200 || c.eventId === 201 || c.eventId === 129) && lc(data(c.ev.doc, 'TaskName')) === nameKey);
    const cmd = launched && (data(launched.ev.doc, 'ActionName') ?? data(launched.ev.doc, 'Path'));
    if (launched && cmd) {
      task.command = cmd;
      ev.command = evidenceOf(launched.ev, launched.eventId === 129 ? 'Path' : 'ActionName');
    }
  }

  // The account it runs as, when no TaskContent said it: a non-default Actions context names the principal
  // ("LocalSystem" for atexec); "Author" only points at a principal the Actions value does not describe.
  if (!task.runAs && contextFromActions && task.context && task.context.toLowerCase() !== 'author') {
    task.runAs = task.context;
    ev.runAs = evidenceOf(actionsEvent!, 'TaskCache Actions context (principal id)');
  }
  if (!task.runAs && registered) {
    const uc = data(registered.ev.doc, 'UserContext');
    if (uc) setRunAs(task, uc, evidenceOf(registered.ev, 'UserContext'));
  }
  if (problems.length) task.problems = problems;
  const out: TaskFindings = { task };
  if (net) out.net = net;
  if (processEntity) out.processEntity = processEntity;
  if (created) out.created = created;
  if (registered) out.registered = registered;
  if (nameKey) out.nameKey = nameKey;
  return out;
}
