// Leaving out, before ordering, the events no rule stage and no enrichment can use (`relevantOnly`, the hunt's
// default) must never change an alert: the same alerts with and without it, on every simulated scenario, on all
// of them in one stream, and on the real captures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compileQuery } from '../../src/eql/index.js';
import { hunt } from '../../src/engine/hunt.js';
import { runRules } from '../../src/engine/run-rules.js';
import { normalize, type NormalizedEvent } from '../../src/normalize/index.js';
import { loadRules } from '../../src/rules/index.js';
import { SCENARIOS, simulate } from '../../src/simulate/index.js';
import type { Alert } from '../../src/alerts/index.js';
import type { InputItem } from '../../src/formats/index.js';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';

/** Alerts as comparable text, in a stable order (when an alert is released may differ; its content may not). */
function canonical(alerts: readonly Alert[]): string[] {
  return alerts.map((a) => JSON.stringify(a)).sort();
}

function scenarioEvents(id: string, prefix: string): NormalizedEvent[] {
  const t = simulate(id);
  const items: InputItem[] = [
    ...t.windows.map((event, i): InputItem => ({ kind: 'windows', event, origin: { file: `${prefix}${id}`, record: i } })),
    ...t.defend.map((doc, i): InputItem => ({ kind: 'document', doc: structuredClone(doc), origin: { file: `${prefix}${id}:defend`, line: i + 1 } })),
  ];
  const out: NormalizedEvent[] = [];
  for (const item of items) {
    const r = normalize(item);
    if (r.ok) out.push(r.event);
  }
  return out;
}

test('every scenario, and all of them in one stream: the same alerts with unusable events left out', async () => {
  const { rules } = await loadRules();
  const all: NormalizedEvent[] = [];
  for (const s of SCENARIOS) {
    const events = scenarioEvents(s.id, 'sim:');
    all.push(...events);
    const full = await runRules(rules, events, { collect: true });
    const lean = await runRules(rules, events, { collect: true, relevantOnly: true });
    assert.deepEqual(canonical(lean.alerts), canonical(full.alerts), s.id);
    assert.equal(lean.events + lean.unused, full.events, s.id);
  }
  const full = await runRules(rules, all, { collect: true });
  const lean = await runRules(rules, all, { collect: true, relevantOnly: true });
  assert.ok(full.alerts.length > 10, 'the scenarios raise alerts');
  assert.ok(lean.unused > 0 && lean.events < full.events, 'some events are left out');
  assert.deepEqual(canonical(lean.alerts), canonical(full.alerts));
});

test('an event that only ends a sequence (until) or only fills a missing-event stage is kept', async () => {
  const until = compileQuery('sequence by host.id [process where process.name : "a.exe"] [process where process.name : "b.exe"] until [process where process.name : "stop.exe"]');
  const stop = { event: { category: 'process' }, host: { id: 'h' }, process: { name: 'STOP.exe' } };
  assert.equal(until.matches(stop), false, 'not a stage of the sequence itself');
  assert.equal(until.mayUse(stop), true);
  assert.equal(until.mayUse({ event: { category: 'process' }, process: { name: 'other.exe' } }), false);
  const missing = compileQuery('sequence by host.id with maxspan=1m [process where process.name : "a.exe"] ![process where process.name : "b.exe"]');
  assert.equal(missing.mayUse({ event: { category: 'process' }, process: { name: 'b.exe' } }), true);
});

test('the real captures: the same alerts with unusable events left out', { skip: skipWithoutShared('datasets') }, async () => {
  const { rules } = await loadRules();
  const root = sharedPath('datasets')!;
  let total = 0;
  for (const name of readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)) {
    const run = async (relevantOnly: boolean) => {
      const alerts: Alert[] = [];
      const r = await hunt({ inputs: [join(root, name)], rules, relevantOnly, onAlert: (a) => alerts.push(a) });
      return { alerts, unused: r.run.unused };
    };
    const full = await run(false);
    const lean = await run(true);
    assert.deepEqual(canonical(lean.alerts), canonical(full.alerts), name);
    assert.ok(lean.unused > 0, `${name}: some events are left out`);
    total += full.alerts.length;
  }
  assert.ok(total > 0, 'the captures raise alerts');
});
