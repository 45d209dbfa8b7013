// A full garbage collection between a hunt's phases, when the process allows one. Reading leaves the old
// generation full of dead text and documents that V8 would collect only once the merge had grown the heap further:
// collected once reading is over, the 1 GB bench input peaked at 133-144 MB instead of 139-174 MB over six runs
// each, in the same time. Allowed when node runs with --expose-gc, which bin/seqhunt.js sets before any work; a
// library caller without it gets a no-op.
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined | null = null;

/** Collects garbage now if `--expose-gc` is set (V8 exposes `gc` only in contexts made after that). */
export function collectGarbage(): void {
  if (gc === null) {
    const found: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
    gc = typeof found === 'function' ? (found as () => void) : undefined;
  }
  gc?.();
}
