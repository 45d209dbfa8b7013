// Access to ../shared (real captures, EVTX corpus, conformance suite). A user's clone has none:
// tests that need it skip with a clear message instead of failing.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const sharedDir = process.env.SEQHUNT_SHARED ?? resolve(projectRoot, '..', 'shared');

/** Absolute path of a file under ../shared, or undefined when it is not there. */
export function sharedPath(...parts: string[]): string | undefined {
  const path = join(sharedDir, ...parts);
  return existsSync(path) ? path : undefined;
}

/** The `skip` option for node:test: a message when the shared file is absent, false when present. */
export function skipWithoutShared(...parts: string[]): string | false {
  return sharedPath(...parts) ? false : `needs ../shared/${parts.join('/')} (absent in this checkout)`;
}
