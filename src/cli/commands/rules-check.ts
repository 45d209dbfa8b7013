// PROVISIONAL placeholder: replaced by the issue that owns `seqhunt rules check`.
import type { Command } from '../command.js';

export const command: Command = {
  name: ['rules', 'check'],
  summary: 'Lint rules: query, fields, severity, MITRE mapping, metadata',
  usage: 'seqhunt rules check: not available yet',
  async run(_args, io) {
    io.stderr.write('seqhunt rules check: not available yet\n');
    return 2;
  },
};
