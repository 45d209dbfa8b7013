// The real captures in ../shared/datasets, read through the public API: record counts from their SOURCE.md files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readSource } from '../../src/formats/index.js';
import type { InputItem } from '../../src/formats/types.js';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';

interface Tally {
  documents: number;
  windows: number;
  problems: Array<Extract<InputItem, { kind: 'problem' }>>;
  /** "Channel:EventID" → count, from the flat export fields. */
  byEvent: Map<string, number>;
  hosts: Map<string, number>;
}

async function tally(...parts: string[]): Promise<Tally> {
  const t: Tally = { documents: 0, windows: 0, problems: [], byEvent: new Map(), hosts: new Map() };
  for await (const item of readSource({ path: sharedPath(...parts)! })) {
    if (item.kind === 'problem') t.problems.push(item);
    else if (item.kind === 'windows') {
      t.windows++;
      const key = `${item.event.system.channel}:${item.event.system.eventId}`;
      t.byEvent.set(key, (t.byEvent.get(key) ?? 0) + 1);
    } else {
      t.documents++;
      const key = `${item.doc.Channel}:${item.doc.EventID}`;
      t.byEvent.set(key, (t.byEvent.get(key) ?? 0) + 1);
      const host = String(item.doc.Hostname);
      t.hosts.set(host, (t.hosts.get(host) ?? 0) + 1);
    }
  }
  return t;
}

const SCHTASK = ['datasets', 'otrf-schtask-create', 'schtask_create.zip'];
test('otrf schtask_create.zip: 1,041 flat records with blank lines between them', { skip: skipWithoutShared(...SCHTASK) }, async () => {
  const t = await tally(...SCHTASK);
  assert.equal(t.documents, 1041);
  assert.deepEqual(t.problems, []);
  assert.equal(t.byEvent.get('Microsoft-Windows-Sysmon/Operational:13'), 39);
  assert.equal(t.byEvent.get('Microsoft-Windows-Sysmon/Operational:3'), 6);
  assert.equal(t.byEvent.get('Security:4698'), 1);
  assert.equal(t.byEvent.get('Microsoft-Windows-TaskScheduler/Operational:106'), 1);
  assert.deepEqual(Object.fromEntries(t.hosts), { 'WORKSTATION5.theshire.local': 546, 'WORKSTATION6.theshire.local': 495 });
});

const COVENANT = ['datasets', 'otrf-covenant-wmi-nearmiss', 'covenant_wmi_wbemcomn_dll_hijack.zip'];
test('otrf covenant zip: 8,947 records on three hosts', { skip: skipWithoutShared(...COVENANT) }, async () => {
  const t = await tally(...COVENANT);
  assert.equal(t.documents, 8947);
  assert.deepEqual(t.problems, []);
  assert.deepEqual(Object.fromEntries(t.hosts), { 'MORDORDC.theshire.local': 7491, 'WORKSTATION5.theshire.local': 790, 'WORKSTATION6.theshire.local': 666 });
  assert.equal(t.byEvent.get('Security:5156'), 120);
});

const WEVTUTIL = ['datasets', 'otrf-cmd-wevtutil-noise', 'cmd_wevtutil_modify_security_eventlog_path.zip'];
test('otrf wevtutil zip (49 MB inflated): 25,208 records; the __MACOSX member is a note', { skip: skipWithoutShared(...WEVTUTIL) }, async () => {
  const t = await tally(...WEVTUTIL);
  assert.equal(t.documents, 25208);
  assert.equal(t.problems.length, 1);
  assert.equal(t.problems[0]!.severity, 'note');
  assert.equal(t.problems[0]!.origin.member, '__MACOSX/._cmd_wevtutil_modify_security_eventlog_path.json');
  assert.equal(t.byEvent.get('Microsoft-Windows-Sysmon/Operational:10'), 12309);
  assert.equal(t.byEvent.get('Microsoft-Windows-Sysmon/Operational:13'), 4137);
});

const ATSVC = ['datasets', 'sbousseaden-atsvc-target', 'LM_ScheduledTask_ATSVC_target_host.evtx'];
test('sbousseaden atsvc EVTX: found by content and handed to the EVTX reader (34 Security records)', { skip: skipWithoutShared(...ATSVC) }, async () => {
  const t = await tally(...ATSVC);
  assert.equal(t.windows, 34);
  assert.equal(t.byEvent.get('Security:4698'), 1);
  assert.equal(t.byEvent.get('Security:5145'), 5);
});
