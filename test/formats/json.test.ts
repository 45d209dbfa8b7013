import { test } from 'node:test';
import assert from 'node:assert/strict';
import { docs, problems, readBytes } from './helpers/read.js';

const line = (o: unknown): string => JSON.stringify(o);

test('NDJSON with blank lines and CRLF: every object, with its line', async () => {
  const text = `${line({ a: 1 })}\r\n\r\n${line({ b: { c: 2 } })}\n\n\n${line({ 'process.name': 'x.exe' })}`;
  const items = await readBytes(text);
  assert.deepEqual(docs(items), [{ a: 1 }, { b: { c: 2 } }, { 'process.name': 'x.exe' }]);
  assert.deepEqual(items.map((i) => i.origin.line), [1, 3, 6]);
  assert.equal(problems(items).length, 0);
});

test('a malformed line in the middle is a problem with its line; the lines after it are read', async () => {
  const text = [line({ n: 1 }), '{"n": 2, "broken": ', line({ n: 3 }), '{"n": 4,}', 'not json at all', line({ n: 5 }), '{"s": "unterminated', line({ n: 6 })].join('\n');
  const items = await readBytes(text, {}, 5);
  assert.deepEqual(docs(items).map((d) => d.n), [1, 3, 5, 6]);
  const p = problems(items);
  assert.deepEqual(p.map((x) => x.origin.line), [2, 4, 5, 7]);
  assert.ok(p.every((x) => x.severity === 'error' && x.origin.file === 'mem'));
  assert.match(p[0]!.message, /incomplete JSON document/);
  assert.match(p[1]!.message, /malformed JSON/);
  assert.match(p[2]!.message, /outside any JSON document/);
  assert.match(p[3]!.message, /unterminated string/);
});

test('after a broken line, the scanner gives the lines back once it is between documents at a whole object', async () => {
  // Whole NDJSON lines keep their text (`line`, which the sort holds instead of the parsed document); the
  // scanner's documents do not. The scanner ends the broken document at the next line, reads it, and gives back.
  const text = [line({ n: 1 }), '{"n": 2, "broken": ', line({ n: 3 }), line({ n: 4 }), 'not json', line({ n: 5 }), line({ n: 6 }), ''].join('\n');
  for (const chunk of [1, 7, 4096]) {
    const items = await readBytes(text, {}, chunk);
    const d = items.filter((i) => i.kind === 'document');
    assert.deepEqual(d.map((i) => [i.doc.n, i.origin.line, i.line !== undefined]), [[1, 1, true], [3, 3, false], [4, 4, true], [5, 6, false], [6, 7, true]], `chunks of ${chunk}`);
    assert.deepEqual(problems(items).map((p) => [p.origin.line, p.message]), [
      [2, 'incomplete JSON document (a new document starts before it ends) (document starts on line 2, broken on line 3)'],
      [5, 'text outside any JSON document skipped (line 5)'],
    ]);
  }
  // Pretty-printed documents after NDJSON stay with the scanner: a lone "{" is not a whole object.
  const pretty = [line({ n: 1 }), JSON.stringify({ n: 2 }, null, 2), JSON.stringify({ n: 3 }, null, 2), line({ n: 4 })].join('\n');
  assert.deepEqual(docs(await readBytes(pretty, {}, 5)).map((x) => x.n), [1, 2, 3, 4]);
});

test('JSON array (pretty-printed): each element a document with its index and line; non-objects reported', async () => {
  const text = JSON.stringify([{ a: 1, nested: { x: [1, 2, { y: 'z' }] } }, 42, { b: 'two' }, [1], 'str', { c: null }], null, 2);
  const items = await readBytes(text, {}, 7);
  assert.deepEqual(docs(items), [{ a: 1, nested: { x: [1, 2, { y: 'z' }] } }, { b: 'two' }, { c: null }]);
  const docItems = items.filter((i) => i.kind === 'document');
  assert.deepEqual(docItems.map((i) => i.origin.index), [0, 2, 5]);
  assert.deepEqual(docItems.map((i) => i.origin.line), [2, 15, 22]);
  assert.deepEqual(problems(items).map((p) => [p.origin.index, p.message]), [
    [1, 'array element is not a JSON object'],
    [3, 'array element is not a JSON object'],
    [4, 'array element is not a JSON object'],
  ]);
});

test('compact one-line array and several arrays in one file', async () => {
  const items = await readBytes('[{"a":1},{"a":2}]\n[{"a":3}]\n', {}, 3);
  assert.deepEqual(docs(items), [{ a: 1 }, { a: 2 }, { a: 3 }]);
  assert.deepEqual(items.map((i) => i.origin.index), [0, 1, 0]);
});

test('concatenated pretty-printed documents; a broken one is reported and the next is read', async () => {
  const good = (n: number): string => JSON.stringify({ n, host: { name: 'h', id: `id-${n}` }, list: [{ k: n }] }, null, 2);
  const text = `${good(1)}\n${'{\n  "n": 2,\n  "host": {\n    "name": "cut'}\n${good(3)}\n{\n  "n": 4,\n  "oops": ]\n}\n${good(5)}\n`;
  const items = await readBytes(text, {}, 11);
  assert.deepEqual(docs(items).map((d) => d.n), [1, 3, 5]);
  const p = problems(items);
  assert.ok(p.length >= 2, JSON.stringify(p));
  assert.equal(p[0]!.origin.line, 13, 'the cut document starts on line 13');
  assert.match(p[0]!.message, /unterminated string/);
  assert.ok(p.some((x) => /closes an object/.test(x.message) && /broken on line 31/.test(x.message) && x.origin.line === 29), JSON.stringify(p));
});

test('a document whose line is cut short is reported even without a string open (new document at its column)', async () => {
  const text = '{\n  "n": 1,\n{\n  "n": 2\n}\n';
  const items = await readBytes(text);
  assert.deepEqual(docs(items), [{ n: 2 }]);
  assert.equal(problems(items)[0]!.origin.line, 1);
});

test('Elasticsearch _search response: each hit _source, with its hit index; aggregations ignored', async () => {
  const response = {
    took: 3,
    timed_out: false,
    _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
    hits: {
      total: { value: 3, relation: 'eq' },
      max_score: 1,
      hits: [
        { _index: 'logs-endpoint', _id: 'a', _score: 1, _source: { '@timestamp': '2020-12-19T12:00:22.232Z', event: { category: ['registry'] }, hits: { hits: [] } } },
        { _index: 'logs-endpoint', _id: 'b', _score: 1, fields: { x: [1] } },
        { _index: 'logs-endpoint', _id: 'c', _score: 1, _source: { 'host.id': 'h1', 'process.entity_id': '{x}' } },
      ],
    },
    aggregations: { by_host: { buckets: [{ key: 'h1', doc_count: 2 }] } },
  };
  for (const text of [JSON.stringify(response), JSON.stringify(response, null, 2)]) {
    const items = await readBytes(`${text}\n${text}\n`, {}, 13);
    assert.deepEqual(docs(items), [response.hits.hits[0]!._source, response.hits.hits[2]!._source, response.hits.hits[0]!._source, response.hits.hits[2]!._source]);
    const withHits = items.filter((i) => i.origin.index !== undefined);
    assert.deepEqual(withHits.map((i) => i.origin.index), [0, 1, 2, 0, 1, 2]);
    const p = problems(items);
    assert.equal(p.length, 2);
    assert.ok(p.every((x) => x.severity === 'warning' && /no _source/.test(x.message) && x.origin.index === 1));
  }
});

test('_search response with hits before took (reordered keys) is still split into hits', async () => {
  const text = JSON.stringify({ hits: { hits: [{ _source: { a: 1 } }, { _source: { a: 2 } }] }, took: 1 });
  const items = await readBytes(text);
  assert.deepEqual(docs(items), [{ a: 1 }, { a: 2 }]);
  assert.deepEqual(items.map((i) => i.origin.index), [0, 1]);
});

test('an ECS document with a hits field and no search markers stays one document', async () => {
  const doc = { '@timestamp': 't', hits: { hits: [{ _source: { a: 1 } }] } };
  assert.deepEqual(docs(await readBytes(JSON.stringify(doc))), [doc]);
});

test('chunk size does not change the result (1-byte chunks, multi-byte UTF-8 split)', async () => {
  const text = [line({ name: 'Ärger ✓ 𝄞 \\"quoted\\"', path: 'C:\\Windows\\System32' }), '', JSON.stringify([{ x: 'é' }, { y: '日本' }], null, 1), JSON.stringify({ took: 1, hits: { hits: [{ _source: { z: 'ü' } }] } })].join('\n');
  const whole = await readBytes(text, {}, 1 << 20);
  for (const size of [1, 2, 3, 17]) assert.deepEqual(await readBytes(text, {}, size), whole);
  assert.deepEqual(docs(whole).map((d) => Object.values(d)[0]), ['Ärger ✓ 𝄞 \\"quoted\\"', 'é', '日本', 'ü']);
});

test('UTF-8 BOM and UTF-16LE/BE text are read', async () => {
  const text = `${line({ a: 'ü' })}\n${line({ b: 2 })}\n`;
  const expected = [{ a: 'ü' }, { b: 2 }];
  assert.deepEqual(docs(await readBytes(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]))), expected);
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  assert.deepEqual(docs(await readBytes(le, {}, 3)), expected);
  const be = Buffer.from(le);
  be.swap16();
  assert.deepEqual(docs(await readBytes(be, {}, 5)), expected);
});

test('top-level scalars and trailing garbage are reported, not fatal', async () => {
  const items = await readBytes('{"a":1} trailing\n{"b":2}\n[1,{"c":3}\n');
  assert.deepEqual(docs(items), [{ a: 1 }, { b: 2 }, { c: 3 }]);
  const p = problems(items).map((x) => x.message);
  assert.ok(p.some((m) => /outside any JSON document/.test(m)));
  assert.ok(p.some((m) => /not a JSON object/.test(m)));
  assert.ok(p.some((m) => /ends inside a JSON array/.test(m)));
});

test('many documents stream through without error (10k lines, small chunks)', async () => {
  const lines: string[] = [];
  for (let i = 0; i < 10000; i++) lines.push(line({ i, 'event.code': String(4600 + (i % 100)), msg: 'x'.repeat(i % 50) }));
  const items = await readBytes(lines.join('\n'), {}, 4093);
  assert.equal(items.length, 10000);
  assert.equal(problems(items).length, 0);
  assert.equal(items[9999]!.origin.line, 10000);
  assert.deepEqual((items[1234] as { doc: unknown }).doc, JSON.parse(lines[1234]!));
});

test('wrapped search responses (Kibana rawResponse, _msearch responses) are split into hits', async () => {
  const response = (x: number): unknown => ({ took: 1, timed_out: false, hits: { hits: [{ _source: { x } }, { _source: { x: x + 1 } }] } });
  const kibana = await readBytes(JSON.stringify({ id: 'q', rawResponse: response(1) }, null, 2));
  assert.deepEqual(docs(kibana), [{ x: 1 }, { x: 2 }]);
  const msearch = await readBytes(JSON.stringify({ took: 2, responses: [response(10), response(20)] }));
  assert.deepEqual(docs(msearch), [{ x: 10 }, { x: 11 }, { x: 20 }, { x: 21 }]);
});

test('_bulk files: action lines are skipped (one note), the documents read with their lines', async () => {
  const text = [
    line({ index: { _index: 'logs-windows', _id: '1' } }),
    line({ '@timestamp': 't1', event: { code: '4698' } }),
    line({ create: { _index: 'logs-windows' } }),
    line({ '@timestamp': 't2', index: { not: 'an action' } }),
  ].join('\n');
  const items = await readBytes(text);
  assert.deepEqual(docs(items), [{ '@timestamp': 't1', event: { code: '4698' } }, { '@timestamp': 't2', index: { not: 'an action' } }]);
  assert.deepEqual(items.filter((i) => i.kind === 'document').map((i) => i.origin.line), [2, 4]);
  assert.deepEqual(problems(items).map((p) => [p.severity, p.message]), [['note', '2 Elasticsearch _bulk action line(s) skipped (the documents after them are read)']]);
});
