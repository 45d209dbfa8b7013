import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileEntry, compileItem, UnsupportedEntryError } from '../../src/tuning/entry-matcher.js';
import { compileGetter } from '../../src/tuning/field-access.js';
import { compileWildcard, escapeWildcard, wildcardMatches } from '../../src/tuning/wildcard.js';
import { compileIpMatcher } from '../../src/tuning/ip-match.js';
import type { ExceptionEntry, ExceptionListItem } from '../../src/tuning/index.js';

const doc = {
  source: { ip: '10.0.5.20', port: 50123 },
  process: { name: 'svchost.exe', pid: 1044, Ext: { code_signature: [{ subject_name: 'Microsoft', trusted: true }, { subject_name: 'Contoso Ltd', trusted: false }] } },
  'user.name': 'svc_sccm',
  tags: ['a', 'b'],
  registry: { path: 'HKLM\\SOFTWARE\\X\\Actions', data: { strings: ['C:\\Windows\\CCM\\ccmexec.exe', '/runtask'] } },
  empty: {},
  nothing: null,
};

const holds = (entry: ExceptionEntry) => compileEntry(entry)(doc);

test('field access reads nested, flat-dotted and mixed documents, flattening arrays', () => {
  assert.deepEqual(compileGetter('source.ip')(doc), ['10.0.5.20']);
  assert.deepEqual(compileGetter('user.name')(doc), ['svc_sccm']);
  assert.deepEqual(compileGetter('registry.data.strings')(doc), ['C:\\Windows\\CCM\\ccmexec.exe', '/runtask']);
  assert.deepEqual(compileGetter('process.Ext.code_signature.subject_name')(doc), ['Microsoft', 'Contoso Ltd']);
  assert.deepEqual(compileGetter('seqhunt.task.command')({ 'seqhunt.task': { command: 'x.exe' } }), ['x.exe']);
  assert.deepEqual(compileGetter('nothing')(doc), []);
  assert.deepEqual(compileGetter('__proto__.polluted')(JSON.parse('{"__proto__":{"polluted":"yes"}}')), ['yes']);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('match: exact and case-sensitive, numbers and booleans by their text, any array element', () => {
  assert.equal(holds({ field: 'process.name', operator: 'included', type: 'match', value: 'svchost.exe' }), true);
  assert.equal(holds({ field: 'process.name', operator: 'included', type: 'match', value: 'SVCHOST.EXE' }), false);
  assert.equal(holds({ field: 'process.pid', operator: 'included', type: 'match', value: '1044' }), true);
  assert.equal(holds({ field: 'tags', operator: 'included', type: 'match', value: 'b' }), true);
  assert.equal(holds({ field: 'process.name', operator: 'excluded', type: 'match', value: 'svchost.exe' }), false);
  assert.equal(holds({ field: 'process.name', operator: 'excluded', type: 'match', value: 'cmd.exe' }), true);
  // "is not" holds where the field is absent, as Kibana's must_not does.
  assert.equal(holds({ field: 'no.such.field', operator: 'excluded', type: 'match', value: 'x' }), true);
  assert.equal(holds({ field: 'no.such.field', operator: 'included', type: 'match', value: 'x' }), false);
});

test('match on an ip field accepts a CIDR block (IPv4 and IPv6)', () => {
  assert.equal(holds({ field: 'source.ip', operator: 'included', type: 'match', value: '10.0.5.0/24' }), true);
  assert.equal(holds({ field: 'source.ip', operator: 'included', type: 'match', value: '10.0.6.0/24' }), false);
  assert.equal(holds({ field: 'source.ip', operator: 'excluded', type: 'match', value: '10.0.0.0/8' }), false);
  const v6 = compileIpMatcher('fd00:1::/32')!;
  assert.equal(v6('fd00:1:0:0::5'), true);
  assert.equal(v6('fd00:2::5'), false);
  assert.equal(compileIpMatcher('::ffff:10.0.5.20')!('10.0.5.20'), true);
  assert.equal(compileIpMatcher('not-an-ip'), undefined);
  // A CIDR value on a field that is not an ip field is plain text.
  assert.equal(holds({ field: 'process.name', operator: 'included', type: 'match', value: '10.0.5.0/24' }), false);
});

test('match_any: any listed value, negated by excluded', () => {
  assert.equal(holds({ field: 'process.name', operator: 'included', type: 'match_any', value: ['cmd.exe', 'svchost.exe'] }), true);
  assert.equal(holds({ field: 'process.name', operator: 'included', type: 'match_any', value: ['cmd.exe', 'mshta.exe'] }), false);
  assert.equal(holds({ field: 'process.name', operator: 'excluded', type: 'match_any', value: ['cmd.exe', 'mshta.exe'] }), true);
  assert.equal(holds({ field: 'source.ip', operator: 'included', type: 'match_any', value: ['192.168.0.0/16', '10.0.5.20'] }), true);
});

test('wildcard: Lucene syntax, * and ?, backslash escapes, case-sensitive', () => {
  assert.equal(holds({ field: 'registry.path', operator: 'included', type: 'wildcard', value: 'HKLM\\\\SOFTWARE\\\\*\\\\Actions' }), true);
  assert.equal(holds({ field: 'registry.path', operator: 'included', type: 'wildcard', value: 'hklm*' }), false);
  assert.equal(holds({ field: 'process.name', operator: 'included', type: 'wildcard', value: 's?chost.*' }), true);
  assert.equal(holds({ field: 'process.name', operator: 'excluded', type: 'wildcard', value: '*.exe' }), false);
  assert.equal(holds({ field: 'registry.data.strings', operator: 'included', type: 'wildcard', value: '*\\\\CCM\\\\*' }), true);
  assert.equal(wildcardMatches(compileWildcard('a\\*b'), 'a*b'), true);
  assert.equal(wildcardMatches(compileWildcard('a\\*b'), 'axb'), false);
  assert.equal(wildcardMatches(compileWildcard(escapeWildcard('C:\\x?*')), 'C:\\x?*'), true);
  assert.equal(wildcardMatches(compileWildcard('*'), ''), true);
  assert.equal(wildcardMatches(compileWildcard('?'), ''), false);
  assert.equal(wildcardMatches(compileWildcard('*a*b*c'), 'xxaxxbxxc'), true);
  assert.equal(wildcardMatches(compileWildcard('*a*b*c'), 'xxaxxcxxb'), false);
  // A hostile pattern on a long text finishes (linear matcher, no regex backtracking).
  assert.equal(wildcardMatches(compileWildcard('*a*a*a*a*a*a*a*a*a*a*b'), 'a'.repeat(20_000)), false);
});

test('exists: present with a value (empty objects and nulls do not count), negated by excluded', () => {
  assert.equal(holds({ field: 'source.port', operator: 'included', type: 'exists' }), true);
  assert.equal(holds({ field: 'process.Ext', operator: 'included', type: 'exists' }), true);
  assert.equal(holds({ field: 'empty', operator: 'included', type: 'exists' }), false);
  assert.equal(holds({ field: 'nothing', operator: 'included', type: 'exists' }), false);
  assert.equal(holds({ field: 'nothing', operator: 'excluded', type: 'exists' }), true);
  assert.equal(holds({ field: 'user.name', operator: 'excluded', type: 'exists' }), false);
});

test('nested: all inner entries must hold on the same array element', () => {
  const sameElement: ExceptionEntry = {
    field: 'process.Ext.code_signature',
    type: 'nested',
    entries: [
      { field: 'subject_name', operator: 'included', type: 'match', value: 'Contoso Ltd' },
      { field: 'trusted', operator: 'included', type: 'match', value: 'false' },
    ],
  };
  assert.equal(holds(sameElement), true);
  const acrossElements: ExceptionEntry = {
    field: 'process.Ext.code_signature',
    type: 'nested',
    entries: [
      { field: 'subject_name', operator: 'included', type: 'match', value: 'Contoso Ltd' },
      { field: 'trusted', operator: 'included', type: 'match', value: 'true' },
    ],
  };
  assert.equal(holds(acrossElements), false);
  const withExcluded: ExceptionEntry = {
    field: 'process.Ext.code_signature',
    type: 'nested',
    entries: [
      { field: 'subject_name', operator: 'excluded', type: 'match', value: 'Microsoft' },
      { field: 'subject_name', operator: 'included', type: 'wildcard', value: 'Con*' },
    ],
  };
  assert.equal(holds(withExcluded), true);
});

test('value-list entries cannot be evaluated and say why', () => {
  assert.throws(
    () => compileEntry({ field: 'source.ip', operator: 'included', type: 'list', list: { id: 'jump-hosts.txt', type: 'ip' } }),
    (err: unknown) => err instanceof UnsupportedEntryError && /value list "jump-hosts.txt"/.test((err as Error).message),
  );
});

test('an item ANDs its entries and adds its os_types as a host OS condition', () => {
  const item = (entries: ExceptionEntry[], os_types: string[] = []): ExceptionListItem => ({
    item_id: 'i',
    list_id: 'l',
    type: 'simple',
    name: 'n',
    description: '',
    entries,
    os_types,
  });
  const ip: ExceptionEntry = { field: 'source.ip', operator: 'included', type: 'match', value: '10.0.5.20' };
  const name: ExceptionEntry = { field: 'process.name', operator: 'included', type: 'match', value: 'cmd.exe' };
  assert.equal(compileItem(item([ip]))(doc), true);
  assert.equal(compileItem(item([ip, name]))(doc), false);
  assert.equal(compileItem(item([ip], ['windows']))(doc), false);
  assert.equal(compileItem(item([ip], ['windows']))({ ...doc, host: { os: { type: 'windows' } } }), true);
  assert.equal(compileItem(item([ip], ['windows']))({ ...doc, 'host.os.name.caseless': 'windows' }), true);
  assert.equal(compileItem(item([ip], ['linux']))({ ...doc, host: { os: { type: 'windows' } } }), false);
});
