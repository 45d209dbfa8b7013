// Wildcard and regex matchers against straightforward references, and against patterns that make
// backtracking engines blow up (they must stay fast: checked by size, not by timing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileWildcard } from '../../src/eql/wildcard.js';
import { compileRegex, RegexSyntaxError } from '../../src/eql/regex.js';

/** Reference glob matcher: memoized recursion over (i, j). */
function globRef(p: string, s: string, ci: boolean): boolean {
  if (ci) {
    p = p.replace(/[A-Z]/g, (c) => c.toLowerCase());
    s = s.replace(/[A-Z]/g, (c) => c.toLowerCase());
  }
  const memo = new Map<number, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = i * (s.length + 1) + j;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (i === p.length) r = j === s.length;
    else if (p[i] === '*') r = go(i + 1, j) || (j < s.length && go(i, j + 1));
    else r = j < s.length && (p[i] === '?' || p[i] === s[j]) && go(i + 1, j + 1);
    memo.set(key, r);
    return r;
  };
  return go(0, 0);
}

test('wildcards agree with a reference on random patterns and strings (short and over 32 tokens)', () => {
  let seed = 7;
  const r = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const alpha = ['a', 'b', 'A', '\\', '.'];
  let positives = 0;
  for (let n = 0; n < 4000; n++) {
    const plen = Math.floor(r() * (n % 10 === 0 ? 70 : 9));
    let p = '';
    for (let i = 0; i < plen; i++) p += r() < 0.2 ? '*' : r() < 0.15 ? '?' : alpha[Math.floor(r() * alpha.length)];
    let s = '';
    const slen = Math.floor(r() * (n % 10 === 0 ? 90 : 10));
    for (let i = 0; i < slen; i++) s += alpha[Math.floor(r() * alpha.length)];
    const ci = r() < 0.5;
    const want = globRef(p, s, ci);
    if (want) positives++;
    assert.equal(compileWildcard(p, ci)(s), want, `${JSON.stringify(p)} ~ ${JSON.stringify(s)} ci=${ci}`);
  }
  assert.ok(positives > 200);
});

test('regexes agree with JavaScript RegExp on the common subset', () => {
  const cases: Array<[string, string[], string[]]> = [
    ['abc', ['abc'], ['ab', 'abcd', 'xabc']],
    ['a.c', ['abc', 'a-c'], ['ac']],
    ['a*', ['', 'aaa'], ['b']],
    ['(ab)+', ['ab', 'abab'], ['', 'aba']],
    ['colou?r', ['color', 'colour'], ['colouur']],
    ['[a-c]{2,3}', ['ab', 'abc'], ['a', 'abca', 'ad']],
    ['[^0-9]+', ['abc'], ['a1']],
    ['x{3}', ['xxx'], ['xx', 'xxxx']],
    ['x{2,}', ['xx', 'xxxxx'], ['x']],
    ['cat|dog', ['cat', 'dog'], ['cow']],
    ['\\d+\\.\\d+', ['1.5', '10.25'], ['1.', 'a.b']],
    ['\\w+\\s\\w+', ['ab cd'], ['abcd']],
    ['C:\\\\Windows\\\\.*\\.exe', ['C:\\Windows\\x\\y.exe'], ['C:\\Windows\\y.dll']],
  ];
  for (const [pattern, yes, no] of cases) {
    const m = compileRegex(pattern, false);
    const js = new RegExp(`^(?:${pattern})$`);
    for (const s of [...yes, ...no]) assert.equal(m(s), js.test(s), `${pattern} on ${s}`);
    for (const s of yes) assert.equal(m(s), true, `${pattern} should match ${s}`);
    for (const s of no) assert.equal(m(s), false, `${pattern} should not match ${s}`);
  }
});

test('Lucene-only syntax: "quoted", @ any string, # empty, <n-m> intervals, case-insensitive form', () => {
  assert.equal(compileRegex('"a.b"c', false)('a.bc'), true);
  assert.equal(compileRegex('"a.b"c', false)('axbc'), false);
  assert.equal(compileRegex('ab@', false)('abanything'), true);
  assert.equal(compileRegex('#', false)(''), false);
  assert.equal(compileRegex('port<1-1024>', false)('port443'), true);
  assert.equal(compileRegex('port<1-1024>', false)('port2000'), false);
  assert.equal(compileRegex('svc[a-z]+', true)('SVCHOST'), true);
  assert.equal(compileRegex('SVC.*', true)('svchost'), true);
  assert.equal(compileRegex('SVC.*', false)('svchost'), false);
});

test('malformed regexes are errors with an index, never a crash', () => {
  for (const bad of ['(', 'a)', '[a-', '*a', 'a{2,1}', '\\', 'a~b', 'a&b', '<name>', 'x{1,', '"open']) {
    assert.throws(() => compileRegex(bad, false), RegexSyntaxError, bad);
  }
});

test('catastrophic-backtracking patterns run in one pass (linear in the input)', () => {
  const input = 'a'.repeat(20_000) + 'b';
  assert.equal(compileRegex('(a+)+c', false)(input), false);
  assert.equal(compileRegex('(a|aa)*c', false)(input), false);
  assert.equal(compileRegex('(.*a){20}', false)('a'.repeat(19)), false);
  assert.equal(compileWildcard('*a*a*a*a*a*a*a*a*a*a*c', false)(input), false);
  assert.equal(compileWildcard('*a*a*a*a*a*a*a*a*a*a*b', true)(input), true);
  assert.throws(() => compileRegex('(a{1,1000}){1000}', false), /too large/);
});
