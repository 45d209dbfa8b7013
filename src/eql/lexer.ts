// Hand-written EQL tokenizer (Elasticsearch dialect). Positions are kept for every token so that each
// error can point at its spot.
import type { Pos } from './ast.js';
import { EqlError } from './errors.js';

export type TokenKind =
  | 'ident' // bare identifier (no dots); `tilde` set when written `name~`
  | 'qident' // `backtick quoted`
  | 'string'
  | 'number'
  | 'op' // punctuation and operators
  | 'eof';

export interface Token {
  kind: TokenKind;
  /** Identifier name, string contents, operator text. */
  text: string;
  /** Numbers only. */
  num?: number;
  float?: boolean;
  /** Identifier immediately followed by `~` (like~, regex~, in~, startsWith~). */
  tilde?: boolean;
  pos: Pos;
  /** Offset just after the token. */
  end: number;
  /** Whitespace or a comment came right before this token. */
  spaceBefore: boolean;
}

const OPS = ['==', '!=', '<=', '>=', '<', '>', ':', '+', '-', '*', '/', '%', '(', ')', '[', ']', ',', '|', '!', '?', '=', '.', '~'];

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c === '@';
}
function isIdentPart(c: string): boolean {
  return isIdentStart(c) || (c >= '0' && c <= '9');
}
function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const posAt = (offset: number): Pos => ({ line, column: offset - lineStart + 1, offset });
  let space = false;
  while (true) {
    // whitespace and comments
    while (i < src.length) {
      const c = src[i]!;
      if (c === '\n') {
        i++;
        line++;
        lineStart = i;
        space = true;
      } else if (c === ' ' || c === '\t' || c === '\r' || c === '\f') {
        i++;
        space = true;
      } else if (c === '/' && src[i + 1] === '/') {
        while (i < src.length && src[i] !== '\n') i++;
        space = true;
      } else if (c === '/' && src[i + 1] === '*') {
        const start = posAt(i);
        i += 2;
        while (i < src.length && !(src[i] === '*' && src[i + 1] === '/')) {
          if (src[i] === '\n') {
            line++;
            lineStart = i + 1;
          }
          i++;
        }
        if (i >= src.length) throw EqlError.at(start, 'unterminated comment', ['*/']);
        i += 2;
        space = true;
      } else break;
    }
    if (i >= src.length) {
      out.push({ kind: 'eof', text: '', pos: posAt(i), end: i, spaceBefore: space });
      return out;
    }
    const pos = posAt(i);
    const c = src[i]!;
    const spaceBefore = space;
    space = false;
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < src.length && isIdentPart(src[j]!)) j++;
      const text = src.slice(i, j);
      const tilde = src[j] === '~';
      if (tilde) j++;
      out.push({ kind: 'ident', text, tilde, pos, end: j, spaceBefore });
      i = j;
      continue;
    }
    if (isDigit(c)) {
      let j = i;
      while (j < src.length && isDigit(src[j]!)) j++;
      let float = false;
      if (src[j] === '.' && isDigit(src[j + 1] ?? '')) {
        float = true;
        j++;
        while (j < src.length && isDigit(src[j]!)) j++;
      }
      if ((src[j] === 'e' || src[j] === 'E') && (isDigit(src[j + 1] ?? '') || ((src[j + 1] === '+' || src[j + 1] === '-') && isDigit(src[j + 2] ?? '')))) {
        float = true;
        j += 2;
        while (j < src.length && isDigit(src[j]!)) j++;
      }
      const text = src.slice(i, j);
      out.push({ kind: 'number', text, num: Number(text), float, pos, end: j, spaceBefore });
      i = j;
      continue;
    }
    if (c === '`') {
      let j = i + 1;
      let text = '';
      while (true) {
        if (j >= src.length || src[j] === '\n') throw EqlError.at(pos, 'unterminated quoted name', ['`']);
        if (src[j] === '`') {
          if (src[j + 1] === '`') {
            text += '`';
            j += 2;
            continue;
          }
          break;
        }
        text += src[j];
        j++;
      }
      if (text === '') throw EqlError.at(pos, 'empty quoted name');
      out.push({ kind: 'qident', text, pos, end: j + 1, spaceBefore });
      i = j + 1;
      continue;
    }
    if (c === '"') {
      if (src.startsWith('"""', i)) {
        const close = src.indexOf('"""', i + 3);
        if (close < 0) throw EqlError.at(pos, 'unterminated raw string', ['"""']);
        const text = src.slice(i + 3, close);
        for (let k = i; k < close; k++) {
          if (src[k] === '\n') {
            line++;
            lineStart = k + 1;
          }
        }
        out.push({ kind: 'string', text, pos, end: close + 3, spaceBefore });
        i = close + 3;
        continue;
      }
      let j = i + 1;
      let text = '';
      while (true) {
        if (j >= src.length || src[j] === '\n' || src[j] === '\r') throw EqlError.at(pos, 'unterminated string', ['"']);
        const ch = src[j]!;
        if (ch === '"') break;
        if (ch === '\\') {
          const e = src[j + 1];
          const escPos = posAt(j);
          switch (e) {
            case 'n': text += '\n'; j += 2; break;
            case 't': text += '\t'; j += 2; break;
            case 'r': text += '\r'; j += 2; break;
            case 'b': text += '\b'; j += 2; break;
            case 'f': text += '\f'; j += 2; break;
            case '"': text += '"'; j += 2; break;
            case '\\': text += '\\'; j += 2; break;
            case 'u': {
              const m = /^\\u\{([0-9a-fA-F]{2,8})\}/.exec(src.slice(j, j + 12));
              if (!m) throw EqlError.at(escPos, 'invalid unicode escape, expected \\u{XXXX}', ['\\u{hex}']);
              const cp = parseInt(m[1]!, 16);
              if (cp > 0x10ffff) throw EqlError.at(escPos, `invalid unicode code point ${m[1]}`);
              text += String.fromCodePoint(cp);
              j += m[0].length;
              break;
            }
            default:
              throw EqlError.at(escPos, e === "'" ? "the escaped single quote \\' is not supported, use \\\"" : `invalid escape sequence \\${e ?? ''} in string`, ['\\n', '\\t', '\\r', '\\"', '\\\\', '\\u{XXXX}']);
          }
          continue;
        }
        text += ch;
        j++;
      }
      out.push({ kind: 'string', text, pos, end: j + 1, spaceBefore });
      i = j + 1;
      continue;
    }
    if (c === "'") throw EqlError.at(pos, 'single-quoted strings are not supported, use double quotes', ['"']);
    const op = OPS.find((o) => src.startsWith(o, i));
    if (op) {
      out.push({ kind: 'op', text: op, pos, end: i + op.length, spaceBefore });
      i += op.length;
      continue;
    }
    throw EqlError.at(pos, `unexpected character ${JSON.stringify(c)}`);
  }
}
