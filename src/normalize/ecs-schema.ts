// ECS field types that change how EQL compares values (ip, numbers, dates), and which fields exist: every field
// seqhunt's normalization produces, and those Elastic's Windows rules read (Defend, Winlogbeat, Agent).
// Unlisted fields under open namespaces (winlog.event_data.*, winlog.user_data.*, labels.*, …) are known keywords.
import type { FieldType } from '../eql/api.js';

const K: FieldType = 'keyword';
const W: FieldType = 'wildcard';
const L: FieldType = 'long';
const D: FieldType = 'date';
const IP: FieldType = 'ip';
const B: FieldType = 'boolean';

/** Field groups shared by process, process.parent and Effective_process. */
const PROCESS_FIELDS: Record<string, FieldType> = {
  entity_id: K, pid: L, name: K, executable: K, command_line: W, args: K, args_count: L, working_directory: K,
  title: K, start: D, end: D, uptime: L, exit_code: L, 'thread.id': L, 'thread.name': K,
  'hash.md5': K, 'hash.sha1': K, 'hash.sha256': K, 'hash.sha512': K,
  'pe.original_file_name': K, 'pe.company': K, 'pe.description': K, 'pe.file_version': K, 'pe.product': K, 'pe.imphash': K,
  'code_signature.subject_name': K, 'code_signature.trusted': B, 'code_signature.exists': B, 'code_signature.status': K,
  'code_signature.signing_id': K, 'user.id': K, 'user.name': K, 'user.domain': K, 'Ext.token.integrity_level_name': K,
};

const FILE_FIELDS: Record<string, FieldType> = {
  path: K, name: K, directory: K, extension: K, target_path: K, size: L, created: D, mtime: D, accessed: D,
  'hash.md5': K, 'hash.sha1': K, 'hash.sha256': K, 'pe.original_file_name': K, 'pe.imphash': K,
  'code_signature.subject_name': K, 'code_signature.trusted': B, 'code_signature.exists': B, 'Ext.original.path': K,
};

const USER_FIELDS: Record<string, FieldType> = { id: K, name: K, domain: K, full_name: K, email: K, roles: K };

const ENDPOINT_FIELDS: Record<string, FieldType> = {
  ip: IP, port: L, domain: K, address: K, bytes: L, packets: L, mac: K,
  'user.name': K, 'user.domain': K, 'user.id': K, 'geo.country_iso_code': K,
};

const TYPES: Record<string, FieldType> = Object.assign(Object.create(null) as Record<string, FieldType>, {
  '@timestamp': D,
  message: K,
  tags: K,
  'ecs.version': K,

  'event.action': K, 'event.category': K, 'event.type': K, 'event.kind': K, 'event.outcome': K, 'event.code': K,
  'event.provider': K, 'event.module': K, 'event.dataset': K, 'event.created': D, 'event.ingested': D,
  'event.original': K, 'event.id': K, 'event.sequence': L, 'event.severity': L, 'event.duration': L,
  'event.start': D, 'event.end': D, 'event.reason': K, 'event.risk_score': 'float',

  'host.id': K, 'host.name': K, 'host.hostname': K, 'host.domain': K, 'host.ip': IP, 'host.mac': K,
  'host.architecture': K, 'host.os.type': K, 'host.os.family': K, 'host.os.platform': K, 'host.os.name': K,
  'host.os.version': K, 'host.os.kernel': K, 'host.os.full': K,
  'agent.id': K, 'agent.name': K, 'agent.type': K, 'agent.version': K,
  'observer.hostname': K, 'observer.name': K,
  'data_stream.dataset': K, 'data_stream.namespace': K, 'data_stream.type': K,

  'network.direction': K, 'network.transport': K, 'network.protocol': K, 'network.type': K, 'network.iana_number': K,
  'network.community_id': K, 'network.bytes': L, 'network.packets': L, 'network.application': K,

  'registry.path': K, 'registry.key': K, 'registry.value': K, 'registry.hive': K, 'registry.data.strings': W,
  'registry.data.bytes': K, 'registry.data.type': K,

  'dns.question.name': K, 'dns.question.type': K, 'dns.question.registered_domain': K, 'dns.question.subdomain': K,
  'dns.question.top_level_domain': K, 'dns.answers.data': K, 'dns.answers.type': K, 'dns.answers.name': K,
  'dns.resolved_ip': IP, 'dns.response_code': K,

  'related.ip': IP, 'related.user': K, 'related.hash': K, 'related.hosts': K,
  'rule.name': K,
  'service.name': K, 'service.type': K,
  'log.level': K,
  'error.code': K, 'error.message': K,
  'sysmon.dns.status': K,
  'dll.name': K, 'dll.path': K, 'dll.hash.sha256': K, 'dll.code_signature.trusted': B, 'dll.code_signature.subject_name': K,
  'group.id': K, 'group.name': K, 'group.domain': K,
  'client.ip': IP, 'server.ip': IP, 'client.port': L, 'server.port': L,
  'url.full': W, 'url.domain': K,

  'winlog.channel': K, 'winlog.provider_name': K, 'winlog.provider_guid': K, 'winlog.computer_name': K,
  'winlog.event_id': K, 'winlog.record_id': K, 'winlog.task': K, 'winlog.opcode': K, 'winlog.keywords': K,
  'winlog.level': K, 'winlog.version': L, 'winlog.activity_id': K, 'winlog.related_activity_id': K,
  'winlog.process.pid': L, 'winlog.process.thread.id': L, 'winlog.user.identifier': K, 'winlog.user.name': K,
  'winlog.user.domain': K, 'winlog.user.type': K, 'winlog.logon.type': K, 'winlog.logon.id': K,
  'winlog.logon.failure.reason': K, 'winlog.logon.failure.status': K, 'winlog.logon.failure.sub_status': K,
  'winlog.time_created': D, 'winlog.api': K,
});

function addGroup(prefix: string, group: Record<string, FieldType>): void {
  for (const k in group) TYPES[`${prefix}.${k}`] = group[k]!;
}
addGroup('process', PROCESS_FIELDS);
addGroup('process.parent', PROCESS_FIELDS);
addGroup('Effective_process', PROCESS_FIELDS);
addGroup('file', FILE_FIELDS);
addGroup('user', USER_FIELDS);
addGroup('user.effective', USER_FIELDS);
addGroup('user.target', USER_FIELDS);
addGroup('user.changes', USER_FIELDS);
addGroup('source', ENDPOINT_FIELDS);
addGroup('destination', ENDPOINT_FIELDS);

/** Object fields (every proper prefix of a leaf), so `process` itself is a known field of type object. */
const OBJECTS = new Set<string>();
for (const name of Object.keys(TYPES)) {
  let i = name.indexOf('.');
  while (i > 0) {
    OBJECTS.add(name.slice(0, i));
    i = name.indexOf('.', i + 1);
  }
}

/** Namespaces whose sub-fields are whatever the source wrote (event data, labels, vendor extensions). */
const OPEN_PREFIXES = [
  'winlog.event_data.',
  'winlog.user_data.',
  'winlog.scheduled_task.',
  'labels.',
  'seqhunt.',
  'kibana.alert.',
  'Endpoint.',
  'process.Ext.',
  'file.Ext.',
  'registry.Ext.',
];

/** The ECS type of a field, or undefined when unmapped (compared as keyword). */
export function ecsFieldType(field: string): FieldType | undefined {
  const t = TYPES[field];
  if (t !== undefined) return t;
  return OBJECTS.has(field) ? 'object' : undefined;
}

/** True when rules may read this field (listed, an object holding listed fields, or under an open namespace). */
export function isEcsField(field: string): boolean {
  if (TYPES[field] !== undefined || OBJECTS.has(field)) return true;
  for (const p of OPEN_PREFIXES) if (field.startsWith(p)) return true;
  return false;
}

/** Every listed leaf field (for documentation and the rule linter's suggestions). */
export function ecsFieldNames(): string[] {
  return Object.keys(TYPES).sort();
}
