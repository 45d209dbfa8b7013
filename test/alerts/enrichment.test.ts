import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlertAssembler, type Alert } from '../../src/alerts/index.js';
import type { NormalizedEvent } from '../../src/normalize/types.js';
import type { Rule } from '../../src/rules/types.js';
import type { Match } from '../../src/eql/api.js';
import {
  companionRule,
  encodeActions,
  match,
  registration,
  rule,
  sec4624,
  sec4698,
  sec4699,
  sec5145,
  sys7045,
  sysmon1,
  sysmon3,
  SVCHOST,
  taskEvent,
  taskXml,
  ts106,
} from './helpers.js';

const T = Date.parse('2020-12-19T12:00:22.232Z');
const FIVE_H = 5 * 3600_000;
const TASK = '\\Microsoft\\Windows\\SoftwareProtectionPlatform\\EventCacheManager';
const GUID = '{47CDCDF5-3457-4925-96E5-DB6635FFCDDE}';
const CMD = 'C:\\Windows\\system32\\cmd.exe';
const ARGS = '/C C:\\Windows\\System32\\notepad.exe';

/**
 * Runs like the hunt runtime: events in timestamp order (stable), each observed, then the matches it completes
 * added, then the host's ready alerts collected; finish() at the end.
 */
function hunt(asm: AlertAssembler, events: NormalizedEvent[], matches: Array<[Rule, Match<NormalizedEvent>]>): Alert[] {
  const out: Alert[] = [];
  for (const e of [...new Set(events)].sort((a, b) => a.timestamp - b.timestamp)) {
    asm.observe(e);
    for (const [r, m] of matches) {
      const evs = m.events.filter((x) => x !== null);
      if (evs[evs.length - 1] === e) asm.addMatch(r, m);
    }
    out.push(...asm.ready(e.host, e.timestamp));
  }
  out.push(...asm.finish());
  return out;
}

/**
 * The OTRF schtasks capture, rebuilt: Security and TaskScheduler events carry local time (5 h behind) labelled
 * UTC; Sysmon's @timestamp is UtcTime. `withCreated` adds event.created (the record time) to Sysmon events.
 */
function otrfLike(withCreated: boolean): { events: NormalizedEvent[]; net: NormalizedEvent; actions: NormalizedEvent; logon: NormalizedEvent; created: NormalizedEvent } {
  const local = T - FIVE_H;
  const logon = sec4624(local + 6, { user: 'pgustavo', domain: 'THESHIRE.LOCAL', logonId: '0xead4335', ip: '172.18.39.5', port: 56588 });
  const created = sec4698(local + 32, { user: 'pgustavo', domain: 'THESHIRE', logonId: '0xEAD4335', taskName: TASK, content: taskXml({ uri: TASK, command: CMD, args: ARGS }) });
  const reg106 = ts106(local + 31, TASK, 'S-1-5-18');
  const c = (ts: number, created?: number) => (withCreated ? { ts, created } : { ts });
  const net = sysmon3(c(T - 21_220, local + 1013), { ip: '172.18.39.5', port: 56588 });
  const [tree, path, actions] = registration(c(T, local + 15), GUID, TASK);
  // An unrelated earlier registration by the same svchost, to make sure the GUID, not the process, picks the name.
  const other = registration(c(T - 30_000, local - 30_000 + 15), '{11111111-2222-3333-4444-555555555555}', '\\Other\\Benign');
  return { events: [logon, created, reg106, net, tree!, path!, actions!, ...other], net, actions: actions!, logon, created };
}

function make201(ts: number, taskName: string, action: string): NormalizedEvent {
  return taskEvent(ts, 201, { TaskName: taskName, ActionName: action, ResultCode: '0' });
}

function only(alerts: Alert[]): Alert {
  assert.equal(alerts.length, 1, `expected one alert, got ${alerts.length}`);
  return alerts[0]!;
}

for (const withCreated of [true, false]) {
  test(`flagship on the OTRF-like capture: task, command, both accounts, source, with Security 5 h off Sysmon (${withCreated ? 'record time known' : 'no record time'})`, () => {
    const asm = new AlertAssembler();
    const f = otrfLike(withCreated);
    const a = only(hunt(asm, f.events, [[rule(), match(f.net, f.actions)]]));
    const t = a['seqhunt.task']!;
    assert.equal(t.name, TASK);
    assert.equal(t.guid, GUID);
    assert.equal(t.command, CMD);
    assert.equal(t.arguments, ARGS);
    assert.equal(t.runAs, 'SYSTEM');
    assert.equal(t.runAsSid, 'S-1-5-18');
    assert.equal(t.runLevel, 'LeastPrivilege');
    assert.equal(a['source.ip'], '172.18.39.5');
    assert.equal(a['source.port'], 56588);
    assert.equal(a['destination.port'], 49671);
    assert.equal(a['source.user.name'], 'pgustavo');
    assert.equal(a['source.user.domain'], 'THESHIRE');
    assert.equal(a['process.entity_id'], '{649442b8-52dc-5fd1-3600-000000000600}');
    assert.match(t.evidence.name!, /^Sysmon 13 TaskCache Tree/);
    assert.match(t.evidence.command!, /^Security 4698 TaskContent/);
    assert.match(t.evidence.runAs!, /^Security 4698 TaskContent Principal UserId/);
    assert.match(t.evidence['source.ip']!, /^Sysmon 3 network connection/);
    assert.match(t.evidence['source.user']!, /^Security 4698 Subject .*logon 0xEAD4335 = Security 4624 TargetLogonId/);
    assert.match(a['kibana.alert.reason']!, /created by THESHIRE\\pgustavo/);
    // The Task Scheduler 106 of the same task shows up as related activity, found by name across clocks.
    assert.ok(a['seqhunt.related']!.some((r) => r.kind === 'task-event' && /task registered/.test(r.summary)), 'the 106 of the task is related');
  });
}

test('absent context stays absent: a bare match yields only what its own events say', () => {
  const asm = new AlertAssembler();
  const net = sysmon3({ ts: T - 1000 }, { ip: '10.1.1.1', port: 50000 });
  const [, , actions] = registration({ ts: T }, GUID, TASK);
  const a = only(hunt(asm, [net, actions!], [[rule(), match(net, actions!)]]));
  const t = a['seqhunt.task']!;
  assert.equal(t.guid, GUID);
  for (const k of ['name', 'command', 'arguments', 'runAs', 'context'] as const) assert.equal(t[k], undefined, k);
  assert.equal(a['source.user.name'], undefined);
  assert.equal(a['source.ip'], '10.1.1.1');
  assert.deepEqual(Object.keys(t.evidence).sort(), ['guid', 'source.ip']);
  assert.deepEqual(a['seqhunt.related'], []);
});

test('two tasks on one host within the same minute, from two sources and two accounts: each alert keeps its own', () => {
  const asm = new AlertAssembler();
  const G1 = '{AAAAAAAA-0000-0000-0000-000000000001}';
  const G2 = '{BBBBBBBB-0000-0000-0000-000000000002}';
  const events: NormalizedEvent[] = [];
  // Same Schedule svchost for both (one service), interleaved: B's Security events sit closer in time to A's writes.
  events.push(sec4624(T - 100, { user: 'alice', domain: 'CORP', logonId: '0x1001', ip: '10.0.0.5', port: 51001 }));
  events.push(sec4624(T + 5, { user: 'bob', domain: 'CORP', logonId: '0x2002', ip: '10.0.0.9', port: 52002 }));
  events.push(sec4698(T + 10, { user: 'bob', domain: 'CORP', logonId: '0x2002', taskName: '\\B', content: taskXml({ uri: '\\B', command: 'C:\\b.exe', args: '-b', userId: 'CORP\\svc_b', runLevel: 'HighestAvailable' }) }));
  events.push(sec4698(T + 20_000, { user: 'alice', domain: 'CORP', logonId: '0x1001', taskName: '\\A', content: taskXml({ uri: '\\A', command: 'C:\\a.exe', args: '-a' }) }));
  const netA = sysmon3({ ts: T - 99 }, { ip: '10.0.0.5', port: 51001 });
  const netB = sysmon3({ ts: T + 6 }, { ip: '10.0.0.9', port: 52002 });
  const regA = registration({ ts: T }, G1, '\\A');
  const regB = registration({ ts: T + 8 }, G2, '\\B');
  events.push(netA, netB, ...regA, ...regB);
  const alerts = hunt(asm, events, [
    [rule(), match(netA, regA[2]!)],
    [rule(), match(netB, regB[2]!)],
  ]);
  assert.equal(alerts.length, 2);
  const [a, b] = alerts as [Alert, Alert];
  assert.deepEqual(
    [a['seqhunt.task']!.name, a['seqhunt.task']!.command, a['seqhunt.task']!.arguments, a['seqhunt.task']!.runAs, a['source.ip'], a['source.user.name']],
    ['\\A', 'C:\\a.exe', '-a', 'SYSTEM', '10.0.0.5', 'alice'],
  );
  assert.deepEqual(
    [b['seqhunt.task']!.name, b['seqhunt.task']!.command, b['seqhunt.task']!.arguments, b['seqhunt.task']!.runAs, b['seqhunt.task']!.runLevel, b['source.ip'], b['source.user.name']],
    ['\\B', 'C:\\b.exe', '-b', 'CORP\\svc_b', 'HighestAvailable', '10.0.0.9', 'bob'],
  );
  assert.notEqual(a['seqhunt.incident.id'], b['seqhunt.incident.id']);
  // Each alert lists the other source's logon? No: "other logons" are only those from its own source.
  assert.ok(!a['seqhunt.related']!.some((r) => r.summary.includes('10.0.0.9')), 'no logon of the other source');
});

test('without a 4698, the creator is the network logon from the same address and port', () => {
  const asm = new AlertAssembler();
  const decoy = sec4624(T - 10, { user: 'decoy', domain: 'CORP', logonId: '0x9', ip: '10.0.0.5', port: 40000 });
  const real = sec4624(T - 900, { user: 'alice', domain: 'CORP', logonId: '0x1', ip: '10.0.0.5', port: 51001 });
  const anon = sec4624(T - 5, { user: 'ANONYMOUS LOGON', domain: 'NT AUTHORITY', logonId: '0x2', ip: '10.0.0.5', port: 51001 });
  const net = sysmon3({ ts: T - 800 }, { ip: '10.0.0.5', port: 51001 });
  const reg = registration({ ts: T }, GUID, TASK);
  const a = only(hunt(asm, [decoy, real, anon, net, ...reg], [[rule(), match(net, reg[2]!)]]));
  assert.equal(a['source.user.name'], 'alice');
  assert.match(a['seqhunt.task']!.evidence['source.user']!, /same address and port/);
  // The decoy logon from the same address is listed as related activity, the creator's own is not repeated.
  const logons = a['seqhunt.related']!.filter((r) => r.kind === 'logon').map((r) => r.summary);
  assert.ok(logons.some((s) => s.includes('CORP\\decoy')), logons.join('\n'));
  assert.ok(!logons.some((s) => s.includes('CORP\\alice')), logons.join('\n'));
});

test('Elastic Defend: the Actions bytes give command and context; the TaskContent principal still gives runAs', () => {
  const asm = new AlertAssembler();
  const bytes = encodeActions({ context: 'LocalSystem', actions: [{ type: 'exec', command: 'cmd.exe', arguments: '/C whoami > C:\\Windows\\Temp\\x.tmp 2>&1' }] });
  const net = sysmon3({ ts: T - 500 }, { ip: '10.0.0.5', port: 51001 });
  const reg = registration({ ts: T }, GUID, TASK, undefined, bytes);
  const a = only(hunt(asm, [net, ...reg], [[rule(), match(net, reg[2]!)]]));
  const t = a['seqhunt.task']!;
  assert.equal(t.command, 'cmd.exe');
  assert.equal(t.arguments, '/C whoami > C:\\Windows\\Temp\\x.tmp 2>&1');
  assert.equal(t.context, 'LocalSystem');
  assert.equal(t.runAs, 'LocalSystem');
  assert.match(t.evidence.command!, /TaskCache Actions value/);
  assert.match(t.evidence.runAs!, /context \(principal id\)/);
});

test('a damaged Actions value is reported in the alert, and TaskContent still supplies the command', () => {
  const asm = new AlertAssembler();
  const local = T;
  const net = sysmon3({ ts: T - 500 }, { ip: '10.0.0.5', port: 51001 });
  const reg = registration({ ts: T }, GUID, TASK, undefined, Buffer.from([3, 0, 0xff, 0xff, 0xff, 0x7f]));
  const created = sec4698(local + 20, { user: 'u', domain: 'D', logonId: '0x5', taskName: TASK, content: taskXml({ uri: TASK, command: CMD, args: ARGS }) });
  const t = only(hunt(asm, [net, ...reg, created], [[rule(), match(net, reg[2]!)]]))['seqhunt.task']!;
  assert.equal(t.command, CMD);
  assert.match(t.problems![0]!, /Actions.*exceeds/);
});

test('atexec over the SMB pipe (companion rule): source from IPC$\\atsvc by the same account, run-and-delete and ADMIN$ as related', () => {
  const asm = new AlertAssembler();
  const H = 'win-77ltaphiq1r.example.corp';
  const t0 = Date.parse('2019-03-19T00:02:04.180Z');
  const who = { user: 'Administrator', domain: 'EXAMPLE' };
  const events = [
    sec4624(t0, { user: 'ANONYMOUS LOGON', domain: 'NT AUTHORITY', logonId: '0x17e2a0', ip: '10.0.2.17', port: 49236 }, H),
    sec4624(t0 + 46, { ...who, logonId: '0x17e2c0', ip: '10.0.2.17', port: 49237 }, H),
    sec5145(t0 + 62, { ...who, logonId: '0x17e2c0', ip: '10.0.2.17', port: 49237, share: '\\\\*\\IPC$', target: 'atsvc' }, H),
    sec4624(t0 + 78, { ...who, logonId: '0x17e2d2', ip: '-', port: 0 }, H),
    sec4698(t0 + 140, { ...who, logonId: '0x17e2d2', taskName: '\\CYAlyNSS', content: taskXml({ uri: '\\CYAlyNSS', command: 'cmd.exe', args: '/C tasklist > %windir%\\Temp\\CYAlyNSS.tmp 2>&1', context: 'LocalSystem', runLevel: 'HighestAvailable', hidden: true }) }, H),
    sec4699(t0 + 171, { ...who, logonId: '0x17e2d2', taskName: '\\CYAlyNSS' }, H),
    sec5145(t0 + 1200, { ...who, logonId: '0x17e2c0', ip: '10.0.2.17', port: 49237, share: '\\\\*\\ADMIN$', target: 'Temp\\CYAlyNSS.tmp' }, H),
    sys7045(t0 + 2000, 'unrelated-but-near', 'C:\\x.exe', H),
    sys7045(t0 + 3600_000, 'far-away', 'C:\\y.exe', H),
  ];
  const a = only(hunt(asm, events, [[companionRule(), match(events[2]!, events[4]!)]]));
  const t = a['seqhunt.task']!;
  assert.equal(t.name, '\\CYAlyNSS');
  assert.equal(t.command, 'cmd.exe');
  assert.equal(t.runAs, 'SYSTEM');
  assert.equal(t.runLevel, 'HighestAvailable');
  assert.equal(t.hidden, true);
  assert.equal(a['source.ip'], '10.0.2.17');
  assert.equal(a['source.port'], 49237);
  assert.equal(a['source.user.name'], 'Administrator');
  assert.equal(a['seqhunt.covers_blind_spot'], 'SMB named-pipe (atsvc) task creation');
  const kinds = a['seqhunt.related']!.map((r) => `${r.kind}:${r.summary}`);
  assert.ok(kinds.some((k) => k.startsWith('task-event:') && k.includes('task deleted: \\CYAlyNSS')), kinds.join('\n'));
  assert.ok(kinds.some((k) => k.startsWith("admin-share:") && k.includes("ADMIN$\\Temp\\CYAlyNSS.tmp")), kinds.join("\n"));
  assert.ok(kinds.some((k) => k.startsWith('service-install:') && k.includes('unrelated-but-near')), kinds.join('\n'));
  assert.ok(!kinds.some((k) => k.includes('far-away')), kinds.join('\n'));
});

for (const withCreated of [true, false]) {
  test(`flagship and companion alerts about one task share an incident id (${withCreated ? 'record time known' : 'no record time'})`, () => {
    const asm = new AlertAssembler();
    const f = otrfLike(withCreated);
    const alerts = hunt(asm, f.events, [
      [rule(), match(f.net, f.actions)],
      [companionRule(), match(f.logon, f.created)],
    ]);
    assert.equal(alerts.length, 2);
    const [x, y] = alerts as [Alert, Alert];
    assert.notEqual(x['kibana.alert.uuid'], y['kibana.alert.uuid']);
    assert.equal(x['seqhunt.incident.id'], y['seqhunt.incident.id']);
    const companion = alerts.find((a) => a['kibana.alert.rule.rule_id'] === 'seqhunt-remote-task-security-log')!;
    assert.equal(companion['seqhunt.task']!.name, TASK);
    assert.equal(companion['seqhunt.task']!.command, CMD);
    assert.equal(companion['source.ip'], '172.18.39.5');
    assert.equal(companion['source.user.name'], 'pgustavo');
    // With the record time known the Sysmon writes are on the Security events' clock: the companion waits for
    // them and finds the GUID from the Tree Id write naming the same path. Without it, the Sysmon events are
    // 5 h "later" on the host clock, the companion's window closes before they arrive and the GUID stays absent.
    assert.equal(companion['seqhunt.task']!.guid, withCreated ? GUID : undefined);
  });
}

test('the same task path written from another source address is another incident', () => {
  const f = otrfLike(false);
  const asm = new AlertAssembler();
  const x = only(hunt(asm, f.events, [[rule(), match(f.net, f.actions)]]));
  const asm2 = new AlertAssembler();
  const g = otrfLike(false);
  const otherNet = sysmon3({ ts: T - 5000 }, { ip: '172.18.39.99', port: 50001 });
  const other = only(hunt(asm2, [...g.events, otherNet], [[rule(), match(otherNet, g.actions)]]));
  assert.notEqual(other['seqhunt.incident.id'], x['seqhunt.incident.id']);
  assert.equal(other['source.ip'], '172.18.39.99');
});

test('related activity on a clock 5 h off is found around that clock\'s identity-linked event, not the match time', () => {
  const asm = new AlertAssembler({ contextWindowMs: 60_000 });
  const f = otrfLike(false);
  const local = T - FIVE_H;
  const near = sec5145(local + 500, { user: 'pgustavo', domain: 'THESHIRE', logonId: '0xead4335', ip: '172.18.39.5', port: 56590, share: '\\\\*\\C$', target: 'Windows\\Temp\\x.exe' });
  const far = sec5145(local + 90_000, { user: 'pgustavo', domain: 'THESHIRE', logonId: '0xead4335', ip: '172.18.39.5', port: 56591, share: '\\\\*\\ADMIN$', target: 'late.exe' });
  const service = sys7045(local + 2_000, 'evilsvc', 'C:\\Windows\\Temp\\x.exe');
  const a = only(hunt(asm, [...f.events, near, far, service], [[rule(), match(f.net, f.actions)]]));
  const related = a['seqhunt.related']!.map((r) => r.summary).join('\n');
  assert.match(related, /C\$\\Windows\\Temp\\x\.exe from 172\.18\.39\.5 by THESHIRE\\pgustavo/);
  assert.doesNotMatch(related, /late\.exe/);
  // The System log has no identity-linked event: its window is centered on the match's own (Sysmon) time,
  // 5 h away from this service install, so it is not claimed.
  assert.doesNotMatch(related, /evilsvc/);
});

test('fallbacks: Tasks\\{GUID}\\Path names the task when the Tree write is missing; TaskScheduler 201 gives the command', () => {
  const asm = new AlertAssembler();
  const net = sysmon3({ ts: T - 500 }, { ip: '10.0.0.5', port: 51001 });
  const [, path, actions] = registration({ ts: T }, GUID, TASK);
  const completed = make201(T + 30_000, TASK, 'C:\\Windows\\System32\\calc.exe');
  const a = only(hunt(asm, [net, path!, actions!, completed], [[rule(), match(net, actions!)]]));
  const t = a['seqhunt.task']!;
  assert.equal(t.name, TASK);
  assert.match(t.evidence.name!, /Tasks\\\{GUID\}\\Path/);
  assert.equal(t.command, 'C:\\Windows\\System32\\calc.exe');
  assert.match(t.evidence.command!, /^TaskScheduler 201 ActionName/);
  assert.equal(t.runAs, undefined, 'nothing said who it runs as');
});

test('processes started by the Schedule service and by the task command are related; related items are capped', () => {
  const asm = new AlertAssembler();
  const net = sysmon3({ ts: T - 500 }, { ip: '10.0.0.5', port: 51001 });
  const reg = registration({ ts: T }, GUID, TASK);
  const created = sec4698(T + 10, { user: 'u', domain: 'D', logonId: '0x5', taskName: TASK, content: taskXml({ uri: TASK, command: 'cmd.exe', args: '/c whoami' }) });
  const child = sysmon1(T + 1000, { parent: SVCHOST.guid, exe: 'C:\\Windows\\System32\\cmd.exe', cmd: 'cmd.exe /c whoami' });
  const unrelated = sysmon1(T + 1000, { parent: '{other}', exe: 'C:\\Windows\\System32\\notepad.exe', cmd: 'notepad' });
  const shares = Array.from({ length: 60 }, (_, i) => sec5145(T + 100 + i, { user: 'u', domain: 'D', logonId: '0x5', ip: '10.0.0.5', port: 51001, share: '\\\\*\\IPC$', target: `p${i}` }));
  const a = only(hunt(asm, [net, ...reg, created, child, unrelated, ...shares], [[rule(), match(net, reg[2]!)]]));
  const related = a['seqhunt.related']!;
  assert.equal(related.length, 50);
  assert.equal(a['seqhunt.related_omitted'], 11, 'the 60 share accesses and the process: 61 items, 50 kept');
  const all = hunt(new AlertAssembler(), [net, ...reg, created, child, unrelated], [[rule(), match(net, reg[2]!)]])[0]!['seqhunt.related']!;
  assert.ok(all.some((r) => r.kind === 'process' && r.summary.includes('cmd.exe /c whoami')), JSON.stringify(all.map((r) => r.summary)));
  assert.ok(!all.some((r) => r.summary.includes('notepad')), 'a process of another parent running another command is not related');
});

test('a Security log running on for an hour before the 5 h-later Sysmon events arrive: the task identity is still found', () => {
  const asm = new AlertAssembler();
  const f = otrfLike(false);
  const local = T - FIVE_H;
  // One logon a second for an hour after the creation, from elsewhere: the short window forgets the creator's
  // 4624, the identity class keeps the 4698.
  const busy = Array.from({ length: 3600 }, (_, i) => sec4624(local + 1000 + i * 1000, { user: 'svc', domain: 'D', logonId: `0x${(i + 16).toString(16)}`, ip: '10.9.9.9', port: 40000 + (i % 1000) }));
  const a = only(hunt(asm, [...f.events, ...busy], [[rule(), match(f.net, f.actions)]]));
  const t = a['seqhunt.task']!;
  assert.equal(t.name, TASK);
  assert.equal(t.command, CMD);
  assert.equal(t.runAs, 'SYSTEM');
  assert.equal(a['source.user.name'], 'pgustavo');
  assert.equal(a['source.ip'], '172.18.39.5');
  assert.ok(asm.contextEventCount < 1000, `bounded: ${asm.contextEventCount}`);
});
