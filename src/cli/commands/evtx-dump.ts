// PROVISIONAL placeholder: replaced by the issue that owns `seqhunt evtx dump`.
import type { Command } from '../command.js';

export const command: Command = {
  name: ['evtx', 'dump'],
  summary: 'Print the records of an EVTX file as JSON or XML',
  usage: 'seqhunt evtx dump: not available yet',
  async run(_args, io) {
    io.stderr.write('seqhunt evtx dump: not available yet\n');
    return 2;
  },
};
