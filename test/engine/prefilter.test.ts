// The NDJSON pre-filter must never change a result: its words come only from what a match must contain,
// and a differential run over random inputs (mixed letter case, dotted keys, hive spellings, Winlogbeat
// documents whose fields normalization derives) gives the same alerts with and without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseQuery } from '../../src/eql/index.js';
import { createLinePrefilter, stageWords } from '../../src/engine/prefilter.js';
import { ecsFieldType } from '../../src/normalize/ecs-schema.js';
import { runCli } from '../helpers/cli.js';
import { Rng } from '../../src/simulate/random.js';

const FLAGSHIP = readFileSync(new URL('../../DEVELOPERS.md', import.meta.url), 'utf8').match(/```\n(sequence by host\.id[\s\S]*?)```/)![1]!;
const words = (q: string) => stageWords(parseQuery(q), ecsFieldType);

test('the flagship gives one word clause per literal condition, none from ports or IPs', () => {
  assert.deepEqual(words(FLAGSHIP), [
    [['svchost.exe'], ['incoming', 'ingress']],
    [['change'], ['actions'], ['currentversion']],
  ]);
});

test('or keeps a clause only when both sides give one; not, !=, regex and ip fields give none', () => {
  assert.deepEqual(words('process where process.name : "a.exe" or process.name : "bee.exe"'), [[['a.exe', 'bee.exe']]]);
  assert.deepEqual(words('process where process.name : "abc.exe" or process.pid == 4'), [[]]);
  assert.deepEqual(words('process where not process.name : "abc.exe"'), [[]]);
  assert.deepEqual(words('process where process.name != "abc.exe"'), [[]]);
  assert.deepEqual(words('process where process.name regex "abc.*"'), [[]]);
  assert.deepEqual(words('network where source.ip == "10.1.2.3"'), [[]]);
  assert.deepEqual(words('process where host.name == "workstation"'), [[]]);
  // Wildcards split words; hive names are left out (normalization respells them).
  assert.deepEqual(words('registry where registry.path : "HKLM\\\\*\\\\Run*"'), [[['run']]]);
  assert.deepEqual(words('registry where registry.path : "HKLM\\\\*\\\\x*"'), [[]]);
  assert.deepEqual(words('registry where registry.path : "HKLM\\\\Software\\\\*\\\\Run"'), [[['software']]]);
});

test('no filter at all when some stage has no word to look for', () => {
  assert.equal(createLinePrefilter(words('sequence [process where process.pid == 4] [process where process.name : "abc.exe"]')), undefined);
  const f = createLinePrefilter(words('process where process.name : "abc.exe"'))!;
  assert.equal(f.mayMatter('{"process":{"name":"ABC.EXE"}}'), true);
  assert.equal(f.mayMatter('{"process":{"name":"other.exe"}}'), false);
  // Lines normalization rewrites are always parsed.
  assert.equal(f.mayMatter('{"winlog":{"channel":"Security"}}'), true);
  assert.equal(f.mayMatter('{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":3}'), true);
});

/** Seeded uniform numbers in [0, 1) (the simulator's mulberry32), so a failure names a reproducible case. */
const rng = (seed: number): (() => number) => {
  const r = new Rng(seed);
  return () => r.next();
};

function randomInput(seed: number, count: number): string {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const names = ['svchost.exe', 'SVCHOST.EXE', 'SvcHost.exe', 'explorer.exe', 'wmiprvse.exe', 'WmiPrvSE.exe', 'wsmprovhost.exe'];
  const dirs = ['ingress', 'incoming', 'Incoming', 'INGRESS', 'egress', 'inbound'];
  const hives = ['HKLM\\SOFTWARE', 'HKEY_LOCAL_MACHINE\\SOFTWARE', '\\REGISTRY\\MACHINE\\SOFTWARE', 'HKLM\\Software'];
  const values = ['Actions', 'ACTIONS', 'actions', 'Triggers', 'Path'];
  const lines: string[] = [];
  const t0 = Date.parse('2026-03-01T10:00:00Z');
  for (let i = 0; i < count; i++) {
    const host = `h${Math.floor(r() * 3)}`;
    const entity = `p${Math.floor(r() * 3)}`;
    const at = new Date(t0 + Math.floor(r() * 240_000)).toISOString();
    const base = { '@timestamp': at, host: { id: host, name: host, os: { type: pick(['windows', 'windows', 'Windows']) } } };
    const kind = r();
    let doc: Record<string, unknown>;
    if (kind < 0.35) {
      doc = {
        ...base,
        event: { category: ['network'], type: ['start'] },
        process: { name: pick(names), entity_id: entity },
        network: { direction: pick(dirs) },
        source: { ip: pick(['10.1.1.1', '127.0.0.1', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '10.2.2.2']), port: pick([49152, 50000, 445, 65000]) },
        destination: { ip: '10.0.0.9', port: pick([49671, 135, 50001]) },
      };
    } else if (kind < 0.7) {
      const value = pick(values);
      doc = {
        ...base,
        event: { category: ['registry'], type: [pick(['change', 'change', 'creation'])] },
        process: { name: pick(names), entity_id: entity },
        registry: { path: `${pick(hives)}\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tasks\\{${Math.floor(r() * 1e6)}}\\${value}`, value },
      };
    } else if (kind < 0.8) {
      // Dotted keys, as Kibana exports write them.
      doc = { '@timestamp': at, 'host.id': host, 'host.os.type': 'windows', 'event.category': 'network', 'process.name': pick(names), 'process.entity_id': entity, 'network.direction': pick(dirs), 'source.ip': '10.3.3.3', 'source.port': 50123, 'destination.port': 49700 };
    } else if (kind < 0.9) {
      // Winlogbeat without an ingest pipeline: normalization derives the ECS fields (direction from Initiated).
      doc = {
        '@timestamp': at,
        host: { name: host },
        winlog: {
          channel: 'Microsoft-Windows-Sysmon/Operational',
          provider_name: 'Microsoft-Windows-Sysmon',
          event_id: '3',
          computer_name: host,
          event_data: { UtcTime: at.replace('T', ' ').replace('Z', ''), ProcessGuid: `{00000000-0000-0000-0000-00000000000${entity.slice(1)}}`, Image: `C:\\Windows\\System32\\${pick(names)}`, Initiated: pick(['false', 'False', 'true']), SourceIp: '10.4.4.4', SourcePort: '51000', DestinationIp: '10.0.0.9', DestinationPort: '49671', Protocol: 'tcp' },
        },
      };
    } else {
      doc = { ...base, event: { category: ['process'], type: ['start'] }, process: { name: pick(names), entity_id: entity, parent: { name: pick(names) } } };
    }
    lines.push(JSON.stringify(doc));
  }
  return lines.join('\n') + '\n';
}

test('differential: random inputs give the same alerts with and without the pre-filter', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-prefilter-'));
  try {
    let total = 0;
    let skippedSomething = false;
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const input = join(dir, `in-${seed}.ndjson`);
      writeFileSync(input, randomInput(seed, 1500));
      const runs: string[][] = [];
      for (const mode of ['off', 'on']) {
        const out = join(dir, `out-${seed}-${mode}.ndjson`);
        const res = await runCli(['hunt', input, '--format', 'ndjson', '-o', out, '--prefilter', mode, '--no-progress']);
        assert.equal(res.code, 0, res.stderr);
        if (mode === 'on' && /pre-filter: [1-9]/.test(res.stderr)) skippedSomething = true;
        const text = readFileSync(out, 'utf8').trim();
        runs.push(text === '' ? [] : text.split('\n').map((l) => JSON.stringify(JSON.parse(l))).sort());
      }
      assert.deepEqual(runs[1], runs[0], `seed ${seed}: alerts differ with the pre-filter`);
      total += runs[0]!.length;
    }
    // The comparison is not vacuous: there were alerts, and the filter did skip lines.
    assert.ok(total > 10, `only ${total} alerts over all seeds`);
    assert.ok(skippedSomething, 'the pre-filter never skipped a line');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
