import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { parseExceptionText, Suppressor } from '../../src/tuning/index.js';
import { adminTooling, attacks } from '../tuning/corpus.js';
import { KIBANA_EXPORT } from '../tuning/kibana-sample.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-baseline-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const ndjson = (objects: unknown[]) => objects.map((o) => JSON.stringify(o)).join('\n') + '\n';

test('baseline learn reads past alerts (NDJSON and JSON array), writes a Kibana export, reports malformed lines', async (t) => {
  const dir = tempDir(t);
  const history = [...adminTooling('2026-03-01T00:00:00Z', 4, 7), ...attacks('2026-03-02T00:00:00Z')];
  const half = Math.floor(history.length / 2);
  const a = join(dir, 'alerts-1.ndjson');
  const b = join(dir, 'alerts-2.json');
  writeFileSync(a, ndjson(history.slice(0, half)).replace('\n', '\n{"kibana.alert.rule.rule_id": \n{"not":"an alert"}\n'));
  writeFileSync(b, JSON.stringify(history.slice(half), null, 2));
  const out = join(dir, 'baseline.ndjson');
  const r = await runCli(['baseline', 'learn', a, b, '-o', out, '--min-hosts', '5', '--min-days', '3']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, new RegExp(`alerts-1\\.ndjson:2: malformed JSON`));
  assert.match(r.stderr, /alerts-1\.ndjson:3: not an alert/);
  assert.match(r.stderr, new RegExp(`read ${history.length} alert\\(s\\); 3 recurring shape\\(s\\) proposed \\(thresholds: 5 hosts or 3 days\\)`));
  assert.match(r.stderr, /review with: seqhunt baseline show/);
  const text = readFileSync(out, 'utf8');
  const lines = text.trim().split('\n');
  assert.equal(lines.length, 1 + 3 + 1);
  assert.deepEqual(Object.keys(JSON.parse(lines[4]!)), [
    'exported_exception_list_count',
    'exported_exception_list_item_count',
    'missing_exception_list_item_count',
    'missing_exception_list_items',
    'missing_exception_lists',
    'missing_exception_lists_count',
  ]);
  const { lists, problems } = parseExceptionText(text, out);
  assert.deepEqual(problems, []);
  // The written list suppresses new admin runs, not the attacks.
  const s = new Suppressor(lists);
  for (const alert of adminTooling('2026-03-09T00:00:00Z', 1, 3, 9)) assert.equal(s.check(alert).length, 1);
  for (const alert of attacks('2026-03-09T00:00:00Z')) assert.deepEqual(s.check(alert), []);
});

test('baseline learn without -o writes the list to stdout; thresholds change what is proposed', async (t) => {
  const dir = tempDir(t);
  const a = join(dir, 'alerts.ndjson');
  writeFileSync(a, ndjson(adminTooling('2026-03-01T00:00:00Z', 4, 7)));
  const r = await runCli(['baseline', 'learn', a, '--min-hosts', '13', '--min-days', '5', '--list-id', 'my-baseline', '--expire-days', '30']);
  assert.equal(r.code, 0, r.stderr);
  const { lists } = parseExceptionText(r.stdout, 'stdout');
  assert.equal(lists[0]!.list.list_id, 'my-baseline');
  assert.equal(lists[0]!.items.length, 1);
  assert.ok(lists[0]!.items[0]!.expire_time);
  assert.match(r.stderr, /2 below the thresholds/);
});

test('baseline learn reads past alerts on stdin ("-"), and says so when stdin holds telemetry', async () => {
  const r = await runCli(['baseline', 'learn', '-'], ndjson(adminTooling('2026-03-01T00:00:00Z', 4, 7)));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(parseExceptionText(r.stdout, 'stdout').lists[0]!.items.length, 3);
  const telemetry = await runCli(['baseline', 'learn', '-'], '{"@timestamp":"2026-03-01T00:00:00Z","event":{"category":"network"}}\n');
  assert.equal(telemetry.code, 2);
  assert.match(telemetry.stderr, /-: stdin holds no alerts/);
});

test('baseline learn: usage errors and unreadable inputs exit 2 with a message', async (t) => {
  const dir = tempDir(t);
  const none = await runCli(['baseline', 'learn']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /give at least one file/);
  const bad = await runCli(['baseline', 'learn', join(dir, 'x'), '--min-hosts', 'many']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--min-hosts must be a positive whole number/);
  const good = join(dir, 'alerts.ndjson');
  writeFileSync(good, ndjson(adminTooling('2026-03-01T00:00:00Z', 1, 7)));
  const missing = await runCli(['baseline', 'learn', join(dir, 'nope.ndjson'), good]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope\.ndjson: cannot read: no such file or directory/);
  assert.match(missing.stderr, /read 22 alert\(s\)/);
});

test('baseline show prints items, conditions, evidence and expiry readably', async (t) => {
  const dir = tempDir(t);
  const a = join(dir, 'alerts.ndjson');
  writeFileSync(a, ndjson(adminTooling('2026-03-01T00:00:00Z', 4, 7)));
  const out = join(dir, 'baseline.ndjson');
  assert.equal((await runCli(['baseline', 'learn', a, '-o', out])).code, 0);
  const r = await runCli(['baseline', 'show', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /seqhunt baseline: recurring remote task creation \(list_id seqhunt-baseline-remote-task-creation, type detection/);
  assert.match(r.stdout, /3 item\(s\)/);
  assert.match(r.stdout, /source\.ip is "10\.0\.5\.20"\n\s+and source\.user\.name is "svc_sccm"/);
  assert.match(r.stdout, /and seqhunt\.task\.arguments matches "\/runtask \*"/);
  assert.match(r.stdout, /evidence: 48 alert\(s\) on \d+ host\(s\) over 4 day\(s\), first 2026-03-01T09:00:00\.000Z/);
  assert.match(r.stdout, /example: \\Microsoft\\Configuration Manager\\/);
});

test('baseline show reads a Kibana export: every entry type, expiry, comments; bad lines reported', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'kibana.ndjson');
  writeFileSync(file, KIBANA_EXPORT.replace('\n', '\n{oops\n') + JSON.stringify({ item_id: 'evil', list_id: 'remote-task-admin-tooling', type: 'simple', name: 'esc \u001b[31mred\u001b[0m', description: '', entries: [{ field: 'a', operator: 'included', type: 'exists' }] }) + '\n');
  const r = await runCli(['baseline', 'show', file, '--now', '2025-07-01T00:00:00Z']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /kibana\.ndjson:2: malformed JSON/);
  assert.match(r.stderr, /export summary says 4 item\(s\), the file holds 5/);
  assert.match(r.stdout, /source\.ip is "10\.0\.5\.0\/24"\n\s+and process\.name is one of "svchost\.exe", "ccmexec\.exe"/);
  assert.match(r.stdout, /registry\.data\.strings does not match "\*powershell\*"/);
  assert.match(r.stdout, /user\.name does not exist/);
  assert.match(r.stdout, /process\.Ext\.code_signature has one element where:\n\s+subject_name is "Contoso Ltd"/);
  assert.match(r.stdout, /source\.ip is in value list "jump-hosts\.txt"/);
  assert.match(r.stdout, /EXPIRED: 2025-06-01T00:00:00\.000Z \(no longer suppresses\)/);
  assert.match(r.stdout, /comment by elastic at 2025-03-04T10:15:01\.001Z:\n\s+SCCM site server, confirmed/);
  assert.ok(!r.stdout.includes('\u001b'), 'no raw escape sequence reaches the terminal');
  assert.match(r.stdout, /esc \\x1b\[31mred/);
});

test('baseline show: missing file and no arguments', async () => {
  const r = await runCli(['baseline', 'show', '/nonexistent/x.ndjson']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /x\.ndjson: cannot read exception list: no such file/);
  const none = await runCli(['baseline', 'show']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /give the exception list file/);
});

test('end to end on simulated telemetry: learn from Defend NDJSON, then hunt --exceptions suppresses the admin tooling only', async (t) => {
  const { simulate, renderSimulation } = await import('../../src/simulate/index.js');
  const dir = tempDir(t);
  const write = (name: string, id: string, options: Record<string, unknown>) => {
    const file = join(dir, `${name}.ndjson`);
    const [rendered] = renderSimulation(simulate(id, options) as never, 'defend');
    writeFileSync(file, rendered!.data);
    return file;
  };
  // Past: SCCM on 6 clients for 3 days, PDQ pushing to 6 hosts twice, and one attack.
  const past = [
    write('sccm', 'admin-sccm', { targets: 6, runs: 3, time: '2026-03-01T09:00:00Z' }),
    write('pdq', 'admin-pdq', { targets: 6, runs: 2, time: '2026-03-01T09:00:00Z' }),
    write('attack', 'schtasks-remote', { time: '2026-03-02T14:00:00Z' }),
  ];
  const baseline = join(dir, 'baseline.ndjson');
  const learned = await runCli(['baseline', 'learn', ...past, '-o', baseline]);
  assert.equal(learned.code, 0, learned.stderr);
  assert.match(learned.stderr, /read 31 alert\(s\) \(31 from \d+ telemetry event\(s\)\); 2 recurring shape\(s\) proposed/);

  // Later: the same tooling, plus an attack from the SCCM server as its account with another command.
  const later = [
    write('sccm-later', 'admin-sccm', { targets: 6, runs: 1, time: '2026-03-09T09:00:00Z', seed: 5 }),
    write('pdq-later', 'admin-pdq', { targets: 6, runs: 1, time: '2026-03-09T09:00:00Z', seed: 5 }),
    write('sccm-attack', 'schtasks-remote', { time: '2026-03-09T14:00:00Z', sourceIp: '10.20.5.10', user: 'CORP\\svc-sccm', host: 'WKS-0102.corp.example.com', command: 'powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0A' }),
  ];
  const hunted = await runCli(['hunt', ...later, '--exceptions', baseline, '--format', 'ndjson', '--show-suppressed']);
  assert.equal(hunted.code, 0, hunted.stderr);
  const alerts = hunted.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const shown = alerts.filter((a) => !(a.suppressed_by as unknown[] | undefined)?.length);
  const suppressed = alerts.filter((a) => (a.suppressed_by as unknown[] | undefined)?.length);
  assert.equal(suppressed.length, 12);
  assert.equal(shown.length, 1);
  assert.equal(shown[0]!['source.ip'], '10.20.5.10');
  assert.equal((shown[0]!['seqhunt.task'] as { command?: string }).command, 'powershell.exe');
  const factors = (shown[0]!['seqhunt.risk.factors'] as Array<{ factor: string }>).map((f) => f.factor);
  assert.ok(factors.includes('PowerShell with an encoded command'));
  assert.ok(factors.some((f) => /10\.20\.5\.10 is baselined/.test(f)));
  assert.match(hunted.stderr, /12 suppressed/);
});
