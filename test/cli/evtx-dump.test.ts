// `seqhunt evtx dump`: JSON lines and Windows-style XML of what the reader read; problems on stderr with file and
// offset; exit 0 when read (even damaged), 2 when unreadable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { writeEvtx } from '../../src/formats/evtx/index.js';
import { main } from '../../src/cli/main.js';
import { runCli } from '../helpers/cli.js';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';
import { sampleEvents } from '../formats/evtx/fixtures.js';
import { hasEvtxexport, NO_EVTXEXPORT } from '../formats/evtx/helpers.js';
import { diff, fromWinEvent, fromXml, parseEvents } from '../formats/evtx/reference-xml.js';

const tmp = mkdtempSync(join(tmpdir(), 'seqhunt-dump-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

const events = sampleEvents(30);
const good = join(tmp, 'good.evtx');
writeFileSync(good, writeEvtx(events));

test('--json (the default) prints one JSON object per record per line', async () => {
  for (const args of [[good], ['--json', good]]) {
    const { code, stdout, stderr } = await runCli(['evtx', 'dump', ...args]);
    assert.equal(code, 0);
    const lines = stdout.trimEnd().split('\n');
    assert.equal(lines.length, events.length);
    assert.deepEqual(lines.map((l) => JSON.parse(l)), events);
    assert.match(stderr, new RegExp(`good.evtx: ${events.length} records`));
  }
});

test('--xml prints one <Event> per record inside <Events>, with the same values', async () => {
  const { code, stdout } = await runCli(['evtx', 'dump', '--xml', good]);
  assert.equal(code, 0);
  assert.match(stdout, /^<\?xml [^>]*\?>\n<Events>\n<Event xmlns="http:\/\/schemas.microsoft.com\/win\/2004\/08\/events\/event">\n/);
  assert.ok(stdout.endsWith('</Event>\n</Events>\n'), 'closed root');
  const parsed = parseEvents(stdout);
  assert.equal(parsed.length, events.length);
  parsed.forEach((x, i) => assert.deepEqual(diff(fromWinEvent(events[i]!), fromXml(x)), [], `record ${i}`));
  // Hostile text is escaped, so the output stays well-formed.
  assert.match(stdout, /<Data Name="TaskName">\\Hostile &lt;name&gt; &amp; "quotes" 'apos'<\/Data>/);
  assert.match(stdout, /<TimeCreated SystemTime="2024-05-01T12:00:00\.000000000Z"\/>/);
});

// Record 55 of samples_security.evtx holds 0x03 values; other logs carry escapes, C1 and bidi characters in data.
const hostile = sampleEvents(1).map((e) => ({
  ...e,
  eventData: { ...e.eventData, MinPasswordAge: '\u0003', Escape: 'a\u0000b\u001b[31mred', C1: 'x\u009by', Bidi: 'evil\u202egpj.exe', Lines: 'one\r\ntwo\tthree' },
}));
const hostilePath = join(tmp, 'hostile.evtx');
writeFileSync(hostilePath, writeEvtx(hostile));
// Raw characters a terminal acts on or XML 1.0 forbids (tab, LF and CR excepted).
const RAW_UNSAFE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202e]/;

test('--xml writes control characters as Control Pictures and C1/bidi as references: well-formed, nothing raw', async () => {
  const { code, stdout } = await runCli(['evtx', 'dump', '--xml', hostilePath]);
  assert.equal(code, 0);
  assert.doesNotMatch(stdout, RAW_UNSAFE);
  assert.match(stdout, /<Data Name="MinPasswordAge">\u2403<\/Data>/);
  assert.match(stdout, /<Data Name="Escape">a\u2400b\u241b\[31mred<\/Data>/);
  assert.match(stdout, /<Data Name="C1">x&#x9b;y<\/Data>/);
  assert.match(stdout, /<Data Name="Bidi">evil&#x202e;gpj\.exe<\/Data>/);
  assert.match(stdout, /<Data Name="Lines">one\r\ntwo\tthree<\/Data>/);
  // References parse back to the very characters.
  const [event] = parseEvents(stdout);
  const shown = { ...hostile[0]!, eventData: { ...hostile[0]!.eventData, MinPasswordAge: '\u2403', Escape: 'a\u2400b\u241b[31mred' } };
  assert.deepEqual(diff(fromWinEvent(shown), fromXml(event!)), []);
});

test('--json escapes C1, bidi and invisible characters as \\u (JSON.stringify leaves them raw); the values are unchanged', async () => {
  const { code, stdout } = await runCli(['evtx', 'dump', '--json', hostilePath]);
  assert.equal(code, 0);
  assert.doesNotMatch(stdout, RAW_UNSAFE);
  assert.match(stdout, /"C1":"x\\u009by"/);
  assert.match(stdout, /"Bidi":"evil\\u202egpj\.exe"/);
  assert.deepEqual(JSON.parse(stdout), hostile[0]);
});

test('damage goes to stderr with file and offset; the rest is printed and the exit status is 0', async () => {
  const buf = writeEvtx(sampleEvents(400));
  buf.fill(0x41, 4096, 4096 + 65536); // chunk 0 garbage
  const path = join(tmp, 'damaged.evtx');
  writeFileSync(path, buf);
  const { code, stdout, stderr } = await runCli(['evtx', 'dump', path]);
  assert.equal(code, 0);
  assert.ok(stdout.split('\n').length > 10, 'later chunks printed');
  assert.match(stderr, new RegExp(`damaged\\.evtx, offset 4096: warning: chunk 0 at offset 4096: bad signature, skipped`));
  assert.match(stderr, /damaged\.evtx: \d+ records, 1 chunks skipped, 1 warnings/);
});

test('a file that is not EVTX or does not exist exits 2 with a message naming it; other files are still read', async () => {
  const text = join(tmp, 'notes.txt');
  writeFileSync(text, 'hello\n');
  const missing = join(tmp, 'missing.evtx');
  const { code, stdout, stderr } = await runCli(['evtx', 'dump', text, missing, good]);
  assert.equal(code, 2);
  assert.match(stderr, /notes\.txt, offset 0: error: not an EVTX file/);
  assert.match(stderr, /missing\.evtx: error: cannot read: ENOENT/);
  assert.equal(stdout.trimEnd().split('\n').length, events.length);
});

test('usage errors exit 2', async () => {
  assert.equal((await runCli(['evtx', 'dump'])).code, 2);
  const both = await runCli(['evtx', 'dump', '--json', '--xml', good]);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /choose one of --json and --xml/);
  assert.equal((await runCli(['evtx', 'dump', '--frob', good])).code, 2);
});

test('reads stdin when the file is "-"', async () => {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  stderr.resume();
  const stdin = Readable.from([writeEvtx(events.slice(0, 3))]);
  const code = await main(['evtx', 'dump', '-'], { stdout, stderr, stdin });
  assert.equal(code, 0);
  assert.deepEqual(out.trimEnd().split('\n').map((l) => JSON.parse(l)), events.slice(0, 3));
});

// --xml is the same text evtxexport prints (minus its banner and blank separator lines) on real logs.
const SAME_AS_EVTXEXPORT = ['samples_sysmon.evtx', 'samples_security.evtx', 'samples_system.evtx', 'samples_2-vss_7-System.evtx'];
for (const name of SAME_AS_EVTXEXPORT) {
  test(`--xml matches evtxexport -f xml text on ${name}`, { skip: skipWithoutShared('evtx-corpus', 'evtx-rs-samples', name) || (!hasEvtxexport && NO_EVTXEXPORT) }, async () => {
    const path = sharedPath('evtx-corpus', 'evtx-rs-samples', name)!;
    const { stdout } = await runCli(['evtx', 'dump', '--xml', path]);
    const ours = stdout.replace(/^<\?xml[^\n]*\n<Events>\n/, '').replace(/<\/Events>\n$/, '');
    const ref = execFileSync('evtxexport', ['-f', 'xml', path], { maxBuffer: 1 << 30 }).toString('utf8')
      .replace(/^evtxexport \d+\n\n/, '')
      .replace(/<\/Event>\n\n/g, '</Event>\n')
      // Our one documented difference: control characters evtxexport writes raw (not well-formed) are Control Pictures.
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, (c) => String.fromCharCode(0x2400 + c.charCodeAt(0)));
    const a = ours.split('\n');
    const b = ref.split('\n');
    const first = a.findIndex((line, i) => line !== b[i]);
    assert.equal(first, -1, `first difference at line ${first + 1}:\n ours: ${a[first]}\n  ref: ${b[first]}`);
    assert.equal(a.length, b.length);
  });
}
