// PROVISIONAL placeholder: replaced by the issue that owns `seqhunt simulate`.
import type { Command } from '../command.js';

export const command: Command = {
  name: ['simulate'],
  summary: 'Write the telemetry of an attack or benign scenario',
  usage: 'seqhunt simulate: not available yet',
  async run(_args, io) {
    io.stderr.write('seqhunt simulate: not available yet\n');
    return 2;
  },
};
