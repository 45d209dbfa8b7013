// Substitution values rendered as Windows (and evtxexport -f xml) render them, type by type.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VT, scalarText, valueText } from '../../../src/formats/evtx/values.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const text = (type: number, bytes: Buffer) => valueText(bytes, type, 0, bytes.length);

test('strings: UTF-16LE with trailing NULs stripped, lone surrogates replaced', () => {
  assert.equal(text(VT.String, Buffer.from('C:\\Windows\0', 'utf16le')), 'C:\\Windows');
  assert.equal(text(VT.String, Buffer.from('a🚀b', 'utf16le')), 'a🚀b');
  assert.equal(text(VT.String, hex('3d d8 41 00')), '\uFFFDA');
  assert.equal(text(VT.String, hex('41 00 42')), 'A'); // odd length: the stray byte is dropped
  assert.equal(text(VT.AnsiString, Buffer.from('caf\xe9\0', 'latin1')), 'café');
});

test('integers, reals and booleans', () => {
  assert.equal(text(VT.Int8, hex('ff')), '-1');
  assert.equal(text(VT.UInt8, hex('ff')), '255');
  assert.equal(text(VT.Int16, hex('feff')), '-2');
  assert.equal(text(VT.UInt16, hex('3412')), '4660');
  assert.equal(text(VT.Int32, hex('ffffffff')), '-1');
  assert.equal(text(VT.UInt32, hex('78563412')), '305419896');
  assert.equal(text(VT.Int64, hex('ffffffffffffffff')), '-1');
  assert.equal(text(VT.UInt64, hex('ffffffffffffffff')), '18446744073709551615');
  assert.equal(text(VT.Real32, hex('0000c03f')), '1.5');
  assert.equal(text(VT.Real64, hex('000000000000f83f')), '1.5');
  assert.equal(text(VT.Bool, hex('01000000')), 'true');
  assert.equal(text(VT.Bool, hex('00000000')), 'false');
  assert.equal(text(VT.Bool, hex('00010000')), 'true'); // any non-zero value is true
});

test('hex integers are zero-padded lowercase hex', () => {
  assert.equal(text(VT.HexInt32, hex('e7030000')), '0x000003e7');
  assert.equal(text(VT.HexInt64, hex('e703000000000000')), '0x00000000000003e7');
});

test('SizeT pointers are minimal lowercase hex, as Windows renders them (0x24c)', () => {
  assert.equal(text(VT.SizeT, hex('4c020000')), '0x24c');
  assert.equal(text(VT.SizeT, hex('4c02000000000000')), '0x24c');
  assert.equal(text(VT.SizeT, hex('00000000')), '0x0');
  assert.equal(text(VT.SizeT, hex('0c000000 01000000')), '0x10000000c');
});

test('GUIDs (mixed endian, uppercase in braces), SIDs, binary', () => {
  assert.equal(text(VT.Guid, hex('5f387057 2ac2 e043 bf4c 06f5698ffbd9')), '{5770385F-C22A-43E0-BF4C-06F5698FFBD9}');
  assert.equal(text(VT.Sid, hex('0101 000000000005 12000000')), 'S-1-5-18');
  assert.equal(text(VT.Sid, hex('0105 000000000005 15000000 dcc3dc3b 8367df45 828a8a28 00020000')), 'S-1-5-21-1004323804-1172268931-680168066-512');
  assert.equal(text(VT.Binary, hex('00ff10ab')), '00FF10AB');
});

test('FILETIME and SYSTEMTIME as ISO 8601 UTC', () => {
  const ft = Buffer.alloc(8);
  ft.writeBigUInt64LE(131587674291368792n);
  assert.equal(text(VT.FileTime, ft), '2017-12-26T13:10:29.136879200Z');
  ft.writeBigUInt64LE(0n);
  assert.equal(text(VT.FileTime, ft), '1601-01-01T00:00:00.000000000Z');
  ft.writeBigUInt64LE(0xffffffffffffffffn);
  assert.equal(text(VT.FileTime, ft), '0xffffffffffffffff'); // beyond year 9999: raw, never an exception
  const st = Buffer.alloc(16);
  [2019, 3, 5, 8, 23, 23, 5, 7].forEach((v, i) => st.writeUInt16LE(v, 2 * i));
  assert.equal(text(VT.SystemTime, st), '2019-03-08T23:23:05.007Z');
});

test('NULL is null whatever its size; arrays stay arrays', () => {
  assert.equal(text(VT.Null, hex('0000')), null);
  assert.deepEqual(text(VT.String | VT.ArrayFlag, Buffer.from('one\0two\0', 'utf16le')), ['one', 'two']);
  assert.deepEqual(text(VT.String | VT.ArrayFlag, Buffer.from('one\0\0three\0', 'utf16le')), ['one', '', 'three']);
  assert.deepEqual(text(VT.UInt16 | VT.ArrayFlag, hex('0100 0200 ffff')), ['1', '2', '65535']);
  assert.deepEqual(text(VT.Guid | VT.ArrayFlag, Buffer.alloc(32)), ['{00000000-0000-0000-0000-000000000000}', '{00000000-0000-0000-0000-000000000000}']);
  assert.deepEqual(text(VT.HexInt64 | VT.ArrayFlag, hex('0100000000000000')), ['0x0000000000000001']);
});

test('values shorter than their type render empty instead of throwing', () => {
  for (const t of [VT.UInt16, VT.UInt32, VT.UInt64, VT.Real64, VT.Guid, VT.FileTime, VT.SystemTime, VT.HexInt64, VT.Sid]) {
    assert.equal(scalarText(hex('01'), t, 0, 1), '', `type 0x${t.toString(16)}`);
  }
});

test('GUIDs, hex integers and binary by table lookups equal the arithmetic renderings on random bytes', () => {
  const bytes = Buffer.alloc(16);
  const rand = (n: number) => Math.floor(Math.random() * n);
  for (let k = 0; k < 20_000; k++) {
    for (let i = 0; i < 16; i++) bytes[i] = k < 256 ? (k + i) & 0xff : rand(256); // every byte value, then random
    const d = (v: number, width: number) => v.toString(16).padStart(width, '0');
    const guid = `{${d(bytes.readUInt32LE(0), 8)}-${d(bytes.readUInt16LE(4), 4)}-${d(bytes.readUInt16LE(6), 4)}-${bytes.toString('hex', 8, 10)}-${bytes.toString('hex', 10, 16)}}`;
    assert.equal(scalarText(bytes, VT.Guid, 0, 16), guid.toUpperCase());
    assert.equal(scalarText(bytes, VT.HexInt32, 0, 4), '0x' + d(bytes.readUInt32LE(0), 8));
    assert.equal(scalarText(bytes, VT.HexInt64, 0, 8), '0x' + bytes.readBigUInt64LE(0).toString(16).padStart(16, '0'));
    assert.equal(scalarText(bytes, VT.Binary, 3, 13), bytes.toString('hex', 3, 16).toUpperCase());
  }
});

test('FILETIME by day cache and digit tables equals Date rendering, across the whole range and its edges', () => {
  const ft = Buffer.alloc(8);
  const viaDate = (ticks: bigint): string => {
    const secs = Number(ticks / 10_000_000n) - 11644473600;
    const ms = secs * 1000;
    if (ticks >= 1n << 63n || !(ms >= -62135596800000 && ms <= 253402300799000)) return '0x' + ticks.toString(16).padStart(16, '0');
    return new Date(ms).toISOString().slice(0, 19) + '.' + String(ticks % 10_000_000n).padStart(7, '0') + '00Z';
  };
  const edges = [0n, 1n, 9_999_999n, 10_000_000n, 116444736000000000n, 116444735999999999n, 2650467743999999999n, 2650467744000000000n, (1n << 63n) - 1n, 1n << 63n];
  const random = Array.from({ length: 50_000 }, (_, i) => {
    // Mostly near-present times in a few days (the cache's case), some anywhere in the 64-bit range.
    if (i % 5 === 0) return BigInt(Math.floor(Math.random() * 2 ** 32)) * BigInt(Math.floor(Math.random() * 2 ** 32));
    return 132500000000000000n + BigInt(Math.floor(Math.random() * 3 * 864_000_000_000));
  });
  for (const ticks of [...edges, ...random]) {
    ft.writeBigUInt64LE(ticks);
    assert.equal(scalarText(ft, VT.FileTime, 0, 8), viaDate(ticks), `ticks ${ticks}`);
  }
});
