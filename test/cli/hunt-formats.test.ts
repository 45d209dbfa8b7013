// `seqhunt hunt` on the project's own telemetry in every input shape the simulator writes (Elastic Defend
// NDJSON, event XML, Winlogbeat JSON, one EVTX file per channel, gzip), and on its near misses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runCli } from '../helpers/cli.js';
import { builtinRulesDir } from '../../src/rules/index.js';
import { skipWithoutEql } from '../rules/eql-ready.js';
import { tempDir } from './hunt-fixtures.js';

const FLAGSHIP_ONLY = ['--no-builtin', '--rules', join(builtinRulesDir, 'remote_scheduled_task_creation.toml')];

async function simulate(scenario: string, format: string, output: string): Promise<void> {
  const r = await runCli(['simulate', scenario, '--format', format, '-o', output]);
  assert.equal(r.code, 0, `simulate ${scenario} --format ${format}: ${r.stderr}`);
}

async function huntAlerts(paths: string[]): Promise<{ alerts: Array<Record<string, unknown>>; stderr: string; code: number }> {
  const r = await runCli(['hunt', ...FLAGSHIP_ONLY, '--format', 'ndjson', ...paths]);
  const alerts = r.stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { alerts, stderr: r.stderr, code: r.code };
}

test('the strategy\'s validation scenario raises the flagship in every input format', { skip: skipWithoutEql }, async () => {
  const dir = tempDir();
  try {
    const inputs: Record<string, string> = {};
    for (const format of ['defend', 'xml', 'winlogbeat']) {
      inputs[format] = join(dir, `schtasks-remote.${format}`);
      await simulate('schtasks-remote', format, inputs[format]!);
    }
    // EVTX: one file per channel (Security, Sysmon, Task Scheduler), merged in event time by the hunt.
    inputs.evtx = join(dir, 'evtx') + '/';
    mkdirSync(inputs.evtx);
    await simulate('schtasks-remote', 'evtx', inputs.evtx);
    inputs.gzip = join(dir, 'defend.ndjson.gz');
    writeFileSync(inputs.gzip, gzipSync(readFileSync(inputs.defend!)));
    for (const [format, path] of Object.entries(inputs)) {
      const { alerts, stderr, code } = await huntAlerts([path]);
      assert.equal(code, 0, `${format}: ${stderr}`);
      assert.equal(alerts.length, 1, `${format}: ${stderr}`);
      const a = alerts[0]!;
      assert.equal(a['kibana.alert.rule.name'], 'Remote Scheduled Task Creation', format);
      assert.equal(a['source.ip'], '10.20.30.15', format);
      assert.match(String(a['host.name']), /^WKS-TARGET01/i, format);
      assert.equal((a['seqhunt.task'] as { name?: string } | undefined)?.name, '\\RemoteTaskTest', format);
      assert.doesNotMatch(stderr, /malformed/, format);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the strategy\'s near misses and local creation raise no flagship alert', { skip: skipWithoutEql }, async () => {
  const dir = tempDir();
  try {
    const paths: string[] = [];
    for (const scenario of ['near-loopback', 'near-lowport', 'near-egress', 'near-late', 'near-otherproc', 'schtasks-local']) {
      const path = join(dir, `${scenario}.xml`);
      await simulate(scenario, 'xml', path);
      paths.push(path);
    }
    for (const path of paths) {
      const { alerts, stderr, code } = await huntAlerts([path]);
      assert.equal(code, 0, stderr);
      assert.match(stderr, /[1-9]\d* events checked/);
      assert.equal(alerts.length, 0, `${path}: ${alerts.map((a) => a['kibana.alert.reason']).join('; ')}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
