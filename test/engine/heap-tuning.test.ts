// The hunt collects the garbage of reading before it merges, when node allows it (bin/seqhunt.js sets
// --expose-gc): a real collection with the flag, nothing without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const moduleUrl = new URL('../../src/engine/heap-tuning.ts', import.meta.url).href;

/** Heap bytes freed by collectGarbage() right after 200,000 objects became garbage, in a fresh node. */
function freed(flags: string[]): number {
  const script = `
    import { collectGarbage } from ${JSON.stringify(moduleUrl)};
    let junk = [];
    for (let i = 0; i < 200000; i++) junk.push({ i, s: 'x' + i });
    junk = null;
    const before = process.memoryUsage().heapUsed;
    collectGarbage();
    console.log(before - process.memoryUsage().heapUsed);`;
  const r = spawnSync(process.execPath, [...flags, '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout.trim());
}

test('collectGarbage collects with --expose-gc and does nothing without it', () => {
  assert.ok(freed(['--expose-gc']) > 5 * 1048576, 'a full collection frees the dead objects');
  assert.ok(freed([]) < 1048576, 'without the flag nothing is collected');
});
