// The real captures in ../shared/datasets through `seqhunt hunt`, against the ground truth of their SOURCE.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli.js';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';
import { skipWithoutEql } from '../rules/eql-ready.js';

const FLAGSHIP = 'Remote Scheduled Task Creation';

async function flagshipAlerts(folder: string): Promise<{ alerts: Array<Record<string, unknown>>; stderr: string; code: number }> {
  const r = await runCli(['hunt', '--format', 'ndjson', sharedPath('datasets', folder)!]);
  const alerts = r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((a) => a['kibana.alert.rule.name'] === FLAGSHIP);
  return { alerts, stderr: r.stderr, code: r.code };
}

const skip = (folder: string) => skipWithoutShared('datasets', folder) || skipWithoutEql;

test('otrf-schtask-create: exactly one flagship alert, on the target host and the Task Scheduler svchost', { skip: skip('otrf-schtask-create') }, async () => {
  const { alerts, stderr } = await flagshipAlerts('otrf-schtask-create');
  // The Sysmon network event is written ~1 s after the Actions write it precedes (by UtcTime): only event-time
  // ordering makes the sequence visible.
  assert.equal(alerts.length, 1, stderr);
  const a = alerts[0]!;
  assert.equal(a['host.name'], 'WORKSTATION6.theshire.local');
  assert.equal(a['process.entity_id'], '{649442b8-52dc-5fd1-3600-000000000600}');
  assert.equal(a['source.ip'], '172.18.39.5');
  assert.equal(a['source.port'], 56588);
  assert.equal(a['kibana.alert.original_time'], '2020-12-19T12:00:01.012Z');
  const events = a.events as Array<{ event: { category: string[] }; registry?: { value: string } }>;
  assert.ok(events[0]!.event.category.includes('network'));
  assert.ok(events[1]!.event.category.includes('registry'));
  assert.equal(events[1]!.registry?.value, 'Actions');
  // What the responder asks first (enrichment by src/alerts), from the telemetry.
  const task = a['seqhunt.task'] as Record<string, string> | undefined;
  assert.equal(task?.name, '\\Microsoft\\Windows\\SoftwareProtectionPlatform\\EventCacheManager');
  assert.equal([task?.command, task?.arguments].filter(Boolean).join(' '), 'C:\\Windows\\system32\\cmd.exe /C C:\\Windows\\System32\\notepad.exe');
  assert.equal(a['source.user.name'], 'pgustavo');
  assert.match(String(task?.runAs), /SYSTEM/i);
  // The export's record times are local time labelled UTC: the summary says so.
  assert.match(stderr, /clock: .*5 h behind Sysmon UtcTime/);
});

for (const folder of ['otrf-cmd-wevtutil-noise', 'otrf-covenant-wmi-nearmiss', 'sbousseaden-atsvc-target']) {
  test(`${folder}: no flagship alert`, { skip: skip(folder) }, async () => {
    const { alerts, stderr } = await flagshipAlerts(folder);
    assert.match(stderr, /[1-9][\d,]* events checked/, 'the inputs were read');
    assert.equal(alerts.length, 0, JSON.stringify(alerts.map((a) => a['kibana.alert.reason'])));
  });
}

test('otrf-schtask-create with --timezone=-05:00: the export\'s clock is corrected and the warning goes away', { skip: skip('otrf-schtask-create') }, async () => {
  const r = await runCli(['hunt', '--format', 'ndjson', '--timezone=-05:00', sharedPath('datasets', 'otrf-schtask-create')!]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /clock:/);
  const alerts = r.stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);
  const flagship = alerts.filter((a) => a['kibana.alert.rule.name'] === FLAGSHIP);
  assert.equal(flagship.length, 1);
});
