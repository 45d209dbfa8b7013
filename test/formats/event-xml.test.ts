import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEventXml } from '../../src/formats/index.js';
import { events, problems, readBytes } from './helpers/read.js';

const NS = "xmlns='http://schemas.microsoft.com/win/2004/08/events/event'";

// Sysmon 13 as `wevtutil qe Microsoft-Windows-Sysmon/Operational /f:xml` prints it (single quotes, 9 fraction digits).
const sysmon13 =
  `<Event ${NS}><System><Provider Name='Microsoft-Windows-Sysmon' Guid='{5770385f-c22a-43e0-bf4c-06f5698ffbd9}'/>` +
  `<EventID>13</EventID><Version>2</Version><Level>4</Level><Task>13</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords>` +
  `<TimeCreated SystemTime='2020-12-19T12:00:22.247000000Z'/><EventRecordID>21379</EventRecordID><Correlation/>` +
  `<Execution ProcessID='3000' ThreadID='4012'/><Channel>Microsoft-Windows-Sysmon/Operational</Channel>` +
  `<Computer>WORKSTATION6.theshire.local</Computer><Security UserID='S-1-5-18'/></System><EventData>` +
  `<Data Name='RuleName'>-</Data><Data Name='EventType'>SetValue</Data><Data Name='UtcTime'>2020-12-19 12:00:22.232</Data>` +
  `<Data Name='ProcessGuid'>{649442b8-52dc-5fd1-3600-000000000600}</Data><Data Name='ProcessId'>2220</Data>` +
  `<Data Name='Image'>C:\\windows\\system32\\svchost.exe</Data>` +
  `<Data Name='TargetObject'>HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tasks\\{47CDCDF5-3457-4925-96E5-DB6635FFCDDE}\\Actions</Data>` +
  `<Data Name='Details'>Binary Data</Data></EventData></Event>`;

// Security 4698 forwarded (WEF RenderedText): double quotes, escaped task XML, RenderingInfo.
const security4698 = `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System>
    <Provider Name="Microsoft-Windows-Security-Auditing" Guid="{54849625-5478-4994-a5ba-3e3b0328c30d}" />
    <EventID>4698</EventID>
    <Version>1</Version>
    <Level>0</Level>
    <Task>12804</Task>
    <Opcode>0</Opcode>
    <Keywords>0x8020000000000000</Keywords>
    <TimeCreated SystemTime="2020-12-19T12:00:22.2640000Z" />
    <EventRecordID>2543</EventRecordID>
    <Correlation ActivityID="{a1b2c3d4-0000-0000-0000-000000000000}" />
    <Execution ProcessID="648" ThreadID="3364" />
    <Channel>Security</Channel>
    <Computer>WORKSTATION6.theshire.local</Computer>
    <Security />
  </System>
  <EventData>
    <Data Name="SubjectUserSid">S-1-5-21-1-2-3-1104</Data>
    <Data Name="SubjectUserName">pgustavo</Data>
    <Data Name="TaskName">\\Microsoft\\Windows\\SoftwareProtectionPlatform\\EventCacheManager</Data>
    <Data Name="TaskContent">&lt;?xml version="1.0" encoding="UTF-16"?&gt;&#xD;&#xA;&lt;Task&gt;&lt;Exec&gt;&lt;Command&gt;C:\\Windows\\system32\\cmd.exe&lt;/Command&gt;&lt;Arguments&gt;/C a &amp;amp; b&lt;/Arguments&gt;&lt;/Exec&gt;&lt;/Task&gt;</Data>
    <Data Name="ClientProcessId">0</Data>
    <Data Name="Empty"></Data>
    <Data Name="SelfClosed" />
  </EventData>
  <RenderingInfo Culture="en-US">
    <Message>A scheduled task was created.</Message>
    <Level>Information</Level>
    <Task>Other Object Access Events</Task>
    <Opcode>Info</Opcode>
    <Channel>Security</Channel>
    <Provider>Microsoft Windows security auditing.</Provider>
    <Keywords>
      <Keyword>Audit Success</Keyword>
    </Keywords>
  </RenderingInfo>
</Event>`;

// Classic provider: unnamed Data, Binary, Qualifiers, EventSourceName.
const classic =
  `<Event ${NS}><System><Provider Name='Service Control Manager' Guid='{555908d1-a6d7-4695-8e1e-26931d2012f4}' EventSourceName='Service Control Manager'/>` +
  `<EventID Qualifiers='16384'>7045</EventID><Version>0</Version><Level>4</Level><Task>0</Task><Opcode>0</Opcode><Keywords>0x8080000000000000</Keywords>` +
  `<TimeCreated SystemTime='2019-03-19T00:02:05.1234567Z'/><EventRecordID>77</EventRecordID><Correlation/><Execution ProcessID='560' ThreadID='600'/>` +
  `<Channel>System</Channel><Computer>WIN-77LTAPHIQ1R.example.corp</Computer><Security UserID='S-1-5-21-1'/></System>` +
  `<EventData><Data>PSEXESVC</Data><Data>%SystemRoot%\\PSEXESVC.exe</Data><Data><![CDATA[user <mode> & service]]></Data><Binary>0A0B0C</Binary></EventData></Event>`;

// UserData (Security log cleared) with a namespace prefix on the Event element.
const cleared =
  `<e:Event xmlns:e='http://schemas.microsoft.com/win/2004/08/events/event'><e:System><e:Provider Name='Microsoft-Windows-Eventlog' Guid='{fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148}'/>` +
  `<e:EventID>1102</e:EventID><e:TimeCreated SystemTime='2019-03-19T00:02:00.383Z'/><e:EventRecordID>566800</e:EventRecordID>` +
  `<e:Channel>Security</e:Channel><e:Computer>WIN-77LTAPHIQ1R.example.corp</e:Computer></e:System>` +
  `<e:UserData><LogFileCleared xmlns='http://manifests.microsoft.com/win/2004/08/windows/eventlog'><SubjectUserSid>S-1-5-21-1</SubjectUserSid>` +
  `<SubjectUserName>Administrator</SubjectUserName><!-- a comment --></LogFileCleared></e:UserData></e:Event>`;

test('wevtutil qe /f:xml: concatenated events with no root, System and EventData as Windows renders them', () => {
  const items = parseEventXml(sysmon13 + sysmon13.replace('21379', '21380'), { file: 'q.xml' });
  assert.equal(problems(items).length, 0);
  const ev = events(items);
  assert.equal(ev.length, 2);
  assert.deepEqual(ev[0]!.event.system, {
    provider: 'Microsoft-Windows-Sysmon',
    providerGuid: '{5770385f-c22a-43e0-bf4c-06f5698ffbd9}',
    eventId: 13,
    version: 2,
    level: 4,
    task: 13,
    opcode: 0,
    keywords: '0x8000000000000000',
    timeCreated: '2020-12-19T12:00:22.2470000Z',
    recordId: 21379,
    processId: 3000,
    threadId: 4012,
    channel: 'Microsoft-Windows-Sysmon/Operational',
    computer: 'WORKSTATION6.theshire.local',
    userId: 'S-1-5-18',
  });
  assert.equal(ev[0]!.event.eventData!.TargetObject, 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tasks\\{47CDCDF5-3457-4925-96E5-DB6635FFCDDE}\\Actions');
  assert.equal(ev[0]!.event.eventData!.ProcessGuid, '{649442b8-52dc-5fd1-3600-000000000600}');
  assert.deepEqual(ev.map((e) => e.origin), [
    { file: 'q.xml', line: 1, record: 21379 },
    { file: 'q.xml', line: 1, record: 21380 },
  ]);
});

test('forwarded event: entities decoded, empty Data, RenderingInfo kept', () => {
  const [item] = parseEventXml(security4698);
  assert.equal(item!.kind, 'windows');
  const ev = events([item!])[0]!.event;
  assert.equal(ev.system.activityId, '{a1b2c3d4-0000-0000-0000-000000000000}');
  assert.equal(ev.system.timeCreated, '2020-12-19T12:00:22.2640000Z');
  assert.equal(ev.system.userId, undefined);
  assert.equal(ev.eventData!.TaskName, '\\Microsoft\\Windows\\SoftwareProtectionPlatform\\EventCacheManager');
  assert.equal(
    ev.eventData!.TaskContent,
    '<?xml version="1.0" encoding="UTF-16"?>\r\n<Task><Exec><Command>C:\\Windows\\system32\\cmd.exe</Command><Arguments>/C a &amp; b</Arguments></Exec></Task>',
  );
  assert.equal(ev.eventData!.Empty, '');
  assert.equal(ev.eventData!.SelfClosed, '');
  assert.deepEqual(ev.rendering, {
    culture: 'en-US',
    message: 'A scheduled task was created.',
    level: 'Information',
    task: 'Other Object Access Events',
    opcode: 'Info',
    channel: 'Security',
    provider: 'Microsoft Windows security auditing.',
    keywords: ['Audit Success'],
  });
});

test('classic event: unnamed Data become param1..N, Binary, CDATA, Qualifiers and EventSourceName', () => {
  const ev = events(parseEventXml(classic))[0]!.event;
  assert.deepEqual(ev.eventData, { param1: 'PSEXESVC', param2: '%SystemRoot%\\PSEXESVC.exe', param3: 'user <mode> & service', Binary: '0A0B0C' });
  assert.equal(ev.system.qualifiers, 16384);
  assert.equal(ev.system.eventSourceName, 'Service Control Manager');
  assert.equal(ev.system.timeCreated, '2019-03-19T00:02:05.1234567Z');
});

test('UserData kept as a tree; namespace prefixes ignored', () => {
  const ev = events(parseEventXml(cleared))[0]!.event;
  assert.equal(ev.system.eventId, 1102);
  assert.equal(ev.system.channel, 'Security');
  assert.deepEqual(ev.userData, {
    name: 'LogFileCleared',
    attrs: { xmlns: 'http://manifests.microsoft.com/win/2004/08/windows/eventlog' },
    children: [
      { name: 'SubjectUserSid', attrs: {}, children: [], text: 'S-1-5-21-1' },
      { name: 'SubjectUserName', attrs: {}, children: [], text: 'Administrator' },
    ],
    text: '',
  });
});

test('<Events> document with declaration, one event per line, lines counted', async () => {
  const text = `<?xml version="1.0" encoding="UTF-8"?>\r\n<Events>\r\n${sysmon13}\r\n${classic}\r\n${cleared}\r\n</Events>\r\n`;
  for (const chunk of [1, 7, 4096]) {
    const items = await readBytes(text, {}, chunk, 'events.xml');
    assert.equal(problems(items).length, 0, JSON.stringify(problems(items)));
    assert.deepEqual(events(items).map((e) => [e.event.system.eventId, e.origin.line]), [[13, 3], [7045, 4], [1102, 5]]);
  }
});

test('pretty-printed multi-line events: origin line is where <Event> starts', async () => {
  const text = `<Events>\n${security4698}\n${security4698}\n</Events>`;
  const items = await readBytes(text, {}, 13);
  const n = security4698.split('\n').length;
  assert.deepEqual(events(items).map((e) => e.origin.line), [2, 2 + n]);
});

test('a malformed event is reported with its line and the next events are read', async () => {
  const lines = [
    sysmon13,
    sysmon13.replace('</EventData>', '</EventDta>'), // mismatched end tag
    `<Event ${NS}><System><EventID>4688</EventID>`, // cut short
    classic,
    `<Event ${NS}><System><EventID>abc</EventID></System></Event>`, // EventID not a number
    `<Event ${NS}><Data Name='x>broken</Data></Event>`, // unterminated quote
    cleared,
    `<Event ${NS}><EventData/></Event>`, // no System
    sysmon13,
  ];
  for (const chunk of [3, 65536]) {
    const items = await readBytes(lines.join('\n'), {}, chunk, 'bad.xml');
    assert.deepEqual(events(items).map((e) => [e.event.system.eventId, e.origin.line]), [[13, 1], [7045, 4], [1102, 7], [13, 9]]);
    const p = problems(items);
    assert.deepEqual(p.map((x) => x.origin.line), [2, 3, 5, 6, 8], JSON.stringify(p));
    assert.ok(p.every((x) => x.severity === 'error' && x.origin.file === 'bad.xml'));
    assert.match(p[0]!.message, /<\/EventDta>/);
    assert.match(p[1]!.message, /not closed/);
    assert.match(p[2]!.message, /not a number/);
    assert.match(p[4]!.message, /no <System>/);
  }
});

test('input ending inside an event is reported', async () => {
  const items = await readBytes(`${sysmon13}\n${sysmon13.slice(0, 300)}`);
  assert.equal(events(items).length, 1);
  assert.equal(problems(items).length, 1);
  assert.equal(problems(items)[0]!.origin.line, 2);
});

test('entities: predefined, decimal and hex references; unknown ones kept literally', () => {
  const xml = `<Event><System><EventID>1</EventID></System><EventData><Data Name="a">&lt;&gt;&amp;&quot;&apos;&#65;&#x263A;&#x1F600;</Data><Data Name="b">&nbsp;&#xZZ;</Data></EventData></Event>`;
  const ev = events(parseEventXml(xml))[0]!.event;
  assert.equal(ev.eventData!.a, `<>&"'A☺😀`);
  assert.equal(ev.eventData!.b, '&nbsp;&#xZZ;');
});

test('UTF-16LE file with BOM (PowerShell redirection) reads the same', async () => {
  const text = `<Events>\r\n${sysmon13}\r\n${classic}\r\n</Events>`;
  const utf8 = await readBytes(text);
  const utf16 = await readBytes(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]), {}, 5);
  assert.deepEqual(utf16, utf8);
  assert.equal(events(utf8).length, 2);
});

test('XML written unescaped inside <Data> (as evtxexport prints it) becomes the value text again', () => {
  const xml = `<Event><System><EventID>6116</EventID></System><EventData><Data Name="Value"><S:Envelope><S:Header a="1">*</S:Header><Ref URI="x"></Ref><Empty/></S:Envelope></Data></EventData></Event>`;
  const ev = events(parseEventXml(xml))[0]!.event;
  assert.equal(ev.eventData!.Value, '<S:Envelope><S:Header a="1">*</S:Header><Ref URI="x"></Ref><Empty/></S:Envelope>');
});

test('a banner line before the XML (evtxexport prints its version) is skipped by sniffing and reading', async () => {
  const items = await readBytes(`evtxexport 20181227\n\n${sysmon13}\n`);
  assert.deepEqual(events(items).map((e) => [e.event.system.eventId, e.origin.line]), [[13, 3]]);
  assert.equal(problems(items).length, 0);
});

test('round trip with the XML renderer: parse → render → parse gives the same events', async () => {
  const { renderEventXml } = await import('../../src/formats/event-xml/render.js');
  const originals = events(parseEventXml(sysmon13 + security4698 + classic + cleared)).map((e) => e.event);
  assert.equal(originals.length, 4);
  for (const indent of [undefined, false] as const) {
    const again = originals.map((e) => events(parseEventXml(renderEventXml(e, indent === undefined ? {} : { indent })))[0]!.event);
    assert.deepEqual(again, originals);
  }
});

test('SystemTime takes the EVTX reader form: exactly 7 fraction digits for UTC times', () => {
  const at = (t: string): string => events(parseEventXml(`<Event><System><EventID>1</EventID><TimeCreated SystemTime="${t}"/></System></Event>`))[0]!.event.system.timeCreated;
  assert.equal(at('2019-03-19T00:02:00.383090300Z'), '2019-03-19T00:02:00.3830903Z');
  assert.equal(at('2019-03-19T00:02:00.383Z'), '2019-03-19T00:02:00.3830000Z');
  assert.equal(at('2019-03-19T00:02:00Z'), '2019-03-19T00:02:00.0000000Z');
  assert.equal(at('2019-03-19 00:02:00'), '2019-03-19 00:02:00', 'other forms kept as written');
});
