import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { builtinRulesDir } from '../../src/rules/index.js';
import { skipWithoutEql } from '../rules/eql-ready.js';
import { ENTITY, HOST, ndjson, networkDoc, noiseDoc, registryDoc, tempDir, writeRemoteTaskFiles } from './hunt-fixtures.js';

const FLAGSHIP = 'Remote Scheduled Task Creation';
// The flagship alone, so these tests do not depend on the health of the other built-in rules.
const FLAGSHIP_ONLY = ['--no-builtin', '--rules', join(builtinRulesDir, 'remote_scheduled_task_creation.toml')];

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = tempDir();
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('usage errors exit 2 with a message on stderr and nothing on stdout', async () => {
  for (const args of [[], ['--format', 'xml', 'x.ndjson'], ['--lateness', 'soon', '-'], ['--from', 'yesterday', 'x'], ['--timezone', 'Mars/Olympus', 'x'], ['--bogus', 'x']]) {
    const r = await runCli(['hunt', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /seqhunt hunt: /);
  }
});

test('the summary says how many threads read the inputs', async () => {
  await withDir(async (dir) => {
    const { registry, network } = writeRemoteTaskFiles(dir);
    const two = await runCli(['hunt', '--no-builtin', '--workers', '2', registry, network]);
    assert.match(two.stderr, /2 inputs, 4 records, 4 events checked in [\d.]+ s on 2 threads\n/);
    const one = await runCli(['hunt', '--no-builtin', '--workers', '1', registry, network]);
    assert.match(one.stderr, /4 events checked in [\d.]+ s\n/);
  });
});

test('counts in the summary have thousands separators', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'noise.ndjson');
    writeFileSync(path, ndjson(Array.from({ length: 12_345 }, (_, i) => noiseDoc(new Date(Date.UTC(2026, 0, 5, 8) + i * 1000).toISOString(), i))));
    const r = await runCli(['hunt', '--no-builtin', '--prefilter', 'off', path]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /1 input, 12,345 records, 12,345 events checked/);
  });
});

test('malformed lines are reported with file and line, the rest is read, and the hunt exits 0', async () => {
  await withDir(async (dir) => {
    const { registry, network } = writeRemoteTaskFiles(dir);
    const r = await runCli(['hunt', '--no-builtin', registry, network]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /2 inputs, 4 records, 4 events checked/);
    assert.match(r.stderr, /malformed records: 1 \(.*registry\.ndjson: 1\)/);
    assert.ok(r.stderr.includes(`${registry}:3`), r.stderr);
    assert.match(r.stderr, /^alerts: 0$/m);
  });
});

test('an output file that cannot be written is refused before the hunt runs', async () => {
  await withDir(async (dir) => {
    const { network } = writeRemoteTaskFiles(dir);
    const r = await runCli(['hunt', '--no-builtin', '-o', join(dir, 'no', 'such', 'dir', 'alerts.json'), network]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot write .*alerts\.json: ENOENT/);
    assert.doesNotMatch(r.stderr, /events checked/);
  });
});

test('an unreadable input is reported and exits 2 after the other inputs were read', async () => {
  await withDir(async (dir) => {
    const { network } = writeRemoteTaskFiles(dir);
    const missing = join(dir, 'missing.evtx');
    const r = await runCli(['hunt', '--no-builtin', missing, network]);
    assert.equal(r.code, 2);
    assert.ok(r.stderr.includes(`unreadable input: ${missing}`), r.stderr);
    assert.match(r.stderr, /1 record, 1 event checked/);
  });
});

test('a broken rule file is reported with its line and exits 2, while the built-in rules still run', { skip: skipWithoutEql }, async () => {
  await withDir(async (dir) => {
    const { registry, network } = writeRemoteTaskFiles(dir);
    const bad = join(dir, 'bad.toml');
    writeFileSync(bad, '[rule]\nrule_id = "x"\nname = "Bad"\ndescription = "d"\ntype = "eql"\nlanguage = "eql"\nrisk_score = 10\nseverity = "low"\nquery = "process where"\n');
    const r = await runCli(['hunt', '--rules', bad, '--format', 'ndjson', registry, network]);
    assert.equal(r.code, 2);
    assert.ok(r.stderr.includes(`${bad}:9: rule.query: EQL error in rule "Bad"`), r.stderr);
    const alerts = r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(alerts.filter((a) => a['kibana.alert.rule.name'] === FLAGSHIP).length, 1);
  });
});

test('the flagship fires across two files written out of order, in every output format', { skip: skipWithoutEql }, async () => {
  await withDir(async (dir) => {
    const { registry, network } = writeRemoteTaskFiles(dir);
    const base = ['hunt', ...FLAGSHIP_ONLY, registry, network];

    const nd = await runCli([...base, '--format', 'ndjson']);
    assert.equal(nd.code, 0, nd.stderr);
    const lines = nd.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    const alert = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(alert['kibana.alert.rule.name'], FLAGSHIP);
    assert.equal(alert['kibana.alert.rule.risk_score'], 47);
    assert.equal(alert['host.id'], HOST.id);
    assert.equal(alert['source.ip'], '172.18.39.5');
    assert.deepEqual((alert.events as Array<{ event: { category: string[] } }>).map((e) => e.event.category), [['network'], ['registry']]);
    assert.match(nd.stderr, /malformed records: 1/);
    assert.match(nd.stderr, new RegExp(`${FLAGSHIP} \\[rule severity medium\\]: 1`));
    assert.match(nd.stderr, /by severity: medium 1/);

    const json = await runCli([...base, '--format', 'json']);
    const arr = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    assert.equal(arr.length, 1);
    assert.equal(arr[0]!['kibana.alert.uuid'], alert['kibana.alert.uuid'], 'the same match gets the same uuid');

    const csv = await runCli([...base, '--format', 'csv']);
    const rows = csv.stdout.trim().split(/\r?\n/);
    assert.equal(rows.length, 2);
    assert.match(rows[0]!, /^timestamp,/);
    assert.ok(rows[1]!.includes('172.18.39.5'));

    const table = await runCli([...base, '--format', 'table']);
    assert.ok(table.stdout.includes(HOST.name), table.stdout);
    assert.ok(table.stdout.includes('medium'));

    // Not a terminal and no --format: NDJSON.
    const plain = await runCli(base);
    assert.equal(plain.stdout.trim().split('\n').length, 1);
    assert.doesNotThrow(() => JSON.parse(plain.stdout));
  });
});

test('-o writes the file, its extension picks the format; --fail-on-alert exits 1', { skip: skipWithoutEql }, async () => {
  await withDir(async (dir) => {
    const { registry, network } = writeRemoteTaskFiles(dir);
    const out = join(dir, 'alerts.json');
    const r = await runCli(['hunt', ...FLAGSHIP_ONLY, '-o', out, '--fail-on-alert', registry, network]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    const arr = JSON.parse(readFileSync(out, 'utf8')) as unknown[];
    assert.equal(arr.length, 1);
  });
});

test('--from/--to bound the events the rules see', { skip: skipWithoutEql }, async () => {
  await withDir(async (dir) => {
    const { registry, network } = writeRemoteTaskFiles(dir);
    const r = await runCli(['hunt', ...FLAGSHIP_ONLY, '--from', '2020-12-19T12:00:05Z', '--fail-on-alert', registry, network]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /\(2 outside --from\/--to\)/);
  });
});

test('stdin: a reorder window puts events in order, and events later than --lateness are counted and located', { skip: skipWithoutEql }, async () => {
  const stream = ndjson([
    registryDoc('2020-12-19T12:00:22.232Z', { id: 'r1' }),
    noiseDoc('2020-12-19T12:00:30.000Z', 1), // moves the host's time on by 7.8 s
    networkDoc('2020-12-19T12:00:01.012Z', { id: 'n1' }), // 29 s behind the newest: inside a 30 s window
    noiseDoc('2020-12-19T12:05:00.000Z', 2),
    noiseDoc('2020-12-19T12:00:10.000Z', 3), // behind what was already released
  ]);
  const r = await runCli(['hunt', ...FLAGSHIP_ONLY, '--format', 'ndjson', '-'], stream);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, 1);
  assert.match(r.stderr, /late events \(beyond --lateness, not checked\): 1/);
  assert.match(r.stderr, /-:5: host /);

  const tight = await runCli(['hunt', ...FLAGSHIP_ONLY, '--format', 'ndjson', '--lateness', '5s', '-'], stream);
  assert.equal(tight.stdout, '', 'the Actions write was released before the network event arrived 29 s behind');
  assert.match(tight.stderr, /-:3: host /);
  assert.match(tight.stderr, /late events \(beyond --lateness, not checked\): 2/);

  // A finished export piped in can be sorted whole instead: nothing is late.
  const sorted = await runCli(['hunt', ...FLAGSHIP_ONLY, '--format', 'ndjson', '--lateness', '5s', '--order', 'sort', '-'], stream);
  assert.equal(sorted.stdout.trim().split('\n').length, 1, sorted.stderr);
  assert.doesNotMatch(sorted.stderr, /late events/);
});

test('two remote task creations on one host in the same minute give two alerts, each with its own process', { skip: skipWithoutEql }, async () => {
  await withDir(async (dir) => {
    const other = '{649442b8-52dc-5fd1-3700-000000000600}';
    const file = join(dir, 'two.ndjson');
    writeFileSync(
      file,
      ndjson([
        networkDoc('2020-12-19T12:00:01Z', { id: 'a1' }),
        networkDoc('2020-12-19T12:00:02Z', { id: 'b1', entity: other, sourceIp: '172.18.39.7' }),
        registryDoc('2020-12-19T12:00:03Z', { id: 'b2', entity: other, guid: '{11111111-2222-3333-4444-555555555555}' }),
        registryDoc('2020-12-19T12:00:04Z', { id: 'a2' }),
      ]),
    );
    const r = await runCli(['hunt', ...FLAGSHIP_ONLY, '--format', 'ndjson', file]);
    const alerts = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(alerts.length, 2);
    const bySource = new Map(alerts.map((a) => [a['source.ip'], a]));
    assert.equal(bySource.get('172.18.39.5')?.['process.entity_id'], ENTITY);
    assert.equal(bySource.get('172.18.39.7')?.['process.entity_id'], other);
  });
});

test('--exceptions suppresses matching alerts (counted per item); --show-suppressed writes them marked', { skip: skipWithoutEql }, async () => {
  await withDir(async (dir) => {
    const { registry, network } = writeRemoteTaskFiles(dir);
    const exceptions = join(dir, 'exceptions.ndjson');
    writeFileSync(
      exceptions,
      ndjson([
        { list_id: 'admin-servers', type: 'detection', name: 'Admin servers', description: 'management hosts', namespace_type: 'single' },
        {
          item_id: 'deploy-01',
          list_id: 'admin-servers',
          type: 'simple',
          name: 'deployment server',
          description: 'creates tasks on every workstation',
          namespace_type: 'single',
          entries: [{ field: 'source.ip', operator: 'included', type: 'match', value: '172.18.39.5' }],
        },
      ]),
    );
    const quiet = await runCli(['hunt', ...FLAGSHIP_ONLY, '--exceptions', exceptions, '--format', 'ndjson', '--fail-on-alert', registry, network]);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stdout, '');
    assert.match(quiet.stderr, /alerts: 0 \(1 suppressed, not shown/);
    assert.match(quiet.stderr, /suppressed by deployment server \(admin-servers\): 1/);

    const shown = await runCli(['hunt', ...FLAGSHIP_ONLY, '--exceptions', exceptions, '--show-suppressed', '--format', 'ndjson', registry, network]);
    const alert = JSON.parse(shown.stdout) as { suppressed_by?: Array<{ item_id: string }> };
    assert.deepEqual(alert.suppressed_by?.map((s) => s.item_id), ['deploy-01']);
  });
});

test('--only takes a rule_id as well as a name; an unknown rule is a usage error listing the rules', { skip: skipWithoutEql }, async () => {
  await withDir(async (dir) => {
    const { registry, network } = writeRemoteTaskFiles(dir);
    const byId = await runCli(['hunt', ...FLAGSHIP_ONLY, '--only', '39382038-bdde-4b58-a552-fb4f6c26df94', '--format', 'ndjson', registry, network]);
    assert.equal(byId.stdout.trim().split('\n').length, 1, byId.stderr);
    const unknown = await runCli(['hunt', ...FLAGSHIP_ONLY, '--only', 'No Such Rule', registry, network]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--only: no rule "No Such Rule" \(rules: 39382038-bdde-4b58-a552-fb4f6c26df94 \(Remote Scheduled Task Creation\)\)/);
  });
});

test('--rules: lint findings (a field that does not exist) are warnings before the hunt, which still runs and exits 0', { skip: skipWithoutEql }, async () => {
  await withDir(async (dir) => {
    const { registry, network } = writeRemoteTaskFiles(dir);
    const bad = join(dir, 'bad_field.toml');
    const flagship = readFileSync(join(builtinRulesDir, 'remote_scheduled_task_creation.toml'), 'utf8');
    writeFileSync(bad, flagship.replace('39382038-bdde-4b58-a552-fb4f6c26df94', '39382038-bdde-4b58-a552-00000000c0de').replace('name = "Remote Scheduled Task Creation"', 'name = "Codez"').replace('registry.value : "Actions"', 'event.codez : "Actions"'));
    const r = await runCli(['hunt', ...FLAGSHIP_ONLY, '--rules', bad, '--format', 'ndjson', registry, network]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stderr.includes(`rule warning: ${bad}: rule "Codez": lint error: rule.query: field "event.codez" is neither an ECS field`), r.stderr);
    assert.ok(r.stderr.indexOf('rule warning') < r.stderr.indexOf('seqhunt hunt: 2 inputs'), 'warned before the summary');
    assert.equal(r.stdout.trim().split('\n').length, 1, 'the flagship still fires');
    // The built-in pack itself is not linted at every hunt (its tests do that): no warning without --rules.
    const clean = await runCli(['hunt', '--format', 'ndjson', registry, network]);
    assert.doesNotMatch(clean.stderr, /rule warning/);
  });
});

test('rules loaded twice under one name are a warning, and --only NAME says it matches several', { skip: skipWithoutEql }, async () => {
  await withDir(async (dir) => {
    const { registry, network } = writeRemoteTaskFiles(dir);
    const copy = join(dir, 'copy.toml');
    writeFileSync(copy, readFileSync(join(builtinRulesDir, 'remote_scheduled_task_creation.toml'), 'utf8').replace('39382038-bdde-4b58-a552-fb4f6c26df94', '39382038-bdde-4b58-a552-00000000c0fe'));
    const r = await runCli(['hunt', ...FLAGSHIP_ONLY, '--rules', copy, '--only', FLAGSHIP, '--format', 'ndjson', registry, network]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /rule warning: 2 rules are named "Remote Scheduled Task Creation": 39382038-bdde-4b58-a552-fb4f6c26df94 .*, 39382038-bdde-4b58-a552-00000000c0fe/);
    assert.match(r.stderr, /warning: --only "Remote Scheduled Task Creation" matches 2 rules; all run/);
  });
});

test('--workers: the same alerts and summary with worker threads as without; a bad value is a usage error', { skip: skipWithoutEql }, async () => {
  await withDir(async (dir) => {
    const { registry, network } = writeRemoteTaskFiles(dir);
    const base = ['hunt', ...FLAGSHIP_ONLY, '--format', 'ndjson', registry, network];
    const inThread = await runCli([...base, '--workers', '0']);
    const two = await runCli([...base, '--workers', '2']);
    assert.equal(two.code, 0, two.stderr);
    assert.equal(two.stdout.trim().split('\n').length, 1);
    assert.equal(two.stdout, inThread.stdout);
    // The summary too (its duration and threads aside, and the runs workers always write to disk): problems with
    // their places, counts, coverage.
    const summary = (s: string) => s.replace(/ in \d+\.\d s( on \d+ threads)?/, '').replace(/ {2}sorted on disk: .*\n/, '');
    assert.equal(summary(two.stderr), summary(inThread.stderr));
    assert.match(two.stderr, /malformed records: 1/);
    assert.match(two.stderr, /sorted on disk: /, 'the workers did the reading');
    const bad = await runCli([...base, '--workers', 'many']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--workers: expected a number from 0 to 64 or auto, got "many"/);
  });
});

test('the summary names the five files with most problems and counts the others', async () => {
  await withDir(async (dir) => {
    const paths = [1, 2, 3, 4, 5, 6, 7].map((k) => {
      const path = join(dir, `f${k}.ndjson`);
      // f7 has the most malformed lines: it comes first.
      writeFileSync(path, ndjson([noiseDoc('2020-12-19T12:00:00.000Z', k)]) + '{"broken": \n'.repeat(k === 7 ? 3 : 1));
      return path;
    });
    const r = await runCli(['hunt', '--format', 'ndjson', '--workers', '0', ...paths]);
    assert.equal(r.code, 0, r.stderr);
    const line = r.stderr.split('\n').find((l) => l.includes('malformed records:'))!;
    assert.match(line, /malformed records: 9 \(.*f7\.ndjson: 3, .*f1\.ndjson: 1, .*f2\.ndjson: 1, .*f3\.ndjson: 1, .*f4\.ndjson: 1, 2 more files\)$/);
  });
});
