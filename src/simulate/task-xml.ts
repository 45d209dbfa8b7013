// Task definition XML as the Task Scheduler stores it and as Security 4698 carries it in TaskContent
// (layout and indentation follow the real 4698 events of the shared captures).
import type { ExecAction } from './actions-blob.js';

export type TaskTrigger =
  | { kind: 'boot'; start: string }
  | { kind: 'once'; start: string }
  | { kind: 'daily'; start: string };

export interface TaskDefinition {
  /** Task path, "\\Folder\\Name". */
  uri: string;
  /** RegistrationInfo (absent for atexec, which sends a bare definition). */
  date?: string;
  author?: string;
  description?: string;
  trigger: TaskTrigger;
  /** Principal id, also the Actions Context ("Author", "LocalSystem"). */
  context: string;
  /** Principal UserId (a SID or DOMAIN\\user). */
  runAs: string;
  runLevel: 'LeastPrivilege' | 'HighestAvailable';
  logonType?: 'InteractiveToken' | 'Password' | 'S4U' | 'ServiceAccount';
  hidden: boolean;
  actions: ExecAction[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function trigger(t: TaskTrigger): string[] {
  switch (t.kind) {
    case 'boot':
      return ['    <BootTrigger>', `      <StartBoundary>${t.start}</StartBoundary>`, '      <Enabled>true</Enabled>', '    </BootTrigger>'];
    case 'once':
      return ['    <TimeTrigger>', `      <StartBoundary>${t.start}</StartBoundary>`, '      <Enabled>true</Enabled>', '    </TimeTrigger>'];
    case 'daily':
      return [
        '    <CalendarTrigger>',
        `      <StartBoundary>${t.start}</StartBoundary>`,
        '      <Enabled>true</Enabled>',
        '      <ScheduleByDay>',
        '        <DaysInterval>1</DaysInterval>',
        '      </ScheduleByDay>',
        '    </CalendarTrigger>',
      ];
  }
}

/** The XML text, with "\n" line ends as 4698 TaskContent renders it. */
export function taskXml(def: TaskDefinition): string {
  const lines = ['<?xml version="1.0" encoding="UTF-16"?>', '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">'];
  if (def.date || def.author || def.description) {
    lines.push('  <RegistrationInfo>');
    if (def.date) lines.push(`    <Date>${esc(def.date)}</Date>`);
    if (def.author) lines.push(`    <Author>${esc(def.author)}</Author>`);
    if (def.description) lines.push(`    <Description>${esc(def.description)}</Description>`);
    lines.push(`    <URI>${esc(def.uri)}</URI>`, '  </RegistrationInfo>');
  }
  lines.push('  <Triggers>', ...trigger(def.trigger), '  </Triggers>');
  lines.push(
    '  <Settings>',
    '    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>',
    '    <DisallowStartIfOnBatteries>true</DisallowStartIfOnBatteries>',
    '    <StopIfGoingOnBatteries>true</StopIfGoingOnBatteries>',
    '    <AllowHardTerminate>true</AllowHardTerminate>',
    '    <StartWhenAvailable>false</StartWhenAvailable>',
    '    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>',
    '    <IdleSettings>',
    '      <Duration>PT10M</Duration>',
    '      <WaitTimeout>PT1H</WaitTimeout>',
    '      <StopOnIdleEnd>true</StopOnIdleEnd>',
    '      <RestartOnIdle>false</RestartOnIdle>',
    '    </IdleSettings>',
    '    <AllowStartOnDemand>true</AllowStartOnDemand>',
    '    <Enabled>true</Enabled>',
    `    <Hidden>${def.hidden}</Hidden>`,
    '    <RunOnlyIfIdle>false</RunOnlyIfIdle>',
    '    <WakeToRun>false</WakeToRun>',
    '    <ExecutionTimeLimit>PT72H</ExecutionTimeLimit>',
    '    <Priority>7</Priority>',
    '  </Settings>',
  );
  lines.push(`  <Actions Context="${esc(def.context)}">`);
  for (const a of def.actions) {
    lines.push('    <Exec>', `      <Command>${esc(a.command)}</Command>`);
    if (a.arguments) lines.push(`      <Arguments>${esc(a.arguments)}</Arguments>`);
    if (a.workingDirectory) lines.push(`      <WorkingDirectory>${esc(a.workingDirectory)}</WorkingDirectory>`);
    lines.push('    </Exec>');
  }
  lines.push('  </Actions>', '  <Principals>', `    <Principal id="${esc(def.context)}">`, `      <UserId>${esc(def.runAs)}</UserId>`);
  if (def.logonType) lines.push(`      <LogonType>${def.logonType}</LogonType>`);
  lines.push(`      <RunLevel>${def.runLevel}</RunLevel>`, '    </Principal>', '  </Principals>', '</Task>');
  return lines.join('\n');
}

/** Splits a command line the way schtasks /tr is stored: first token is the command, the rest arguments. */
export function splitCommand(commandLine: string): { command: string; arguments?: string } {
  const text = commandLine.trim();
  const m = text.startsWith('"') ? /^"([^"]*)"\s*(.*)$/s.exec(text) : /^(\S+)\s*(.*)$/s.exec(text);
  if (!m) return { command: text };
  return m[2] ? { command: m[1]!, arguments: m[2] } : { command: m[1]! };
}
