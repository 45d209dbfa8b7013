// Windows events → the ECS documents Winlogbeat / Elastic Agent (winlog input + the Sysmon and Security ingest
// pipelines) store, for the event ids the simulator writes. `winlog.*` keeps the raw event; the ECS fields follow
// the Elastic mappings summarised in shared reference sysmon-to-ecs.md (§1, §3, §5).
import type { WinEvent } from '../formats/types.js';
import type { EcsDocument } from '../normalize/types.js';
import { hash32 } from './random.js';
import { splitArgs } from './host.js';

const LOGON_TYPES: Record<string, string> = { '2': 'Interactive', '3': 'Network', '4': 'Batch', '5': 'Service', '7': 'Unlock', '8': 'NetworkCleartext', '9': 'NewCredentials', '10': 'RemoteInteractive', '11': 'CachedInteractive' };

const SECURITY: Record<number, { action: string; category: string[]; type: string[] }> = {
  4624: { action: 'logged-in', category: ['authentication'], type: ['start'] },
  4634: { action: 'logged-out', category: ['authentication'], type: ['end'] },
  4672: { action: 'logged-in-special', category: ['iam'], type: ['admin'] },
  4688: { action: 'created-process', category: ['process'], type: ['start'] },
  4698: { action: 'scheduled-task-created', category: ['iam', 'configuration'], type: ['creation', 'admin'] },
  4699: { action: 'scheduled-task-deleted', category: ['iam', 'configuration'], type: ['deletion', 'admin'] },
  4702: { action: 'scheduled-task-updated', category: ['iam', 'configuration'], type: ['change', 'admin'] },
  5140: { action: 'network-share-object-accessed', category: ['network', 'file'], type: ['info', 'access'] },
  5145: { action: 'network-share-object-access-checked', category: ['network', 'file'], type: ['info', 'access'] },
  5156: { action: 'windows-firewall-connection', category: ['network'], type: ['connection', 'info', 'allowed'] },
};

const SYSMON: Record<number, { action: string; category: string[]; type: string[] }> = {
  1: { action: 'Process creation', category: ['process'], type: ['start'] },
  3: { action: 'Network connection', category: ['network'], type: ['start', 'connection', 'protocol'] },
  11: { action: 'FileCreate', category: ['file'], type: ['creation'] },
  12: { action: 'RegistryEvent (Object create and delete)', category: ['configuration', 'registry'], type: ['change'] },
  13: { action: 'RegistryEvent (Value Set)', category: ['configuration', 'registry'], type: ['change'] },
};

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const present = (v: unknown) => typeof v === 'string' && v !== '' && v !== '-';
const base = (path: string) => path.slice(path.lastIndexOf('\\') + 1);

/** A stable host.id for a computer name, as add_host_metadata would report (a machine GUID). */
export function winlogbeatHostId(computer: string): string {
  const h = (n: number) => hash32(`${n}:${computer.toLowerCase()}`).toString(16).padStart(8, '0');
  const a = h(1) + h(2) + h(3) + h(4);
  return `${a.slice(0, 8)}-${a.slice(8, 12)}-${a.slice(12, 16)}-${a.slice(16, 20)}-${a.slice(20, 32)}`;
}

function user(domainUser: string): Record<string, string> | undefined {
  const i = domainUser.indexOf('\\');
  return i < 0 ? undefined : { domain: domainUser.slice(0, i), name: domainUser.slice(i + 1) };
}

export function toWinlogbeat(ev: WinEvent): EcsDocument {
  const s = ev.system;
  const data = ev.eventData ?? {};
  const sysmon = s.provider === 'Microsoft-Windows-Sysmon';
  const security = s.channel === 'Security';
  const utc = sysmon ? str(data.UtcTime) : undefined;
  const timestamp = utc ? `${utc.replace(' ', 'T')}Z` : s.timeCreated.replace(/(\.\d{3})\d*Z$/, '$1Z');
  const shortName = s.computer.split('.')[0]!.toLowerCase();
  const cat = sysmon ? SYSMON[s.eventId] : security ? SECURITY[s.eventId] : undefined;
  const eventData: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) if (v !== null && v !== '') eventData[k] = v;
  const doc: EcsDocument = {
    '@timestamp': timestamp,
    agent: { type: 'winlogbeat', version: '8.15.0', name: shortName },
    ecs: { version: '8.0.0' },
    host: { id: winlogbeatHostId(s.computer), name: shortName, hostname: shortName, os: { type: 'windows', family: 'windows', platform: 'windows', name: 'Windows 10 Enterprise' } },
    event: {
      kind: 'event',
      code: String(s.eventId),
      provider: s.provider,
      created: s.timeCreated.replace(/(\.\d{3})\d*Z$/, '$1Z'),
      module: sysmon ? 'sysmon' : security ? 'security' : undefined,
      ...(cat ? { action: cat.action, category: cat.category, type: cat.type } : {}),
      ...(security ? { outcome: 'success' } : {}),
    },
    log: { level: s.level === 0 || s.level === 4 ? 'information' : 'warning' },
    winlog: {
      channel: s.channel,
      computer_name: s.computer,
      event_id: String(s.eventId),
      provider_name: s.provider,
      provider_guid: s.providerGuid,
      record_id: String(s.recordId ?? ''),
      version: s.version,
      task: s.task !== undefined ? String(s.task) : undefined,
      opcode: 'Info',
      keywords: security ? ['Audit Success'] : undefined,
      process: { pid: s.processId, thread: { id: s.threadId } },
      ...(s.userId ? { user: { identifier: s.userId } } : {}),
      event_data: eventData,
    },
  };
  if (sysmon) mapSysmon(s.eventId, data, doc);
  else if (security) mapSecurity(s.eventId, data, doc);
  return prune(doc) as EcsDocument;
}

function mapSysmon(id: number, d: Record<string, unknown>, doc: EcsDocument): void {
  const image = str(d.Image);
  if (image) doc.process = { entity_id: str(d.ProcessGuid), pid: Number(d.ProcessId), executable: image, name: base(image) };
  const u = user(str(d.User) ?? '');
  if (u) doc.user = u;
  if (id === 1) {
    Object.assign(doc.process as object, {
      command_line: d.CommandLine,
      args: splitArgs(String(d.CommandLine ?? '')),
      working_directory: d.CurrentDirectory,
      parent: { entity_id: d.ParentProcessGuid, pid: Number(d.ParentProcessId), executable: d.ParentImage, name: base(String(d.ParentImage ?? '')), command_line: d.ParentCommandLine },
      pe: { original_file_name: d.OriginalFileName, company: d.Company, description: d.Description, product: d.Product, file_version: d.FileVersion },
    });
  } else if (id === 3) {
    doc.source = { ip: d.SourceIp, port: Number(d.SourcePort), ...(present(d.SourceHostname) ? { domain: d.SourceHostname } : {}) };
    doc.destination = { ip: d.DestinationIp, port: Number(d.DestinationPort), ...(present(d.DestinationHostname) ? { domain: d.DestinationHostname } : {}) };
    doc.network = { transport: d.Protocol, direction: d.Initiated === 'true' ? 'egress' : 'ingress', type: d.SourceIsIpv6 === 'true' ? 'ipv6' : 'ipv4' };
    doc.related = { ip: [d.SourceIp, d.DestinationIp] };
  } else if (id === 11) {
    const path = String(d.TargetFilename ?? '');
    doc.file = { path, name: base(path), directory: path.slice(0, path.lastIndexOf('\\')) };
  } else if (id === 12 || id === 13) {
    const path = String(d.TargetObject ?? '');
    const parts = path.split('\\');
    const registry: Record<string, unknown> = { path, hive: parts[0], key: parts.slice(1).join('\\'), value: parts[parts.length - 1] };
    const details = str(d.Details);
    if (id === 13 && details !== undefined) {
      const dword = /^DWORD \((0x[0-9a-fA-F]+)\)$/.exec(details);
      registry.data = dword ? { type: 'SZ_DWORD', strings: [String(parseInt(dword[1]!, 16))] } : details === 'Binary Data' ? { type: 'REG_BINARY', strings: ['Binary Data'] } : { type: 'REG_SZ', strings: [details] };
    }
    doc.registry = registry;
  }
  if (d.RuleName && d.RuleName !== '-') doc.rule = { name: d.RuleName };
}

function mapSecurity(id: number, d: Record<string, unknown>, doc: EcsDocument): void {
  const winlog = doc.winlog as Record<string, unknown>;
  const target = id === 4624 || id === 4634;
  const name = str(target ? d.TargetUserName : d.SubjectUserName);
  if (name) doc.user = { name, domain: str(target ? d.TargetDomainName : d.SubjectDomainName), id: str(target ? d.TargetUserSid : d.SubjectUserSid) };
  const logonType = str(d.LogonType);
  const logon: Record<string, unknown> = {};
  if (logonType) logon.type = LOGON_TYPES[logonType] ?? logonType;
  // As the Security ingest pipeline does: winlog.logon.id from SubjectLogonId, even for 4624 (whose own session is
  // TargetLogonId); only logoffs, which have no subject, use TargetLogonId.
  const logonId = str(d.SubjectLogonId) ?? (id === 4634 ? str(d.TargetLogonId) : undefined);
  if (logonId) logon.id = logonId;
  if (Object.keys(logon).length) winlog.logon = logon;
  if (present(d.IpAddress)) doc.source = { ip: String(d.IpAddress).replace(/^::ffff:/, ''), ...(present(d.IpPort) ? { port: Number(d.IpPort) } : {}), ...(present(d.WorkstationName) ? { domain: d.WorkstationName } : {}) };
  if (id === 4688) {
    const exe = String(d.NewProcessName ?? '');
    doc.process = { pid: parseInt(String(d.NewProcessId), 16), executable: exe, name: base(exe), command_line: d.CommandLine, args: splitArgs(String(d.CommandLine ?? '')), parent: { pid: parseInt(String(d.ProcessId), 16), executable: d.ParentProcessName, name: base(String(d.ParentProcessName ?? '')) } };
  }
  if (id === 5145) {
    const rel = String(d.RelativeTargetName ?? '');
    const dir = String(d.ShareLocalPath ?? '');
    doc.file = { name: base(rel), ...(dir ? { directory: dir, path: `${dir}\\${rel}` } : {}), target_path: `${d.ShareName}\\${rel}` };
  }
  if (id === 5156) {
    doc.source = { ip: d.SourceAddress, port: Number(d.SourcePort) };
    doc.destination = { ip: d.DestAddress, port: Number(d.DestPort) };
    doc.network = { direction: d.Direction === '%%14592' ? 'ingress' : 'egress', transport: d.Protocol === '6' ? 'tcp' : 'udp' };
  }
}

/** Drops undefined values and empty objects so documents look like what the pipelines store. */
function prune(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(prune);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined || (typeof v === 'number' && Number.isNaN(v))) continue;
      const p = prune(v);
      if (p && typeof p === 'object' && !Array.isArray(p) && Object.keys(p).length === 0) continue;
      out[k] = p;
    }
    return out;
  }
  return value;
}
