// Event XML as a real tool writes it: `evtxexport -f xml` over EVTX corpus files, read by our XML reader and
// checked against the same files read by our EVTX reader (record ids, System fields, every EventData value).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readSource, readStream } from '../../src/formats/index.js';
import type { WinEvent } from '../../src/formats/types.js';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';
import { chunked } from './helpers/read.js';

const CORPUS = ['evtx-corpus', 'evtx-attack-samples'];
const hasEvtxexport = spawnSync('evtxexport', ['-V'], { stdio: 'ignore' }).error === undefined;
const skip = skipWithoutShared(...CORPUS) || (hasEvtxexport ? false : 'needs evtxexport (Debian package libevtx-utils)');

/** The fields compared; null EventData values are left out: evtxexport omits NULL substitutions entirely. */
function comparable(e: WinEvent): unknown {
  const s = e.system;
  const data = Object.fromEntries(Object.entries(e.eventData ?? {}).filter(([, v]) => v !== null));
  return [s.recordId, s.eventId, s.provider, s.channel, s.computer, s.timeCreated, s.level, s.task, s.processId, data];
}

test('evtxexport -f xml output reads as the EVTX reader reads the same files', { skip }, async () => {
  const dir = sharedPath(...CORPUS)!;
  // A deterministic sample: the 20 smallest files (by name among those under 256 KiB), to keep the test quick.
  const files = readdirSync(dir).filter((f) => f.endsWith('.evtx') && statSync(join(dir, f)).size < 256 * 1024).sort().slice(0, 20);
  let total = 0;
  const report: string[] = [];
  for (const f of files) {
    const path = join(dir, f);
    let xml: Buffer;
    try {
      xml = execFileSync('evtxexport', ['-f', 'xml', path], { maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });
    } catch (err) {
      xml = (err as { stdout?: Buffer }).stdout ?? Buffer.alloc(0); // partial output of a damaged file
    }
    const fromXml = new Map<number, WinEvent>();
    for await (const item of readStream(chunked(xml, 8191), { file: f })) {
      assert.notEqual(item.kind, 'problem', `${f}: ${JSON.stringify(item)}`);
      if (item.kind === 'windows') fromXml.set(item.event.system.recordId!, item.event);
    }
    const expected = xml.toString('utf8').split('<Event xmlns').length - 1;
    assert.equal(fromXml.size, expected, `${f}: every <Event> evtxexport printed is read`);
    let compared = 0;
    for await (const item of readSource({ path })) {
      if (item.kind !== 'windows') continue;
      const other = fromXml.get(item.event.system.recordId!);
      if (!other) continue;
      assert.deepEqual(comparable(other), comparable(item.event), `${f} record ${item.event.system.recordId}`);
      compared++;
    }
    report.push(`${f}: ${fromXml.size} from XML, ${compared} compared`);
    total += compared;
  }
  console.log(report.join('\n'));
  assert.ok(total > 100, `records compared: ${total}`);
});
