// The flagship rule "Remote Scheduled Task Creation", word for word, on hand-made ECS events: the attack
// shape matches, and each near miss does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileQuery, type Match } from '../../src/eql/index.js';
import { ecsFieldType } from '../../src/normalize/index.js';
import { projectRoot } from '../helpers/shared.js';

const FLAGSHIP = `sequence by host.id, process.entity_id with maxspan = 1m
   [network where host.os.type == "windows" and process.name : "svchost.exe" and
   network.direction : ("incoming", "ingress") and source.port >= 49152 and destination.port >= 49152 and
   source.ip != "127.0.0.1" and source.ip != "::1"]
   [registry where host.os.type == "windows" and event.type == "change" and registry.value : "Actions" and
    registry.path : "HKLM\\\\SOFTWARE\\\\Microsoft\\\\Windows NT\\\\CurrentVersion\\\\Schedule\\\\TaskCache\\\\Tasks\\\\*\\\\Actions"]`;

const T0 = Date.parse('2024-05-01T10:00:00Z');

type Doc = Record<string, unknown>;

function network(over: { t?: number; host?: string; entity?: string; name?: string; direction?: string; sport?: unknown; dport?: unknown; ip?: string } = {}): Doc {
  return {
    '@timestamp': new Date(over.t ?? T0).toISOString(),
    event: { category: ['network'], type: ['connection', 'start'] },
    host: { id: over.host ?? 'host-1', os: { type: 'windows' } },
    process: { name: over.name ?? 'svchost.exe', entity_id: over.entity ?? 'proc-1', pid: 1100 },
    network: { direction: over.direction ?? 'incoming', transport: 'tcp' },
    source: { ip: over.ip ?? '10.0.0.5', port: over.sport ?? 50123 },
    destination: { ip: '10.0.0.9', port: over.dport ?? 49670 },
  };
}

function registry(over: { t?: number; host?: string; entity?: string; path?: string; value?: string; type?: unknown } = {}): Doc {
  const path = over.path ?? 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tasks\\{0D5A4B1E-3C4F-4E2A-9C8B-1F2E3D4C5B6A}\\Actions';
  return {
    '@timestamp': new Date(over.t ?? T0 + 5_000).toISOString(),
    event: { category: ['registry'], type: over.type ?? ['change'] },
    host: { id: over.host ?? 'host-1', os: { type: 'windows' } },
    process: { name: 'svchost.exe', entity_id: over.entity ?? 'proc-1' },
    registry: { path, value: over.value ?? 'Actions', key: path.slice(5, -8) },
  };
}

function hunt(events: Doc[]): Match<Doc>[] {
  const q = compileQuery(FLAGSHIP, { fieldType: ecsFieldType });
  const m = q.matcher<Doc>();
  const out: Match<Doc>[] = [];
  for (const e of events) out.push(...m.push(e));
  out.push(...m.flush());
  return out;
}

test('the flagship query is the one in DEVELOPERS.md, word for word', () => {
  const dev = readFileSync(join(projectRoot, 'DEVELOPERS.md'), 'utf8');
  const block = /## The flagship rule[\s\S]*?```\n([\s\S]*?)\n```/.exec(dev);
  assert.ok(block, 'flagship block in DEVELOPERS.md');
  assert.equal(block[1]!.trim(), FLAGSHIP.trim());
  const q = compileQuery(FLAGSHIP, { fieldType: ecsFieldType });
  assert.equal(q.kind, 'sequence');
  assert.equal(q.maxspanMs, 60_000);
  assert.deepEqual(q.stages.map((s) => s.category), ['network', 'registry']);
});

test('the attack shape matches, with join keys and both events', () => {
  const n = network();
  const r = registry();
  const got = hunt([n, registry({ entity: 'other', t: T0 + 1000 }), r]);
  assert.equal(got.length, 1);
  assert.deepEqual(got[0]!.joinKeys, ['host-1', 'proc-1']);
  assert.equal(got[0]!.events[0], n);
  assert.equal(got[0]!.events[1], r);
});

test('variants that still match: ingress, case of names and path, ports as strings, array event.type, exactly 1 minute', () => {
  assert.equal(hunt([network({ direction: 'ingress' }), registry()]).length, 1);
  assert.equal(hunt([network({ name: 'SVCHOST.EXE' }), registry()]).length, 1);
  assert.equal(hunt([network(), registry({ path: 'hklm\\software\\microsoft\\windows nt\\currentversion\\schedule\\taskcache\\tasks\\{x}\\actions' })]).length, 1);
  assert.equal(hunt([network({ sport: '49152', dport: '65535' }), registry()]).length, 1);
  assert.equal(hunt([network(), registry({ type: 'change' })]).length, 1);
  assert.equal(hunt([network(), registry({ t: T0 + 60_000 })]).length, 1, 'maxspan is inclusive');
  assert.equal(hunt([network({ ip: 'fe80::1234' }), registry()]).length, 1, 'a real IPv6 peer');
});

test('near misses do not match', () => {
  const misses: Array<[string, Doc[]]> = [
    ['loopback IPv4', [network({ ip: '127.0.0.1' }), registry()]],
    ['loopback IPv6', [network({ ip: '::1' }), registry()]],
    ['loopback IPv6 long form', [network({ ip: '0:0:0:0:0:0:0:1' }), registry()]],
    ['loopback IPv4-mapped', [network({ ip: '::ffff:127.0.0.1' }), registry()]],
    ['source port below 49152', [network({ sport: 49151 }), registry()]],
    ['destination port below 49152 (the endpoint mapper)', [network({ dport: 135 }), registry()]],
    ['egress', [network({ direction: 'egress' }), registry()]],
    ['outgoing', [network({ direction: 'outgoing' }), registry()]],
    ['not svchost', [network({ name: 'svchost.exe.bak' }), registry()]],
    ['more than one minute', [network(), registry({ t: T0 + 60_001 })]],
    ['another process', [network(), registry({ entity: 'proc-2' })]],
    ['another host', [network(), registry({ host: 'host-2' })]],
    ['registry write before the connection', [registry({ t: T0 - 1000 }), network()]],
    ['another value', [network(), registry({ value: 'Triggers' })]],
    ['another key', [network(), registry({ path: 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tree\\x\\Actions' })]],
    ['not a change', [network(), registry({ type: ['creation'] })]],
  ];
  for (const [why, events] of misses) assert.deepEqual(hunt(events), [], why);
});

test('two connections then one write: the newer connection is the one joined', () => {
  const first = network({ t: T0 });
  const second = network({ t: T0 + 30_000, sport: 50999 });
  const got = hunt([first, second, registry({ t: T0 + 40_000 })]);
  assert.equal(got.length, 1);
  assert.equal(got[0]!.events[0], second);
});
