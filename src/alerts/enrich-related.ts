// Related activity on the host around the task's creation, each on its own clock: admin-share access, service
// installs, other logons from the same source, events of the same task, processes the Schedule service started.
import type { NormalizedEvent } from '../normalize/types.js';
import type { RelatedActivity } from './types.js';
import { accountOf, Correlation, ipOf, lc, logonKey, portOf } from './correlation.js';
import type { AccountFindings } from './enrich-accounts.js';
import type { TaskFindings } from './enrich-task.js';
import { channelOf, data, eventIdOf, evidenceOf, sourceKindOf, str } from './fields.js';
import { isoTime } from './time.js';

const MAX_RELATED = 50;

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

function baseName(path: string): string {
  const i = Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/'));
  return i >= 0 ? path.slice(i + 1) : path;
}

export function findRelated(cor: Correlation, task: TaskFindings, accounts: AccountFindings, contextWindowMs: number): { related: RelatedActivity[]; omitted: number } {
  const command = lc(task.task.command);
  // A bare command ("cmd.exe") matches any path ending in it; a full path must match whole.
  const commandIsBare = command !== undefined && !/[\\/]/.test(command);
  const used = new Set<NormalizedEvent>([task.created?.ev, accounts.creatorLogon?.ev].filter((e): e is NormalizedEvent => !!e));
  const related: Array<RelatedActivity & { _t: number }> = [];
  for (const c of cor.pool) {
    if (used.has(c.ev) || cor.distance(c) > contextWindowMs) continue;
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
        if (!accounts.sourceIp || ipOf(d) !== accounts.sourceIp) break;
        kind = 'logon';
        const who = c.kind === 'logon' ? accountOf(data(d, 'TargetUserName'), data(d, 'TargetDomainName')) : accountOf(data(d, 'SubjectUserName'), data(d, 'SubjectDomainName'));
        const type = data(d, 'LogonType');
        const what = c.kind === 'logon' ? `logon${type ? ` type ${type}` : ''}` : 'explicit-credential logon';
        const port = portOf(d);
        const id = data(d, 'TargetLogonId');
        summary = `${what} ${who ?? '?'} from ${ipOf(d)}${port ? ':' + port : ''}${id ? ` (logon id ${id})` : ''}`;
        break;
      }
      case 'privileges': {
        if (!accounts.creatorLogonId || logonKey(data(d, 'SubjectLogonId')) !== accounts.creatorLogonId) break;
        kind = 'logon';
        summary = `special privileges assigned to the creator's logon ${data(d, 'SubjectLogonId')}`;
        break;
      }
      case 'task': {
        if (!task.nameKey || lc(data(d, 'TaskName')) !== task.nameKey) break;
        kind = 'task-event';
        const verb = TASK_EVENT_VERBS[`${sourceKindOf(channelOf(d))} ${eventIdOf(d) ?? ''}`] ?? 'task event';
        const action = data(d, 'ActionName');
        summary = `${verb}: ${data(d, 'TaskName')}${action ? ` (${action})` : ''}`;
        break;
      }
      case 'process': {
        const parent = lc(str(d, 'process.parent.entity_id'));
        const exe = lc(str(d, 'process.executable') ?? data(d, 'Image') ?? data(d, 'NewProcessName'));
        const runsCommand = command !== undefined && exe !== undefined && (commandIsBare ? baseName(exe) === command : exe === command);
        if (!((task.processEntity && parent === task.processEntity) || runsCommand)) break;
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
  return { related: related.slice(0, MAX_RELATED).map(({ _t, ...r }) => r), omitted: Math.max(0, related.length - MAX_RELATED) };
}
