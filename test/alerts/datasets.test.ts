// Enrichment on the real captures in ../shared/datasets, through the whole hunt (read, normalize, rules,
// alerts): what SOURCE.md's ground truth says a responder must see.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli.js';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';
import type { Alert } from '../../src/alerts/index.js';

async function hunt(dataset: string): Promise<Alert[]> {
  const r = await runCli(['hunt', sharedPath('datasets', dataset)!, '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Alert[];
}

test('otrf-schtask-create: every alert is the one incident, the flagship carries task, command and both accounts', { skip: skipWithoutShared('datasets', 'otrf-schtask-create') }, async () => {
  const alerts = await hunt('otrf-schtask-create');
  const flagship = alerts.filter((a) => a['kibana.alert.rule.name'] === 'Remote Scheduled Task Creation');
  assert.equal(flagship.length, 1);
  const f = flagship[0]!;
  const t = f['seqhunt.task']!;
  assert.equal(t.name, '\\Microsoft\\Windows\\SoftwareProtectionPlatform\\EventCacheManager');
  assert.equal(t.guid, '{47CDCDF5-3457-4925-96E5-DB6635FFCDDE}');
  assert.equal(t.command, 'C:\\Windows\\system32\\cmd.exe');
  assert.equal(t.arguments, '/C C:\\Windows\\System32\\notepad.exe');
  assert.equal(t.runAs, 'SYSTEM');
  assert.equal(f['source.ip'], '172.18.39.5');
  assert.equal(f['source.port'], 56588);
  assert.equal(f['source.user.name'], 'pgustavo');
  assert.equal(f['source.user.domain'], 'THESHIRE');
  assert.match(t.evidence.name!, /^Sysmon 13 TaskCache Tree/);
  assert.match(t.evidence['source.user']!, /Security 4698 Subject.*Security 4624 TargetLogonId/);
  // Companion alerts from the Security log about the same task: same incident, same task and accounts.
  assert.ok(alerts.length >= 2, `a companion alert too (got ${alerts.length})`);
  for (const a of alerts) {
    assert.equal(a['seqhunt.incident.id'], f['seqhunt.incident.id'], a['kibana.alert.rule.name']);
    assert.equal(a['seqhunt.task']!.name, t.name);
    assert.equal(a['source.user.name'], 'pgustavo');
  }
});

test('sbousseaden-atsvc-target: atexec over the pipe, source from IPC$\\atsvc, run-and-delete and ADMIN$ read-back related', { skip: skipWithoutShared('datasets', 'sbousseaden-atsvc-target') }, async () => {
  const alerts = await hunt('sbousseaden-atsvc-target');
  assert.ok(alerts.length >= 1, 'the Security-log companion fires');
  for (const a of alerts) {
    const t = a['seqhunt.task']!;
    assert.equal(t.name, '\\CYAlyNSS');
    assert.equal(t.command, 'cmd.exe');
    assert.equal(t.arguments, '/C tasklist > %windir%\\Temp\\CYAlyNSS.tmp 2>&1');
    assert.equal(t.runAs, 'SYSTEM');
    assert.equal(t.hidden, true);
    assert.equal(a['source.ip'], '10.0.2.17');
    assert.equal(a['source.user.name'], 'Administrator');
    // Evidence names the records of SOURCE.md's ground truth by their EventRecordID.
    assert.match(t.evidence['source.ip']!, /^Security 5145 .*#566832\)$/);
    assert.match(t.evidence['source.user']!, /Security 4698 Subject .*#566836\); logon 0x0*17e2d2 = Security 4624 TargetLogonId .*#566835\)$/);
    const related = a['seqhunt.related']!.map((r) => `${r.kind} ${r.summary}`);
    assert.ok(related.some((r) => r.startsWith('task-event') && r.includes('task deleted: \\CYAlyNSS')), related.join('\n'));
    assert.ok(related.some((r) => r.startsWith('admin-share') && r.includes('ADMIN$\\Temp\\CYAlyNSS.tmp')), related.join('\n'));
  }
});
