// Security log (provider Microsoft-Windows-Security-Auditing / Eventlog) → ECS, after Elastic's security pipeline
// (winlogbeat security_standard.yml; the Agent system.security pipeline carries the same logic).
// Deviations: event data is kept whole (Elastic removes ProcessId, IpAddress, … once mapped), "-" values are not
// copied into ECS fields, and 4688's args use the Windows argv rules (Elastic's 4688 script keeps the quotes).
import type { Categorization, Mapper } from './mapper.js';
import { categorize } from './mapper.js';
import type { EventData } from './values.js';
import { appendUnique, basename, canonicalIp, child, splitCommandLine, str, table, toLong } from './values.js';
import { setUserFrom } from './win-record.js';

const C = (action: string, category: string[], type: string[]): Categorization => ({ action, category, type });

/**
 * Categorization for the event ids seqhunt maps (Elastic's table; 5156 from the Agent system.security pipeline).
 * record-kinds.ts reads it too: one table, no drift.
 */
export const SECURITY_CATEGORIES: Readonly<Record<number, Categorization>> = {
  1102: C('audit-log-cleared', ['iam'], ['admin', 'change']),
  4624: C('logged-in', ['authentication'], ['start']),
  4625: C('logon-failed', ['authentication'], ['start']),
  4634: C('logged-out', ['authentication'], ['end']),
  4647: C('logged-out', ['authentication'], ['end']),
  4648: C('logged-in-explicit', ['authentication'], ['start']),
  4672: C('logged-in-special', ['iam'], ['admin']),
  4688: C('created-process', ['process'], ['start']),
  4689: C('exited-process', ['process'], ['end']),
  4697: C('service-installed', ['iam', 'configuration'], ['admin', 'change']),
  4698: C('scheduled-task-created', ['iam', 'configuration'], ['creation', 'admin']),
  4699: C('scheduled-task-deleted', ['iam', 'configuration'], ['deletion', 'admin']),
  4700: C('scheduled-task-enabled', ['iam', 'configuration'], ['change', 'admin']),
  4701: C('scheduled-task-disabled', ['iam', 'configuration'], ['change', 'admin']),
  4702: C('scheduled-task-updated', ['iam', 'configuration'], ['change', 'admin']),
  4768: C('kerberos-authentication-ticket-requested', ['authentication'], ['start']),
  4769: C('kerberos-service-ticket-requested', ['authentication'], ['start']),
  4776: C('credential-validated', ['authentication'], ['start']),
  5140: C('network-share-object-accessed', ['network', 'file'], ['info', 'access']),
  5145: C('network-share-object-access-checked', ['network', 'file'], ['info', 'access']),
  5156: C('windows-firewall-connection', ['network'], ['connection', 'info', 'allowed']),
};

/** Event ids whose user.* is the Target* account (Elastic "Copy Target User"). */
const TARGET_USER = new Set([4624, 4625, 4634, 4647, 4768, 4769, 4776]);
/** Event ids whose user.* is the Subject* account (Elastic "Copy Subject User from Event Data"). */
const SUBJECT_USER = new Set([4648, 4672, 4688, 4689, 4697, 4698, 4699, 4700, 4701, 4702, 5140, 5145]);
/** Event ids with ProcessId/ProcessName/IpAddress/IpPort/WorkstationName (Elastic "Rename Common Auth Fields"). */
const COMMON_AUTH = new Set([1102, 4624, 4625, 4648, 4689, 4697, 4768, 4769, 5140, 5145]);

const LOGON_TYPES: Record<string, string> = table({
  '2': 'Interactive',
  '3': 'Network',
  '4': 'Batch',
  '5': 'Service',
  '7': 'Unlock',
  '8': 'NetworkCleartext',
  '9': 'NewCredentials',
  '10': 'RemoteInteractive',
  '11': 'CachedInteractive',
});

const SERVICE_TYPES: Record<string, string> = table({
  '0x1': 'Kernel Driver',
  '0x2': 'File System Driver',
  '0x8': 'Recognizer Driver',
  '0x10': 'Win32 Own Process',
  '0x20': 'Win32 Share Process',
  '0x110': 'Interactive Own Process',
  '0x120': 'Interactive Share Process',
});

/** Message-table names for the %%codes of file-share access lists (msobjs.dll). */
const ACCESS_CODES: Record<string, string> = table({
  '1537': 'DELETE',
  '1538': 'READ_CONTROL',
  '1539': 'WRITE_DAC',
  '1540': 'WRITE_OWNER',
  '1541': 'SYNCHRONIZE',
  '1542': 'ACCESS_SYS_SEC',
  '4416': 'ReadData (or ListDirectory)',
  '4417': 'WriteData (or AddFile)',
  '4418': 'AppendData (or AddSubdirectory or CreatePipeInstance)',
  '4419': 'ReadEA',
  '4420': 'WriteEA',
  '4421': 'Execute/Traverse',
  '4422': 'DeleteChild',
  '4423': 'ReadAttributes',
  '4424': 'WriteAttributes',
});

const WFP_DIRECTION: Record<string, string> = table({ '14592': 'ingress', '14593': 'egress' });
const IANA_TRANSPORT: Record<string, string> = table({ '1': 'icmp', '6': 'tcp', '17': 'udp', '58': 'ipv6-icmp' });

function setSourceFromIp(doc: Record<string, unknown>, data: EventData): void {
  const ip = str(data, 'IpAddress');
  const port = toLong(str(data, 'IpPort'));
  const ws = str(data, 'WorkstationName');
  if (ip === undefined && (port === undefined || port === 0) && ws === undefined) return;
  const source = child(doc, 'source');
  if (ip !== undefined) {
    source.ip = canonicalIp(ip);
    appendUnique(child(doc, 'related'), 'ip', source.ip as string);
  }
  if (port !== undefined && (ip !== undefined || port !== 0)) source.port = port;
  if (ws !== undefined) source.domain = ws;
}

function setProcessFromAuth(doc: Record<string, unknown>, data: EventData): void {
  const pid = toLong(str(data, 'ProcessId'));
  const exe = str(data, 'ProcessName');
  if (pid === undefined && exe === undefined) return;
  const process = child(doc, 'process');
  if (pid !== undefined) process.pid = pid;
  if (exe !== undefined) {
    process.executable = exe;
    process.name = basename(exe);
  }
}

function setProcess4688(doc: Record<string, unknown>, data: EventData): void {
  const process = child(doc, 'process');
  const pid = toLong(str(data, 'NewProcessId'));
  if (pid !== undefined) process.pid = pid;
  const exe = str(data, 'NewProcessName');
  if (exe !== undefined) {
    process.executable = exe;
    process.name = basename(exe);
  }
  const cmd = str(data, 'CommandLine');
  if (cmd !== undefined) {
    process.command_line = cmd;
    const args = splitCommandLine(cmd);
    process.args = args;
    process.args_count = args.length;
  }
  const ppid = toLong(str(data, 'ProcessId'));
  const pexe = str(data, 'ParentProcessName');
  if (ppid !== undefined || pexe !== undefined) {
    const parent = child(process, 'parent');
    if (ppid !== undefined) parent.pid = ppid;
    if (pexe !== undefined) {
      parent.executable = pexe;
      parent.name = basename(pexe);
    }
  }
}

function setShare(doc: Record<string, unknown>, data: EventData, eid: number): void {
  const list = str(data, 'AccessList');
  if (list !== undefined) {
    const codes = list.split(/\s+/).map((c) => c.replace('%%', '').trim()).filter((c) => c !== '');
    if (codes.length) {
      data.AccessList = codes;
      data.AccessListDescription = codes.map((c) => ACCESS_CODES[c] ?? c);
    }
  }
  if (eid !== 5145) return;
  const name = str(data, 'RelativeTargetName');
  if (name === undefined) return;
  const file = child(doc, 'file');
  file.name = name;
  const dir = str(data, 'ShareLocalPath');
  if (dir !== undefined) {
    file.directory = dir;
    file.path = dir.endsWith('\\') ? dir + name : dir + '\\' + name;
  }
  const share = str(data, 'ShareName');
  if (share !== undefined) file.target_path = share + '\\' + name;
}

function setFirewallConnection(doc: Record<string, unknown>, data: EventData): void {
  const network: Record<string, unknown> = {};
  const dir = str(data, 'Direction');
  if (dir !== undefined) {
    const d = WFP_DIRECTION[dir.replace('%%', '').trim()];
    if (d) network.direction = d;
  }
  const proto = str(data, 'Protocol');
  if (proto !== undefined) {
    network.iana_number = proto;
    const t = IANA_TRANSPORT[proto];
    if (t) network.transport = t;
  }
  if (Object.keys(network).length) doc.network = network;
  for (const [ipKey, portKey, target] of [
    ['SourceAddress', 'SourcePort', 'source'],
    ['DestAddress', 'DestPort', 'destination'],
  ] as const) {
    const ip = str(data, ipKey);
    const port = toLong(str(data, portKey));
    if (ip === undefined && port === undefined) continue;
    const end: Record<string, unknown> = {};
    if (ip !== undefined) {
      end.ip = canonicalIp(ip);
      appendUnique(child(doc, 'related'), 'ip', end.ip as string);
    }
    if (port !== undefined) end.port = port;
    doc[target] = end;
  }
  const pid = toLong(str(data, 'ProcessID') ?? str(data, 'ProcessId'));
  const app = str(data, 'Application');
  if (pid !== undefined || app !== undefined) {
    const process = child(doc, 'process');
    if (pid !== undefined) process.pid = pid;
    if (app !== undefined) {
      process.executable = app;
      process.name = basename(app);
    }
  }
}

export const mapSecurity: Mapper = (doc, data, rec) => {
  const eid = rec.eventId;
  const cat = SECURITY_CATEGORIES[eid];
  if (cat) categorize(doc, cat);
  child(doc, 'event').module = 'security';
  if (eid === 4625 && !(doc.event as Record<string, unknown>).outcome) (doc.event as Record<string, unknown>).outcome = 'failure';

  const logonType = str(data, 'LogonType');
  if (logonType !== undefined && LOGON_TYPES[logonType]) child(child(doc, 'winlog'), 'logon').type = LOGON_TYPES[logonType];

  if (eid === 1102) {
    // Log cleared: the account is in UserData (LogFileCleared), as Elastic's "Copy Subject User from user_data".
    const ud = (doc.winlog as Record<string, unknown>).user_data;
    if (ud && typeof ud === 'object') {
      setUserFrom(doc, ud as EventData, 'Subject');
      const id = str(ud as EventData, 'SubjectLogonId');
      if (id !== undefined) child(child(doc, 'winlog'), 'logon').id = id;
    }
  }
  if (TARGET_USER.has(eid)) setUserFrom(doc, data, 'Target');
  if (SUBJECT_USER.has(eid)) setUserFrom(doc, data, 'Subject');
  if (eid === 4648 || eid === 4688) setUserFrom(doc, data, 'Target', 'effective');
  if (eid === 4624 || eid === 4648) {
    const subject = str(data, 'SubjectUserName');
    if (subject !== undefined) appendUnique(child(doc, 'related'), 'user', subject);
  }

  // Elastic copies SubjectLogonId into winlog.logon.id for every event (also 4624, whose own session is
  // TargetLogonId: correlate 4624 → 4698 on winlog.event_data.TargetLogonId = SubjectLogonId).
  const logonId = str(data, 'SubjectLogonId') ?? (eid === 4634 || eid === 4647 ? str(data, 'TargetLogonId') : undefined);
  if (logonId !== undefined) child(child(doc, 'winlog'), 'logon').id = logonId;

  if (COMMON_AUTH.has(eid)) {
    setProcessFromAuth(doc, data);
    setSourceFromIp(doc, data);
  }
  if (eid === 4688) setProcess4688(doc, data);
  if (eid === 4672) {
    const priv = str(data, 'PrivilegeList');
    if (priv !== undefined && typeof data.PrivilegeList === 'string') data.PrivilegeList = priv.trim().split(/\s+/);
  }
  if (eid === 4697) {
    const name = str(data, 'ServiceName');
    const type = str(data, 'ServiceType');
    if (name !== undefined || type !== undefined) {
      const service = child(doc, 'service');
      if (name !== undefined) service.name = name;
      if (type !== undefined && SERVICE_TYPES[type]) service.type = SERVICE_TYPES[type];
    }
  }
  if (eid === 5140 || eid === 5145) setShare(doc, data, eid);
  if (eid === 5156) setFirewallConnection(doc, data);
};
