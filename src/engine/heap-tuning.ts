// V8 heap settings for a hunt, in one place: the CLI applies them before any work (`tuneHeapForHunt`, from
// bin/seqhunt.js), and the hunt adjusts them between its phases; a library caller that did not call it gets no-ops
// (its process, its flags).
// - V8 lets the old generation grow to up to 4× what was live at the last full GC: a hunt allocates events at a
//   high rate and keeps few (the sort buffer, the context), so RSS ended up as that multiple of a small live set
//   (340 MB on a 100 MB input, 600 MB on 1 GB). 2× keeps peak RSS near 250 MB from 100 MB to 1 GB for ~5% more
//   time (1.3× saves 30 MB more but costs 30-40% in full GCs). V8 reads it at every full GC.
// - Reading leaves the old generation full of dead text and documents that V8 would collect only once the merge
//   had grown the heap further: collected once reading is over, the 1 GB bench input peaked at 133-144 MB instead
//   of 139-174 MB over six runs each, in the same time.
// - The merge keeps little alive (22 MB reachable at its peak on the 1 GB input, 4 MB of it code) and allocates
//   much: with the heap let grow to 1.5 times what is live rather than twice, the 1 GB input peaked at 132-137 MB
//   instead of 140-142 MB (five alternating runs each; 134-136 against 137-139 in four others), in the same time
//   (its full collections are cheap). The 100 MB input's peak does not move (113-115 MB).
// - V8 sizes the young generation for a thread that owns the machine: it doubles its semi-spaces up to 16 MB each
//   (32 MB of new space) on a busy hunt, and a hunt does not need them. Workers cap theirs at start
//   (hunt-workers.ts); the main thread, whose heap is made before any of our code runs, stops the growth at 16 MB of
//   new space: V8 reads its growth factor at each growth, so once the new space is that large the factor is set
//   to 1. The 1 GB bench input peaked at 119-121 MB instead of 138-142 MB, in the same time (five alternating runs).
//   The flag is the process's, and workers change it both ways:
//   - a worker still growing its young generation would stop wherever it was (one of the 4-file bench stopped at
//     8 MB of its 16; held at 1 MB, a worker costs 7% more CPU): isolates made after `tuneHeapForHunt`, the
//     workers, start with semi-spaces at the main thread's cap, as far as their own allows (8 MB of new space of
//     their 16): on the 4 files, 4.17 s against 4.24 s, 161 MB against 152 MB;
//   - making a worker puts the factor back (the main thread's new space then went on to 32 MB): once held, the
//     factor is set to 1 again at every look. The worker's heap set-up does that at a moment of its own thread, so
//     a scavenge of the main thread before its next look may still grow it once (1 run in 20 of a test with both
//     cores busy): a young generation of 32 MB, as without the hold, never more.
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Heap growth past what is live, in percent, while reading and during the merge. */
const READING_HEAP_GROWING_PERCENT = 100;
const MERGE_HEAP_GROWING_PERCENT = 50;

/** The main thread's new space (both semi-spaces) stops growing once it is this large. */
const NEW_SPACE_CAP = 16 * 1048576;
/** `holdYoungGeneration` looks at the new space once per this many calls. */
const YOUNG_CHECK_EVERY = 1024;

/** Whether `tuneHeapForHunt` set the heap growth (the user gave node no such flag), so that the merge may change it. */
let ownsGrowth = false;
/** The main thread's young generation: not ours to hold (no `tuneHeapForHunt`, or the user's own flags), growing, or held. */
let young: 'off' | 'growing' | 'held' = 'off';
let youngCountdown = 0;

/** Whether node was given a flag matching `re`, on its command line or in NODE_OPTIONS. */
const nodeGiven = (re: RegExp): boolean => [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => re.test(a));

/**
 * Sets the hunt's heap flags: its heap growth and the cap on its young generation, unless the user gave node flags
 * of their own for them (command line or NODE_OPTIONS), and `--expose-gc`, so that `collectGarbage` can collect.
 * Call it before any work.
 */
export function tuneHeapForHunt(): void {
  const given = nodeGiven(/--heap[-_]growing[-_]percent/);
  if (!given) setFlagsFromString(`--heap-growing-percent=${READING_HEAP_GROWING_PERCENT}`);
  ownsGrowth = !given;
  young = nodeGiven(/--(max|min)[-_]semi[-_]space[-_]size|--semi[-_]space[-_]growth[-_]factor/) ? 'off' : 'growing';
  youngCountdown = 0;
  if (young === 'growing') setFlagsFromString(`--min-semi-space-size=${NEW_SPACE_CAP / 2 / 1048576}`);
  setFlagsFromString('--expose-gc');
}

/**
 * Call it from a hunt's loops, once per event or so (it costs a decrement): stops the young generation's growth
 * once it reaches its cap, and keeps it stopped, when `tuneHeapForHunt` set one. A loop that runs without yielding
 * (EVTX records, the merge) would let a timer see the growth too late.
 */
export function holdYoungGeneration(): void {
  if (young === 'off' || --youngCountdown > 0) return;
  youngCountdown = YOUNG_CHECK_EVERY;
  if (young === 'growing') {
    const newSpace = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    if (newSpace && newSpace.space_size < NEW_SPACE_CAP) return;
    young = 'held';
  }
  // Again at every look once held: a worker made since puts the factor back.
  setFlagsFromString('--semi-space-growth-factor=1');
}

let gc: (() => void) | undefined | null = null;

/** Collects garbage now if `--expose-gc` is set (V8 exposes `gc` only in contexts made after that). */
export function collectGarbage(): void {
  if (gc === null) {
    const found: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
    gc = typeof found === 'function' ? (found as () => void) : undefined;
  }
  gc?.();
}

/** Before the merge: lets the heap grow less past what is live, when `tuneHeapForHunt` owns its growth. */
export function tightenHeapForMerge(): void {
  if (ownsGrowth) setFlagsFromString(`--heap-growing-percent=${MERGE_HEAP_GROWING_PERCENT}`);
}
