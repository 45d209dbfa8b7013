// Sysmon (Microsoft-Windows-Sysmon/Operational) → ECS, after Elastic's windows.sysmon_operational pipeline.
// Deviations, on purpose: consumed event data stays in winlog.event_data (Elastic removes it), registry hives are
// canonicalized (registry.ts), process.entity_id GUIDs are lowercased in braces (values.ts canonicalGuid), and
// Initiated is read in any letter case.
import type { Categorization, MapContext, Mapper } from './mapper.js';
import { categorize } from './mapper.js';
import { setRegistryFields } from './registry.js';
import { formatIso, parseTime } from './time.js';
import type { EventData } from './values.js';
import {
  appendUnique,
  basename,
  canonicalGuid,
  canonicalIp,
  child,
  dirname,
  extension,
  isSysmonEmpty,
  splitCommandLine,
  setOwn,
  splitDomainUser,
  str,
  table,
  toLong,
} from './values.js';
import type { WinRecord } from './win-record.js';

export const SYSMON_PROVIDER = 'Microsoft-Windows-Sysmon';
export const SYSMON_CHANNEL = 'Microsoft-Windows-Sysmon/Operational';

const C = (action: string, category: string[] | undefined, type: string[], outcome?: string): Categorization =>
  outcome ? { action, category, type, outcome } : { action, category, type };

/** Elastic's categorization table for Sysmon event ids (record-kinds.ts reads it too: one table, no drift). */
export const SYSMON_CATEGORIES: Readonly<Record<number, Categorization>> = {
  1: C('Process creation', ['process'], ['start']),
  2: C('A process changed a file creation time', ['file'], ['change']),
  3: C('Network connection', ['network'], ['start', 'connection', 'protocol']),
  4: C('Sysmon service state changed', ['process'], ['change']),
  5: C('Process terminated', ['process'], ['end']),
  6: C('Driver loaded', ['driver'], ['start']),
  7: C('Image loaded', ['process'], ['change']),
  8: C('CreateRemoteThread', ['process'], ['change']),
  9: C('RawAccessRead', ['process'], ['access']),
  10: C('ProcessAccess', ['process'], ['access']),
  11: C('FileCreate', ['file'], ['creation']),
  12: C('RegistryEvent (Object create and delete)', ['configuration', 'registry'], ['change']),
  13: C('RegistryEvent (Value Set)', ['configuration', 'registry'], ['change']),
  14: C('RegistryEvent (Key and Value Rename)', ['configuration', 'registry'], ['change']),
  15: C('FileCreateStreamHash', ['file'], ['access']),
  16: C('ServiceConfigurationChange', ['configuration'], ['change']),
  17: C('PipeEvent (Pipe Created)', ['file'], ['creation']),
  18: C('PipeEvent (Pipe Connected)', ['file'], ['access']),
  19: C('WmiEvent (WmiEventFilter activity detected)', ['process'], ['info']),
  20: C('WmiEvent (WmiEventConsumer activity detected)', ['process'], ['change']),
  21: C('WmiEvent (WmiEventConsumerToFilter activity detected)', ['process'], ['access']),
  22: C('DNSEvent (DNS query)', ['network'], ['connection', 'protocol', 'info']),
  23: C('FileDelete (File Delete archived)', ['file'], ['deletion']),
  24: C('ClipboardChange (New content in the clipboard)', undefined, ['change']),
  25: C('ProcessTampering (Process image change)', ['process'], ['change']),
  26: C('FileDeleteDetected (File Delete logged)', ['file'], ['deletion']),
  27: C('FileBlockExecutable', ['file'], ['creation'], 'failure'),
  28: C('FileBlockShredding', ['file'], ['deletion']),
  29: C('FileExecutableDetected', ['file'], ['creation']),
};

const PROCESS_HASH_EIDS = new Set([1, 23, 24, 25]);
const FILE_HASH_EIDS = new Set([6, 7, 15, 26, 29]);

/** Event data without the values Elastic's pipeline drops first (null, "", "-", zero GUID); same object when clean. */
export function cleanSysmonData(data: EventData): EventData {
  let dirty = false;
  for (const k in data) {
    if (isSysmonEmpty(data[k])) {
      dirty = true;
      break;
    }
  }
  if (!dirty) return data;
  const out: EventData = {};
  for (const k in data) {
    const v = data[k];
    if (!isSysmonEmpty(v)) setOwn(out, k, v);
  }
  return out;
}

const DNS_STATUS: Record<string, string> = table({
  '0': 'SUCCESS',
  '5': 'ERROR_ACCESS_DENIED',
  '123': 'ERROR_INVALID_NAME',
  '1460': 'ERROR_TIMEOUT',
  '9001': 'DNS_ERROR_RCODE_FORMAT_ERROR',
  '9002': 'DNS_ERROR_RCODE_SERVER_FAILURE',
  '9003': 'DNS_ERROR_RCODE_NAME_ERROR',
  '9004': 'DNS_ERROR_RCODE_NOT_IMPLEMENTED',
  '9005': 'DNS_ERROR_RCODE_REFUSED',
  '9501': 'DNS_INFO_NO_RECORDS',
  '9701': 'DNS_ERROR_RECORD_DOES_NOT_EXIST',
});

const DNS_TYPES: Record<string, string> = table({
  '1': 'A', '2': 'NS', '5': 'CNAME', '6': 'SOA', '12': 'PTR', '15': 'MX', '16': 'TXT', '28': 'AAAA', '33': 'SRV', '255': 'ANY',
});

function setProcess(doc: Record<string, unknown>, data: EventData): void {
  const guid = str(data, 'ProcessGuid') ?? str(data, 'SourceProcessGuid') ?? str(data, 'SourceProcessGUID');
  const pid = toLong(str(data, 'ProcessId') ?? str(data, 'SourceProcessId'));
  const exe = str(data, 'Image') ?? str(data, 'SourceImage') ?? str(data, 'Destination');
  const cmd = str(data, 'CommandLine');
  const cwd = str(data, 'CurrentDirectory');
  if (guid === undefined && pid === undefined && exe === undefined && cmd === undefined) return;
  const process = child(doc, 'process');
  if (guid !== undefined) process.entity_id = canonicalGuid(guid);
  if (pid !== undefined) process.pid = pid;
  if (exe !== undefined) {
    process.executable = exe;
    process.name = basename(exe);
  }
  if (cmd !== undefined) {
    process.command_line = cmd;
    const args = splitCommandLine(cmd);
    process.args = args;
    process.args_count = args.length;
  }
  if (cwd !== undefined) process.working_directory = cwd;
  const tid = toLong(str(data, 'SourceThreadId'));
  if (tid !== undefined) process.thread = { id: tid };

  const pGuid = str(data, 'ParentProcessGuid');
  const pPid = toLong(str(data, 'ParentProcessId'));
  const pExe = str(data, 'ParentImage');
  const pCmd = str(data, 'ParentCommandLine');
  if (pGuid !== undefined || pPid !== undefined || pExe !== undefined || pCmd !== undefined) {
    const parent = child(process, 'parent');
    if (pGuid !== undefined) parent.entity_id = canonicalGuid(pGuid);
    if (pPid !== undefined) parent.pid = pPid;
    if (pExe !== undefined) {
      parent.executable = pExe;
      parent.name = basename(pExe);
    }
    if (pCmd !== undefined) {
      parent.command_line = pCmd;
      const args = splitCommandLine(pCmd);
      parent.args = args;
      parent.args_count = args.length;
    }
  }
}

function setPe(doc: Record<string, unknown>, data: EventData, eid: number): void {
  if (eid === 7) return;
  const fields: Array<[string, string]> = [
    ['OriginalFileName', 'original_file_name'],
    ['Company', 'company'],
    ['Description', 'description'],
    ['FileVersion', 'file_version'],
    ['Product', 'product'],
  ];
  let pe: Record<string, unknown> | undefined;
  for (const [from, to] of fields) {
    const v = str(data, from);
    if (v === undefined) continue;
    pe ??= child(child(doc, 'process'), 'pe');
    pe[to] = v;
  }
}

function setHashes(doc: Record<string, unknown>, data: EventData, eid: number): void {
  const raw = str(data, 'Hashes') ?? str(data, 'Hash');
  if (raw === undefined) return;
  const hashes: Record<string, unknown> = {};
  let imphash: string | undefined;
  const related: string[] = [];
  for (const part of raw.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const k = part.slice(0, eq).trim().toLowerCase();
    const v = part.slice(eq + 1).trim().toLowerCase();
    if (v === '' || /^0*$/.test(v)) continue;
    if (k === 'imphash') imphash = v;
    else hashes[k] = v;
    related.push(v);
  }
  const target = PROCESS_HASH_EIDS.has(eid) ? 'process' : FILE_HASH_EIDS.has(eid) ? 'file' : undefined;
  if (target) {
    const obj = child(doc, target);
    if (Object.keys(hashes).length) obj.hash = hashes;
    if (imphash) child(obj, 'pe').imphash = imphash;
  }
  if (related.length) {
    const r = child(doc, 'related');
    for (const h of related) appendUnique(r, 'hash', h);
  }
}

function setUser(doc: Record<string, unknown>, data: EventData, rec: WinRecord): void {
  const user = str(data, 'User');
  const parts = user === undefined ? undefined : splitDomainUser(user);
  if (!rec.userId && !parts) return;
  const u = child(doc, 'user');
  if (rec.userId) u.id = rec.userId;
  if (parts) {
    u.domain = parts[0];
    u.name = parts[1];
    appendUnique(child(doc, 'related'), 'user', parts[1]);
  }
}

function setFile(doc: Record<string, unknown>, data: EventData): void {
  const path = str(data, 'TargetFilename');
  if (path === undefined) return;
  const file = child(doc, 'file');
  file.path = path;
  const name = basename(path);
  file.name = name;
  const dir = dirname(path);
  if (dir !== undefined) file.directory = dir;
  const ext = extension(name);
  if (ext !== undefined) file.extension = ext;
}

/** Initiated (any letter case): true → egress, false → ingress. */
export function directionFromInitiated(v: string | undefined): 'egress' | 'ingress' | undefined {
  if (v === undefined) return undefined;
  const t = v.trim().toLowerCase();
  return t === 'true' ? 'egress' : t === 'false' ? 'ingress' : undefined;
}

function setNetwork(doc: Record<string, unknown>, data: EventData, eid: number): void {
  const network: Record<string, unknown> = {};
  const transport = str(data, 'Protocol');
  if (transport !== undefined) network.transport = transport.toLowerCase();
  if (eid === 22) network.protocol = 'dns';
  else {
    const proto = str(data, 'DestinationPortName') ?? str(data, 'SourcePortName');
    if (proto !== undefined) network.protocol = proto;
  }
  const direction = directionFromInitiated(str(data, 'Initiated'));
  if (direction) network.direction = direction;
  const v6 = str(data, 'SourceIsIpv6');
  if (v6 !== undefined) {
    const t = v6.toLowerCase();
    if (t === 'true') network.type = 'ipv6';
    else if (t === 'false') network.type = 'ipv4';
  }
  if (Object.keys(network).length) doc.network = network;

  for (const [prefix, target] of [['Source', 'source'], ['Destination', 'destination']] as const) {
    const ip = str(data, prefix + 'Ip');
    const port = toLong(str(data, prefix + 'Port'));
    const domain = str(data, prefix + 'Hostname');
    if (ip === undefined && port === undefined && domain === undefined) continue;
    const end: Record<string, unknown> = {};
    if (ip !== undefined) {
      end.ip = canonicalIp(ip);
      appendUnique(child(doc, 'related'), 'ip', end.ip as string);
    }
    if (port !== undefined) end.port = port;
    if (domain !== undefined) end.domain = domain;
    doc[target] = end;
  }
}

function setDns(doc: Record<string, unknown>, data: EventData): void {
  const name = str(data, 'QueryName');
  const dns: Record<string, unknown> = {};
  if (name !== undefined) {
    dns.question = { name };
    appendUnique(child(doc, 'related'), 'hosts', name);
  }
  const results = str(data, 'QueryResults');
  if (results !== undefined) {
    const answers: Array<Record<string, string>> = [];
    const ips: string[] = [];
    for (const raw of results.split(';')) {
      const answer = raw.trim();
      if (answer === '') continue;
      if (answer.startsWith('type:')) {
        const parts = answer.split(/\s+/);
        const type = DNS_TYPES[parts[1] ?? ''] ?? parts[1] ?? '';
        if (parts.length >= 3) {
          answers.push({ type, data: parts[2]! });
          appendUnique(child(doc, 'related'), 'hosts', parts[2]!);
        } else answers.push({ type });
      } else {
        ips.push(canonicalIp(answer));
      }
    }
    for (const ip of ips) {
      answers.push({ type: ip.indexOf(':') >= 0 ? 'AAAA' : 'A', data: ip });
      appendUnique(child(doc, 'related'), 'ip', ip);
    }
    if (answers.length) dns.answers = answers;
    if (ips.length) dns.resolved_ip = ips;
  }
  if (Object.keys(dns).length) doc.dns = dns;
  const status = str(data, 'QueryStatus');
  if (status !== undefined) doc.sysmon = { dns: { status: DNS_STATUS[status] ?? status } };
}

/** Maps any Sysmon event (categorization by id, then every field group whose inputs are present). */
export const mapSysmon: Mapper = (doc, data, rec, ctx: MapContext) => {
  const eid = rec.eventId;
  const cat = SYSMON_CATEGORIES[eid];
  if (cat) categorize(doc, cat);
  child(doc, 'event').module = 'sysmon';
  let timestamp: number | undefined;
  const utc = str(data, 'UtcTime');
  if (utc !== undefined) {
    // Sysmon writes UtcTime in UTC without a zone: never reinterpreted by the timezone option.
    const t = parseTime(utc);
    if (t !== undefined) {
      timestamp = t + ctx.timeOffsetMs;
      doc['@timestamp'] = formatIso(timestamp);
    }
  }
  const ruleName = str(data, 'RuleName');
  if (ruleName !== undefined) doc.rule = { name: ruleName };
  setHashes(doc, data, eid);
  setProcess(doc, data);
  setPe(doc, data, eid);
  setUser(doc, data, rec);
  if (eid === 3 || eid === 22) setNetwork(doc, data, eid);
  if (eid === 22) setDns(doc, data);
  if (eid === 12 || eid === 13 || eid === 14) {
    const target = str(data, 'TargetObject');
    if (target !== undefined) setRegistryFields(doc, target, str(data, 'Details'));
  }
  setFile(doc, data);
  return timestamp;
};
