// Test fixtures made by the project: WinEvents of the shapes the reader must handle (Sysmon, Security, classic
// providers with qualifiers, UserData trees, forwarded events with RenderingInfo, arrays, NULLs, hostile text).
import type { WinEvent } from '../../../src/formats/types.js';

const SYSMON_GUID = '{5770385F-C22A-43E0-BF4C-06F5698FFBD9}';

function time(i: number): string {
  const ms = Date.UTC(2024, 4, 1, 12, 0, 0) + i * 1537;
  return new Date(ms).toISOString().slice(0, 19) + '.' + String((i * 7919) % 10_000_000).padStart(7, '0') + 'Z';
}

/** A deterministic mix of `n` events with record ids from 100. */
export function sampleEvents(n: number): WinEvent[] {
  const events: WinEvent[] = [];
  for (let i = 0; i < n; i++) {
    const recordId = 100 + i;
    const base = { timeCreated: time(i), recordId, computer: `host-${i % 3}.corp.example`, level: 4, version: 2, task: 3, opcode: 0 };
    switch (i % 6) {
      case 0:
        events.push({
          system: { ...base, provider: 'Microsoft-Windows-Sysmon', providerGuid: SYSMON_GUID, eventId: 3, keywords: '0x8000000000000000', channel: 'Microsoft-Windows-Sysmon/Operational', processId: 2284, threadId: 5252, userId: 'S-1-5-18' },
          eventData: {
            RuleName: '-', UtcTime: '2024-05-01 12:00:00.123', ProcessGuid: '{94F748D5-4A45-5A42-0000-0010D265F20F}', ProcessId: String(1000 + i),
            Image: 'C:\\Windows\\System32\\svchost.exe', User: 'NT AUTHORITY\\NETWORK SERVICE', Protocol: 'tcp', Initiated: 'false',
            SourceIp: '10.0.0.5', SourcePort: String(49152 + i), DestinationIp: '10.0.0.9', DestinationPort: '49670',
          },
        });
        break;
      case 1:
        events.push({
          system: { ...base, provider: 'Microsoft-Windows-Sysmon', providerGuid: SYSMON_GUID, eventId: 13, keywords: '0x8000000000000000', channel: 'Microsoft-Windows-Sysmon/Operational', processId: 2284, threadId: 5252, userId: 'S-1-5-18' },
          eventData: {
            EventType: 'SetValue', TargetObject: `HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tasks\\{${String(i).padStart(8, '0')}-0000-0000-0000-000000000000}\\Actions`,
            Details: 'Binary Data', Empty: '', Missing: null,
          },
        });
        break;
      case 2:
        events.push({
          system: { ...base, provider: 'Microsoft-Windows-Security-Auditing', providerGuid: '{54849625-5478-4994-A5BA-3E3B0328C30D}', eventId: 4698, keywords: '0x8020000000000000', channel: 'Security', processId: 4, threadId: 88, activityId: '{1A2B3C4D-0000-1111-2222-333344445555}' },
          eventData: {
            SubjectUserSid: 'S-1-5-21-1004336348-1177238915-682003330-512', SubjectUserName: 'admin', SubjectLogonId: '0x3e7',
            TaskName: '\\Hostile <name> & "quotes" \'apos\'',
            TaskContent: '<?xml version="1.0" encoding="UTF-16"?>\r\n<Task><Actions><Exec><Command>cmd.exe</Command><Arguments>/c a &amp;&amp; b</Arguments></Exec></Actions></Task>',
          },
        });
        break;
      case 3:
        events.push({
          system: { ...base, provider: 'MSSQLSERVER', eventSourceName: 'MSSQLSERVER', eventId: 18456, qualifiers: 49152, keywords: '0x90000000000000', channel: 'Application' },
          eventData: { param1: 'sa', param2: 'Reason: Password did not match. [CLIENT: 10.0.2.17]', Binary: '18480000010000000B000000' },
        });
        break;
      case 4:
        events.push({
          system: { ...base, provider: 'Microsoft-Windows-TaskScheduler', providerGuid: '{DE7B24EA-73C8-4A09-985D-5BDADCFA9017}', eventId: 106, keywords: '0x8000000000000000', channel: 'Microsoft-Windows-TaskScheduler/Operational', userId: 'S-1-5-18' },
          userData: {
            name: 'TaskRegistered', attrs: { xmlns: 'http://manifests.microsoft.com/win/2004/08/windows/eventlog' },
            children: [
              { name: 'TaskName', attrs: {}, children: [], text: `\\Task ${i} — ünïcødé 🚀` },
              { name: 'UserContext', attrs: { domain: 'CORP' }, children: [], text: 'CORP\\admin' },
              { name: 'Nested', attrs: {}, children: [{ name: 'Leaf', attrs: { a: '1' }, children: [], text: 'x' }], text: '' },
            ],
            text: '',
          },
        });
        break;
      default:
        events.push({
          system: { ...base, provider: 'Microsoft-Windows-Security-Auditing', providerGuid: '{54849625-5478-4994-A5BA-3E3B0328C30D}', eventId: 5145, keywords: '0x8020000000000000', channel: 'ForwardedEvents' },
          eventData: { ShareName: '\\\\*\\IPC$', RelativeTargetName: 'atsvc', Privileges: ['SeBackupPrivilege', 'SeRestorePrivilege'] },
          rendering: {
            culture: 'en-US', message: 'A network share object was checked.\r\n\r\nSubject: …', level: 'Information', task: 'Detailed File Share',
            opcode: 'Info', channel: 'Security', provider: 'Microsoft Windows security auditing.', keywords: ['Audit Success'],
          },
        });
    }
  }
  return events;
}
