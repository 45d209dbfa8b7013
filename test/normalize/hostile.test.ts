// Random and hostile documents: normalization answers with an event or a reason, never with an internal error,
// and never lets a key such as "__proto__" change an object's prototype.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normalize, parseTime } from '../../src/normalize/index.js';

const KEYS = [
  'Channel', 'EventID', 'Hostname', 'Computer', 'TimeCreated', '@timestamp', 'EventTime', 'RecordNumber', 'SourceName',
  'Keywords', 'UtcTime', 'ProcessGuid', 'ProcessId', 'Image', 'Initiated', 'SourceIp', 'SourcePort', 'DestinationPort',
  'TargetObject', 'Details', 'User', 'LogonType', 'IpAddress', 'IpPort', 'SubjectUserName', 'AccessList', 'PrivilegeList',
  'QueryResults', 'Hashes', 'CommandLine', 'winlog', 'event', 'host', 'registry', 'source', 'process', 'channel',
  'event_id', 'event_data', 'computer_name', 'path', 'ip', 'id', 'name', '__proto__', 'constructor', 'toString',
  'process.entity_id', 'winlog.event_data.x', 'a.b.c',
];
const STRINGS = [
  '', '-', 'Security', 'Microsoft-Windows-Sysmon/Operational', 'Microsoft-Windows-Sysmon', 'Microsoft-Windows-Security-Auditing',
  '2020-12-19T12:00:22.232Z', '2020-12-19 12:00:22.232', '9999-99-99', 'true', 'FALSE', '4624', '13', '3', '0x3e7',
  'HKEY_LOCAL_MACHINE\\SOFTWARE\\X', '\\REGISTRY\\MACHINE', 'QWORD (0x00000001-0x00000002)', 'DWORD (0x0000000g)',
  '::ffff:1.2.3.4', '0:0:0:0:0:0:0:1', '1:2:3:4:5:6:7:8:9', 'type:', 'type:  5', 'SHA1=,MD5==,=', '{ABC}', 'a\\b\\c\\d',
  '"unterminated', '%%4416 %%', 'constructor', '__proto__', '\u0000\uffff', 'x'.repeat(300),
];

function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

function value(r: () => number, depth: number): unknown {
  const k = Math.floor(r() * 9);
  switch (k) {
    case 0: return Math.floor(r() * 2 ** 40) * (r() < 0.1 ? -1 : 1);
    case 1: return r() < 0.5;
    case 2: return null;
    case 3: return depth > 2 ? 'deep' : object(r, depth + 1);
    case 4: return [value(r, depth + 1), STRINGS[Math.floor(r() * STRINGS.length)]];
    case 5: return r() * 1e12;
    default: return STRINGS[Math.floor(r() * STRINGS.length)];
  }
}

function object(r: () => number, depth: number): Record<string, unknown> {
  // JSON.parse is how documents arrive: "__proto__" then is an own key, not a prototype.
  const parts: string[] = [];
  const n = 1 + Math.floor(r() * 8);
  for (let i = 0; i < n; i++) parts.push(`${JSON.stringify(KEYS[Math.floor(r() * KEYS.length)])}:${JSON.stringify(value(r, depth) ?? null)}`);
  return JSON.parse(`{${parts.join(',')}}`) as Record<string, unknown>;
}

function checkPrototypes(v: unknown, path: string): void {
  if (v === null || typeof v !== 'object') return;
  if (!Array.isArray(v)) {
    const proto = Object.getPrototypeOf(v);
    assert.ok(proto === Object.prototype || proto === null, `${path} has a foreign prototype`);
  }
  for (const k of Object.keys(v)) checkPrototypes((v as Record<string, unknown>)[k], `${path}.${k}`);
}

describe('hostile documents', () => {
  it('5,000 random documents: an event with consistent time and host, or a reason; no internal errors', () => {
    const r = rng(0xc0ffee);
    let events = 0;
    for (let i = 0; i < 5000; i++) {
      const doc = object(r, 0);
      if (r() < 0.5) {
        doc.Channel = r() < 0.5 ? 'Security' : 'Microsoft-Windows-Sysmon/Operational';
        doc.EventID = [3, 13, 4624, 5145, 12, 22, 1][Math.floor(r() * 7)];
        if (r() < 0.8) doc.TimeCreated = '2020-12-19T12:00:22.232Z';
      } else if (r() < 0.5) {
        doc['@timestamp'] = r() < 0.8 ? '2020-12-19T12:00:22.232Z' : value(r, 2);
      }
      const res = normalize({ kind: 'document', doc, origin: { file: 'fuzz', line: i + 1 } });
      if (res.ok) {
        events++;
        assert.equal(typeof res.event.host, 'string');
        assert.ok(Number.isFinite(res.event.timestamp), `line ${i + 1}`);
        // @timestamp text carries at most 100 ns (7 fraction digits); the number may carry more.
        const text = parseTime(res.event.doc['@timestamp']);
        assert.ok(text !== undefined && Math.abs(text - res.event.timestamp) < 1e-4, `line ${i + 1}: ${String(res.event.doc['@timestamp'])}`);
        checkPrototypes(res.event.doc, 'doc');
      } else {
        assert.ok(res.reason.length > 0);
        assert.doesNotMatch(res.reason, /^could not normalize/, `line ${i + 1}: ${res.reason}`);
      }
    }
    assert.ok(events > 1000, `${events} events`);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('"__proto__" in a flat export or a dotted key stays data', () => {
    const flat = JSON.parse('{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1,"TimeCreated":"2020-12-19T12:00:22.232Z","__proto__":{"Image":"evil.exe"}}');
    const a = normalize({ kind: 'document', doc: flat, origin: { file: 'x' } });
    assert.ok(a.ok);
    const data = (a.event.doc.winlog as Record<string, any>).event_data;
    assert.equal(Object.getPrototypeOf(data), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(data, '__proto__')?.value, { Image: 'evil.exe' });
    assert.equal((a.event.doc as Record<string, any>).process, undefined, 'no Image leaked through a prototype');

    const dotted = JSON.parse('{"@timestamp":"2020-12-19T12:00:22.232Z","__proto__.polluted":"yes","host.id":"h"}');
    const b = normalize({ kind: 'document', doc: dotted, origin: { file: 'x' } });
    assert.ok(b.ok);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(b.event.doc), Object.prototype);
  });
});
