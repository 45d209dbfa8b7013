#!/usr/bin/env node
// Entry point for `npx seqhunt`: runs the compiled CLI (built by `npm install` via the prepare script).
import '../dist/cli/bin.js';
