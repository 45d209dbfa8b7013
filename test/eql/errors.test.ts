// Every kind of query error is an EqlError with a position, what was expected, and a caret rendering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileQuery, EqlError, parseQuery, type FieldType } from '../../src/eql/index.js';

function err(query: string, options: Parameters<typeof compileQuery>[1] = {}): EqlError {
  try {
    compileQuery(query, options);
  } catch (e) {
    assert.ok(e instanceof EqlError, `not an EqlError: ${String(e)}`);
    return e;
  }
  assert.fail(`no error for ${query}`);
}

function check(query: string, line: number, column: number, pattern: RegExp, options = {}): EqlError {
  const e = err(query, options);
  assert.match(e.message, pattern, query);
  assert.deepEqual([e.line, e.column], [line, column], `${query}: ${e.message}`);
  return e;
}

test('syntax errors point at the spot and say what was expected', () => {
  const e = check('process where process.name == ', 1, 31, /expected expression but found end of query/);
  assert.deepEqual(e.expected, ['expression']);
  assert.deepEqual(e.info(), { message: 'expected expression but found end of query', line: 1, column: 31, expected: ['expression'] });
  check('process process.name == "x"', 1, 9, /expected 'where' but found 'process'/);
  check('process where (a == 1', 1, 22, /expected '\)'/);
  check('process where a == "x', 1, 20, /unterminated string/);
  check("process where a == 'x'", 1, 20, /single-quoted strings are not supported/);
  check('process where a == "\\q"', 1, 21, /invalid escape sequence \\q/);
  check('process where a == 1 == 2', 1, 22, /comparisons cannot be chained/);
  check('process where a == 1 | filter a', 1, 24, /unsupported pipe 'filter'/);
  check('process where a == 1 | head -1', 1, 29, /expected positive integer/);
  check('process where a == 1 | head 0', 1, 29, /positive integer/);
  check('process where a == 1 )', 1, 22, /expected 'and' or 'or' or '\|' or end of query/);
  check('process where a : b', 1, 19, /':' needs a string literal pattern/);
  check('process where a @ 1', 1, 17, /expected .* but found 'a'|unexpected character|expected/);
  check('process where /* open', 1, 15, /unterminated comment/);
  check('process where a = 1', 1, 17, /'=' is not an operator, use '==' \(case-sensitive\) or ':'/);
  check('process where a == "it\\\'s"', 1, 23, /escaped single quote/);
  check('process where a == b', 1, 20, /comparing a field with another field is not supported/);
  check('process where length(a) > length(b)', 1, 27, /comparing a field with another field/);
  check('process where a in ("x", b)', 1, 26, /comparing a field with another field/);
  check('process where `a', 1, 15, /unterminated quoted name/);
});

test('sequence syntax errors', () => {
  check('sequence [process where true]', 1, 30, /at least two stages/);
  check('sequence with maxspan=5 [a where true] [b where true]', 1, 25, /missing time unit after 5/);
  check('sequence with maxspan=5y [a where true] [b where true]', 1, 24, /unknown time unit 'y'/);
  check('sequence [a where true] with runs=0 [b where true]', 1, 35, /runs must be an integer between 1 and 100/);
  check('sequence [a where true] with runs=101 [b where true]', 1, 35, /runs must be an integer between 1 and 100/);
  check('sequence [a where true] by x [b where true]', 1, 30, /inconsistent join keys/);
  check('sequence [a where true] ![b where true]', 1, 1, /need 'with maxspan'/);
  check('sequence with maxspan=1m ![a where true] ![b where true]', 1, 1, /at least one stage that is not a missing-event stage/);
  check('sequence with maxspan=1m by x [a where true] [b where true]', 1, 26, /write 'sequence by' before 'with maxspan'/);
  check('sequence [a where true] [b where true] until ![c where true]', 1, 46, /expected '\['/);
  check('sample by x [a where true] [b where true]', 1, 1, /'sample' queries are not supported/);
});

test('unknown functions, wrong arity and argument types', () => {
  check('any where foo(a)', 1, 11, /unknown function 'foo'/);
  check('any where startswith(a, "x")', 1, 11, /unknown function 'startswith', did you mean 'startsWith'\?/);
  check('any where add~(1, 2) == 3', 1, 11, /'add' has no case-insensitive \(~\) form/);
  check('any where add(1) == 3', 1, 11, /function 'add' takes 2 arguments, found 1/);
  check('any where substring("a", 1, 2, 3) == "x"', 1, 11, /takes 2 to 3 arguments, found 4/);
  check('any where add("a", 1) == 3', 1, 15, /1st argument of add\(\) must be a number, found string "a"/);
  check('any where length(5) == 1', 1, 18, /must be a string, found number 5/);
  check('any where substring("abc", 1.5) == "x"', 1, 28, /must be an integer, found 1.5/);
  check('any where number("ff", base) == 255', 1, 24, /2nd argument of number\(\) must be a literal/);
  check('any where cidrMatch(ip, "10.0.0.0/33")', 1, 25, /invalid CIDR block/);
  check('any where cidrMatch(ip, net)', 1, 25, /must be a literal/);
  check('any where port + "x" == 1', 1, 18, /operand of '\+' must be a number, found string/);
  check('any where "abc"', 1, 11, /condition must be boolean, found string/);
  check('any where a regex "([a-z]"', 1, 19, /invalid regex: missing '\)'/);
  check('any where a regex "~(abc)"', 1, 19, /complement '~' is not supported/);
  const fieldType = (f: string): FieldType | undefined => (f === 'source.ip' ? 'ip' : f === 'port' ? 'long' : f === '@timestamp' ? 'date' : undefined);
  check('any where source.ip == "300.1.1.1"', 1, 24, /invalid IP address "300.1.1.1"/, { fieldType });
  check('any where port == "abc"', 1, 19, /cannot compare a number with "abc"/, { fieldType });
  check('any where @timestamp > "yesterday"', 1, 24, /invalid date "yesterday"/, { fieldType });
  check('any where length(port) > 1', 1, 18, /field 'port' of type long/, { fieldType });
});

test('unknown fields are reported when isKnownField is given; ?optional fields are exempt', () => {
  const isKnownField = (f: string): boolean => f.startsWith('process.');
  check('process where process.name == "a" and proces.pid == 1', 1, 39, /unknown field 'proces.pid'/, { isKnownField });
  check('sequence by host.id [a where true] [b where true]', 1, 13, /unknown field 'host.id'/, { isKnownField });
  assert.doesNotThrow(() => compileQuery('process where ?custom.thing == 1 and process.pid == 1', { isKnownField }));
});

test('format() shows the line and a caret under the column, on multi-line queries too', () => {
  const q = 'sequence\n  [process where a ==]\n  [file where true]';
  const e = err(q);
  assert.equal(e.line, 2);
  assert.equal(e.column, 22);
  assert.equal(e.format(q), "line 2:22: expected expression but found ']'\n    [process where a ==]\n                       ^");
});

test('parseQuery exposes the AST; nothing but EqlError escapes parse/compile on garbage', () => {
  const ast = parseQuery('sequence by host.id with maxspan=1m [network where a == 1] by x [registry where b : "c*"] by y | head 3');
  assert.equal(ast.query.type, 'sequence');
  if (ast.query.type !== 'sequence') return;
  assert.equal(ast.query.maxspanMs, 60_000);
  assert.deepEqual(ast.query.keys.map((k) => k.name), ['host.id']);
  assert.deepEqual(ast.query.stages.map((s) => s.query.category), ['network', 'registry']);
  assert.deepEqual(ast.pipes.map((p) => [p.kind, p.n]), [['head', 3]]);
  const inputs = ['', '"', '[', 'sequence', 'any where', 'any where (((((', 'any where a in ()', '\u0000', 'any where a.', 'any where ?', 'sequence by', `any where ${'('.repeat(50)}1${')'.repeat(50)} == 1`];
  for (let i = 0; i < 300; i++) {
    const alphabet = ['any', 'where', 'sequence', '[', ']', '(', ')', '"x"', '1', 'a.b', '==', ':', 'and', 'not', 'by', 'with', 'maxspan=1s', 'runs=2', '!', 'until', '|', 'head', 'in', ',', 'f(', '~', '`q`', '?', 'like~', 'regex'];
    let s = '';
    const n = (i * 7919) % 14;
    for (let k = 0; k < n; k++) s += alphabet[(i * 31 + k * 17 + k * k) % alphabet.length] + ' ';
    inputs.push(s);
  }
  for (const s of inputs) {
    try {
      compileQuery(s);
    } catch (e) {
      assert.ok(e instanceof EqlError, `${JSON.stringify(s)} threw ${String(e)}`);
      assert.ok(e.line >= 1 && e.column >= 1);
    }
  }
});

test('absurdly deep nesting is an EqlError, not a stack overflow', () => {
  const deep = `any where ${'('.repeat(20_000)}a == 1${')'.repeat(20_000)}`;
  assert.throws(() => compileQuery(deep), (e: unknown) => e instanceof EqlError && /nested too deeply/.test(e.message));
  const notDeep = `any where ${'not '.repeat(20_000)}true`;
  assert.throws(() => compileQuery(notDeep), EqlError);
});
