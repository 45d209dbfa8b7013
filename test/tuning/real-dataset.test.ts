import { test } from 'node:test';
import assert from 'node:assert/strict';
import { huntTelemetry, learnBaseline, scoreRisk, Suppressor, parseExceptionText, serializeExceptionLists } from '../../src/tuning/index.js';
import type { Alert } from '../../src/alerts/types.js';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';

const DATASET = ['datasets', 'otrf-schtask-create'];

test('on the OTRF schtasks capture: risk explained, one-off not baselined, a learned item suppresses it', { skip: skipWithoutShared(...DATASET) }, async () => {
  const alerts: Alert[] = [];
  const hunted = await huntTelemetry([sharedPath(...DATASET)!], (a) => alerts.push(a));
  assert.equal(hunted.inputErrors, 0);
  const flagship = alerts.filter((a) => a['kibana.alert.rule.name'] === 'Remote Scheduled Task Creation');
  assert.equal(flagship.length, 1);
  // cmd.exe /C notepad as SYSTEM (SOURCE.md ground truth): the rule's 47 rises by 10 + 10.
  scoreRisk(flagship[0]!);
  assert.deepEqual(flagship[0]!['seqhunt.risk.factors'], [
    { factor: 'command runs cmd.exe /c', delta: 10 },
    { factor: 'task runs as SYSTEM', delta: 10 },
  ]);
  assert.equal(flagship[0]!['kibana.alert.risk_score'], 67);
  assert.equal(flagship[0]!['kibana.alert.severity'], 'high');
  assert.equal(flagship[0]!['kibana.alert.rule.risk_score'], 47);

  // One host, one day: with the default thresholds nothing is proposed.
  const byDefault = learnBaseline(alerts);
  assert.equal(byDefault.list.items.length, 0);
  assert.equal(byDefault.belowThreshold.length, 1);
  assert.equal(byDefault.belowThreshold[0]!.source, '172.18.39.5');

  // With one host enough, the shape is learned, and the written list suppresses every alert of the capture.
  const learned = learnBaseline(alerts, { minHosts: 1 });
  const { lists } = parseExceptionText(serializeExceptionLists([learned.list]), 'b.ndjson');
  const s = new Suppressor(lists);
  for (const a of alerts) assert.equal(s.check(a).length, 1, a['kibana.alert.rule.name']);
  assert.equal(s.summary().alertsSuppressed, alerts.length);
});
