// Names that come from the data (EventData <Data Name>, element and attribute names) are kept as own fields,
// whatever they are: "__proto__" must not change an object's prototype (and be lost), and names inherited from
// Object.prototype ("constructor", "toString") must not read as already present.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeEvtx } from '../../src/formats/evtx/index.js';
import type { WinEvent } from '../../src/formats/types.js';
import { readAll } from './evtx/helpers.js';
import { readBytes } from './helpers/read.js';

const HOSTILE = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];

function expectOwn(data: Record<string, unknown> | undefined, where: string): void {
  assert.ok(data, where);
  assert.equal(Object.getPrototypeOf(data), Object.prototype, `${where}: prototype untouched`);
  for (const [i, name] of HOSTILE.entries()) {
    assert.ok(Object.prototype.hasOwnProperty.call(data, name), `${where}: ${name} is an own field`);
    assert.equal(data[name], `v${i}`, `${where}: ${name}`);
  }
  assert.equal(data.Image, 'C:\\x.exe', `${where}: the other fields are there`);
}

test('event XML: hostile Data names and attribute names are own fields', async () => {
  const datas = HOSTILE.map((n, i) => `<Data Name="${n}">v${i}</Data>`).join('');
  const xml = `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="P" __proto__="x"/><EventID>1</EventID><TimeCreated SystemTime="2024-05-01T12:00:00.000Z"/><Channel>C</Channel><Computer>h</Computer></System><EventData>${datas}<Data Name="Image">C:\\x.exe</Data></EventData></Event>`;
  const items = await readBytes(xml);
  const event = items.find((i) => i.kind === 'windows');
  assert.ok(event && event.kind === 'windows', JSON.stringify(items));
  expectOwn(event.event.eventData, 'event XML');
});

test('EVTX: hostile Data names are own fields', async () => {
  // An object with an own "__proto__" key (as JSON.parse makes it).
  const eventData = JSON.parse(`{${HOSTILE.map((n, i) => `"${n}":"v${i}"`).join(',')},"Image":"C:\\\\x.exe"}`) as Record<string, string>;
  const event: WinEvent = {
    system: { provider: 'P', eventId: 1, timeCreated: '2024-05-01T12:00:00.0000000Z', recordId: 1, channel: 'C', computer: 'h' },
    eventData,
  };
  const { events, problems } = await readAll(writeEvtx([event]));
  assert.deepEqual(problems, []);
  expectOwn(events[0]?.eventData as Record<string, unknown>, 'EVTX');
});
