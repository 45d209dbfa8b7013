import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTaskContent } from '../../src/alerts/index.js';
import { parseXml, effectivePrincipal } from '../../src/alerts/task-xml.js';
import { taskXml } from './helpers.js';

test('reads command, arguments, principal and settings from a 4698 TaskContent', () => {
  const def = parseTaskContent(
    taskXml({ uri: '\\Microsoft\\Windows\\SoftwareProtectionPlatform\\EventCacheManager', command: 'C:\\Windows\\system32\\cmd.exe', args: '/C C:\\Windows\\System32\\notepad.exe' }),
  )!;
  assert.equal(def.uri, '\\Microsoft\\Windows\\SoftwareProtectionPlatform\\EventCacheManager');
  assert.equal(def.author, 'THESHIRE\\pgustavo');
  assert.equal(def.context, 'Author');
  assert.deepEqual(def.actions, [{ type: 'exec', command: 'C:\\Windows\\system32\\cmd.exe', arguments: '/C C:\\Windows\\System32\\notepad.exe' }]);
  assert.deepEqual(def.principals, [{ id: 'Author', userId: 'S-1-5-18', runLevel: 'LeastPrivilege' }]);
  assert.equal(def.hidden, false);
  assert.deepEqual(def.triggers, ['BootTrigger']);
});

test('entities, CDATA, comments, prefixes and single-quoted attributes', () => {
  const xml = `<?xml version='1.0'?><!-- c --><t:Task xmlns:t='x'><t:Actions Context='LocalSystem'><t:Exec id='e1'>
    <t:Command>cmd.exe</t:Command><t:Arguments><![CDATA[/C a > b & c]]> &amp;&#x41;&#66;&quot;</t:Arguments></t:Exec>
    <ComHandler><ClassId>{0F87369F-A4E5-4CFC-BD3E-73E6154572DD}</ClassId></ComHandler></t:Actions>
    <Principals><Principal id="other"><GroupId>S-1-5-32-544</GroupId></Principal><Principal id="LocalSystem"><UserId>S-1-5-18</UserId><RunLevel>HighestAvailable</RunLevel></Principal></Principals>
    <Settings><Hidden>true</Hidden></Settings></t:Task>`;
  const def = parseTaskContent(xml)!;
  assert.equal(def.context, 'LocalSystem');
  assert.equal(def.actions[0]!.id, 'e1');
  assert.equal(def.actions[0]!.arguments, '/C a > b & c &AB"');
  assert.equal(def.actions[1]!.class_id, '{0F87369F-A4E5-4CFC-BD3E-73E6154572DD}');
  assert.equal(def.hidden, true);
  assert.deepEqual(effectivePrincipal(def), { id: 'LocalSystem', userId: 'S-1-5-18', runLevel: 'HighestAvailable' });
});

test('broken and hostile XML: no throw, partial results, bounded depth', () => {
  assert.equal(parseTaskContent(''), undefined);
  assert.equal(parseTaskContent('not xml at all < > &'), undefined);
  const truncated = parseTaskContent('<Task><Actions><Exec><Command>evil.exe</Command><Argum');
  assert.equal(truncated!.actions[0]!.command, 'evil.exe');
  const stray = parseTaskContent('<Task></Nope><Actions><Exec><Command>x</Command></Exec></Actions></Task>');
  assert.equal(stray!.actions[0]!.command, 'x');
  const deep = '<a>'.repeat(100_000) + '</a>'.repeat(100_000);
  const root = parseXml(deep);
  let depth = 0;
  for (let n = root; n.children.length; n = n.children[0]!) depth++;
  assert.ok(depth <= 64, `depth ${depth}`);
  assert.equal(parseTaskContent('<Task><Actions><Exec><Command>&#xFFFFFFF;</Command></Exec></Actions></Task>')!.actions[0]!.command, '&#xFFFFFFF;');
});
