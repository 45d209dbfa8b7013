import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoverageTracker, formatCoverage, stageTexts, topLevelAnd } from '../../src/engine/coverage.js';
import { hunt } from '../../src/engine/index.js';
import type { InputItem } from '../../src/formats/types.js';
import { normalize } from '../../src/normalize/index.js';
import type { NormalizedEvent } from '../../src/normalize/types.js';
import { loadRules } from '../../src/rules/index.js';
import type { LoadedRule } from '../../src/rules/types.js';
import { simulate } from '../../src/simulate/index.js';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';

const FLAGSHIP = 'Remote Scheduled Task Creation';
const RPC = 'Remote Scheduled Task Creation via RPC (Security log)';

async function builtin(): Promise<LoadedRule[]> {
  const { rules, problems } = await loadRules({ builtin: true });
  assert.deepEqual(problems, []);
  return rules;
}

function events(id: string, shape: 'windows' | 'defend', opts = {}): NormalizedEvent[] {
  const t = simulate(id, opts);
  const items: InputItem[] = shape === 'windows' ? t.windows.map((event, i) => ({ kind: 'windows', event, origin: { file: id, record: i } })) : t.defend.map((doc, i) => ({ kind: 'document', doc: structuredClone(doc), origin: { file: id, line: i + 1 } }));
  return items.flatMap((item) => {
    const r = normalize(item);
    return r.ok ? [r.event] : [];
  });
}

test('stage texts and top-level clauses are split outside strings and parentheses', () => {
  const q = 'sequence by host.id [network where a == "x]y" and (b or c)] [registry where d : "e and f"]';
  assert.deepEqual(stageTexts(q, 'sequence'), ['network where a == "x]y" and (b or c)', 'registry where d : "e and f"']);
  assert.deepEqual(topLevelAnd('a == "x and y" and (b or c) and d'), ['a == "x and y"', '(b or c)', 'd']);
  assert.deepEqual(topLevelAnd('a or b and c'), ['a or b and c']);
  assert.deepEqual(stageTexts('process where true | head 3', 'event'), ['process where true']);
});

test('per rule and host: a host with only the Security log is blind for the flagship, a Sysmon host is not', async () => {
  const rules = await builtin();
  const tracker = new CoverageTracker(rules);
  for (const e of events('schtasks-remote', 'windows', { host: 'SYSMON1.corp.test' })) tracker.observe(e);
  // A host whose collection keeps only the Security log.
  for (const e of events('schtasks-remote', 'windows', { host: 'SECONLY.corp.test' })) if ((e.doc.winlog as { channel?: string } | undefined)?.channel === 'Security') tracker.observe(e);
  const report = tracker.report();
  assert.deepEqual(report.hosts, ['seconly.corp.test', 'sysmon1.corp.test']);
  const flagship = report.rules.find((r) => r.name === FLAGSHIP)!;
  assert.deepEqual(flagship.blindHosts.map((b) => b.host), ['seconly.corp.test']);
  const sysmonHost = flagship.hosts.find((h) => h.host === 'sysmon1.corp.test')!;
  assert.equal(sysmonHost.blind, false);
  assert.ok(sysmonHost.stages.every((s) => s.matchingEvents > 0), 'both stages matched on the Sysmon host');
  const rpc = report.rules.find((r) => r.name === RPC)!;
  assert.deepEqual(rpc.blindHosts, [], 'the Security-log companion sees both hosts');
  const text = formatCoverage(report);
  assert.match(text, /Remote Scheduled Task Creation: blind on 1 of 2 hosts, not blind on 1/);
  // Security 5156 gives it svchost network events; what it lacks is registry telemetry.
  assert.match(text, /no registry events on 1 of 2 hosts \(seconly\.corp\.test\): the rule is blind there/);
});

test('Defend-only data: the Security-log companions are blind, the flagship is not', async () => {
  const rules = await builtin();
  const tracker = new CoverageTracker(rules);
  for (const e of events('schtasks-remote', 'defend')) tracker.observe(e);
  const report = tracker.report();
  assert.equal(report.rules.find((r) => r.name === FLAGSHIP)!.blindHosts.length, 0);
  const rpc = report.rules.find((r) => r.name === RPC)!;
  assert.equal(rpc.blindHosts.length, 1);
  assert.equal(rpc.blindHosts[0]!.needs, 'Security log events');
});

test('the data source present but the kind never seen is "unconfirmed", not blind', async () => {
  const rules = await builtin();
  const tracker = new CoverageTracker(rules);
  // Sysmon network events exist, but none from svchost.exe (the Schedule service was quiet, or filtered out).
  for (const e of events('admin-intune', 'windows', { targets: 1, runs: 1 })) tracker.observe(e);
  const flagship = tracker.report().rules.find((r) => r.name === FLAGSHIP)!;
  assert.equal(flagship.blindHosts.length, 0);
  assert.equal(flagship.unconfirmedHosts.length, 1);
  assert.match(flagship.unconfirmedHosts[0]!.needs, /network events from svchost\.exe/);
  assert.match(formatCoverage(tracker.report()), /never seen \(filtered out, or quiet\)/);
});

test('no events: said plainly', async () => {
  assert.match(formatCoverage(new CoverageTracker(await builtin()).report()), /no events/);
});

test('shared datasets: the flagship is blind on the ATSVC capture (Security only) and not on otrf-schtask-create', { skip: skipWithoutShared('datasets', 'sbousseaden-atsvc-target') || skipWithoutShared('datasets', 'otrf-schtask-create') }, async () => {
  const rules = await builtin();
  const run = async (path: string) => {
    const tracker = new CoverageTracker(rules);
    await hunt({ inputs: [path], rules: [], onNormalized: (e) => tracker.observe(e) });
    return tracker.report();
  };
  const atsvc = await run(sharedPath('datasets', 'sbousseaden-atsvc-target', 'LM_ScheduledTask_ATSVC_target_host.evtx')!);
  assert.equal(atsvc.rules.find((r) => r.name === FLAGSHIP)!.blindHosts.length, 1);
  assert.equal(atsvc.rules.find((r) => r.name === 'Scheduled Task Created over the ATSVC Named Pipe')!.blindHosts.length, 0);
  const schtask = await run(sharedPath('datasets', 'otrf-schtask-create', 'schtask_create.zip')!);
  const flagship = schtask.rules.find((r) => r.name === FLAGSHIP)!;
  assert.equal(flagship.blindHosts.length, 0);
  const target = flagship.hosts.find((h) => h.host.startsWith('workstation6'))!;
  assert.ok(target.stages.every((s) => s.matchingEvents > 0));
});

test('verdicts mode: the same verdicts as exact counts, with counts that are lower bounds, zero exactly when zero', async () => {
  const rules = await builtin();
  const exact = new CoverageTracker(rules);
  const verdicts = new CoverageTracker(rules, 'verdicts');
  // Hosts that are blind, unconfirmed and not blind for different rules: Sysmon, Security only, Defend, and a
  // host whose svchost.exe was quiet.
  const all = [
    ...events('schtasks-remote', 'windows', { host: 'SYSMON1.corp.test', runs: 3 }),
    ...events('schtasks-remote', 'windows', { host: 'SECONLY.corp.test' }).filter((e) => (e.doc.winlog as { channel?: string } | undefined)?.channel === 'Security'),
    ...events('atexec', 'windows', { host: 'ATEXEC.corp.test' }),
    ...events('schtasks-remote', 'defend', { host: 'DEFEND1.corp.test', runs: 3 }),
    ...events('admin-intune', 'windows', { targets: 1, runs: 2 }),
  ];
  for (const e of all) {
    exact.observe(e);
    verdicts.observe(e);
  }
  const a = exact.report();
  const b = verdicts.report(true);
  // Without the per-host detail (the default in this mode), the same verdicts.
  const bare = verdicts.report();
  assert.deepEqual(bare.rules.map((r) => r.hosts), a.rules.map(() => []));
  assert.deepEqual(bare.rules.map((r) => [r.blindHosts, r.unconfirmedHosts]), a.rules.map((r) => [r.blindHosts, r.unconfirmedHosts]));
  assert.equal(a.detail, 'counts');
  assert.equal(b.detail, 'verdicts');
  assert.equal(formatCoverage(b), formatCoverage(a));
  assert.ok(a.hosts.length >= 5);
  let fewer = 0;
  for (const [r, rule] of a.rules.entries()) {
    const other = b.rules[r]!;
    assert.deepEqual(other.blindHosts, rule.blindHosts);
    assert.deepEqual(other.unconfirmedHosts, rule.unconfirmedHosts);
    for (const [h, host] of rule.hosts.entries()) {
      const o = other.hosts[h]!;
      assert.equal(o.blind, host.blind);
      assert.equal(o.unconfirmed, host.unconfirmed);
      for (const [s, st] of host.stages.entries()) {
        const v = o.stages[s]!;
        for (const k of ['categoryEvents', 'sourceEvents', 'relaxedEvents'] as const) {
          assert.ok(v[k] <= st[k], `${rule.name}, ${host.host}, stage ${s}: ${k} ${v[k]} is a lower bound of ${st[k]}`);
          assert.equal(v[k] === 0, st[k] === 0, `${rule.name}, ${host.host}, stage ${s}: ${k} zero exactly when zero`);
          if (v[k] < st[k]) fewer++;
        }
        assert.equal(v.matchingEvents, 0, 'the full condition is not tested');
      }
    }
  }
  // Work was skipped (the counts stopped once the verdict was settled), or the mode would cost as much.
  assert.ok(fewer > 0);
});
