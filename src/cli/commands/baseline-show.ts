// PROVISIONAL placeholder: replaced by the issue that owns `seqhunt baseline show`.
import type { Command } from '../command.js';

export const command: Command = {
  name: ['baseline', 'show'],
  summary: 'Print a baseline or exception list readably',
  usage: 'seqhunt baseline show: not available yet',
  async run(_args, io) {
    io.stderr.write('seqhunt baseline show: not available yet\n');
    return 2;
  },
};
