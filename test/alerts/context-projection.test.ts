// The context window keeps TaskCache writes as a projection (projectForContext): only the fields enrichment reads.
// Every reader enrichment applies to a kept TaskCache write must give the same answer on the projection as on the
// whole event, in each form the write arrives in (Sysmon through normalization, Winlogbeat ECS, Elastic Defend);
// and the match's own write must still be told apart from the kept context.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify, projectForContext, registryPath } from '../../src/alerts/context-events.js';
import { ContextWindow } from '../../src/alerts/context-window.js';
import { Correlation, regData } from '../../src/alerts/correlation.js';
import { channelOf, eventIdOf, evidenceOf, sourceLabel, str } from '../../src/alerts/fields.js';
import type { InputItem } from '../../src/formats/index.js';
import { normalize, type NormalizedEvent } from '../../src/normalize/index.js';
import { SCENARIOS, simulate, toWinlogbeat } from '../../src/simulate/index.js';

/** Every TaskCache write of every scenario, in its three forms, normalized as the hunt does. */
function taskCacheWrites(): Map<string, NormalizedEvent[]> {
  const byForm = new Map<string, NormalizedEvent[]>([
    ['sysmon', []],
    ['winlogbeat', []],
    ['defend', []],
  ]);
  for (const s of SCENARIOS) {
    const t = simulate(s.id);
    const items: Array<[string, InputItem]> = [
      ...t.windows.map((event, i): [string, InputItem] => ['sysmon', { kind: 'windows', event, origin: { file: s.id, record: i + 1 } }]),
      ...t.windows.map((event, i): [string, InputItem] => ['winlogbeat', { kind: 'document', doc: toWinlogbeat(event), origin: { file: `${s.id}.wlb`, line: i + 1 } }]),
      ...t.defend.map((doc, i): [string, InputItem] => ['defend', { kind: 'document', doc: structuredClone(doc), origin: { file: `${s.id}.defend`, line: i + 1 } }]),
    ];
    for (const [form, item] of items) {
      const r = normalize(item);
      if (r.ok && classify(r.event)?.kind === 'taskcache') byForm.get(form)!.push(r.event);
    }
  }
  return byForm;
}

/** What the enrichment steps (enrich-task.ts, fields.ts) read from a kept TaskCache write. */
function readings(ev: NormalizedEvent): unknown[] {
  const c = classify(ev);
  return [
    registryPath(ev.doc),
    regData(ev.doc),
    str(ev.doc, 'registry.data.bytes'),
    str(ev.doc, 'process.entity_id'),
    channelOf(ev.doc),
    eventIdOf(ev.doc),
    sourceLabel(ev.doc),
    evidenceOf(ev),
    evidenceOf(ev, 'TaskCache Tree\\…\\Id'),
    c?.kind,
    c?.eventId,
    c?.clock,
    ev.timestamp,
    ev.host,
  ];
}

test('a kept TaskCache write reads the same to enrichment as the whole event, in every form', () => {
  for (const [form, events] of taskCacheWrites()) {
    assert.ok(events.length >= 10, `${form}: the scenarios write TaskCache values (${events.length})`);
    let withBytes = 0;
    for (const ev of events) {
      const kept = projectForContext(ev, 'taskcache');
      assert.deepEqual(readings(kept), readings(ev), `${form} ${evidenceOf(ev)}`);
      assert.ok(JSON.stringify(kept.doc).length < JSON.stringify(ev.doc).length, `${form}: the projection is smaller`);
      if (str(ev.doc, 'registry.data.bytes') !== undefined) withBytes++;
    }
    if (form === 'defend') assert.ok(withBytes > 0, 'Defend writes carry the Actions bytes');
  }
});

test("the match's own TaskCache write is not part of the kept context it is compared with", () => {
  const writes = taskCacheWrites().get('sysmon')!;
  const host = writes[0]!.host;
  const onHost = writes.filter((e) => e.host === host);
  assert.ok(onHost.length >= 2, 'several writes on one host');
  const window = new ContextWindow({ retentionMs: 3600_000, maxPerHost: 1000 });
  for (const e of onHost) window.observe(e);
  const own = onHost[onHost.length - 1]!;
  const cor = new Correlation([own], host, window);
  assert.equal(cor.pool.length, onHost.length - 1);
  assert.ok(cor.pool.every((c) => c.ev.origin !== own.origin));
  // The others are kept as projections, and read as they were written.
  assert.deepEqual(cor.pool.map((c) => registryPath(c.ev.doc)), onHost.slice(0, -1).map((e) => registryPath(e.doc)));
});
