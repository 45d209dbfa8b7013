import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { AlertAssembler, createSink, type Alert } from '../../src/alerts/index.js';
import type { NormalizedEvent } from '../../src/normalize/types.js';
import { encodeActions, match, rule } from './helpers.js';

/** Deterministic pseudo-random generator. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

test('hostile documents: observe, addMatch, ready, finish and every sink never throw, and no match is lost', async () => {
  const r = rng(7);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const GUID = '{47CDCDF5-3457-4925-96E5-DB6635FFCDDE}';
  const values = (): unknown =>
    pick<unknown>([
      undefined,
      null,
      '',
      '-',
      42,
      -1,
      Number.NaN,
      true,
      ['a', 'b'],
      [],
      { nested: { x: 1 } },
      '\u001b[31mred\u0007',
      'x'.repeat(5000),
      GUID,
      '0xZZ',
      '0x3e7',
      '10.0.0.5',
      '::ffff:10.0.0.5',
      `HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tree\\A\\Id`,
      `HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tasks\\${GUID}\\Actions`,
      '<Task><Actions Context="x"><Exec><Command>&#x0;</Command></Exec></Actions><Principals><Principal id="x"><UserId>S-1-5-18</UserId></Principal></Principals></Task>',
      encodeActions({ actions: [{ type: 'exec', command: 'c' }] }).toString('base64'),
      'not-a-date',
      '2020-12-19T07:00:22.000Z',
    ]);
  const channels = ['Security', 'Microsoft-Windows-Sysmon/Operational', 'Microsoft-Windows-TaskScheduler/Operational', 'System', '', 42];
  const ids = ['1', '3', '12', '13', '106', '140', '200', '4624', '4648', '4672', '4688', '4697', '4698', '4699', '4702', '5140', '5145', '7045', 'x', 7];
  const dataKeys = ['TaskName', 'TaskContent', 'TaskContentNew', 'TargetObject', 'Details', 'IpAddress', 'IpPort', 'LogonType', 'TargetLogonId', 'SubjectLogonId', 'SubjectUserName', 'SubjectDomainName', 'TargetUserName', 'ShareName', 'RelativeTargetName', 'ServiceName', 'ImagePath', 'UserContext', 'ActionName', 'ParentImage'];
  const events: NormalizedEvent[] = [];
  const T = Date.parse('2024-01-01T00:00:00Z');
  for (let i = 0; i < 3000; i++) {
    const ed: Record<string, unknown> = {};
    for (const k of dataKeys) if (r() < 0.4) ed[k] = values();
    const doc: Record<string, unknown> = {
      winlog: r() < 0.1 ? values() : { channel: pick(channels), event_id: pick(ids), event_data: r() < 0.05 ? values() : ed },
      event: { code: pick(ids), created: values(), category: pick(['network', ['process'], 'registry', values()]) },
      registry: r() < 0.3 ? { path: values(), data: { strings: values(), bytes: values() } } : values(),
      source: { ip: values(), port: values() },
      destination: { ip: values(), port: values() },
      process: { entity_id: pick(['{p1}', '{p2}', values()]), parent: { entity_id: '{p1}', executable: pick(['C:\\Windows\\System32\\svchost.exe', values()]) }, pid: values() },
      host: r() < 0.1 ? values() : { id: 'h1', name: values() },
    };
    if (r() < 0.05) doc['registry.path'] = values();
    const ts = r() < 0.02 ? Number.NaN : T + i * pick([1, 10, 1000, 60_000]);
    events.push({ doc, timestamp: ts, host: pick(['h1', 'h2']), origin: { file: 'fuzz.json', line: i + 1 } });
  }
  const asm = new AlertAssembler({ contextWindowMs: 30_000 });
  const alerts: Alert[] = [];
  let matches = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    asm.observe(e);
    if (i > 3 && r() < 0.05) {
      const m = match(events[i - 1 - Math.floor(r() * 3)]!, r() < 0.2 ? null : e);
      asm.addMatch(rule(), m);
      matches++;
    }
    alerts.push(...asm.ready(e.host, e.timestamp));
  }
  alerts.push(...asm.finish());
  assert.equal(alerts.length + asm.duplicateCount, matches, 'every match is an alert or a reported duplicate');
  const failures = alerts.flatMap((a) => a['seqhunt.task']?.problems ?? []).filter((p) => p.startsWith('enrichment failed'));
  assert.deepEqual(failures, [], 'enrichment copes with every shape');
  for (const format of ['table', 'json', 'ndjson', 'csv'] as const) {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString('utf8')));
    const sink = createSink(format, out, { color: true, showSuppressed: true });
    for (const a of alerts) sink.write(a);
    await sink.close();
    if (format === 'json') assert.equal(JSON.parse(text).length, alerts.length);
    if (format === 'table') {
      const data = text.replace(/\u001b\[[0-9;]*m/g, '');
      // eslint-disable-next-line no-control-regex
      assert.ok(!/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/.test(data), 'no control characters from the data');
    }
  }
});
