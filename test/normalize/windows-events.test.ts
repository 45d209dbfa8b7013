// Hand-made Windows events, one per mapped provider and event id, checked against the fields Elastic's pipelines
// produce (and seqhunt's documented choices where Elastic has none).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normalize } from '../../src/normalize/index.js';
import type { NormalizeOptions } from '../../src/normalize/index.js';
import type { DataValue, WinEvent, WinSystem } from '../../src/formats/types.js';

type Doc = Record<string, any>;

const SYSMON = ['Microsoft-Windows-Sysmon', 'Microsoft-Windows-Sysmon/Operational'] as const;
const SECURITY = ['Microsoft-Windows-Security-Auditing', 'Security'] as const;
const TASKS = ['Microsoft-Windows-TaskScheduler', 'Microsoft-Windows-TaskScheduler/Operational'] as const;

function win(
  [provider, channel]: readonly [string, string],
  eventId: number,
  eventData: Record<string, DataValue> | undefined,
  system: Partial<WinSystem> = {},
): WinEvent {
  return {
    system: {
      provider,
      eventId,
      channel,
      computer: 'WS6.corp.local',
      timeCreated: '2020-12-19T12:00:22.2470000Z',
      recordId: 42,
      ...system,
    },
    ...(eventData ? { eventData } : {}),
  };
}

function norm(ev: WinEvent, options?: NormalizeOptions): Doc {
  const r = normalize({ kind: 'windows', event: ev, origin: { file: 'f.evtx', record: ev.system.recordId } }, options);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  assert.equal(r.event.origin.file, 'f.evtx');
  return r.event.doc as Doc;
}

const GUID = '{649442B8-52DC-5FD1-3600-000000000600}';
const guid = GUID.toLowerCase();

describe('every Windows event', () => {
  it('keeps System fields under winlog.*, and takes host.* from its own <Computer>', () => {
    const d = norm(
      win(['Application Error', 'Application'], 1000, { param1: 'x.exe' }, {
        providerGuid: '{AAA}', version: 2, level: 2, task: 100, opcode: 0, keywords: '0x80000000000000',
        processId: 4, threadId: 8, userId: 'S-1-5-18', activityId: '{B}',
      }),
    );
    assert.equal(d['@timestamp'], '2020-12-19T12:00:22.247Z');
    assert.deepEqual(d.event, { kind: 'event', code: '1000', provider: 'Application Error', created: '2020-12-19T12:00:22.247Z' });
    assert.equal(d.host.id, 'ws6.corp.local');
    assert.equal(d.host.name, 'WS6.corp.local');
    assert.equal(d.host.os.type, 'windows');
    assert.equal(d.winlog.channel, 'Application');
    assert.equal(d.winlog.provider_name, 'Application Error');
    assert.equal(d.winlog.provider_guid, '{AAA}');
    assert.equal(d.winlog.computer_name, 'WS6.corp.local');
    assert.equal(d.winlog.event_id, '1000');
    assert.equal(d.winlog.record_id, '42');
    assert.equal(d.winlog.version, 2);
    assert.deepEqual(d.winlog.process, { pid: 4, thread: { id: 8 } });
    assert.deepEqual(d.winlog.user, { identifier: 'S-1-5-18' });
    assert.equal(d.winlog.activity_id, '{B}');
    assert.deepEqual(d.winlog.event_data, { param1: 'x.exe' });
    assert.equal(d.log.level, 'error');
    assert.equal((d.event as Doc).category, undefined, 'unmapped events get no categorization');
  });

  it('gives forwarded events from many hosts their own host.id', () => {
    const a = norm(win(SECURITY, 4672, {}, { computer: 'DC01.corp.local' }));
    const b = norm(win(SECURITY, 4672, {}, { computer: 'dc01.CORP.local' }));
    const c = norm(win(SECURITY, 4672, {}, { computer: 'WS7.corp.local' }));
    assert.equal(a.host.id, b.host.id);
    assert.notEqual(a.host.id, c.host.id);
  });

  it('uses the rendered message and names of forwarded events (RenderingInfo)', () => {
    const ev = win(SECURITY, 4672, {});
    ev.rendering = { message: 'Special privileges assigned to new logon.', level: 'Information', task: 'Special Logon', keywords: ['Audit Success'] };
    const d = norm(ev);
    assert.equal(d.message, 'Special privileges assigned to new logon.');
    assert.equal(d.winlog.task, 'Special Logon');
    assert.deepEqual(d.winlog.keywords, ['Audit Success']);
    assert.equal(d.log.level, 'information');
  });

  it('applies timeOffsetMs to TimeCreated and to Sysmon UtcTime', () => {
    const d = norm(win(SYSMON, 5, { UtcTime: '2020-12-19 12:00:22.232' }), { timeOffsetMs: 3600000 });
    assert.equal(d['@timestamp'], '2020-12-19T13:00:22.232Z');
    assert.equal(d.event.created, '2020-12-19T13:00:22.247Z');
  });

  it('returns a reason, not an exception, for an event without a readable time', () => {
    const r = normalize({ kind: 'windows', event: win(SECURITY, 4624, {}, { timeCreated: 'garbage' }), origin: { file: 'f', record: 9 } });
    assert.equal(r.ok, false);
    assert.match((r as { reason: string }).reason, /Security event 4624 has no readable time/);
  });

  it('survives hostile event data names and values', () => {
    const data: Record<string, DataValue> = Object.create(null);
    data['__proto__'] = 'x';
    const ctor: string = 'constructor';
    data[ctor] = 'constructor';
    data.LogonType = 'constructor';
    data.IpAddress = '__proto__';
    data.TargetUserName = ['a', 'b'];
    data.TargetObject = 'toString';
    const d = norm(win(SECURITY, 4624, data));
    assert.equal(d.winlog.logon, undefined);
    assert.equal(d.source.ip, '__proto__');
    assert.equal(d.user?.name, undefined, 'an array is not a user name');
    const s = norm(win(SYSMON, 13, { TargetObject: '\\', Details: 'QWORD (0xzz-0x1)', UtcTime: '9999-99-99' }));
    assert.equal(s.registry.path, '\\');
    assert.deepEqual(s.registry.data, { strings: ['QWORD (0xzz-0x1)'], type: 'REG_SZ' });
    assert.equal(s['@timestamp'], '2020-12-19T12:00:22.247Z', 'bad UtcTime: @timestamp stays TimeCreated');
  });
});

describe('Sysmon', () => {
  it('1 process creation: process.*, parent, args, hashes, pe, user', () => {
    const d = norm(
      win(SYSMON, 1, {
        RuleName: '-', UtcTime: '2020-12-19 12:00:22.176', ProcessGuid: GUID, ProcessId: '4280',
        Image: 'C:\\Windows\\System32\\schtasks.exe', FileVersion: '10.0', Description: 'Task Scheduler Configuration Tool',
        Product: 'Microsoft® Windows® Operating System', Company: 'Microsoft Corporation', OriginalFileName: 'sctasks.exe',
        CommandLine: 'schtasks /create /tn "\\Microsoft\\X Y" /tr "C:\\a b\\c.exe" /S WS6', CurrentDirectory: 'C:\\',
        User: 'CORP\\alice', LogonId: '0x1', IntegrityLevel: 'High',
        Hashes: 'SHA1=AB,MD5=CD,SHA256=EF,IMPHASH=00000000000000000000000000000000',
        ParentProcessGuid: '{11111111-2222-3333-4444-555555555555}', ParentProcessId: '100',
        ParentImage: 'C:\\Windows\\System32\\cmd.exe', ParentCommandLine: 'cmd.exe',
      }),
    );
    assert.deepEqual(d.event.category, ['process']);
    assert.deepEqual(d.event.type, ['start']);
    assert.equal(d.event.action, 'Process creation');
    assert.equal(d.event.module, 'sysmon');
    assert.equal(d['@timestamp'], '2020-12-19T12:00:22.176Z');
    assert.equal(d.process.entity_id, guid);
    assert.equal(d.process.pid, 4280);
    assert.equal(d.process.name, 'schtasks.exe');
    assert.deepEqual(d.process.args, ['schtasks', '/create', '/tn', '\\Microsoft\\X Y', '/tr', 'C:\\a b\\c.exe', '/S', 'WS6']);
    assert.equal(d.process.args_count, 8);
    assert.equal(d.process.working_directory, 'C:\\');
    assert.deepEqual(d.process.hash, { sha1: 'ab', md5: 'cd', sha256: 'ef' });
    assert.equal(d.process.pe.imphash, undefined, 'all-zero hashes dropped');
    assert.equal(d.process.pe.original_file_name, 'sctasks.exe');
    assert.equal(d.process.pe.company, 'Microsoft Corporation');
    assert.deepEqual(d.process.parent, {
      entity_id: '{11111111-2222-3333-4444-555555555555}', pid: 100, executable: 'C:\\Windows\\System32\\cmd.exe',
      name: 'cmd.exe', command_line: 'cmd.exe', args: ['cmd.exe'], args_count: 1,
    });
    assert.deepEqual(d.user, { domain: 'CORP', name: 'alice' });
    assert.deepEqual(d.related.user, ['alice']);
    assert.deepEqual(d.related.hash, ['ab', 'cd', 'ef']);
    assert.equal(d.rule, undefined, 'RuleName "-" is not a rule name');
    assert.equal(d.winlog.event_data.RuleName, undefined, '"-" dropped from event data as Elastic does');
  });

  for (const [initiated, direction] of [['true', 'egress'], ['false', 'ingress'], ['True', 'egress'], ['FALSE', 'ingress'], ['False', 'ingress'], ['tRuE', 'egress']]) {
    it(`3 network connection: Initiated "${initiated}" → network.direction ${direction}`, () => {
      const d = norm(
        win(SYSMON, 3, {
          UtcTime: '2020-12-19 12:00:01.012', ProcessGuid: GUID, ProcessId: '2220', Image: 'C:\\Windows\\System32\\svchost.exe',
          User: 'NT AUTHORITY\\SYSTEM', Protocol: 'tcp', Initiated: initiated, SourceIsIpv6: 'false', SourceIp: '172.18.39.5',
          SourceHostname: 'WS5.corp.local', SourcePort: '56588', SourcePortName: '-', DestinationIsIpv6: 'false',
          DestinationIp: '172.18.39.6', DestinationHostname: '-', DestinationPort: '49671', DestinationPortName: 'epmap',
        }),
      );
      assert.equal(d.network.direction, direction);
      assert.deepEqual(d.event.type, ['start', 'connection', 'protocol']);
      assert.deepEqual(d.network, { transport: 'tcp', protocol: 'epmap', direction, type: 'ipv4' });
      assert.deepEqual(d.source, { ip: '172.18.39.5', port: 56588, domain: 'WS5.corp.local' });
      assert.deepEqual(d.destination, { ip: '172.18.39.6', port: 49671 });
      assert.deepEqual(d.related.ip, ['172.18.39.5', '172.18.39.6']);
      assert.equal(d.process.entity_id, guid);
    });
  }

  it('3 network connection: IPv6 spellings become canonical, unknown Initiated sets no direction', () => {
    const d = norm(win(SYSMON, 3, { Initiated: 'maybe', SourceIsIpv6: 'true', SourceIp: '0:0:0:0:0:0:0:1', DestinationIp: '::ffff:10.0.0.1', SourcePort: '1', DestinationPort: '2' }));
    assert.equal(d.network.direction, undefined);
    assert.equal(d.network.type, 'ipv6');
    assert.equal(d.source.ip, '::1');
    assert.equal(d.destination.ip, '10.0.0.1');
  });

  it('5 process terminated', () => {
    const d = norm(win(SYSMON, 5, { UtcTime: '2020-12-19 12:00:30.000', ProcessGuid: GUID, ProcessId: '9', Image: 'C:\\x\\notepad.exe' }));
    assert.deepEqual([d.event.category, d.event.type, d.event.action], [['process'], ['end'], 'Process terminated']);
    assert.equal(d.process.name, 'notepad.exe');
  });

  it('a zero ProcessGuid (<unknown process>) gives no process.entity_id', () => {
    const d = norm(win(SYSMON, 3, { ProcessGuid: '{00000000-0000-0000-0000-000000000000}', ProcessId: '8920', Image: '<unknown process>' }));
    assert.equal(d.process.entity_id, undefined);
    assert.equal(d.process.pid, 8920);
  });

  it('11 file create: file.path/name/directory/extension', () => {
    const d = norm(win(SYSMON, 11, { ProcessGuid: GUID, Image: 'C:\\Windows\\system32\\svchost.exe', TargetFilename: 'C:\\Windows\\System32\\Tasks\\Microsoft\\EventCacheManager.XML', CreationUtcTime: '2020-12-19 12:00:22.240' }));
    assert.deepEqual([d.event.category, d.event.type, d.event.action], [['file'], ['creation'], 'FileCreate']);
    assert.deepEqual(d.file, {
      path: 'C:\\Windows\\System32\\Tasks\\Microsoft\\EventCacheManager.XML',
      name: 'EventCacheManager.XML',
      directory: 'C:\\Windows\\System32\\Tasks\\Microsoft',
      extension: 'xml',
    });
  });

  it('12 CreateKey on Tasks\\{GUID}: registry.value is the GUID (Elastic), key includes it', () => {
    const path = 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tasks\\{47CDCDF5-3457-4925-96E5-DB6635FFCDDE}';
    const d = norm(win(SYSMON, 12, { EventType: 'CreateKey', ProcessGuid: GUID, TargetObject: path }));
    assert.deepEqual([d.event.category, d.event.type, d.event.action], [['configuration', 'registry'], ['change'], 'RegistryEvent (Object create and delete)']);
    assert.deepEqual(d.registry, { path, hive: 'HKLM', key: path.slice(5), value: '{47CDCDF5-3457-4925-96E5-DB6635FFCDDE}' });
  });

  const ACTIONS = 'SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tasks\\{47CDCDF5-3457-4925-96E5-DB6635FFCDDE}\\Actions';
  for (const [spelling, hive] of [
    ['HKLM\\', 'HKLM'], ['HKEY_LOCAL_MACHINE\\', 'HKLM'], ['\\REGISTRY\\MACHINE\\', 'HKLM'], ['hkey_local_machine\\', 'HKLM'],
    ['\\Registry\\Machine\\', 'HKLM'], ['HKU\\S-1-5-21-1\\', 'HKU'], ['HKEY_USERS\\S-1-5-21-1\\', 'HKU'], ['\\REGISTRY\\USER\\S-1-5-21-1\\', 'HKU'],
  ] as const) {
    it(`13 SetValue: hive spelled "${spelling}" → ${hive}\\`, () => {
      const d = norm(win(SYSMON, 13, { EventType: 'SetValue', ProcessGuid: GUID, TargetObject: spelling + ACTIONS, Details: 'Binary Data' }));
      const rest = hive === 'HKU' ? 'S-1-5-21-1\\' + ACTIONS : ACTIONS;
      assert.equal(d.registry.path, `${hive}\\${rest}`);
      assert.equal(d.registry.hive, hive);
      assert.equal(d.registry.key, rest);
      assert.equal(d.registry.value, 'Actions');
      assert.deepEqual(d.registry.data, { strings: ['Binary Data'], type: 'REG_BINARY' });
      assert.equal(d.winlog.event_data.TargetObject, spelling + ACTIONS, 'original kept');
    });
  }

  it('13 SetValue: DWORD, QWORD (Elastic\'s arithmetic) and string details', () => {
    const dword = norm(win(SYSMON, 13, { TargetObject: 'HKLM\\A\\Index', Details: 'DWORD (0x00000003)' }));
    assert.deepEqual(dword.registry.data, { strings: ['3'], type: 'SZ_DWORD' });
    const qword = norm(win(SYSMON, 13, { TargetObject: 'HKLM\\A\\Q', Details: 'QWORD (0x00000001-0x00000002)' }));
    assert.deepEqual(qword.registry.data, { strings: [String((1 << 8) + 2)], type: 'SZ_QWORD' });
    const sz = norm(win(SYSMON, 13, { TargetObject: 'HKLM\\A\\Author', Details: 'THESHIRE\\pgustavo' }));
    assert.deepEqual(sz.registry.data, { strings: ['THESHIRE\\pgustavo'], type: 'REG_SZ' });
  });

  it('14 RenameKey', () => {
    const d = norm(win(SYSMON, 14, { EventType: 'RenameKey', TargetObject: 'HKEY_CURRENT_USER\\Software\\Old', NewName: 'HKCU\\Software\\New' }));
    assert.equal(d.event.action, 'RegistryEvent (Key and Value Rename)');
    assert.equal(d.registry.path, 'HKCU\\Software\\Old');
    assert.equal(d.winlog.event_data.NewName, 'HKCU\\Software\\New');
  });

  it('22 DNS query: question, answers, resolved IPs, status', () => {
    const d = norm(win(SYSMON, 22, { QueryName: 'ntp.msn.com', QueryStatus: '0', QueryResults: 'type:  5 www-msn-com.a-0003.a-msedge.net;::ffff:204.79.197.203;', Image: 'C:\\x\\msedge.exe', ProcessGuid: GUID }));
    assert.deepEqual([d.event.category, d.event.type], [['network'], ['connection', 'protocol', 'info']]);
    assert.equal(d.network.protocol, 'dns');
    assert.equal(d.dns.question.name, 'ntp.msn.com');
    assert.deepEqual(d.dns.answers, [{ type: 'CNAME', data: 'www-msn-com.a-0003.a-msedge.net' }, { type: 'A', data: '204.79.197.203' }]);
    assert.deepEqual(d.dns.resolved_ip, ['204.79.197.203']);
    assert.equal(d.sysmon.dns.status, 'SUCCESS');
  });
});

describe('Security', () => {
  const subject = { SubjectUserSid: 'S-1-5-21-1-1104', SubjectUserName: 'pgustavo', SubjectDomainName: 'THESHIRE', SubjectLogonId: '0xead4335' };

  it('4624: Target user, logon type, source, outcome; winlog.logon.id from SubjectLogonId (Elastic quirk)', () => {
    const d = norm(
      win(SECURITY, 4624, {
        SubjectUserSid: 'S-1-0-0', SubjectUserName: '-', SubjectDomainName: '-', SubjectLogonId: '0x0',
        TargetUserSid: 'S-1-5-21-1-1104', TargetUserName: 'pgustavo@theshire.local', TargetDomainName: 'THESHIRE.LOCAL',
        TargetLogonId: '0xead4335', LogonType: '3', LogonProcessName: 'Kerberos', WorkstationName: '-',
        ProcessId: '0x0', ProcessName: '-', IpAddress: '::ffff:172.18.39.5', IpPort: '56588',
      }, { keywords: '0x8020000000000000' }),
    );
    assert.deepEqual([d.event.category, d.event.type, d.event.action], [['authentication'], ['start'], 'logged-in']);
    assert.equal(d.event.outcome, 'success');
    assert.equal(d.event.module, 'security');
    assert.deepEqual(d.winlog.logon, { type: 'Network', id: '0x0' });
    assert.deepEqual(d.user, { id: 'S-1-5-21-1-1104', name: 'pgustavo', domain: 'THESHIRE.LOCAL' });
    assert.deepEqual(d.source, { ip: '172.18.39.5', port: 56588 });
    assert.equal(d.process.pid, 0);
    assert.equal(d.process.executable, undefined, '"-" is not a path');
    assert.deepEqual(d.winlog.keywords, ['Audit Success']);
    assert.equal(d.winlog.event_data.TargetLogonId, '0xead4335');
  });

  it('4625: logon failed, outcome failure', () => {
    const d = norm(win(SECURITY, 4625, { TargetUserName: 'bob', LogonType: '10', IpAddress: '10.1.1.1', IpPort: '0' }, { keywords: '0x8010000000000000' }));
    assert.equal(d.event.action, 'logon-failed');
    assert.equal(d.event.outcome, 'failure');
    assert.equal(d.winlog.logon.type, 'RemoteInteractive');
    assert.deepEqual(d.source, { ip: '10.1.1.1', port: 0 });
  });

  it('4648: user is the Subject, user.effective the Target', () => {
    const d = norm(win(SECURITY, 4648, { ...subject, TargetUserName: 'admin', TargetDomainName: 'CORP', TargetServerName: 'WS6', ProcessId: '0x1f4', ProcessName: 'C:\\Windows\\System32\\svchost.exe', IpAddress: '-', IpPort: '-' }));
    assert.equal(d.event.action, 'logged-in-explicit');
    assert.deepEqual(d.user, { id: 'S-1-5-21-1-1104', name: 'pgustavo', domain: 'THESHIRE', effective: { name: 'admin', domain: 'CORP' } });
    assert.equal(d.process.pid, 500);
    assert.equal(d.process.name, 'svchost.exe');
    assert.equal(d.source, undefined);
  });

  it('4672: special logon, PrivilegeList split', () => {
    const d = norm(win(SECURITY, 4672, { ...subject, PrivilegeList: 'SeSecurityPrivilege\n\t\t\tSeBackupPrivilege' }));
    assert.deepEqual([d.event.category, d.event.type, d.event.action], [['iam'], ['admin'], 'logged-in-special']);
    assert.deepEqual(d.winlog.event_data.PrivilegeList, ['SeSecurityPrivilege', 'SeBackupPrivilege']);
    assert.equal(d.user.name, 'pgustavo');
    assert.equal(d.winlog.logon.id, '0xead4335');
  });

  it('4688: process from NewProcess*, parent from ProcessId/ParentProcessName', () => {
    const d = norm(win(SECURITY, 4688, { ...subject, NewProcessId: '0x1a2b', NewProcessName: 'C:\\Windows\\System32\\cmd.exe', ProcessId: '0x8ac', CommandLine: 'cmd.exe /C "notepad.exe x"', ParentProcessName: 'C:\\Windows\\System32\\svchost.exe', TargetUserName: '-' }));
    assert.equal(d.event.action, 'created-process');
    assert.equal(d.process.pid, 0x1a2b);
    assert.equal(d.process.name, 'cmd.exe');
    assert.deepEqual(d.process.args, ['cmd.exe', '/C', 'notepad.exe x']);
    assert.deepEqual(d.process.parent, { pid: 0x8ac, executable: 'C:\\Windows\\System32\\svchost.exe', name: 'svchost.exe' });
    assert.equal(d.user.name, 'pgustavo');
  });

  it('4697: service installed', () => {
    const d = norm(win(SECURITY, 4697, { ...subject, ServiceName: 'evil', ServiceFileName: 'C:\\evil.exe', ServiceType: '0x10', ServiceStartType: '3' }));
    assert.equal(d.event.action, 'service-installed');
    assert.deepEqual(d.service, { name: 'evil', type: 'Win32 Own Process' });
    assert.equal(d.winlog.event_data.ServiceFileName, 'C:\\evil.exe');
  });

  for (const [eid, action, type] of [[4698, 'scheduled-task-created', ['creation', 'admin']], [4699, 'scheduled-task-deleted', ['deletion', 'admin']], [4702, 'scheduled-task-updated', ['change', 'admin']]] as const) {
    it(`${eid}: ${action}, Subject user, task data kept`, () => {
      const d = norm(win(SECURITY, eid, { ...subject, TaskName: '\\X', TaskContent: '<Task/>', TaskContentNew: '<Task/>', ClientProcessId: '0', RpcCallClientLocality: '0' }));
      assert.equal(d.event.action, action);
      assert.deepEqual(d.event.category, ['iam', 'configuration']);
      assert.deepEqual(d.event.type, type);
      assert.deepEqual(d.user, { id: 'S-1-5-21-1-1104', name: 'pgustavo', domain: 'THESHIRE' });
      assert.equal(d.winlog.logon.id, '0xead4335');
      assert.equal(d.winlog.event_data.TaskName, '\\X');
      assert.equal(d.winlog.event_data.RpcCallClientLocality, '0');
    });
  }

  it('5140: share accessed, source from IpAddress', () => {
    const d = norm(win(SECURITY, 5140, { ...subject, ObjectType: 'File', IpAddress: '10.0.2.17', IpPort: '49237', ShareName: '\\\\*\\IPC$', AccessList: '%%4416\n\t\t\t\t' }));
    assert.equal(d.event.action, 'network-share-object-accessed');
    assert.deepEqual(d.source, { ip: '10.0.2.17', port: 49237 });
    assert.deepEqual(d.winlog.event_data.AccessList, ['4416']);
    assert.equal(d.file, undefined);
  });

  it('5145: file fields from share path and relative name', () => {
    const d = norm(win(SECURITY, 5145, { ...subject, IpAddress: '10.0.2.17', IpPort: '49237', ShareName: '\\\\*\\ADMIN$', ShareLocalPath: '\\??\\C:\\Windows', RelativeTargetName: 'Temp\\CYAlyNSS.tmp', AccessList: '%%1537' }));
    assert.deepEqual(d.file, { name: 'Temp\\CYAlyNSS.tmp', directory: '\\??\\C:\\Windows', path: '\\??\\C:\\Windows\\Temp\\CYAlyNSS.tmp', target_path: '\\\\*\\ADMIN$\\Temp\\CYAlyNSS.tmp' });
    assert.deepEqual(d.winlog.event_data.AccessListDescription, ['DELETE']);
  });

  it('5156: WFP connection, direction from %%14592 / %%14593', () => {
    const d = norm(win(SECURITY, 5156, { ProcessID: '2220', Application: '\\device\\harddiskvolume2\\windows\\system32\\svchost.exe', Direction: '%%14592', SourceAddress: '172.18.39.5', SourcePort: '56588', DestAddress: '172.18.39.6', DestPort: '49671', Protocol: '6' }));
    assert.deepEqual([d.event.category, d.event.type, d.event.action], [['network'], ['connection', 'info', 'allowed'], 'windows-firewall-connection']);
    assert.deepEqual(d.network, { direction: 'ingress', iana_number: '6', transport: 'tcp' });
    assert.deepEqual(d.source, { ip: '172.18.39.5', port: 56588 });
    assert.deepEqual(d.destination, { ip: '172.18.39.6', port: 49671 });
    assert.deepEqual(d.process, { pid: 2220, executable: '\\device\\harddiskvolume2\\windows\\system32\\svchost.exe', name: 'svchost.exe' });
    const out = norm(win(SECURITY, 5156, { Direction: '%%14593' }));
    assert.equal(out.network.direction, 'egress');
  });

  it('only the Security channel from the auditing providers is mapped as Security', () => {
    const d = norm(win(['Some-Other-Provider', 'Security'], 4624, { TargetUserName: 'x' }));
    assert.equal(d.event.action, undefined);
    assert.equal(d.winlog.event_data.TargetUserName, 'x');
  });
});

describe('System 7045 and Task Scheduler', () => {
  it('7045: service installed, event data kept', () => {
    const d = norm(win(['Service Control Manager', 'System'], 7045, { ServiceName: 'PSEXESVC', ImagePath: '%SystemRoot%\\PSEXESVC.exe', ServiceType: 'user mode service', StartType: 'demand start', AccountName: 'LocalSystem' }));
    assert.equal(d.event.action, 'service-installed');
    assert.deepEqual(d.event.category, ['iam', 'configuration']);
    assert.deepEqual(d.service, { name: 'PSEXESVC', type: 'user mode service' });
    assert.equal(d.winlog.event_data.ImagePath, '%SystemRoot%\\PSEXESVC.exe');
    assert.equal(d.winlog.event_data.AccountName, 'LocalSystem');
  });

  for (const [eid, action, category, type] of [
    [106, 'scheduled-task-registered', 'configuration', 'creation'],
    [140, 'scheduled-task-updated', 'configuration', 'change'],
    [141, 'scheduled-task-deleted', 'configuration', 'deletion'],
    [200, 'scheduled-task-action-started', 'process', 'start'],
    [201, 'scheduled-task-action-completed', 'process', 'end'],
  ] as const) {
    it(`${eid}: ${action}`, () => {
      const d = norm(win(TASKS, eid, { TaskName: '\\Microsoft\\Windows\\X', UserContext: 'S-1-5-18', UserName: 'CORP\\alice', ActionName: 'C:\\Windows\\system32\\cmd.exe', TaskInstanceId: '{A}', ResultCode: '0' }));
      assert.equal(d.event.action, action);
      assert.deepEqual(d.event.category, [category]);
      assert.deepEqual(d.event.type, [type]);
      assert.equal(d.winlog.event_data.TaskName, '\\Microsoft\\Windows\\X');
      if (eid === 140 || eid === 141) assert.deepEqual(d.user, { domain: 'CORP', name: 'alice' });
      else assert.equal(d.user, undefined, '106 UserContext is the principal, not the creator');
      if (eid === 200 || eid === 201) assert.equal(d.process.name, 'cmd.exe');
    });
  }
});

describe('UserData', () => {
  it('1102 log cleared: the account comes from UserData (LogFileCleared)', () => {
    const ev = win(['Microsoft-Windows-Eventlog', 'Security'], 1102, undefined);
    ev.userData = {
      name: 'LogFileCleared', attrs: {}, text: '',
      children: [
        { name: 'SubjectUserSid', attrs: {}, children: [], text: 'S-1-5-21-1-500' },
        { name: 'SubjectUserName', attrs: {}, children: [], text: 'Administrator' },
        { name: 'SubjectDomainName', attrs: {}, children: [], text: 'CORP' },
        { name: 'SubjectLogonId', attrs: {}, children: [], text: '0x1a2b' },
      ],
    };
    const d = norm(ev);
    assert.equal(d.event.action, 'audit-log-cleared');
    assert.equal(d.winlog.user_data.SubjectUserName, 'Administrator');
    assert.deepEqual(d.user, { id: 'S-1-5-21-1-500', name: 'Administrator', domain: 'CORP' });
    assert.equal(d.winlog.logon.id, '0x1a2b');
  });
});
