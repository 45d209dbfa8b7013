// Small ECS event builders for runtime tests.
import type { NormalizedEvent } from '../../src/normalize/types.js';

export function ev(host: string, iso: string, category: string, extra: Record<string, unknown> = {}, line = 0, file = 'test.ndjson'): NormalizedEvent {
  const doc = { '@timestamp': iso, host: { id: host, name: host }, event: { category: [category] }, ...extra };
  return { doc, timestamp: Date.parse(iso), host, origin: { file, line } };
}

/** A network event then a registry event of one process: the shape of the flagship's two stages. */
export function pair(host: string, startIso: string, gapMs: number, pid: string, line = 0, file = 'test.ndjson'): [NormalizedEvent, NormalizedEvent] {
  const t0 = Date.parse(startIso);
  return [
    ev(host, new Date(t0).toISOString(), 'network', { process: { entity_id: pid }, source: { ip: '10.0.0.5', port: 50000 } }, line, file),
    ev(host, new Date(t0 + gapMs).toISOString(), 'registry', { process: { entity_id: pid } }, line + 1, file),
  ];
}
