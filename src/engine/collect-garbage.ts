// Tuning V8's heap between a hunt's phases, when the process lets the hunt do it (bin/seqhunt.js sets --expose-gc;
// a library caller without it gets no-ops).
// - Reading leaves the old generation full of dead text and documents that V8 would collect only once the merge
//   had grown the heap further: collected once reading is over, the 1 GB bench input peaked at 133-144 MB instead
//   of 139-174 MB over six runs each, in the same time.
// - The merge keeps little alive (22 MB reachable at its peak on the 1 GB input, 4 MB of it code) and allocates
//   much: with the heap let grow to 1.5 times what is live rather than twice, the 1 GB input peaked at 132-137 MB
//   instead of 140-142 MB (five alternating runs each; 134-136 against 137-139 in four others), in the same time
//   (its full collections are cheap). The 100 MB input's peak does not move (113-115 MB).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined | null = null;

function exposedGc(): (() => void) | undefined {
  if (gc === null) {
    const found: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
    gc = typeof found === 'function' ? (found as () => void) : undefined;
  }
  return gc;
}

/** Collects garbage now if `--expose-gc` is set (V8 exposes `gc` only in contexts made after that). */
export function collectGarbage(): void {
  exposedGc()?.();
}

/** Heap growth for the merge: V8 sizes the heap to live × (1 + this / 100) after each full collection. */
const MERGE_HEAP_GROWING_PERCENT = 50;

/**
 * Before the merge: lets the heap grow less past what is live (read by V8 at every full collection), unless the
 * user gave node a heap growing flag of their own.
 */
export function tightenHeapForMerge(): void {
  if (!exposedGc()) return;
  if ([...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => /--heap[-_]growing[-_]percent/.test(a))) return;
  setFlagsFromString(`--heap-growing-percent=${MERGE_HEAP_GROWING_PERCENT}`);
}
