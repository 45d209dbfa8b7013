// The inputs a user names → the files to read: plain files, directories (recursively), glob patterns
// (`*`, `?`, `[...]`, `**` across directories) and "-" for stdin. Order is stable: arguments as given,
// directory contents and glob matches sorted by name. Paths that cannot be read are kept, carrying the
// reason, so the reader reports them in place and the other inputs are still read.
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, sep } from 'node:path';

export interface ExpandedSource {
  path: string;
  size?: number;
  /** Found by walking a directory or matching a glob, not named by the user. */
  implicit?: boolean;
  /** Why this input cannot be read (reported by the reader as a problem). */
  error?: string;
  /** Why this entry of a directory or glob is not read at all (a FIFO, socket or device): reported as a note. */
  skipped?: string;
}

const NOT_REGULAR = 'not a regular file';

/** What a directory walk or glob makes of one entry that is neither a directory nor walked into. */
function entry(path: string, st: { isFile(): boolean; size: number }): ExpandedSource {
  // Reading a FIFO or device found in a tree could block forever or never end; one the user names is read.
  return st.isFile() ? { path, size: st.size, implicit: true } : { path, implicit: true, skipped: NOT_REGULAR };
}

const GLOB_CHARS = /[*?[]/;

function errorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ENOENT': return 'no such file or directory';
    case 'EACCES':
    case 'EPERM': return 'permission denied';
    case 'ENOTDIR': return 'not a directory';
    case 'ELOOP': return 'too many levels of symbolic links';
    default: return e.message ?? String(err);
  }
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Files under `dir`, recursively, sorted; hidden entries (".git", ".DS_Store") are left out. Synchronous calls: a
 * folder of collected logs holds thousands of files, and an asynchronous stat costs ten times a synchronous one
 * (20,000 files: 1 s), with nothing else to do meanwhile.
 */
async function walk(dir: string, out: ExpandedSource[], seen: Set<string>): Promise<void> {
  let real: string;
  try {
    real = realpathSync(dir);
  } catch (err) {
    out.push({ path: dir, implicit: true, error: errorText(err) });
    return;
  }
  if (seen.has(real)) return; // a symlink cycle
  seen.add(real);
  let names: string[];
  try {
    names = readdirSync(dir).sort(byName);
  } catch (err) {
    out.push({ path: dir, implicit: true, error: errorText(err) });
    return;
  }
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    let st;
    try {
      st = statSync(path);
    } catch (err) {
      out.push({ path, implicit: true, error: errorText(err) });
      continue;
    }
    if (st.isDirectory()) await walk(path, out, seen);
    else out.push(entry(path, st));
  }
}

/** One glob segment → a RegExp over a single name. `*` and `?` do not match a leading dot. */
export function segmentRegExp(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close === -1) re += '\\[';
      else {
        let body = segment.slice(i + 1, close);
        const negate = body.startsWith('!') || body.startsWith('^');
        if (negate) body = body.slice(1);
        re += `[${negate ? '^' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`;
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  const dotOk = segment.startsWith('.');
  return new RegExp(`^${dotOk ? '' : '(?!\\.)'}${re}$`);
}

/** Paths matching a glob pattern, sorted (synchronous calls, as `walk` makes). */
async function glob(pattern: string): Promise<string[]> {
  const parts = pattern.split(/[\\/]+/);
  const absolute = pattern.startsWith('/') || pattern.startsWith(sep);
  let base = absolute ? sep : '.';
  let i = absolute ? 1 : 0;
  const prefix: string[] = [];
  for (; i < parts.length && !GLOB_CHARS.test(parts[i]!); i++) prefix.push(parts[i]!);
  if (prefix.length > 0) base = absolute ? join(sep, ...prefix) : join(...prefix);
  const rest = parts.slice(i).filter((p) => p !== '');
  const results = new Set<string>();
  const display = (dir: string, name: string): string => (dir === '.' && !pattern.startsWith('./') ? name : join(dir, name));

  async function match(dir: string, k: number): Promise<void> {
    if (k === rest.length) {
      results.add(dir);
      return;
    }
    const seg = rest[k]!;
    let names: string[];
    try {
      names = readdirSync(dir).sort(byName);
    } catch {
      return;
    }
    if (seg === '**') {
      await match(dir, k + 1); // zero directories
      for (const name of names) {
        if (name.startsWith('.')) continue;
        const path = display(dir, name);
        try {
          if (statSync(path).isDirectory()) await match(path, k);
        } catch {
          /* unreadable entries do not match */
        }
      }
      return;
    }
    const re = segmentRegExp(seg);
    for (const name of names) {
      if (!re.test(name)) continue;
      const path = display(dir, name);
      if (k + 1 < rest.length) {
        try {
          if (!statSync(path).isDirectory()) continue;
        } catch {
          continue;
        }
      }
      await match(path, k + 1);
    }
  }
  await match(base, 0);
  return [...results].sort(byName);
}

/** Expands what the user named into readable sources, in a stable order, each file once. */
export async function expandPaths(paths: string[]): Promise<ExpandedSource[]> {
  const out: ExpandedSource[] = [];
  for (const path of paths) {
    if (path === '-') {
      out.push({ path });
      continue;
    }
    let st;
    try {
      st = await stat(path);
    } catch (err) {
      if (GLOB_CHARS.test(path)) {
        const matches = await glob(path);
        if (matches.length === 0) out.push({ path, error: 'no file matches this pattern' });
        for (const m of matches) {
          try {
            const ms = await stat(m);
            if (ms.isDirectory()) await walk(m, out, new Set());
            else out.push(entry(m, ms));
          } catch (e) {
            out.push({ path: m, implicit: true, error: errorText(e) });
          }
        }
      } else {
        out.push({ path, error: errorText(err) });
      }
      continue;
    }
    if (st.isDirectory()) {
      const before = out.length;
      await walk(path, out, new Set());
      if (out.length === before) out.push({ path, error: 'directory holds no files' });
    } else {
      // A named pipe or device (`hunt <(zcat logs.gz)`) has no size to go by: it is streamed, never read whole.
      out.push(st.isFile() ? { path, size: st.size } : { path });
    }
  }
  // Each file once, at its first place.
  const seen = new Set<string>();
  return out.filter((s) => {
    if (s.path === '-' || s.error || s.skipped) return true;
    if (seen.has(s.path)) return false;
    seen.add(s.path);
    return true;
  });
}
