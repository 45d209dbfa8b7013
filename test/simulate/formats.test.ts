import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRules } from '../../src/engine/index.js';
import { parseEventXml, readSource } from '../../src/formats/index.js';
import type { InputItem } from '../../src/formats/types.js';
import { normalize } from '../../src/normalize/index.js';
import { loadRules } from '../../src/rules/index.js';
import { SCENARIOS, renderSimulation, simulate, toWinlogbeat } from '../../src/simulate/index.js';

async function itemsOf(path: string): Promise<InputItem[]> {
  const out: InputItem[] = [];
  for await (const item of readSource({ path })) out.push(item);
  return out;
}

async function alertsOn(items: InputItem[]): Promise<string[]> {
  const { rules } = await loadRules({ builtin: true });
  const events = items.flatMap((i) => {
    const r = normalize(i);
    return r.ok ? [r.event] : [];
  });
  const result = await runRules(rules, events, { collect: true });
  return result.alerts.map((a) => a['kibana.alert.rule.name']).sort();
}

const EXPECTED_WINDOWS = ['Remote Scheduled Task Creation', 'Remote Scheduled Task Creation via RPC (Security log)'];

test('event XML output reads back into the same events, and the rules fire on it', async () => {
  const t = simulate('schtasks-remote');
  const [file] = renderSimulation(t, 'xml');
  const items = parseEventXml(file!.data.toString('utf8'), { file: 'sim.xml' });
  const events = items.filter((i) => i.kind === 'windows');
  assert.equal(events.length, t.windows.length);
  assert.deepEqual(items.filter((i) => i.kind === 'problem'), []);
  const created = events.map((i) => (i.kind === 'windows' ? i.event : undefined)).find((e) => e?.system.eventId === 4698)!;
  assert.equal(created.eventData?.TaskContent, t.windows.find((e) => e.system.eventId === 4698)!.eventData?.TaskContent, 'TaskContent survives escaping');
  assert.deepEqual(await alertsOn(items), EXPECTED_WINDOWS);
});

test('EVTX output: one file per channel, read back by our reader and (when installed) by evtxexport', async () => {
  const t = simulate('schtasks-remote');
  const files = renderSimulation(t, 'evtx', true);
  assert.deepEqual(files.map((f) => f.name).sort(), ['Microsoft-Windows-Sysmon%4Operational.evtx', 'Microsoft-Windows-TaskScheduler%4Operational.evtx', 'Security.evtx']);
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-sim-'));
  try {
    const all: InputItem[] = [];
    for (const f of files) {
      writeFileSync(join(dir, f.name), f.data);
      const items = await itemsOf(join(dir, f.name));
      assert.deepEqual(items.filter((i) => i.kind === 'problem').map((i) => (i.kind === 'problem' ? i.message : '')), []);
      const channel = f.name.replace('%4', '/').replace('.evtx', '');
      assert.equal(items.length, t.windows.filter((e) => e.system.channel === channel).length, f.name);
      all.push(...items);
    }
    assert.deepEqual(await alertsOn(all), EXPECTED_WINDOWS);
    const probe = spawnSync('evtxexport', ['-h'], { encoding: 'utf8' });
    if (probe.error) return; // evtxexport absent: our own reader has checked the files
    const out = spawnSync('evtxexport', [join(dir, 'Security.evtx')], { encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    assert.equal((out.stdout.match(/^Event identifier/gm) ?? []).length, t.windows.filter((e) => e.system.channel === 'Security').length);
    assert.match(out.stdout, /\(4698\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Winlogbeat-style documents keep winlog.* and normalize to alerts like the raw events', async () => {
  const t = simulate('schtasks-remote');
  const lines = renderSimulation(t, 'winlogbeat')[0]!.data.toString('utf8').trim().split('\n');
  assert.equal(lines.length, t.windows.length);
  const docs = lines.map((l) => JSON.parse(l) as Record<string, any>);
  const created = docs.find((d) => d.winlog.event_id === '4698')!;
  assert.equal(created.event.action, 'scheduled-task-created');
  assert.equal(created.winlog.event_data.RpcCallClientLocality, '0');
  const net = docs.find((d) => d.winlog.event_id === '3' && d.destination.port >= 49152)!;
  assert.equal(net.network.direction, 'ingress');
  assert.equal(net['@timestamp'].slice(0, 19), String(net.winlog.event_data.UtcTime).replace(' ', 'T').slice(0, 19), '@timestamp from UtcTime, as the Sysmon pipeline does');
  const items: InputItem[] = docs.map((doc, i) => ({ kind: 'document', doc, origin: { file: 'wlb.ndjson', line: i + 1 } }));
  assert.deepEqual(await alertsOn(items), EXPECTED_WINDOWS);
});

test('Winlogbeat-style documents categorize Security and Sysmon events as the normalizer (Elastic\'s pipelines) does', () => {
  // 5156 in particular: the Agent's Security pipeline calls it windows-firewall-connection, types connection/info/allowed.
  const seen = new Set<number>();
  for (const s of SCENARIOS) {
    for (const ev of simulate(s.id).windows) {
      if (ev.system.channel !== 'Security' && ev.system.provider !== 'Microsoft-Windows-Sysmon') continue;
      const wlb = toWinlogbeat(ev) as Record<string, any>;
      const r = normalize({ kind: 'windows', event: ev, origin: { file: 'sim.evtx', record: ev.system.recordId } });
      assert.ok(r.ok, r.ok ? '' : r.reason);
      const norm = r.event.doc as Record<string, any>;
      const what = `${ev.system.channel} ${ev.system.eventId}`;
      assert.deepEqual([wlb.event.action, wlb.event.category, wlb.event.type], [norm.event.action, norm.event.category, norm.event.type], what);
      seen.add(ev.system.eventId);
    }
  }
  assert.ok(seen.has(5156), 'the scenarios write 5156');
  const wfp = toWinlogbeat(simulate('schtasks-remote').windows.find((e) => e.system.eventId === 5156)!) as Record<string, any>;
  assert.equal(wfp.event.action, 'windows-firewall-connection');
  assert.deepEqual(wfp.event.type, ['connection', 'info', 'allowed']);
});

test('Defend output is ECS NDJSON the flagship fires on', async () => {
  const t = simulate('schtasks-remote');
  const lines = renderSimulation(t, 'defend')[0]!.data.toString('utf8').trim().split('\n');
  const docs = lines.map((l) => JSON.parse(l) as Record<string, any>);
  assert.ok(docs.every((d) => d.host.os.type === 'windows' && d.agent.type === 'endpoint'));
  const items: InputItem[] = docs.map((doc, i) => ({ kind: 'document', doc, origin: { file: 'defend.ndjson', line: i + 1 } }));
  assert.deepEqual(await alertsOn(items), ['Remote Scheduled Task Creation']);
});

test('every scenario written as EVTX and read back raises exactly the alerts its expectations list', async () => {
  const { rules } = await loadRules({ builtin: true });
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-sim-all-'));
  try {
    for (const s of SCENARIOS) {
      const t = simulate(s.id);
      const path = join(dir, `${s.id}.evtx`);
      writeFileSync(path, renderSimulation(t, 'evtx')[0]!.data);
      const items = await itemsOf(path);
      assert.equal(items.length, t.windows.length, `${s.id}: every record read back`);
      const events = items.flatMap((i) => {
        const r = normalize(i);
        return r.ok ? [r.event] : [];
      });
      const result = await runRules(rules, events, { collect: true });
      const got: Record<string, number> = {};
      for (const a of result.alerts) got[a['kibana.alert.rule.name']] = (got[a['kibana.alert.rule.name']] ?? 0) + 1;
      assert.deepEqual(got, t.expected.windows, s.id);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
