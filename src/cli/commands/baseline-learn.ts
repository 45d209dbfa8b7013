// PROVISIONAL placeholder: replaced by the issue that owns `seqhunt baseline learn`.
import type { Command } from '../command.js';

export const command: Command = {
  name: ['baseline', 'learn'],
  summary: 'Learn recurring legitimate remote task creation as a proposed exception list',
  usage: 'seqhunt baseline learn: not available yet',
  async run(_args, io) {
    io.stderr.write('seqhunt baseline learn: not available yet\n');
    return 2;
  },
};
