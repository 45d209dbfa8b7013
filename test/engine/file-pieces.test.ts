// A big NDJSON file read in pieces by several threads (file-pieces.ts) must give exactly what reading it whole in
// one thread gives: the same alerts in the same order, counts, problems with their line numbers, clock warnings; also when a piece meets content that is not NDJSON and reads on to the end of the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilePieces, LAST_PIECE_SPLIT } from '../../src/engine/file-pieces.js';
import { hunt, type HuntOptions, type HuntResult } from '../../src/engine/hunt.js';
import { loadRules } from '../../src/rules/index.js';
import { SCENARIOS, renderSimulation, simulate } from '../../src/simulate/index.js';
import type { Alert } from '../../src/alerts/index.js';
import { comparableResult } from '../helpers/hunt-result.js';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';
import { openZip } from '../../src/formats/archive/zip.js';

function withDir<T>(f: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'seqhunt-pieces-'));
  return f(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

/** Lines of every scenario as Elastic Defend, and as Winlogbeat with record times 5 h ahead of Sysmon UtcTime. */
function scenarioLines(): string[] {
  const lines: string[] = [];
  for (const s of SCENARIOS) {
    const t = simulate(s.id);
    lines.push(...renderSimulation(t, 'defend')[0]!.data.toString().split('\n').filter(Boolean));
    for (const line of renderSimulation(t, 'winlogbeat')[0]!.data.toString().split('\n').filter(Boolean)) {
      const doc = JSON.parse(line) as { event?: { created?: string } };
      if (doc.event?.created) doc.event.created = new Date(Date.parse(doc.event.created) + 5 * 3600_000).toISOString();
      lines.push(JSON.stringify(doc));
    }
  }
  return lines;
}

async function run(inputs: string[], extra: Partial<HuntOptions>): Promise<{ r: HuntResult; alerts: string[] }> {
  const { rules } = await loadRules();
  const alerts: Alert[] = [];
  const r = await hunt({ inputs, rules, onAlert: (a) => alerts.push(a), ...extra });
  return { r, alerts: alerts.map((a) => JSON.stringify(a)) };
}

const comparable = comparableResult;

test('a big NDJSON file read in pieces by two threads gives what reading it whole in one thread gives', async () => {
  await withDir(async (dir) => {
    const lines = scenarioLines();
    // An event without a time (not normalized), blank and CRLF lines, multi-byte text, and cut-off objects (the
    // scanner reads from each to the next line that is a whole object).
    lines.splice(90, 0, '{"event":{"kind":"event","category":["process"]},"host":{"id":"h-untimed"},"process":{"name":"é€𝄞.exe"}}');
    lines.splice(120, 0, '', '   ');
    lines[150] += '\r';
    lines.splice(300, 0, '{"broken": 1');
    const broken = lines.length - 20;
    lines.splice(broken, 0, '{"broken": 2');
    const path = join(dir, 'big.ndjson');
    writeFileSync(path, lines.join('\n') + '\n');
    for (const prefilter of [false, true]) {
      const whole = await run([path], { workers: 0, prefilter });
      assert.ok(whole.alerts.length > 5, 'the scenarios raise alerts');
      assert.deepEqual(
        whole.r.malformed.samples.map((s) => s.origin.line),
        prefilter ? [] : [301, broken + 1],
        'the damaged lines are reported at their lines (the pre-filter passes over lines without its words)',
      );
      assert.ok(whole.r.clockWarnings.length === 1 && /5 h ahead/.test(whole.r.clockWarnings[0]!), whole.r.clockWarnings.join());
      if (!prefilter) assert.deepEqual(whole.r.notNormalized.samples.map((s) => s.origin.line), [91]);
      for (const pieceBytes of [997, 4096, 30_000]) {
        const pieces = await run([path], { workers: 2, prefilter, pieceBytes });
        assert.equal(pieces.r.workers, 2);
        assert.ok(pieces.r.pieces >= 2, `read in ${pieces.r.pieces} pieces`);
        assert.deepEqual(pieces.alerts, whole.alerts, `pieces of ${pieceBytes} bytes, prefilter ${prefilter}`);
        assert.deepEqual(comparable(pieces.r), comparable(whole.r), `pieces of ${pieceBytes} bytes, prefilter ${prefilter}`);
      }
    }
  });
});

test('a piece that meets a document spread over lines reads on to the end, and the pieces after it are not used', async () => {
  await withDir(async (dir) => {
    const lines = scenarioLines();
    const tail = lines.splice(Math.floor(lines.length / 2));
    // Reading the whole file, the scanner takes over at the pretty-printed document and reads it whole; reading in
    // pieces, the piece it starts in reads on (the document spans several pieces).
    const pretty = JSON.stringify({ ...JSON.parse(tail.shift()!), padding: Array.from({ length: 2000 }, (_, i) => i) }, null, 2).split('\n');
    const path = join(dir, 'mixed.ndjson');
    writeFileSync(path, [...lines, ...pretty, ...tail].join('\n') + '\n');
    const whole = await run([path], { workers: 0 });
    assert.equal(whole.r.malformed.count, 0, 'the scanner reads the pretty-printed document');
    assert.equal(whole.r.records, lines.length + 1 + tail.length);
    const pieces = await run([path], { workers: 2, pieceBytes: 4096 });
    assert.ok(pieces.r.pieces >= 4);
    assert.deepEqual(pieces.alerts, whole.alerts);
    assert.deepEqual(comparable(pieces.r), comparable(whole.r));
    // With the pre-filter, a document spread over lines is seen when its first line holds the words it looks for:
    // lines held in the pieces after it (inbound connections to svchost.exe) are not counted twice either.
    const wordy = ['{"event": {"category": ["network"]}, "process": {"name": "svchost.exe"}, "network": {"direction": "ingress"}, "padding": [', ...Array.from({ length: 2000 }, (_, i) => `${i},`), '0]}'];
    const held = join(dir, 'held.ndjson');
    writeFileSync(held, [...lines, ...wordy, ...tail].join('\n') + '\n');
    const wholeHeld = await run([held], { workers: 0, prefilter: true });
    assert.deepEqual(wholeHeld.r.notNormalized.samples.map((n) => n.origin.line), [lines.length + 1], 'the scanner read the document');
    assert.ok(wholeHeld.r.held.lines > 0 && wholeHeld.r.held.decoded > 0, `held ${JSON.stringify(wholeHeld.r.held)}`);
    const piecesHeld = await run([held], { workers: 2, prefilter: true, pieceBytes: 4096 });
    assert.deepEqual(piecesHeld.alerts, wholeHeld.alerts);
    assert.deepEqual(comparable(piecesHeld.r), comparable(wholeHeld.r));
  });
});

test('a file is cut into contiguous pieces in order, its last piece again into smaller ones', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'big.ndjson');
    const text = scenarioLines().join('\n') + '\n';
    writeFileSync(path, text);
    const pieceBytes = Math.floor(text.length / 5);
    const p = await FilePieces.cut([{ path, size: text.length }], undefined, pieceBytes);
    const ranges = p.units.map((u) => u.piece!);
    assert.equal(ranges.length, 5 + LAST_PIECE_SPLIT - 1);
    assert.equal(ranges[0]!.start, 0);
    assert.equal(ranges.at(-1)!.end, text.length);
    for (let k = 1; k < ranges.length; k++) assert.equal(ranges[k]!.start, ranges[k - 1]!.end, `piece ${k} starts where ${k - 1} ends`);
    const sizes = ranges.map((r) => r.end - r.start);
    // Largest first is how threads take them: the small ones come last.
    for (const small of sizes.slice(4)) assert.ok(Math.abs(small * LAST_PIECE_SPLIT - sizes[0]!) <= LAST_PIECE_SPLIT * 2, `${small} of ${sizes[0]}`);
  });
});

test('files that are not NDJSON, or too small, are read whole; several inputs keep their order', async () => {
  await withDir(async (dir) => {
    const t = simulate(SCENARIOS[0]!.id);
    // A JSON array: its first line is not a whole object.
    const docs = renderSimulation(t, 'defend')[0]!.data.toString().split('\n').filter(Boolean);
    writeFileSync(join(dir, 'a-array.json'), `[\n${docs.join(',\n')}\n]\n`);
    writeFileSync(join(dir, 'b-lines.ndjson'), scenarioLines().join('\n') + '\n');
    writeFileSync(join(dir, 'c-small.ndjson'), docs.slice(0, 3).join('\n') + '\n');
    for (const f of renderSimulation(t, 'evtx', true)) writeFileSync(join(dir, `d-${f.name}`), f.data);
    // An Elasticsearch _bulk file: its action lines are noted once for the file, not once per piece.
    writeFileSync(join(dir, 'e-bulk.ndjson'), docs.flatMap((d) => ['{"index":{"_index":"logs-endpoint"}}', d]).join('\n') + '\n');
    const whole = await run([dir], { workers: 0 });
    const pieces = await run([dir], { workers: 2, pieceBytes: 8192 });
    const size = (name: string) => pieces.r.sources.find((s) => s.path.endsWith(name))!.size!;
    // Each cut file's last piece is cut again, smaller (so that the threads end together).
    const cut = (name: string) => Math.floor(size(name) / 8192) + LAST_PIECE_SPLIT - 1;
    assert.equal(pieces.r.pieces, cut('b-lines.ndjson') + cut('e-bulk.ndjson'), 'only the big NDJSON files are cut');
    assert.deepEqual(
      whole.r.notes.samples.filter((n) => n.message.includes('_bulk')).map((n) => n.message),
      [`${docs.length} Elasticsearch _bulk action line(s) skipped (the documents after them are read)`],
    );
    assert.deepEqual(pieces.alerts, whole.alerts);
    assert.deepEqual(comparable(pieces.r), comparable(whole.r));
  });
});

test('with workers on auto, one big NDJSON file is shared by the cores', { skip: availableParallelism() < 2 && 'one core here' }, async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'big.ndjson');
    writeFileSync(path, scenarioLines().join('\n') + '\n');
    const auto = await run([path], { workers: 'auto', pieceBytes: 4096 });
    assert.equal(auto.r.workers, availableParallelism() > 1 ? Math.min(availableParallelism(), auto.r.pieces) : 0);
    assert.ok(auto.r.pieces >= 2);
    const whole = await run([path], { workers: 'auto', pieceBytes: 0 });
    assert.equal(whole.r.workers, 0, 'one file read whole: no worker');
    assert.deepEqual(auto.alerts, whole.alerts);
    // Coverage keeps files whole: a tally per piece in every thread costs more memory than the threads save time.
    const { rules } = await loadRules();
    const covered = await run([path], { workers: 2, pieceBytes: 4096, coverageRules: rules });
    assert.equal(covered.r.pieces, 0);
  });
});

const OTRF = [
  ['otrf-schtask-create', 'schtask_create.zip'],
  ['otrf-covenant-wmi-nearmiss', 'covenant_wmi_wbemcomn_dll_hijack.zip'],
  ['otrf-cmd-wevtutil-noise', 'cmd_wevtutil_modify_security_eventlog_path.zip'],
];

test('real captures (the OTRF exports of ../shared) read in pieces of 50 kB give what reading them whole gives', { skip: skipWithoutShared('datasets', ...OTRF[0]!) }, async () => {
  await withDir(async (dir) => {
    const { rules } = await loadRules();
    let alerts = 0;
    for (const parts of OTRF) {
      const zipPath = sharedPath('datasets', ...parts);
      if (!zipPath) continue;
      // The export itself, unzipped: zip members are read whole.
      const zip = await openZip(zipPath);
      const entry = zip.entries.find((e) => e.name.endsWith('.json') && !e.name.includes('__MACOSX'))!;
      const chunks: Buffer[] = [];
      for await (const c of zip.openEntry(entry).stream) chunks.push(Buffer.from(c));
      await zip.close();
      const path = join(dir, parts[1]!.replace('.zip', '.json'));
      writeFileSync(path, Buffer.concat(chunks));
      for (const prefilter of [false, true]) {
        const whole = await run([path], { workers: 0, prefilter });
        const pieces = await run([path], { workers: 2, prefilter, pieceBytes: 50_000 });
        assert.ok(pieces.r.pieces > 20, `${parts[1]}: ${pieces.r.pieces} pieces`);
        assert.deepEqual(pieces.alerts, whole.alerts, parts[1]);
        assert.deepEqual(comparableResult(pieces.r), comparableResult(whole.r), parts[1]);
        alerts += whole.alerts.length;
      }
    }
    assert.ok(alerts > 0, 'the schtask capture raises alerts');
  });
});
