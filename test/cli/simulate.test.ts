import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeActions } from '../../src/simulate/index.js';
import { runCli } from '../helpers/cli.js';

test('simulate --list shows every scenario and what must fire, per telemetry shape', async () => {
  const { code, stdout } = await runCli(['simulate', '--list']);
  assert.equal(code, 0);
  assert.match(stdout, /^schtasks-remote\s+attack\s+schtasks \/create \/s/m);
  assert.match(stdout, /^schtasks-remote .*\n\s+windows \(--format xml, evtx, winlogbeat\): fires Remote Scheduled Task Creation ×1; Remote Scheduled Task Creation via RPC \(Security log\) ×1\n\s+defend \(--format defend\): fires Remote Scheduled Task Creation ×1$/m);
  // atexec is seen in the Windows logs only: the Defend shape says so, and why.
  assert.match(stdout, /^atexec .*\n\s+windows .*: fires .*ATSVC Named Pipe ×1.*\n\s+defend \(--format defend\): no rule fires: no TCP connection reaches the Task Scheduler svchost/m);
  assert.match(stdout, /^near-late\s+near-miss .*\n\s+windows .*: no rule fires\n\s+defend .*: no rule fires$/m);
});

test('simulate writes Defend NDJSON to stdout, with the options applied', async () => {
  const { code, stdout, stderr } = await runCli(['simulate', 'schtasks-remote', '--host', 'SRV9.lab.test', '--source-ip', '192.0.2.44', '--command', 'powershell.exe -enc AAAA', '--time', '2025-05-05T05:05:05Z', '--seed', '42']);
  assert.equal(code, 0, stderr);
  const docs = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
  assert.ok(docs.length > 5);
  assert.ok(docs.every((d) => d.host.name === 'SRV9'));
  assert.ok(docs[0]['@timestamp'].startsWith('2025-05-05T05:05:05'));
  const net = docs.find((d) => d.event.action === 'connection_accepted' && d.destination.port >= 49152)!;
  assert.equal(net.source.ip, '192.0.2.44');
  const actions = docs.find((d) => d.registry?.value === 'Actions')!;
  assert.deepEqual(decodeActions(Buffer.from(actions.registry.data.bytes, 'base64')).actions[0], { command: 'powershell.exe', arguments: '-enc AAAA', workingDirectory: '' });
});

test('simulate --format evtx -o DIR/ writes one file per channel; -o FILE one file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-cli-sim-'));
  try {
    const split = await runCli(['simulate', 'atexec', '--format', 'evtx', '-o', join(dir, 'logs') + '/']);
    assert.equal(split.code, 0, split.stderr);
    assert.deepEqual(readdirSync(join(dir, 'logs')).sort(), ['Microsoft-Windows-Sysmon%4Operational.evtx', 'Microsoft-Windows-TaskScheduler%4Operational.evtx', 'Security.evtx']);
    const one = await runCli(['simulate', 'atexec', '--format', 'evtx', '-o', join(dir, 'all.evtx')]);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(readFileSync(join(dir, 'all.evtx')).subarray(0, 8).toString('latin1'), 'ElfFile\0');
    const xml = await runCli(['simulate', 'cim-remote', '--format', 'xml', '-o', join(dir, 'cim.xml')]);
    assert.equal(xml.code, 0);
    assert.match(readFileSync(join(dir, 'cim.xml'), 'utf8'), /<Data Name="Image">C:\\Windows\\System32\\wsmprovhost\.exe<\/Data>/);
    const wlb = await runCli(['simulate', 'near-late', '--format', 'winlogbeat', '-o', join(dir, 'late.ndjson')]);
    assert.equal(wlb.code, 0);
    assert.ok(existsSync(join(dir, 'late.ndjson')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('simulate: usage errors exit 2 with a message, never a stack', async () => {
  for (const [args, message] of [
    [['simulate'], /name a scenario/],
    [['simulate', 'nope'], /unknown scenario 'nope' \(known: schtasks-remote/],
    [['simulate', 'atexec', '--format', 'pcap'], /--format: expected one of defend, xml, evtx, winlogbeat/],
    [['simulate', 'atexec', '--time', 'yesterday'], /--time: not an ISO 8601 time/],
    [['simulate', 'atexec', '--seed', '3x'], /--seed: expected an integer/],
    [['simulate', 'atexec', '--source-ip', 'not-an-ip'], /--source-ip: not an IP address/],
    [['simulate', 'atexec', '--source-ip', '999.1.1.1'], /--source-ip: not an IP address \(IPv4 or IPv6\): "999\.1\.1\.1"/],
    [['simulate', 'atexec', '--target-ip', '10.0.0'], /--target-ip: not an IP address/],
    [['simulate', 'atexec', '--source-ip', '2001:db8::1::2'], /--source-ip: not an IP address/],
    [['simulate', 'atexec', '--source-ip', ':::'], /--source-ip: not an IP address/],
    [['simulate', 'atexec', '--host', ''], /--host: must not be empty/],
    [['simulate', 'atexec', '--host', 'a b<c>'], /--host: not a computer name/],
    [['simulate', 'atexec', '--user', 'EVIL\\'], /--user: expected DOMAIN\\user or user/],
    [['simulate', 'atexec', '--runs', '0'], /--runs: expected an integer ≥ 1/],
  ] as const) {
    const { code, stderr } = await runCli([...args]);
    assert.equal(code, 2, args.join(' '));
    assert.match(stderr, message);
    assert.doesNotMatch(stderr, /\n\s+at /);
  }
});

test('simulate: hostile task names and command lines are escaped in every format and still read back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-cli-sim-'));
  try {
    const task = '<x&y>"\'\\ü';
    const command = '"C:\\Program Files\\a b\\c.exe" --x="<&>"';
    for (const format of ['xml', 'evtx', 'winlogbeat', 'defend']) {
      const out = join(dir, `h.${format}`);
      const sim = await runCli(['simulate', 'schtasks-remote', '--format', format, '--task', task, '--command', command, '-o', out]);
      assert.equal(sim.code, 0, sim.stderr);
      const hunt = await runCli(['hunt', '--format', 'ndjson', out]);
      assert.equal(hunt.code, 0, hunt.stderr);
      const alerts = hunt.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
      const flagship = alerts.find((a) => a['kibana.alert.rule.name'] === 'Remote Scheduled Task Creation');
      assert.ok(flagship, `${format}: the flagship fires`);
      assert.equal(flagship['seqhunt.task']?.arguments, '--x="<&>"', `${format}: the command survives`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('simulate: an unwritable output is reported with its path', async () => {
  const { code, stderr } = await runCli(['simulate', 'atexec', '-o', '/nonexistent-dir/x/y.ndjson']);
  assert.equal(code, 2);
  assert.match(stderr, /cannot write \/nonexistent-dir\/x\/y\.ndjson/);
});
