// The simulator checked against reality: simulated `schtasks-remote` vs the real capture of the same command
// (shared/datasets/otrf-schtask-create, OTRF flat JSON), field by field: field names and their order, value
// formats, event order, and the Sysmon event 3 lag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readSource } from '../../src/formats/index.js';
import type { WinEvent } from '../../src/formats/types.js';
import { simulate } from '../../src/simulate/index.js';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';

const DATASET = ['datasets', 'otrf-schtask-create', 'schtask_create.zip'] as const;
/** Columns the OTRF export adds around the event data. */
const EXPORT_FIELDS = new Set(['SourceName', 'ProviderGuid', 'Level', 'Keywords', 'Channel', 'Hostname', 'TimeCreated', '@timestamp', 'EventID', 'Task', 'Message', 'EventTime', 'RecordNumber', 'tags', 'Version', 'Opcode', 'ExecutionProcessID', 'ThreadID', 'port', 'host']);

type Rec = { channel: string; eventId: number; written: string; data: Record<string, string>; level: string; keywords: string; providerGuid: string };

async function realTarget(): Promise<Rec[]> {
  const out: Rec[] = [];
  for await (const item of readSource({ path: sharedPath(...DATASET)! })) {
    if (item.kind !== 'document') continue;
    const d = item.doc as Record<string, unknown>;
    if (d.Hostname !== 'WORKSTATION6.theshire.local') continue;
    const data: Record<string, string> = {};
    for (const [k, v] of Object.entries(d)) if (!EXPORT_FIELDS.has(k)) data[k] = String(v);
    out.push({ channel: String(d.Channel), eventId: Number(d.EventID), written: String(d.TimeCreated), data, level: String(d.Level), keywords: String(d.Keywords), providerGuid: String(d.ProviderGuid) });
  }
  return out;
}

function simulated(): Rec[] {
  const t = simulate('schtasks-remote', { host: 'WORKSTATION6.theshire.local', targetIp: '172.18.39.6', sourceIp: '172.18.39.5', user: 'THESHIRE\\pgustavo', task: '\\Microsoft\\Windows\\SoftwareProtectionPlatform\\EventCacheManager', command: 'C:\\Windows\\system32\\cmd.exe /C C:\\Windows\\System32\\notepad.exe', time: '2020-12-19T12:00:22.230Z' });
  return t.windows.map((e: WinEvent) => ({
    channel: e.system.channel,
    eventId: e.system.eventId,
    written: e.system.timeCreated,
    data: Object.fromEntries(Object.entries(e.eventData ?? {}).map(([k, v]) => [k, String(v)])),
    level: String(e.system.level),
    keywords: String(e.system.keywords),
    providerGuid: String(e.system.providerGuid),
  }));
}

/** The format of a value, not its content. */
function shape(v: string): string {
  if (v === '') return 'empty';
  if (v === '-') return 'dash';
  if (/^\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}$/.test(v)) return 'guid-lower';
  if (/^\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}$/.test(v)) return 'guid-upper';
  if (/^0x[0-9a-f]+$/.test(v)) return 'hex';
  if (/^\d+$/.test(v)) return 'int';
  if (/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/.test(v)) return 'sysmon-utc';
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(v)) return 'local-datetime';
  if (/^(\d{1,3}\.){3}\d{1,3}$/.test(v)) return 'ipv4';
  if (v === 'true' || v === 'false') return 'bool';
  if (/^S-1-[\d-]+$/.test(v)) return 'sid';
  if (/^%%\d+$/.test(v)) return 'message-ref';
  if (/^HKLM\\SOFTWARE\\/.test(v)) return 'registry-path';
  if (/^[A-Za-z]:\\/.test(v)) return 'path';
  if (/^\\device\\/.test(v)) return 'device-path';
  if (/^\\/.test(v)) return 'task-path';
  if (/^DWORD \(0x[0-9a-f]{8}\)$/.test(v)) return 'dword';
  if (v.startsWith('<?xml')) return 'task-xml';
  if (v === 'Binary Data') return 'binary';
  return 'text';
}

const label = (r: Rec): string | undefined => {
  const d = r.data;
  if (r.eventId === 5156 && d.Direction === '%%14592') return d.DestPort === '135' ? 'wfp-epm' : Number(d.DestPort) >= 49152 ? 'wfp-rpc' : undefined;
  if (r.eventId === 4624 && d.LogonType === '3') return 'logon';
  if (r.eventId === 12 && /\\TaskCache\\Tree\\/.test(d.TargetObject ?? '')) return 'tree';
  if (r.eventId === 13 && /\\Tasks\\\{[^}]+\}\\Actions$/.test(d.TargetObject ?? '')) return 'actions';
  if (r.eventId === 106) return 'ts106';
  if (r.eventId === 4698) return '4698';
  if (r.eventId === 3 && d.Initiated === 'false' && Number(d.DestinationPort) >= 49152) return 'sysmon3-rpc';
  return undefined;
};

const KINDS: Array<[string, number, ((r: Rec) => boolean)?]> = [
  ['Microsoft-Windows-Sysmon/Operational', 3, (r) => r.data.Initiated === 'false'],
  ['Microsoft-Windows-Sysmon/Operational', 12, (r) => /TaskCache/.test(r.data.TargetObject ?? '')],
  ['Microsoft-Windows-Sysmon/Operational', 13, (r) => /TaskCache/.test(r.data.TargetObject ?? '')],
  ['Security', 4624],
  ['Security', 4672],
  ['Security', 4634],
  ['Security', 4698],
  ['Security', 5156, (r) => r.data.Direction === '%%14592' && r.data.SourceAddress === '172.18.39.5'],
  ['Microsoft-Windows-TaskScheduler/Operational', 106],
  ['Microsoft-Windows-TaskScheduler/Operational', 140],
];

test('simulated schtasks-remote matches the real capture: field names and their order, per event kind', { skip: skipWithoutShared(...DATASET) }, async () => {
  const real = await realTarget();
  const sim = simulated();
  for (const [channel, id, pred = () => true] of KINDS) {
    const r = real.find((x) => x.channel === channel && x.eventId === id && pred(x));
    const s = sim.find((x) => x.channel === channel && x.eventId === id && pred(x));
    assert.ok(r, `the capture has ${channel} ${id}`);
    assert.ok(s, `the simulation writes ${channel} ${id}`);
    assert.deepEqual(Object.keys(s.data), Object.keys(r.data), `${channel} ${id}: EventData fields`);
    assert.equal(s.level, r.level, `${channel} ${id}: Level`);
    assert.equal(s.keywords, r.keywords, `${channel} ${id}: Keywords`);
    assert.equal(s.providerGuid.toLowerCase(), r.providerGuid.toLowerCase(), `${channel} ${id}: provider GUID`);
  }
});

test('simulated schtasks-remote matches the real capture: value formats, field by field', { skip: skipWithoutShared(...DATASET) }, async () => {
  const real = await realTarget();
  const sim = simulated();
  let compared = 0;
  for (const [channel, id, pred = () => true] of KINDS) {
    const r = real.filter((x) => x.channel === channel && x.eventId === id && pred(x));
    const s = sim.filter((x) => x.channel === channel && x.eventId === id && pred(x));
    for (const field of Object.keys(r[0]!.data)) {
      const realShapes = new Set(r.map((x) => shape(x.data[field]!)));
      for (const x of s) {
        compared++;
        assert.ok(realShapes.has(shape(x.data[field]!)), `${channel} ${id} ${field}: simulated "${x.data[field]}" (${shape(x.data[field]!)}) vs real ${[...realShapes].join('/')} e.g. "${r[0]!.data[field]}"`);
      }
    }
  }
  assert.ok(compared > 150, `compared ${compared} values`);
  // The TaskCache burst: the same values, in the same order, with the same Details forms. The trigger-class key
  // differs by design (the capture's task is /sc ONSTART → Boot, the simulated one /sc once → Plain).
  const burst = (recs: Rec[]) =>
    recs
      .filter((x) => (x.eventId === 12 || x.eventId === 13) && /TaskCache/.test(x.data.TargetObject ?? ''))
      .map((x) => `${x.eventId} ${x.data.TargetObject!.replace(/\{[0-9A-F-]{36}\}/, '{GUID}').replace(/^.*\\TaskCache\\/, '').replace(/^(Plain|Boot|Logon)\\/, '{BUCKET}\\')} ${shape(x.data.Details ?? '')}`);
  assert.deepEqual(burst(sim), burst(real));
});

test('simulated schtasks-remote matches the real capture: event order and the Sysmon 3 lag', { skip: skipWithoutShared(...DATASET) }, async () => {
  const real = await realTarget();
  const sim = simulated();
  const order = (recs: Rec[]) => {
    const sorted = recs.map((r, i) => ({ r, i })).sort((a, b) => (a.r.written < b.r.written ? -1 : a.r.written > b.r.written ? 1 : a.i - b.i));
    const seen: string[] = [];
    for (const { r } of sorted) {
      const l = label(r);
      if (l && !seen.includes(l)) seen.push(l);
    }
    return seen;
  };
  assert.deepEqual(order(real), ['wfp-epm', 'wfp-rpc', 'logon', 'tree', 'actions', 'ts106', '4698', 'sysmon3-rpc']);
  assert.deepEqual(order(sim), order(real));
  for (const recs of [real, sim]) {
    const actions = recs.find((r) => label(r) === 'actions')!;
    const net = recs.find((r) => label(r) === 'sysmon3-rpc')!;
    assert.equal(net.data.ProcessGuid, actions.data.ProcessGuid, 'the connection and the Actions write are one process');
    assert.ok(net.written > actions.written, 'Sysmon 3 is written after the registry event');
    assert.ok(net.data.UtcTime! < actions.data.UtcTime!, 'with an earlier UtcTime');
  }
});
