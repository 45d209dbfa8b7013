// Every file of the shared EVTX corpus reads to the end without an exception; damage is reported, never thrown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { newEvtxStats, readEvtx } from '../../../src/formats/evtx/index.js';
import { xmlShapes } from '../../../src/formats/event-xml/render.js';
import type { InputItem } from '../../../src/formats/types.js';
import { sharedPath, skipWithoutShared } from '../../helpers/shared.js';

test('every corpus file reads without a crash', { skip: skipWithoutShared('evtx-corpus'), timeout: 300_000 }, async (t) => {
  const root = sharedPath('evtx-corpus')!;
  const files = readdirSync(root)
    .filter((d) => statSync(join(root, d)).isDirectory())
    .flatMap((d) => readdirSync(join(root, d)).filter((f) => f.endsWith('.evtx')).map((f) => join(root, d, f)));
  assert.ok(files.length > 0, 'corpus has .evtx files');
  const total = newEvtxStats();
  const lines: string[] = [];
  for (const path of files) {
    const stats = newEvtxStats();
    let items = 0;
    for await (const item of readEvtx(createReadStream(path), { file: path }, { stats })) {
      items++;
      assert.equal(item.origin.file, path);
      if (item.kind === 'problem') assert.equal(typeof item.origin.offset, 'number', `problem without offset: ${item.message}`);
    }
    assert.equal(stats.unreadable, 0, `${basename(path)} is EVTX`);
    assert.equal(items, stats.records + stats.warnings + stats.errors, `${basename(path)}: every item counted`);
    if (stats.warnings || stats.errors) {
      lines.push(`${basename(path)}: ${stats.records} records, ${stats.damaged} damaged, ${stats.chunksSkipped} chunks skipped, ${stats.warnings} warnings`);
    }
    for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += stats[k];
  }
  t.diagnostic(`${files.length} files, ${total.records} records, ${total.damaged} damaged, ${total.chunksSkipped} chunks skipped\n${lines.join('\n')}`);
  assert.ok(total.records > 0, 'the corpus yields records');
});

test('the compiled fast path gives exactly what the generic element-tree path gives, on every corpus file', { skip: skipWithoutShared('evtx-corpus'), timeout: 300_000 }, async () => {
  const root = sharedPath('evtx-corpus')!;
  const files = readdirSync(root)
    .filter((d) => statSync(join(root, d)).isDirectory())
    .flatMap((d) => readdirSync(join(root, d)).filter((f) => f.endsWith('.evtx')).map((f) => join(root, d, f)));
  const read = async (path: string, generic: boolean) => {
    const out: unknown[] = [];
    for await (const item of readEvtx(createReadStream(path), { file: path }, { generic })) {
      out.push(item.kind === 'windows' ? [item, xmlShapes.get(item.event) ?? null] : (item as InputItem));
    }
    return out;
  };
  let records = 0;
  for (const path of files) {
    const fast = await read(path, false);
    assert.deepEqual(fast, await read(path, true), basename(path));
    records += fast.length;
  }
  assert.ok(records > 0, 'records compared');
});

test('template-less WEC record (which evtxexport and evtx_dump.py both fail on) reads with its values', { skip: skipWithoutShared('evtx-corpus', 'evtx-rs-samples', 'samples_MSExchange_Management_wec.evtx') }, async () => {
  const path = sharedPath('evtx-corpus', 'evtx-rs-samples', 'samples_MSExchange_Management_wec.evtx')!;
  const items: InputItem[] = [];
  for await (const item of readEvtx(createReadStream(path), { file: path })) items.push(item);
  assert.equal(items.length, 1);
  const item = items[0]!;
  assert.equal(item.kind, 'windows');
  if (item.kind !== 'windows') return;
  // evtx-format.md §4: the record header says 1, the forwarded XML keeps the source log's EventRecordID 3229.
  assert.equal(item.origin.record, 1);
  assert.equal(item.event.system.recordId, 3229);
  assert.equal(item.event.system.provider, 'MSExchange CmdletLogs');
  assert.equal(item.event.system.qualifiers, 16384);
  assert.equal(item.event.system.channel, 'MSExchange Management');
  assert.equal(item.event.system.computer, 'WEC.ave.local');
  assert.equal(item.event.system.timeCreated, '2021-11-19T16:52:33.8337335Z');
  const data = item.event.eventData!;
  assert.equal(Object.keys(data).length, 27);
  assert.equal(data.param1, 'Set-Mailbox');
  assert.equal(data.param4, 'S-1-5-21-186559946-3925841745-111227986-500');
  assert.equal(data.param27, 'fr-FR');
});
