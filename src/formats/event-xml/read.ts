// Streaming event XML reader: UTF-8 bytes in, `windows` items (and located problems) out.
import type { ByteStream } from '../bytes.js';
import type { InputItem } from '../types.js';
import { EventAssembler } from './parse.js';
import { XmlTokenizer } from './tokenize.js';

export async function* readEventXml(input: ByteStream, base: { file: string; member?: string }): AsyncGenerator<InputItem> {
  const assembler = new EventAssembler(base);
  const tokenizer = new XmlTokenizer(assembler);
  // The decoder drops a UTF-8 BOM and keeps characters split across chunks whole.
  const decoder = new TextDecoder('utf-8');
  const items = assembler.items;
  for await (const chunk of input) {
    tokenizer.push(decoder.decode(chunk, { stream: true }));
    if (items.length > 0) {
      yield* items;
      items.length = 0;
    }
  }
  tokenizer.push(decoder.decode());
  tokenizer.end();
  assembler.end(tokenizer.currentLine);
  yield* items;
  items.length = 0;
}
