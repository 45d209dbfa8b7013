// Test fixtures for alerts: an encoder of TaskCache `Actions` values (per the documented layout, written
// independently of the decoder) and normalized events shaped as normalization produces them.
import type { NormalizedEvent } from '../../src/normalize/types.js';
import type { Rule } from '../../src/rules/types.js';
import type { Match } from '../../src/eql/api.js';

// ---- Actions encoder ----
function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}
function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}
export function bstr(s: string): Buffer {
  const body = Buffer.from(s, 'utf16le');
  return Buffer.concat([u32(body.length), body]);
}
export function guidBytes(guid: string): Buffer {
  const h = guid.replace(/[{}-]/g, '');
  const d1 = Buffer.from(h.slice(0, 8), 'hex').reverse();
  const d2 = Buffer.from(h.slice(8, 12), 'hex').reverse();
  const d3 = Buffer.from(h.slice(12, 16), 'hex').reverse();
  return Buffer.concat([d1, d2, d3, Buffer.from(h.slice(16), 'hex')]);
}

export type EncAction =
  | { type: 'exec'; id?: string; command: string; arguments?: string; workingDirectory?: string; flags?: number }
  | { type: 'com'; id?: string; clsid: string; data?: string }
  | { type: 'email'; to: string; subject: string; body: string; attachments?: string[]; headers?: Array<[string, string]> }
  | { type: 'message'; caption: string; message: string };

/** Encodes an Actions value: u16 version, BSTR context (unless null), then action records. */
export function encodeActions(opts: { version?: number; context?: string | null; actions: EncAction[] }): Buffer {
  const version = opts.version ?? 3;
  const parts: Buffer[] = [u16(version)];
  if (opts.context !== null) parts.push(bstr(opts.context ?? 'Author'));
  for (const a of opts.actions) {
    switch (a.type) {
      case 'exec':
        parts.push(u16(0x6666), bstr(a.id ?? ''), bstr(a.command), bstr(a.arguments ?? ''), bstr(a.workingDirectory ?? ''));
        if (version >= 3) parts.push(u16(a.flags ?? 0));
        break;
      case 'com':
        parts.push(u16(0x7777), bstr(a.id ?? ''), guidBytes(a.clsid), bstr(a.data ?? ''));
        break;
      case 'email':
        parts.push(u16(0x8888), bstr(''), bstr(a.to), bstr(''), bstr(''), bstr(''), bstr('smtp.example'), bstr(a.subject), bstr(a.body));
        parts.push(u32(a.attachments?.length ?? 0), ...(a.attachments ?? []).map(bstr));
        parts.push(u32(a.headers?.length ?? 0), ...(a.headers ?? []).flatMap(([k, v]) => [bstr(k), bstr(v)]));
        break;
      case 'message':
        parts.push(u16(0x9999), bstr(''), bstr(a.caption), bstr(a.message));
        break;
    }
  }
  return Buffer.concat(parts);
}

// ---- Task XML ----
export function taskXml(o: { uri: string; command: string; args?: string; userId?: string; runLevel?: string; context?: string; author?: string; hidden?: boolean }): string {
  const ctx = o.context ?? 'Author';
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Date>2020-12-19T07:00:22</Date>
    <Author>${esc(o.author ?? 'THESHIRE\\pgustavo')}</Author>
    <URI>${esc(o.uri)}</URI>
  </RegistrationInfo>
  <Triggers><BootTrigger><Enabled>true</Enabled></BootTrigger></Triggers>
  <Settings><Enabled>true</Enabled><Hidden>${o.hidden ? 'true' : 'false'}</Hidden></Settings>
  <Actions Context="${ctx}">
    <Exec>
      <Command>${esc(o.command)}</Command>${o.args !== undefined ? `\n      <Arguments>${esc(o.args)}</Arguments>` : ''}
    </Exec>
  </Actions>
  <Principals>
    <Principal id="${ctx}">
      <UserId>${o.userId ?? 'S-1-5-18'}</UserId>
      <RunLevel>${o.runLevel ?? 'LeastPrivilege'}</RunLevel>
    </Principal>
  </Principals>
</Task>`;
}

// ---- Normalized events ----
export const HOST = 'workstation6.theshire.local';
const TASKCACHE = 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache';

let line = 0;
function make(ts: number, doc: Record<string, unknown>, file = 'test.json', host = HOST): NormalizedEvent {
  const full = { '@timestamp': new Date(ts).toISOString(), host: { id: host, name: host.toUpperCase(), os: { type: 'windows' } }, ...doc };
  return { doc: full, timestamp: ts, host, origin: { file, line: ++line } };
}

export interface Clocked {
  /** Sysmon UtcTime-based @timestamp. */
  ts: number;
  /** The record's TimeCreated as written (event.created), when it differs. */
  created?: number;
  host?: string;
}

function sysmonBase(c: Clocked, id: number, proc: { guid: string; pid: number }): Record<string, unknown> {
  return {
    event: { code: String(id), ...(c.created !== undefined ? { created: new Date(c.created).toISOString() } : {}) },
    winlog: { channel: 'Microsoft-Windows-Sysmon/Operational', event_id: String(id), computer_name: 'WORKSTATION6.theshire.local', event_data: { ProcessGuid: proc.guid, ProcessId: String(proc.pid) } as Record<string, unknown> },
    process: { entity_id: proc.guid, pid: proc.pid, name: 'svchost.exe', executable: 'C:\\Windows\\System32\\svchost.exe' },
  };
}

export const SVCHOST = { guid: '{649442b8-52dc-5fd1-3600-000000000600}', pid: 2220 };

export function sysmon3(c: Clocked, src: { ip: string; port: number }, dst = { ip: '172.18.39.6', port: 49671 }, proc = SVCHOST): NormalizedEvent {
  const d = sysmonBase(c, 3, proc);
  Object.assign((d.winlog as { event_data: Record<string, unknown> }).event_data, { Initiated: 'false', SourceIp: src.ip, SourcePort: String(src.port) });
  (d.event as Record<string, unknown>).category = ['network'];
  (d.event as Record<string, unknown>).type = ['start', 'connection', 'protocol'];
  return make(c.ts, { ...d, network: { direction: 'ingress', transport: 'tcp' }, source: { ip: src.ip, port: src.port }, destination: { ip: dst.ip, port: dst.port } }, undefined, c.host);
}

/** Sysmon 13 SetValue under TaskCache (`rel` relative to TaskCache, e.g. "Tasks\\{G}\\Actions"). */
export function sysmon13(c: Clocked, rel: string, details: string, proc = SVCHOST, extra: Record<string, unknown> = {}): NormalizedEvent {
  const d = sysmonBase(c, 13, proc);
  const path = `${TASKCACHE}\\${rel}`;
  Object.assign((d.winlog as { event_data: Record<string, unknown> }).event_data, { EventType: 'SetValue', TargetObject: path, Details: details });
  (d.event as Record<string, unknown>).category = ['configuration', 'registry'];
  (d.event as Record<string, unknown>).type = ['change'];
  const value = rel.slice(rel.lastIndexOf('\\') + 1);
  const data: Record<string, unknown> = { strings: [details], type: details === 'Binary Data' ? 'REG_BINARY' : 'REG_SZ', ...extra };
  return make(c.ts, { ...d, registry: { path, hive: 'HKLM', key: path.slice(5, path.lastIndexOf('\\')), value, data } }, undefined, c.host);
}

function security(ts: number, id: number, ed: Record<string, unknown>, extra: Record<string, unknown> = {}, host?: string): NormalizedEvent {
  return make(ts, { event: { code: String(id) }, winlog: { channel: 'Security', event_id: String(id), computer_name: 'WORKSTATION6.theshire.local', event_data: ed }, ...extra }, 'Security.evtx', host);
}

export function sec4624(ts: number, o: { user: string; domain: string; logonId: string; ip: string; port: number; type?: number }, host?: string): NormalizedEvent {
  return security(
    ts,
    4624,
    { TargetUserName: o.user, TargetDomainName: o.domain, TargetLogonId: o.logonId, LogonType: String(o.type ?? 3), IpAddress: o.ip, IpPort: String(o.port), SubjectLogonId: '0x0' },
    o.ip === '-' ? {} : { source: { ip: o.ip, port: o.port } },
    host,
  );
}

export function sec4698(ts: number, o: { user: string; domain: string; logonId: string; taskName: string; content?: string }, host?: string): NormalizedEvent {
  return security(ts, 4698, { SubjectUserName: o.user, SubjectDomainName: o.domain, SubjectLogonId: o.logonId, TaskName: o.taskName, ...(o.content ? { TaskContent: o.content } : {}), RpcCallClientLocality: '0', ClientProcessId: '0' }, {}, host);
}

/** 4702 "a scheduled task was updated": the task as updated in TaskContentNew. */
export function sec4702(ts: number, o: { user: string; domain: string; logonId: string; taskName: string; content?: string }, host?: string): NormalizedEvent {
  return security(ts, 4702, { SubjectUserName: o.user, SubjectDomainName: o.domain, SubjectLogonId: o.logonId, TaskName: o.taskName, ...(o.content ? { TaskContentNew: o.content } : {}), RpcCallClientLocality: '0', ClientProcessId: '0' }, {}, host);
}

export function sec4699(ts: number, o: { user: string; domain: string; logonId: string; taskName: string }, host?: string): NormalizedEvent {
  return security(ts, 4699, { SubjectUserName: o.user, SubjectDomainName: o.domain, SubjectLogonId: o.logonId, TaskName: o.taskName }, {}, host);
}

export function sec5145(ts: number, o: { user: string; domain: string; logonId: string; ip: string; port: number; share: string; target?: string }, host?: string): NormalizedEvent {
  return security(ts, 5145, { SubjectUserName: o.user, SubjectDomainName: o.domain, SubjectLogonId: o.logonId, IpAddress: o.ip, IpPort: String(o.port), ShareName: o.share, RelativeTargetName: o.target ?? '', AccessMask: '0x3' }, { source: { ip: o.ip, port: o.port } }, host);
}

export function sys7045(ts: number, name: string, image: string, host?: string): NormalizedEvent {
  return make(ts, { event: { code: '7045' }, winlog: { channel: 'System', event_id: '7045', event_data: { ServiceName: name, ImagePath: image } } }, 'System.evtx', host);
}

export function taskEvent(ts: number, id: number, ed: Record<string, unknown>, host?: string): NormalizedEvent {
  return make(ts, { event: { code: String(id) }, winlog: { channel: 'Microsoft-Windows-TaskScheduler/Operational', event_id: String(id), event_data: ed } }, 'TaskScheduler.evtx', host);
}

export function sysmon1(ts: number, o: { parent: string; exe: string; cmd: string }, host?: string): NormalizedEvent {
  const guid = `{${'0'.repeat(8)}-0000-0000-0000-${String(ts % 1e12).padStart(12, '0')}}`;
  return make(
    ts,
    {
      event: { code: '1', category: ['process'], type: ['start'] },
      winlog: { channel: 'Microsoft-Windows-Sysmon/Operational', event_id: '1', event_data: { ParentImage: 'C:\\Windows\\System32\\svchost.exe', Image: o.exe, CommandLine: o.cmd } },
      process: { entity_id: guid, executable: o.exe, command_line: o.cmd, parent: { entity_id: o.parent, executable: 'C:\\Windows\\System32\\svchost.exe', name: 'svchost.exe' } },
    },
    'sysmon.json',
    host,
  );
}

export function ts106(ts: number, taskName: string, userContext: string, host?: string): NormalizedEvent {
  return make(ts, { event: { code: '106' }, winlog: { channel: 'Microsoft-Windows-TaskScheduler/Operational', event_id: '106', event_data: { TaskName: taskName, UserContext: userContext } } }, 'TaskScheduler.evtx', host);
}

/** Sysmon 13 writes of one registration, as the Schedule service writes them: Tree Id, Tasks Path, Actions. */
export function registration(c: Clocked, guid: string, taskPath: string, proc = SVCHOST, actionsBytes?: Buffer): NormalizedEvent[] {
  const tree = sysmon13(c, `Tree${taskPath}\\Id`, guid, proc);
  const path = sysmon13(c, `Tasks\\${guid}\\Path`, taskPath, proc);
  const actions = sysmon13(c, `Tasks\\${guid}\\Actions`, 'Binary Data', proc, actionsBytes ? { bytes: actionsBytes.toString('base64') } : {});
  return [tree, path, actions];
}

export function rule(over: Partial<Rule> = {}): Rule {
  return {
    ruleId: 'seqhunt-remote-scheduled-task-creation',
    name: 'Remote Scheduled Task Creation',
    description: 'Remote task creation through the Task Scheduler RPC interface.',
    type: 'eql',
    language: 'eql',
    query: 'sequence by host.id, process.entity_id with maxspan = 1m [network where true] [registry where true]',
    riskScore: 47,
    severity: 'medium',
    threat: [
      {
        framework: 'MITRE ATT&CK',
        tactic: { id: 'TA0008', name: 'Lateral Movement', reference: 'https://attack.mitre.org/tactics/TA0008/' },
        technique: [{ id: 'T1021', name: 'Remote Services', reference: 'https://attack.mitre.org/techniques/T1021/' }],
      },
    ],
    tags: ['Domain: Endpoint', 'OS: Windows'],
    references: [],
    falsePositives: [],
    exceptionLists: [],
    source: 'test',
    metadata: {},
    ...over,
  };
}

export const companionRule = (): Rule =>
  rule({
    ruleId: 'seqhunt-remote-task-security-log',
    name: 'Remote Scheduled Task Creation (Security log)',
    query: 'sequence with maxspan = 5s [authentication where true] [iam where true]',
    coversBlindSpot: 'SMB named-pipe (atsvc) task creation',
    severity: 'medium',
    riskScore: 47,
  });

export function match(...events: Array<NormalizedEvent | null>): Match<NormalizedEvent> {
  return { events, joinKeys: [] };
}
