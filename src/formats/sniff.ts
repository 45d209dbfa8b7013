// Finds an input's format from its first bytes, so users never have to say what they hand us.

export type SniffedKind = 'evtx' | 'gzip' | 'zip' | 'xml' | 'json';
export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

export interface SniffResult {
  /** undefined when the content is not recognised (or is blank so far: see `blank`). */
  kind: SniffedKind | undefined;
  /** Text encoding of xml/json content (after any BOM). */
  encoding: TextEncoding;
  /** True when every byte seen is whitespace or a BOM: more bytes are needed to decide. */
  blank: boolean;
}

const isWs = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

function startsWith(head: Uint8Array, bytes: readonly number[]): boolean {
  if (head.length < bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (head[i] !== bytes[i]) return false;
  return true;
}

const EVENT_XML_AFTER_BANNER = /^[^<{[]{1,200}?\n\s*<(?:\?xml[\s?]|Events?[\s>])/;
const EVTX_MAGIC = [0x45, 0x6c, 0x66, 0x46, 0x69, 0x6c, 0x65, 0x00]; // "ElfFile\0"

export function sniff(head: Uint8Array): SniffResult {
  if (startsWith(head, EVTX_MAGIC)) return { kind: 'evtx', encoding: 'utf-8', blank: false };
  if (startsWith(head, [0x1f, 0x8b])) return { kind: 'gzip', encoding: 'utf-8', blank: false };
  // Local file header, or the end-of-central-directory record of an empty archive.
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) {
    return { kind: 'zip', encoding: 'utf-8', blank: false };
  }
  let encoding: TextEncoding = 'utf-8';
  let i = 0;
  let step = 1;
  if (startsWith(head, [0xef, 0xbb, 0xbf])) i = 3;
  else if (startsWith(head, [0xff, 0xfe])) (encoding = 'utf-16le'), (i = 2), (step = 2);
  else if (startsWith(head, [0xfe, 0xff])) (encoding = 'utf-16be'), (i = 2), (step = 2);
  else if (head.length >= 2 && head[0] !== 0 && head[1] === 0) (encoding = 'utf-16le'), (step = 2);
  else if (head.length >= 2 && head[0] === 0 && head[1] !== 0) (encoding = 'utf-16be'), (step = 2);
  const lo = encoding === 'utf-16be' ? 1 : 0;
  for (; i + step - 1 < head.length; i += step) {
    const b = head[i + lo]!;
    if (step === 2 && head[i + 1 - lo] !== 0) return { kind: undefined, encoding, blank: false };
    if (isWs(b)) continue;
    if (b === 0x3c) return { kind: 'xml', encoding, blank: false }; // <
    if (b === 0x7b || b === 0x5b) {
      // `{` then a key or `}`; `[` then an object, an array or `]`: so "[section]" (INI) is not JSON.
      let j = i + step;
      while (j + step - 1 < head.length && isWs(head[j + lo]!)) j += step;
      if (j + step - 1 >= head.length) return { kind: 'json', encoding, blank: false }; // cannot tell yet
      const c = head[j + lo]!;
      const ok = b === 0x7b ? c === 0x22 || c === 0x7d : c === 0x7b || c === 0x5b || c === 0x5d;
      return { kind: ok ? 'json' : undefined, encoding, blank: false };
    }
    // A banner line before event XML (`evtxexport -f xml` prints its version first): XML if an event follows.
    if (step === 1 && EVENT_XML_AFTER_BANNER.test(Buffer.from(head.buffer, head.byteOffset, head.length).toString('latin1'))) {
      return { kind: 'xml', encoding, blank: false };
    }
    return { kind: undefined, encoding, blank: false };
  }
  return { kind: undefined, encoding, blank: true };
}

/** A short printable description of the first bytes, for "unrecognised content" messages. */
export function describeHead(head: Uint8Array): string {
  const n = Math.min(head.length, 16);
  let text = '';
  for (let i = 0; i < n; i++) {
    const b = head[i]!;
    text += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
  }
  const hex = Buffer.from(head.subarray(0, Math.min(n, 8))).toString('hex');
  return `starts with "${text}" (hex ${hex})`;
}
