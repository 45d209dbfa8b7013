// Held lines (first-stage-only NDJSON lines kept undecoded, decoded once everything is read only if their join
// key came) must never change an alert: random inputs whose join keys are spelled every way a raw line can spell
// them give the same alerts held or not, pre-filtered or not, in this thread and in workers; and the key test on
// raw text lets through every line whose document may carry a wanted key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hunt, type HuntOptions } from '../../src/engine/hunt.js';
import { HeldLines } from '../../src/engine/held-lines.js';
import { heldKeySummary, heldLineKeys, heldLineSelect, heldLineTests, heldRuleBit, SequencePruner } from '../../src/engine/sequence-pruning.js';
import { loadRules, type LoadedRule } from '../../src/rules/index.js';
import { Rng } from '../../src/simulate/random.js';
import type { Alert } from '../../src/alerts/index.js';
import type { Origin } from '../../src/formats/index.js';

const canonical = (alerts: readonly Alert[]): string[] => alerts.map((a) => JSON.stringify({ ...a, id: undefined })).sort();

/** A GUID for entity n, in the spelling Sysmon-derived documents may carry (normalization lowercases and braces it). */
const guid = (n: number, upper: boolean, braces: boolean): string => {
  const g = `0000000${n}-abcd-11ef-9a1b-00155d01${String(n).padStart(4, '0')}`.slice(-36);
  const t = upper ? g.toUpperCase() : g;
  return braces ? `{${t}}` : t;
};

/**
 * Random Defend-like NDJSON: flagship first stages (inbound svchost connections) for many processes, rarer second
 * stages (TaskCache Actions writes), and remote-management sequences by host, with join keys spelled as raw lines
 * may: nested or dotted keys, spaces around `:`, `\u` escapes in key names, Sysmon GUIDs in other cases,
 * host.id absent (derived from host.name), arrays and numbers.
 */
function randomInput(seed: number, count: number): string {
  const rng = new Rng(seed);
  const r = () => rng.next();
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const t0 = Date.parse('2026-03-01T10:00:00Z');
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const h = Math.floor(r() * 4);
    const n = Math.floor(r() * 200);
    const at = new Date(t0 + Math.floor((i / count) * 600_000 + r() * 20_000)).toISOString();
    const sysmon = r() < 0.25;
    // Some processes have ids beyond ASCII (a held line's text is its bytes read as latin1 until it is decoded).
    const entity = sysmon ? guid(n, r() < 0.5, r() < 0.5) : n % 7 === 0 ? `p-é中${n}` : `p-${n}`;
    const hostName = `WS-${h}.corp`;
    const host: Record<string, unknown> = r() < 0.2 ? { name: hostName } : { id: `ws-${h}.corp`, name: hostName };
    const base = { '@timestamp': at, host: { ...host, os: { type: 'windows' } } };
    const event = (category: string, type: string) => ({ category: [category], type: [type], ...(sysmon && { module: 'sysmon' }) });
    const kind = r();
    let doc: Record<string, unknown>;
    if (kind < 0.5) {
      doc = {
        ...base,
        event: event('network', 'start'),
        process: { name: pick(['svchost.exe', 'SVCHOST.EXE']), entity_id: r() < 0.05 ? [entity, 'other'] : r() < 0.05 ? n : entity },
        network: { direction: pick(['ingress', 'incoming']) },
        source: { ip: '10.1.1.1', port: 50000 + n },
        destination: { ip: '10.0.0.9', port: pick([49671, 135, 5985]) },
      };
    } else if (kind < 0.55) {
      // Second stages for a few processes only, so that most first stages wait in vain.
      const m = n % 15;
      doc = {
        ...base,
        event: event('registry', 'change'),
        process: { name: 'svchost.exe', entity_id: sysmon ? guid(m, false, true) : `p-${m}` },
        registry: { path: `HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tasks\\{${m}}\\Actions`, value: 'Actions' },
      };
    } else if (kind < 0.56) {
      doc = { ...base, host: { id: 'ws-0.corp', os: { type: 'windows' } }, event: event('process', 'start'), process: { name: pick(['wsmprovhost.exe', 'WmiPrvSE.exe']), entity_id: `w-${n}` } };
    } else {
      doc = { ...base, event: event('file', 'creation'), process: { name: 'explorer.exe', entity_id: entity }, file: { path: 'C:\\x.txt' } };
    }
    let line = JSON.stringify(doc);
    const spell = r();
    if (spell < 0.1) line = line.replace('"entity_id":', '"entity\\u005fid":');
    else if (spell < 0.2) line = line.replace('"entity_id":', '"entity_id" : ');
    else if (spell < 0.3) line = line.replace(/"process":\{"name":("[^"]*"),"entity_id":("[^"]*")\}/, '"process.name":$1,"process.entity_id":$2');
    lines.push(line);
  }
  return lines.join('\n') + '\n';
}

async function run(inputs: string[], rules: LoadedRule[], options: Partial<HuntOptions>) {
  return hunt({ inputs, rules, collect: true, workers: 0, ...options });
}

test('differential: random inputs give the same alerts with lines held, not held, and not pre-filtered, in workers too', async () => {
  const { rules } = await loadRules();
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-held-'));
  try {
    let alerts = 0;
    let dropped = 0;
    let replayed = 0;
    for (const seed of [11, 12, 13, 14]) {
      const text = randomInput(seed, 3000);
      const whole = join(dir, `in-${seed}.ndjson`);
      writeFileSync(whole, text);
      const lines = text.trimEnd().split('\n');
      const half = Math.floor(lines.length / 2);
      const parts = [join(dir, `in-${seed}-a.ndjson`), join(dir, `in-${seed}-b.ndjson`)];
      writeFileSync(parts[0]!, lines.slice(0, half).join('\n') + '\n');
      writeFileSync(parts[1]!, lines.slice(half).join('\n') + '\n');
      const plain = await run([whole], rules, { prefilter: false });
      const notHeld = await run([whole], rules, { prefilter: true, hold: false });
      const held = await run([whole], rules, { prefilter: true });
      const expected = canonical(plain.run.alerts);
      assert.deepEqual(canonical(notHeld.run.alerts), expected, `seed ${seed}: pre-filtered`);
      assert.deepEqual(canonical(held.run.alerts), expected, `seed ${seed}: held`);
      // Every line is accounted for whichever way: decoded, or skipped by the pre-filter.
      assert.equal(held.records + held.skipped, notHeld.records + notHeld.skipped, `seed ${seed}: lines accounted for`);
      assert.equal(held.held.lines - held.held.decoded, notHeld.records - held.records, `seed ${seed}: held lines never decoded`);
      // Two inputs in two workers, which hold lines for the calling thread to decode.
      const plainParts = await run(parts, rules, { prefilter: false });
      const heldInWorkers = await run(parts, rules, { prefilter: true, workers: 2 });
      assert.equal(heldInWorkers.workers, 2);
      assert.deepEqual(canonical(heldInWorkers.run.alerts), canonical(plainParts.run.alerts), `seed ${seed}: held, two workers`);
      assert.deepEqual(heldInWorkers.held, held.held, `seed ${seed}: the same lines held and decoded in workers`);
      alerts += expected.length;
      dropped += held.held.lines - held.held.decoded;
      replayed += held.held.decoded;
    }
    // Not vacuous: alerts were raised, and held lines were both dropped undecoded and decoded after all.
    assert.ok(alerts > 20, `only ${alerts} alerts`);
    assert.ok(dropped > 500, `only ${dropped} held lines were never decoded`);
    assert.ok(replayed > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('held lines cut from chunks the reader lends (pieces of a file many chunks long) come back intact', async () => {
  const { rules } = await loadRules();
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-held-lent-'));
  try {
    // Files up to 32 MB are read whole; a piece of a file is read through the few buffers a lending stream takes in
    // turn (256 KiB chunks), which a held line must not outlive.
    const path = join(dir, 'big.ndjson');
    writeFileSync(path, randomInput(21, 12_000));
    const plain = await run([path], rules, { prefilter: false });
    const held = await run([path], rules, { prefilter: true, workers: 2, pieceBytes: 1 << 20 });
    assert.ok(held.pieces >= 3, `read in ${held.pieces} pieces`);
    assert.ok(held.held.lines > 1000 && held.held.decoded > 0, `${held.held.lines} held, ${held.held.decoded} decoded`);
    assert.ok(plain.run.alerts.length > 5, `only ${plain.run.alerts.length} alerts`);
    assert.deepEqual(canonical(held.run.alerts), canonical(plain.run.alerts));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the key test on raw lines lets through every spelling of a wanted key, and rules out only plain other values', async () => {
  const { rules } = await loadRules();
  const flagship = rules.findIndex((r) => r.rule.name === 'Remote Scheduled Task Creation');
  const lineKeys = heldLineKeys(rules);
  assert.deepEqual(lineKeys[flagship] && { field: lineKeys[flagship].field, position: lineKeys[flagship].position }, { field: 'process.entity_id', position: 1 });
  const pruner = new SequencePruner(rules);
  pruner.keys[flagship]!.add('sws-1\u0000sp-7');
  pruner.keys[flagship]!.add(`sws-1\u0000s${guid(3, false, true)}`);
  const mayJoin = heldLineTests(pruner.keys, lineKeys)[flagship] as (line: string) => boolean;
  const yes = [
    '{"process":{"entity_id":"p-7"}}',
    '{"process.entity_id" : "p-7"}',
    '{"process":{"entity_id":"p-8","parent":{"entity_id":"p-7"}}}', // a superset: any entity_id
    `{"process":{"entity_id":"${guid(3, true, false)}"}}`, // Sysmon's GUID, respelled by normalization
    '{"process":{"entity\\u005fid":"p-8"},"x":{"entity_id":"p-9"}}', // an escape could hide the real key
    '{"process":{"entity_id":["p-8","p-9"]}}', // not a plain string
    '{"process":{"entity_id":"p-\\u0037"}}',
    '{"process":{"entity_id":"p\\\\7"}}',
    '{"process":{"name":"svchost.exe"}}', // no such key: null keys are the runtime's to judge
    '{"process":{"entity_id":" p-7"}}', // white space the GUID respelling trims
    '{"process":{"entity_id":"p-7\u00a0"}}',
  ];
  for (const line of yes) assert.equal(mayJoin(line), true, line);
  const no = ['{"process":{"entity_id":"p-8"}}', '{"process":{"entity_id":"P-7"}}', '{"process.entity_id":"p-70"}', '{"pentity_id":"p-7","process":{"entity_id":"p-8"}}'];
  for (const line of no) assert.equal(mayJoin(line), false, line);
  // Read back by the hashes kept as they were held: every line the key test takes, and here none of the others.
  const tag = heldRuleBit(keyedIndex(lineKeys, flagship));
  const summary = summaryOf(lineKeys);
  const select = heldLineSelect(pruner.keys, lineKeys);
  for (const line of yes) assert.equal(select(tag, summary(line, tag), 0), true, line);
  for (const line of no) assert.equal(select(tag, summary(line, tag), 0), false, line);
  // A line whose tag does not name the rule (its first stage's words are not in it) is not read back for it.
  assert.equal(select(tag << 1, summary(yes[0]!, tag << 1), 0), false);
});

/** The position of rule `r` among the rules with a held-line key (its hold tag bit). */
const keyedIndex = (lineKeys: ReturnType<typeof heldLineKeys>, r: number): number => lineKeys.slice(0, r).filter((k) => k !== undefined).length;

/** A line's key summary, as the pipeline makes it when the line is held. */
const summaryOf = (lineKeys: ReturnType<typeof heldLineKeys>) => {
  const s = heldKeySummary(lineKeys);
  return (line: string, tag: number): Uint32Array => {
    const out = new Uint32Array(s.width);
    s.summarize(line, tag, out, 0);
    return out;
  };
};

test('read back by hashes: random lines and keys, every line the key test takes is read back, and most others are not', async () => {
  const { rules } = await loadRules();
  const lineKeys = heldLineKeys(rules);
  const keyed = rules.map((_, r) => r).filter((r) => lineKeys[r] !== undefined);
  const lines = [11, 12].flatMap((seed) => randomInput(seed, 3000).trimEnd().split('\n'));
  const flagshipTag = heldRuleBit(keyedIndex(lineKeys, rules.findIndex((r) => r.rule.name === 'Remote Scheduled Task Creation')));
  const rng = new Rng(7);
  let taken = 0;
  let readBack = 0;
  let seen = 0;
  for (let round = 0; round < 6; round++) {
    // Keys of the kinds second stages give: host names (some in other cases), entity ids in both spellings (some
    // beyond ASCII).
    const pruner = new SequencePruner(rules);
    for (const r of keyed) {
      const lk = lineKeys[r]!;
      for (let i = 0; i < 30; i++) {
        const n = Math.floor(rng.next() * 200);
        const value = lk.field === 'host.id' ? `ws-${Math.floor(rng.next() * 8)}.corp` : rng.next() < 0.5 ? (n % 7 === 0 ? `p-é中${n}` : `p-${n}`) : guid(n, false, true);
        const parts = Array.from({ length: lk.count }, (_, p) => (p === lk.position ? `s${value}` : 'sx'));
        if (round % 3 !== 2 || r !== keyed[0]) pruner.keys[r]!.add(parts.join('\u0000'));
      }
    }
    const tests = heldLineTests(pruner.keys, lineKeys);
    const select = heldLineSelect(pruner.keys, lineKeys);
    const summary = summaryOf(lineKeys);
    for (const line of lines) {
      // A random tag: the rules whose first stage the line is said to fit.
      const ks = keyed.map((_, k) => k).filter(() => rng.next() < 0.5);
      const tag = ks.reduce((t, k) => t | heldRuleBit(k), 0);
      const takes = ks.some((k) => {
        const t = tests[keyed[k]!];
        return typeof t === 'function' && t(line);
      });
      // Summarized as the reader holds it: its UTF-8 bytes read as latin1, or (a chunk with a Kelvin sign) decoded.
      const back = select(tag, summary(Buffer.from(line).toString('latin1'), tag), 0);
      if (takes) assert.ok(back && select(tag, summary(line, tag), 0), `round ${round}, tag ${tag}: ${line}`);
      taken += Number(takes);
      // Lines that only the flagship may start (host.id keys are in nearly every line, in many fields: those
      // lines are mostly read back when a rule keyed by host.id may still join).
      if (tag === flagshipTag) {
        readBack += Number(back);
        seen++;
      }
    }
  }
  // Not vacuous: the key test takes some lines, and far fewer lines are read back than were held.
  assert.ok(taken > 100, `only ${taken} lines taken`);
  assert.ok(seen > 1000 && readBack < seen / 2, `${readBack} of ${seen} lines read back`);
});

test('host.id keys are looked for in host.name and host.hostname too, lowercased as normalization derives them', async () => {
  const { rules } = await loadRules();
  const winrm = rules.findIndex((r) => r.rule.name === 'Scheduled Task Registered through Remote Management');
  const lineKeys = heldLineKeys(rules);
  assert.equal(lineKeys[winrm]?.field, 'host.id');
  const pruner = new SequencePruner(rules);
  pruner.keys[winrm]!.add('sws-1.corp');
  const mayJoin = heldLineTests(pruner.keys, lineKeys)[winrm] as (line: string) => boolean;
  for (const line of ['{"host":{"id":"ws-1.corp"}}', '{"host":{"name":"WS-1.corp"}}', '{"host.hostname":"Ws-1.Corp"}']) assert.equal(mayJoin(line), true, line);
  for (const line of ['{"host":{"id":"ws-2.corp","name":"WS-2.corp"}}', '{"host":{"id":"WS-1.corp-x"}}']) assert.equal(mayJoin(line), false, line);
  // Read back by summary only for the rules the line's tag names: the same host, tagged for another rule keyed by
  // host.id (one whose second stage never came), is not read back.
  const atsvc = rules.findIndex((r) => r.rule.name === 'Scheduled Task Created over the ATSVC Named Pipe');
  assert.equal(lineKeys[atsvc]?.field, 'host.id');
  const select = heldLineSelect(pruner.keys, lineKeys);
  const summary = summaryOf(lineKeys);
  const line = '{"host":{"id":"ws-1.corp"}}';
  for (const [r, back] of [[winrm, true], [atsvc, false]] as const) {
    const tag = heldRuleBit(keyedIndex(lineKeys, r));
    assert.equal(select(tag, summary(line, tag), 0), back, rules[r]!.rule.name);
  }
  // A rule whose second stage never came can join nothing.
  assert.equal(heldLineTests(new SequencePruner(rules).keys, lineKeys)[winrm], 'never');
});

test('held lines come back in the order added, those selected by their tag and key summary read back whole', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-held-store-'));
  try {
    const store = new HeldLines(() => dir, 'held.txt');
    const texts: string[] = [];
    // Orders past 2^32, as later sources have (source index × 2^32 + position).
    const orderOf = (i: number) => 7 * 2 ** 32 + i * 3;
    // Stretches of lines from one file, from a zip member (with a tab), from a file with quotes and non-ASCII in its
    // name; now and then an origin of another shape.
    const originOf = (i: number): Origin => {
      const line = i + 1;
      if (i % 97 === 0) return { file: 'f.json', index: i, line };
      const stretch = Math.floor(i / 1000) % 3;
      return stretch === 0 ? { file: 'f.zip', member: 'm\t1.json', line } : stretch === 1 ? { file: 'a "b" é.ndjson', line } : { file: 'f.zip', member: 'm2.json', line };
    };
    for (let i = 0; i < 9000; i++) {
      // Enough that most go to the file and it is read in several chunks, with tabs, non-ASCII text, an origin
      // with a member, and one line longer than the read buffer.
      const text = `{"i":${i},"t":"a\\tb ${'x'.repeat(i === 4000 ? 2_500_000 : i % 700)} é€ ${i}"}`;
      texts.push(text);
      // Half as the JSON reader holds them: the UTF-8 bytes, and the text those bytes read as latin1.
      const bytes = Buffer.from(text);
      const padded = Buffer.concat([Buffer.from('xx'), bytes, Buffer.from('yy')]);
      const span = { buffer: padded, start: 2, end: 2 + bytes.length };
      const item = i % 2 === 0 ? { kind: 'held' as const, text: bytes.toString('latin1'), bytes: span, origin: originOf(i), tag: 1 + (i % 5) } : { kind: 'held' as const, text, origin: originOf(i), tag: 1 + (i % 5) };
      store.add(orderOf(i), item, Uint32Array.of(i % 4 === 0 ? 0xffffffff : i, i + 1));
    }
    // Read back: the lines with tag 3, with 4000 in their summary (the long line and the one before), and those
    // whose summary starts with 0xffffffff.
    let calls = 0;
    const select = (tag: number, summary: Uint32Array, at: number) => {
      calls++;
      return tag === 3 || summary[at] === 0xffffffff || summary[at] === 4000 || summary[at + 1] === 4000;
    };
    const passed: number[] = [];
    const taken: number[] = [];
    for await (const { order, item } of store.entries(select, (order) => passed.push(order))) {
      const i = (order - orderOf(0)) / 3;
      taken.push(i);
      assert.deepEqual(item, { kind: 'held', text: texts[i], origin: originOf(i), tag: 1 + (i % 5) });
    }
    const wanted = (i: number) => i % 5 === 2 || i % 4 === 0 || i === 4000 || i === 3999;
    assert.deepEqual(taken, texts.map((_, i) => i).filter(wanted));
    assert.deepEqual(passed, texts.map((_, i) => i).filter((i) => !wanted(i)).map(orderOf));
    assert.equal(calls, texts.length);
    const read = taken.length;
    assert.ok(read > 3000 && read < 6000, `${read} read back`);
    // Read once: its buffers are let go for the merge, and a line added now would be lost, so adding throws.
    assert.throws(() => store.add(orderOf(9000), { kind: 'held', text: '{}', origin: originOf(0), tag: 1 }, Uint32Array.of(0, 0)), /added to after being read/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a malformed held line is reported with its place once decoded, and the rest is still read', async () => {
  const { rules } = await loadRules();
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-held-bad-'));
  try {
    const host = { id: 'h1', os: { type: 'windows' } };
    const net = (t: string, entity: string) => JSON.stringify({ '@timestamp': t, host, event: { category: ['network'] }, process: { name: 'svchost.exe', entity_id: entity }, network: { direction: 'ingress' }, source: { ip: '10.1.1.1', port: 50000 }, destination: { ip: '10.0.0.9', port: 49671 } });
    const write = JSON.stringify({ '@timestamp': '2026-03-01T10:00:30.000Z', host, event: { category: ['registry'], type: ['change'] }, process: { name: 'svchost.exe', entity_id: 'p-1' }, registry: { path: 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tasks\\{1}\\Actions', value: 'Actions' } });
    const lines = [
      net('2026-03-01T10:00:00.000Z', 'p-1'),
      // Held (its words fit the first stage only), and its key comes: decoded at the end, where it fails.
      net('2026-03-01T10:00:01.000Z', 'p-1').replace('"source"', 'oops "source"'),
      // Held, and its key never comes: never decoded, so never found malformed (as a line the pre-filter skips).
      net('2026-03-01T10:00:02.000Z', 'p-2').replace('"source"', 'oops "source"'),
      write,
    ];
    const input = join(dir, 'in.ndjson');
    writeFileSync(input, lines.join('\n') + '\n');
    const result = await run([input], rules, { prefilter: true });
    assert.deepEqual(result.held, { lines: 3, decoded: 2 });
    assert.equal(result.malformed.count, 1);
    assert.equal(result.malformed.samples[0]?.origin.line, 2);
    assert.match(result.malformed.samples[0]!.message, /JSON/);
    assert.equal(result.run.alerts.filter((a) => a['kibana.alert.rule.name'] === 'Remote Scheduled Task Creation').length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
