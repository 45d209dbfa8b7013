// One simulated Windows host: its processes, and the events its logs and Elastic Defend write for each activity.
// Every activity emits the Windows events (Sysmon, Security, Task Scheduler) and the Defend documents together,
// so all output formats describe the same facts.
import type { DataValue, WinEvent } from '../formats/types.js';
import type { EcsDocument } from '../normalize/types.js';
import { encodeActions } from './actions-blob.js';
import { Rng, hash32 } from './random.js';
import { taskXml, type TaskDefinition } from './task-xml.js';

export const CHANNEL = {
  sysmon: 'Microsoft-Windows-Sysmon/Operational',
  security: 'Security',
  taskScheduler: 'Microsoft-Windows-TaskScheduler/Operational',
} as const;

const PROVIDER = {
  sysmon: { provider: 'Microsoft-Windows-Sysmon', providerGuid: '{5770385F-C22A-43E0-BF4C-06F5698FFBD9}' },
  security: { provider: 'Microsoft-Windows-Security-Auditing', providerGuid: '{54849625-5478-4994-A5BA-3E3B0328C30D}' },
  taskScheduler: { provider: 'Microsoft-Windows-TaskScheduler', providerGuid: '{DE7B24EA-73C8-4A09-985D-5BDADCFA9017}' },
} as const;

const TASKCACHE = 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache';

/** A record the host wrote: a Windows event (with its write time) and/or a Defend document. */
export interface SimRecord {
  /** Write time (TimeCreated), epoch ms: the order records appear in their log. */
  written: number;
  /** Insertion order, to keep equal write times stable. */
  seq: number;
  win?: WinEvent;
  defend?: EcsDocument;
}

export interface SimProcess {
  pid: number;
  /** Sysmon ProcessGuid, "{...}" lowercase. */
  guid: string;
  /** Elastic Defend process.entity_id (opaque base64). */
  entityId: string;
  image: string;
  commandLine: string;
  /** DOMAIN\\name as Sysmon renders it. */
  user: string;
  logonId: string;
  integrity: 'System' | 'High' | 'Medium';
  parent?: SimProcess;
  start: number;
}

export interface Account {
  domain: string;
  /** DNS domain, upper-case, as Kerberos logons render TargetDomainName. */
  dnsDomain: string;
  name: string;
  sid: string;
}

export interface Endpoint {
  ip: string;
  port: number;
}

export interface Logon {
  id: string;
  account: Account;
  type: number;
}

export interface RpcCaller {
  /** RpcCallClientLocality: "0" remote (or unknown), "1" local. */
  locality: '0' | '1';
  clientPid: number;
}

export const SYSTEM_ACCOUNT: Account = { domain: 'NT AUTHORITY', dnsDomain: 'NT AUTHORITY', name: 'SYSTEM', sid: 'S-1-5-18' };

/** Formats epoch ms (fractional part = sub-millisecond) as TimeCreated/@SystemTime: 7 fraction digits. */
export function systemTime(ms: number): string {
  // Integer 100 ns ticks first, so fractional milliseconds never round to ...9999.
  const ticks = Math.round(ms * 10000);
  const whole = Math.floor(ticks / 10000);
  return new Date(whole).toISOString().replace('Z', `${String(ticks - whole * 10000).padStart(4, '0')}Z`);
}

/** Sysmon UtcTime: "yyyy-MM-dd HH:mm:ss.SSS". */
export function sysmonTime(ms: number): string {
  return new Date(Math.floor(ms)).toISOString().replace('T', ' ').replace('Z', '');
}

const isoMs = (ms: number) => new Date(Math.floor(ms)).toISOString();

/** Local task-XML date ("2020-12-19T07:00:22", no zone); the simulated hosts run on UTC. */
export function taskDate(ms: number): string {
  return new Date(Math.floor(ms)).toISOString().slice(0, 19);
}

const basename = (path: string) => path.slice(path.lastIndexOf('\\') + 1);

/** Shared sink: all hosts of one simulation write here. */
export class Recorder {
  readonly records: SimRecord[] = [];
  private seq = 0;
  add(written: number, win?: WinEvent, defend?: EcsDocument): void {
    this.records.push({ written, seq: this.seq++, win, defend });
  }
}

export class SimHost {
  readonly processes = new Map<string, SimProcess>();
  readonly agentId: string;
  private readonly rng: Rng;
  private readonly machine: string;
  private counter: number;
  /** Last logon id (LUID) handed out: Windows allocates them increasing from boot. */
  private luid: number;
  private readonly sysmonPid: number;
  private readonly lsassPid: number;
  private defendSeq: number;

  constructor(
    readonly computer: string,
    readonly ip: string,
    private readonly rec: Recorder,
    seed: number,
    bootTime: number,
  ) {
    // The agent is the host's for a seed; everything the host allocates while it runs (pids, logon ids, GUIDs,
    // counters) also depends on when it booted, so runs at another --time never repeat a run's ids.
    this.agentId = new Rng(seed ^ hash32(computer)).guid();
    this.rng = new Rng(hash32(`${seed}|${computer}|${bootTime}`));
    this.machine = hash32(`machine:${computer}`).toString(16).padStart(8, '0');
    this.counter = this.rng.int(0x10, 0xe000);
    this.luid = this.rng.int(0x100000, 0x4000000);
    this.defendSeq = this.rng.int(100_000, 90_000_000);
    this.lsassPid = this.rng.int(600, 800) & ~3;
    this.sysmonPid = this.rng.int(2000, 3200) & ~3;
    const boot = bootTime;
    const svc = (key: string, image: string, cmd: string, user: string) => this.spawnQuiet(key, image, cmd, user, boot + this.rng.int(2000, 9000));
    svc('system', 'System', 'System', 'NT AUTHORITY\\SYSTEM').pid = 4;
    svc('rpcss', 'C:\\Windows\\System32\\svchost.exe', 'C:\\Windows\\system32\\svchost.exe -k RPCSS -p', 'NT AUTHORITY\\NETWORK SERVICE');
    svc('schedule', 'C:\\Windows\\System32\\svchost.exe', 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule', 'NT AUTHORITY\\SYSTEM');
    svc('winrm', 'C:\\Windows\\System32\\svchost.exe', 'C:\\Windows\\System32\\svchost.exe -k NetworkService -p -s WinRM', 'NT AUTHORITY\\NETWORK SERVICE');
    svc('eventlog', 'C:\\Windows\\System32\\svchost.exe', 'C:\\Windows\\System32\\svchost.exe -k LocalServiceNetworkRestricted -p -s EventLog', 'NT AUTHORITY\\LOCAL SERVICE');
    svc('dcomlaunch', 'C:\\Windows\\System32\\svchost.exe', 'C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p', 'NT AUTHORITY\\SYSTEM');
    svc('ime', 'C:\\Program Files (x86)\\Microsoft Intune Management Extension\\Microsoft.Management.Services.IntuneWindowsAgent.exe', '"C:\\Program Files (x86)\\Microsoft Intune Management Extension\\Microsoft.Management.Services.IntuneWindowsAgent.exe"', 'NT AUTHORITY\\SYSTEM');
  }

  get shortName(): string {
    return this.computer.split('.')[0]!;
  }

  proc(key: string): SimProcess {
    const p = this.processes.get(key);
    if (!p) throw new Error(`simulated host ${this.computer} has no process '${key}'`);
    return p;
  }

  private newGuid(start: number): string {
    const secs = Math.floor(start / 1000).toString(16).padStart(8, '0');
    const counter = (this.counter++ & 0xffff).toString(16).padStart(4, '0');
    return `{${this.machine}-${secs.slice(4)}-${secs.slice(0, 4)}-${counter.slice(2)}${counter.slice(0, 2)}-000000000600}`;
  }

  private entityIdFor(pid: number, start: number): string {
    return Buffer.from(`${this.agentId}-${pid}-${Math.floor(start * 10000 + 116444736000000000)}`).toString('base64');
  }

  /** A process that already runs (no start event). */
  private spawnQuiet(key: string, image: string, commandLine: string, user: string, start: number, parent?: SimProcess): SimProcess {
    const pid = this.rng.int(300, 9000) & ~3;
    const p: SimProcess = { pid, guid: this.newGuid(start), entityId: this.entityIdFor(pid, start), image, commandLine, user, logonId: '0x3e7', integrity: 'System', parent, start };
    this.processes.set(key, p);
    return p;
  }

  // ---- event builders -------------------------------------------------------------------------------------------

  private win(source: keyof typeof PROVIDER, eventId: number, written: number, data: Record<string, DataValue>, extra: { version: number; task: number; level?: number; keywords?: string; pid?: number; userId?: string }): WinEvent {
    return {
      system: {
        ...PROVIDER[source],
        eventId,
        version: extra.version,
        level: extra.level ?? (source === 'security' ? 0 : 4),
        task: extra.task,
        opcode: 0,
        keywords: extra.keywords ?? (source === 'security' ? '0x8020000000000000' : '0x8000000000000000'),
        timeCreated: systemTime(written),
        processId: extra.pid ?? (source === 'sysmon' ? this.sysmonPid : source === 'security' ? this.lsassPid : this.proc('schedule').pid),
        threadId: this.rng.int(1000, 9000) & ~3,
        channel: CHANNEL[source],
        computer: this.computer,
        ...(source === 'security' ? {} : { userId: extra.userId ?? 'S-1-5-18' }),
      },
      eventData: data,
    };
  }

  private sysmon(eventId: number, version: number, at: number, written: number, data: Record<string, DataValue>): void {
    // Sysmon's field order: RuleName, EventType (registry events), UtcTime, then the event's own fields.
    const { EventType, ...rest } = data;
    const ordered: Record<string, DataValue> = EventType === undefined ? { RuleName: '-', UtcTime: sysmonTime(at), ...rest } : { RuleName: '-', EventType, UtcTime: sysmonTime(at), ...rest };
    this.rec.add(written, this.win('sysmon', eventId, written, ordered, { version, task: eventId }));
  }

  private security(eventId: number, version: number, task: number, written: number, data: Record<string, DataValue>, pid?: number): void {
    this.rec.add(written, this.win('security', eventId, written, data, { version, task, pid }));
  }

  private taskScheduler(eventId: number, version: number, written: number, data: Record<string, DataValue>): void {
    this.rec.add(written, this.win('taskScheduler', eventId, written, data, { version, task: eventId }));
  }

  private defendBase(at: number, dataset: string, category: string, type: string, action: string, p: SimProcess): EcsDocument {
    const [domain, name] = splitUser(p.user);
    return {
      '@timestamp': isoMs(at),
      agent: { type: 'endpoint', id: this.agentId, version: '8.15.0' },
      data_stream: { type: 'logs', dataset, namespace: 'default' },
      ecs: { version: '8.11.0' },
      event: { kind: 'event', category: [category], type: [type], action, dataset, module: 'endpoint', id: `${this.agentId.slice(0, 8)}-${++this.defendSeq}`, sequence: this.defendSeq, created: isoMs(at), outcome: 'unknown' },
      host: { id: this.agentId, name: this.shortName, hostname: this.shortName, ip: [this.ip], os: { type: 'windows', family: 'windows', name: 'Windows', platform: 'windows', kernel: '22H2 (10.0.19045.4046)' } },
      process: { pid: p.pid, entity_id: p.entityId, name: basename(p.image), executable: p.image },
      user: { domain, name, id: p.user === 'NT AUTHORITY\\SYSTEM' ? 'S-1-5-18' : undefined },
    };
  }

  /**
   * A TCP connection. `local` is this host's side. Sysmon's record can be written late (`sysmonWrittenAt`) with its
   * UtcTime still the connection time: the lag seen in the real capture.
   */
  connection(at: number, p: SimProcess, dir: 'in' | 'out', remote: Endpoint, localPort: number, opts: { sysmonWrittenAt?: number; wfp?: boolean } = {}): void {
    const inbound = dir === 'in';
    const src = inbound ? remote : { ip: this.ip, port: localPort };
    const dst = inbound ? { ip: this.ip, port: localPort } : remote;
    if (opts.wfp !== false) {
      this.security(5156, 1, 12810, at, {
        ProcessID: String(p.pid),
        Application: p.pid === 4 ? 'System' : `\\device\\harddiskvolume2\\${p.image.slice(3).toLowerCase()}`,
        Direction: inbound ? '%%14592' : '%%14593',
        SourceAddress: inbound ? src.ip : this.ip,
        SourcePort: String(inbound ? src.port : localPort),
        DestAddress: inbound ? this.ip : dst.ip,
        DestPort: String(dst.port),
        Protocol: '6',
        FilterRTID: String(inbound ? 80863 : 77287),
        LayerName: inbound ? '%%14610' : '%%14611',
        LayerRTID: inbound ? '44' : '48',
        RemoteUserID: 'S-1-0-0',
        RemoteMachineID: 'S-1-0-0',
      });
    }
    const v6 = (ip: string) => String(ip.includes(':'));
    this.sysmon(3, 5, at, opts.sysmonWrittenAt ?? at + 2 + this.rng.int(0, 8), {
      ProcessGuid: p.guid,
      ProcessId: String(p.pid),
      Image: p.pid === 4 ? 'System' : p.image,
      User: p.user,
      Protocol: 'tcp',
      Initiated: String(!inbound),
      SourceIsIpv6: v6(src.ip),
      SourceIp: src.ip,
      SourceHostname: '-',
      SourcePort: String(src.port),
      SourcePortName: '-',
      DestinationIsIpv6: v6(dst.ip),
      DestinationIp: dst.ip,
      DestinationHostname: '-',
      DestinationPort: String(dst.port),
      DestinationPortName: '-',
    });
    const doc = this.defendBase(at, 'endpoint.events.network', 'network', 'start', inbound ? 'connection_accepted' : 'connection_attempted', p);
    Object.assign(doc, {
      source: { ip: src.ip, port: src.port, address: src.ip },
      destination: { ip: dst.ip, port: dst.port, address: dst.ip },
      network: { direction: inbound ? 'incoming' : 'outgoing', transport: 'tcp', type: src.ip.includes(':') ? 'ipv6' : 'ipv4' },
      message: 'Endpoint network event',
    });
    this.rec.add(at, undefined, doc);
  }

  /** A new logon id, greater than the previous ones (call in time order). */
  newLogonId(): string {
    this.luid += this.rng.int(0x40, 0x40000);
    return `0x${this.luid.toString(16)}`;
  }

  /** Security 4624 (+4672 for administrators). `from` undefined: no address recorded (RPC over a named pipe). */
  logon(at: number, account: Account, type: number, from: Endpoint | undefined, auth: 'Kerberos' | 'NTLM', admin = true): Logon {
    const id = this.newLogonId();
    const kerberos = auth === 'Kerberos';
    this.security(4624, 2, 12544, at, {
      SubjectUserSid: 'S-1-0-0',
      SubjectUserName: '-',
      SubjectDomainName: '-',
      SubjectLogonId: '0x0',
      TargetUserSid: account.sid,
      TargetUserName: account.name,
      TargetDomainName: kerberos ? account.dnsDomain : account.domain,
      TargetLogonId: id,
      LogonType: String(type),
      LogonProcessName: kerberos ? 'Kerberos' : 'NtLmSsp ',
      AuthenticationPackageName: kerberos ? 'Kerberos' : 'NTLM',
      WorkstationName: kerberos || !from ? '-' : `WKS${from.ip.split('.').pop()}`,
      LogonGuid: kerberos ? `{${this.rng.guid()}}` : '{00000000-0000-0000-0000-000000000000}',
      TransmittedServices: '-',
      LmPackageName: kerberos ? '-' : 'NTLM V2',
      KeyLength: kerberos ? '0' : '128',
      ProcessId: '0x0',
      ProcessName: '-',
      IpAddress: from ? from.ip : '-',
      IpPort: from ? String(from.port) : '-',
      ImpersonationLevel: '%%1833',
      RestrictedAdminMode: '-',
      TargetOutboundUserName: '-',
      TargetOutboundDomainName: '-',
      VirtualAccount: '%%1843',
      TargetLinkedLogonId: '0x0',
      ElevatedToken: '%%1842',
    });
    if (admin) {
      this.security(4672, 0, 12548, at + 0.0012, {
        SubjectUserSid: account.sid,
        SubjectUserName: account.name,
        SubjectDomainName: account.domain,
        SubjectLogonId: id,
        PrivilegeList: 'SeSecurityPrivilege\n\t\t\tSeBackupPrivilege\n\t\t\tSeRestorePrivilege\n\t\t\tSeTakeOwnershipPrivilege\n\t\t\tSeDebugPrivilege\n\t\t\tSeSystemEnvironmentPrivilege\n\t\t\tSeLoadDriverPrivilege\n\t\t\tSeImpersonatePrivilege\n\t\t\tSeDelegateSessionUserImpersonatePrivilege',
      });
    }
    return { id, account, type };
  }

  logoff(at: number, logon: Logon): void {
    this.security(4634, 0, 12545, at, { TargetUserSid: logon.account.sid, TargetUserName: logon.account.name, TargetDomainName: logon.account.domain, TargetLogonId: logon.id, LogonType: String(logon.type) });
  }

  /** 5140 (share session) and 5145 (object access check) for a file or pipe on a share. */
  shareAccess(at: number, logon: Logon, from: Endpoint, share: string, relativeTarget: string, opts: { first?: boolean; accessMask: string; accessList: string }): void {
    const subject = { SubjectUserSid: logon.account.sid, SubjectUserName: logon.account.name, SubjectDomainName: logon.account.domain, SubjectLogonId: logon.id, ObjectType: 'File', IpAddress: from.ip, IpPort: String(from.port) };
    const localPath = share.endsWith('IPC$') ? '' : share.endsWith('ADMIN$') ? '\\??\\C:\\Windows' : '\\??\\C:\\';
    if (opts.first) {
      this.security(5140, 1, 12808, at, { ...subject, ShareName: share, ShareLocalPath: localPath, AccessMask: '0x1', AccessList: '%%4416\n\t\t\t\t' }, 4);
    }
    this.security(5145, 0, 12811, at + 0.0156, { ...subject, ShareName: share, ShareLocalPath: localPath, RelativeTargetName: relativeTarget, AccessMask: opts.accessMask, AccessList: opts.accessList, AccessReason: '-' }, 4);
  }

  /** A new process: Sysmon 1, Security 4688, Defend process start. */
  spawn(at: number, key: string, image: string, commandLine: string, parent: SimProcess, opts: { user?: string; logonId?: string; integrity?: SimProcess['integrity']; meta?: PeMeta } = {}): SimProcess {
    const pid = this.rng.int(1000, 12000) & ~3;
    const p: SimProcess = { pid, guid: this.newGuid(at), entityId: this.entityIdFor(pid, at), image, commandLine, user: opts.user ?? parent.user, logonId: opts.logonId ?? parent.logonId, integrity: opts.integrity ?? parent.integrity, parent, start: at };
    this.processes.set(key, p);
    const meta = opts.meta ?? peMeta(image);
    this.sysmon(1, 5, at, at + 1.8, {
      ProcessGuid: p.guid,
      ProcessId: String(pid),
      Image: image,
      FileVersion: meta.version,
      Description: meta.description,
      Product: meta.product,
      Company: meta.company,
      OriginalFileName: meta.original,
      CommandLine: commandLine,
      CurrentDirectory: 'C:\\Windows\\system32\\',
      User: p.user,
      LogonGuid: `{${this.machine}-0000-0000-0000-000000000000}`,
      LogonId: p.logonId,
      TerminalSessionId: '0',
      IntegrityLevel: p.integrity,
      Hashes: `SHA1=${this.rng.hex(40).toUpperCase()},MD5=${this.rng.hex(32).toUpperCase()},SHA256=${this.rng.hex(64).toUpperCase()},IMPHASH=${this.rng.hex(32).toUpperCase()}`,
      ParentProcessGuid: parent.guid,
      ParentProcessId: String(parent.pid),
      ParentImage: parent.image,
      ParentCommandLine: parent.commandLine,
    });
    const [domain, name] = splitUser(p.user);
    this.security(4688, 2, 13312, at + 0.4, {
      SubjectUserSid: p.user === 'NT AUTHORITY\\SYSTEM' ? 'S-1-5-18' : 'S-1-5-20',
      SubjectUserName: p.user === 'NT AUTHORITY\\SYSTEM' ? `${this.shortName}$` : name,
      SubjectDomainName: p.user === 'NT AUTHORITY\\SYSTEM' ? this.computer.split('.')[1]?.toUpperCase() ?? 'WORKGROUP' : domain,
      SubjectLogonId: p.logonId,
      NewProcessId: `0x${pid.toString(16)}`,
      NewProcessName: image,
      TokenElevationType: '%%1936',
      ProcessId: `0x${parent.pid.toString(16)}`,
      CommandLine: commandLine,
      TargetUserSid: 'S-1-0-0',
      TargetUserName: '-',
      TargetDomainName: '-',
      TargetLogonId: '0x0',
      ParentProcessName: parent.image,
      MandatoryLabel: p.integrity === 'System' ? 'S-1-16-16384' : p.integrity === 'High' ? 'S-1-16-12288' : 'S-1-16-8192',
    });
    const doc = this.defendBase(at, 'endpoint.events.process', 'process', 'start', 'start', p);
    Object.assign(doc.process as object, {
      command_line: commandLine,
      args: splitArgs(commandLine),
      parent: { pid: parent.pid, entity_id: parent.entityId, name: basename(parent.image), executable: parent.image, command_line: parent.commandLine },
    });
    doc.message = 'Endpoint process event';
    this.rec.add(at, undefined, doc);
    return p;
  }

  /** Sysmon 7-style activity is not modelled; a provider host doing work shows as its file writes (Sysmon 11). */
  fileCreate(at: number, p: SimProcess, path: string, written = at + 1.1): void {
    this.sysmon(11, 2, at, written, { ProcessGuid: p.guid, ProcessId: String(p.pid), Image: p.image, TargetFilename: path, CreationUtcTime: sysmonTime(at) });
    const doc = this.defendBase(at, 'endpoint.events.file', 'file', 'creation', 'creation', p);
    doc.file = { path, name: basename(path), directory: path.slice(0, path.lastIndexOf('\\')) };
    doc.message = 'Endpoint file event';
    this.rec.add(at, undefined, doc);
  }

  private registry(at: number, written: number, p: SimProcess, eventType: 'CreateKey' | 'SetValue' | 'DeleteKey', path: string, value?: { type: 'REG_SZ' | 'REG_DWORD' | 'REG_BINARY'; data: string | number | Buffer }): void {
    const image = p.image.replace(/^C:\\Windows\\System32\\/i, 'C:\\windows\\system32\\');
    const base = { EventType: eventType, ProcessGuid: p.guid, ProcessId: String(p.pid), Image: image, TargetObject: path };
    if (eventType === 'SetValue' && value) {
      const details = value.type === 'REG_BINARY' ? 'Binary Data' : value.type === 'REG_DWORD' ? `DWORD (0x${(value.data as number).toString(16).padStart(8, '0')})` : String(value.data);
      this.sysmon(13, 2, at, written, { ...base, Details: details });
    } else {
      this.sysmon(12, 2, at, written, base);
    }
    // Defend reports value writes (not bare key creation) as registry modifications, deletions as deletion.
    if (eventType === 'CreateKey') return;
    const doc = this.defendBase(at, 'endpoint.events.registry', 'registry', eventType === 'DeleteKey' ? 'deletion' : 'change', eventType === 'DeleteKey' ? 'deletion' : 'modification', p);
    const lastSlash = path.lastIndexOf('\\');
    const reg: Record<string, unknown> = { hive: 'HKLM', path, key: eventType === 'DeleteKey' ? path.slice(5) : path.slice(5, lastSlash), value: path.slice(lastSlash + 1) };
    if (value) {
      reg.data =
        value.type === 'REG_BINARY'
          ? { type: 'REG_BINARY', bytes: (value.data as Buffer).toString('base64') }
          : { type: value.type, strings: [String(value.data)] };
    }
    doc.registry = reg;
    doc.message = 'Endpoint registry event';
    this.rec.add(at, undefined, doc);
  }

  /**
   * Registration through the Task Scheduler service (whatever the client): the TaskCache burst by the Schedule
   * svchost in the order Windows writes it, the task file, Task Scheduler 106 (+140), Security 4698.
   */
  registerTask(at: number, def: TaskDefinition, subject: { account: Account; logonId: string }, rpc: RpcCaller | 'v0', opts: { updatedEvent?: boolean } = {}): { guid: string } {
    const sched = this.proc('schedule');
    const guid = `{${this.rng.guid().toUpperCase()}}`;
    const treePath = `${TASKCACHE}\\Tree${def.uri}`;
    const taskPath = `${TASKCACHE}\\Tasks\\${guid}`;
    const bucket = def.trigger.kind === 'boot' ? 'Boot' : 'Plain';
    const xml = taskXml(def);
    const w = at + 14 + this.rng.int(0, 2); // Sysmon writes the burst ~14 ms after UtcTime
    this.registry(at, w, sched, 'CreateKey', treePath);
    this.registry(at, w, sched, 'SetValue', `${treePath}\\SD`, { type: 'REG_BINARY', data: Buffer.from(`0100048${this.rng.hex(55)}`, 'hex') });
    this.registry(at, w, sched, 'SetValue', `${treePath}\\Id`, { type: 'REG_SZ', data: guid });
    this.registry(at, w + 0.4, sched, 'SetValue', `${treePath}\\Index`, { type: 'REG_DWORD', data: bucket === 'Boot' ? 1 : 3 });
    this.registry(at, w + 0.4, sched, 'CreateKey', taskPath);
    this.registry(at, w + 0.5, sched, 'SetValue', `${taskPath}\\Path`, { type: 'REG_SZ', data: def.uri });
    this.registry(at, w + 0.5, sched, 'SetValue', `${taskPath}\\Hash`, { type: 'REG_BINARY', data: Buffer.from(this.rng.hex(64), 'hex') });
    this.registry(at, w + 0.6, sched, 'CreateKey', `${TASKCACHE}\\${bucket}\\${guid}`);
    this.registry(at, w + 0.6, sched, 'SetValue', `${taskPath}\\Schema`, { type: 'REG_DWORD', data: 0x10002 });
    if (def.date) this.registry(at, w + 0.7, sched, 'SetValue', `${taskPath}\\Date`, { type: 'REG_SZ', data: def.date });
    if (def.author) this.registry(at, w + 0.7, sched, 'SetValue', `${taskPath}\\Author`, { type: 'REG_SZ', data: def.author });
    this.registry(at, w + 0.8, sched, 'SetValue', `${taskPath}\\URI`, { type: 'REG_SZ', data: def.uri });
    this.registry(at, w + 0.8, sched, 'SetValue', `${taskPath}\\Triggers`, { type: 'REG_BINARY', data: Buffer.from(`17000000000000000${this.rng.hex(79)}`, 'hex') });
    this.registry(at, w + 0.9, sched, 'SetValue', `${taskPath}\\Actions`, { type: 'REG_BINARY', data: encodeActions(def.context, def.actions) });
    this.fileCreate(at + 1, sched, `C:\\Windows\\System32\\Tasks${def.uri}`, w + 1);
    this.registry(at + 16, w + 14, sched, 'SetValue', `${taskPath}\\DynamicInfo`, { type: 'REG_BINARY', data: Buffer.from(`03000000${this.rng.hex(64)}`, 'hex') });
    const userContext = /^S-1-/.test(def.runAs) ? def.runAs : subject.account.sid;
    this.taskScheduler(106, 0, at + 31, { TaskName: def.uri, UserContext: userContext });
    // schtasks /create logs "registration updated" (140) right after 106, in the same millisecond ([DS]).
    if (opts.updatedEvent) this.taskScheduler(140, 0, at + 31, { TaskName: def.uri, UserName: userContext });
    const data: Record<string, DataValue> = {
      SubjectUserSid: subject.account.sid,
      SubjectUserName: subject.account.name,
      SubjectDomainName: subject.account.domain,
      SubjectLogonId: subject.logonId,
      TaskName: def.uri,
      TaskContent: xml,
    };
    if (rpc !== 'v0') {
      Object.assign(data, {
        ClientProcessStartKey: rpc.clientPid === 0 ? '0' : String(this.rng.int(1, 9) * 2 ** 32 + this.rng.int(1, 99999)),
        ClientProcessId: String(rpc.clientPid),
        ParentProcessId: rpc.clientPid === 0 ? '0' : String(this.rng.int(1000, 9000) & ~3),
        RpcCallClientLocality: rpc.locality,
        FQDN: this.computer,
      });
    }
    this.security(4698, rpc === 'v0' ? 0 : 1, 12804, at + 32, data);
    return { guid };
  }

  /** A change to an existing task through the service: Actions/Triggers rewritten, 140, 4702. */
  updateTask(at: number, def: TaskDefinition, guid: string, subject: { account: Account; logonId: string }, rpc: RpcCaller): void {
    const sched = this.proc('schedule');
    const taskPath = `${TASKCACHE}\\Tasks\\${guid}`;
    const w = at + 14;
    this.registry(at, w, sched, 'SetValue', `${taskPath}\\Hash`, { type: 'REG_BINARY', data: Buffer.from(this.rng.hex(64), 'hex') });
    this.registry(at, w + 0.3, sched, 'SetValue', `${taskPath}\\Triggers`, { type: 'REG_BINARY', data: Buffer.from(`17000000000000000${this.rng.hex(79)}`, 'hex') });
    this.registry(at, w + 0.4, sched, 'SetValue', `${taskPath}\\Actions`, { type: 'REG_BINARY', data: encodeActions(def.context, def.actions) });
    this.registry(at + 16, w + 14, sched, 'SetValue', `${taskPath}\\DynamicInfo`, { type: 'REG_BINARY', data: Buffer.from(`03000000${this.rng.hex(64)}`, 'hex') });
    this.taskScheduler(140, 0, at + 31, { TaskName: def.uri, UserName: subject.account.sid === 'S-1-5-18' ? 'S-1-5-18' : `${subject.account.domain}\\${subject.account.name}` });
    this.security(4702, 1, 12804, at + 32, {
      SubjectUserSid: subject.account.sid,
      SubjectUserName: subject.account.name,
      SubjectDomainName: subject.account.domain,
      SubjectLogonId: subject.logonId,
      TaskName: def.uri,
      TaskContentNew: taskXml(def),
      ClientProcessStartKey: rpc.clientPid === 0 ? '0' : String(this.rng.int(1, 9) * 2 ** 32 + this.rng.int(1, 99999)),
      ClientProcessId: String(rpc.clientPid),
      ParentProcessId: rpc.clientPid === 0 ? '0' : String(this.rng.int(1000, 9000) & ~3),
      RpcCallClientLocality: rpc.locality,
      FQDN: this.computer,
    });
  }

  /** Run on demand and deletion, as impacket atexec does right after registering. */
  runAndDeleteTask(at: number, def: TaskDefinition, guid: string, subject: { account: Account; logonId: string }, version: 0 | 1): void {
    const sched = this.proc('schedule');
    this.taskScheduler(110, 0, at, { TaskName: def.uri, InstanceId: `{${this.rng.guid()}}`, UserContext: `${subject.account.domain}\\${subject.account.name}` });
    const action = def.actions[0]!;
    const cmd = this.spawn(at + 8, 'task-cmd', `C:\\Windows\\System32\\${basename(action.command)}`, `${action.command} ${action.arguments ?? ''}`.trim(), sched, { user: 'NT AUTHORITY\\SYSTEM', logonId: '0x3e7', integrity: 'System' });
    this.taskScheduler(129, 0, at + 9, { TaskName: def.uri, Path: action.command, ProcessID: String(cmd.pid), Priority: '16384' });
    this.taskScheduler(200, 0, at + 9.5, { TaskName: def.uri, ActionName: action.command, TaskInstanceId: `{${this.rng.guid()}}` });
    this.fileCreate(at + 20, cmd, `C:\\Windows\\Temp\\${basename(def.uri)}.tmp`);
    const taskPath = `${TASKCACHE}\\Tasks\\${guid}`;
    const del = at + 31;
    this.registry(del, del + 14, sched, 'DeleteKey', `${TASKCACHE}\\Tree${def.uri}`);
    this.registry(del, del + 14, sched, 'DeleteKey', taskPath);
    this.registry(del, del + 14.3, sched, 'DeleteKey', `${TASKCACHE}\\Plain\\${guid}`);
    this.taskScheduler(141, 0, del + 30, { TaskName: def.uri, UserName: `${subject.account.domain}\\${subject.account.name}` });
    this.security(4699, version, 12804, del + 31, {
      SubjectUserSid: subject.account.sid,
      SubjectUserName: subject.account.name,
      SubjectDomainName: subject.account.domain,
      SubjectLogonId: subject.logonId,
      TaskName: def.uri,
      TaskContent: taskXml(def),
      ...(version === 1 ? { ClientProcessStartKey: '0', ClientProcessId: '0', ParentProcessId: '0', RpcCallClientLocality: '0', FQDN: this.computer } : {}),
    });
    this.taskScheduler(201, 0, del + 40, { TaskName: def.uri, TaskActionName: action.command, TaskInstanceId: `{${this.rng.guid()}}`, ResultCode: '0' });
    this.taskScheduler(102, 0, del + 41, { TaskName: def.uri, UserContext: `${subject.account.domain}\\${subject.account.name}`, InstanceId: `{${this.rng.guid()}}` });
  }
}

export interface PeMeta {
  version: string;
  description: string;
  product: string;
  company: string;
  original: string;
}

const WINDOWS = { version: '10.0.19041.1 (WinBuild.160101.0800)', product: 'Microsoft® Windows® Operating System', company: 'Microsoft Corporation' };
const PE: Record<string, { description: string; original: string }> = {
  'cmd.exe': { description: 'Windows Command Processor', original: 'Cmd.Exe' },
  'wsmprovhost.exe': { description: 'Host process for WinRM plug-ins', original: 'wsmprovhost.exe' },
  'wmiprvse.exe': { description: 'WMI Provider Host', original: 'Wmiprvse.exe' },
  'conhost.exe': { description: 'Console Window Host', original: 'CONHOST.EXE' },
  'schtasks.exe': { description: 'Task Scheduler Configuration Tool', original: 'schtasks.exe' },
  'tasklist.exe': { description: 'Lists the current running tasks.', original: 'tasklist.exe' },
};

export function peMeta(image: string): PeMeta {
  const name = basename(image).toLowerCase();
  const known = PE[name];
  if (known) return { ...WINDOWS, ...known };
  return { version: '-', description: '-', product: '-', company: '-', original: '-' };
}

export function splitUser(user: string): [string, string] {
  const i = user.indexOf('\\');
  return i < 0 ? ['', user] : [user.slice(0, i), user.slice(i + 1)];
}

/** Windows argv splitting, enough for the command lines the simulator writes. */
export function splitArgs(commandLine: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(commandLine))) out.push(m[1] ?? m[2]!);
  return out;
}
