import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadRules, loadRuleText } from '../../src/rules/index.js';
import type { LoadedRule } from '../../src/rules/types.js';
import { RULE, SCENARIOS, findScenario, simulate } from '../../src/simulate/index.js';
import { flagshipVerdictFromSource, formatMatrix, validateDatasets, validateScenarios } from '../../src/simulate/validate.js';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';

async function builtin(): Promise<LoadedRule[]> {
  const { rules, problems } = await loadRules({ builtin: true });
  assert.deepEqual(problems, []);
  return rules;
}

test('every scenario through every built-in rule: all as expected (the strategy\'s Validation section)', async () => {
  const rules = await builtin();
  const rows = await validateScenarios(rules);
  assert.equal(rows.length, SCENARIOS.length * 2);
  for (const r of rows) assert.ok(r.ok, `${r.id}/${r.telemetry}: ${r.cells.filter((c) => c.expected !== c.got).map((c) => `${c.rule} expected ${c.expected} got ${c.got}`).join('; ')}`);
  const cell = (id: string, telemetry: string, rule: string) => rows.find((r) => r.id === id && r.telemetry === telemetry)!.cells.find((c) => c.rule === rule)!.got;
  assert.equal(cell('schtasks-remote', 'windows', RULE.flagship), 1);
  assert.equal(cell('schtasks-remote', 'windows', RULE.rpc), 1);
  assert.equal(cell('schtasks-remote', 'defend', RULE.flagship), 1);
  assert.equal(cell('atexec', 'windows', RULE.atsvc), 1);
  assert.equal(cell('atexec', 'windows', RULE.flagship), 0);
  assert.equal(cell('cim-remote', 'windows', RULE.remoteMgmt), 1);
  assert.equal(cell('cim-remote', 'defend', RULE.remoteMgmt), 1);
  assert.equal(cell('schtasks-update', 'windows', RULE.update), 1);
  for (const id of ['near-loopback', 'near-egress', 'near-late', 'near-otherproc', 'schtasks-local', 'admin-intune']) {
    for (const telemetry of ['windows', 'defend']) assert.ok(rows.find((r) => r.id === id && r.telemetry === telemetry)!.cells.every((c) => c.got === 0), `${id}/${telemetry}: no alert`);
  }
  // The flagship and the Security-log companion name the same host, source and task: one incident.
  const incidents = rows.find((r) => r.id === 'schtasks-remote' && r.telemetry === 'windows')!.incidents;
  assert.equal(incidents.length, 2);
  const tail = (line: string) => line.slice(line.indexOf(': host ') + 2);
  assert.equal(tail(incidents[0]!), tail(incidents[1]!));
  assert.match(incidents[0]!, /host WKS-TARGET01\.corp\.example\.com, source 10\.20\.30\.15, .*task \\RemoteTaskTest/);
});

test('expectations are explicit per telemetry shape; a remote attack no rule sees in a shape says why', async () => {
  for (const s of SCENARIOS) {
    const expected = s.expected(simulate(s.id).options);
    assert.deepEqual(Object.keys(expected).sort(), ['defend', 'windows'], s.id);
    for (const shape of ['windows', 'defend'] as const) {
      const silent = Object.values(expected[shape]).every((n) => !n);
      if (s.kind === 'attack' && silent) assert.ok(s.quiet?.[shape], `${s.id}/${shape}: expects no alert, so it must say why`);
      if (!silent) assert.equal(s.quiet?.[shape], undefined, `${s.id}/${shape}: a reason for silence on a shape that fires`);
    }
  }
  const atexec = findScenario('atexec')!;
  assert.deepEqual(atexec.expected(simulate('atexec').options).defend, {});
  const rows = await validateScenarios(await builtin(), [atexec]);
  const defend = rows.find((r) => r.telemetry === 'defend')!;
  assert.ok(defend.ok && defend.cells.every((c) => c.expected === 0 && c.got === 0));
  assert.match(defend.note ?? '', /no TCP connection reaches the Task Scheduler svchost/);
  const text = formatMatrix(rows, await builtin());
  assert.match(text, /atexec\s+attack\s+defend .*pass\n\s+· no rule fires: /);
  assert.match(text, /Telemetry: windows = Sysmon \+ Security \+ Task Scheduler logs \(--format xml, evtx, winlogbeat\); defend = Elastic Defend \(--format defend\)/);
});

test('a broken rule makes its cells fail (the matrix is not a rubber stamp)', async () => {
  const rules = await builtin();
  const flagship = rules.find((r) => r.rule.name === RULE.flagship)!;
  const text = readFileSync(flagship.rule.source.replace('builtin:', 'rules/builtin/'), 'utf8').replace('maxspan = 1m', 'maxspan = 1ms');
  const broken = loadRuleText(text, 'broken.toml').rule!;
  const rows = await validateScenarios([broken], [findScenario('schtasks-remote')!]);
  assert.equal(rows[0]!.ok, false);
  assert.deepEqual(rows[0]!.cells, [{ rule: RULE.flagship, expected: 1, got: 0 }]);
  const text2 = formatMatrix(rows, [broken]);
  assert.match(text2, /schtasks-remote\s+attack\s+windows\s+1\/0 ✗\s+FAIL/);
  assert.match(formatMatrix(rows, [broken], { markdown: true }), /^\| scenario \| kind \| telemetry \| Remote Scheduled Task Creation \| verdict \|/);
});

test('SOURCE.md verdicts are read from "Would the seed rule fire?"', () => {
  assert.equal(flagshipVerdictFromSource('# x\n## Would the seed rule fire?\n**No** (0 sequences)\n'), 0);
  assert.equal(flagshipVerdictFromSource('## Would the seed rule fire?\n- **Ordered by UtcTime**: Δ = 21 s → **fires (1 alert)**\n## Next'), 1);
  assert.equal(flagshipVerdictFromSource('no such section'), undefined);
});

test('the real captures give the verdicts their SOURCE.md files state', { skip: skipWithoutShared('datasets') }, async () => {
  const rules = await builtin();
  const rows = await validateDatasets(rules, sharedPath('datasets')!);
  const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
  for (const id of ['otrf-schtask-create', 'sbousseaden-atsvc-target', 'otrf-cmd-wevtutil-noise', 'otrf-covenant-wmi-nearmiss']) {
    if (!byId[id]) continue;
    assert.ok(byId[id]!.ok, `${id}: ${JSON.stringify(byId[id]!.cells)} ${byId[id]!.problems.join('; ')}`);
  }
  if (byId['otrf-schtask-create']) {
    const inc = byId['otrf-schtask-create'].incidents;
    assert.equal(inc.length, 2);
    for (const line of inc) assert.match(line, /host WORKSTATION6\.theshire\.local, source 172\.18\.39\.5, .*task \\Microsoft\\Windows\\SoftwareProtectionPlatform\\EventCacheManager/i);
  }
  if (byId['sbousseaden-atsvc-target']) assert.deepEqual(byId['sbousseaden-atsvc-target'].cells.filter((c) => c.got > 0).map((c) => c.rule), [RULE.atsvc]);
  for (const id of ['otrf-cmd-wevtutil-noise', 'otrf-covenant-wmi-nearmiss']) if (byId[id]) assert.ok(byId[id]!.cells.every((c) => c.got === 0), `${id}: no alert`);
});
