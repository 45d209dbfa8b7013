// Generates Elastic Defend-style ECS NDJSON for the benchmark, deterministic for a given seed and size.
//
// The mix (by event count): 35% process, 20% file, 30% network, 15% registry.
// - A third of the network events are inbound connections to svchost.exe processes that are not the Task
//   Scheduler (RPCSS/DCOM-like, dynamic ports on both sides: they satisfy the flagship's first stage alone).
// - A tenth of the registry events are TaskCache `Actions` writes by the Task Scheduler svchost that are not
//   attacks (no inbound connection to that process within the minute before).
// - Thousands of hosts. A few hundred real sequences (inbound high-port connection to the Task Scheduler svchost,
//   then its `Actions` write 1-50 s later) and as many near misses (late by 61-90 s, another process,
//   loopback source, a port below 49152, egress). Near misses and attacks use hosts that get no background
//   TaskCache writes, so the expected alert count is exact: it is written beside the data as <file>.truth.json.
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Rng } from '../src/simulate/random.js';

export interface GenerateOptions {
  path: string;
  bytes: number;
  seed?: number;
  hosts?: number;
  /** Real sequences per GB (near misses are generated at the same rate). */
  attacksPerGb?: number;
}

export interface GroundTruth {
  events: number;
  bytes: number;
  attacks: number;
  nearMisses: number;
  mix: Record<string, number>;
}

/** Seeded uniform numbers in [0, 1) (the simulator's mulberry32), so a failure names a reproducible case. */
const mulberry32 = (seed: number): (() => number) => {
  const r = new Rng(seed);
  return () => r.next();
};

const PROCESS_NAMES = ['chrome.exe', 'explorer.exe', 'powershell.exe', 'cmd.exe', 'outlook.exe', 'teams.exe', 'msedge.exe', 'svchost.exe', 'winword.exe', 'conhost.exe'];
const FILE_EXT = ['.docx', '.tmp', '.log', '.dll', '.exe', '.pf', '.json'];
const REG_KEYS = [
  'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run',
  'HKLM\\SYSTEM\\CurrentControlSet\\Services\\bam\\State\\UserSettings',
  'HKU\\S-1-5-21-1004336348-1177238915-682003330-1001\\Software\\Microsoft\\Office\\16.0\\Common',
  'HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Signature Updates',
];
/** Processes writing the background registry values (svchost, as on real hosts, among others). */
const REG_WRITERS = ['svchost.exe', 'explorer.exe', 'MsMpEng.exe', 'OneDrive.exe', 'services.exe'];
const TASKCACHE = 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tasks\\';

/** A syntactically valid TaskCache Actions value: version 3, context "Author", one Exec action. */
function actionsValue(command: string, args: string): string {
  const bstr = (s: string) => {
    const b = Buffer.from(s, 'utf16le');
    const len = Buffer.alloc(4);
    len.writeUInt32LE(b.length);
    return Buffer.concat([len, b]);
  };
  const magic = Buffer.from([0x66, 0x66]);
  return Buffer.concat([Buffer.from([3, 0]), bstr('Author'), magic, bstr(''), bstr(command), bstr(args), bstr(''), Buffer.alloc(2)]).toString('base64');
}

function guid(rand: () => number): string {
  const h = () => Math.floor(rand() * 0x10000).toString(16).padStart(4, '0').toUpperCase();
  return `{${h()}${h()}-${h()}-${h()}-${h()}-${h()}${h()}${h()}}`;
}

export async function generateNdjson(options: GenerateOptions): Promise<GroundTruth> {
  const rand = mulberry32(options.seed ?? 1);
  const hostCount = options.hosts ?? 5000;
  const attacksPerGb = options.attacksPerGb ?? 300;
  const out = createWriteStream(options.path, { highWaterMark: 1 << 20 });
  const hosts = Array.from({ length: hostCount }, (_, i) => ({
    id: `${(0x10000000 + i * 7919).toString(16)}-bench-host-${i}`,
    name: `ws-${String(i).padStart(5, '0')}.corp.example`,
    ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    schedule: `sched-${i}`,
    rpcss: `rpcss-${i}`,
  }));
  // Hosts 0..9% take the attacks and near misses; the others get background TaskCache writes.
  const quiet = Math.max(1, Math.floor(hostCount / 10));
  const truth: GroundTruth = { events: 0, bytes: 0, attacks: 0, nearMisses: 0, mix: {} };
  let time = Date.parse('2026-01-05T08:00:00Z');
  let recordId = 0;
  const pending: Array<{ at: number; doc: Record<string, unknown> }> = [];
  /** Quiet host index → time until which an attack or near miss of its own is still in flight. */
  const busyUntil = new Map<number, number>();

  const base = (category: string, type: string, host: (typeof hosts)[number], at: number) => ({
    '@timestamp': new Date(at).toISOString(),
    event: { category: [category], type: [type], kind: 'event', module: 'endpoint', dataset: `endpoint.events.${category}`, id: `ev-${++recordId}` },
    host: { id: host.id, name: host.name, hostname: host.name, os: { type: 'windows', family: 'windows', name: 'Windows 10 Enterprise' }, ip: [host.ip] },
    agent: { type: 'endpoint', version: '8.15.0' },
  });
  const network = (host: (typeof hosts)[number], at: number, entity: string, name: string, dir: string, srcIp: string, srcPort: number, dstPort: number) => ({
    ...base('network', 'start', host, at),
    process: { name, entity_id: entity, pid: 1000 + (recordId % 5000), executable: `C:\\Windows\\System32\\${name}` },
    network: { direction: dir, transport: 'tcp', type: 'ipv4' },
    source: { ip: srcIp, port: srcPort },
    destination: { ip: host.ip, port: dstPort },
    user: { name: 'SYSTEM', domain: 'NT AUTHORITY' },
  });
  const taskWrite = (host: (typeof hosts)[number], at: number, entity: string, command: string) => ({
    ...base('registry', 'change', host, at),
    event: { category: ['registry'], type: ['change'], action: 'modification', kind: 'event', module: 'endpoint', dataset: 'endpoint.events.registry', id: `ev-${++recordId}` },
    process: { name: 'svchost.exe', entity_id: entity, pid: 1500, executable: 'C:\\Windows\\System32\\svchost.exe' },
    registry: { hive: 'HKLM', path: `${TASKCACHE}${guid(rand)}\\Actions`, value: 'Actions', data: { type: 'REG_BINARY', bytes: actionsValue(command, '') } },
  });

  const write = (doc: Record<string, unknown>, kind: string) => {
    const line = JSON.stringify(doc) + '\n';
    truth.bytes += Buffer.byteLength(line);
    truth.events++;
    truth.mix[kind] = (truth.mix[kind] ?? 0) + 1;
    return out.write(line);
  };

  const attackEvery = Math.max(1, Math.round(1e9 / 700 / attacksPerGb)); // ~700 bytes a line
  let n = 0;
  while (truth.bytes < options.bytes) {
    time += Math.floor(rand() * 8);
    n++;
    while (pending.length > 0 && pending[0]!.at <= time) {
      const p = pending.shift()!;
      write(p.doc, 'registry');
    }
    if (n % attackEvery === 0) {
      // One real sequence and one near miss, on quiet hosts with nothing of theirs in flight: a second network
      // leg on the same process before the first one's registry write would overwrite its pending sequence
      // (Elasticsearch semantics), and the ground truth would no longer be one alert per attack.
      const free = () => {
        for (;;) {
          const i = Math.floor(rand() * quiet);
          if ((busyUntil.get(i) ?? 0) < time) return i;
        }
      };
      const hi = free();
      busyUntil.set(hi, time + 100_000);
      const h = hosts[hi]!;
      const src = `10.200.${Math.floor(rand() * 255)}.${Math.floor(rand() * 255)}`;
      write(network(h, time, h.schedule, 'svchost.exe', 'ingress', src, 49152 + Math.floor(rand() * 16000), 49152 + Math.floor(rand() * 16000)), 'network');
      pending.push({ at: time + 1000 + Math.floor(rand() * 49000), doc: taskWrite(h, 0, h.schedule, 'cmd.exe /c calc.exe') });
      truth.attacks++;
      const mi = free();
      busyUntil.set(mi, time + 100_000);
      const m = hosts[mi]!;
      const kind = Math.floor(rand() * 5);
      const srcPort = kind === 3 ? 445 : 50000 + Math.floor(rand() * 10000);
      const srcIp = kind === 2 ? '127.0.0.1' : src;
      const dir = kind === 4 ? 'egress' : 'ingress';
      const entity = kind === 1 ? m.rpcss : m.schedule;
      write(network(m, time, entity, 'svchost.exe', dir, srcIp, srcPort, 49700), 'network');
      const delay = kind === 0 ? 61000 + Math.floor(rand() * 29000) : 1000 + Math.floor(rand() * 40000);
      pending.push({ at: time + delay, doc: taskWrite(m, 0, m.schedule, 'C:\\Windows\\System32\\rundll32.exe') });
      truth.nearMisses++;
      pending.sort((a, b) => a.at - b.at);
      for (const p of pending) (p.doc as { '@timestamp': string })['@timestamp'] = new Date(p.at).toISOString();
      continue;
    }
    const h = hosts[Math.floor(rand() * hostCount)]!;
    const r = rand();
    let ok: boolean;
    if (r < 0.35) {
      const name = PROCESS_NAMES[Math.floor(rand() * PROCESS_NAMES.length)]!;
      ok = write({
        ...base('process', 'start', h, time),
        process: { name, entity_id: `p-${recordId}`, pid: 2000 + (recordId % 30000), executable: `C:\\Program Files\\App\\${name}`, command_line: `"C:\\Program Files\\App\\${name}" --flag ${recordId}`, parent: { name: 'explorer.exe', pid: 900 } },
        user: { name: 'alice', domain: 'CORP' },
      }, 'process');
    } else if (r < 0.55) {
      ok = write({
        ...base('file', 'creation', h, time),
        process: { name: 'explorer.exe', entity_id: `p-${h.id}-explorer`, pid: 900 },
        file: { path: `C:\\Users\\alice\\AppData\\Local\\Temp\\f${recordId}${FILE_EXT[recordId % FILE_EXT.length]}`, name: `f${recordId}` },
      }, 'file');
    } else if (r < 0.85) {
      if (rand() < 1 / 3) {
        // Inbound to a svchost that is not the Task Scheduler.
        ok = write(network(h, time, h.rpcss, 'svchost.exe', 'ingress', `10.100.${Math.floor(rand() * 255)}.${Math.floor(rand() * 255)}`, 49152 + Math.floor(rand() * 16000), 49152 + Math.floor(rand() * 16000)), 'network');
      } else {
        ok = write(network(h, time, `p-${h.id}-chrome`, 'chrome.exe', 'egress', h.ip, 50000 + Math.floor(rand() * 15000), 443), 'network');
      }
    } else if (r < 0.865 && hosts.indexOf(h) >= quiet) {
      ok = write(taskWrite(h, time, h.schedule, 'C:\\Windows\\system32\\sc.exe start w32time task_started'), 'registry');
    } else {
      ok = write({
        ...base('registry', 'change', h, time),
        process: REG_WRITERS[recordId % REG_WRITERS.length] === 'svchost.exe' ? { name: 'svchost.exe', entity_id: h.schedule, pid: 1500 } : { name: REG_WRITERS[recordId % REG_WRITERS.length], entity_id: `p-${h.id}-reg`, pid: 3100 },
        registry: { hive: 'HKLM', path: `${REG_KEYS[recordId % REG_KEYS.length]}\\v${recordId % 97}`, value: `v${recordId % 97}`, data: { strings: ['1'], type: 'REG_DWORD' } },
      }, 'registry');
    }
    if (!ok) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  for (const p of pending) write(p.doc, 'registry');
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  await writeFile(`${options.path}.truth.json`, JSON.stringify(truth, null, 2));
  return truth;
}
