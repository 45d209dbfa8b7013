#!/usr/bin/env node
// `npm run demo`: the quick start's main job. Writes sample telemetry with the project's own simulator
// (EVTX, event XML and Elastic Defend NDJSON: a remote schtasks attack, an impacket atexec, admin tooling
// and near misses), then hunts it with the built-in rules. Nothing here is downloaded or committed.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const samples = join(root, 'samples');
const seqhunt = (args, stdio = 'inherit') => {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'seqhunt.js'), ...args], { stdio });
  if (r.status !== 0 && args[0] === 'simulate') {
    process.stderr.write(`demo: seqhunt ${args.join(' ')} failed\n`);
    process.exit(r.status ?? 1);
  }
  return r.status ?? 1;
};

rmSync(samples, { recursive: true, force: true });
mkdirSync(join(samples, 'wks-target01', 'evtx'), { recursive: true });
mkdirSync(join(samples, 'srv-files02'), { recursive: true });
mkdirSync(join(samples, 'defend'), { recursive: true });
// The strategy's validation command, recorded by Sysmon and the Security log as EVTX files (one per channel).
seqhunt(['simulate', 'schtasks-remote', '--format', 'evtx', '-o', join(samples, 'wks-target01', 'evtx') + '/']);
// impacket atexec over the ATSVC pipe, as forwarded event XML from another host.
seqhunt(['simulate', 'atexec', '--format', 'xml', '--host', 'SRV-FILES02.corp.example.com', '--target-ip', '10.20.30.52', '--source-ip', '10.20.30.99', '--user', 'CORP\\svc_backup', '--time', '2026-01-15T11:00:00.000Z', '-o', join(samples, 'srv-files02', 'security.xml')]);
// Elastic Defend NDJSON: SCCM maintaining a task on many clients, and near misses that must stay quiet.
seqhunt(['simulate', 'admin-sccm', '--format', 'defend', '--time', '2026-01-14T09:00:00.000Z', '-o', join(samples, 'defend', 'sccm.ndjson')]);
for (const near of ['near-late', 'near-loopback', 'near-otherproc']) {
  seqhunt(['simulate', near, '--format', 'defend', '--host', `WKS-${near.toUpperCase()}.corp.example.com`, '-o', join(samples, 'defend', `${near}.ndjson`)]);
}
process.stderr.write(`\nsample telemetry written to ${samples}\n$ seqhunt hunt samples --format table\n\n`);
process.exit(seqhunt(['hunt', samples, '--format', 'table']));
