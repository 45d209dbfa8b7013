// PROVISIONAL placeholder: replaced by the issue that owns `seqhunt rules test`.
import type { Command } from '../command.js';

export const command: Command = {
  name: ['rules', 'test'],
  summary: 'Run the positive and negative examples of each rule',
  usage: 'seqhunt rules test: not available yet',
  async run(_args, io) {
    io.stderr.write('seqhunt rules test: not available yet\n');
    return 2;
  },
};
