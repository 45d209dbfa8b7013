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

test('the flagship gives one word clause per word of a literal condition, none from ports or IPs', () => {
  // A single value needs every word of it (longest first); several values need any one's longest word.
  assert.deepEqual(words(FLAGSHIP), [
    [['svchost.exe'], ['incoming', 'ingress']],
    [['change'], ['actions'], ['currentversion'], ['windows nt'], ['microsoft'], ['taskcache'], ['software'], ['schedule'], ['tasks']],
  ]);
  // An exact all-digit value is a number standing alone (`#`); a wildcard piece is not.
  // An event.code number also needs its key (`KEY_MARKERS`): a cheap anchor where digits are everywhere.
  assert.deepEqual(words('any where event.code : "4624"'), [[['#4624'], ['code"']]]);
  assert.deepEqual(words('any where event.code in ("4624", "4625")'), [[['#4624', '#4625'], ['code"']]]);
  assert.deepEqual(words('any where event.code : "AB-4624"'), [[['ab-4624']]]);
  assert.deepEqual(words('process where process.command_line : "*4624*"'), [[['4624']]]);
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
  assert.deepEqual(words('registry where registry.path : "HKLM\\\\Software\\\\*\\\\Run"'), [[['software'], ['run']]]);
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

test('numbers stand alone: event ids in ports or pids are not hits, the id as number or string is', () => {
  const f = createLinePrefilter(words('process where process.name : "abc.exe"'), ['#4624'])!;
  for (const yes of ['{"event":{"code":"4624"}}', '{"event":{"code":4624}}', '{"event.code":[4624]}', '{"code":"04624"}', '{"code":4624.0}', '{"code":46240e-1}', '{"code":"\\u20284624"}', '4624'])
    assert.equal(f.mayMatter(yes), true, yes);
  for (const no of ['{"source":{"port":54624}}', '{"pid":46240}', '{"x":"14624"}', '{"x":4624.5}'.replace('4624.5', '146240')]) assert.equal(f.mayMatter(no), false, no);
  // A rule's wildcard piece is found inside longer numbers too.
  const g = createLinePrefilter(words('process where process.command_line : "*4624*"'))!;
  assert.equal(g.mayMatter('{"process":{"command_line":"x 54624"}}'), true);
});

test('an event.code number is looked for only under its key, the key found as written', () => {
  // `or` keeps every pair of its sides' clauses while they are few, so the number is still needed with its key.
  assert.deepEqual(words('any where (event.code == "4698" and process.name : "a.exe") or process.name : "taskcache.exe"'), [
    [['#4698', 'taskcache.exe'], ['code"', 'taskcache.exe'], ['a.exe', 'taskcache.exe']],
  ]);
  const f = createLinePrefilter([...words('any where event.code : "5145" and process.name : "atsvc.exe"'), ...words('any where event.code : "4624"')])!;
  // The key covers both stages: the first stage's own anchor would be a needless search of all the text.
  assert.deepEqual(f.anchors.filter((a) => !a.includes('winlog') && !a.includes('EventID')), ['code"']);
  for (const yes of ['{"event":{"code":"4624"}}', '{"event.code":4624}', '{"event": {"code" : ["4624"]}}', '{"code":"5145","p":"ATSVC.EXE"}']) assert.equal(f.mayMatter(yes), true, yes);
  for (const no of ['{"source":{"port":4624}}', '{"event":{"Code":"4624"}}', '{"event":{"code":"4625"}}', '{"code":"5145","p":"other.exe"}', '{"exit_code":1,"pid":4624}'.replace('exit_code', 'exit_cod'), '{"a":"code\\u0022","b":4625}'])
    assert.equal(f.mayMatter(no), false, no);
});

test('letter case: ASCII case and the Kelvin sign fold as in EQL; other look-alikes do not', () => {
  const f = createLinePrefilter(words('process where process.name : "abc.exe"'), ['svchost', 'taskcache'])!;
  for (const yes of ['"SVCHOST"', '"SvcHost.exe"', 'TASKCACHE', 'tas\u212Acache', 'x\u0130 svcHOST', 'ABC.EXE']) assert.equal(f.mayMatter(yes), true, yes);
  for (const no of ['\u017Fvchost', 'svc host', 'abc_exe']) assert.equal(f.mayMatter(no), false, no);
});

/** The candidate lines of `scan` over `text[from, to)`, as [start, end] pairs ([start, end, 'hold', tag] when held). */
function scanned(f: NonNullable<ReturnType<typeof createLinePrefilter>>, text: string, from: number, to: number): Array<Array<number | string>> {
  const out: Array<Array<number | string>> = [];
  f.scan(text, from, to, (start, end, hold) => out.push(hold !== 0 ? [start, end, 'hold', hold] : [start, end]));
  return out;
}

/** What `scan` must give: each line of `text[from, to)` (cut at both ends) `decide` does not skip, and how. */
function naive(f: NonNullable<ReturnType<typeof createLinePrefilter>>, text: string, from: number, to: number): Array<Array<number | string>> {
  const out: Array<Array<number | string>> = [];
  for (let start = from; start <= to; ) {
    let end = text.indexOf('\n', start);
    if (end === -1 || end > to) end = to;
    const line = text.slice(start, end);
    const d = f.decide(line);
    assert.equal(d !== 'skip', f.mayMatter(line));
    assert.equal(f.holdTag(line) !== 0, d === 'hold');
    if (d !== 'skip') out.push(d === 'hold' ? [start, end, 'hold', f.holdTag(line)] : [start, end]);
    start = end + 1;
  }
  return out;
}

test('scan: many anchors on one line give it once; anchors cut by the `to` bound are not hits', () => {
  const f = createLinePrefilter([...words('any where process.name : "abc.exe" and event.action : "zzz"')], ['svchost', '#4624', '"winlog'])!;
  const text = '{"winlog":1,"a":"SVCHOST","code":4624,"p":"abc.exe zzz svchost"}\nnothing here\nabc.exe zzz\nx svchost\n';
  let at = 0;
  const spans = text.split('\n').map((l): [number, number] => [at, (at += l.length + 1) - 1]);
  assert.deepEqual(scanned(f, text, 0, text.length), [spans[0], spans[2], spans[3]]);
  const cut = text.lastIndexOf('svchost') + 4;
  assert.deepEqual(scanned(f, text, 0, cut), [spans[0], spans[2]]);
  assert.deepEqual(scanned(f, text, 0, text.indexOf('zzz\n')), [spans[0]]);
  // A number cut at `to` stands alone in what is scanned (the line as given ends there), as mayMatter sees it.
  const num = 'a 462412\n';
  assert.deepEqual(scanned(f, num, 0, 6), [[0, 6]]);
  assert.deepEqual(scanned(f, num, 0, 7), []);
  for (const [from, to] of [[0, text.length], [3, cut], [20, 85], [66, 66]] as const) assert.deepEqual(scanned(f, text, from, to), naive(f, text, from, to));
});

test('scan gives exactly the lines decide keeps, held or not, on random text (a wrong merge of the anchor searches fails)', () => {
  // The last two stages are holdable: a line fitting them and nothing else is held, tagged with the ones it fits.
  const f = createLinePrefilter(
    [...words('any where event.code : "4698" and process.name : "a.exe"'), ...words('any where process.name : ("wsmprovhost.exe", "wmiprvse.exe") and registry.path : "*CurrentVersion*"'), ...words('any where network.direction : ("incoming", "ingress") and process.command_line : "*777*"')],
    ['svchost', 'taskcache', '#4624', '#4648', '#5140'],
    [0, 2, 1],
  )!;
  assert.equal(f.holdTag('x Ingress 777'), 1);
  assert.equal(f.holdTag('wmiprvse.exe currentversion'), 2);
  assert.equal(f.holdTag('wmiprvse.exe currentversion incoming 777'), 3);
  assert.equal(f.decide('wmiprvse.exe currentversion incoming 777 "code":4698 a.exe'), 'parse');
  assert.equal(f.holdTag('wmiprvse.exe currentversion incoming 777 "code":4698 a.exe'), 0);
  assert.equal(f.decide('wmiprvse.exe currentversion incoming 777 4698 a.exe'), 'hold', 'the number without its key');
  const tokens = ['"winlog', 'winlog', '"EventID"', 'eventid', '"eventid', 'code"', 'code', 'Code"', 'SVCHOST', 'svc', 'host', 'tas\u212Acache', 'TaskCache', '4624', '54624', '46240', '04624', '4648', '5140', '\\u2028', '4698', '"4698"', 'a.exe', 'A.EXE', 'wmiprvse.exe', 'WsmProvHost.exe', 'currentversion', 'CURRENTVERSION', 'incoming', 'Ingress', 'ingres', '777', '7777', 'e', '.', '0', '1', '"', ' ', ',', ':', '{', '}', '\n', '\n', '\n', '\r\n', '\u0130', 'x'];
  const r = rng(42);
  let lines = 0;
  let hits = 0;
  let held = 0;
  let both = 0;
  for (let round = 0; round < 400; round++) {
    const parts: string[] = [];
    const n = 1 + Math.floor(r() * 120);
    for (let i = 0; i < n; i++) parts.push(tokens[Math.floor(r() * tokens.length)]!);
    const text = parts.join('');
    const a = Math.floor(r() * (text.length + 1));
    const b = Math.floor(r() * (text.length + 1));
    const [from, to] = r() < 0.5 ? [0, text.length] : [Math.min(a, b), Math.max(a, b)];
    const expected = naive(f, text, from, to);
    assert.deepEqual(scanned(f, text, from, to), expected, `round ${round}: ${JSON.stringify(text)} [${from}, ${to})`);
    lines += text.slice(from, to).split('\n').length;
    hits += expected.length;
    held += expected.filter((e) => e[2] === 'hold').length;
    both += expected.filter((e) => e[3] === 3).length;
  }
  // Not vacuous: a fair share of lines are candidates, and a fair share are not; some are held.
  assert.ok(hits > lines / 10 && hits < (lines * 9) / 10, `${hits} of ${lines} lines`);
  assert.ok(held > 20, `only ${held} lines held`);
  assert.ok(both > 0, "no line held for both holdable stages");
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
    } else if (kind < 0.95) {
      // Service installs in ECS without winlog: enrichment's related activity, found by event.code's number under
      // its key, nested or dotted, string or number; or the number elsewhere (a port: not one).
      const shape = pick(['nested', 'number', 'dotted', 'port']);
      const code = shape === 'nested' ? { event: { code: '7045' } } : shape === 'number' ? { event: { code: 7045 } } : shape === 'dotted' ? { 'event.code': '7045' } : { source: { port: 7045 } };
      doc = { ...base, ...code, service: { name: `svc${i}` } };
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

test('lines are scanned as bytes, yet non-ASCII text decodes intact and a Kelvin sign still folds to k', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-prefilter-bytes-'));
  try {
    const host = { id: 'h-ü', name: 'wörk-中', os: { type: 'windows' } };
    const proc = { name: 'svchost.exe', entity_id: 'p-1' };
    const lines = [
      { '@timestamp': '2026-03-01T10:00:00.000Z', host, event: { category: ['file'], type: ['creation'] }, file: { path: 'C:\\Users\\Jürgen\\€.txt' } },
      { '@timestamp': '2026-03-01T10:00:01.000Z', host, event: { category: ['network'], type: ['start'] }, process: proc, network: { direction: 'ingress' }, source: { ip: '10.1.1.1', port: 50000 }, destination: { ip: '10.0.0.9', port: 49671 }, user: { name: 'Jürgen 中文 😀' } },
      // The Kelvin sign (3 bytes in UTF-8) where the rule says `k`: `:` folds it as EQL does.
      { '@timestamp': '2026-03-01T10:00:20.000Z', host, event: { category: ['registry'], type: ['change'] }, process: proc, registry: { path: 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\Tas\u212ACache\\Tasks\\{1}\\Actions', value: 'Actions' } },
    ];
    const input = join(dir, 'in.ndjson');
    // Enough filler lines that the events fall in several read chunks, some holding no multi-byte text.
    const filler = Array.from({ length: 4000 }, (_, i) => JSON.stringify({ '@timestamp': '2026-03-01T09:00:00.000Z', host, event: { category: ['file'] }, file: { path: `C:\\f${i}.txt` } }));
    writeFileSync(input, [...filler, ...lines.map((l) => JSON.stringify(l))].join('\n') + '\n');
    const out: string[] = [];
    for (const mode of ['off', 'on']) {
      const file = join(dir, `out-${mode}.ndjson`);
      const res = await runCli(['hunt', input, '-o', file, '--prefilter', mode, '--no-progress']);
      assert.equal(res.code, 0, res.stderr);
      // The inbound connection could only start a sequence: held, and decoded once its process's write came.
      if (mode === 'on') assert.match(res.stderr, /held \(could only start a sequence\): 1 lines, 1 decoded in the end/);
      out.push(readFileSync(file, 'utf8'));
    }
    assert.equal(out[1], out[0]);
    const alerts = out[0]!.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(alerts.filter((a) => a['kibana.alert.rule.name'] === 'Remote Scheduled Task Creation').length, 1, out[0]);
    assert.ok(out[0]!.includes('wörk-中'), 'non-ASCII text decoded intact');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
