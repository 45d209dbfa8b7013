// `seqhunt evtx dump [--json|--xml] FILE...`: prints what the EVTX reader read, to compare with other readers.
import { createReadStream } from 'node:fs';
import { parseCommandArgs } from '../args.js';
import type { CliIo, Command } from '../command.js';
import { UsageError } from '../command.js';
import { newEvtxStats, readEvtx } from '../../formats/evtx/index.js';
import { renderEventXml } from '../../formats/event-xml/render.js';
import type { InputItem } from '../../formats/types.js';

const usage = `Usage: seqhunt evtx dump [--json|--xml] FILE...

Prints every record of the EVTX files ("-" reads stdin).
  --json   one JSON object per record per line: system fields and eventData/userData (default)
  --xml    one <Event> per record inside an <Events> root, rendered as Windows renders it

Output is always safe to print and parse: in JSON, control, C1, bidi and invisible format characters are
\\u-escaped (the same JSON string); in XML, control characters XML 1.0 cannot carry (0x00-0x08, 0x0B, 0x0C,
0x0E-0x1F), which evtxexport writes raw, are shown as their Control Pictures (0x03 as U+2403 "␃"),
and C1, bidi and invisible format characters are written as character references (&#x202e;).

Problems (damaged chunks or records) go to stderr with the file and byte offset; the rest is still read.
Exit status: 0 when every file was read (even with damage), 2 when a file could not be read at all.
`;

/** Buffered, backpressure-aware output that stops quietly when the reader goes away (EPIPE, e.g. \`| head\`). */
class Sink {
  private buf = '';
  closed = false;
  constructor(private readonly stream: CliIo['stdout']) {
    stream.on('error', () => {
      this.closed = true;
    });
  }
  async write(s: string): Promise<void> {
    this.buf += s;
    if (this.buf.length >= 1 << 16) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.closed || this.buf === '') return;
    const ok = this.stream.write(this.buf);
    this.buf = '';
    if (!ok && !this.closed) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.stream.off('drain', done);
          this.stream.off('error', done);
          resolve();
        };
        this.stream.on('drain', done);
        this.stream.on('error', done);
      });
    }
  }
}

/** Characters JSON.stringify leaves raw that a terminal or editor may act on; escaped as \uXXXX (same JSON value). */
const JSON_UNSAFE_RE = /[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/g;

function jsonLine(event: unknown): string {
  return JSON.stringify(event).replace(JSON_UNSAFE_RE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function describe(item: Extract<InputItem, { kind: 'problem' }>): string {
  const o = item.origin;
  const where = [o.member ? `${o.file}:${o.member}` : o.file];
  if (o.offset !== undefined) where.push(`offset ${o.offset}`);
  if (o.record !== undefined) where.push(`record ${o.record}`);
  return `${where.join(', ')}: ${item.severity}: ${item.message}\n`;
}

export const command: Command = {
  name: ['evtx', 'dump'],
  summary: 'Print the records of an EVTX file as JSON or XML',
  usage,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { json: { type: 'boolean' }, xml: { type: 'boolean' } });
    if (values.json && values.xml) throw new UsageError('choose one of --json and --xml');
    if (positionals.length === 0) throw new UsageError('no EVTX file given');
    const xml = values.xml === true;
    const out = new Sink(io.stdout);
    let status = 0;
    if (xml) await out.write('<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n<Events>\n');
    for (const file of positionals) {
      if (out.closed) break;
      const stats = newEvtxStats();
      const input = file === '-' ? (io.stdin as AsyncIterable<Uint8Array>) : createReadStream(file);
      if (file !== '-') {
        // Surface open errors (missing file, directory, permissions) as a one-line message, not a read error later.
        const opened = await new Promise<Error | undefined>((resolve) => {
          (input as ReturnType<typeof createReadStream>).once('ready', () => resolve(undefined)).once('error', resolve);
        });
        if (opened) {
          io.stderr.write(`${file}: error: cannot read: ${opened.message}\n`);
          status = 2;
          continue;
        }
      }
      for await (const item of readEvtx(input, { file }, { stats })) {
        if (item.kind === 'problem') io.stderr.write(describe(item));
        else if (item.kind !== 'windows') continue;
        else if (xml) await out.write(renderEventXml(item.event) + '\n');
        else await out.write(jsonLine(item.event) + '\n');
        if (out.closed) break;
      }
      if (file !== '-') (input as ReturnType<typeof createReadStream>).destroy();
      if (stats.unreadable > 0) status = 2;
      else if (!out.closed) {
        const notes = [`${stats.records} records`];
        if (stats.damaged) notes.push(`${stats.damaged} damaged`);
        if (stats.chunksSkipped) notes.push(`${stats.chunksSkipped} chunks skipped`);
        if (stats.warnings) notes.push(`${stats.warnings} warnings`);
        io.stderr.write(`${file}: ${notes.join(', ')}\n`);
      }
    }
    if (xml) await out.write('</Events>\n');
    await out.flush();
    return status;
  },
};
