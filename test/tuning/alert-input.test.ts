import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readAlertText } from '../../src/tuning/index.js';
import { makeAlert } from './corpus.js';

const alertLine = () => JSON.stringify(makeAlert({ host: 'h', time: '2026-03-01T00:00:00Z', sourceIp: '10.0.0.1' }));

test('alert files are recognised by kibana.alert.rule.rule_id; bad lines are reported with their number', () => {
  const r = readAlertText(['{"cut', alertLine(), '', '{"not":"an alert"}', alertLine(), '[broken'].join('\n'), 'a.ndjson');
  assert.equal(r.kind, 'alerts');
  assert.equal(r.count, 2);
  assert.deepEqual(r.problems.map((p) => p.line), [1, 4, 6]);
  assert.match(r.problems[1]!.message, /not an alert/);
});

test('telemetry is recognised: ECS events, XML, binary', () => {
  assert.equal(readAlertText('{"@timestamp":"2026-03-01T00:00:00Z","event":{"category":"network"}}\n' + alertLine(), 'e').kind, 'telemetry');
  assert.equal(readAlertText('<?xml version="1.0"?>\n<Events>\n<Event>\n<System>\n</System>\n</Event>\n</Events>\n', 'x').kind, 'telemetry');
  assert.equal(readAlertText('ElfFile\u0000\u0001\u0002\n\u0003\u0004\n\u0005\n\u0006\n\u0007\n', 'b').kind, 'telemetry');
  assert.equal(readAlertText('\n\n', 'empty').kind, 'alerts');
});

test('a JSON array or {"alerts": [...]} document of alerts', () => {
  const a = JSON.parse(alertLine());
  const arr = readAlertText(JSON.stringify([a, { x: 1 }, a], null, 2), 'arr.json');
  assert.equal(arr.kind, 'alerts');
  assert.equal(arr.count, 2);
  assert.match(arr.problems[0]!.message, /element 2 is not an alert/);
  assert.equal(readAlertText(JSON.stringify({ alerts: [a] }, null, 1), 'obj.json').count, 1);
  assert.equal(readAlertText(JSON.stringify([{ '@timestamp': 'x' }], null, 1), 'events.json').kind, 'telemetry');
});

test('a byte-order mark does not hide alerts, in NDJSON or in a JSON array', () => {
  assert.equal(readAlertText('\uFEFF' + alertLine() + '\r\n', 'bom.ndjson').count, 1);
  assert.equal(readAlertText('\uFEFF[\n' + alertLine() + '\n]', 'bom.json').count, 1);
});
