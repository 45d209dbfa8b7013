// The complete example alert of the README: the OTRF schtasks capture's shape (flat export records written
// inline here, normalized by the real normalizer), enriched by the assembler. Print it with
//   SEQHUNT_PRINT_EXAMPLE=1 node scripts/run-tests.mjs test/alerts/example
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlertAssembler, alertJson, createSink, type Alert } from '../../src/alerts/index.js';
import { normalize } from '../../src/normalize/index.js';
import type { NormalizedEvent } from '../../src/normalize/types.js';
import { PassThrough } from 'node:stream';
import { loadRules } from '../../src/rules/index.js';
import type { Rule } from '../../src/rules/types.js';
import { match, taskXml } from './helpers.js';

const HOST = 'WORKSTATION6.theshire.local';
const TASK = '\\Microsoft\\Windows\\SoftwareProtectionPlatform\\EventCacheManager';
const GUID = '{47CDCDF5-3457-4925-96E5-DB6635FFCDDE}';
const PG = '{649442b8-52dc-5fd1-3600-000000000600}';
const TC = 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache';

/** Flat export records as OTRF writes them: record time is local (UTC-5) labelled Z; Sysmon UtcTime is UTC. */
function records(): Array<Record<string, unknown>> {
  const sec = (t: string, id: number, data: Record<string, unknown>) => ({ Channel: 'Security', SourceName: 'Microsoft-Windows-Security-Auditing', EventID: id, Hostname: HOST, TimeCreated: `2020-12-19T07:00:${t}Z`, '@timestamp': `2020-12-19T07:00:${t}Z`, ...data });
  const sysmon = (t: string, utc: string, id: number, data: Record<string, unknown>) => ({ Channel: 'Microsoft-Windows-Sysmon/Operational', SourceName: 'Microsoft-Windows-Sysmon', EventID: id, Hostname: HOST, TimeCreated: `2020-12-19T07:00:${t}Z`, '@timestamp': `2020-12-19T07:00:${t}Z`, UtcTime: `2020-12-19 12:00:${utc}`, ProcessGuid: PG, ProcessId: '2220', Image: 'C:\\windows\\system32\\svchost.exe', ...data });
  return [
    sec('22.238', 4624, { TargetUserName: 'pgustavo', TargetDomainName: 'THESHIRE.LOCAL', TargetLogonId: '0xead4335', LogonType: '3', AuthenticationPackageName: 'Kerberos', IpAddress: '172.18.39.5', IpPort: '56588', SubjectLogonId: '0x0' }),
    sysmon('22.246', '22.232', 13, { EventType: 'SetValue', TargetObject: `${TC}\\Tree${TASK}\\Id`, Details: GUID }),
    sysmon('22.247', '22.232', 13, { EventType: 'SetValue', TargetObject: `${TC}\\Tasks\\${GUID}\\Path`, Details: TASK }),
    sysmon('22.247', '22.232', 13, { EventType: 'SetValue', TargetObject: `${TC}\\Tasks\\${GUID}\\Actions`, Details: 'Binary Data' }),
    { Channel: 'Microsoft-Windows-TaskScheduler/Operational', SourceName: 'Microsoft-Windows-TaskScheduler', EventID: 106, Hostname: HOST, TimeCreated: '2020-12-19T07:00:22.263Z', '@timestamp': '2020-12-19T07:00:22.263Z', TaskName: TASK, UserContext: 'S-1-5-18' },
    sec('22.264', 4698, {
      SubjectUserSid: 'S-1-5-21-3786818125-2382361537-3207726629-1104', SubjectUserName: 'pgustavo', SubjectDomainName: 'THESHIRE', SubjectLogonId: '0xead4335', TaskName: TASK,
      TaskContent: taskXml({ uri: TASK, command: 'C:\\Windows\\system32\\cmd.exe', args: '/C C:\\Windows\\System32\\notepad.exe' }),
      ClientProcessId: '0', RpcCallClientLocality: '0', FQDN: HOST,
    }),
    sysmon('23.245', '01.012', 3, { User: 'NT AUTHORITY\\SYSTEM', Protocol: 'tcp', Initiated: 'false', SourceIsIpv6: 'false', SourceIp: '172.18.39.5', SourcePort: '56588', DestinationIsIpv6: 'false', DestinationIp: '172.18.39.6', DestinationPort: '49671' }),
  ];
}

function exampleAlert(flagship: Rule): Alert {
  const events: NormalizedEvent[] = records().map((doc, i) => {
    const r = normalize({ kind: 'document', doc, origin: { file: 'schtask_create.json', line: i + 1 } });
    assert.ok(r.ok, `record ${i + 1} normalizes: ${r.ok ? '' : r.reason}`);
    return r.event;
  });
  const net = events[6]!;
  const actions = events[3]!;
  const asm = new AlertAssembler();
  for (const e of [...events].sort((a, b) => a.timestamp - b.timestamp)) asm.observe(e);
  asm.addMatch(flagship, match(net, actions));
  const alerts = asm.finish();
  assert.equal(alerts.length, 1);
  return alerts[0]!;
}

test('README example: the flagship alert on the schtasks capture, fully enriched', async () => {
  const { rules } = await loadRules();
  const flagship = rules.find((r) => r.rule.name === 'Remote Scheduled Task Creation')?.rule;
  assert.ok(flagship, 'the built-in pack has the flagship');
  const a = exampleAlert(flagship);
  assert.equal(a['kibana.alert.rule.risk_score'], 47);
  const t = a['seqhunt.task']!;
  assert.equal(a['host.name'], HOST);
  assert.equal(a['process.entity_id'], PG);
  assert.equal(a['source.ip'], '172.18.39.5');
  assert.equal(a['source.user.name'], 'pgustavo');
  assert.equal(t.name, TASK);
  assert.equal(t.guid, GUID);
  assert.equal(t.command, 'C:\\Windows\\system32\\cmd.exe');
  assert.equal(t.arguments, '/C C:\\Windows\\System32\\notepad.exe');
  assert.equal(t.runAs, 'SYSTEM');
  if (process.env.SEQHUNT_PRINT_EXAMPLE) {
    const out = new PassThrough();
    let table = '';
    out.on('data', (c: Buffer) => (table += c.toString()));
    const sink = createSink('table', out);
    sink.write(a);
    await sink.close();
    process.stdout.write(`\n${alertJson(a, 2)}\n\n${table}\n`);
  }
});
