// Event XML of one Windows event, as `wevtutil qe /f:xml` renders it (System block, EventData).
// A local renderer so the simulator does not depend on the event-xml reader's internals.
import type { WinEvent } from '../formats/types.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function renderEventXml(ev: WinEvent): string {
  const s = ev.system;
  const parts = [
    `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>`,
    `<Provider Name="${esc(s.provider)}"${s.providerGuid ? ` Guid="${esc(s.providerGuid)}"` : ''}/>`,
    `<EventID>${s.eventId}</EventID>`,
    s.version !== undefined ? `<Version>${s.version}</Version>` : '',
    s.level !== undefined ? `<Level>${s.level}</Level>` : '',
    s.task !== undefined ? `<Task>${s.task}</Task>` : '',
    s.opcode !== undefined ? `<Opcode>${s.opcode}</Opcode>` : '',
    s.keywords !== undefined ? `<Keywords>${s.keywords}</Keywords>` : '',
    `<TimeCreated SystemTime="${s.timeCreated}"/>`,
    s.recordId !== undefined ? `<EventRecordID>${s.recordId}</EventRecordID>` : '',
    s.activityId ? `<Correlation ActivityID="${s.activityId}"/>` : '<Correlation/>',
    s.processId !== undefined ? `<Execution ProcessID="${s.processId}" ThreadID="${s.threadId ?? 0}"/>` : '',
    `<Channel>${esc(s.channel)}</Channel>`,
    `<Computer>${esc(s.computer)}</Computer>`,
    s.userId ? `<Security UserID="${esc(s.userId)}"/>` : '<Security/>',
    `</System>`,
  ];
  if (ev.eventData) {
    parts.push('<EventData>');
    for (const [name, value] of Object.entries(ev.eventData)) {
      if (value === null) parts.push(`<Data Name="${esc(name)}"/>`);
      else if (Array.isArray(value)) parts.push(`<Data Name="${esc(name)}">${value.map(esc).join('')}</Data>`);
      else parts.push(value === '' ? `<Data Name="${esc(name)}"/>` : `<Data Name="${esc(name)}">${esc(value)}</Data>`);
    }
    parts.push('</EventData>');
  }
  parts.push('</Event>');
  return parts.join('');
}
