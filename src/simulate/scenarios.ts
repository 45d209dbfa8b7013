// The scenario catalogue: each scenario is data (id, kind, what it shows, which rules must fire) plus the
// activity it plays on the simulated hosts. Rule names are the built-in rules' names.
import { isIP } from 'node:net';
import { splitCommand } from './task-xml.js';
import type { TaskDefinition } from './task-xml.js';
import { Rng, hash32 } from './random.js';
import { type Account, type Endpoint, type Recorder, SimHost, SYSTEM_ACCOUNT, taskDate } from './host.js';

export const RULE = {
  flagship: 'Remote Scheduled Task Creation',
  rpc: 'Remote Scheduled Task Creation via RPC (Security log)',
  atsvc: 'Scheduled Task Created over the ATSVC Named Pipe',
  update: 'Remote Scheduled Task Update',
  remoteMgmt: 'Scheduled Task Registered through Remote Management',
} as const;

export type ScenarioId =
  | 'schtasks-remote'
  | 'schtasks-update'
  | 'atexec'
  | 'cim-remote'
  | 'schtasks-local'
  | 'admin-sccm'
  | 'admin-pdq'
  | 'admin-intune'
  | 'near-loopback'
  | 'near-lowport'
  | 'near-egress'
  | 'near-late'
  | 'near-otherproc';

/** User-facing knobs (`seqhunt simulate --host ... --seed`). Everything has a default; output is deterministic. */
export interface ScenarioOptions {
  /** Target computer name (FQDN). */
  host?: string;
  targetIp?: string;
  /** The remote client (attacker or management server). */
  sourceIp?: string;
  /** DOMAIN\\user of the remote client. */
  user?: string;
  /** Task path or name ("RemoteTaskTest" → "\\RemoteTaskTest"). */
  task?: string;
  /** The task's command line (first token is the command). */
  command?: string;
  /** Start time, ISO 8601. */
  time?: string;
  seed?: number;
  /** Admin tooling: number of target hosts and of daily runs. */
  targets?: number;
  runs?: number;
}

export interface ResolvedOptions {
  host: string;
  targetIp: string;
  sourceIp: string;
  account: Account;
  task: string;
  command: string;
  time: number;
  seed: number;
  targets: number;
  runs: number;
}

export type Expected = Partial<Record<(typeof RULE)[keyof typeof RULE], number>>;

/** The telemetry shapes a scenario is validated in, and the `--format`s that write each. */
export type Telemetry = 'windows' | 'defend';
export const TELEMETRY: Record<Telemetry, { what: string; formats: string }> = {
  windows: { what: 'Sysmon + Security + Task Scheduler logs', formats: 'xml, evtx, winlogbeat' },
  defend: { what: 'Elastic Defend', formats: 'defend' },
};

export interface Scenario {
  id: ScenarioId;
  title: string;
  kind: 'attack' | 'benign' | 'near-miss';
  description: string;
  /** Alerts each built-in rule must raise (absent = 0), on the Windows logs and on Elastic Defend data. */
  expected(o: ResolvedOptions): Record<Telemetry, Expected>;
  /** Why no rule fires in a shape where the activity is remote (the blind spot, said out loud). */
  quiet?: Partial<Record<Telemetry, string>>;
  play(o: ResolvedOptions, rec: Recorder): void;
}

export const DEFAULTS = {
  host: 'WKS-TARGET01.corp.example.com',
  targetIp: '10.20.30.41',
  sourceIp: '10.20.30.15',
  user: 'CORP\\alice.adm',
  task: 'RemoteTaskTest',
  command: 'cmd.exe /c calc.exe',
  time: '2026-01-15T10:00:00.000Z',
  seed: 1,
  targets: 4,
  runs: 3,
} as const;

/** An IPv4 or IPv6 address as the logs write it (no zone index, no brackets). */
export function isIpAddress(text: string): boolean {
  return isIP(text) !== 0 && !text.includes('%');
}

/** Throws for options the logs could not hold (the CLI checks the same first, as usage errors). */
export function resolveOptions(opts: ScenarioOptions = {}): ResolvedOptions {
  for (const [name, ip] of [['--source-ip', opts.sourceIp], ['--target-ip', opts.targetIp]] as const) {
    if (ip !== undefined && !isIpAddress(ip)) throw new Error(`${name}: not an IP address (IPv4 or IPv6): "${ip}"`);
  }
  const user = opts.user ?? DEFAULTS.user;
  const slash = user.indexOf('\\');
  const domain = slash < 0 ? 'CORP' : user.slice(0, slash);
  const name = slash < 0 ? user : user.slice(slash + 1);
  // A time without a zone is UTC (Date.parse would take the machine's zone, and output must not depend on it).
  const given = opts.time ?? DEFAULTS.time;
  const time = Date.parse(/T\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(given) ? `${given}Z` : given);
  if (Number.isNaN(time)) throw new Error(`--time: not an ISO 8601 time: ${opts.time}`);
  const seed = opts.seed ?? DEFAULTS.seed;
  const host = opts.host ?? DEFAULTS.host;
  const dnsDomain = (host.includes('.') ? host.slice(host.indexOf('.') + 1) : `${domain}.local`).toUpperCase();
  const rng = new Rng(seed);
  const sid = `S-1-5-21-${rng.int(1e9, 4e9)}-${rng.int(1e9, 4e9)}-${rng.int(1e9, 4e9)}-${rng.int(1104, 4000)}`;
  return {
    host,
    targetIp: opts.targetIp ?? DEFAULTS.targetIp,
    sourceIp: opts.sourceIp ?? DEFAULTS.sourceIp,
    account: { domain: domain.toUpperCase(), dnsDomain, name, sid },
    task: opts.task ?? DEFAULTS.task,
    command: opts.command ?? DEFAULTS.command,
    time,
    seed,
    targets: Math.max(1, opts.targets ?? DEFAULTS.targets),
    runs: Math.max(1, opts.runs ?? DEFAULTS.runs),
  };
}

/**
 * A run's own randomness (ports, names, GUIDs of existing tasks): from the seed and the start time, so that runs at
 * another time differ as much as runs with another seed. The account's SID stays the seed's alone (one domain).
 */
const runRng = (o: ResolvedOptions, salt = 0) => new Rng(hash32(`${o.seed}|${o.time}|${salt}`));

const taskPath = (task: string) => (task.startsWith('\\') ? task : `\\${task}`);

/** The task `schtasks /create /s HOST /u USER /p ... /sc once /tn NAME /tr CMD` registers. */
function schtasksDefinition(o: ResolvedOptions, at: number, uri = taskPath(o.task), command = o.command): TaskDefinition {
  return {
    uri,
    date: taskDate(at),
    author: `${o.account.domain}\\${o.account.name}`,
    trigger: { kind: 'once', start: `${taskDate(at + 3600_000).slice(0, 16)}:00` },
    context: 'Author',
    runAs: `${o.account.domain}\\${o.account.name}`,
    runLevel: 'LeastPrivilege',
    logonType: 'InteractiveToken',
    hidden: false,
    actions: [splitCommand(command)],
  };
}

/** A built-in task Windows refreshes by itself (UpdateOrchestrator), as in the noise capture. */
function builtinDefinition(at: number): TaskDefinition {
  return {
    uri: '\\Microsoft\\Windows\\UpdateOrchestrator\\Schedule Scan',
    date: undefined,
    author: undefined,
    trigger: { kind: 'daily', start: `${taskDate(at).slice(0, 10)}T03:17:00` },
    context: 'Author',
    runAs: 'S-1-5-18',
    runLevel: 'LeastPrivilege',
    hidden: false,
    actions: [{ command: '%systemroot%\\system32\\usoclient.exe', arguments: 'StartScan' }],
  };
}

function machineAccount(h: SimHost, o: ResolvedOptions): Account {
  return { ...SYSTEM_ACCOUNT, domain: o.account.domain, name: `${h.shortName}$` };
}

/** Windows refreshing a built-in task on its own (local RPC client, machine account): the near misses' Actions write. */
function refreshBuiltinTask(h: SimHost, o: ResolvedOptions, rng: Rng, at: number): void {
  const guid = `{${rng.guid().toUpperCase()}}`;
  h.updateTask(at, builtinDefinition(o.time), guid, { account: machineAccount(h, o), logonId: '0x3e7' }, { locality: '0', clientPid: rng.int(3000, 8000) & ~3 });
}

/**
 * Remote registration over RPC/TCP (schtasks /s, ITaskService::Connect): endpoint mapper on 135, then the
 * Schedule svchost on its dynamic port; the Sysmon 3 records are written ~1 s after the TaskCache burst.
 */
function rpcTcpRegistration(h: SimHost, o: ResolvedOptions, rng: Rng, at: number, from: { ip: string; basePort: number }, def: TaskDefinition, account: Account, taskPort = 49671 + rng.int(0, 9)): { guid: string; logonId: string } {
  const epm: Endpoint = { ip: from.ip, port: from.basePort };
  const rpc: Endpoint = { ip: from.ip, port: from.basePort + 1 };
  const lag = at + 1015 + rng.int(0, 30);
  h.connection(at, h.proc('rpcss'), 'in', epm, 135, { sysmonWrittenAt: lag });
  h.connection(at + 4, h.proc('schedule'), 'in', rpc, taskPort, { sysmonWrittenAt: lag + 0.3 });
  const logon = h.logon(at + 8, account, 3, rpc, 'Kerberos');
  const reg = h.registerTask(at + 10, def, { account, logonId: logon.id }, { locality: '0', clientPid: 0 }, { updatedEvent: true });
  h.logoff(at + 45, logon);
  return { guid: reg.guid, logonId: logon.id };
}

const ephemeral = (rng: Rng) => rng.int(49700, 64000);

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'schtasks-remote',
    title: 'schtasks /create /s (the strategy\'s validation command)',
    kind: 'attack',
    description: 'schtasks /create /s <host> /u <domain\\user> /p <password> /sc once /tn "RemoteTaskTest" /tr "cmd.exe /c calc.exe": RPC over TCP to the Task Scheduler service.',
    expected: () => ({ windows: { [RULE.flagship]: 1, [RULE.rpc]: 1 }, defend: { [RULE.flagship]: 1 } }),
    play(o, rec) {
      const rng = runRng(o);
      const h = new SimHost(o.host, o.targetIp, rec, o.seed, o.time - 86400_000);
      rpcTcpRegistration(h, o, rng, o.time, { ip: o.sourceIp, basePort: ephemeral(rng) }, schtasksDefinition(o, o.time), o.account);
    },
  },
  {
    id: 'schtasks-update',
    title: 'schtasks /change /s on an existing task',
    kind: 'attack',
    description: 'A remote client rewrites the action of an existing task over RPC/TCP: 4702 after a type 3 logon, and the Actions value rewritten by the Schedule svchost that took the connection.',
    expected: () => ({ windows: { [RULE.flagship]: 1, [RULE.update]: 1 }, defend: { [RULE.flagship]: 1 } }),
    play(o, rec) {
      const rng = runRng(o);
      const h = new SimHost(o.host, o.targetIp, rec, o.seed, o.time - 86400_000);
      const from = { ip: o.sourceIp, port: ephemeral(rng) };
      const lag = o.time + 1020;
      h.connection(o.time, h.proc('rpcss'), 'in', from, 135, { sysmonWrittenAt: lag });
      const rpc = { ip: from.ip, port: from.port + 1 };
      h.connection(o.time + 4, h.proc('schedule'), 'in', rpc, 49673, { sysmonWrittenAt: lag + 0.3 });
      const logon = h.logon(o.time + 8, o.account, 3, rpc, 'Kerberos');
      const def = builtinDefinition(o.time);
      def.actions = [splitCommand(o.command)];
      h.updateTask(o.time + 10, def, `{${rng.guid().toUpperCase()}}`, { account: o.account, logonId: logon.id }, { locality: '0', clientPid: 0 });
      h.logoff(o.time + 40, logon);
    },
  },
  {
    id: 'atexec',
    title: 'impacket atexec (ATSVC over SMB)',
    kind: 'attack',
    description: 'ITaskSchedulerService bound over \\PIPE\\atsvc on TCP 445: no TCP connection reaches the Task Scheduler svchost. Register, run, delete within a second; output read back over ADMIN$.',
    expected: () => ({ windows: { [RULE.atsvc]: 1, [RULE.rpc]: 1 }, defend: {} }),
    quiet: { defend: 'no rule fires: no TCP connection reaches the Task Scheduler svchost (RPC over \\PIPE\\atsvc on 445), so the flagship is blind, and Elastic Defend has no Security 5145/4698 for the companions' },
    play(o, rec) {
      const rng = runRng(o);
      const h = new SimHost(o.host, o.targetIp, rec, o.seed, o.time - 86400_000);
      const port = ephemeral(rng);
      const smb: Endpoint = { ip: o.sourceIp, port };
      const t = o.time;
      h.connection(t, h.proc('system'), 'in', smb, 445);
      h.logon(t + 20, { domain: 'NT AUTHORITY', dnsDomain: 'NT AUTHORITY', name: 'ANONYMOUS LOGON', sid: 'S-1-5-7' }, 3, smb, 'NTLM', false);
      const session = h.logon(t + 51, o.account, 3, smb, 'NTLM');
      h.shareAccess(t + 62, session, smb, '\\\\*\\IPC$', 'atsvc', { first: true, accessMask: '0x3', accessList: '%%4416\n\t\t\t\t%%4417\n\t\t\t\t' });
      const pipe = h.logon(t + 78, o.account, 3, undefined, 'NTLM');
      const name = rng.letters(8);
      const def: TaskDefinition = {
        uri: `\\${name}`,
        trigger: { kind: 'daily', start: '2015-07-15T20:35:13.2757294' },
        context: 'LocalSystem',
        runAs: 'S-1-5-18',
        runLevel: 'HighestAvailable',
        logonType: 'InteractiveToken',
        hidden: true,
        actions: [{ command: 'cmd.exe', arguments: `/C ${o.command === DEFAULTS.command ? 'tasklist' : o.command} > %windir%\\Temp\\${name}.tmp 2>&1` }],
      };
      const reg = h.registerTask(t + 110, def, { account: o.account, logonId: pipe.id }, { locality: '0', clientPid: 0 });
      h.runAndDeleteTask(t + 143, def, reg.guid, { account: o.account, logonId: pipe.id }, 1);
      h.shareAccess(t + 1160, session, smb, '\\\\*\\ADMIN$', `Temp\\${name}.tmp`, { first: true, accessMask: '0x120089', accessList: '%%1538\n\t\t\t\t%%1541\n\t\t\t\t%%4416\n\t\t\t\t%%4419\n\t\t\t\t%%4423\n\t\t\t\t' });
      h.shareAccess(t + 3300, session, smb, '\\\\*\\ADMIN$', `Temp\\${name}.tmp`, { accessMask: '0x10080', accessList: '%%1537\n\t\t\t\t%%4423\n\t\t\t\t' });
      h.logoff(t + 3400, pipe);
      h.logoff(t + 3410, session);
    },
  },
  {
    id: 'cim-remote',
    title: 'Register-ScheduledTask over a remote CIM session (WinRM)',
    kind: 'attack',
    description: 'New-CimSession to the target, then Register-ScheduledTask -CimSession: WinRM on 5985, wsmprovhost.exe and the WmiPrvSE-hosted ScheduledTasks provider call the local Task Scheduler API.',
    expected: () => ({ windows: { [RULE.remoteMgmt]: 1 }, defend: { [RULE.remoteMgmt]: 1 } }),
    play(o, rec) {
      const rng = runRng(o);
      const h = new SimHost(o.host, o.targetIp, rec, o.seed, o.time - 86400_000);
      const from: Endpoint = { ip: o.sourceIp, port: ephemeral(rng) };
      const t = o.time;
      h.connection(t, h.proc('winrm'), 'in', from, 5985);
      const logon = h.logon(t + 40, o.account, 3, from, 'Kerberos');
      const user = `${o.account.domain}\\${o.account.name}`;
      h.spawn(t + 210, 'wsmprovhost', 'C:\\Windows\\System32\\wsmprovhost.exe', 'C:\\Windows\\system32\\wsmprovhost.exe -Embedding', h.proc('dcomlaunch'), { user, logonId: logon.id, integrity: 'High' });
      const wmi = h.spawn(t + 640, 'wmiprvse', 'C:\\Windows\\System32\\wbem\\WmiPrvSE.exe', 'C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding', h.proc('dcomlaunch'), { user: 'NT AUTHORITY\\SYSTEM', logonId: '0x3e7', integrity: 'System' });
      const def = schtasksDefinition(o, t);
      h.registerTask(t + 1450, def, { account: o.account, logonId: logon.id }, { locality: '1', clientPid: wmi.pid });
      h.logoff(t + 9000, logon);
    },
  },
  {
    id: 'schtasks-local',
    title: 'schtasks /create run locally',
    kind: 'benign',
    description: 'A logged-on user creates a task on their own machine: the Task Scheduler writes the same TaskCache values, but no connection or network logon precedes them. Outside the strategy\'s goal (remote creation only).',
    expected: () => ({ windows: {}, defend: {} }),
    play(o, rec) {
      const h = new SimHost(o.host, o.targetIp, rec, o.seed, o.time - 86400_000);
      const user = `${o.account.domain}\\${o.account.name}`;
      const cmd = h.spawn(o.time - 30_000, 'cmd', 'C:\\Windows\\System32\\cmd.exe', '"C:\\Windows\\system32\\cmd.exe"', h.proc('dcomlaunch'), { user, logonId: h.newLogonId(), integrity: 'Medium' });
      const schtasks = h.spawn(o.time, 'schtasks', 'C:\\Windows\\System32\\schtasks.exe', `schtasks  /create /sc once /st 23:00 /tn "${o.task}" /tr "${o.command}"`, cmd);
      h.registerTask(o.time + 25, schtasksDefinition(o, o.time), { account: o.account, logonId: cmd.logonId }, { locality: '1', clientPid: schtasks.pid });
    },
  },
  {
    id: 'admin-sccm',
    title: 'Configuration Manager site server maintaining a task on many clients',
    kind: 'benign',
    description: 'Recurring, from the management server CM01 (10.20.5.10) as CORP\\svc-sccm: the task is registered remotely on each client on the first run and rewritten on the following daily runs (RPC/TCP, like schtasks /s). The flagship fires by design: suppress with an exception for the server and account.',
    expected: (o) => ({
      windows: { [RULE.flagship]: o.targets * o.runs, [RULE.rpc]: o.targets, [RULE.update]: o.targets * (o.runs - 1) },
      defend: { [RULE.flagship]: o.targets * o.runs },
    }),
    play(o, rec) {
      const rng = runRng(o, 0x5cc);
      const svc: Account = { domain: o.account.domain, dnsDomain: o.account.dnsDomain, name: 'svc-sccm', sid: `${o.account.sid.slice(0, o.account.sid.lastIndexOf('-'))}-5101` };
      const mo = { ...o, account: svc };
      const guids: string[] = [];
      const hosts = Array.from({ length: o.targets }, (_, i) => new SimHost(`WKS-${String(101 + i).padStart(4, '0')}.${o.host.split('.').slice(1).join('.') || 'corp.example.com'}`, `10.20.40.${101 + i}`, rec, o.seed + i, o.time - 86400_000));
      for (let run = 0; run < o.runs; run++) {
        hosts.forEach((h, i) => {
          const at = o.time + run * 86400_000 + i * 7000 + rng.int(0, 900);
          const def = schtasksDefinition(mo, o.time, '\\Microsoft\\Configuration Manager\\Configuration Manager Health Evaluation', '"C:\\Windows\\CCM\\ccmeval.exe"');
          const from = { ip: '10.20.5.10', basePort: ephemeral(rng) };
          if (run === 0) {
            guids[i] = rpcTcpRegistration(h, mo, rng, at, from, def, svc).guid;
          } else {
            h.connection(at, h.proc('rpcss'), 'in', { ip: from.ip, port: from.basePort }, 135, { sysmonWrittenAt: at + 1010 });
            const rpc = { ip: from.ip, port: from.basePort + 1 };
            h.connection(at + 4, h.proc('schedule'), 'in', rpc, 49671, { sysmonWrittenAt: at + 1010.3 });
            const logon = h.logon(at + 8, svc, 3, rpc, 'Kerberos');
            h.updateTask(at + 10, def, guids[i]!, { account: svc, logonId: logon.id }, { locality: '0', clientPid: 0 });
            h.logoff(at + 40, logon);
          }
        });
      }
    },
  },
  {
    id: 'admin-pdq',
    title: 'PDQ Deploy server pushing packages through temporary tasks',
    kind: 'benign',
    description: 'Recurring, from the deployment server PDQ01 (10.20.5.20) as CORP\\svc-pdq: every run registers a one-off task on each target over RPC/TCP, runs it and deletes it. The flagship and the Security-log companion fire by design: tune with exceptions.',
    expected: (o) => ({ windows: { [RULE.flagship]: o.targets * o.runs, [RULE.rpc]: o.targets * o.runs }, defend: { [RULE.flagship]: o.targets * o.runs } }),
    play(o, rec) {
      const rng = runRng(o, 0x9d9);
      const svc: Account = { domain: o.account.domain, dnsDomain: o.account.dnsDomain, name: 'svc-pdq', sid: `${o.account.sid.slice(0, o.account.sid.lastIndexOf('-'))}-5102` };
      const mo = { ...o, account: svc };
      const hosts = Array.from({ length: o.targets }, (_, i) => new SimHost(`WKS-${String(201 + i).padStart(4, '0')}.${o.host.split('.').slice(1).join('.') || 'corp.example.com'}`, `10.20.41.${1 + i}`, rec, o.seed + 100 + i, o.time - 86400_000));
      for (let run = 0; run < o.runs; run++) {
        hosts.forEach((h, i) => {
          const at = o.time + run * 6 * 3600_000 + i * 12_000 + rng.int(0, 2000);
          const def = schtasksDefinition(mo, at, `\\PDQ Deploy\\PDQDeployRunner-${run + 1}`, '"C:\\Windows\\AdminArsenal\\PDQDeployRunner\\service-1\\PDQDeployRunner-1.exe" -run');
          const reg = rpcTcpRegistration(h, mo, rng, at, { ip: '10.20.5.20', basePort: ephemeral(rng) }, def, svc);
          h.runAndDeleteTask(at + 900, def, reg.guid, { account: svc, logonId: reg.logonId }, 1);
        });
      }
    },
  },
  {
    id: 'admin-intune',
    title: 'Intune Management Extension registering tasks locally',
    kind: 'benign',
    description: 'Recurring on many devices, driven from the cloud service: the agent polls out over HTTPS (egress) and registers its tasks through the local Task Scheduler API as SYSTEM. Nothing inbound: no rule may fire.',
    expected: () => ({ windows: {}, defend: {} }),
    play(o, rec) {
      const rng = runRng(o, 0x1e7);
      const hosts = Array.from({ length: o.targets }, (_, i) => new SimHost(`LT-${String(301 + i).padStart(4, '0')}.${o.host.split('.').slice(1).join('.') || 'corp.example.com'}`, `10.20.42.${1 + i}`, rec, o.seed + 200 + i, o.time - 86400_000));
      for (let run = 0; run < o.runs; run++) {
        hosts.forEach((h, i) => {
          const at = o.time + run * 8 * 3600_000 + i * 45_000 + rng.int(0, 5000);
          const ime = h.proc('ime');
          h.connection(at, ime, 'out', { ip: '52.168.117.170', port: 443 }, ephemeral(rng));
          const def: TaskDefinition = { ...builtinDefinition(at), uri: '\\Microsoft\\Intune\\IntuneManagementExtension Compliance', author: 'Microsoft Intune', date: taskDate(at), actions: [{ command: 'C:\\Program Files (x86)\\Microsoft Intune Management Extension\\AgentExecutor.exe', arguments: '-remediationScript' }] };
          h.registerTask(at + 2300, def, { account: machineAccount(h, o), logonId: '0x3e7' }, { locality: '1', clientPid: ime.pid });
        });
      }
    },
  },
  {
    id: 'near-loopback',
    title: 'Near miss: schtasks /s localhost (loopback)',
    kind: 'near-miss',
    description: 'The same RPC/TCP registration, but the client is the machine itself over 127.0.0.1: both ports are high, the source is loopback.',
    expected: () => ({ windows: {}, defend: {} }),
    play(o, rec) {
      const rng = runRng(o);
      const h = new SimHost(o.host, o.targetIp, rec, o.seed, o.time - 86400_000);
      const user = `${o.account.domain}\\${o.account.name}`;
      const cmd = h.spawn(o.time - 20_000, 'cmd', 'C:\\Windows\\System32\\cmd.exe', '"C:\\Windows\\system32\\cmd.exe"', h.proc('dcomlaunch'), { user, logonId: h.newLogonId(), integrity: 'High' });
      h.spawn(o.time - 40, 'schtasks', 'C:\\Windows\\System32\\schtasks.exe', `schtasks  /create /s localhost /sc once /st 23:00 /tn "${o.task}" /tr "${o.command}"`, cmd);
      rpcTcpRegistration(h, o, rng, o.time, { ip: '127.0.0.1', basePort: ephemeral(rng) }, schtasksDefinition(o, o.time), o.account);
    },
  },
  {
    id: 'near-lowport',
    title: 'Near miss: client port below 49152',
    kind: 'near-miss',
    description: 'A real remote registration, but the client\'s source port is in the legacy ephemeral range (1025–5000, an old client or a NAT device): the flagship\'s port filter misses it; the Security-log companion catches it.',
    expected: () => ({ windows: { [RULE.rpc]: 1 }, defend: {} }),
    quiet: { defend: 'no rule fires: the client port is below the flagship\'s 49152, and Elastic Defend has no Security log for the companion that catches it' },
    play(o, rec) {
      const rng = runRng(o);
      const h = new SimHost(o.host, o.targetIp, rec, o.seed, o.time - 86400_000);
      rpcTcpRegistration(h, o, rng, o.time, { ip: o.sourceIp, basePort: rng.int(1100, 4900) }, schtasksDefinition(o, o.time), o.account);
    },
  },
  {
    id: 'near-egress',
    title: 'Near miss: outbound connection, then a built-in task refresh (and WmiPrvSE activity)',
    kind: 'near-miss',
    description: 'The Schedule svchost connects out (egress, both ports high) and Windows refreshes a built-in task locally seconds later; a local WMI query starts WmiPrvSE in between. Nothing remote happened.',
    expected: () => ({ windows: {}, defend: {} }),
    play(o, rec) {
      const rng = runRng(o);
      const h = new SimHost(o.host, o.targetIp, rec, o.seed, o.time - 86400_000);
      const sched = h.proc('schedule');
      h.connection(o.time, sched, 'out', { ip: '10.20.0.5', port: 49674 }, ephemeral(rng));
      h.spawn(o.time + 3000, 'wmiprvse', 'C:\\Windows\\System32\\wbem\\WmiPrvSE.exe', 'C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding', h.proc('dcomlaunch'), { user: 'NT AUTHORITY\\SYSTEM', logonId: '0x3e7', integrity: 'System' });
      refreshBuiltinTask(h, o, rng, o.time + 9000);
    },
  },
  {
    id: 'near-late',
    title: 'Near miss: inbound RPC, TaskCache write more than a minute later',
    kind: 'near-miss',
    description: 'A remote schtasks /query /s reaches the Schedule svchost (inbound, high ports, network logon); 75 s later the same process refreshes a built-in task on its own.',
    expected: () => ({ windows: {}, defend: {} }),
    play(o, rec) {
      const rng = runRng(o);
      const h = new SimHost(o.host, o.targetIp, rec, o.seed, o.time - 86400_000);
      const from: Endpoint = { ip: o.sourceIp, port: ephemeral(rng) };
      h.connection(o.time, h.proc('rpcss'), 'in', from, 135);
      const rpc = { ip: from.ip, port: from.port + 1 };
      h.connection(o.time + 4, h.proc('schedule'), 'in', rpc, 49671);
      const logon = h.logon(o.time + 8, o.account, 3, rpc, 'Kerberos');
      h.logoff(o.time + 300, logon);
      refreshBuiltinTask(h, o, rng, o.time + 75_000);
    },
  },
  {
    id: 'near-otherproc',
    title: 'Near miss: inbound RPC to another svchost',
    kind: 'near-miss',
    description: 'A remote Event Viewer session reaches the EventLog svchost on a dynamic port (inbound, high ports, network logon); 20 s later the Schedule svchost — another process — refreshes a built-in task.',
    expected: () => ({ windows: {}, defend: {} }),
    play(o, rec) {
      const rng = runRng(o);
      const h = new SimHost(o.host, o.targetIp, rec, o.seed, o.time - 86400_000);
      const from: Endpoint = { ip: o.sourceIp, port: ephemeral(rng) };
      h.connection(o.time, h.proc('rpcss'), 'in', from, 135);
      const rpc = { ip: from.ip, port: from.port + 1 };
      h.connection(o.time + 4, h.proc('eventlog'), 'in', rpc, 49665);
      const logon = h.logon(o.time + 8, o.account, 3, rpc, 'Kerberos');
      refreshBuiltinTask(h, o, rng, o.time + 20_000);
      h.logoff(o.time + 60_000, logon);
    },
  },
];

export function findScenario(id: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.id === id);
}

/**
 * `seqhunt simulate --list`: each scenario with what every rule must raise in each telemetry shape (the
 * expectations `seqhunt validate` checks), and why a shape stays quiet where the activity is remote.
 */
export function formatScenarioList(o: ResolvedOptions = resolveOptions()): string {
  const indent = ' '.repeat(4);
  const lines: string[] = [];
  for (const s of SCENARIOS) {
    lines.push(`${s.id.padEnd(16)} ${s.kind.padEnd(9)} ${s.title}`);
    const expected = s.expected(o);
    for (const shape of Object.keys(TELEMETRY) as Telemetry[]) {
      const fires = Object.entries(expected[shape]).filter(([, n]) => n > 0).map(([rule, n]) => `${rule} ×${n}`);
      const says = fires.length ? `fires ${fires.join('; ')}` : s.quiet?.[shape] ?? 'no rule fires';
      lines.push(`${indent}${shape} (--format ${TELEMETRY[shape].formats}): ${says}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
