// PROVISIONAL placeholder: replaced by the issue that owns `seqhunt hunt`.
import type { Command } from '../command.js';

export const command: Command = {
  name: ['hunt'],
  summary: 'Run the detection rules over collected telemetry and report alerts',
  usage: 'seqhunt hunt: not available yet',
  async run(_args, io) {
    io.stderr.write('seqhunt hunt: not available yet\n');
    return 2;
  },
};
