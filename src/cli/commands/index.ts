// The command registry: one module per command, listed in the order `seqhunt --help` shows them.
import type { Command } from '../command.js';
import { command as query } from './query.js';
import { command as coverage } from './coverage.js';
import { command as rulesTest } from './rules-test.js';
import { command as simulate } from './simulate.js';
import { command as validate } from './validate.js';
import { command as baselineShow } from './baseline-show.js';
import { command as evtxDump } from './evtx-dump.js';
import { command as hunt } from './hunt.js';
import { command as baselineLearn } from './baseline-learn.js';
import { command as rulesCheck } from './rules-check.js';

export const commands: Command[] = [
  hunt,
  query,
  evtxDump,
  simulate,
  validate,
  coverage,
  rulesTest,
  rulesCheck,
  baselineLearn,
  baselineShow,
];
