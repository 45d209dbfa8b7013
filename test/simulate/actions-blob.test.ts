import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeActions, encodeActions } from '../../src/simulate/index.js';

test('Actions value: version 3 header, context BSTR, Exec record as the reference worked example lays it out', () => {
  const blob = encodeActions('Author', [{ command: 'cmd.exe', arguments: '/c calc.exe' }]);
  const prefix = Buffer.from('03000c000000' + Buffer.from('Author', 'utf16le').toString('hex') + '6666' + '00000000', 'hex');
  assert.deepEqual(blob.subarray(0, prefix.length), prefix);
  let off = prefix.length;
  const cmd = Buffer.from('cmd.exe', 'utf16le');
  assert.equal(blob.readUInt32LE(off), cmd.length);
  off += 4;
  assert.deepEqual(blob.subarray(off, off + cmd.length), cmd);
  off += cmd.length;
  const args = Buffer.from('/c calc.exe', 'utf16le');
  assert.equal(blob.readUInt32LE(off), args.length);
  off += 4 + args.length;
  assert.equal(blob.readUInt32LE(off), 0, 'empty working directory');
  off += 4;
  assert.equal(blob.readUInt16LE(off), 0, 'flags');
  assert.equal(blob.length, off + 2);
});

test('Actions value round-trips several actions and non-ASCII text', () => {
  const actions = [
    { command: 'C:\\Windows\\System32\\cmd.exe', arguments: '/C tasklist > %windir%\\Temp\\x.tmp 2>&1', workingDirectory: '' },
    { command: 'C:\\Users\\Zoë\\tool.exe', arguments: '', workingDirectory: 'C:\\Users\\Zoë' },
  ];
  const decoded = decodeActions(encodeActions('LocalSystem', actions));
  assert.equal(decoded.version, 3);
  assert.equal(decoded.context, 'LocalSystem');
  assert.deepEqual(decoded.actions, actions);
});

test('a truncated Actions value is reported, not misread', () => {
  const blob = encodeActions('Author', [{ command: 'cmd.exe' }]);
  assert.throws(() => decodeActions(blob.subarray(0, blob.length - 5)), /truncated|bad string length/);
});
