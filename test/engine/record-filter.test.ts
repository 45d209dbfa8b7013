// The EVTX record filter built from the rules (src/engine/record-filter.ts) must never change a result: the same
// alerts (ids, rules, matched events, enrichment) with and without it on the shared datasets, the EVTX corpus, the
// simulator's EVTX and EVTX written here with odd provider/channel pairs; coverage keeps every record (its report
// lists every host and counts every event, which a filter seeing only provider and EventID cannot preserve). Unit cases
// pin what is kept, and guard tests tie the filter to the normalizer's tables and to enrichment's `classify`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Alert } from '../../src/alerts/index.js';
import { classify } from '../../src/alerts/context-events.js';
import { CONTEXT_EVENT_IDS, CoverageTracker, hunt, recordFilterForRules, type CoverageReport, type RecordFilter } from '../../src/engine/index.js';
import { newEvtxStats, writeEvtxFile } from '../../src/formats/evtx/index.js';
import type { WinEvent } from '../../src/formats/types.js';
import { FAMILY_CHANNELS, normalize, recordCategories, windowsFamily } from '../../src/normalize/index.js';
import { compileRule, loadRules } from '../../src/rules/index.js';
import type { LoadedRule } from '../../src/rules/types.js';
import { SCENARIOS, renderSimulation, simulate } from '../../src/simulate/index.js';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';

const { rules: BUILTIN } = await loadRules();

function userRule(query: string, n = 0): LoadedRule {
  const base = BUILTIN[0]!.rule;
  const r = compileRule({ ...base, ruleId: `user-${n}`, name: `user rule ${n}`, query, exceptionLists: [], examples: undefined, source: 'test' });
  if ('problem' in r) throw new Error(r.problem.message);
  return r;
}

/** The built-in rules plus user rules on the categories the built-ins leave out (so the filter keeps more). */
const WITH_USER_RULES: LoadedRule[] = [
  ...BUILTIN,
  userRule('process where process.name : ("cmd.exe", "powershell.exe", "schtasks.exe")', 1),
  userRule('sequence by host.id with maxspan=5m [authentication where event.code == "4625"] [authentication where event.code == "4624"]', 2),
  userRule('any where event.code in ("7045", "4697") or event.category == "driver"', 3),
];

const canonical = (alerts: readonly Alert[]) => alerts.map((a) => JSON.stringify(a)).sort();

interface Run {
  alerts: string[];
  coverage: CoverageReport;
  records: number;
  skipped: number;
}

async function run(inputs: string[], rules: readonly LoadedRule[], filter: RecordFilter | undefined): Promise<Run> {
  const tracker = new CoverageTracker(rules);
  const evtxStats = newEvtxStats();
  const r = await hunt({
    inputs,
    rules,
    collect: true,
    inputOptions: { evtxStats, ...(filter && { filter }) },
    // Coverage sees every normalized event (as the CLI feeds it), not only those the rules keep.
    onNormalized: (e) => tracker.observe(e),
  });
  assert.deepEqual(r.inputErrors, []);
  return { alerts: canonical([...r.run.alerts, ...r.run.suppressed]), coverage: tracker.report(), records: r.records, skipped: evtxStats.skipped };
}

/** Hunts with and without the filter for each rule set; asserts equal alerts. Returns records skipped. */
async function differential(inputs: string[], label: string, ruleSets = [BUILTIN, WITH_USER_RULES]): Promise<number> {
  let skipped = 0;
  for (const rules of ruleSets) {
    const filter = recordFilterForRules(rules, { coverage: false });
    assert.ok(filter, 'the built-in rules (any stages included) can filter');
    const full = await run(inputs, rules, undefined);
    const lean = await run(inputs, rules, filter);
    assert.deepEqual(lean.alerts, full.alerts, `${label}: same alerts with the filter`);
    // Coverage keeps every record (hosts and per-host event counts need them): the same report by construction.
    assert.equal(recordFilterForRules(rules, { coverage: true }), undefined);
    skipped += lean.skipped;
  }
  return skipped;
}

// ---- differential ------------------------------------------------------------------------------------------------

for (const name of sharedPath('datasets') ? readdirSync(sharedPath('datasets')!).filter((n) => !n.includes('.')) : []) {
  test(`dataset ${name}: the same alerts with the record filter`, async () => {
    const dir = sharedPath('datasets', name)!;
    // The filter reaches EVTX only: JSON datasets (OTRF zips) are run with the built-in rules alone, to stay quick.
    const evtx = readdirSync(dir).some((f) => f.endsWith('.evtx'));
    await differential([dir], name, evtx ? undefined : [BUILTIN]);
  });
}
test('shared datasets present', { skip: skipWithoutShared('datasets') }, () => {});

test('the EVTX corpus: the same alerts with the record filter, and most records skipped', { skip: skipWithoutShared('evtx-corpus') }, async () => {
  const skipped = await differential([sharedPath('evtx-corpus')!], 'evtx-corpus');
  assert.ok(skipped > 10_000, `records skipped: ${skipped}`);
});

test('every simulated scenario written as EVTX (one file per channel): the same alerts with the record filter', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-rf-sim-'));
  try {
    for (const s of SCENARIOS) {
      for (const f of renderSimulation(simulate(s.id), 'evtx', true)) writeFileSync(join(dir, `${s.id}-${f.name}`), f.data);
    }
    const full = await run([dir], BUILTIN, undefined);
    assert.ok(full.alerts.length > 10, 'the scenarios raise alerts');
    await differential([dir], 'sim:all');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Records of every family in odd places: any provider in the Sysmon channel, Sysmon elsewhere, Eventlog in Security. */
function oddEvents(): WinEvent[] {
  const events: WinEvent[] = [];
  const t0 = Date.UTC(2024, 5, 1, 10, 0, 0);
  const at = (i: number) => new Date(t0 + i * 1000).toISOString().replace('Z', '0000Z');
  const push = (provider: string, channel: string, eventId: number, eventData: Record<string, string>) =>
    events.push({ system: { provider, channel, eventId, computer: `odd-${events.length % 2}.corp`, timeCreated: at(events.length), recordId: events.length + 1 }, eventData });
  const proc = { Image: 'C:\\Windows\\System32\\cmd.exe', ParentImage: 'C:\\Windows\\System32\\svchost.exe', CommandLine: 'cmd.exe /c whoami', ProcessGuid: '{11111111-2222-3333-4444-555555555555}', UtcTime: '2024-06-01 10:00:00.000' };
  for (let round = 0; round < 3; round++) {
    push('Some-Vendor-Provider', 'Microsoft-Windows-Sysmon/Operational', 1, proc); // Sysmon-mapped by channel
    push('Microsoft-Windows-Sysmon', 'ForwardedEvents', 1, proc); // Sysmon-mapped by provider
    push('Microsoft-Windows-Sysmon', 'Microsoft-Windows-Sysmon/Operational', 22, { QueryName: 'example.org', Image: proc.Image });
    push('Microsoft-Windows-Eventlog', 'Security', 4625, { TargetUserName: 'bob', LogonType: '3', IpAddress: '10.0.0.7' });
    push('Microsoft-Windows-Security-Auditing', 'Security', 4625, { TargetUserName: 'bob', LogonType: '3', IpAddress: '10.0.0.7' });
    push('microsoft-windows-security-auditing', 'security', 4624, { TargetUserName: 'bob', LogonType: '3', IpAddress: '10.0.0.7', SubjectLogonId: '0x1' });
    push('Service Control Manager', 'System', 7045, { ServiceName: 'evil', ImagePath: 'C:\\evil.exe' });
    push('SERVICE CONTROL MANAGER', 'System', 7036, { param1: 'x' });
    push('Microsoft-Windows-TaskScheduler', 'Microsoft-Windows-TaskScheduler/Operational', 200, { TaskName: '\\t', ActionName: 'C:\\x.exe' });
    push('Microsoft-Windows-Kernel-General', 'System', 12, { x: '1' });
    push('Microsoft-Windows-Kernel-General', 'System', 6005, { x: '1' });
    push('Microsoft-Windows-PowerShell', 'Microsoft-Windows-PowerShell/Operational', 4104, { ScriptBlockText: 'whoami' });
    push('Microsoft-Windows-Security-Auditing', 'Security', 4688, { NewProcessName: 'C:\\Windows\\System32\\schtasks.exe', ParentProcessName: 'C:\\Windows\\System32\\svchost.exe' });
  }
  return events;
}

test('EVTX written here with odd provider/channel pairs: the same alerts, and only unusable records skipped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-rf-odd-'));
  try {
    await writeEvtxFile(join(dir, 'odd.evtx'), oddEvents());
    const skipped = await differential([dir], 'odd');
    const filter = recordFilterForRules(WITH_USER_RULES, { coverage: false })!;
    const stats = newEvtxStats();
    await hunt({ inputs: [dir], rules: WITH_USER_RULES, collect: true, inputOptions: { filter, evtxStats: stats } });
    // Kept: the process starts (both), DNS (a network event: the built-ins read network), 4624/4625 (user rule,
    // enrichment), 7045, 4688, TaskScheduler 200 (process), Kernel-General 12 (a Sysmon registry event if it were
    // in the Sysmon channel). Skipped: 7036, 6005, 4104.
    assert.equal(stats.skipped, 3 * 3);
    assert.ok(skipped > 0);
    const full = await run([dir], WITH_USER_RULES, undefined);
    assert.ok(full.alerts.some((a) => a.includes('"user rule 1"')), 'the process rule fires on the odd records');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('coverage needs every record: a filter that ignores coverage changes the report, so coverage gets none', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-rf-cov-'));
  try {
    await writeEvtxFile(join(dir, 'odd.evtx'), [
      ...oddEvents(),
      { system: { provider: 'Microsoft-Windows-Kernel-General', channel: 'System', eventId: 6005, computer: 'quiet-host', timeCreated: '2024-06-01T11:00:00.0000000Z', recordId: 999 }, eventData: {} },
    ]);
    const full = await run([dir], BUILTIN, undefined);
    const lean = await run([dir], BUILTIN, recordFilterForRules(BUILTIN, { coverage: false }));
    assert.ok(full.coverage.hosts.includes('quiet-host') && !lean.coverage.hosts.includes('quiet-host'));
    assert.notDeepEqual(lean.coverage, full.coverage);
    assert.equal(recordFilterForRules(BUILTIN, { coverage: true }), undefined);
    const same = await run([dir], BUILTIN, recordFilterForRules(BUILTIN, { coverage: true }));
    assert.deepEqual(same.coverage, full.coverage);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---- unit cases --------------------------------------------------------------------------------------------------

const SYSMON = 'Microsoft-Windows-Sysmon';
const SECURITY = 'Microsoft-Windows-Security-Auditing';

test('built-in rules: Sysmon 3 and 13 kept, unrelated providers dropped, 4624 kept for enrichment', () => {
  const f = recordFilterForRules(BUILTIN, { coverage: false })!;
  assert.equal(f(SYSMON, 3), true);
  assert.equal(f(SYSMON, 13), true);
  assert.equal(f('microsoft-windows-sysmon', 13), true, 'provider names compare case-insensitively');
  assert.equal(f(SYSMON, 22), true, 'DNS events are network events, and the flagship reads network events');
  assert.equal(f(SYSMON, 11), false, 'file creation: no built-in stage reads Sysmon file events');
  assert.equal(f(SECURITY, 4624), true);
  assert.equal(f(SECURITY, 4625), false);
  assert.equal(f('Microsoft-Windows-PowerShell', 4104), false);
  assert.equal(f('Microsoft-Windows-Kernel-General', 6005), false);
  assert.equal(f(SECURITY, Number.NaN), true, 'an unreadable EventID is decoded');
});

test('a user rule on process keeps Sysmon 1 and Security 4688; DNS kept once a rule reads network', () => {
  const f = recordFilterForRules([userRule('process where process.name : "cmd.exe"')], { coverage: false })!;
  assert.equal(f(SYSMON, 1), true);
  assert.equal(f(SECURITY, 4688), true);
  assert.equal(f(SYSMON, 22), false);
  assert.equal(f(SYSMON, 7), true, 'image loads are process events');
  assert.equal(f('Microsoft-Windows-TaskScheduler', 200), true, 'task action started is a process event');
  assert.equal(f('Other-Provider', 5), true, 'event 5 of any provider may be Sysmon process end in the Sysmon channel');
  const reg = recordFilterForRules([userRule('registry where registry.value : "Actions"')], { coverage: false })!;
  assert.equal(reg(SYSMON, 22), false, 'no rule uses DNS (network) events and coverage is off');
  assert.equal(reg(SYSMON, 3), false);
  assert.equal(reg(SYSMON, 13), true);
  assert.equal(reg(SECURITY, 4624), true, 'enrichment reads logons');
  const net = recordFilterForRules([userRule('network where destination.port == 53')], { coverage: false })!;
  assert.equal(net(SYSMON, 22), true);
  assert.equal(net(SECURITY, 5156), true);
});

test('an any stage with nothing to go on means no filter; one implying codes or categories filters', () => {
  assert.equal(recordFilterForRules([userRule('any where process.name : "cmd.exe"')], { coverage: false }), undefined);
  assert.equal(recordFilterForRules([userRule('sequence [process where true] [any where true]')], { coverage: false }), undefined);
  assert.equal(recordFilterForRules([userRule('any where event.code : "46*"')], { coverage: false }), undefined, 'wildcards are not read');
  assert.equal(recordFilterForRules([userRule('any where event.code == "4624" or process.name : "x"')], { coverage: false }), undefined);
  assert.equal(recordFilterForRules([userRule('any where not event.code == "4624"')], { coverage: false }), undefined);
  const f = recordFilterForRules([userRule('any where event.code == "4625" or (event.category == "driver" and process.name : "x")')], { coverage: false })!;
  assert.equal(f('Anything', 4625), true);
  assert.equal(f(SYSMON, 6), true, 'Sysmon 6 is a driver event');
  assert.equal(f(SYSMON, 22), false);
  assert.equal(recordFilterForRules([], { coverage: false })!(SYSMON, 22), false, 'no rules: only enrichment');
  assert.equal(recordFilterForRules(BUILTIN, { coverage: true }), undefined);
});

// ---- guards against drift ----------------------------------------------------------------------------------------

const PROVIDERS = [SYSMON, SECURITY, 'Microsoft-Windows-Eventlog', 'Microsoft-Windows-TaskScheduler', 'Service Control Manager', 'Some-Vendor'];
const CHANNELS = ['Microsoft-Windows-Sysmon/Operational', 'Security', 'System', 'Microsoft-Windows-TaskScheduler/Operational', 'Application', ''];

test('windowsFamily tells channels apart only by the names FAMILY_CHANNELS lists', () => {
  for (const p of PROVIDERS) {
    const possible = new Set(FAMILY_CHANNELS.map((c) => windowsFamily(p, c)));
    for (const c of [...CHANNELS, 'ForwardedEvents', 'SECURITY', 'microsoft-windows-sysmon/operational']) assert.ok(possible.has(windowsFamily(p, c)), `${p} in ${c}`);
  }
});

/** A record with the data every mapper and `classify` look at, for any provider, channel and id. */
function richEvent(provider: string, channel: string, eventId: number): WinEvent {
  return {
    system: { provider, channel, eventId, computer: 'h', timeCreated: '2024-06-01T10:00:00.0000000Z', recordId: 1 },
    eventData: {
      UtcTime: '2024-06-01 10:00:00.000', Image: 'C:\\x.exe', ParentImage: 'C:\\Windows\\System32\\svchost.exe',
      ParentProcessName: 'C:\\Windows\\System32\\svchost.exe', TargetObject: 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tree\\t',
      LogonType: '3', ShareName: '\\\\*\\ADMIN$', TaskName: '\\t',
    },
  };
}

test('every category the normalizer gives is one recordCategories foresaw, and every event classify uses is kept', () => {
  const none = recordFilterForRules([], { coverage: false })!;
  for (const provider of PROVIDERS) {
    for (const channel of CHANNELS) {
      for (let id = 0; id <= 8000; id++) {
        const r = normalize({ kind: 'windows', event: richEvent(provider, channel, id), origin: { file: 'x' } });
        assert.ok(r.ok);
        const cat = (r.event.doc.event as { category?: string[] }).category ?? [];
        const foreseen = recordCategories(provider, id);
        for (const c of cat) if (!foreseen.includes(c)) assert.fail(`${provider} ${channel} ${id}: ${c} not foreseen`);
        const c = classify(r.event);
        if (!c || none(provider, id)) continue;
        // The one assumption: only Sysmon registry events (12-14) carry TargetObject, so a TaskCache path in the
        // data of another record outside the Sysmon channel (classify's 'other' branch) is not looked for.
        assert.ok(c.kind === 'taskcache' && !/sysmon|security|taskscheduler|system/i.test(channel), `${provider} ${channel} ${id}: enrichment uses it (${c.kind})`);
      }
    }
  }
  for (const id of CONTEXT_EVENT_IDS) assert.ok(none('Some-Vendor', id));
});
