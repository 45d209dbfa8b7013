import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  commandPattern,
  createAlertTuning,
  learnBaseline,
  looksRandom,
  parseExceptionText,
  serializeExceptionLists,
  Suppressor,
  type ExceptionListItem,
} from '../../src/tuning/index.js';
import type { Alert } from '../../src/alerts/types.js';
import { adminTooling, attacks, worm } from './corpus.js';

const truth = (a: Alert) => (a as { truth?: string }).truth;
const NOW = new Date('2026-03-10T00:00:00.000Z');

test('command patterns make GUIDs, hex ids, free-standing numbers and random names variable', () => {
  assert.deepEqual(commandPattern('C:\\Windows\\CCM\\ccmexec.exe'), { pattern: 'C:\\Windows\\CCM\\ccmexec.exe', wildcard: false });
  assert.equal(commandPattern('/runtask {0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0}').pattern, '/runtask *');
  assert.equal(commandPattern('-package 4242 -step 1').pattern, '-package * -step *');
  assert.equal(commandPattern('--id ab7cd3efgh').pattern, '--id *');
  assert.equal(commandPattern('C:\\x\\deadbeef01.log').pattern, 'C:\\\\x\\\\*.log');
  // Words that merely contain digits stay literal.
  assert.equal(commandPattern('C:\\Windows\\System32\\win32k.sys').wildcard, false);
  assert.equal(looksRandom('system32'), false);
  assert.equal(looksRandom('PDQDeployRunner'), false);
  assert.equal(looksRandom('WindowsPowerShell'), false);
  assert.equal(looksRandom('zYxWvUtS'), true);
  assert.equal(looksRandom('a1b2c3d4'), true);
});

test('the learned list suppresses the admin tooling and none of the attacks; the summary accounts for every suppressed alert', () => {
  // Learn on four days of history that also holds two attacks (one of them a worm across many hosts).
  const history = [...adminTooling('2026-03-01T00:00:00Z', 4, 7), ...attacks('2026-03-02T00:00:00Z').slice(0, 1), ...worm('2026-03-03T00:00:00Z', 7)];
  const learned = learnBaseline(history, { now: NOW });
  assert.equal(learned.alertsRead, history.length);
  // SCCM (many hosts), PDQ (8 hosts on 2 days), the monitoring agent (2 hosts, every day).
  assert.equal(learned.proposed.length, 3);
  assert.deepEqual(learned.proposed.map((s) => s.source).sort(), ['10.0.5.20', '10.0.5.30', '10.0.6.5']);
  // The worm recurs on 7 hosts but runs from Temp: held back, not proposed.
  assert.equal(learned.heldBack.length, 1);
  assert.equal(learned.heldBack[0]!.source, '10.0.9.9');
  assert.match(learned.heldBack[0]!.traits.join(), /Temp/);
  // The one-off attack is below the thresholds.
  assert.deepEqual(learned.belowThreshold.map((s) => s.source), ['172.18.39.5']);

  // Now a new week: fresh admin runs (new GUIDs, package numbers, random ids, hosts) and the attacks.
  const week = [...adminTooling('2026-03-09T00:00:00Z', 3, 99, 17), ...attacks('2026-03-09T00:00:00Z'), ...worm('2026-03-09T00:00:00Z', 3)];
  const roundTripped = parseExceptionText(serializeExceptionLists([learned.list]), 'baseline.ndjson');
  assert.deepEqual(roundTripped.problems, []);
  const suppressor = new Suppressor(roundTripped.lists, { now: NOW });
  const suppressedBy = new Map<Alert, string[]>();
  for (const a of week) suppressedBy.set(a, suppressor.check(a).map((m) => m.item_id));
  const admin = week.filter((a) => truth(a) === 'admin');
  const bad = week.filter((a) => truth(a) === 'attack');
  assert.ok(admin.length > 40);
  for (const a of admin) assert.equal(suppressedBy.get(a)!.length, 1, `admin alert not suppressed: ${JSON.stringify(a['seqhunt.task'])}`);
  for (const a of bad) assert.deepEqual(suppressedBy.get(a), [], `attack suppressed: ${JSON.stringify(a['seqhunt.task'])}`);

  const summary = suppressor.summary();
  assert.equal(summary.alertsChecked, week.length);
  assert.equal(summary.alertsSuppressed, admin.length);
  assert.equal(summary.items.reduce((n, i) => n + i.suppressed, 0), admin.length);
  assert.equal(summary.items.reduce((n, i) => n + i.attributed, 0), admin.length);
  // Each item's count equals the alerts of its tool.
  const bySource = new Map<string, number>();
  for (const a of admin) bySource.set(a['source.ip']!, (bySource.get(a['source.ip']!) ?? 0) + 1);
  for (const item of summary.items) {
    const source = (learned.list.items.find((i) => i.item_id === item.item_id)!.entries[0] as { value: string }).value;
    assert.equal(item.suppressed, bySource.get(source), `item for ${source}`);
  }
});

test('each proposed item carries its evidence and is in Kibana import shape', () => {
  const learned = learnBaseline(adminTooling('2026-03-01T00:00:00Z', 4, 7), { now: NOW, expireDays: 30 });
  const { list, items } = learned.list;
  assert.equal(list.type, 'detection');
  assert.equal(list.namespace_type, 'single');
  assert.deepEqual(Object.keys(list), [...Object.keys(list)].sort(), 'keys in alphabetical order, as Kibana writes them');
  const sccm = items.find((i) => (i.entries[0] as { value: string }).value === '10.0.5.20') as ExceptionListItem;
  // Kibana import requires: item_id, list_id, name, description, type simple, non-empty entries.
  for (const item of items) {
    assert.equal(item.type, 'simple');
    assert.equal(item.list_id, list.list_id);
    assert.ok(item.name.length > 0 && item.description.length > 0 && item.entries.length > 0);
    assert.ok(item.comments!.every((c) => c.comment.trim().length > 0 && c.id && c.created_at && c.created_by));
    assert.equal(item.expire_time, '2026-04-09T00:00:00.000Z');
    assert.deepEqual(Object.keys(item), [...Object.keys(item)].sort());
  }
  assert.deepEqual(sccm.entries, [
    { field: 'source.ip', operator: 'included', type: 'match', value: '10.0.5.20' },
    { field: 'source.user.name', operator: 'included', type: 'match', value: 'svc_sccm' },
    { field: 'source.user.domain', operator: 'included', type: 'match', value: 'CORP' },
    { field: 'seqhunt.task.command', operator: 'included', type: 'match', value: 'C:\\Windows\\CCM\\ccmexec.exe' },
    { field: 'seqhunt.task.arguments', operator: 'included', type: 'wildcard', value: '/runtask *' },
    { field: 'kibana.alert.rule.rule_id', operator: 'included', type: 'match_any', value: ['f2a1c3d4-0000-4c00-8000-seqhunt00001'] },
  ]);
  const evidence = (sccm.meta as { seqhunt: Record<string, unknown> }).seqhunt;
  assert.equal(evidence.count, 48);
  assert.equal(evidence.host_count, (evidence.hosts as string[]).length);
  assert.ok((evidence.host_count as number) >= 12);
  assert.deepEqual(evidence.days, ['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04']);
  assert.equal(evidence.first_seen, '2026-03-01T09:00:00.000Z');
  assert.equal(evidence.last_seen, '2026-03-04T09:33:00.000Z');
  assert.match(sccm.description, /Seen 48 time\(s\) on \d+ host\(s\) over 4 day\(s\), first 2026-03-01T09:00:00.000Z, last 2026-03-04T09:33:00.000Z/);
  assert.match(sccm.description, /Example: task \\Microsoft\\Configuration Manager\\.* on ws-\d+\.corp\.local at .*: C:\\Windows\\CCM\\ccmexec\.exe \/runtask \{/);
  assert.match(sccm.comments![0]!.comment, /^seqhunt baseline evidence:\nSource 10\.0\.5\.20 as CORP\\svc_sccm/);
  // Learning twice gives the same file.
  assert.equal(serializeExceptionLists([learnBaseline(adminTooling('2026-03-01T00:00:00Z', 4, 7), { now: NOW, expireDays: 30 }).list]), serializeExceptionLists([learned.list]));
});

test('thresholds: many hosts or many days; raising them removes shapes', () => {
  const history = adminTooling('2026-03-01T00:00:00Z', 4, 7);
  assert.equal(learnBaseline(history, { now: NOW }).proposed.length, 3);
  // The agent (2 hosts, 4 days) needs the days threshold; PDQ (8 hosts, 2 days) the hosts threshold.
  const fewDays = learnBaseline(history, { now: NOW, minDays: 5 });
  assert.deepEqual(fewDays.proposed.map((s) => s.source).sort(), ['10.0.5.20', '10.0.5.30']);
  const manyHosts = learnBaseline(history, { now: NOW, minHosts: 13, minDays: 5 });
  assert.deepEqual(manyHosts.proposed.map((s) => s.source), ['10.0.5.20']);
  assert.equal(manyHosts.belowThreshold.length, 2);
});

test('--include-suspicious proposes a held-back shape, tagged for review', () => {
  const learned = learnBaseline(worm('2026-03-03T00:00:00Z', 6), { now: NOW, includeSuspicious: true });
  assert.equal(learned.proposed.length, 1);
  assert.deepEqual(learned.list.items[0]!.tags, ['seqhunt:baseline', 'seqhunt:review-suspicious']);
  assert.match(learned.list.items[0]!.description, /Review: the command has attacker traits/);
  // No arguments were seen: the item requires none.
  assert.deepEqual(learned.list.items[0]!.entries.find((e) => e.field === 'seqhunt.task.arguments'), {
    field: 'seqhunt.task.arguments',
    operator: 'excluded',
    type: 'exists',
  });
});

test('alerts without a source or a command are counted, never learned', () => {
  const history = adminTooling('2026-03-01T00:00:00Z', 1, 7);
  for (const a of history) delete a['seqhunt.task'];
  history[0]!['source.ip'] = undefined;
  const learned = learnBaseline(history, { now: NOW });
  assert.deepEqual(learned.skipped, { noSource: 1, noCommand: history.length - 1 });
  assert.equal(learned.list.items.length, 0);
});

test('hunt integration: postProcess marks suppression and scores risk with the baseline as knowledge', () => {
  const learned = learnBaseline(adminTooling('2026-03-01T00:00:00Z', 4, 7), { now: NOW });
  const tuning = createAlertTuning({ lists: [learned.list], now: NOW });
  assert.ok(tuning.knowledge);
  const [admin] = adminTooling('2026-03-09T00:00:00Z', 1, 5);
  const [otrf, , fromSccmServer] = attacks('2026-03-09T00:00:00Z');
  tuning.postProcess(admin!, { exceptionLists: [] });
  tuning.postProcess(otrf!, { exceptionLists: [] });
  tuning.postProcess(fromSccmServer!, { exceptionLists: [] });
  assert.equal(admin!.suppressed_by!.length, 1);
  assert.equal(otrf!.suppressed_by, undefined);
  assert.equal(fromSccmServer!.suppressed_by, undefined);
  const factors = (a: Alert) => a['seqhunt.risk.factors']!.map((f) => f.factor);
  assert.ok(factors(otrf!).some((f) => /never seen creating tasks/.test(f)));
  // The management server running a binary from Users\Public: a strong trait, so no baselined-source reduction.
  assert.ok(factors(fromSccmServer!).some((f) => /Users\\Public/.test(f)));
  assert.deepEqual(
    fromSccmServer!['seqhunt.risk.factors']!.filter((f) => /baselined/.test(f.factor)),
    [{ factor: 'source 10.0.5.20 is baselined, but no reduction: the command has strong attacker traits', delta: 0 }],
  );
  assert.ok(fromSccmServer!['kibana.alert.risk_score']! > fromSccmServer!['kibana.alert.rule.risk_score']!);
  // The suppressed admin alert gets no baselined-source reduction.
  assert.ok(!factors(admin!).some((f) => /baselined/.test(f)));
  assert.equal(tuning.summary().alertsSuppressed, 1);
});
