import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadExceptionLists, parseExceptionText, serializeExceptionLists } from '../../src/tuning/index.js';
import { KIBANA_EXPORT, KIBANA_EXPORT_LINES } from './kibana-sample.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-exc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a Kibana export loads unchanged: the list and every item object as Kibana wrote them', () => {
  const { lists, problems } = parseExceptionText(KIBANA_EXPORT, 'export.ndjson');
  assert.deepEqual(problems, []);
  assert.equal(lists.length, 1);
  const [list] = lists;
  assert.deepEqual(list!.list, JSON.parse(KIBANA_EXPORT_LINES[0]!));
  assert.equal(list!.items.length, 4);
  list!.items.forEach((item, i) => assert.deepEqual(item, JSON.parse(KIBANA_EXPORT_LINES[i + 1]!)));
  assert.deepEqual(list!.items.map((it) => it.entries[0]!.type), ['match', 'wildcard', 'nested', 'list']);
});

test('serializing a loaded export gives back the same lines, summary included', () => {
  const { lists } = parseExceptionText(KIBANA_EXPORT, 'export.ndjson');
  assert.equal(serializeExceptionLists(lists), KIBANA_EXPORT);
});

test('items may come before their list, and an export without the summary line loads the same', () => {
  const [list, ...rest] = KIBANA_EXPORT_LINES.slice(0, -1);
  const { lists, problems } = parseExceptionText([...rest, list].join('\n'), 'x.ndjson');
  assert.deepEqual(problems, []);
  assert.equal(lists[0]!.items.length, 4);
});

test('malformed lines are reported by line, and the rest still loads', () => {
  const lines = [
    KIBANA_EXPORT_LINES[0]!,
    '{"item_id": "broken"',
    KIBANA_EXPORT_LINES[1]!,
    '[1,2]',
    '{"something":"else"}',
    JSON.stringify({ ...JSON.parse(KIBANA_EXPORT_LINES[2]!), item_id: 'bad-op', entries: [{ field: 'a', operator: 'maybe', type: 'match', value: 'x' }] }),
    JSON.stringify({ ...JSON.parse(KIBANA_EXPORT_LINES[2]!), item_id: 'bad-type', entries: [{ field: 'a', operator: 'included', type: 'regex', value: 'x' }] }),
    JSON.stringify({ ...JSON.parse(KIBANA_EXPORT_LINES[2]!), item_id: 'empty-any', entries: [{ field: 'a', operator: 'included', type: 'match_any', value: [] }] }),
    JSON.stringify({ ...JSON.parse(KIBANA_EXPORT_LINES[2]!), item_id: 'bad-expiry', expire_time: 'next tuesday' }),
    JSON.stringify({ ...JSON.parse(KIBANA_EXPORT_LINES[2]!), item_id: 'nested-list', entries: [{ field: 'p', type: 'nested', entries: [{ field: 'q', operator: 'included', type: 'list', list: { id: 'l', type: 'ip' } }] }] }),
    KIBANA_EXPORT_LINES[1]!,
    KIBANA_EXPORT_LINES[5]!,
  ];
  const { lists, problems } = parseExceptionText(lines.join('\n'), 'mixed.ndjson');
  assert.equal(lists[0]!.items.length, 1);
  assert.equal(lists[0]!.items[0]!.item_id, 'sccm-site-server');
  const byLine = new Map(problems.map((p) => [p.line, p.message]));
  assert.match(byLine.get(2)!, /malformed JSON/);
  assert.match(byLine.get(4)!, /not a JSON object/);
  assert.match(byLine.get(5)!, /neither an exception list, an item/);
  assert.match(byLine.get(6)!, /bad-op: entry on a: operator must be/);
  assert.match(byLine.get(7)!, /bad-type: entry on a: unknown type "regex"/);
  assert.match(byLine.get(8)!, /empty-any: match_any entry on a needs/);
  assert.match(byLine.get(9)!, /bad-expiry: expire_time "next tuesday" is not a date/);
  assert.match(byLine.get(10)!, /nested-list: in nested p: list entry on q inside a nested entry/);
  assert.match(byLine.get(11)!, /sccm-site-server appears twice/);
  assert.match(byLine.get(12)!, /summary says 4 item\(s\), the file holds 2/);
  for (const p of problems) assert.equal(p.file, 'mixed.ndjson');
});

test('loadExceptionLists reads several files, finds items whose list is in another file, reports unreadable files', async (t) => {
  const dir = tempDir(t);
  const a = join(dir, 'list.ndjson');
  const b = join(dir, 'items.ndjson');
  const c = join(dir, 'orphans.ndjson');
  writeFileSync(a, KIBANA_EXPORT_LINES[0] + '\n');
  writeFileSync(b, KIBANA_EXPORT_LINES.slice(1, 3).join('\n') + '\n');
  writeFileSync(c, JSON.stringify({ ...JSON.parse(KIBANA_EXPORT_LINES[1]!), list_id: 'nowhere', item_id: 'lost' }) + '\n');
  const { lists, problems } = await loadExceptionLists([a, b, c, join(dir, 'missing.ndjson')]);
  assert.equal(lists.length, 1);
  assert.deepEqual(lists[0]!.items.map((i) => i.item_id), ['sccm-site-server', 'vendor-updater']);
  assert.equal(problems.length, 2);
  const orphan = problems.find((p) => p.file === c)!;
  assert.match(orphan.message, /item lost belongs to list nowhere, which no given file holds/);
  assert.equal(orphan.line, 1);
  assert.match(problems.find((p) => p.file.endsWith('missing.ndjson'))!.message, /cannot read exception list: no such file/);
});

test('a list of an unknown type is refused with its items', () => {
  const list = JSON.stringify({ ...JSON.parse(KIBANA_EXPORT_LINES[0]!), type: 'firewall' });
  const { lists, problems } = parseExceptionText([list, KIBANA_EXPORT_LINES[1]].join('\n'), 'f');
  assert.equal(lists.length, 0);
  assert.match(problems[0]!.message, /unknown type "firewall"; list skipped/);
});

test('a byte-order mark and CRLF line ends (a file saved on Windows) load the same', () => {
  const { lists, problems } = parseExceptionText('\uFEFF' + KIBANA_EXPORT.replace(/\n/g, '\r\n'), 'bom.ndjson');
  assert.deepEqual(problems, []);
  assert.equal(lists[0]!.items.length, 4);
});
