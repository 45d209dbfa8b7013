import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { AlertAssembler, createSink, csvCell, CSV_COLUMNS, type Alert, type SinkFormat } from '../../src/alerts/index.js';
import { companionRule, match, registration, rule, sec4624, sec4698, sysmon3, taskXml } from './helpers.js';

const T = Date.parse('2024-05-01T10:00:00.000Z');
const HOSTILE_CMD = 'C:\\evil\u001b]0;pwned\u0007\u001b[2J\u009b31m\u202egnp.exe';
const HOSTILE_ARGS = '=HYPERLINK("http://x")\r\nnext "line"';

/** Alerts built by the assembler: a flagship and its companion (one incident) and a second task. */
function sampleAlerts(): Alert[] {
  const asm = new AlertAssembler();
  const evs = [];
  const logon = sec4624(T - 20, { user: '@admin', domain: '+CORP', logonId: '0x1', ip: '10.0.0.5', port: 50001 });
  const created = sec4698(T + 10, { user: '@admin', domain: '+CORP', logonId: '0x1', taskName: '\\-task\u001b[31m', content: taskXml({ uri: '\\-task', command: HOSTILE_CMD, args: HOSTILE_ARGS }) });
  const net = sysmon3({ ts: T - 10 }, { ip: '10.0.0.5', port: 50001 });
  const reg = registration({ ts: T }, '{AAAAAAAA-0000-0000-0000-000000000001}', '\\-task\u001b[31m');
  const net2 = sysmon3({ ts: T + 100 }, { ip: '10.0.0.6', port: 50002 });
  const reg2 = registration({ ts: T + 200 }, '{BBBBBBBB-0000-0000-0000-000000000002}', '\\Second');
  evs.push(logon, created, net, ...reg, net2, ...reg2);
  for (const e of evs.sort((a, b) => a.timestamp - b.timestamp)) asm.observe(e);
  asm.addMatch(rule(), match(net, reg[2]!));
  asm.addMatch(companionRule(), match(logon, created));
  asm.addMatch(rule(), match(net2, reg2[2]!));
  return asm.finish();
}

async function render(format: SinkFormat, alerts: Alert[], options = {}): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString('utf8')));
  const sink = createSink(format, out, options);
  for (const a of alerts) sink.write(a);
  await sink.close();
  return text;
}

// eslint-disable-next-line no-control-regex
const TERMINAL_UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

test('the sample alerts carry the hostile strings the outputs must neutralize', () => {
  const alerts = sampleAlerts();
  assert.equal(alerts.length, 3);
  assert.equal(alerts[0]!['seqhunt.task']!.command, HOSTILE_CMD);
  assert.equal(alerts[0]!['seqhunt.incident.id'], alerts[1]!['seqhunt.incident.id']);
});

test('table: one line per alert for a person, no control or bidi characters from the data, incidents marked', async () => {
  const alerts = sampleAlerts();
  const text = await render('table', alerts);
  const lines = text.trimEnd().split('\n');
  assert.equal(lines.length, 4, text);
  assert.match(lines[0]!, /^TIME +HOST +SOURCE +USER +TASK +COMMAND +SEVERITY +INC +RULE$/);
  assert.ok(!TERMINAL_UNSAFE.test(text), JSON.stringify(text));
  assert.ok(lines[1]!.includes('\\e]0;pwned\\x07\\e[2J\\x9b31m\\u{202e}gnp.exe'), lines[1]);
  assert.ok(lines[1]!.includes('10.0.0.5:50001') && lines[1]!.includes('+CORP\\@admin') && lines[1]!.includes('medium'), lines[1]);
  // Flagship and companion: one incident (#1, then #1+ for the second alert of it); the other task is #2.
  const inc = lines.slice(1).map((l) => / (#\d+\+?) /.exec(l)?.[1]);
  assert.deepEqual(inc.sort(), ['#1', '#1+', '#2']);
  assert.ok(lines.some((l) => l.includes('(covers: SMB named-pipe (atsvc) task creation)')), text);
  assert.equal(await render('table', []), 'No alerts.\n');
});

test('table with colour: only our own severity colours are escape sequences', async () => {
  const text = await render('table', sampleAlerts(), { color: true });
  for (const line of text.trimEnd().split('\n').slice(1)) {
    const escapes = line.match(/\u001b/g) ?? [];
    assert.equal(escapes.length, 2, line);
    assert.ok(line.includes('\u001b[33mmedium'), line);
  }
});

test('json: one complete array that round-trips, with no raw C1 or bidi characters', async () => {
  const alerts = sampleAlerts();
  const text = await render('json', alerts);
  assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(alerts)));
  assert.ok(!TERMINAL_UNSAFE.test(text.replace(/\n/g, '')), 'no raw control characters');
  assert.deepEqual(JSON.parse(await render('json', [])), []);
});

test('ndjson: one complete alert per line', async () => {
  const alerts = sampleAlerts();
  const text = await render('ndjson', alerts);
  const lines = text.split('\n');
  assert.equal(lines.pop(), '');
  assert.equal(lines.length, 3);
  assert.deepEqual(lines.map((l) => JSON.parse(l)), JSON.parse(JSON.stringify(alerts)));
  assert.ok(!TERMINAL_UNSAFE.test(text.replace(/\n/g, '')), 'ESC, C1 and bidi characters are \\u-escaped');
  assert.ok(text.includes('\\u001b]0;pwned\\u0007\\u001b[2J\\u009b31m\\u202egnp.exe'), text);
  assert.equal(await render('ndjson', []), '');
});

/** RFC 4180 reader for the test. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  assert.equal(cell, '', 'ends with CRLF');
  return rows;
}

test('csv: fixed columns, RFC 4180 quoting, cells that a spreadsheet would evaluate are neutralized', async () => {
  const alerts = sampleAlerts();
  const text = await render('csv', alerts);
  const rows = parseCsv(text);
  assert.deepEqual(rows[0], CSV_COLUMNS.map(([n]) => n));
  assert.equal(rows.length, 4);
  const col = (name: string): number => rows[0]!.indexOf(name);
  const first = rows[1]!;
  assert.equal(first[col('arguments')], `'${HOSTILE_ARGS}`, 'formula neutralized, CR LF and quotes kept inside the quoted cell');
  assert.equal(first[col('source_user')], "'+CORP\\@admin");
  assert.equal(first[col('task_name')], "\\-task\\e[31m", 'escape sequences made visible, as in the table');
  for (const r of rows.slice(1)) {
    for (const cell of r) assert.ok(!/^[=+\-@\t\r]/.test(cell), `cell ${JSON.stringify(cell)}`);
  }
  assert.equal(first[col('source_ip')], '10.0.0.5');
  assert.equal(first[col('severity')], 'medium');
  assert.equal(await render('csv', []), CSV_COLUMNS.map(([n]) => n).join(',') + '\r\n');
});

test('suppressed alerts: left out unless shown, then marked (table) or carrying suppressed_by (json, csv)', async () => {
  const alerts = sampleAlerts();
  alerts[2]!.suppressed_by = [{ list_id: 'admin-tools', item_id: 'sccm', name: 'SCCM server' }];
  assert.equal((await render('table', alerts)).trimEnd().split('\n').length, 3);
  assert.equal(JSON.parse(await render('json', alerts)).length, 2);
  const shown = await render('table', alerts, { showSuppressed: true });
  assert.ok(shown.includes('[suppressed by SCCM server]'), shown);
  const json = JSON.parse(await render('json', alerts, { showSuppressed: true }));
  assert.equal(json.length, 3);
  assert.equal(json[2].suppressed_by[0].item_id, 'sccm');
  const csv = parseCsv(await render('csv', alerts, { showSuppressed: true }));
  assert.equal(csv[3]![csv[0]!.indexOf('suppressed_by')], 'SCCM server');
});

test('unknown format is refused; an alert that cannot be serialized does not break the output', async () => {
  assert.throws(() => createSink('xml' as SinkFormat, new PassThrough()), /unknown output format/);
  const alerts = sampleAlerts();
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  const broken = { ...alerts[0]!, events: [cyclic] } as Alert;
  const lines = (await render('ndjson', [broken, alerts[1]!])).trimEnd().split('\n');
  assert.equal(lines.length, 2);
  assert.match(JSON.parse(lines[0]!)['seqhunt.error'], /could not be serialized/);
  assert.equal(JSON.parse(lines[1]!)['kibana.alert.uuid'], alerts[1]!['kibana.alert.uuid']);
});

test('csv: no terminal escape, C1 or bidi character from the data is written raw; the cells say what was there', async () => {
  const alerts = sampleAlerts();
  const text = await render('csv', alerts);
  // CR LF end rows and stay inside quoted cells (data); every other control character is made visible.
  assert.ok(!TERMINAL_UNSAFE.test(text.replace(/\r\n/g, '')), JSON.stringify(text));
  const rows = parseCsv(text);
  const col = (name: string): number => rows[0]!.indexOf(name);
  const first = rows[1]!;
  assert.equal(first[col('command')], 'C:\\evil\\e]0;pwned\\x07\\e[2J\\x9b31m\\u{202e}gnp.exe');
  assert.equal(first[col('arguments')], `'${HOSTILE_ARGS}`, 'the spreadsheet protection still applies');
  // Each character class on its own, and a formula behind an escape is no formula.
  assert.equal(csvCell('a\u0000b\u0008c\u000bd\u007fe'), 'a\\x00b\\x08c\\x0bd\\x7fe');
  assert.equal(csvCell('x\u200ey\u2066z\u2069\ufeff'), 'x\\u{200e}y\\u{2066}z\\u{2069}\\u{feff}');
  assert.equal(csvCell('tab\there'), 'tab\there');
  assert.equal(csvCell('\u001b=cmd()'), '\\e=cmd()');
  assert.equal(csvCell('=1+1'), "'=1+1");
  assert.equal(csvCell('a\u0085,b'), '"a\\x85,b"');
});
