// TaskCache writes past the in-memory budget wait on disk (spilled-events.ts): read back, they are the events
// that were written; their files go when their events leave the window or the hunt ends; and the alerts are the
// same whether the context was kept in memory or on disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classify, projectForContext, registryPath } from '../../src/alerts/context-events.js';
import { ContextWindow } from '../../src/alerts/context-window.js';
import { Correlation } from '../../src/alerts/correlation.js';
import { SpilledEvents } from '../../src/alerts/spilled-events.js';
import { runRules } from '../../src/engine/index.js';
import type { InputItem } from '../../src/formats/index.js';
import { normalize, type NormalizedEvent } from '../../src/normalize/index.js';
import { loadRules } from '../../src/rules/index.js';
import { SCENARIOS, simulate, toWinlogbeat } from '../../src/simulate/index.js';

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'seqhunt-spill-test-'));
}

/** Runs `body` with a scratch directory, removed afterwards. */
function withScratch(body: (dir: string) => void): void {
  const dir = scratch();
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Files under `dir`, one level down (the store makes one directory there). */
const filesUnder = (dir: string): string[] => readdirSync(dir, { recursive: true }).map(String).filter((p) => p.endsWith('.ndjson'));

const taskCacheWrite = (i: number, data: string): NormalizedEvent => ({
  doc: {
    registry: { path: `HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tasks\\{${String(i).padStart(8, '0')}-0000-0000-0000-000000000000}\\Actions`, data: { bytes: data, strings: [data] } },
    process: { entity_id: `p-${i}` },
    event: { dataset: 'endpoint.events.registry', module: 'endpoint', category: ['registry'], type: ['change'] },
    winlog: { record_id: i },
  },
  timestamp: 1_700_000_000_000 + i * 1000,
  host: `h-${i % 3}`,
  origin: { file: 'x.ndjson', line: i + 1 },
  ...(i % 2 === 0 ? { order: i } : {}),
});

test('a spilled event reads back as written, origin included; files go with their events; handles are reused', () => {
  const dir = scratch();
  try {
    const store = new SpilledEvents(dir);
    const big = 'é'.repeat(200_000); // 400 KB of UTF-8 each: 21 of them fill more than one 8 MiB segment
    const events = Array.from({ length: 42 }, (_, i) => taskCacheWrite(i, `${i}:${big}:\u{1F600}`));
    const meta = (i: number) => ({ eventId: i % 3 === 0 ? undefined : 13, aligned: events[i]!.timestamp - i, seq: 1000 + i });
    const handles = events.map((e, i) => store.add(e, meta(i)));
    assert.ok(store.files >= 2, `several segments (${store.files})`);
    for (let i = 0; i < events.length; i++) {
      const back = store.read(handles[i]!, events[i]!.host);
      assert.deepEqual(back, events[i]);
      assert.deepEqual(store.meta(handles[i]!), meta(i));
      assert.equal(store.timestamp(handles[i]!), events[i]!.timestamp);
    }
    const before = store.files;
    // Every event of the first segment leaves: that file goes; the one being written stays.
    const first = handles.filter((h) => store.fileOf(h) === store.fileOf(handles[0]!));
    for (const h of first) store.release(h);
    assert.equal(store.files, before - 1);
    assert.equal(filesUnder(dir).length, before - 1);
    assert.throws(() => store.read(first[0]!, 'h-0'), /no event/);
    // A released handle is given out again, and then stands for the new event.
    const again = store.add(events[5]!, meta(5));
    assert.ok(first.includes(again), 'a released handle is reused');
    assert.deepEqual(store.read(again, events[5]!.host), events[5]);
    for (const h of [...handles.slice(first.length), again]) store.release(h);
    assert.equal(store.files, 1, 'the segment being written is kept');
    store.close();
    assert.deepEqual(readdirSync(dir), [], 'close removes the directory');
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('thousands of spilled events (several blocks of columns) read back as written, released ones anywhere', () =>
  withScratch((dir) => {
    const store = new SpilledEvents(dir);
    const events = Array.from({ length: 9_000 }, (_, i) => taskCacheWrite(i, `d${i}`));
    const meta = (i: number) => ({ eventId: i % 7 === 0 ? undefined : 4698 + (i % 3), aligned: events[i]!.timestamp + i, seq: 2 ** 40 + i });
    const handles = events.map((e, i) => store.add(e, meta(i)));
    assert.equal(new Set(handles).size, events.length);
    for (const i of [0, 4095, 4096, 4097, 8191, 8192, 8999]) {
      assert.deepEqual(store.read(handles[i]!, events[i]!.host), events[i], `event ${i}`);
      assert.deepEqual(store.meta(handles[i]!), meta(i));
      assert.equal(store.seq(handles[i]!), 2 ** 40 + i);
    }
    for (const i of [4095, 4096, 8999]) store.release(handles[i]!);
    assert.throws(() => store.read(handles[4096]!, 'h-1'), /no event 4096/);
    const again = store.add(events[1]!, meta(1));
    assert.ok([4095, 4096, 8999].includes(again), 'a released handle is given out again');
    assert.deepEqual(store.read(again, events[1]!.host), events[1]);
    assert.throws(() => store.read(9_000, 'h-0'), /no event 9000/, 'a handle never given out');
    store.close();
  }));

test('the window gives the same context with TaskCache writes on disk, and lets their files go as they expire', () => {
  const dir = scratch();
  try {
    const events = Array.from({ length: 60 }, (_, i) => taskCacheWrite(i, `data-${i}`));
    assert.ok(events.every((e) => classify(e)?.kind === 'taskcache'));
    const options = { retentionMs: 60_000, maxPerHost: 1000, identityRetentionMs: 3600_000 };
    const inMemory = new ContextWindow(options);
    const onDisk = new ContextWindow({ ...options, taskCacheInMemory: 5, tempDir: dir });
    for (const e of events) {
      inMemory.observe(e);
      onDisk.observe(e);
    }
    assert.equal(onDisk.spilledCount, 55);
    for (const host of ['h-0', 'h-1', 'h-2']) {
      assert.deepEqual([...onDisk.events(host)], [...inMemory.events(host)], host);
      const mine = events.filter((e) => e.host === host);
      // The match's own write, read back from disk as an equal event (not the same object), is left out of the
      // pool: one with an input order and one without (told apart by where it was read), both spilled.
      for (const own of [mine.filter((e) => e.order !== undefined).at(-1)!, mine.filter((e) => e.order === undefined).at(-1)!]) {
        const a = new Correlation([own], host, onDisk);
        const b = new Correlation([own], host, inMemory);
        assert.deepEqual(a.pool.map((c) => registryPath(c.ev.doc)), b.pool.map((c) => registryPath(c.ev.doc)));
        assert.deepEqual(a.pool.map((c) => registryPath(c.ev.doc)), mine.filter((e) => e !== own).map((e) => registryPath(e.doc)), "all but the match's own write");
      }
    }
    // Another event read from the same place (a file given twice: another input order) stays in the pool.
    const twice = { ...events[58]!, order: 10_058 };
    const c = new Correlation([twice], 'h-1', onDisk);
    assert.equal(c.pool.length, events.filter((e) => e.host === 'h-1').length, 'an event with another input order is not the match');
    assert.equal(filesUnder(dir).length, 1);
    // Two hours later on every host, every write has expired: the window holds only the new ones (in memory again,
    // as the budget has room), and close deletes the file.
    const later = (i: number) => ({ ...taskCacheWrite(100 + i, 'later'), timestamp: events[59]!.timestamp + 2 * 3600_000, host: `h-${i}` });
    for (let i = 0; i < 3; i++) onDisk.observe(later(i));
    assert.equal(onDisk.size(), 3);
    onDisk.close();
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a host\'s events come class by class, clocks in the order they first held one, and the cap takes the oldest arrival', () =>
  withScratch((dir) => {
    const window = new ContextWindow({ retentionMs: 3600_000, maxPerHost: 100, maxIdentityPerHost: 3, taskCacheInMemory: 1, tempDir: dir });
    const on = (clock: string, e: NormalizedEvent): NormalizedEvent => ({ ...e, host: 'h', doc: { ...e.doc, event: { ...(e.doc.event as object), dataset: clock } } });
    const logon: NormalizedEvent = { doc: { event: { code: '4648', dataset: 'a' } }, timestamp: 1_699_999_999_500, host: 'h', origin: { file: 'x.ndjson', line: 1 } };
    const writes = [on('b', taskCacheWrite(1, 'b1')), on('a', taskCacheWrite(3, 'a3')), on('b', taskCacheWrite(4, 'b4')), on('c', taskCacheWrite(5, 'c5'))];
    window.observe(logon); // clock a is seen first, but holds an identity event only after clock b does
    window.observe(writes[0]!);
    window.observe(writes[1]!);
    window.observe(writes[2]!);
    assert.equal(window.spilledCount, 2, 'past the budget of one, writes go to disk');
    const seen = () => [...window.events('h')].map((c) => `${c.kind}:${c.clock}:${c.ev.timestamp}`);
    const t = (e: NormalizedEvent) => e.timestamp;
    // The short class first; then identity, clock b (first to hold one) before clock a, oldest first within b.
    assert.deepEqual(seen(), [`explicit-logon:a:${t(logon)}`, `taskcache:b:${t(writes[0]!)}`, `taskcache:b:${t(writes[2]!)}`, `taskcache:a:${t(writes[1]!)}`]);
    // A fourth write on a third clock: the cap of 3 takes the oldest arrival, from clock b.
    window.observe(writes[3]!);
    assert.deepEqual(seen(), [`explicit-logon:a:${t(logon)}`, `taskcache:b:${t(writes[2]!)}`, `taskcache:a:${t(writes[1]!)}`, `taskcache:c:${t(writes[3]!)}`]);
    // Read back from disk, they are the events observed (as kept: projected), on the host as given.
    for (const c of window.events('h')) if (c.kind === 'taskcache') assert.deepEqual(c.ev, projectForContext(writes.find((w) => w.timestamp === c.ev.timestamp)!, 'taskcache'));
    assert.deepEqual([...window.events('elsewhere')], []);
    window.close();
  }));

test('a handle given out again after an event left the window reads as the new event, not the one read before', () =>
  withScratch((dir) => {
    const window = new ContextWindow({ retentionMs: 3600_000, maxPerHost: 100, maxIdentityPerHost: 2, taskCacheInMemory: 0, tempDir: dir });
    const writes = [1, 2, 3, 4].map((i) => ({ ...taskCacheWrite(i, `data-${i}`), host: 'h' }));
    const data = () => [...window.events('h')].map((c) => (c.ev.doc.registry as { data: { bytes: string } }).data.bytes);
    window.observe(writes[0]!);
    window.observe(writes[1]!);
    assert.deepEqual(data(), ['data-1', 'data-2']); // read back from disk, and remembered for the host's next alert
    window.observe(writes[2]!); // the cap of 2 takes the first out: its handle is free
    window.observe(writes[3]!); // … and given to this one
    assert.deepEqual(data(), ['data-3', 'data-4']);
    assert.equal(window.spilledCount, 4);
    window.close();
  }));

test('every scenario, in each form, gives the same alerts with its TaskCache writes kept on disk', async () => {
  const { rules } = await loadRules({ builtin: true });
  const dir = scratch();
  let alerts = 0;
  let sawFiles = 0;
  try {
    for (const s of SCENARIOS) {
      const t = simulate(s.id);
      const forms: Array<[string, InputItem[]]> = [
        ['windows', t.windows.map((event, i): InputItem => ({ kind: 'windows', event, origin: { file: s.id, record: i + 1 } }))],
        ['winlogbeat', t.windows.map((event, i): InputItem => ({ kind: 'document', doc: toWinlogbeat(event), origin: { file: `${s.id}.wlb`, line: i + 1 } }))],
        ['defend', t.defend.map((doc, i): InputItem => ({ kind: 'document', doc: structuredClone(doc), origin: { file: `${s.id}.defend`, line: i + 1 } }))],
      ];
      for (const [form, items] of forms) {
        const events = () =>
          items.flatMap((item) => {
            const r = normalize(structuredClone(item));
            return r.ok ? [r.event] : [];
          });
        const expected = await runRules(rules, events());
        const got = await runRules(rules, events(), {
          taskCacheInMemory: 0,
          sort: { tempDir: dir },
          onAlert: () => {
            sawFiles = Math.max(sawFiles, filesUnder(dir).length);
          },
        });
        assert.deepEqual(got.alerts, expected.alerts, `${s.id} (${form})`);
        alerts += got.alerts.length;
        assert.deepEqual(readdirSync(dir), [], `${s.id} (${form}): nothing left on disk`);
      }
    }
    assert.ok(alerts >= 20, `the scenarios raise alerts (${alerts})`);
    assert.ok(sawFiles > 0, 'context was on disk while alerts were built');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
