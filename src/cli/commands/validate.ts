// PROVISIONAL placeholder: replaced by the issue that owns `seqhunt validate`.
import type { Command } from '../command.js';

export const command: Command = {
  name: ['validate'],
  summary: 'Run every scenario through every built-in rule and print the matrix',
  usage: 'seqhunt validate: not available yet',
  async run(_args, io) {
    io.stderr.write('seqhunt validate: not available yet\n');
    return 2;
  },
};
