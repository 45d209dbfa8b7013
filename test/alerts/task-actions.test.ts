import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTaskActions, decodeTaskActionsBase64 } from '../../src/alerts/index.js';
import { bstr, encodeActions } from './helpers.js';

test('decodes the worked example of the reference (version 3, context Author, one Exec)', () => {
  // Hand-written bytes, exactly the prefix laid out in taskcache.md §2, then command "cmd.exe".
  const cmd = Buffer.from('cmd.exe', 'utf16le');
  const bytes = Buffer.concat([
    Buffer.from([0x03, 0x00, 0x0c, 0x00, 0x00, 0x00]),
    Buffer.from('Author', 'utf16le'),
    Buffer.from([0x66, 0x66, 0x00, 0x00, 0x00, 0x00]),
    Buffer.from([cmd.length, 0, 0, 0]),
    cmd,
    Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
  ]);
  const d = decodeTaskActions(bytes);
  assert.equal(d.parseError, undefined);
  assert.equal(d.version, 3);
  assert.equal(d.context, 'Author');
  assert.deepEqual(d.actions, [{ type: 'exec', command: 'cmd.exe', arguments: '', working_directory: '', flags: 0 }]);
});

test('decodes an atexec-style value: LocalSystem context, arguments with redirection', () => {
  const bytes = encodeActions({
    context: 'LocalSystem',
    actions: [{ type: 'exec', command: 'cmd.exe', arguments: '/C tasklist > %windir%\\Temp\\CYAlyNSS.tmp 2>&1' }],
  });
  const d = decodeTaskActions(bytes);
  assert.equal(d.context, 'LocalSystem');
  assert.equal(d.actions[0]!.command, 'cmd.exe');
  assert.equal(d.actions[0]!.arguments, '/C tasklist > %windir%\\Temp\\CYAlyNSS.tmp 2>&1');
  assert.equal(d.parseError, undefined);
});

test('decodes several actions of every type with ids, working directory and flags', () => {
  const bytes = encodeActions({
    actions: [
      { type: 'exec', id: 'first', command: 'C:\\Windows\\System32\\rundll32.exe', arguments: 'x.dll,Go', workingDirectory: 'C:\\Users\\Public', flags: 1 },
      { type: 'com', clsid: '{0F87369F-A4E5-4CFC-BD3E-73E6154572DD}', data: '<x/>' },
      { type: 'email', to: 'a@b', subject: 's', body: 'b', attachments: ['c:\\f.txt'], headers: [['X-H', 'v']] },
      { type: 'message', caption: 'Hi', message: 'there' },
    ],
  });
  const d = decodeTaskActions(bytes);
  assert.equal(d.parseError, undefined);
  assert.deepEqual(
    d.actions.map((a) => a.type),
    ['exec', 'com_handler', 'send_email', 'show_message'],
  );
  assert.deepEqual(d.actions[0], { type: 'exec', id: 'first', command: 'C:\\Windows\\System32\\rundll32.exe', arguments: 'x.dll,Go', working_directory: 'C:\\Users\\Public', flags: 1 });
  assert.equal(d.actions[1]!.class_id, '{0F87369F-A4E5-4CFC-BD3E-73E6154572DD}');
  assert.equal(d.actions[1]!.data, '<x/>');
  assert.equal(d.actions[2]!.to, 'a@b');
  assert.equal(d.actions[3]!.message, 'there');
});

test('version 2 without flags, and a version-2 value with no context at all', () => {
  const v2 = decodeTaskActions(encodeActions({ version: 2, context: 'Author', actions: [{ type: 'exec', command: 'a.exe', arguments: '-x' }] }));
  assert.equal(v2.parseError, undefined);
  assert.equal(v2.actions[0]!.flags, undefined);
  assert.equal(v2.actions[0]!.arguments, '-x');
  const bare = decodeTaskActions(encodeActions({ version: 2, context: null, actions: [{ type: 'exec', command: 'b.exe' }] }));
  assert.equal(bare.parseError, undefined);
  assert.equal(bare.context, undefined);
  assert.equal(bare.actions[0]!.command, 'b.exe');
});

test('non-ASCII and hostile characters survive decoding verbatim (escaping is the outputs\' job)', () => {
  const d = decodeTaskActions(encodeActions({ actions: [{ type: 'exec', command: 'C:\\Tëst\\\u001b[31mred.exe', arguments: '😀' }] }));
  assert.equal(d.actions[0]!.command, 'C:\\Tëst\\\u001b[31mred.exe');
  assert.equal(d.actions[0]!.arguments, '😀');
});

test('garbage never throws and says what went wrong', () => {
  assert.match(decodeTaskActions(new Uint8Array([])).parseError!, /too short/);
  assert.match(decodeTaskActions(new Uint8Array([3, 0, 1])).parseError!, /too short/);
  // Context length larger than the value.
  assert.match(decodeTaskActions(Buffer.from([3, 0, 0xff, 0xff, 0, 0, 0x41, 0])).parseError!, /exceeds/);
  // Odd string length.
  assert.match(decodeTaskActions(Buffer.concat([Buffer.from([3, 0]), Buffer.from([3, 0, 0, 0, 0x41, 0, 0x42])])).parseError!, /odd/);
  // Unknown magic after a valid action: the first action is kept.
  const good = encodeActions({ actions: [{ type: 'exec', command: 'ok.exe' }] });
  const bad = decodeTaskActions(Buffer.concat([good, Buffer.from([0x34, 0x12, 0, 0])]));
  assert.match(bad.parseError!, /unknown action magic 0x1234/);
  assert.equal(bad.actions[0]!.command, 'ok.exe');
  // Truncated in the middle of the command string.
  const cut = decodeTaskActions(good.subarray(0, good.length - 12));
  assert.ok(cut.parseError, 'truncated value flagged');
  assert.equal(cut.actions.length, 0);
  // Huge SendEmail list counts are refused, not looped over.
  const email = encodeActions({ actions: [{ type: 'email', to: 'a', subject: 'b', body: 'c' }] });
  email.writeUInt32LE(0xffffffff, email.length - 8);
  assert.match(decodeTaskActions(email).parseError!, /implausible/);
  // More than 32 actions.
  const many = encodeActions({ actions: Array.from({ length: 40 }, () => ({ type: 'exec' as const, command: 'x' })) });
  const m = decodeTaskActions(many);
  assert.equal(m.actions.length, 32);
  assert.match(m.parseError!, /more than 32/);
});

test('random bytes: never throws, always returns a well-formed result', () => {
  let seed = 12345;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
  const base = encodeActions({ actions: [{ type: 'exec', command: 'C:\\x.exe', arguments: '/q' }, { type: 'com', clsid: '{00000000-0000-0000-0000-000000000001}' }] });
  for (let i = 0; i < 2000; i++) {
    const b = Buffer.from(base);
    for (let k = 0; k < 1 + (i % 5); k++) b[rnd() % b.length] = rnd();
    const len = i % 7 === 0 ? rnd() % b.length : b.length;
    const d = decodeTaskActions(b.subarray(0, len));
    assert.ok(Array.isArray(d.actions), 'actions is an array');
    assert.ok(d.actions.length <= 32, 'at most 32 actions');
  }
});

test('base64 input as Elastic Defend carries it in registry.data.bytes', () => {
  const bytes = encodeActions({ actions: [{ type: 'exec', command: 'powershell.exe', arguments: '-enc AAA=' }] });
  const d = decodeTaskActionsBase64(bytes.toString('base64'))!;
  assert.equal(d.actions[0]!.command, 'powershell.exe');
  assert.equal(decodeTaskActionsBase64('not base64 at all!'), undefined);
  assert.equal(bstr('').length, 4);
});
