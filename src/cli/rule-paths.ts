// Rule paths given on the command line that hold no rule at all: said plainly, not a silent "0 rules".
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

async function holdsToml(dir: string): Promise<boolean> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return true; // unreadable: the loader reports it with its reason
  }
  for (const e of entries) {
    if (e.isFile() && e.name.endsWith('.toml')) return true;
    if (e.isDirectory() && (await holdsToml(join(dir, e.name)))) return true;
  }
  return false;
}

/** The given directories without any *.toml file below them (the loader finds nothing there, and says nothing). */
export async function directoriesWithoutRules(paths: readonly string[]): Promise<string[]> {
  const empty: string[] = [];
  for (const path of paths) {
    const st = await stat(path).catch(() => undefined);
    if (st?.isDirectory() && !(await holdsToml(path))) empty.push(path);
  }
  return empty;
}
