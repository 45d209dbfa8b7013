// PROVISIONAL placeholder: replaced by the issue that owns `seqhunt query`.
import type { Command } from '../command.js';

export const command: Command = {
  name: ['query'],
  summary: 'Run an EQL query over events (NDJSON, EVTX, XML, JSON)',
  usage: 'seqhunt query: not available yet',
  async run(_args, io) {
    io.stderr.write('seqhunt query: not available yet\n');
    return 2;
  },
};
