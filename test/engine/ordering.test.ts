import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TimeHeap } from '../../src/engine/event-heap.js';
import { ReorderWindow } from '../../src/engine/reorder-window.js';
import { parseDuration, parseTimeBound } from '../../src/engine/time-args.js';
import type { NormalizedEvent } from '../../src/normalize/types.js';

test('TimeHeap pops by (time, seq) whatever the push order', () => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const heap = new TimeHeap<number>();
  const items: Array<[number, number]> = [];
  for (let i = 0; i < 2000; i++) {
    const t = Math.floor(rnd() * 50); // many ties
    items.push([t, i]);
    heap.push(i, t, i);
  }
  const popped: number[] = [];
  while (heap.size > 0) popped.push(heap.pop()!);
  const expected = [...items].sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, i]) => i);
  assert.deepEqual(popped, expected);
  assert.equal(heap.pop(), undefined);
});

function e(host: string, t: number, line: number): NormalizedEvent {
  return { doc: {}, timestamp: t, host, origin: { file: 's', line } };
}

test('the reorder window holds at most its cap, releasing the oldest early; what then arrives behind is late', () => {
  const out: number[] = [];
  const w = new ReorderWindow({ latenessMs: 1_000_000, maxBufferedEvents: 3 }, (ev) => out.push(ev.origin.line!));
  w.push(e('a', 50, 1));
  w.push(e('a', 10, 2));
  w.push(e('a', 30, 3));
  assert.equal(w.bufferedCount, 3);
  w.push(e('a', 40, 4)); // over the cap: the oldest (10) goes out early
  assert.deepEqual(out, [2]);
  assert.equal(w.bufferedCount, 3);
  w.push(e('a', 5, 5)); // behind what was released
  assert.equal(w.lateCount, 1);
  assert.equal(w.lateSamples[0]!.behindMs, 5);
  w.flush();
  assert.deepEqual(out, [2, 3, 4, 1]);
});

test('durations and time bounds as people type them', () => {
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('-5h'), -18_000_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('0'), 0);
  for (const bad of ['', '30', '5x', 'h', '1h 30m', '--5s']) assert.throws(() => parseDuration(bad, '--lateness'), /invalid --lateness/, bad);
  assert.equal(parseTimeBound('2020-12-19'), Date.UTC(2020, 11, 19));
  assert.equal(parseTimeBound('2020-12-19T12:00:01.5'), Date.UTC(2020, 11, 19, 12, 0, 1, 500));
  assert.equal(parseTimeBound('2020-12-19 07:00:00-05:00'), Date.UTC(2020, 11, 19, 12));
  assert.throws(() => parseTimeBound('yesterday', '--from'), /invalid --from/);
});
