// CompiledQuery.stageKeys: which stages of a sequence an event takes, and its join keys there. It reads the event's
// category once for all stages; the answer must be each stage's own test, as an event query of that stage gives it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileQuery } from '../../src/eql/index.js';

const STAGES = ['network where process.name : "svchost.exe"', 'registry where registry.value : "Actions"', 'any where event.code == "4698"', 'process where true'];
const query = compileQuery(`sequence by host.id [${STAGES[0]}] [${STAGES[1]}] [${STAGES[2]}] until [${STAGES[3]}]`);
const alone = STAGES.map((s) => compileQuery(s));

const events: unknown[] = [
  { host: { id: 'h1' }, event: { category: 'network' }, process: { name: 'SVCHOST.EXE' } },
  { host: { id: 'h1' }, event: { category: ['network', 'process'] }, process: { name: 'svchost.exe' } },
  { host: { id: 'h2' }, event: { category: ['registry'], code: '4698' }, registry: { value: 'Actions' } },
  { host: { id: 'h2' }, event: { category: 'process', code: 4698 } },
  { host: { id: 'h3' }, event: { code: '4698' } },
  { host: { id: 'h3' }, 'event.category': 'registry', registry: { value: 'actions' } },
  { host: { id: 'h4' }, event: { category: 7 }, process: { name: 'svchost.exe' } },
  { host: { id: 'h4' }, event: { category: [null, 'network', { x: 1 }] }, process: { name: 'svchost.exe' } },
  { event: { category: 'network' }, process: { name: 'svchost.exe' } },
  {},
];

test('stageKeys: each stage answered as its own event query does, with the join key where it matches', () => {
  let taken = 0;
  for (const [e, event] of events.entries()) {
    const keys = query.stageKeys(event);
    assert.equal(keys.length, STAGES.length, `event ${e}`);
    for (const [s, q] of alone.entries()) {
      const host = (event as { host?: { id?: string } }).host?.id;
      // A stage the event takes, with no host.id: no join key (null), so `[]`.
      const expected = q.matches(event) ? (host === undefined ? [] : [`s${host}`]) : undefined;
      assert.deepEqual(keys[s], expected, `event ${e}, stage ${s}`);
      if (expected !== undefined) taken++;
    }
  }
  assert.ok(taken >= 8, 'the events take stages, so the comparison says something');
});

test('stageKeys: a document whose fields throw when read takes no stage, and does not throw', () => {
  const hostile = new Proxy({}, {
    get() {
      throw new Error('hostile');
    },
    has() {
      throw new Error('hostile');
    },
    getOwnPropertyDescriptor() {
      throw new Error('hostile');
    },
  });
  assert.deepEqual(query.stageKeys(hostile), [undefined, undefined, undefined, undefined]);
});
