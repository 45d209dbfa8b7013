// PROVISIONAL placeholder: replaced by the issue that owns `seqhunt coverage`.
import type { Command } from '../command.js';

export const command: Command = {
  name: ['coverage'],
  summary: 'Tell, per rule and host, whether the inputs can feed the rule at all',
  usage: 'seqhunt coverage: not available yet',
  async run(_args, io) {
    io.stderr.write('seqhunt coverage: not available yet\n');
    return 2;
  },
};
