// ECS field types that change how EQL compares values (ip, numbers, dates), and which fields exist.
// PROVISIONAL (skeleton): the normalization work extends this to the ECS fields seqhunt produces and reads.
import type { FieldType } from '../eql/api.js';

const TYPES: Record<string, FieldType> = {
  '@timestamp': 'date',
  'source.ip': 'ip',
  'destination.ip': 'ip',
  'client.ip': 'ip',
  'server.ip': 'ip',
  'host.ip': 'ip',
  'related.ip': 'ip',
  'source.port': 'long',
  'destination.port': 'long',
  'process.pid': 'long',
  'process.parent.pid': 'long',
};

/** The ECS type of a field, or undefined when unmapped (compared as keyword). */
export function ecsFieldType(field: string): FieldType | undefined {
  return TYPES[field];
}
