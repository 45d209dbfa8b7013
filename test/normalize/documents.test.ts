// JSON documents: flat exports (OTRF, NXLog), Winlogbeat without ECS fields, ECS pass-through, and what is neither.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkNormalizeOptions, isEcsField, ecsFieldType, normalize } from '../../src/normalize/index.js';
import type { NormalizeOptions, NormalizeResult } from '../../src/normalize/index.js';

type Doc = Record<string, any>;

function run(doc: Record<string, unknown>, options?: NormalizeOptions): NormalizeResult {
  return normalize({ kind: 'document', doc, origin: { file: 'in.json', line: 7 } }, options);
}

function ok(doc: Record<string, unknown>, options?: NormalizeOptions): { doc: Doc; timestamp: number; host: string } {
  const r = run(doc, options);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  assert.equal(r.event.origin.file, 'in.json');
  assert.equal(r.event.origin.line, 7);
  return { doc: r.event.doc as Doc, timestamp: r.event.timestamp, host: r.event.host };
}

const otrfNetwork = () => ({
  SourceName: 'Microsoft-Windows-Sysmon',
  ProviderGuid: '{5770385f-c22a-43e0-bf4c-06f5698ffbd9}',
  Level: '4',
  Keywords: '0x8000000000000000',
  Channel: 'Microsoft-Windows-Sysmon/Operational',
  Hostname: 'WORKSTATION6.theshire.local',
  TimeCreated: '2020-12-19T07:00:23.245Z',
  '@timestamp': '2020-12-19T07:00:23.245Z',
  EventID: 3,
  Message: 'Network connection detected:',
  Task: '3',
  RuleName: '-',
  UtcTime: '2020-12-19 12:00:01.012',
  ProcessGuid: '{649442B8-52DC-5FD1-3600-000000000600}',
  ProcessId: '2220',
  Image: 'C:\\Windows\\System32\\svchost.exe',
  Protocol: 'tcp',
  Initiated: 'FALSE',
  SourceIp: '172.18.39.5',
  SourcePort: '56588',
  DestinationIp: '172.18.39.6',
  DestinationPort: '49671',
});

describe('flat exports', () => {
  it('OTRF: System fields apart from event data, Sysmon mapping, host from Hostname', () => {
    const { doc, timestamp, host } = ok(otrfNetwork());
    assert.equal(host, 'workstation6.theshire.local');
    assert.equal(timestamp, Date.UTC(2020, 11, 19, 12, 0, 1, 12));
    assert.equal(doc.process.entity_id, '{649442b8-52dc-5fd1-3600-000000000600}');
    assert.equal(doc.network.direction, 'ingress');
    assert.equal(doc.message, 'Network connection detected:');
    assert.equal(doc.winlog.provider_guid, '{5770385f-c22a-43e0-bf4c-06f5698ffbd9}');
    assert.equal(doc.winlog.task, '3');
    assert.equal(doc.winlog.event_data.Message, undefined);
    assert.equal(doc.winlog.event_data.Hostname, undefined);
    assert.equal(doc.winlog.event_data.ProcessId, '2220');
    assert.equal(doc.host.os.type, 'windows');
  });

  it('timezone relabels the record time of a flat export but not Sysmon UtcTime', () => {
    const { doc } = ok(otrfNetwork(), { timezone: 'America/New_York' });
    assert.equal(doc.event.created, '2020-12-19T12:00:23.245Z');
    assert.equal(doc['@timestamp'], '2020-12-19T12:00:01.012Z');
    const shifted = ok(otrfNetwork(), { timezone: '-05:00', timeOffsetMs: -1000 });
    assert.equal(shifted.doc.event.created, '2020-12-19T12:00:22.245Z');
    assert.equal(shifted.doc['@timestamp'], '2020-12-19T12:00:00.012Z');
  });

  it('NXLog: the collector in `host` is not the event\'s host; NXLog severities stay out of event data', () => {
    const { doc, host } = ok({
      RecordNumber: 809360, ProcessId: '3028', ExecutionProcessID: 3956, Initiated: 'false', SourceName: 'Microsoft-Windows-Sysmon',
      SourceModuleName: 'eventlog', Task: 3, EventTime: '2020-10-09 17:35:00', UserID: 'S-1-5-18', Domain: 'NT AUTHORITY',
      AccountName: 'SYSTEM', AccountType: 'User', Protocol: 'tcp', '@timestamp': '2020-10-09T21:35:00.329Z', Severity: 'INFO',
      EventType: 'INFO', EventID: 3, UtcTime: '2020-10-09 21:34:47.957', Channel: 'Microsoft-Windows-Sysmon/Operational',
      Hostname: 'WORKSTATION6.theshire.local', host: 'wec.internal.cloudapp.net', port: 58623, tags: ['mordorDataset'],
      Keywords: -9223372036854775808, Version: 5, SourceIp: '172.18.39.5', SourcePort: '50971', DestinationIp: '172.18.39.6',
      DestinationPort: '55833', ProcessGuid: '{9318926b-a2a5-5f7e-4200-000000000400}', Image: 'C:\\Windows\\System32\\svchost.exe',
    });
    assert.equal(host, 'workstation6.theshire.local');
    assert.equal(doc.winlog.record_id, '809360');
    const r = run({ Channel: 'Security', EventID: 4624, Hostname: 'h', '@timestamp': '2020-10-09T21:35:00.329Z', RecordNumber: 235947 });
    assert.ok(r.ok);
    assert.deepEqual(r.event.origin, { file: 'in.json', line: 7, record: 235947 }, 'the export\'s record number joins the origin');
    assert.equal(doc.winlog.version, 5);
    assert.deepEqual(doc.winlog.process, { pid: 3956 });
    assert.deepEqual(doc.winlog.user, { identifier: 'S-1-5-18' });
    assert.equal(doc.user.id, 'S-1-5-18');
    for (const k of ['EventType', 'host', 'port', 'AccountName', 'Domain', 'EventTime', 'Severity', 'tags']) {
      assert.equal(doc.winlog.event_data[k], undefined, k);
    }
    assert.equal(doc.event.created, '2020-10-09T21:35:00.329Z', '@timestamp (UTC in NXLog) preferred over local EventTime');
    assert.equal(doc.winlog.event_data.ProcessId, '3028');
  });

  it('event data numbers from NXLog become text, as Windows writes them', () => {
    const { doc } = ok({ Channel: 'Security', SourceName: 'Microsoft-Windows-Security-Auditing', EventID: 4624, Hostname: 'h', '@timestamp': '2020-10-09T21:35:00.329Z', LogonType: 3, IpPort: 50963, IpAddress: '172.18.39.5', ElevatedToken: true });
    assert.equal(doc.winlog.event_data.LogonType, '3');
    assert.equal(doc.winlog.event_data.ElevatedToken, 'true');
    assert.equal(doc.winlog.logon.type, 'Network');
    assert.equal(doc.source.port, 50963);
  });

  it('keeps Sysmon\'s own EventType when NXLog did not overwrite it, and EventID given as text', () => {
    const { doc } = ok({ Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: '13', Hostname: 'h', TimeCreated: '2022-07-05T02:00:36.466Z', EventType: 'SetValue', TargetObject: 'HKLM\\X\\Y', Details: 'DWORD (0x00000001)' });
    assert.equal(doc.winlog.event_data.EventType, 'SetValue');
    assert.equal(doc.registry.path, 'HKLM\\X\\Y');
  });

  it('Security flat export maps as EVTX does', () => {
    const { doc } = ok({ SourceName: 'Microsoft-Windows-Security-Auditing', Channel: 'Security', EventID: 4698, Hostname: 'WS6', TimeCreated: '2020-12-19T07:00:22.264Z', Keywords: '0x8020000000000000', SubjectUserName: 'pgustavo', SubjectDomainName: 'THESHIRE', SubjectLogonId: '0xead4335', TaskName: '\\T', TaskContent: '<Task/>' });
    assert.equal(doc.event.action, 'scheduled-task-created');
    assert.equal(doc.event.outcome, 'success');
    assert.equal(doc.winlog.logon.id, '0xead4335');
    assert.equal(doc.winlog.event_data.TaskContent, '<Task/>');
  });
});

describe('Winlogbeat documents', () => {
  const beat = (over: Doc = {}) => ({
    '@timestamp': '2020-12-19T12:00:23.245Z',
    agent: { type: 'winlogbeat', version: '7.10.0' },
    host: { name: 'WORKSTATION6', id: 'c0ffee' },
    event: { code: 3, kind: 'event', provider: 'Microsoft-Windows-Sysmon', created: '2020-12-19T12:00:24.000Z' },
    winlog: {
      channel: 'Microsoft-Windows-Sysmon/Operational', provider_name: 'Microsoft-Windows-Sysmon', computer_name: 'WORKSTATION6.theshire.local',
      event_id: 3, record_id: 77, api: 'wineventlog',
      event_data: { UtcTime: '2020-12-19 12:00:01.012', ProcessGuid: '{649442B8-52DC-5FD1-3600-000000000600}', Image: 'C:\\Windows\\System32\\svchost.exe', Initiated: 'false', SourceIp: '172.18.39.5', SourcePort: '56588', DestinationIp: '172.18.39.6', DestinationPort: '49671' },
    },
    ...over,
  });

  it('a document with winlog.event_data but no ECS categorization gets the same mappings, keeping its own fields', () => {
    const { doc, timestamp, host } = ok(beat());
    assert.deepEqual(doc.event.category, ['network']);
    assert.equal(doc.network.direction, 'ingress');
    assert.equal(doc.process.entity_id, '{649442b8-52dc-5fd1-3600-000000000600}');
    assert.equal(doc.source.port, 56588);
    assert.equal(doc['@timestamp'], '2020-12-19T12:00:01.012Z', 'Sysmon UtcTime, as the pipeline does');
    assert.equal(timestamp, Date.UTC(2020, 11, 19, 12, 0, 1, 12));
    assert.equal(host, 'c0ffee', 'the agent host id of the same machine is kept');
    assert.equal(doc.host.os.type, 'windows');
    assert.equal(doc.agent.type, 'winlogbeat');
    assert.equal(doc.winlog.api, 'wineventlog');
  });

  it('a forwarded event (host.* is the collector) takes the event\'s own computer; the collector goes to observer', () => {
    const { doc, host } = ok(beat({ host: { name: 'WEC01', id: 'collector-id' } }));
    assert.equal(host, 'workstation6.theshire.local');
    assert.equal(doc.host.name, 'WORKSTATION6.theshire.local');
    assert.equal(doc.observer.hostname, 'WEC01');
  });

  it('dotted keys are expanded', () => {
    const { doc } = ok({
      '@timestamp': '2020-12-19T12:00:23.245Z',
      'winlog.channel': 'Security', 'winlog.provider_name': 'Microsoft-Windows-Security-Auditing', 'winlog.event_id': '4624',
      'winlog.computer_name': 'DC1', 'winlog.event_data.LogonType': '3', 'winlog.event_data.TargetUserName': 'bob', 'winlog.event_data.IpAddress': '10.0.0.9',
    });
    assert.equal(doc.event.action, 'logged-in');
    assert.equal(doc.winlog.logon.type, 'Network');
    assert.equal(doc.source.ip, '10.0.0.9');
    assert.equal(doc.host.id, 'dc1');
  });
});

describe('ECS documents', () => {
  it('Elastic Defend registry and network events pass through with canonical forms', () => {
    const reg = ok({
      '@timestamp': '2023-03-01T10:00:01.5Z',
      event: { category: ['registry'], type: ['change'], action: 'modification', module: 'endpoint' },
      host: { id: 'a1b2', name: 'ws6', os: { type: 'windows' } },
      process: { entity_id: 'NjRhMmYz', name: 'svchost.exe' },
      registry: { path: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tasks\\{G}\\Actions', value: 'Actions', data: { bytes: 'AwAMAA==' } },
    });
    assert.equal(reg.doc.registry.path, 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tasks\\{G}\\Actions');
    assert.equal(reg.doc.registry.hive, 'HKLM');
    assert.equal(reg.doc.process.entity_id, 'NjRhMmYz', 'Defend entity ids are opaque: unchanged');
    assert.equal(reg.doc['@timestamp'], '2023-03-01T10:00:01.500Z');
    assert.equal(reg.host, 'a1b2');

    const net = ok({
      '@timestamp': '2023-03-01T10:00:00Z',
      'event.category': ['network'], 'event.type': ['start'], 'network.direction': 'incoming',
      'source.ip': '0:0:0:0:0:0:0:1', 'source.port': 50000, 'host.name': 'WS6', 'host.os.type': 'windows',
    });
    assert.equal(net.doc.network.direction, 'incoming', 'values are not rewritten');
    assert.equal(net.doc.source.ip, '::1');
    assert.equal(net.host, 'ws6', 'host.id from host.name when absent');
    assert.equal(net.doc.host.name, 'WS6');
  });

  it('a categorized Winlogbeat document forwarded through a collector takes its own computer as host', () => {
    const fwd = ok({
      '@timestamp': '2020-12-19T12:00:22.264Z',
      event: { code: '4698', category: ['iam', 'configuration'], action: 'scheduled-task-created' },
      host: { name: 'wec01', id: 'collector-uuid', os: { type: 'windows' } },
      winlog: { channel: 'Security', computer_name: 'WS6.corp.local', event_data: { TaskName: '\\T' } },
    });
    assert.equal(fwd.host, 'ws6.corp.local');
    assert.equal(fwd.doc.host.name, 'WS6.corp.local');
    assert.equal(fwd.doc.observer.hostname, 'wec01');
    const local = ok({
      '@timestamp': '2020-12-19T12:00:22.264Z',
      event: { code: '4698', category: ['iam', 'configuration'] },
      host: { name: 'ws6', id: 'agent-uuid' },
      winlog: { channel: 'Security', computer_name: 'WS6.corp.local' },
    });
    assert.equal(local.host, 'agent-uuid', 'the same machine keeps its agent host id');
    assert.equal(local.doc.observer, undefined);
    assert.equal(local.doc.host.os.type, 'windows');
  });

  it('accepts epoch @timestamps and zone-less times (UTC unless a timezone is given)', () => {
    assert.equal(ok({ '@timestamp': 1608379222232, host: { id: 'h' } }).timestamp, Date.UTC(2020, 11, 19, 12, 0, 22, 232));
    assert.equal(ok({ '@timestamp': '2020-12-19 12:00:22.232', host: { id: 'h' } }).timestamp, Date.UTC(2020, 11, 19, 12, 0, 22, 232));
    assert.equal(ok({ '@timestamp': '2020-12-19 07:00:22.232', host: { id: 'h' } }, { timezone: '-05:00' }).timestamp, Date.UTC(2020, 11, 19, 12, 0, 22, 232));
    assert.equal(ok({ '@timestamp': '2020-12-19T07:00:22.232Z', host: { id: 'h' } }, { timezone: '-05:00' }).timestamp, Date.UTC(2020, 11, 19, 7, 0, 22, 232), 'an ECS Z time is trusted');
  });
});

describe('what is not an event', () => {
  it('plain JSON that is neither Windows nor ECS', () => {
    const r = run({ hello: 'world', count: 3 });
    assert.equal(r.ok, false);
    assert.match((r as { reason: string }).reason, /not a Windows event or ECS document/);
  });

  it('an unreadable @timestamp, with the value in the reason', () => {
    const r = run({ '@timestamp': 'soon', host: { id: 'h' } });
    assert.equal(r.ok, false);
    assert.match((r as { reason: string }).reason, /unreadable @timestamp "soon"/);
  });

  it('a flat export without any readable time', () => {
    const r = run({ Channel: 'Security', EventID: 4624, Hostname: 'h', TimeCreated: 'n/a' });
    assert.equal(r.ok, false);
    assert.match((r as { reason: string }).reason, /Security event 4624 has no readable time/);
  });

  it('problem items and bad options come back as reasons', () => {
    const p = normalize({ kind: 'problem', severity: 'error', message: 'bad chunk', origin: { file: 'x.evtx' } });
    assert.deepEqual(p, { ok: false, reason: 'not an event: bad chunk' });
    const opts = { timezone: 'Nowhere/City' };
    assert.match(checkNormalizeOptions(opts) ?? '', /unknown time zone "Nowhere\/City"/);
    assert.equal(run(otrfNetwork(), opts).ok, false);
    assert.equal(checkNormalizeOptions({ timezone: 'Europe/Berlin', timeOffsetMs: 5 }), undefined);
  });
});

describe('ECS schema', () => {
  it('knows the fields seqhunt produces and the flagship reads, with their types', () => {
    for (const f of ['host.id', 'host.os.type', 'process.entity_id', 'process.name', 'network.direction', 'source.ip', 'source.port', 'destination.port', 'event.type', 'registry.value', 'registry.path', 'winlog.event_data.TaskName', 'winlog.logon.type', 'user.effective.name', 'process', 'winlog']) {
      assert.ok(isEcsField(f), f);
    }
    assert.equal(ecsFieldType('source.ip'), 'ip');
    assert.equal(ecsFieldType('related.ip'), 'ip');
    assert.equal(ecsFieldType('source.port'), 'long');
    assert.equal(ecsFieldType('process.parent.pid'), 'long');
    assert.equal(ecsFieldType('@timestamp'), 'date');
    assert.equal(ecsFieldType('process'), 'object');
    assert.equal(ecsFieldType('registry.path'), 'keyword');
    for (const f of ['proces.name', 'constructor', '__proto__', 'toString', 'registry.pathx', 'winlog.event_datax']) assert.equal(isEcsField(f), false, f);
  });
});
