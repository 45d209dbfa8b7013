// Streaming event XML reader: UTF-8 bytes in, `windows` items (and located problems) out.
import type { ByteStream } from '../bytes.js';
import type { InputItem } from '../types.js';
import { EventAssembler } from './parse.js';
import { XmlTokenizer } from './tokenize.js';

/**
 * `emptySeverity`: how to report XML that holds no <Event> at all (another XML document, e.g. a Sysmon config):
 * a warning when the user named the file, a note for archive members and directory walks.
 */
export async function* readEventXml(
  input: ByteStream,
  base: { file: string; member?: string },
  emptySeverity: 'note' | 'warning' = 'warning',
): AsyncGenerator<InputItem> {
  let produced = 0;
  const assembler = new EventAssembler(base);
  const tokenizer = new XmlTokenizer(assembler);
  // The decoder drops a UTF-8 BOM and keeps characters split across chunks whole.
  const decoder = new TextDecoder('utf-8');
  const items = assembler.items;
  for await (const chunk of input) {
    tokenizer.push(decoder.decode(chunk, { stream: true }));
    if (items.length > 0) {
      produced += items.length;
      yield* items;
      items.length = 0;
    }
  }
  tokenizer.push(decoder.decode());
  tokenizer.end();
  assembler.end(tokenizer.currentLine);
  produced += items.length;
  yield* items;
  items.length = 0;
  if (produced === 0) {
    const origin = base.member === undefined ? { file: base.file } : { file: base.file, member: base.member };
    yield { kind: 'problem', severity: emptySeverity, message: 'XML without any <Event> element: not event XML', origin };
  }
}
