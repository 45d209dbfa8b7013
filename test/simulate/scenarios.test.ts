import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WinEvent } from '../../src/formats/types.js';
import { SCENARIOS, decodeActions, formatScenarioList, isIpAddress, resolveOptions, simulate } from '../../src/simulate/index.js';

const data = (e: WinEvent, k: string) => e.eventData?.[k];
const find = (events: WinEvent[], pred: (e: WinEvent) => boolean, what: string) => {
  const found = events.find(pred);
  assert.ok(found, `no ${what}`);
  return found;
};
const isActions = (e: WinEvent) => e.system.eventId === 13 && String(data(e, 'TargetObject')).endsWith('\\Actions');
const sysmonMs = (e: WinEvent) => Date.parse(`${String(data(e, 'UtcTime')).replace(' ', 'T')}Z`);

test('every scenario id of the issue is there, with a kind and expectations', () => {
  const ids = SCENARIOS.map((s) => s.id);
  for (const id of ['schtasks-remote', 'atexec', 'cim-remote', 'schtasks-local', 'admin-sccm', 'admin-pdq', 'admin-intune', 'near-loopback', 'near-lowport', 'near-egress', 'near-late', 'near-otherproc']) {
    assert.ok(ids.includes(id as never), id);
  }
  for (const s of SCENARIOS) {
    const t = simulate(s.id);
    assert.ok(t.windows.length > 0 && t.defend.length > 0, `${s.id} writes events`);
  }
});

test('output is deterministic for a seed and time, and the seed changes ids', () => {
  const a = JSON.stringify(simulate('atexec', { seed: 7 }));
  assert.equal(JSON.stringify(simulate('atexec', { seed: 7 })), a);
  assert.notEqual(JSON.stringify(simulate('atexec', { seed: 8 })), a);
  const later = simulate('schtasks-remote', { time: '2027-03-01T08:00:00Z' });
  assert.ok(later.windows[0]!.system.timeCreated.startsWith('2027-03-01T08:00:00'));
  assert.equal(JSON.stringify(simulate('schtasks-remote', { time: '2027-03-01T08:00:00' })), JSON.stringify(later), 'no zone = UTC');
  assert.ok(simulate('schtasks-remote', { time: '2027-03-01T09:00:00+01:00' }).windows[0]!.system.timeCreated.startsWith('2027-03-01T08:00:00'));
});

test('record ids, logon ids, process and task GUIDs depend on seed and time, and increase within a run', () => {
  const logOf = (e: WinEvent) => `${e.system.computer}|${e.system.channel}`;
  const ids = (events: WinEvent[]) => {
    const records = new Set(events.map((e) => `${logOf(e)}|${e.system.recordId}`));
    const logons = new Set(events.filter((e) => e.system.eventId === 4624).map((e) => `${e.system.computer}|${String(data(e, 'TargetLogonId'))}`));
    const processes = new Set(events.map((e) => data(e, 'ProcessGuid')).filter((g) => g !== undefined).map(String));
    const tasks = new Set(events.map((e) => /\\TaskCache\\Tasks\\(\{[^}]+\})/.exec(String(data(e, 'TargetObject') ?? ''))?.[1]).filter((g) => g !== undefined));
    return { records, logons, processes, tasks };
  };
  const disjoint = (a: Set<string>, b: Set<string>, what: string) => {
    assert.ok(a.size > 0 && b.size > 0, `${what}: some`);
    assert.deepEqual([...a].filter((x) => b.has(x)), [], what);
  };
  for (const id of ['schtasks-remote', 'admin-sccm'] as const) {
    const base = simulate(id);
    const runs = { seed: simulate(id, { seed: 2 }), time: simulate(id, { time: '2026-01-15T11:00:00Z' }), dayLater: simulate(id, { time: '2026-01-16T10:00:00Z' }) };
    const a = ids(base.windows);
    for (const [what, other] of Object.entries(runs)) {
      const b = ids(other.windows);
      for (const k of ['records', 'logons', 'processes', 'tasks'] as const) disjoint(a[k], b[k], `${id}, another ${what}: ${k}`);
      disjoint(new Set(base.defend.map((d: any) => String(d.event.id))), new Set(other.defend.map((d: any) => String(d.event.id))), `${id}, another ${what}: Defend event.id`);
    }
    // Within a run, as Windows writes them: record ids increase per log in write order, logon ids per host in time.
    const lastRecord = new Map<string, number>();
    const lastLogon = new Map<string, number>();
    for (const e of base.windows) {
      assert.ok(e.system.recordId! > (lastRecord.get(logOf(e)) ?? 0), `${id}: ${logOf(e)} record ids increase`);
      lastRecord.set(logOf(e), e.system.recordId!);
      if (e.system.eventId !== 4624) continue;
      const luid = parseInt(String(data(e, 'TargetLogonId')), 16);
      assert.ok(luid > (lastLogon.get(e.system.computer) ?? 0), `${id}: ${e.system.computer} logon ids increase`);
      lastLogon.set(e.system.computer, luid);
    }
  }
});

test('schtasks-remote: the surroundings Windows writes, in write order, with the Sysmon 3 lag', () => {
  const t = simulate('schtasks-remote', { host: 'WS06.corp.test', sourceIp: '192.0.2.7', user: 'CORP\\bob', task: 'Evil', command: 'cmd.exe /c whoami' });
  const w = t.windows;
  const times = w.map((e) => e.system.timeCreated);
  assert.deepEqual(times, [...times].sort(), 'records are in TimeCreated order');
  assert.ok(w.every((e) => e.system.computer === 'WS06.corp.test'));
  const epm = find(w, (e) => e.system.eventId === 5156 && data(e, 'DestPort') === '135', 'WFP 5156 on 135');
  const rpc = find(w, (e) => e.system.eventId === 5156 && Number(data(e, 'DestPort')) >= 49152, 'WFP 5156 on the dynamic port');
  assert.equal(data(epm, 'SourceAddress'), '192.0.2.7');
  assert.equal(data(epm, 'Direction'), '%%14592');
  const logon = find(w, (e) => e.system.eventId === 4624, '4624');
  assert.equal(data(logon, 'LogonType'), '3');
  assert.equal(data(logon, 'TargetUserName'), 'bob');
  assert.equal(data(logon, 'IpPort'), data(rpc, 'SourcePort'), 'the logon comes from the RPC connection');
  const tree = find(w, (e) => e.system.eventId === 12 && String(data(e, 'TargetObject')).endsWith('\\TaskCache\\Tree\\Evil'), 'Tree key');
  const actions = find(w, isActions, 'Actions write');
  assert.equal(data(actions, 'Details'), 'Binary Data');
  assert.ok(w.indexOf(tree) < w.indexOf(actions));
  const ts106 = find(w, (e) => e.system.eventId === 106, 'Task Scheduler 106');
  assert.equal(data(ts106, 'TaskName'), '\\Evil');
  const created = find(w, (e) => e.system.eventId === 4698, '4698');
  assert.equal(data(created, 'SubjectLogonId'), data(logon, 'TargetLogonId'));
  assert.equal(data(created, 'RpcCallClientLocality'), '0');
  assert.equal(data(created, 'ClientProcessId'), '0');
  assert.match(String(data(created, 'TaskContent')), /<Command>cmd\.exe<\/Command>\s*<Arguments>\/c whoami<\/Arguments>/);
  // The lag: the inbound Sysmon 3 of the Schedule svchost is written after the Actions write, with an earlier UtcTime.
  const net = find(w, (e) => e.system.eventId === 3 && data(e, 'ProcessGuid') === data(actions, 'ProcessGuid'), 'Sysmon 3 of the Schedule svchost');
  assert.equal(data(net, 'Initiated'), 'false');
  assert.ok(w.indexOf(net) > w.indexOf(actions), 'written after the registry event');
  assert.ok(sysmonMs(net) < sysmonMs(actions), 'UtcTime earlier than the registry event');
  assert.ok(Number(data(net, 'SourcePort')) >= 49152 && Number(data(net, 'DestinationPort')) >= 49152);
  find(w, (e) => e.system.eventId === 3 && data(e, 'DestinationPort') === '135', 'Sysmon 3 on the endpoint mapper');
});

test('Defend registry documents carry the Actions value as base64 bytes that decode to the task command', () => {
  const t = simulate('schtasks-remote', { command: '"C:\\Tools\\x.exe" -run now' });
  const doc = t.defend.find((d) => (d.registry as { value?: string } | undefined)?.value === 'Actions') as { registry: { data: { bytes: string; type: string }; path: string }; process: { name: string; entity_id: string } };
  assert.ok(doc, 'a Defend Actions modification');
  assert.equal(doc.registry.data.type, 'REG_BINARY');
  const decoded = decodeActions(Buffer.from(doc.registry.data.bytes, 'base64'));
  assert.equal(decoded.context, 'Author');
  assert.deepEqual(decoded.actions[0], { command: 'C:\\Tools\\x.exe', arguments: '-run now', workingDirectory: '' });
  assert.match(doc.registry.path, /^HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tasks\\\{[0-9A-F-]{36}\}\\Actions$/);
  const net = t.defend.find((d) => (d.event as { action: string }).action === 'connection_accepted' && (d.destination as { port: number }).port >= 49152) as { process: { entity_id: string }; network: { direction: string } };
  assert.equal(net.process.entity_id, doc.process.entity_id, 'same Defend process entity');
  assert.equal(net.network.direction, 'incoming');
});

test('atexec: 5145 on IPC$ for atsvc, an address-less logon for 4698, run and delete; nothing reaches svchost over TCP', () => {
  const w = simulate('atexec').windows;
  const pipe = find(w, (e) => e.system.eventId === 5145 && data(e, 'RelativeTargetName') === 'atsvc', '5145 atsvc');
  assert.equal(data(pipe, 'ShareName'), '\\\\*\\IPC$');
  const created = find(w, (e) => e.system.eventId === 4698, '4698');
  const logon = find(w, (e) => e.system.eventId === 4624 && data(e, 'TargetLogonId') === data(created, 'SubjectLogonId'), 'the 4698 logon');
  assert.equal(data(logon, 'IpAddress'), '-');
  assert.match(String(data(created, 'TaskName')), /^\\[A-Za-z]{8}$/);
  assert.match(String(data(created, 'TaskContent')), /%windir%\\Temp\\[A-Za-z]{8}\.tmp 2&gt;&amp;1|%windir%\\Temp\\[A-Za-z]{8}\.tmp 2>&1/);
  find(w, (e) => e.system.eventId === 4699 && data(e, 'TaskName') === data(created, 'TaskName'), '4699 for the same task');
  const inbound = w.filter((e) => e.system.eventId === 3 && data(e, 'Initiated') === 'false');
  assert.ok(inbound.length > 0 && inbound.every((e) => data(e, 'DestinationPort') === '445' && data(e, 'Image') === 'System'));
});

test('near misses differ from schtasks-remote only where their name says', () => {
  const inbound = (id: string) => simulate(id).windows.filter((e) => e.system.eventId === 3 && data(e, 'Initiated') === 'false' && Number(data(e, 'DestinationPort')) !== 135);
  assert.ok(inbound('near-loopback').every((e) => data(e, 'SourceIp') === '127.0.0.1'));
  assert.ok(inbound('near-lowport').every((e) => Number(data(e, 'SourcePort')) < 49152));
  assert.equal(inbound('near-egress').length, 0);
  const late = simulate('near-late').windows;
  const lateNet = find(late, (e) => e.system.eventId === 3 && Number(data(e, 'DestinationPort')) >= 49152, 'inbound connection');
  const lateActions = find(late, isActions, 'Actions write');
  assert.equal(data(lateNet, 'ProcessGuid'), data(lateActions, 'ProcessGuid'));
  assert.ok(sysmonMs(lateActions) - sysmonMs(lateNet) > 60_000);
  const other = simulate('near-otherproc').windows;
  assert.notEqual(data(find(other, (e) => e.system.eventId === 3 && Number(data(e, 'DestinationPort')) >= 49152, 'inbound'), 'ProcessGuid'), data(find(other, isActions, 'Actions'), 'ProcessGuid'));
});

test('admin tooling recurs from one management server to many targets', () => {
  const t = simulate('admin-sccm', { targets: 3, runs: 2 });
  const hosts = new Set(t.windows.map((e) => e.system.computer));
  assert.equal(hosts.size, 3);
  const sources = new Set(t.windows.filter((e) => e.system.eventId === 4624).map((e) => data(e, 'IpAddress')));
  assert.deepEqual([...sources], ['10.20.5.10']);
  assert.equal(t.windows.filter(isActions).length, 6, 'one Actions write per target and run');
  assert.equal(t.expected.windows['Remote Scheduled Task Creation'], 6);
});

test('addresses: IPv4 and IPv6 accepted, anything else refused (999.1.1.1 is not an address)', () => {
  for (const ok of ['10.20.30.15', '192.0.2.7', '::1', '2001:db8::7', 'fe80::1', '::ffff:10.1.2.3']) assert.ok(isIpAddress(ok), ok);
  for (const bad of ['999.1.1.1', '10.0.0', '1.2.3.4.5', '01.2.3.4', '2001:db8::1::2', ':::', 'fe80::1%eth0', '[::1]', 'host.example', '']) assert.ok(!isIpAddress(bad), bad);
  assert.throws(() => resolveOptions({ sourceIp: '999.1.1.1' }), /--source-ip: not an IP address \(IPv4 or IPv6\): "999\.1\.1\.1"/);
  assert.throws(() => simulate('atexec', { targetIp: '10.0.0.256' }), /--target-ip: not an IP address/);
  const v6 = simulate('schtasks-remote', { sourceIp: '2001:db8::7' });
  const net = find(v6.windows, (e) => e.system.eventId === 3 && data(e, 'SourceIp') === '2001:db8::7', 'IPv6 Sysmon 3');
  assert.equal(data(net, 'SourceIsIpv6'), 'true');
});

test('--list says, per telemetry shape, which rules fire, and why atexec fires nothing in the Defend shape', () => {
  const text = formatScenarioList();
  for (const s of SCENARIOS) assert.match(text, new RegExp(`^${s.id} .*\\n {4}windows \\(--format xml, evtx, winlogbeat\\): .*\\n {4}defend \\(--format defend\\): `, 'm'), s.id);
  assert.match(text, /^atexec .*\n {4}windows .*: fires Scheduled Task Created over the ATSVC Named Pipe ×1; Remote Scheduled Task Creation via RPC \(Security log\) ×1\n {4}defend .*: no rule fires: no TCP connection reaches the Task Scheduler svchost/m);
  assert.match(text, /^cim-remote .*\n.*\n {4}defend .*: fires Scheduled Task Registered through Remote Management ×1$/m);
});
