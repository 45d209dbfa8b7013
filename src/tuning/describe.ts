// Exception lists in words, for `seqhunt baseline show`: each list, each item's conditions as Kibana's UI
// phrases them ("is", "is one of", "matches", "exists", and their negations), expiry, and the evidence
// baseline learn recorded. Control characters from the data are escaped, so nothing reaches a terminal raw.
import type { ExceptionEntry, ExceptionList, ExceptionListItem } from './types.js';

/** Escapes C0/C1 control characters (terminal escape sequences included) as \xNN / \u{N}. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.codePointAt(0)!;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

// Values as typed (not JSON-escaped): a Windows path reads as one.
const q = (v: string) => `"${v}"`;

export function describeEntry(entry: ExceptionEntry, indent = ''): string[] {
  const not = 'operator' in entry && entry.operator === 'excluded';
  switch (entry.type) {
    case 'match':
      return [`${indent}${entry.field} ${not ? 'is not' : 'is'} ${q(entry.value)}`];
    case 'match_any':
      return [`${indent}${entry.field} ${not ? 'is not one of' : 'is one of'} ${entry.value.map(q).join(', ')}`];
    case 'wildcard':
      return [`${indent}${entry.field} ${not ? 'does not match' : 'matches'} ${q(entry.value)}`];
    case 'exists':
      return [`${indent}${entry.field} ${not ? 'does not exist' : 'exists'}`];
    case 'list':
      return [`${indent}${entry.field} ${not ? 'is not in' : 'is in'} value list ${q(entry.list.id)} (${entry.list.type}; not readable by seqhunt)`];
    case 'nested':
      return [`${indent}${entry.field} has one element where:`, ...entry.entries.flatMap((e) => describeEntry(e, indent + '    '))];
  }
}

function describeItem(item: ExceptionListItem, now: number): string[] {
  const out: string[] = [];
  out.push(`  - ${item.name}`);
  out.push(`    item_id: ${item.item_id}`);
  if (item.expire_time !== undefined) {
    const expired = Date.parse(item.expire_time) <= now;
    out.push(`    ${expired ? 'EXPIRED' : 'expires'}: ${item.expire_time}${expired ? ' (no longer suppresses)' : ''}`);
  }
  if (item.os_types && item.os_types.length > 0) out.push(`    os: ${item.os_types.join(', ')}`);
  if (item.tags && item.tags.length > 0) out.push(`    tags: ${item.tags.join(', ')}`);
  out.push('    suppresses an alert when all hold:');
  item.entries.forEach((e, i) => {
    const lines = describeEntry(e, '      ');
    out.push(i === 0 ? lines[0]! : lines[0]!.replace(/^ {6}/, '      and '), ...lines.slice(1));
  });
  const evidence = (item.meta as { seqhunt?: Record<string, unknown> } | undefined)?.seqhunt;
  if (evidence) {
    out.push(
      `    evidence: ${evidence.count} alert(s) on ${evidence.host_count} host(s) over ${(evidence.days as unknown[] | undefined)?.length ?? '?'} day(s), ` +
        `first ${evidence.first_seen}, last ${evidence.last_seen}`,
    );
    const hosts = evidence.hosts as string[] | undefined;
    if (hosts) out.push(`    hosts: ${hosts.length > 12 ? `${hosts.slice(0, 12).join(', ')} and ${hosts.length - 12} more` : hosts.join(', ')}`);
    const ex = evidence.example as { task?: string; command?: string; host?: string; time?: string } | undefined;
    if (ex) out.push(`    example: ${ex.task ?? '(task name not seen)'} on ${ex.host ?? '?'} at ${ex.time ?? '?'}`, `             ${ex.command ?? ''}`);
    if (Array.isArray(evidence.traits)) out.push(`    REVIEW: attacker traits in the command: ${(evidence.traits as string[]).join('; ')}`);
  } else if (item.description) {
    out.push(...item.description.split('\n').map((l) => `    ${l}`));
  }
  for (const c of item.comments ?? []) {
    if (evidence && c.comment.startsWith('seqhunt baseline evidence:')) continue;
    out.push(`    comment${c.created_by ? ` by ${c.created_by}` : ''}${c.created_at ? ` at ${c.created_at}` : ''}:`);
    out.push(...c.comment.split('\n').map((l) => `      ${l}`));
  }
  return out;
}

export function formatExceptionLists(lists: readonly ExceptionList[], options: { now?: Date } = {}): string {
  const now = (options.now ?? new Date()).getTime();
  const out: string[] = [];
  for (const { list, items } of lists) {
    out.push(`${list.name} (list_id ${list.list_id}, type ${list.type}, ${list.namespace_type ?? 'single'} namespace)`);
    if (list.description) out.push(...list.description.split('\n').map((l) => `  ${l}`));
    const meta = (list.meta as { seqhunt?: Record<string, unknown> } | undefined)?.seqhunt;
    if (meta) {
      const t = meta.thresholds as { min_hosts?: number; min_days?: number } | undefined;
      out.push(`  learned ${meta.generated_at} from ${meta.alerts_read} alert(s); thresholds: ${t?.min_hosts} hosts or ${t?.min_days} days`);
      const seen = meta.sources_seen as unknown[] | undefined;
      if (seen) out.push(`  sources seen creating tasks: ${seen.length}`);
    }
    const expired = items.filter((it) => it.expire_time !== undefined && Date.parse(it.expire_time) <= now).length;
    out.push(`  ${items.length} item(s)${expired ? `, ${expired} expired` : ''}`);
    for (const item of items) out.push(...describeItem(item, now));
    out.push('');
  }
  return printable(out.join('\n'));
}
