import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlertAssembler } from '../../src/alerts/index.js';
import { eventIdentity, ruleUuid } from '../../src/alerts/identity.js';
import type { NormalizedEvent } from '../../src/normalize/types.js';
import { companionRule, match, registration, rule, sec4624, sysmon3 } from './helpers.js';

const T = Date.parse('2024-05-01T10:00:00.000Z');
const GUID = '{47CDCDF5-3457-4925-96E5-DB6635FFCDDE}';

function pair(ts = T): [NormalizedEvent, NormalizedEvent] {
  const net = sysmon3({ ts: ts - 1000 }, { ip: '10.0.0.5', port: 50001 });
  const reg = registration({ ts }, GUID, '\\T')[2]!;
  return [net, reg];
}

test('alert shape: Kibana keys, rule values, events in order with the missing-event slot, origins', () => {
  const asm = new AlertAssembler();
  const [net, reg] = pair();
  asm.observe(net);
  asm.observe(reg);
  asm.addMatch(rule(), match(net, reg, null));
  const [a] = asm.finish();
  assert.ok(a, 'one alert');
  assert.equal(a['kibana.alert.rule.name'], 'Remote Scheduled Task Creation');
  assert.equal(a['kibana.alert.rule.rule_id'], 'seqhunt-remote-scheduled-task-creation');
  assert.equal(a['kibana.alert.rule.uuid'], ruleUuid('seqhunt-remote-scheduled-task-creation'));
  assert.match(a['kibana.alert.rule.uuid'], /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(a['kibana.alert.rule.risk_score'], 47);
  assert.equal(a['kibana.alert.risk_score'], 47);
  assert.equal(a['kibana.alert.rule.severity'], 'medium');
  assert.equal(a['kibana.alert.severity'], 'medium');
  assert.equal((a['kibana.alert.rule.threat'][0] as { tactic: { id: string } }).tactic.id, 'TA0008');
  assert.equal(a['kibana.alert.original_time'], new Date(T - 1000).toISOString());
  assert.equal(a['@timestamp'], new Date(T).toISOString());
  assert.equal(a['host.id'], net.host);
  assert.deepEqual(a.events, [net.doc, reg.doc, null]);
  assert.deepEqual(a['seqhunt.origins'], [net.origin, reg.origin, null]);
  assert.deepEqual(a['seqhunt.risk.factors'], []);
  assert.equal(a['seqhunt.covers_blind_spot'], undefined);
  assert.equal(a['process.entity_id'], '{649442b8-52dc-5fd1-3600-000000000600}');
  assert.equal(a['process.pid'], 2220);
});

test('deduplication: the same match, a re-read copy of the same events, and event.id across files', () => {
  const asm = new AlertAssembler();
  const [net, reg] = pair();
  asm.addMatch(rule(), match(net, reg));
  asm.addMatch(rule(), match(net, reg));
  // The same records read again (new objects, same origin).
  const copy = (e: NormalizedEvent): NormalizedEvent => ({ ...e, doc: structuredClone(e.doc), origin: { ...e.origin } });
  asm.addMatch(rule(), match(copy(net), copy(reg)));
  // Another rule on the same events is another alert.
  asm.addMatch(companionRule(), match(net, reg));
  assert.equal(asm.duplicateCount, 2);
  const alerts = asm.finish();
  assert.equal(alerts.length, 2);
  // Deterministic: a fresh assembler gives the same uuid for the same match.
  const again = new AlertAssembler();
  again.addMatch(rule(), match(net, reg));
  assert.equal(again.finish()[0]!['kibana.alert.uuid'], alerts.find((a) => a['kibana.alert.rule.rule_id'] === rule().ruleId)!['kibana.alert.uuid']);
  // event.id identifies an event whatever file it was read from.
  const withId = (e: NormalizedEvent, id: string, file: string): NormalizedEvent => ({ ...e, doc: { ...e.doc, event: { ...(e.doc.event as object), id } }, origin: { file, line: 1 } });
  const asm2 = new AlertAssembler();
  asm2.addMatch(rule(), match(withId(net, 'e1', 'a.json'), withId(reg, 'e2', 'a.json')));
  asm2.addMatch(rule(), match(withId(net, 'e1', 'b.json'), withId(reg, 'e2', 'b.json')));
  asm2.addMatch(rule(), match(withId(net, 'e1', 'b.json'), withId(reg, 'e3', 'b.json')));
  assert.equal(asm2.finish().length, 2);
});

test('alerts wait until the context window after the match has closed on that host', () => {
  const asm = new AlertAssembler({ contextWindowMs: 60_000 });
  const [net, reg] = pair();
  asm.observe(net);
  asm.observe(reg);
  asm.addMatch(rule(), match(net, reg));
  assert.deepEqual(asm.ready(net.host, T), []);
  const late = sec4624(T + 30_000, { user: 'late', domain: 'D', logonId: '0x7', ip: '10.0.0.5', port: 50009 });
  asm.observe(late);
  assert.deepEqual(asm.ready(net.host, T + 30_000), []);
  assert.deepEqual(asm.ready('another-host', T + 3_600_000), [], 'another host never releases it');
  const tick = sec4624(T + 61_000, { user: 'x', domain: 'D', logonId: '0x8', ip: '10.9.9.9', port: 50010 });
  asm.observe(tick);
  const out = asm.ready(net.host, T + 61_000);
  assert.equal(out.length, 1);
  assert.equal(asm.pendingCount, 0);
  // The logon that came after the match, within the window, is related activity, not the task's creator.
  assert.ok(out[0]!['seqhunt.related']!.some((r) => r.summary.includes('D\\late')), 'late logon related');
  assert.equal(out[0]!['source.user.name'], undefined);
  assert.deepEqual(asm.finish(), []);
});

test('memory stays bounded: unusable events are not kept, usable ones by time per clock and by the cap', () => {
  const asm = new AlertAssembler({ contextWindowMs: 60_000 });
  for (let i = 0; i < 20_000; i++) asm.observe(sysmon3({ ts: T + i }, { ip: '10.0.0.1', port: 50000 }));
  assert.equal(asm.contextEventCount, 0);
  // Two hours of one logon a second: only the retention (2 windows + 5 min = 7 min) is held.
  for (let i = 0; i < 7200; i++) asm.observe(sec4624(T + i * 1000, { user: 'u', domain: 'D', logonId: '0x1', ip: '10.0.0.2', port: 50000 }));
  assert.ok(asm.contextEventCount <= 7 * 60 + 1, `held ${asm.contextEventCount}`);
  assert.ok(asm.contextEventCount >= 7 * 60 - 1, `held ${asm.contextEventCount}`);
  const capped = new AlertAssembler({ maxContextEventsPerHost: 100 });
  for (let i = 0; i < 5000; i++) capped.observe(sec4624(T, { user: 'u', domain: 'D', logonId: '0x1', ip: '10.0.0.2', port: 50000 }));
  assert.equal(capped.contextEventCount, 100);
});

test('a match with no events at all is ignored; hostile timestamps do not throw', () => {
  const asm = new AlertAssembler();
  asm.addMatch(rule(), match(null, null));
  const [net, reg] = pair();
  const bad = { ...reg, timestamp: Number.NaN };
  asm.observe(bad);
  asm.addMatch(rule(), match(net, bad));
  const out = asm.finish();
  assert.equal(out.length, 1);
  assert.equal(out[0]!['@timestamp'], '');
});

test('event identity: a reused record id at another time or about another thing is another event; a re-read is the same', () => {
  const [, reg] = pair();
  const withRecord = (e: NormalizedEvent, over: { ts?: number; path?: string } = {}): NormalizedEvent => {
    const doc = structuredClone(e.doc) as Record<string, any>;
    doc.winlog.record_id = '1042';
    if (over.path) doc.registry.path = over.path;
    return { ...e, doc, timestamp: over.ts ?? e.timestamp, origin: { file: 'other.evtx', record: 7 } };
  };
  const base = withRecord(reg);
  assert.equal(eventIdentity(base), eventIdentity({ ...withRecord(reg), origin: { file: 'copy.xml', line: 3 } }), 'the same record read from another file');
  assert.notEqual(eventIdentity(base), eventIdentity(withRecord(reg, { ts: T + 5 * 86_400_000 })), 'record ids restarted after a cleared log');
  assert.notEqual(eventIdentity(base), eventIdentity(withRecord(reg, { path: 'HKLM\\SOFTWARE\\Other\\Actions' })), 'another event with the same record id and time (merged collections)');
  // event.id too is only trusted together with the time.
  const withId = (ts: number): NormalizedEvent => ({ ...reg, timestamp: ts, doc: { ...reg.doc, event: { ...(reg.doc.event as object), id: 'e1' } } });
  assert.notEqual(eventIdentity(withId(T)), eventIdentity(withId(T + 1000)));
  const asm = new AlertAssembler();
  const [net] = pair();
  asm.addMatch(rule(), match(net, base));
  asm.addMatch(rule(), match(net, withRecord(reg, { ts: T + 1 })));
  assert.equal(asm.finish().length, 2);
  assert.equal(asm.duplicateCount, 0);
});
