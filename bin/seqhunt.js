#!/usr/bin/env node
// Entry point for `npx seqhunt`: runs the compiled CLI (built by `npm install` via the prepare script).
import { setFlagsFromString } from 'node:v8';

// V8 lets the old generation grow to up to 4× what was live at the last full GC: a hunt allocates events at a
// high rate and keeps few (the sort buffer, the context), so RSS ended up as that multiple of a small live set
// (340 MB on a 100 MB input, 600 MB on 1 GB). 2× keeps peak RSS near 250 MB from 100 MB to 1 GB for ~5% more
// time (1.3× saves 30 MB more but costs 30-40% in full GCs). Read by V8 at every full GC, so setting it here,
// before any work, takes effect; a value the user gave node (command line or NODE_OPTIONS) wins.
const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => /--heap[-_]growing[-_]percent/.test(a));
if (!given) setFlagsFromString('--heap-growing-percent=100');
// Lets the hunt collect the garbage of reading before it merges (src/engine/collect-garbage.ts).
setFlagsFromString('--expose-gc');

await import('../dist/cli/bin.js');
