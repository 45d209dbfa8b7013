import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExceptionText, Suppressor, type ExceptionEntry, type ExceptionList, type ExceptionListType } from '../../src/tuning/index.js';
import { makeAlert } from './corpus.js';
import { KIBANA_EXPORT } from './kibana-sample.js';

function list(listId: string, type: ExceptionListType, items: Array<{ id: string; entries: ExceptionEntry[]; expire_time?: string }>): ExceptionList {
  return {
    list: { list_id: listId, type, name: listId, description: '', namespace_type: 'single' },
    items: items.map((it) => ({
      item_id: it.id,
      list_id: listId,
      type: 'simple',
      name: `item ${it.id}`,
      description: '',
      entries: it.entries,
      ...(it.expire_time ? { expire_time: it.expire_time } : {}),
    })),
  };
}

const alert = () =>
  makeAlert({ host: 'ws-001.corp.local', time: '2026-03-02T09:00:00.000Z', sourceIp: '10.0.5.20', user: 'svc_sccm', domain: 'CORP', command: 'C:\\Windows\\CCM\\ccmexec.exe', args: '/runtask x', runAs: 'SYSTEM' });

const m = (field: string, value: string): ExceptionEntry => ({ field, operator: 'included', type: 'match', value });

test('an item matches when all its entries hold on one matched event (Kibana: exceptions filter each event)', () => {
  const s = new Suppressor([
    list('l', 'detection', [
      // Both on the network event.
      { id: 'net', entries: [m('process.name', 'svchost.exe'), m('destination.port', '49670')] },
    ]),
  ]);
  assert.deepEqual(s.check(alert()), [{ list_id: 'l', item_id: 'net', name: 'item net' }]);
});

test('entries are never satisfied piecewise by different events', () => {
  const s = new Suppressor([
    list('l', 'detection', [
      // destination.port only on the network event, registry.value only on the registry event.
      { id: 'split', entries: [m('destination.port', '49670'), m('registry.value', 'Actions')] },
    ]),
  ]);
  assert.deepEqual(s.check(alert()), []);
});

test("an item also matches the alert itself: its own fields plus what every event agrees on", () => {
  const s = new Suppressor([
    list('l', 'detection', [
      // source.user.name and seqhunt.task.command exist only on the alert; host.os.type is common to both events.
      { id: 'alert', entries: [m('source.user.name', 'svc_sccm'), m('seqhunt.task.command', 'C:\\Windows\\CCM\\ccmexec.exe'), m('host.os.type', 'windows')] },
      // process.name is common to both events, so it is on the alert view too, with an alert-only field.
      { id: 'mixed', entries: [m('process.name', 'svchost.exe'), m('source.user.domain', 'CORP')] },
      // source.port is on the network event only: not on the alert view, and the alert field is not on the event.
      { id: 'not-common', entries: [m('source.port', '50123'), m('source.user.domain', 'CORP')] },
    ]),
  ]);
  assert.deepEqual(s.check(alert()).map((x) => x.item_id), ['alert', 'mixed']);
});

test('shared lists apply to every rule; rule_default lists only to the rules that name them', () => {
  const shared = list('shared', 'detection', [{ id: 's', entries: [m('source.ip', '10.0.5.20')] }]);
  const own = list('rule-own', 'rule_default', [{ id: 'o', entries: [m('source.ip', '10.0.5.20')] }]);
  const s = new Suppressor([shared, own]);
  assert.deepEqual(s.check(alert()).map((x) => x.item_id), ['s']);
  assert.deepEqual(s.check(alert(), ['rule-own']).map((x) => x.item_id), ['s', 'o']);
  const strict = new Suppressor([shared, own], { scope: 'referenced' });
  assert.deepEqual(strict.check(alert()), []);
  assert.deepEqual(strict.check(alert(), ['shared']).map((x) => x.item_id), ['s']);
});

test('an expired item stops suppressing, and says how many alerts it would have suppressed', () => {
  const lists = [
    list('l', 'detection', [
      { id: 'old', entries: [m('source.ip', '10.0.5.20')], expire_time: '2026-01-01T00:00:00.000Z' },
      { id: 'live', entries: [m('source.user.name', 'svc_sccm')], expire_time: '2027-01-01T00:00:00.000Z' },
    ]),
  ];
  const before = new Suppressor(lists, { now: new Date('2025-12-31T00:00:00Z') });
  assert.deepEqual(before.check(alert()).map((x) => x.item_id), ['old', 'live']);
  assert.deepEqual(before.expired(), []);

  const after = new Suppressor(lists, { now: new Date('2026-06-01T00:00:00Z') });
  assert.deepEqual(after.check(alert()).map((x) => x.item_id), ['live']);
  assert.deepEqual(after.check(makeAlert({ host: 'h', time: '2026-06-01T00:00:00Z', sourceIp: '10.0.5.20' })), []);
  const expired = after.expired();
  assert.equal(expired.length, 1);
  assert.equal(expired[0]!.item_id, 'old');
  assert.deepEqual(expired[0]!.expired, { expire_time: '2026-01-01T00:00:00.000Z', wouldHaveSuppressed: 2 });
  assert.equal(expired[0]!.suppressed, 0);

  const lapsed = new Suppressor(lists, { now: new Date('2027-06-01T00:00:00Z') });
  assert.deepEqual(lapsed.check(alert()), []);
  assert.equal(lapsed.expired().length, 2);
});

test('a value-list item is inert and reported, never suppressing', () => {
  const { lists } = parseExceptionText(KIBANA_EXPORT, 'k.ndjson');
  const s = new Suppressor(lists, { now: new Date('2025-04-01T00:00:00Z') });
  const inert = s.inert();
  assert.deepEqual(inert.map((i) => i.item_id), ['jump-hosts']);
  assert.match(inert[0]!.inert!, /value list "jump-hosts.txt".*never suppresses/);
});

test('the Kibana sample behaves as its entries say on the alert corpus', () => {
  const { lists } = parseExceptionText(KIBANA_EXPORT, 'k.ndjson');
  const s = new Suppressor(lists, { now: new Date('2025-04-01T00:00:00Z') });
  // sccm-site-server: source.ip in 10.0.5.0/24 and process.name svchost.exe, on Windows: the network event.
  // vendor-updater: the registry event (TaskCache Actions path, no powershell string, no user.name).
  assert.deepEqual(s.check(alert()).map((x) => x.item_id), ['sccm-site-server', 'vendor-updater']);
  assert.deepEqual(new Suppressor(lists, { now: new Date('2025-07-01T00:00:00Z') }).check(alert()).map((x) => x.item_id), ['sccm-site-server']);
  const other = makeAlert({ host: 'x', time: '2025-04-01T00:00:00Z', sourceIp: '192.168.1.5' });
  assert.deepEqual(s.check(other).map((x) => x.item_id), ['vendor-updater']);
  (other.events[1] as Record<string, unknown>).user = { name: 'bob' };
  assert.deepEqual(s.check(other), []);
  (other.events[1] as Record<string, unknown>).user = undefined;
  (other.events[1] as { registry: Record<string, unknown> }).registry.data = { strings: ['powershell.exe -enc AAAA'] };
  assert.deepEqual(s.check(other), []);
});

test('summary: per-item counts, and attributed counts summing to the suppressed alerts', () => {
  const s = new Suppressor([
    list('l', 'detection', [
      { id: 'a', entries: [m('source.ip', '10.0.5.20')] },
      { id: 'b', entries: [m('source.user.name', 'svc_sccm')] },
      { id: 'c', entries: [m('source.user.name', 'nobody')] },
    ]),
  ]);
  s.check(alert());
  s.check(makeAlert({ host: 'h', time: '2026-03-02T09:00:00Z', sourceIp: '10.0.5.21', user: 'svc_sccm' }));
  s.check(makeAlert({ host: 'h', time: '2026-03-02T09:00:00Z', sourceIp: '10.0.5.99', user: 'eve' }));
  const sum = s.summary();
  assert.equal(sum.alertsChecked, 3);
  assert.equal(sum.alertsSuppressed, 2);
  assert.deepEqual(sum.items.map((i) => [i.item_id, i.suppressed, i.attributed]), [['a', 1, 1], ['b', 2, 1], ['c', 0, 0]]);
  assert.equal(sum.items.reduce((n, i) => n + i.attributed, 0), sum.alertsSuppressed);
});

test('malformed alerts never crash suppression, learning or scoring', async () => {
  const { learnBaseline, scoreRisk } = await import('../../src/tuning/index.js');
  const s = new Suppressor([list('l', 'detection', [{ id: 'a', entries: [m('source.ip', '10.0.5.20')] }])]);
  const weird = [
    { 'kibana.alert.rule.rule_id': 'r', events: 'not an array', 'source.ip': 5, 'seqhunt.task': 'a string' },
    { 'kibana.alert.rule.rule_id': 'r', events: [null, 7, { source: { ip: '10.0.5.20' } }] },
    { 'kibana.alert.rule.rule_id': 'r', 'source.ip': '10.0.5.20', 'seqhunt.task': { command: 42, arguments: null } },
  ] as unknown as Parameters<Suppressor['check']>[0][];
  assert.deepEqual(weird.map((a) => s.check(a).length), [0, 1, 1]);
  const learned = learnBaseline(weird);
  assert.equal(learned.alertsRead, 3);
  assert.equal(learned.list.items.length, 0);
  for (const a of weird) assert.equal(typeof scoreRisk(a)['kibana.alert.risk_score'], 'number');
});

test('an invalid item built in code is inert with its reason, not a crash', () => {
  const bad = list('l', 'detection', [
    { id: 'x', entries: [{ field: 'source.ip', operator: 'included', type: 'regex', value: '.*' } as unknown as ExceptionEntry] },
    { id: 'y', entries: [] },
  ]);
  const s = new Suppressor([bad]);
  assert.deepEqual(s.check(alert()), []);
  assert.deepEqual(s.inert().map((i) => [i.item_id, /invalid item/.test(i.inert!)]), [['x', true], ['y', true]]);
});
