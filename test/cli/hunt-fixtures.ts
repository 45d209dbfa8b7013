// ECS NDJSON fixtures for the hunt CLI tests, written by the tests into a temp dir: one remote task creation
// (Sysmon-shaped network + registry events of one svchost), split over files in the order Sysmon writes them.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const HOST = { id: '2b1c63a0-7c4c-4a55-9a3e-0a1c0f7f2e11', name: 'ws06.corp.example', os: { type: 'windows' } };
export const ENTITY = '{649442b8-52dc-5fd1-3600-000000000600}';

export function networkDoc(iso: string, extra: { sourceIp?: string; entity?: string; id?: string } = {}) {
  return {
    '@timestamp': iso,
    event: { category: ['network'], type: ['connection', 'start'], ...(extra.id && { id: extra.id }) },
    host: HOST,
    process: { name: 'svchost.exe', pid: 2220, entity_id: extra.entity ?? ENTITY },
    network: { direction: 'ingress', transport: 'tcp' },
    source: { ip: extra.sourceIp ?? '172.18.39.5', port: 56588 },
    destination: { ip: '172.18.39.6', port: 49671 },
  };
}

export function registryDoc(iso: string, extra: { entity?: string; guid?: string; id?: string } = {}) {
  const key = `HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tasks\\${extra.guid ?? '{47CDCDF5-3457-4925-96E5-DB6635FFCDDE}'}`;
  return {
    '@timestamp': iso,
    event: { category: ['registry'], type: ['change'], ...(extra.id && { id: extra.id }) },
    host: HOST,
    process: { name: 'svchost.exe', pid: 2220, entity_id: extra.entity ?? ENTITY },
    registry: { path: `${key}\\Actions`, key: key.slice(5), value: 'Actions', hive: 'HKLM' },
  };
}

export function noiseDoc(iso: string, i: number) {
  return { '@timestamp': iso, event: { category: ['process'], type: ['start'] }, host: HOST, process: { name: 'notepad.exe', pid: 4000 + i, entity_id: `{noise-${i}}` } };
}

export const ndjson = (docs: unknown[]) => docs.map((d) => JSON.stringify(d)).join('\n') + '\n';

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'seqhunt-hunt-'));
}

/**
 * Two files of one host: registry.ndjson holds the Actions write (and a malformed line), network.ndjson the
 * inbound connection 21 s earlier — read in that file order, the rule still fires because events are sorted.
 */
export function writeRemoteTaskFiles(dir: string): { registry: string; network: string } {
  const registry = join(dir, 'registry.ndjson');
  const network = join(dir, 'network.ndjson');
  writeFileSync(
    registry,
    ndjson([noiseDoc('2020-12-19T12:00:00.000Z', 1), registryDoc('2020-12-19T12:00:22.232Z')]) + '{"@timestamp": broken\n' + ndjson([noiseDoc('2020-12-19T12:00:30.000Z', 2)]),
  );
  writeFileSync(network, ndjson([networkDoc('2020-12-19T12:00:01.012Z')]));
  return { registry, network };
}
