#!/usr/bin/env node
// Entry point for `npx seqhunt`: runs the compiled CLI (built by `npm install` via the prepare script), with the
// hunt's V8 heap settings applied before any work (src/engine/heap-tuning.ts).
const { tuneHeapForHunt } = await import('../dist/engine/heap-tuning.js');
tuneHeapForHunt();

await import('../dist/cli/bin.js');
