import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { sniff } from '../../src/formats/sniff.js';

const kind = (s: string | Uint8Array): string | undefined => sniff(typeof s === 'string' ? Buffer.from(s) : s).kind;

test('formats found by their first bytes', () => {
  assert.equal(kind(Buffer.from('ElfFile\0\0\0\0\0')), 'evtx');
  assert.equal(kind(gzipSync('x')), 'gzip');
  assert.equal(kind(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14])), 'zip');
  assert.equal(kind(Buffer.from([0x50, 0x4b, 0x05, 0x06])), 'zip');
  assert.equal(kind('  \r\n<Events>'), 'xml');
  assert.equal(kind('<?xml version="1.0"?>'), 'xml');
  assert.equal(kind('{"a":1}'), 'json');
  assert.equal(kind('\n\n{\n  "a": 1'), 'json');
  assert.equal(kind('[\n  {"a":1}]'), 'json');
  assert.equal(kind('[]'), 'json');
  assert.equal(kind('{'), 'json', 'too short to tell: JSON');
});

test('look-alikes are not taken for inputs', () => {
  assert.equal(kind('[section]\nkey=value\n'), undefined, 'INI');
  assert.equal(kind('{not json}'), undefined);
  assert.equal(kind('# README'), undefined);
  assert.equal(kind('PK'), undefined);
  assert.equal(kind(''), undefined);
});

test('BOMs and UTF-16 (with or without BOM) report their encoding', () => {
  assert.deepEqual(sniff(Buffer.from('\ufeff{"a":1}')), { kind: 'json', encoding: 'utf-8', blank: false });
  assert.deepEqual(sniff(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<Events>', 'utf16le')])), { kind: 'xml', encoding: 'utf-16le', blank: false });
  assert.deepEqual(sniff(Buffer.from('<Event>', 'utf16le')), { kind: 'xml', encoding: 'utf-16le', blank: false });
  const be = Buffer.from('{"a":1}', 'utf16le');
  be.swap16();
  assert.deepEqual(sniff(be), { kind: 'json', encoding: 'utf-16be', blank: false });
  assert.deepEqual(sniff(Buffer.from('  \n\t')), { kind: undefined, encoding: 'utf-8', blank: true });
});

test('a banner line before event XML (evtxexport) is XML; other text first is not', () => {
  assert.equal(kind('evtxexport 20181227\n\n<Event xmlns="x">'), 'xml');
  assert.equal(kind('some notes\n<html>'), undefined);
});
