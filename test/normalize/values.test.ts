// guidMayRespell vouches that canonicalGuid leaves a value as it is: the held lines' key summaries hash values in
// place on its word, and a wrong "no" would lose a line that joins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalGuid, guidMayRespell } from '../../src/normalize/values.js';
import { Rng } from '../../src/simulate/random.js';

test('canonicalGuid leaves every value guidMayRespell says no to as it is (random GUID-like and padded text)', () => {
  const rng = new Rng(5);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)]!;
  const hex = () => Array.from({ length: 4 }, () => pick('0123456789abcdefABCDEF'.split(''))).join('');
  const guid = () => `${hex()}${hex()}-${hex()}-${hex()}-${hex()}-${hex()}${hex()}${hex()}`;
  const pieces = [guid, () => '{', () => '}', () => ' ', () => '\t', () => '\u00a0', () => '\u3000', () => '\ufeff', () => 'p-7', () => hex(), () => '-', () => 'x'];
  let kept = 0;
  let respelled = 0;
  for (let i = 0; i < 20000; i++) {
    const text = Array.from({ length: 1 + Math.floor(rng.next() * 4) }, () => pick(pieces)()).join('');
    // Embedded in a line, as the summaries see it.
    const line = `"k":"${text}",`;
    const from = 5;
    const to = from + text.length;
    if (!guidMayRespell(line, from, to)) {
      assert.equal(canonicalGuid(text), text, JSON.stringify(text));
      kept++;
    } else if (canonicalGuid(text) !== text) respelled++;
  }
  // Not vacuous: many values are vouched for, and many others are in fact respelled.
  assert.ok(kept > 2000 && respelled > 2000, `${kept} vouched for, ${respelled} respelled`);
  assert.equal(guidMayRespell('', 0, 0), false);
});
