// A small tolerant XML reader for Task Scheduler task definitions (4698 TaskContent, 4702 TaskContentNew),
// and the extraction of what a responder needs from them. Hostile or broken XML yields what could be read.
import type { TaskAction } from './task-actions.js';

export interface XmlNode {
  /** Local name (namespace prefix dropped). */
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

const MAX_DEPTH = 64;
const MAX_NODES = 20_000;

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (m, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    return ENTITIES[e] ?? m;
  });
}

function localName(qname: string): string {
  const i = qname.indexOf(':');
  return i >= 0 ? qname.slice(i + 1) : qname;
}

const ATTR_RE = /([^\s=/>]+)\s*=\s*("([^"]*)"|'([^']*)')/g;

/**
 * Parses XML into a tree; never throws. Unclosed elements are closed at the end, stray end tags are ignored,
 * declarations, comments, processing instructions and DOCTYPE are skipped, CDATA is kept as text.
 * Returns a synthetic root whose children are the top-level elements.
 */
export function parseXml(text: string): XmlNode {
  const root: XmlNode = { name: '#root', attrs: {}, children: [], text: '' };
  const stack: XmlNode[] = [root];
  let nodes = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const lt = text.indexOf('<', i);
    const top = stack[stack.length - 1]!;
    if (lt < 0) {
      top.text += decodeEntities(text.slice(i));
      break;
    }
    if (lt > i) top.text += decodeEntities(text.slice(i, lt));
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      i = end < 0 ? n : end + 3;
    } else if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt + 9);
      top.text += text.slice(lt + 9, end < 0 ? n : end);
      i = end < 0 ? n : end + 3;
    } else if (text[lt + 1] === '?' || text[lt + 1] === '!') {
      const end = text.indexOf('>', lt + 2);
      i = end < 0 ? n : end + 1;
    } else if (text[lt + 1] === '/') {
      const end = text.indexOf('>', lt + 2);
      const name = localName(text.slice(lt + 2, end < 0 ? n : end).trim());
      // Close up to the matching open element; ignore a stray end tag.
      for (let k = stack.length - 1; k > 0; k--) {
        if (stack[k]!.name === name) {
          stack.length = k;
          break;
        }
      }
      i = end < 0 ? n : end + 1;
    } else {
      const end = findTagEnd(text, lt + 1);
      const body = text.slice(lt + 1, end < 0 ? n : end);
      i = end < 0 ? n : end + 1;
      const selfClosing = body.endsWith('/');
      const inner = selfClosing ? body.slice(0, -1) : body;
      const m = /^[^\s/>]+/.exec(inner);
      if (!m) {
        top.text += '<';
        i = lt + 1;
        continue;
      }
      if (++nodes > MAX_NODES) break;
      const node: XmlNode = { name: localName(m[0]), attrs: {}, children: [], text: '' };
      ATTR_RE.lastIndex = m[0].length;
      for (let a = ATTR_RE.exec(inner); a; a = ATTR_RE.exec(inner)) {
        node.attrs[localName(a[1]!)] = decodeEntities(a[3] ?? a[4] ?? '');
      }
      top.children.push(node);
      if (!selfClosing && stack.length < MAX_DEPTH) stack.push(node);
    }
  }
  return root;
}

/** End of a start tag, skipping '>' inside quoted attribute values. */
function findTagEnd(text: string, from: number): number {
  let quote = '';
  for (let k = from; k < text.length; k++) {
    const c = text[k]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return k;
  }
  return -1;
}

export function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  return node?.children.find((c) => c.name === name);
}

function childText(node: XmlNode | undefined, name: string): string | undefined {
  const t = child(node, name)?.text.trim();
  return t ? t : undefined;
}

export interface TaskPrincipal {
  id?: string;
  userId?: string;
  groupId?: string;
  logonType?: string;
  runLevel?: string;
}

/** What a task definition says, as far as it could be read. */
export interface TaskDefinition {
  uri?: string;
  author?: string;
  date?: string;
  description?: string;
  /** `<Actions Context="…">`. */
  context?: string;
  actions: TaskAction[];
  principals: TaskPrincipal[];
  hidden?: boolean;
  enabled?: boolean;
  /** Trigger element names, e.g. ["BootTrigger"]. */
  triggers: string[];
}

/** Reads a task XML (TaskContent). Returns undefined when it holds no <Task> element. */
export function parseTaskContent(xml: string): TaskDefinition | undefined {
  const root = parseXml(xml);
  const task = root.children.find((c) => c.name === 'Task');
  if (!task) return undefined;
  const reg = child(task, 'RegistrationInfo');
  const actionsNode = child(task, 'Actions');
  const actions: TaskAction[] = [];
  for (const a of actionsNode?.children ?? []) {
    const action: TaskAction | undefined =
      a.name === 'Exec'
        ? {
            type: 'exec',
            command: childText(a, 'Command'),
            arguments: childText(a, 'Arguments'),
            working_directory: childText(a, 'WorkingDirectory'),
          }
        : a.name === 'ComHandler'
          ? { type: 'com_handler', class_id: childText(a, 'ClassId'), data: childText(a, 'Data') }
          : a.name === 'SendEmail'
            ? { type: 'send_email', to: childText(a, 'To'), subject: childText(a, 'Subject'), server: childText(a, 'Server') }
            : a.name === 'ShowMessage'
              ? { type: 'show_message', caption: childText(a, 'Title'), message: childText(a, 'Body') }
              : undefined;
    if (!action) continue;
    if (a.attrs.id) action.id = a.attrs.id;
    for (const k of Object.keys(action) as Array<keyof TaskAction>) if (action[k] === undefined) delete action[k];
    actions.push(action);
  }
  const principals: TaskPrincipal[] = [];
  for (const p of child(task, 'Principals')?.children ?? []) {
    if (p.name !== 'Principal') continue;
    const principal: TaskPrincipal = {};
    if (p.attrs.id) principal.id = p.attrs.id;
    const u = childText(p, 'UserId');
    if (u) principal.userId = u;
    const g = childText(p, 'GroupId');
    if (g) principal.groupId = g;
    const lt = childText(p, 'LogonType');
    if (lt) principal.logonType = lt;
    const rl = childText(p, 'RunLevel');
    if (rl) principal.runLevel = rl;
    principals.push(principal);
  }
  const settings = child(task, 'Settings');
  const bool = (s: string | undefined): boolean | undefined => (s === undefined ? undefined : s.toLowerCase() === 'true');
  const def: TaskDefinition = {
    actions,
    principals,
    triggers: (child(task, 'Triggers')?.children ?? []).map((t) => t.name),
  };
  const set = <K extends keyof TaskDefinition>(k: K, v: TaskDefinition[K] | undefined): void => {
    if (v !== undefined) def[k] = v;
  };
  set('uri', childText(reg, 'URI'));
  set('author', childText(reg, 'Author'));
  set('date', childText(reg, 'Date'));
  set('description', childText(reg, 'Description'));
  set('context', actionsNode?.attrs.Context);
  set('hidden', bool(childText(settings, 'Hidden')));
  set('enabled', bool(childText(settings, 'Enabled')));
  return def;
}

/** The principal the actions run under: the one named by the Actions context, else the only/first one. */
export function effectivePrincipal(def: TaskDefinition): TaskPrincipal | undefined {
  if (def.context) {
    const p = def.principals.find((x) => x.id === def.context);
    if (p) return p;
  }
  return def.principals[0];
}
