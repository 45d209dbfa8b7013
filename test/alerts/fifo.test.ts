// The context window's queue: first in, first out, whatever the mix of pushes and shifts, and sized to what it
// holds (a fleet keeps one or two per host and clock).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Fifo } from '../../src/alerts/fifo.js';
import { Rng } from '../../src/simulate/random.js';

test('random pushes and shifts give what an array gives, through wrap-arounds, growth and shrinking', () => {
  const rng = new Rng(5);
  const q = new Fifo<number>();
  const model: number[] = [];
  let next = 0;
  for (let step = 0; step < 20_000; step++) {
    // Phases that mostly push, then mostly shift, so the ring grows to hundreds and shrinks back.
    const pushing = Math.floor(step / 2500) % 2 === 0 ? 0.7 : 0.3;
    if (rng.next() < pushing) {
      q.push(next);
      model.push(next++);
    } else assert.equal(q.shift(), model.shift());
    assert.equal(q.size, model.length);
    assert.equal(q.peek(), model[0]);
    if (step % 97 === 0) assert.deepEqual([...q], model);
    assert.ok(q.capacity >= q.size && (q.capacity <= 8 || q.size * 4 > q.capacity / 2), `capacity ${q.capacity} for ${q.size}`);
  }
});

test('a queue holds no more room than it needs: 2 for two, 8 for five, and gives it back as it empties', () => {
  const q = new Fifo<string>();
  assert.equal(q.capacity, 0);
  assert.equal(q.shift(), undefined);
  q.push('a');
  q.push('b');
  assert.equal(q.capacity, 2);
  for (const v of ['c', 'd', 'e']) q.push(v);
  assert.equal(q.capacity, 8);
  assert.deepEqual([...q], ['a', 'b', 'c', 'd', 'e']);
  for (let i = 0; i < 1000; i++) q.push(`x${i}`);
  assert.equal(q.capacity, 1024);
  while (q.size > 10) q.shift();
  assert.ok(q.capacity <= 64, `room given back (${q.capacity})`);
  assert.deepEqual([...q], Array.from({ length: 10 }, (_, i) => `x${990 + i}`));
});
