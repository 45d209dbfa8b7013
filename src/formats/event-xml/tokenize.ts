// A small streaming XML tokenizer, enough for event XML as Windows writes it: start/end tags with single- or
// double-quoted attributes, character data with the predefined and numeric entities, CDATA; comments,
// processing instructions and DOCTYPE are skipped. Text arrives in pieces of any size; line numbers are tracked
// so every error names its line. Not a validating parser: the event assembler checks nesting.
import { setOwn } from '../own-keys.js';

export interface XmlHandler {
  open(name: string, attrs: Record<string, string>, selfClosing: boolean, line: number): void;
  close(name: string, line: number): void;
  text(text: string): void;
  error(message: string, line: number): void;
}

/** A tag longer than this is taken for a runaway (an unterminated quote or a missing `>`). */
const MAX_TAG_CHARS = 1 << 20;
/** Comments, CDATA sections and declarations longer than this are taken for unterminated ones. */
const MAX_CONSTRUCT_CHARS = 1 << 24;

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const ENTITY_RE = /&(#[xX][0-9a-fA-F]{1,8}|#[0-9]{1,10}|[A-Za-z][A-Za-z0-9]{0,15});/g;

function entity(whole: string, body: string): string {
  if (body.charCodeAt(0) === 0x23 /* # */) {
    const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    // Unrepresentable references stay literal rather than failing the event.
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  }
  return ENTITIES[body] ?? whole;
}

/** Replaces entity references; unknown ones are kept as written. */
export function decodeEntities(text: string): string {
  return text.indexOf('&') === -1 ? text : text.replace(ENTITY_RE, entity);
}

const END_RE = /<\/([^\s<>]+)\s*>/y;
const START_RE = /<([^\s/<>!?]+)((?:\s+[^\s=/<>]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/y;
const ATTR_RE = /([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/** Attribute-value normalization (literal tabs and newlines are spaces), then entities. */
function attrValue(raw: string): string {
  const v = /[\t\n\r]/.test(raw) ? raw.replace(/[\t\n\r]/g, ' ') : raw;
  return decodeEntities(v);
}

const NO_NEWLINE = Number.MAX_SAFE_INTEGER;

const isNameEnd = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x2f || c === 0x3e;
const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

export class XmlTokenizer {
  private buf = '';
  private pos = 0;
  /** Line of `buf[pos]`. */
  private line = 1;
  /** Where to resume looking for the end of an incomplete construct (avoids rescanning long text). */
  private resume = 0;
  /** Index of the first newline at or after `pos` (NO_NEWLINE: none in the buffer; -1: not known). */
  private nextNewline = -1;

  constructor(private readonly h: XmlHandler) {}

  /** Current line (of the next unread character). */
  get currentLine(): number {
    return this.line;
  }

  push(text: string): void {
    this.buf = this.pos === 0 ? this.buf + text : this.buf.slice(this.pos) + text;
    this.nextNewline = -1;
    this.resume = Math.max(0, this.resume - this.pos);
    this.pos = 0;
    this.run(false);
  }

  end(): void {
    this.run(true);
    this.buf = '';
    this.pos = 0;
  }

  private advance(to: number): void {
    // The next newline is remembered: single-line XML (wevtutil writes no newlines) must not be rescanned
    // to its end for every token.
    const buf = this.buf;
    let nl = this.nextNewline;
    if (nl < this.pos) nl = buf.indexOf('\n', this.pos);
    while (nl !== -1 && nl < to) {
      this.line++;
      nl = buf.indexOf('\n', nl + 1);
    }
    this.nextNewline = nl === -1 ? NO_NEWLINE : nl;
    this.pos = to;
    this.resume = to;
  }

  private run(final: boolean): void {
    const buf = this.buf;
    const h = this.h;
    for (;;) {
      const lt = buf.indexOf('<', this.pos);
      if (lt === -1) {
        if (final) {
          if (this.pos < buf.length) this.textUpTo(buf.length);
        } else {
          // Keep a possibly split entity reference with the next piece; hand the rest over now.
          const amp = buf.lastIndexOf('&');
          const cut = amp >= this.pos && buf.indexOf(';', amp) === -1 ? amp : buf.length;
          if (cut > this.pos) this.textUpTo(cut);
        }
        return;
      }
      if (lt > this.pos) this.textUpTo(lt);
      // buf[pos] === '<'
      const next = buf.charCodeAt(lt + 1);
      if (Number.isNaN(next)) {
        if (final) {
          h.error('input ends inside a tag', this.line);
          this.advance(buf.length);
        }
        return;
      }
      let end: number;
      if (next === 0x21 /* ! */) {
        if (buf.length - lt < 9 && !final) return; // too short to tell a comment, CDATA or declaration apart
        if (buf.startsWith('<!--', lt)) end = this.find('-->', lt + 4, final, 'comment');
        else if (buf.startsWith('<![CDATA[', lt)) {
          const close = buf.indexOf(']]>', Math.max(lt + 9, this.resume));
          if (close === -1) {
            if (!this.incomplete(final, 'CDATA section')) return;
            continue;
          }
          h.text(buf.slice(lt + 9, close));
          this.advance(close + 3);
          continue;
        } else end = this.find('>', lt + 2, final, 'declaration');
        if (end === -2) return;
        if (end === -1) continue;
        this.advance(end);
        continue;
      }
      if (next === 0x3f /* ? */) {
        end = this.find('?>', lt + 2, final, 'processing instruction');
        if (end === -2) return;
        if (end !== -1) this.advance(end);
        continue;
      }
      // Fast path: a well-formed tag matched in one go by the regex engine.
      if (next === 0x2f) {
        END_RE.lastIndex = lt;
        const m = END_RE.exec(buf);
        if (m !== null) {
          const line = this.line;
          this.advance(END_RE.lastIndex);
          h.close(m[1]!, line);
          continue;
        }
      } else {
        START_RE.lastIndex = lt;
        const m = START_RE.exec(buf);
        if (m !== null) {
          const line = this.line;
          const attrs: Record<string, string> = {};
          const list = m[2]!;
          if (list.length > 0) {
            ATTR_RE.lastIndex = 0;
            for (let a = ATTR_RE.exec(list); a !== null; a = ATTR_RE.exec(list)) setOwn(attrs, a[1]!, attrValue(a[2] ?? a[3]!));
          }
          this.advance(START_RE.lastIndex);
          h.open(m[1]!, attrs, m[3] === '/', line);
          continue;
        }
      }
      const gt = this.tagEnd(lt);
      if (gt < 0) {
        if (gt === -1 && !final && buf.length - lt <= MAX_TAG_CHARS) return; // rescanned from the tag start
        h.error('tag not closed (a ">" or a closing quote is missing)', this.line);
        this.advance(lt + 1);
        continue;
      }
      const line = this.line;
      if (next === 0x2f /* / */) {
        const name = buf.slice(lt + 2, gt).trim();
        this.advance(gt + 1);
        if (name === '' || /\s/.test(name)) h.error(`malformed end tag </${name}>`, line);
        else h.close(name, line);
        continue;
      }
      this.startTag(lt, gt, line);
    }
  }

  /** Index after `marker` found from `from`; -2: wait for more input; -1: gave up (error reported, skipped). */
  private find(marker: string, from: number, final: boolean, what: string): number {
    const i = this.buf.indexOf(marker, Math.max(from, this.resume));
    if (i !== -1) return i + marker.length;
    return this.incomplete(final, what) ? -1 : -2;
  }

  /** An unfinished construct at the end of the buffer: wait for more, or at end of input report it. */
  private incomplete(final: boolean, what: string): boolean {
    if (!final) {
      if (this.buf.length - this.pos <= MAX_CONSTRUCT_CHARS) {
        this.resume = Math.max(this.pos, this.buf.length - 16);
        return false;
      }
      // Never buffer without bound: give up on this construct and read on after its '<'.
      this.h.error(`${what} not closed within ${MAX_CONSTRUCT_CHARS} characters`, this.line);
      this.advance(this.pos + 1);
      return true;
    }
    this.h.error(`input ends inside a ${what}`, this.line);
    this.advance(this.buf.length);
    return false;
  }

  private textUpTo(to: number): void {
    const raw = this.buf.slice(this.pos, to);
    this.advance(to);
    this.h.text(decodeEntities(raw));
  }

  /** Index of the `>` closing the tag at `lt`, honouring quoted attribute values; -1 if not in the buffer, -2 if malformed. */
  private tagEnd(lt: number): number {
    const buf = this.buf;
    let quote = 0;
    const n = Math.min(buf.length, lt + MAX_TAG_CHARS);
    for (let i = lt + 1; i < n; i++) {
      const c = buf.charCodeAt(i);
      if (quote !== 0) {
        if (c === quote) quote = 0;
      } else if (c === 0x3e) return i;
      else if (c === 0x22 || c === 0x27) quote = c;
      else if (c === 0x3c) return -2; // a '<' where the tag should have ended
    }
    return -1;
  }

  private startTag(lt: number, gt: number, line: number): void {
    const buf = this.buf;
    let i = lt + 1;
    while (i < gt && !isNameEnd(buf.charCodeAt(i))) i++;
    const name = buf.slice(lt + 1, i);
    const selfClosing = buf.charCodeAt(gt - 1) === 0x2f && gt - 1 >= i;
    const stop = selfClosing ? gt - 1 : gt;
    const attrs: Record<string, string> = {};
    let bad = name === '';
    while (!bad) {
      while (i < stop && isSpace(buf.charCodeAt(i))) i++;
      if (i >= stop) break;
      const ns = i;
      while (i < stop && buf.charCodeAt(i) !== 0x3d && !isSpace(buf.charCodeAt(i))) i++;
      const an = buf.slice(ns, i);
      while (i < stop && isSpace(buf.charCodeAt(i))) i++;
      if (buf.charCodeAt(i) !== 0x3d || an === '') {
        bad = true;
        break;
      }
      i++;
      while (i < stop && isSpace(buf.charCodeAt(i))) i++;
      const q = buf.charCodeAt(i);
      if (q !== 0x22 && q !== 0x27) {
        bad = true;
        break;
      }
      const close = buf.indexOf(q === 0x22 ? '"' : "'", i + 1);
      if (close === -1 || close > stop) {
        bad = true;
        break;
      }
      // Attribute-value normalization: literal tabs and newlines are spaces.
      setOwn(attrs, an, attrValue(buf.slice(i + 1, close)));
      i = close + 1;
    }
    if (bad) {
      // Resume right after the '<': a stray quote may have swallowed tags that are fine on their own.
      this.advance(lt + 1);
      this.h.error(`malformed tag <${name || buf.slice(lt + 1, Math.min(gt, lt + 40))}>`, line);
      return;
    }
    this.advance(gt + 1);
    this.h.open(name, attrs, selfClosing, line);
  }
}
