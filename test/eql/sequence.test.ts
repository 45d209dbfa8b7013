// The sequence state machine: join keys, overwrite, maxspan, until, runs, optional and array keys, ip keys,
// missing events (Elasticsearch's documented behaviour), incremental emission and bounded state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileQuery, type FieldType } from '../../src/eql/index.js';
import { ev, run, type Ev } from './helpers.js';

test('join by keys: only events with equal keys join; newer pending sequence overwrites older', () => {
  const events = [ev('a1', 1, 'process', { pid: 1 }), ev('a2', 2, 'process', { pid: 2 }), ev('a3', 3, 'process', { pid: 1 }), ev('f4', 4, 'file', { pid: 1 }), ev('f5', 5, 'file', { pid: 2 }), ev('f6', 6, 'file', { pid: 1 })];
  assert.deepEqual(run('sequence by pid [process where true] [file where true]', events), ['a3 f4', 'a2 f5']);
  // stage-level keys with different field names
  const e2 = [ev('p', 1, 'process', { pid: 7 }), ev('c', 2, 'process', { ppid: 7, pid: 8 }), ev('x', 3, 'process', { ppid: 9, pid: 10 })];
  assert.deepEqual(run('sequence [process where pid == 7] by pid [process where true] by ppid', e2), ['p c']);
});

test('join keys compare exactly: case and type matter', () => {
  const events = [ev('a', 1, 'x', { u: 'Bob' }), ev('b', 2, 'y', { u: 'bob' }), ev('c', 3, 'x', { u: 5 }), ev('d', 4, 'y', { u: '5' }), ev('e', 5, 'y', { u: 'Bob' })];
  assert.deepEqual(run('sequence by u [x where true] [y where true]', events), ['a e']);
});

test('an event advances a sequence and starts a new one; stages are tried last first', () => {
  const events = [1, 2, 3, 4].map((i) => ev(String(i), i, 'p'));
  assert.deepEqual(run('sequence [p where true] [p where true]', events), ['1 2', '2 3', '3 4']);
  assert.deepEqual(run('sequence [p where true] [p where true] [p where true]', events), ['1 2 3', '2 3 4']);
});

test('maxspan is inclusive: last - first <= maxspan', () => {
  const q = 'sequence by k with maxspan=10s [a where true] [b where true]';
  assert.deepEqual(run(q, [ev('a', 0, 'a', { k: 1 }), ev('b', 10_000, 'b', { k: 1 })]), ['a b']);
  assert.deepEqual(run(q, [ev('a', 0, 'a', { k: 1 }), ev('b', 10_001, 'b', { k: 1 })]), []);
  for (const [unit, ms] of [['1500micros', 1.5], ['500ms', 500], ['2s', 2000], ['3m', 180_000], ['1h', 3_600_000], ['2d', 172_800_000]] as const) {
    assert.equal(compileQuery(`sequence with maxspan=${unit} [a where true] [b where true]`).maxspanMs, ms);
  }
});

test('partial sequences expire as time advances: state is bounded by maxspan', () => {
  const q = compileQuery('sequence by k with maxspan=1s [a where true] [b where true] [c where true]');
  const m = q.matcher<Ev>();
  for (let i = 0; i < 100; i++) m.push(ev(`a${i}`, i, 'a', { k: i }));
  assert.equal(m.pendingCount, 100);
  m.push(ev('b50', 60, 'b', { k: 50 }));
  assert.equal(m.pendingCount, 100, 'moved, not added');
  m.push(ev('late', 1070, 'z'));
  assert.equal(m.pendingCount, 30, 'sequences started before 70 ms (more than 1 s ago) are gone');
  m.push(ev('later', 5000, 'z'));
  assert.equal(m.pendingCount, 0);
  assert.deepEqual(m.push(ev('c50', 5001, 'c', { k: 50 })), []);
});

test('until kills pending sequences of its key only', () => {
  const q = 'sequence by uid [a where true] [b where true] until [stop where true]';
  assert.deepEqual(run(q, [ev('a', 1, 'a', { uid: 1 }), ev('s', 2, 'stop', { uid: 1 }), ev('b', 3, 'b', { uid: 1 })]), []);
  assert.deepEqual(run(q, [ev('a', 1, 'a', { uid: 1 }), ev('s', 2, 'stop', { uid: 2 }), ev('b', 3, 'b', { uid: 1 })]), ['a b']);
  // after completion until changes nothing (docs: A, B, C matches; A, C, B does not)
  assert.deepEqual(run(q, [ev('a', 1, 'a', { uid: 1 }), ev('b', 2, 'b', { uid: 1 }), ev('s', 3, 'stop', { uid: 1 })]), ['a b']);
  // an event that is both a stage event and an until event: it completes a sequence, but what it starts dies
  const q3 = 'sequence by uid [a where true] [b where true] [c where true] until [any where x == 1]';
  assert.deepEqual(run(q3, [ev('a', 1, 'a', { uid: 1 }), ev('b', 2, 'b', { uid: 1 }), ev('c', 3, 'c', { uid: 1, x: 1 })]), ['a b c']);
  assert.deepEqual(run(q3, [ev('a', 1, 'a', { uid: 1 }), ev('b', 2, 'b', { uid: 1, x: 1 }), ev('c', 3, 'c', { uid: 1 })]), []);
  // until with its own by key
  const q2 = 'sequence [a where true] by pid [b where true] by pid until [stop where true] by ppid';
  assert.deepEqual(run(q2, [ev('a', 1, 'a', { pid: 4 }), ev('s', 2, 'stop', { ppid: 4 }), ev('b', 3, 'b', { pid: 4 })]), []);
  assert.deepEqual(run(q2, [ev('a', 1, 'a', { pid: 4 }), ev('s', 2, 'stop', { pid: 4 }), ev('b', 3, 'b', { pid: 4 })]), ['a b']);
});

test('with runs=N repeats a stage N times (the documented equivalence)', () => {
  const events = [ev('p', 1, 'process', { x: 1 }), ev('l1', 2, 'library', { x: 1 }), ev('l2', 3, 'library', { x: 1 }), ev('l3', 4, 'library', { x: 1 }), ev('r', 5, 'registry', { x: 1 })];
  const runs = run('sequence by x [process where true] [library where true] with runs=3 [registry where true]', events);
  const spelled = run('sequence by x [process where true] [library where true] [library where true] [library where true] [registry where true]', events);
  assert.deepEqual(runs, ['p l1 l2 l3 r']);
  assert.deepEqual(runs, spelled);
  assert.deepEqual(run('sequence by x [process where true] [library where true] with runs=3 [registry where true]', events.filter((e) => e.id !== 'l2')), []);
  const q = compileQuery('sequence [process where true] [library where true] with runs=3');
  assert.equal(q.stages[1]!.runs, 3);
});

test('a null join key does not join unless the key is written ?field', () => {
  const events = [ev('a', 1, 'a'), ev('b', 2, 'b')];
  assert.deepEqual(run('sequence by user [a where true] [b where true]', events), []);
  assert.deepEqual(run('sequence by ?user [a where true] [b where true]', events), ['a b']);
  // the docs' example: process.pid required, ?process.entity_id optional
  const e2 = [ev('r', 1, 'process', { process: { pid: 5, name: 'regsvr32.exe' } }), ev('n', 2, 'network', { process: { pid: 5 } })];
  assert.deepEqual(run('sequence by process.pid, ?process.entity_id [process where process.name == "regsvr32.exe"] [network where true]', e2), ['r n']);
  assert.deepEqual(run('sequence by process.pid, process.entity_id [process where process.name == "regsvr32.exe"] [network where true]', e2), []);
  // optional null does not join a present value
  assert.deepEqual(run('sequence by ?user [a where true] [b where true]', [ev('a', 1, 'a'), ev('b', 2, 'b', { user: 'x' })]), []);
});

test('array join values join under each value', () => {
  const events = [ev('a', 1, 'a', { k: ['x', 'y'] }), ev('b', 2, 'b', { k: 'y' }), ev('c', 3, 'b', { k: 'x' })];
  assert.deepEqual(run('sequence by k [a where true] [b where true]', events), ['a b', 'a c']);
  const q = compileQuery('sequence by k [a where true] [b where true]');
  const m = q.matcher<Ev>();
  m.push(events[0]!);
  assert.deepEqual(m.push(events[1]!)[0]!.joinKeys, ['y']);
});

test('ip join keys compare as addresses when the field is an ip field', () => {
  const fieldType = (f: string): FieldType | undefined => (f === 'ip' ? 'ip' : undefined);
  const events = [ev('a', 1, 'a', { ip: '::1' }), ev('b', 2, 'b', { ip: '0:0:0:0:0:0:0:1' })];
  assert.deepEqual(run('sequence by ip [a where true] [b where true]', events, { fieldType }), ['a b']);
  assert.deepEqual(run('sequence by ip [a where true] [b where true]', events), []);
  const mapped = [ev('a', 1, 'a', { ip: '::ffff:10.0.0.1' }), ev('b', 2, 'b', { ip: '10.0.0.1' })];
  assert.deepEqual(run('sequence by ip [a where true] [b where true]', mapped, { fieldType }), ['a b']);
});

test('missing event at the end (the docs example): logon not followed by logoff within maxspan', () => {
  const q = 'sequence by host, user with maxspan=5s [authentication where code : "4624"] ![authentication where code : "4647"]';
  const on = (t: number, id = 'on'): Ev => ev(id, t, 'authentication', { host: 'h', user: 'u', code: '4624' });
  const off = (t: number, id = 'off', user = 'u'): Ev => ev(id, t, 'authentication', { host: 'h', user, code: '4647' });
  assert.deepEqual(run(q, [on(0)]), ['on -'], 'no logoff at all: a match at end of input');
  assert.deepEqual(run(q, [on(0), off(3000)]), []);
  assert.deepEqual(run(q, [on(0), off(5000)]), [], 'maxspan inclusive: a logoff at exactly 5 s counts');
  assert.deepEqual(run(q, [on(0), off(5001)]), ['on -']);
  assert.deepEqual(run(q, [on(0), off(3000, 'off', 'other')]), ['on -'], 'a logoff of another user does not count');
  assert.deepEqual(run(q, [on(0), off(0)]), ['on -'], 'a missing event at the same millisecond is not after it');
  // incremental: the match is returned by the first push past the window, not only at flush
  const m = compileQuery(q).matcher<Ev>();
  assert.deepEqual(m.push(on(0)), []);
  assert.equal(m.pendingCount, 1);
  assert.deepEqual(m.push(ev('noise', 5000, 'process')), []);
  const got = m.push(ev('noise2', 5001, 'process'));
  assert.equal(got.length, 1);
  assert.deepEqual(got[0]!.events.map((e) => e?.id ?? null), ['on', null]);
  assert.deepEqual(got[0]!.joinKeys, ['h', 'u']);
  assert.equal(m.pendingCount, 0);
  assert.deepEqual(m.flush(), []);
});

test('missing event in the middle: no matching event strictly between its neighbours', () => {
  const q = 'sequence by k with maxspan=1m [a where true] ![b where true] [c where true]';
  assert.deepEqual(run(q, [ev('a', 1, 'a', { k: 1 }), ev('c', 3, 'c', { k: 1 })]), ['a - c']);
  assert.deepEqual(run(q, [ev('a', 1, 'a', { k: 1 }), ev('b', 2, 'b', { k: 1 }), ev('c', 3, 'c', { k: 1 })]), []);
  assert.deepEqual(run(q, [ev('a', 1, 'a', { k: 1 }), ev('b', 2, 'b', { k: 2 }), ev('c', 3, 'c', { k: 1 })]), ['a - c']);
  assert.deepEqual(run(q, [ev('a', 1, 'a', { k: 1 }), ev('b', 1, 'b', { k: 1 }), ev('c', 3, 'c', { k: 1 })]), ['a - c'], 'same time as the previous event: not between');
  assert.deepEqual(run(q, [ev('a', 1, 'a', { k: 1 }), ev('b', 3, 'b', { k: 1 }), ev('c', 3, 'c', { k: 1 })]), ['a - c'], 'same time as the next event: not between');
});

test('missing event at the start: the latest one before the sequence must be more than maxspan before its end', () => {
  const q = 'sequence by k with maxspan=5s ![x where true] [a where true] [b where true]';
  assert.deepEqual(run(q, [ev('a', 1000, 'a', { k: 1 }), ev('b', 2000, 'b', { k: 1 })]), ['- a b']);
  assert.deepEqual(run(q, [ev('x', 0, 'x', { k: 1 }), ev('a', 1000, 'a', { k: 1 }), ev('b', 2000, 'b', { k: 1 })]), []);
  assert.deepEqual(run(q, [ev('x', 0, 'x', { k: 1 }), ev('a', 5500, 'a', { k: 1 }), ev('b', 6000, 'b', { k: 1 })]), ['- a b']);
  assert.deepEqual(run(q, [ev('x', 0, 'x', { k: 1 }), ev('a', 4000, 'a', { k: 1 }), ev('b', 5000, 'b', { k: 1 })]), [], 'end - missing == maxspan is within');
  assert.deepEqual(run(q, [ev('x', 0, 'x', { k: 2 }), ev('a', 1000, 'a', { k: 1 }), ev('b', 2000, 'b', { k: 1 })]), ['- a b']);
});

test('missing events at both ends: accepted when a maxspan window around the sequence has neither', () => {
  const q = 'sequence by k with maxspan=5s ![x where true] [a where true] ![y where true]';
  assert.deepEqual(run(q, [ev('a', 2000, 'a', { k: 1 }), ev('y', 3000, 'y', { k: 1 })]), ['- a -'], 'no leading event: accepted whatever follows');
  assert.deepEqual(run(q, [ev('x', 0, 'x', { k: 1 }), ev('a', 2000, 'a', { k: 1 })]), ['- a -'], 'no trailing event');
  assert.deepEqual(run(q, [ev('x', 0, 'x', { k: 1 }), ev('a', 2000, 'a', { k: 1 }), ev('y', 4000, 'y', { k: 1 })]), []);
  assert.deepEqual(run(q, [ev('x', 0, 'x', { k: 1 }), ev('a', 2000, 'a', { k: 1 }), ev('y', 5001, 'y', { k: 1 })]), ['- a -']);
});

test('matches() tells whether an event fits any stage; stage info lists fields', () => {
  const q = compileQuery('sequence by host.id [network where source.port > 1] [registry where registry.path : "x*"] until [process where p == 1]');
  assert.equal(q.kind, 'sequence');
  assert.equal(q.matches({ event: { category: 'registry' }, registry: { path: 'xy' } }), true);
  assert.equal(q.matches({ event: { category: 'registry' }, registry: { path: 'y' } }), false);
  assert.deepEqual(q.stages.map((s) => [s.category, s.until]), [['network', false], ['registry', false], ['process', true]]);
  assert.deepEqual(q.stages[0]!.fields.sort(), ['host.id', 'source.port']);
  assert.deepEqual([...q.fields].sort(), ['host.id', 'p', 'registry.path', 'source.port']);
});
