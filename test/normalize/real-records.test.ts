// Normalization of real records (../shared): the OTRF flat exports and EVTX files, checked field by field against
// what Elastic's Sysmon and Security pipelines produce, and the flagship rule's conditions on the target events.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { normalize, ClockCheck, parseTime } from '../../src/normalize/index.js';
import type { EcsDocument, NormalizedEvent } from '../../src/normalize/index.js';
import type { WinEvent } from '../../src/formats/types.js';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';
import { readEvtxEvents, readZipJsonLines } from './helpers/real-records.js';

type Doc = Record<string, any>;

function normalizeDocs(docs: Array<Record<string, unknown>>, file: string): NormalizedEvent[] {
  return docs.map((doc, i) => {
    const r = normalize({ kind: 'document', doc, origin: { file, line: i + 1 } });
    assert.ok(r.ok, `line ${i + 1}: ${r.ok ? '' : r.reason}`);
    return r.event;
  });
}

function byRecord(events: WinEvent[], recordId: number): EcsDocument {
  const ev = events.find((e) => e.system.recordId === recordId);
  assert.ok(ev, `record ${recordId} present`);
  const r = normalize({ kind: 'windows', event: ev, origin: { file: 'x.evtx', record: recordId } });
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.event.doc;
}

/** The flagship rule's stage conditions, written out (the EQL engine is tested elsewhere). */
function networkLegHolds(d: Doc): boolean {
  const dir = String(d.network?.direction ?? '').toLowerCase();
  return (
    (d.event.category ?? []).includes('network') &&
    d.host.os.type === 'windows' &&
    String(d.process?.name).toLowerCase() === 'svchost.exe' &&
    (dir === 'incoming' || dir === 'ingress') &&
    d.source.port >= 49152 &&
    d.destination.port >= 49152 &&
    d.source.ip !== '127.0.0.1' &&
    d.source.ip !== '::1'
  );
}

function registryLegHolds(d: Doc): boolean {
  return (
    (d.event.category ?? []).includes('registry') &&
    d.host.os.type === 'windows' &&
    (d.event.type ?? []).includes('change') &&
    String(d.registry?.value).toLowerCase() === 'actions' &&
    /^HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tasks\\.*\\Actions$/i.test(d.registry.path)
  );
}

const SCHTASK = ['datasets', 'otrf-schtask-create', 'schtask_create.zip'] as const;
const COVENANT = ['datasets', 'otrf-covenant-wmi-nearmiss', 'covenant_wmi_wbemcomn_dll_hijack.zip'] as const;
const ATSVC = ['datasets', 'sbousseaden-atsvc-target', 'LM_ScheduledTask_ATSVC_target_host.evtx'] as const;
const CORPUS = 'evtx-corpus';

describe('OTRF schtask_create (flat export)', { skip: skipWithoutShared(...SCHTASK) }, () => {
  let events: NormalizedEvent[] = [];
  before(async () => {
    events = normalizeDocs(await readZipJsonLines(sharedPath(...SCHTASK)!), 'schtask_create.zip');
  });
  const TARGET_GUID = '{649442b8-52dc-5fd1-3600-000000000600}';

  it('normalizes every one of the 1,041 records', () => {
    assert.equal(events.length, 1041);
  });

  it('maps the network leg (Sysmon 3, Initiated false) as the Sysmon pipeline does, and the rule stage holds', () => {
    const net = events.filter((e) => (e.doc as Doc).event.code === '3' && (e.doc as Doc).process?.entity_id === TARGET_GUID);
    assert.equal(net.length, 1);
    const d = net[0]!.doc as Doc;
    assert.deepEqual(d.event.category, ['network']);
    assert.deepEqual(d.event.type, ['start', 'connection', 'protocol']);
    assert.equal(d.event.action, 'Network connection');
    assert.equal(d.network.direction, 'ingress');
    assert.equal(d.network.transport, 'tcp');
    assert.equal(d.network.type, 'ipv4');
    assert.deepEqual(d.source, { ip: '172.18.39.5', port: 56588 });
    assert.deepEqual(d.destination, { ip: '172.18.39.6', port: 49671 });
    assert.equal(d.process.pid, 2220);
    assert.equal(d.process.name, 'svchost.exe');
    assert.equal(d.process.executable, 'C:\\Windows\\System32\\svchost.exe');
    assert.deepEqual(d.user, { domain: 'NT AUTHORITY', name: 'SYSTEM' });
    assert.equal(d.host.id, 'workstation6.theshire.local');
    assert.equal(d.host.name, 'WORKSTATION6.theshire.local');
    assert.equal(d['@timestamp'], '2020-12-19T12:00:01.012Z', '@timestamp from UtcTime');
    assert.equal(d.event.created, '2020-12-19T07:00:23.245Z', 'event.created from TimeCreated');
    assert.equal(d.winlog.event_data.Initiated, 'false', 'original kept under winlog.event_data');
    assert.equal(net[0]!.timestamp, Date.UTC(2020, 11, 19, 12, 0, 1, 12));
    assert.equal(net[0]!.host, 'workstation6.theshire.local');
    assert.ok(networkLegHolds(d));
  });

  it('maps the registry leg (Sysmon 13 on …\\Tasks\\{GUID}\\Actions) and the rule stage holds for the same process', () => {
    const reg = events.filter((e) => registryLegHolds(e.doc as Doc));
    assert.equal(reg.length, 1, 'one Actions write in this capture');
    const d = reg[0]!.doc as Doc;
    assert.equal(d.process.entity_id, TARGET_GUID);
    assert.equal(d.host.id, 'workstation6.theshire.local');
    assert.deepEqual(d.event.category, ['configuration', 'registry']);
    assert.equal(d.event.action, 'RegistryEvent (Value Set)');
    assert.equal(d.registry.hive, 'HKLM');
    assert.equal(d.registry.value, 'Actions');
    assert.equal(
      d.registry.key,
      'SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tasks\\{47CDCDF5-3457-4925-96E5-DB6635FFCDDE}\\Actions',
    );
    assert.deepEqual(d.registry.data, { strings: ['Binary Data'], type: 'REG_BINARY' });
    assert.equal(d['@timestamp'], '2020-12-19T12:00:22.232Z');
    // Ordered by UtcTime the network leg comes first, within the rule's 1 minute.
    const net = events.find((e) => (e.doc as Doc).event.code === '3' && (e.doc as Doc).process?.entity_id === TARGET_GUID)!;
    const delta = reg[0]!.timestamp - net.timestamp;
    assert.ok(delta > 0 && delta <= 60000, `Δ ${delta} ms`);
  });

  it('maps Security 4624 and 4698 with the fields the companion rules read', () => {
    const logon = events.find((e) => (e.doc as Doc).event.code === '4624' && (e.doc as Doc).host.id.startsWith('workstation6'))!;
    const l = logon.doc as Doc;
    assert.equal(l.event.action, 'logged-in');
    assert.deepEqual(l.event.category, ['authentication']);
    assert.equal(l.event.outcome, 'success');
    assert.equal(l.winlog.logon.type, 'Network');
    assert.equal(l.source.ip, '172.18.39.5');
    assert.equal(l.source.port, 56588);
    assert.equal(l.user.name, 'pgustavo');
    assert.equal(l.user.domain, 'THESHIRE.LOCAL');
    assert.equal(l.winlog.event_data.TargetLogonId, '0xead4335');

    const task = events.find((e) => (e.doc as Doc).event.code === '4698')!.doc as Doc;
    assert.equal(task.event.action, 'scheduled-task-created');
    assert.deepEqual(task.event.category, ['iam', 'configuration']);
    assert.deepEqual(task.event.type, ['creation', 'admin']);
    assert.equal(task.user.name, 'pgustavo');
    assert.equal(task.user.domain, 'THESHIRE');
    assert.equal(task.winlog.logon.id, '0xead4335');
    assert.equal(task.winlog.event_data.TaskName, '\\Microsoft\\Windows\\SoftwareProtectionPlatform\\EventCacheManager');
    assert.match(task.winlog.event_data.TaskContent, /<Command>C:\\Windows\\system32\\cmd.exe<\/Command>/);
    assert.equal(task.winlog.event_data.RpcCallClientLocality, '0');
    assert.equal(task.winlog.event_data.ClientProcessId, '0');
  });

  it('maps Task Scheduler 106 and Security 5156 (inbound, pid 2220)', () => {
    const reg = events.find((e) => (e.doc as Doc).event.code === '106')!.doc as Doc;
    assert.equal(reg.event.action, 'scheduled-task-registered');
    assert.equal(reg.winlog.event_data.TaskName, '\\Microsoft\\Windows\\SoftwareProtectionPlatform\\EventCacheManager');
    const wfp = events.find((e) => (e.doc as Doc).event.code === '5156' && (e.doc as Doc).process?.pid === 2220)!.doc as Doc;
    assert.equal(wfp.network.direction, 'ingress');
    assert.equal(wfp.network.transport, 'tcp');
    assert.deepEqual(wfp.source, { ip: '172.18.39.5', port: 56588 });
    assert.deepEqual(wfp.destination, { ip: '172.18.39.6', port: 49671 });
    assert.equal(wfp.process.name, 'svchost.exe');
  });

  it('the clock check reports the export\'s 5-hour mislabel, and --timezone corrects it', async () => {
    const check = new ClockCheck('schtask');
    for (const e of events) check.observe(e.doc);
    const skew = check.result();
    assert.ok(skew);
    assert.equal(skew.hours, -5);
    assert.equal(skew.agreeing, skew.compared);

    const docs = await readZipJsonLines(sharedPath(...SCHTASK)!);
    const fixed = new ClockCheck('schtask');
    const options = { timezone: 'America/New_York' };
    for (const doc of docs) {
      const r = normalize({ kind: 'document', doc, origin: { file: 'x' } }, options);
      assert.ok(r.ok);
      fixed.observe(r.event.doc);
    }
    assert.equal(fixed.result(), undefined);
  });
});

describe('OTRF covenant near-miss (NXLog flat export)', { skip: skipWithoutShared(...COVENANT) }, () => {
  it('keeps the source host, not the collector, and maps the svchost inbound look-alike', async () => {
    const events = normalizeDocs(await readZipJsonLines(sharedPath(...COVENANT)!), 'covenant.zip');
    assert.equal(events.length, 8947);
    const hosts = new Set(events.map((e) => e.host));
    assert.deepEqual([...hosts].sort(), ['mordordc.theshire.local', 'workstation5.theshire.local', 'workstation6.theshire.local']);
    const look = events.find((e) => (e.doc as Doc).winlog.record_id === '809360')!.doc as Doc;
    assert.equal(look.process.entity_id, '{9318926b-a2a5-5f7e-4200-000000000400}');
    assert.equal(look.network.direction, 'ingress');
    assert.deepEqual(look.source, { ip: '172.18.39.5', port: 50971 });
    assert.equal(look.destination.port, 55833);
    assert.ok(networkLegHolds(look));
    // NXLog's own fields stay out of event data; its severity did not clobber the event.
    assert.equal(look.winlog.event_data.EventType, undefined);
    assert.equal(look.winlog.event_data.host, undefined);
    // The registry look-alike is on another host and process.
    const reg = events.filter((e) => registryLegHolds(e.doc as Doc));
    assert.ok(reg.length >= 1);
    for (const r of reg) assert.notEqual(r.host, 'workstation6.theshire.local');
  });
});

describe('EVTX records (sbousseaden atexec target)', { skip: skipWithoutShared(...ATSVC) }, () => {
  let events: WinEvent[] = [];
  before(async () => {
    events = await readEvtxEvents(sharedPath(...ATSVC)!);
  });

  it('4624 type 3 NTLM from 10.0.2.17 (record 566826)', () => {
    const d = byRecord(events, 566826) as Doc;
    assert.equal(d.event.action, 'logged-in');
    assert.equal(d.event.outcome, 'success');
    assert.equal(d.winlog.logon.type, 'Network');
    assert.equal(d.source.ip, '10.0.2.17');
    assert.equal(d.source.port, 49236);
    assert.equal(d.user.name, 'Administrator');
    assert.equal(d.user.domain, 'EXAMPLE');
    assert.equal(d.user.id, 'S-1-5-21-1587066498-1489273250-1035260531-500');
    assert.equal(d.host.id, 'win-77ltaphiq1r.example.corp');
    assert.equal(d.winlog.record_id, '566826');
    assert.equal(d['@timestamp'].slice(0, 19), '2019-03-19T00:02:04');
  });

  it('5145 on \\\\*\\IPC$ atsvc (record 566832)', () => {
    const d = byRecord(events, 566832) as Doc;
    assert.equal(d.event.action, 'network-share-object-access-checked');
    assert.deepEqual(d.event.category, ['network', 'file']);
    assert.equal(d.source.ip, '10.0.2.17');
    assert.equal(d.source.port, 49237);
    assert.equal(d.user.name, 'Administrator');
    assert.equal(d.file.name, 'atsvc');
    assert.equal(d.file.target_path, '\\\\*\\IPC$\\atsvc');
    assert.equal(d.winlog.event_data.ShareName, '\\\\*\\IPC$');
    assert.equal(d.winlog.event_data.RelativeTargetName, 'atsvc');
    assert.deepEqual(d.winlog.event_data.AccessList, ['4416', '4417']);
    assert.ok(d.winlog.event_data.AccessListDescription.includes('WriteData (or AddFile)'));
  });

  it('4698 \\CYAlyNSS (record 566836)', () => {
    const d = byRecord(events, 566836) as Doc;
    assert.equal(d.event.action, 'scheduled-task-created');
    assert.equal(d.user.name, 'Administrator');
    assert.equal(d.winlog.event_data.TaskName, '\\CYAlyNSS');
    assert.match(d.winlog.event_data.TaskContent, /cmd\.exe/);
    assert.match(String(d.winlog.logon.id), /^0x0*17e2d2$/i);
  });
});

describe('EVTX corpus records', () => {
  const sysmonRdp = [CORPUS, 'evtx-attack-samples', 'Command_and_Control_DE_sysmon-3-rdp-tun.evtx'] as const;
  it('Sysmon 3 with an uppercase ProcessGuid (record 1940897)', { skip: skipWithoutShared(...sysmonRdp) }, async () => {
    const d = byRecord(await readEvtxEvents(sharedPath(...sysmonRdp)!), 1940897) as Doc;
    assert.equal(d.process.entity_id, '{365abb72-d695-5c67-0000-00103c3e0100}');
    assert.equal(d.winlog.event_data.ProcessGuid, '{365ABB72-D695-5C67-0000-00103C3E0100}');
    assert.equal(d.network.direction, 'ingress');
    assert.equal(d.network.transport, 'udp');
    assert.equal(d.network.protocol, 'ssdp');
    assert.deepEqual(d.source, { ip: '239.255.255.250', port: 1900 });
    assert.deepEqual(d.destination, { ip: '10.0.2.16', port: 57182 });
    assert.equal(d.user.name, 'LOCAL SERVICE');
    assert.equal(d.user.id, 'S-1-5-18');
    assert.equal(d['@timestamp'], '2019-02-16T10:01:45.887Z');
    assert.equal(d.winlog.event_data.RuleName, undefined, 'empty RuleName dropped as Elastic does');
  });

  const sysmon2017 = [CORPUS, 'evtx-rs-samples', 'samples_sysmon.evtx'] as const;
  it('Sysmon 13 with a \\REGISTRY\\MACHINE path (record 1769)', { skip: skipWithoutShared(...sysmon2017) }, async () => {
    const d = byRecord(await readEvtxEvents(sharedPath(...sysmon2017)!), 1769) as Doc;
    assert.equal(d.registry.path, 'HKLM\\SYSTEM\\ControlSet001\\Services\\MpKsle59912eb\\Start');
    assert.equal(d.registry.hive, 'HKLM');
    assert.equal(d.registry.key, 'SYSTEM\\ControlSet001\\Services\\MpKsle59912eb\\Start');
    assert.equal(d.registry.value, 'Start');
    assert.deepEqual(d.registry.data, { strings: ['4'], type: 'SZ_DWORD' });
    assert.equal(d.winlog.event_data.TargetObject, '\\REGISTRY\\MACHINE\\SYSTEM\\ControlSet001\\Services\\MpKsle59912eb\\Start');
    assert.equal(d.process.entity_id, '{94f748d5-5a64-5966-0000-0010dd850000}');
    assert.equal(d.host.id, 'desktop-2kgm189');
  });

  const svc = [CORPUS, 'evtx-attack-samples', 'Lateral_Movement_LM_Remote_Service02_7045.evtx'] as const;
  it('System 7045 service install keeps ServiceName and ImagePath', { skip: skipWithoutShared(...svc) }, async () => {
    const all = await readEvtxEvents(sharedPath(...svc)!);
    const ev = all.find((e) => e.system.eventId === 7045)!;
    const r = normalize({ kind: 'windows', event: ev, origin: { file: 'svc.evtx' } });
    assert.ok(r.ok);
    const d = r.event.doc as Doc;
    assert.equal(d.event.action, 'service-installed');
    assert.equal(d.service.name, ev.eventData!.ServiceName);
    assert.equal(d.winlog.event_data.ImagePath, ev.eventData!.ImagePath);
  });
});

describe('the whole EVTX corpus', { skip: skipWithoutShared(CORPUS) }, () => {
  it('every record normalizes, with canonical join keys and hives', async () => {
    let records = 0;
    let sysmonGuids = 0;
    let registry = 0;
    for (const sub of ['evtx-attack-samples', 'evtx-rs-samples']) {
      const dir = sharedPath(CORPUS, sub);
      if (!dir) continue;
      for (const name of readdirSync(dir).sort()) {
        for (const ev of await readEvtxEvents(join(dir, name))) {
          records++;
          const r = normalize({ kind: 'windows', event: ev, origin: { file: name, record: ev.system.recordId } });
          assert.ok(r.ok, `${name} record ${ev.system.recordId}: ${r.ok ? '' : r.reason}`);
          const d = r.event.doc as Doc;
          assert.equal(parseTime(d['@timestamp']), r.event.timestamp, `${name} ${ev.system.recordId}`);
          assert.equal(r.event.host, ev.system.computer.toLowerCase());
          if (typeof d.process?.entity_id === 'string' && d.winlog.channel === 'Microsoft-Windows-Sysmon/Operational') {
            sysmonGuids++;
            assert.match(d.process.entity_id, /^\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}$/);
          }
          if (d.registry) {
            registry++;
            if (d.registry.hive) assert.ok(d.registry.path === d.registry.hive || d.registry.path.startsWith(d.registry.hive + '\\'), d.registry.path);
            assert.doesNotMatch(d.registry.path, /^(HKEY_|\\REGISTRY\\)/i);
          }
        }
      }
    }
    assert.ok(records > 20000, `${records} records`);
    assert.ok(sysmonGuids > 1000 && registry > 100, `${sysmonGuids} Sysmon entity ids, ${registry} registry events`);
  });
});
