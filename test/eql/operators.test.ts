// Operators, null logic, multi-valued fields, field access and field types of the EQL engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileQuery, type FieldType } from '../../src/eql/index.js';
import { holds } from './helpers.js';

const doc = {
  process: { name: 'Svchost.EXE', pid: 42, args: ['a.exe', '-k', 'netsvcs'], ratio: 2.5 },
  user: { name: null },
  'file.path': 'C:\\Windows\\x.dll',
  registry: { 'data.strings': ['one', 'Two'] },
  n: '17',
  flag: true,
};

test('== is case-sensitive, : is case-insensitive with * and ? wildcards', () => {
  assert.equal(holds('process.name == "Svchost.EXE"', doc), true);
  assert.equal(holds('process.name == "svchost.exe"', doc), false);
  assert.equal(holds('process.name : "svchost.exe"', doc), true);
  assert.equal(holds('process.name : "svc*.e?e"', doc), true);
  assert.equal(holds('process.name : "svc*.e?"', doc), false);
  assert.equal(holds('process.name : ("cmd.exe", "SVCHOST*")', doc), true);
  assert.equal(holds('process.name : ("cmd.exe", "x*")', doc), false);
  // == has no wildcards
  assert.equal(holds('process.name == "Svc*"', doc), false);
  // backslash is literal in : patterns (as Elasticsearch)
  assert.equal(holds('file.path : "c:\\\\windows\\\\*.DLL"', doc), true);
});

test('like is case-sensitive, like~ is not; regex and regex~ are anchored Lucene regexes', () => {
  assert.equal(holds('process.name like "Svc*"', doc), true);
  assert.equal(holds('process.name like "svc*"', doc), false);
  assert.equal(holds('process.name like~ "svc*"', doc), true);
  assert.equal(holds('process.name regex "Svc[a-z]+\\\\.EXE"', doc), true);
  assert.equal(holds('process.name regex "svc.*"', doc), false);
  assert.equal(holds('process.name regex~ "svc.*"', doc), true);
  assert.equal(holds('process.name regex "host"', doc), false, 'anchored');
  assert.equal(holds('process.name regex ("x", "S.{6}\\\\.EXE")', doc), true);
});

test('in, in~ and not in', () => {
  assert.equal(holds('process.name in ("a", "Svchost.EXE")', doc), true);
  assert.equal(holds('process.name in ("svchost.exe")', doc), false);
  assert.equal(holds('process.name in~ ("svchost.exe")', doc), true);
  assert.equal(holds('process.name not in ("a", "b")', doc), true);
  assert.equal(holds('process.name not in ("Svchost.EXE")', doc), false);
  assert.equal(holds('process.pid in (1, 42)', doc), true);
  assert.equal(holds('missing.field not in ("a")', doc), false, 'null is not "not in"');
});

test('comparisons and arithmetic, integer vs float division', () => {
  assert.equal(holds('process.pid > 41 and process.pid <= 42 and process.pid >= 42 and process.pid < 43', doc), true);
  assert.equal(holds('process.pid != 42', doc), false);
  assert.equal(holds('process.pid + 1 == 43 and process.pid - 2 == 40 and process.pid * 2 == 84', doc), true);
  assert.equal(holds('process.pid / 4 == 10', doc), true, 'integer division truncates');
  assert.equal(holds('process.pid / 4.0 == 10.5', doc), true);
  assert.equal(holds('process.pid % 5 == 2', doc), true);
  assert.equal(holds('-process.pid == -42', doc), true);
  assert.equal(holds('process.ratio * 2 == 5', doc), true);
  assert.equal(holds('1 / 0 == null', doc), true, 'division by zero is null');
  assert.equal(holds('process.name < "T" and process.name > "A"', doc), true, 'string ordering');
});

test('three-valued null logic', () => {
  assert.equal(holds('missing != "x"', doc), false);
  assert.equal(holds('missing == "x"', doc), false);
  assert.equal(holds('not (missing == "x")', doc), false, 'not null is null');
  assert.equal(holds('missing == null', doc), true);
  assert.equal(holds('user.name == null', doc), true, 'JSON null is missing');
  assert.equal(holds('process.name != null', doc), true);
  assert.equal(holds('missing > 1 or true', doc), true);
  assert.equal(holds('missing > 1 or false', doc), false);
  assert.equal(holds('missing > 1 and false', doc), false);
  assert.equal(holds('null == (missing > 1)', doc), true);
  assert.equal(holds('not (missing > 1 and true)', doc), false);
  assert.equal(holds('not (missing > 1 and false)', doc), true);
  assert.equal(holds('missing : "x*"', doc), false);
});

test('multi-valued (array) fields match when any value does', () => {
  assert.equal(holds('process.args == "-k"', doc), true);
  assert.equal(holds('process.args : "NETSVCS"', doc), true);
  assert.equal(holds('process.args in ("x", "netsvcs")', doc), true);
  assert.equal(holds('process.args != "-k"', doc), false, '!= is not(any ==)');
  assert.equal(holds('process.args != "zzz"', doc), true);
  assert.equal(holds('endsWith(process.args, ".exe")', doc), true, 'functions apply to each value');
  assert.equal(holds('registry.data.strings : "two"', doc), true, 'dotted key inside nested object');
  assert.equal(holds('x.y == 3', { x: [{ y: 1 }, { y: 3 }] }), true, 'array of objects along the path');
  assert.equal(holds('x.y == 3', { x: [{ y: 1 }, { y: 2 }] }), false);
  assert.equal(holds('x == null', { x: [] }), true, 'empty array is missing');
});

test('field access: nested, dotted keys, mixed, backticks, optional fields', () => {
  assert.equal(holds('a.b.c == 1', { a: { b: { c: 1 } } }), true);
  assert.equal(holds('a.b.c == 1', { 'a.b.c': 1 }), true);
  assert.equal(holds('a.b.c == 1', { 'a.b': { c: 1 } }), true);
  assert.equal(holds('a.b.c == 1', { a: { 'b.c': 1 } }), true);
  assert.equal(holds('a.b.c == 1', { a: { b: 1 } }), false);
  assert.equal(holds('`my-field` == "v"', { 'my-field': 'v' }), true);
  assert.equal(holds('`a b`.`c` == "v"', { 'a b': { c: 'v' } }), true);
  assert.equal(holds('?maybe.there == null', {}), true);
  assert.equal(holds('a.b == null', { a: { b: { c: 1 } } }), true, 'an object is not a value');
});

test('event category: exact, may be an array; any matches everything', () => {
  const q = compileQuery('process where true');
  assert.equal(q.matches({ event: { category: 'process' } }), true);
  assert.equal(q.matches({ event: { category: ['network', 'process'] } }), true);
  assert.equal(q.matches({ event: { category: 'Process' } }), false);
  assert.equal(q.matches({}), false);
  assert.equal(compileQuery('any where true').matches({}), true);
  assert.equal(compileQuery('proc where true', { eventCategoryField: 'kind' }).matches({ kind: 'proc' }), true);
  assert.equal(compileQuery('"my cat" where true').matches({ event: { category: 'my cat' } }), true);
});

test('ip fields compare as addresses', () => {
  const fieldType = (f: string): FieldType | undefined => (f.endsWith('.ip') ? 'ip' : undefined);
  const v6loop = { source: { ip: '0:0:0:0:0:0:0:1' } };
  assert.equal(holds('source.ip != "::1"', v6loop, { fieldType }), false);
  assert.equal(holds('source.ip == "::1"', v6loop, { fieldType }), true);
  assert.equal(holds('source.ip == "127.0.0.1"', { source: { ip: '::ffff:127.0.0.1' } }, { fieldType }), true);
  assert.equal(holds('source.ip in ("10.0.0.1", "::1")', v6loop, { fieldType }), true);
  assert.equal(holds('cidrMatch(source.ip, "10.0.0.0/8")', { source: { ip: '10.1.2.3' } }, { fieldType }), true);
  assert.equal(holds('cidrMatch(source.ip, "192.168.0.0/16", "fe80::/10")', { source: { ip: 'FE80::1' } }, { fieldType }), true);
  assert.equal(holds('cidrMatch(source.ip, "192.168.0.0/16")', { source: { ip: '10.1.2.3' } }, { fieldType }), false);
  assert.equal(holds('source.ip == null', { source: { ip: 'not-an-ip' } }, { fieldType }), true, 'unparseable values are dropped');
  // without a mapping it is a plain string
  assert.equal(holds('source.ip != "::1"', v6loop), true);
});

test('numeric fields compare numerically even when the document holds strings', () => {
  const fieldType = (f: string): FieldType | undefined => (f === 'port' ? 'long' : undefined);
  assert.equal(holds('port >= 49152', { port: '50000' }, { fieldType }), true);
  assert.equal(holds('port >= 49152', { port: '9999' }, { fieldType }), false);
  assert.equal(holds('port == "50000"', { port: 50000 }, { fieldType }), true);
  assert.equal(holds('port in (1, 50000)', { port: '50000' }, { fieldType }), true);
  // unmapped: string "9999" vs number compares numerically, "10" > "9" as numbers
  assert.equal(holds('n > 9', { n: '17' }), true);
});

test('date fields compare as instants (ISO strings with any precision, epoch ms)', () => {
  const fieldType = (f: string): FieldType | undefined => (f === '@timestamp' ? 'date' : undefined);
  const d = { '@timestamp': '2020-12-19T12:00:22.2320000Z' };
  assert.equal(holds('@timestamp == "2020-12-19T12:00:22.232Z"', d, { fieldType }), true);
  assert.equal(holds('@timestamp == 1608379222232', d, { fieldType }), true);
  assert.equal(holds('@timestamp > "2020-12-19T13:00:00+02:00"', d, { fieldType }), true);
  assert.equal(holds('@timestamp < "2020-12-19"', d, { fieldType }), false);
  assert.equal(holds('@timestamp == "2020-12-19T12:00:22.232Z"', { '@timestamp': 1608379222232 }, { fieldType }), true);
});

test('strings: escapes, raw strings, comments', () => {
  assert.equal(holds('s == "a\\tb\\"c\\\\"', { s: 'a\tb"c\\' }), true);
  assert.equal(holds('s == """C:\\path\\"""', { s: 'C:\\path\\' }), true);
  assert.equal(holds('s == "\\u{41}"', { s: 'A' }), true);
  assert.equal(holds('/* block */ s == "x" // line\n', { s: 'x' }), true);
});

test('constant expressions are folded and still correct', () => {
  assert.equal(holds('1 + 2 * 3 == 7', {}), true);
  assert.equal(holds('(1 + 2) * 3 == 9', {}), true);
  assert.equal(holds('true and not false', {}), true);
  assert.equal(holds('startsWith~("explorer.exeAAAA", "EXPLORER.exe")', {}), true);
});

test('a hostile document never throws', () => {
  const q = compileQuery('any where a.b.c : "x*" and length(d) > 1 and e regex ".*"');
  const cyclic: Record<string, unknown> = {};
  cyclic.a = cyclic;
  for (const d of [null, undefined, 42, 'str', [], { a: null }, { a: { b: [[[{ c: 'xy' }]]] } }, { ['__proto__']: { b: 1 } }, cyclic]) {
    assert.doesNotThrow(() => q.matches(d));
  }
  assert.equal(q.matches({ a: { b: [[[{ c: 'xy' }]]] }, d: 'ab', e: 'z' }), true, 'nested arrays flatten');
});
