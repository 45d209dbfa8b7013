// The flagship on a remote task *update*: the Schedule service rewrites Tasks\{GUID}\Actions but writes no
// Tree Id or Path, so the task's name and command come from the 4702 (TaskName, TaskContentNew) of the logon
// session that the matched connection opened, and the TaskScheduler 140 of that name: identity, never time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertAssembler, type Alert } from '../../src/alerts/index.js';
import type { NormalizedEvent } from '../../src/normalize/types.js';
import { renderSimulation, simulate } from '../../src/simulate/index.js';
import { runCli } from '../helpers/cli.js';
import { skipWithoutEql } from '../rules/eql-ready.js';
import { match, rule, sec4624, sec4702, sysmon13, sysmon3, taskEvent, taskXml } from './helpers.js';

const T = Date.parse('2026-01-15T10:00:00.000Z');
const TASK = '\\Microsoft\\Windows\\UpdateOrchestrator\\Schedule Scan';
const GUID = '{1F150476-68B3-4734-A0EE-154EFD0FB395}';

function flagshipAlert(events: NormalizedEvent[], net: NormalizedEvent, actions: NormalizedEvent): Alert {
  const asm = new AlertAssembler();
  for (const e of [...events].sort((a, b) => a.timestamp - b.timestamp)) asm.observe(e);
  asm.addMatch(rule(), match(net, actions));
  const alerts = asm.finish();
  assert.equal(alerts.length, 1);
  return alerts[0]!;
}

/** A remote update from 10.20.30.15:51631 (logon 0x8f77e3); `other` adds a concurrent update by another session. */
function update(other = false): { events: NormalizedEvent[]; net: NormalizedEvent; actions: NormalizedEvent } {
  const net = sysmon3({ ts: T + 4 }, { ip: '10.20.30.15', port: 51631 });
  const logon = sec4624(T + 8, { user: 'alice.adm', domain: 'CORP', logonId: '0x8f77e3', ip: '10.20.30.15', port: 51631 });
  const actions = sysmon13({ ts: T + 10 }, `Tasks\\${GUID}\\Actions`, 'Binary Data');
  const ts140 = taskEvent(T + 30, 140, { TaskName: TASK, UserName: 'CORP\\alice.adm' });
  const updated = sec4702(T + 32, { user: 'alice.adm', domain: 'CORP', logonId: '0x8F77E3', taskName: TASK, content: taskXml({ uri: TASK, command: 'cmd.exe', args: '/c calc.exe' }) });
  const events = [net, logon, actions, ts140, updated];
  if (other) {
    // Nearer in time to the match, but from another logon session: not this task.
    const otherLogon = sec4624(T + 9, { user: 'bob', domain: 'CORP', logonId: '0x1234', ip: '10.20.30.99', port: 50000 });
    const otherUpdate = sec4702(T + 11, { user: 'bob', domain: 'CORP', logonId: '0x1234', taskName: '\\Other', content: taskXml({ uri: '\\Other', command: 'notepad.exe' }) });
    events.push(otherLogon, otherUpdate);
  }
  return { events, net, actions };
}

test('flagship on a remote update: task name and command from the 4702 of the connection\'s logon session', () => {
  const { events, net, actions } = update();
  const a = flagshipAlert(events, net, actions);
  const t = a['seqhunt.task']!;
  assert.equal(t.guid, GUID);
  assert.equal(t.name, TASK);
  assert.equal(t.command, 'cmd.exe');
  assert.equal(t.arguments, '/c calc.exe');
  assert.equal(t.runAs, 'SYSTEM');
  assert.match(t.evidence.name!, /^Security 4702 TaskName .*same logon session/);
  assert.match(t.evidence.command!, /^Security 4702 TaskContentNew /);
  assert.equal(a['source.user.name'], 'alice.adm');
  assert.ok(a['seqhunt.related']!.some((r) => r.summary.startsWith('TaskScheduler 140') && r.summary.includes(TASK)), 'the 140 of that task is related');
});

test('a concurrent update by another logon session is not taken for this task, nor is any without the session link', () => {
  const { events, net, actions } = update(true);
  assert.equal(flagshipAlert(events, net, actions)['seqhunt.task']!.name, TASK);
  // Without the network logon that ties the connection to a session, nothing names the task: no guess by time.
  const bare = flagshipAlert(events.filter((e) => !(e.doc as { winlog: { event_id: string } }).winlog.event_id.startsWith('4624')), net, actions);
  assert.equal(bare['seqhunt.task']!.name, undefined);
  assert.equal(bare['seqhunt.task']!.command, undefined);
});

test('hunt over the simulated schtasks-update: the flagship alert names the task and command like the 4702 alert', { skip: skipWithoutEql }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-update-'));
  try {
    const file = join(dir, 'u.xml');
    writeFileSync(file, renderSimulation(simulate('schtasks-update'), 'xml')[0]!.data);
    const r = await runCli(['hunt', '--format', 'ndjson', file]);
    assert.equal(r.code, 0, r.stderr);
    const alerts = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Alert);
    const by = (name: string) => alerts.find((a) => a['kibana.alert.rule.name'] === name)!['seqhunt.task']!;
    const flagship = by('Remote Scheduled Task Creation');
    const update = by('Remote Scheduled Task Update');
    assert.ok(update.name && update.command, 'the 4702 alert has them');
    assert.equal(flagship.name, update.name);
    assert.equal(flagship.command, update.command);
    assert.equal(flagship.arguments, update.arguments);
    assert.equal(flagship.runAs, update.runAs);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
