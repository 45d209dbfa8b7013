// Sequence pruning (events that could only start a sequence whose next stage never comes are dropped when the
// sort merges) must never change an alert: random streams with and without it, in this thread and in workers,
// with runs spilled to disk; rules with `until` and missing-event stages are never pruned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hunt } from '../../src/engine/hunt.js';
import { SequencePruner, gateKeeper } from '../../src/engine/sequence-pruning.js';
import { loadRuleText, loadRules } from '../../src/rules/index.js';
import type { LoadedRule } from '../../src/rules/types.js';
import type { NormalizedEvent } from '../../src/normalize/types.js';
import type { Alert } from '../../src/alerts/index.js';
import { Rng } from '../../src/simulate/random.js';
import { networkDoc, registryDoc } from '../cli/hunt-fixtures.js';

const ev = (doc: Record<string, unknown>): NormalizedEvent => ({ doc, timestamp: Date.parse(String(doc['@timestamp'])), host: 'h', origin: { file: 't' } });

function userRule(name: string, query: string): LoadedRule {
  const text = `[metadata]\ncreation_date = "2026/11/28"\n\n[rule]\nrule_id = "${name}"\nname = "${name}"\ndescription = "test"\nrisk_score = 21\nseverity = "low"\ntype = "eql"\nlanguage = "eql"\nquery = '''\n${query}\n'''\n`;
  const r = loadRuleText(text, `${name}.toml`);
  assert.ok(r.rule, JSON.stringify(r.problems));
  return r.rule;
}

test('a first-stage event is gated by its keys; a second-stage event records them; others pass or are unusable', async () => {
  const { rules } = await loadRules();
  const flagship = rules.findIndex((r) => r.rule.name === 'Remote Scheduled Task Creation');
  const pruner = new SequencePruner(rules);
  const net = pruner.examine(ev(networkDoc('2020-12-19T12:00:01Z', { entity: '{e1}' })));
  assert.equal(typeof net, 'string');
  assert.notEqual(net, '', 'an inbound connection alone can only start the flagship');
  const keep = gateKeeper(pruner.keys);
  assert.equal(keep(net as string), false, 'no Actions write of that process yet');
  // A TaskCache write is enrichment context: never gated.
  assert.equal(pruner.examine(ev(registryDoc('2020-12-19T12:00:05Z', { entity: '{e1}' }))), '');
  assert.ok(pruner.keys[flagship]!.size > 0);
  assert.equal(keep(net as string), true, 'the Actions write of the same process came');
  const other = pruner.examine(ev(networkDoc('2020-12-19T12:00:01Z', { entity: '{e2}' })));
  assert.equal(keep(other as string), false, 'another process: still useless');
  assert.equal(pruner.examine(ev({ '@timestamp': '2020-12-19T12:00:00Z', event: { category: ['file'] }, file: { path: 'x' } })), false);
});

test('rules with until or missing-event stages are never pruned', () => {
  const until = userRule('u', 'sequence by host.id [process where process.name : "a.exe"] [process where process.name : "b.exe"] until [process where process.name : "c.exe"]');
  const missing = userRule('m', 'sequence by host.id with maxspan=1m [process where process.name : "a.exe"] ![process where process.name : "b.exe"]');
  const pruner = new SequencePruner([until, missing]);
  const a = { '@timestamp': '2020-12-19T12:00:00Z', event: { category: ['process'] }, host: { id: 'h' }, process: { name: 'a.exe' } };
  assert.equal(pruner.examine(ev(a)), '', 'kept without a gate');
});

/** A random stream over few hosts and processes: many first-stage events, few second-stage ones, noise. */
function randomStream(seed: number, count: number): string {
  const r = new Rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r.next() * xs.length)]!;
  const hosts = ['h1', 'h2', 'h3'];
  const entities = ['{p1}', '{p2}', '{p3}', '{p4}', '{p5}', '{p6}'];
  const start = Date.parse('2020-12-19T12:00:00Z');
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const iso = new Date(start + Math.floor(r.next() * 20 * 60_000)).toISOString();
    const host = { id: pick(hosts), name: 'ws', os: { type: 'windows' } };
    const entity = pick(entities);
    const x = r.next();
    let doc: Record<string, unknown>;
    if (x < 0.6) doc = { ...networkDoc(iso, { entity, id: `n${i}` }), host };
    else if (x < 0.68) doc = { ...registryDoc(iso, { entity, id: `r${i}` }), host };
    else if (x < 0.85) doc = { '@timestamp': iso, event: { category: ['process'], type: ['start'] }, host, process: { name: pick(['a.exe', 'b.exe', 'c.exe']), entity_id: entity } };
    else doc = { '@timestamp': iso, event: { category: ['file'] }, host, file: { path: `C:\\f${i}` } };
    lines.push(JSON.stringify(doc));
  }
  return lines.join('\n') + '\n';
}

test('random streams: the same alerts with pruning as without, in this thread and in workers, with runs on disk', async () => {
  const { rules: builtin } = await loadRules();
  const rules = [
    ...builtin,
    userRule('until', 'sequence by host.id, process.entity_id [process where process.name : "a.exe"] [process where process.name : "b.exe"] until [process where process.name : "c.exe"]'),
    userRule('runs', 'sequence by host.id with maxspan=2m [process where process.name : "a.exe"] with runs=2 [process where process.name : "b.exe"]'),
  ];
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-prune-'));
  try {
    let pruned = 0;
    let alerts = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const files = [0, 1].map((k) => {
        const path = join(dir, `s${seed}-${k}.ndjson`);
        writeFileSync(path, randomStream(seed * 10 + k, 400));
        return path;
      });
      const run = async (relevantOnly: boolean, workers: number) => {
        const out: Alert[] = [];
        const r = await hunt({ inputs: files, rules, relevantOnly, workers, sort: { maxBufferedEvents: 40 }, onAlert: (a) => out.push(a) });
        // Events that entered the sort but never reached the rules: those the gates dropped.
        return { alerts: out.map((a) => JSON.stringify(a)).sort(), gated: (r.run.sort?.events ?? 0) - r.run.events };
      };
      const full = await run(false, 0);
      for (const workers of [0, 2]) {
        const lean = await run(true, workers);
        assert.deepEqual(lean.alerts, full.alerts, `seed ${seed}, ${workers} workers`);
        pruned += lean.gated;
      }
      alerts += full.alerts.length;
    }
    assert.ok(alerts > 0, 'the streams raise alerts');
    assert.ok(pruned > 0, 'gates dropped events');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
