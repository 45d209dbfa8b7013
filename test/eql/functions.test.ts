// Every EQL function, with the examples of Elasticsearch's function reference and null handling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileQuery } from '../../src/eql/index.js';

/** Value of an expression on a document: compiled as `any where <expr> == <expected>` plus null check. */
function val(expr: string, doc: unknown = {}): unknown {
  const isNull = compileQuery(`any where ${expr} == null`).matches(doc);
  if (isNull) return null;
  for (const candidate of ['true', 'false']) if (compileQuery(`any where (${expr}) == ${candidate}`).matches(doc)) return candidate === 'true';
  return 'non-boolean';
}
function eq(expr: string, expected: string | number, doc: unknown = {}): boolean {
  return compileQuery(`any where ${expr} == ${JSON.stringify(expected)}`).matches(doc);
}

const url = { url: { domain: 'subdomain.example.com' } };
const file = { file: { path: 'C:\\Windows\\System32\\cmd.exe' } };

test('add, subtract, multiply, divide, modulo', () => {
  assert.ok(eq('add(4, 5)', 9));
  assert.ok(eq('add(4, 0.5)', 4.5));
  assert.ok(eq('subtract(10, 2)', 8));
  assert.ok(eq('subtract(1, 0.2)', 0.8));
  assert.ok(eq('multiply(0.25, 2)', 0.5));
  assert.ok(eq('divide(4, 3)', 1));
  assert.ok(eq('divide(4, 3.0)', 4 / 3));
  assert.ok(eq('divide(-4, -2)', 2));
  assert.ok(eq('divide(x, 3)', 1, { x: 4 }), 'unmapped integer values divide as integers');
  assert.ok(eq('modulo(10, 6)', 4));
  assert.ok(eq('modulo(-10, -6)', -4));
  assert.ok(eq('modulo(10, 0.5)', 0));
  assert.equal(val('add(null, 4)'), null);
  assert.equal(val('divide(4, 0)'), null);
  assert.equal(val('multiply(x, 2)', {}), null);
});

test('between and between~ (greedy and not)', () => {
  assert.ok(eq('between(file.path, "System32\\\\", ".exe")', 'cmd', file));
  assert.ok(eq('between(file.path, "system32\\\\", ".exe")', '', file));
  assert.ok(eq('between~(file.path, "system32\\\\", ".exe")', 'cmd', file));
  assert.ok(eq('between(file.path, "\\\\", "\\\\", false)', 'Windows', file));
  assert.ok(eq('between(file.path, "\\\\", "\\\\", true)', 'Windows\\System32', file));
  assert.ok(eq('between("", "", "")', ''));
  assert.equal(val('between(null, "a", "b")'), null);
});

test('cidrMatch', () => {
  const d = { source: { address: '192.168.152.12' } };
  assert.equal(val('cidrMatch(source.address, "192.168.0.0/16")', d), true);
  assert.equal(val('cidrMatch(source.address, "192.168.0.0/16", "10.0.0.0/8")', d), true);
  assert.equal(val('cidrMatch(source.address, "10.0.0.0/8", "10.128.0.0/9")', d), false);
  assert.equal(val('cidrMatch(null, "10.0.0.0/8")'), null);
  assert.equal(val('cidrMatch(source.address, null)', d), null);
});

test('concat and string', () => {
  assert.ok(eq('concat("process is ", "regsvr32.exe")', 'process is regsvr32.exe'));
  assert.ok(eq('concat("regsvr32.exe", " ", 42)', 'regsvr32.exe 42'));
  assert.ok(eq('concat("regsvr32.exe", " ", 42.5)', 'regsvr32.exe 42.5'));
  assert.ok(eq('concat("regsvr32.exe", " ", true)', 'regsvr32.exe true'));
  assert.equal(val('concat(null, "x")'), null);
  assert.ok(eq('string(42)', '42'));
  assert.ok(eq('string(true)', 'true'));
  assert.equal(val('string(null)'), null);
});

test('startsWith, endsWith, stringContains and their ~ forms', () => {
  assert.equal(val('startsWith("regsvr32.exe", "regsvr32")'), true);
  assert.equal(val('startsWith("regsvr32.exe", "Regsvr32")'), false);
  assert.equal(val('startsWith~("regsvr32.exe", "Regsvr32")'), true);
  assert.equal(val('startsWith("", "")'), true);
  assert.equal(val('endsWith("regsvr32.exe", ".EXE")'), false);
  assert.equal(val('endsWith~("regsvr32.exe", ".EXE")'), true);
  assert.equal(val('endsWith(null, ".exe")'), null);
  assert.equal(val('stringContains("start regsvr32.exe", "regsvr32")'), true);
  assert.equal(val('stringContains("start regsvr32.exe", "Regsvr32")'), false);
  assert.equal(val('stringContains~("start regsvr32.exe", "Regsvr32")'), true);
  assert.equal(val('stringContains(null, "x")'), null);
  assert.equal(val('stringContains("", "")'), false);
  assert.equal(val('stringContains("start regsvr32.exe", "")'), false);
});

test('indexOf and indexOf~', () => {
  assert.ok(eq('indexOf(url.domain, "d")', 3, url));
  assert.equal(val('indexOf(url.domain, "D")', url), null);
  assert.ok(eq('indexOf(url.domain, ".", 10)', 17, url));
  assert.ok(eq('indexOf(url.domain, ".", -6)', 9, url));
  // The reference page says 4 here, a typo: "subdomain" has its d at 3 (indexOf~ folds case, nothing else).
  assert.ok(eq('indexOf~(url.domain, "D")', 3, url));
  assert.ok(eq('indexOf(url.domain, "", 10)', 10, url));
  assert.equal(val('indexOf(url.domain, ".", 30)', url), null);
  assert.equal(val('indexOf(url.domain, ".", null)', url), null);
});

test('length, number, substring', () => {
  assert.ok(eq('length("start explorer.exe")', 18));
  assert.equal(val('length(null)'), null);
  assert.ok(eq('number("1337")', 1337));
  assert.ok(eq('number("42.5")', 42.5));
  assert.ok(eq('number("deadbeef", 16)', 3735928559));
  assert.ok(eq('number("0xdeadbeef")', 3735928559));
  assert.ok(eq('number("0xdeadbeef", null)', 3735928559));
  assert.ok(eq('number("-1337")', -1337));
  assert.ok(eq('number("  1337  ")', 1337));
  assert.equal(val('number("abc")'), null);
  assert.ok(eq('substring("start regsvr32.exe", 6)', 'regsvr32.exe'));
  assert.ok(eq('substring("start regsvr32.exe", 0, 5)', 'start'));
  assert.ok(eq('substring("start regsvr32.exe", -4)', '.exe'));
  assert.ok(eq('substring("start regsvr32.exe", -4, -1)', '.ex'));
  assert.ok(eq('substring("abc", 5)', ''));
});
