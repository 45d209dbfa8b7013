import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRules } from '../../src/engine/index.js';
import { fakeRule, fakeSequenceQuery } from './fake-query.js';
import { ev, pair } from './events.js';

const seqQuery = () =>
  fakeSequenceQuery({
    categories: ['network', 'registry'],
    first: () => true,
    second: () => true,
    key: (d) => `${(d.host as { id: string }).id}|${(d.process as { entity_id: string } | undefined)?.entity_id}`,
    maxspanMs: 60_000,
  });

test('events in any order reach the rules in time order: a registry event read before its network event still matches', async () => {
  const q = seqQuery();
  const [net, reg] = pair('h1', '2020-12-19T12:00:01.012Z', 21_000, 'p1');
  const result = await runRules([fakeRule('r1', q)], [reg, ev('h1', '2020-12-19T12:00:05Z', 'process'), net]);
  assert.equal(result.alerts.length, 1);
  assert.deepEqual(result.alerts[0]!.events, [net.doc, reg.doc]);
  assert.deepEqual(result.alerts[0]!['seqhunt.origins'], [net.origin, reg.origin]);
  // The rule saw only its categories: the process event was never pushed to it.
  assert.deepEqual(q.pushed, [net.doc, reg.doc]);
  assert.equal(result.perRule[0]!.events, 2);
  assert.equal(result.perRule[0]!.matches, 1);
});

test('two files of one host merge by time; ties keep input order', async () => {
  const q = seqQuery();
  const a = [ev('h', '2020-01-01T00:00:03Z', 'network', {}, 1, 'a'), ev('h', '2020-01-01T00:00:01Z', 'network', {}, 2, 'a')];
  const b = [ev('h', '2020-01-01T00:00:02Z', 'network', {}, 1, 'b'), ev('h', '2020-01-01T00:00:03Z', 'network', {}, 2, 'b')];
  const seen: string[] = [];
  await runRules([fakeRule('r', q)], [...a, ...b], { onEvent: (e) => seen.push(`${e.origin.file}:${e.origin.line}`) });
  assert.deepEqual(seen, ['a:2', 'b:1', 'a:1', 'b:2']);
});

test('the spill path: a tiny memory bound writes sorted runs, merges them in order and removes them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-spill-test-'));
  try {
    const q = seqQuery();
    const events = [];
    // 40 network/registry pairs on 4 hosts, emitted newest first so every run is out of order.
    for (let i = 39; i >= 0; i--) {
      const [n, r] = pair(`h${i % 4}`, new Date(Date.UTC(2021, 0, 1, 0, 0, i * 2)).toISOString(), 500, `p${i}`, i * 2);
      events.push(r, n);
    }
    const order: number[] = [];
    let sawRunFiles = false;
    const sigintListeners = process.listenerCount('SIGINT');
    let cleanupArmed = false;
    const result = await runRules([fakeRule('r', q)], events, {
      sort: { maxBufferedEvents: 7, tempDir: dir },
      onEvent: (e) => {
        order.push(e.timestamp);
        if (!sawRunFiles) sawRunFiles = readdirSync(dir).some((d) => readdirSync(join(dir, d)).length > 0);
        cleanupArmed ||= process.listenerCount('SIGINT') > sigintListeners;
      },
    });
    assert.ok(result.sort && result.sort.spilledRuns >= 10, `spilled ${result.sort?.spilledRuns} runs`);
    assert.ok(sawRunFiles, 'run files existed while merging');
    assert.equal(order.length, 80);
    assert.deepEqual(order, [...order].sort((x, y) => x - y));
    assert.equal(result.alerts.length, 40);
    // Documents survive the round trip through disk intact, origins included.
    const first = result.alerts.find((a) => (a.events[0] as { process: { entity_id: string } }).process.entity_id === 'p0')!;
    assert.deepEqual(first['seqhunt.origins'], [{ file: 'test.ndjson', line: 0 }, { file: 'test.ndjson', line: 1 }]);
    assert.deepEqual(readdirSync(dir), [], 'temp files removed');
    assert.ok(cleanupArmed, 'an interrupt would have removed the runs');
    assert.equal(process.listenerCount('SIGINT'), sigintListeners, 'the interrupt handler is gone with the runs');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('stream ordering: a bounded window per host reorders, counts late events and keeps hosts apart', async () => {
  const q = seqQuery();
  const [n1, r1] = pair('a', '2020-01-01T00:00:10Z', 2_000, 'p'); // r1 arrives 1 s before n1
  const stream = [
    r1,
    n1,
    ev('a', '2020-01-01T00:01:00Z', 'process'), // moves host a's time on: n1 and r1 are released
    ev('a', '2020-01-01T00:00:05Z', 'network', {}, 99, 'late.ndjson'), // behind what host a released
    ev('b', '2019-12-31T20:00:00Z', 'network'), // another host with a clock hours behind: not late
  ];
  const result = await runRules([fakeRule('r', q)], stream, { ordering: 'window', latenessMs: 30_000 });
  assert.equal(result.alerts.length, 1);
  assert.equal(result.late.count, 1);
  assert.equal(result.late.samples[0]!.origin.file, 'late.ndjson');
  assert.equal(result.late.samples[0]!.origin.line, 99);
  assert.equal(result.late.samples[0]!.behindMs, 7_000);
  assert.equal(result.events, 4);
});

test('a post-processor can adjust and suppress; suppressed alerts are counted apart', async () => {
  const q = seqQuery();
  const events = [...pair('h', '2020-01-01T00:00:00Z', 10, 'p1', 1), ...pair('h', '2020-01-01T00:00:30Z', 10, 'p2', 3)];
  const result = await runRules([fakeRule('r', q)], events, {
    postProcess: (alert) => {
      const pid = (alert.events[0] as { process: { entity_id: string } }).process.entity_id;
      if (pid === 'p2') alert.suppressed_by = [{ list_id: 'l', item_id: 'i', name: 'admin tool' }];
      else alert['kibana.alert.risk_score'] = 60;
      return alert;
    },
  });
  assert.equal(result.alerts.length, 1);
  assert.equal(result.alerts[0]!['kibana.alert.risk_score'], 60);
  assert.equal(result.suppressed.length, 1);
  assert.equal(result.perRule[0]!.alerts, 1);
  assert.equal(result.perRule[0]!.suppressed, 1);
});

test('alerts carry the rule and the host; the alert uuid is the same when the same match is read twice', async () => {
  const q = seqQuery();
  const run = () => runRules([fakeRule('r', q)], pair('h', '2020-01-01T00:00:00Z', 10, 'p1'));
  const [a, b] = [(await run()).alerts[0]!, (await run()).alerts[0]!];
  assert.equal(a['kibana.alert.rule.rule_id'], 'r');
  assert.equal(a['host.id'], 'h');
  assert.equal(a['kibana.alert.uuid'], b['kibana.alert.uuid']);
});

test('an event that breaks a matcher, or has no usable time, is counted with its place and the rest still runs', async () => {
  const q = seqQuery();
  const inner = q.matcher.bind(q);
  q.matcher = <E>() => {
    const m = inner<E>();
    return {
      push: (e: E, t?: number) => {
        if ((e as { poison?: boolean }).poison) throw new Error('unexpected value');
        return m.push(e, t);
      },
      flush: () => m.flush(),
      get pendingCount() {
        return m.pendingCount;
      },
    };
  };
  const poison = ev('h', '2020-01-01T00:00:00.500Z', 'network', { poison: true }, 7, 'bad.ndjson');
  const untimed = { ...ev('h', '2020-01-01T00:00:00Z', 'network', {}, 9, 'bad.ndjson'), timestamp: Number.NaN };
  const result = await runRules([fakeRule('r', q)], [poison, untimed, ...pair('h', '2020-01-01T00:00:01Z', 10, 'p1', 1)]);
  assert.equal(result.alerts.length, 1);
  assert.equal(result.errors.count, 1);
  assert.deepEqual(result.errors.samples[0], { origin: { file: 'bad.ndjson', line: 7 }, host: 'h', message: 'unexpected value' });
  assert.equal(result.untimed.count, 1);
  assert.equal(result.untimed.samples[0]!.origin.line, 9);
});
