// BinXML substitution value types and their Windows-style text rendering (as evtxexport -f xml shows them).
import type { DataValue } from '../types.js';

export const VT = {
  Null: 0x00,
  String: 0x01,
  AnsiString: 0x02,
  Int8: 0x03,
  UInt8: 0x04,
  Int16: 0x05,
  UInt16: 0x06,
  Int32: 0x07,
  UInt32: 0x08,
  Int64: 0x09,
  UInt64: 0x0a,
  Real32: 0x0b,
  Real64: 0x0c,
  Bool: 0x0d,
  Binary: 0x0e,
  Guid: 0x0f,
  SizeT: 0x10,
  FileTime: 0x11,
  SystemTime: 0x12,
  Sid: 0x13,
  HexInt32: 0x14,
  HexInt64: 0x15,
  EvtHandle: 0x20,
  BinXml: 0x21,
  EvtXml: 0x23,
  ArrayFlag: 0x80,
} as const;

/** Fixed element size of a type inside arrays (0 = variable or not arrayable). */
function fixedSize(type: number, size: number): number {
  switch (type) {
    case VT.Int8: case VT.UInt8: return 1;
    case VT.Int16: case VT.UInt16: return 2;
    case VT.Int32: case VT.UInt32: case VT.Real32: case VT.Bool: case VT.HexInt32: return 4;
    case VT.Int64: case VT.UInt64: case VT.Real64: case VT.FileTime: case VT.HexInt64: return 8;
    case VT.Guid: case VT.SystemTime: return 16;
    case VT.SizeT: return size % 8 === 0 ? 8 : 4;
    default: return 0;
  }
}

/** Two hex digits per byte value: GUIDs and hex integers are rendered by table lookups (toString(16) cost more). */
const BYTE_UPPER = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0').toUpperCase());
const BYTE_LOWER = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

function hexUpper(buf: Buffer, off: number, size: number): string {
  let s = '';
  for (let i = 0; i < size; i++) s += BYTE_UPPER[buf[off + i]!]!;
  return s;
}

/** Little-endian bytes as lowercase hex, most significant first. */
function hexLowerLE(buf: Buffer, off: number, size: number): string {
  let s = '';
  for (let i = size - 1; i >= 0; i--) s += BYTE_LOWER[buf[off + i]!]!;
  return s;
}

/** SizeT (win:Pointer): Windows renders it in minimal hex ("0x24c", as in Microsoft's 4648 example). */
function sizeTText(buf: Buffer, off: number, size: number): string {
  const lo = buf.readUInt32LE(off);
  const hi = size >= 8 ? buf.readUInt32LE(off + 4) : 0;
  return hi === 0 ? '0x' + lo.toString(16) : '0x' + hi.toString(16) + lo.toString(16).padStart(8, '0');
}


/** UTF-16LE text, trailing NULs stripped, lone surrogates replaced so output is always well-formed. */
export function utf16(buf: Buffer, off: number, size: number): string {
  let end = off + (size & ~1);
  while (end >= off + 2 && buf[end - 1] === 0 && buf[end - 2] === 0) end -= 2;
  const s = buf.toString('utf16le', off, end);
  return wellFormed(s);
}

type WellFormed = { isWellFormed(): boolean; toWellFormed(): string };
function wellFormed(s: string): string {
  const w = s as unknown as WellFormed;
  if (typeof w.isWellFormed === 'function') return w.isWellFormed() ? s : w.toWellFormed();
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** {D1-D2-D3-D4-D5} in uppercase: D1..D3 little-endian, the last 8 bytes in order. */
export function guidText(buf: Buffer, off: number): string {
  const u = BYTE_UPPER;
  const b = (i: number) => u[buf[off + i]!]!;
  return '{' + b(3) + b(2) + b(1) + b(0) + '-' + b(5) + b(4) + '-' + b(7) + b(6) + '-' + b(8) + b(9) + '-' +
    b(10) + b(11) + b(12) + b(13) + b(14) + b(15) + '}';
}

const EPOCH_DELTA_S = 11644473600;
const TWO32_HI = 429; // 2^32 = 429 * 10^7 + 4967296
const TWO32_LO = 4967296;
/** "00".."59": the time of day by lookups; only the date goes through Date, once per day seen. */
const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, '0'));
let lastDay = NaN;
let lastDayPrefix = '';

/** "YYYY-MM-DDT" of a day counted from 1970-01-01, cached: values of one file mostly fall on a few days. */
function dayPrefix(day: number): string {
  if (day !== lastDay) {
    lastDay = day;
    lastDayPrefix = new Date(day * 86_400_000).toISOString().slice(0, 11);
  }
  return lastDayPrefix;
}

/** FILETIME as Windows renders it: ISO 8601 UTC, 100 ns padded to 9 digits ("2017-12-26T13:10:29.136879200Z"). */
export function fileTimeText(buf: Buffer, off: number): string {
  const lo = buf.readUInt32LE(off);
  const hi = buf.readUInt32LE(off + 4);
  // Split the 64-bit tick count so every step stays exact in doubles (hi < 2^31 covers years up to ~30828).
  if (hi >= 0x80000000) return `0x${hi.toString(16).padStart(8, '0')}${lo.toString(16).padStart(8, '0')}`;
  const rem = hi * TWO32_LO + lo;
  const secs = hi * TWO32_HI + Math.floor(rem / 1e7) - EPOCH_DELTA_S;
  const frac = rem % 1e7;
  const ms = secs * 1000;
  if (!(ms >= -62135596800000 && ms <= 253402300799000)) return `0x${hi.toString(16).padStart(8, '0')}${lo.toString(16).padStart(8, '0')}`;
  const day = Math.floor(secs / 86400);
  const t = secs - day * 86400;
  const min = Math.floor(t / 60);
  // 7 fraction digits: 1e7 + frac has 8, the leading 1 dropped.
  return dayPrefix(day) + TWO_DIGITS[Math.floor(min / 60)]! + ':' + TWO_DIGITS[min % 60]! + ':' + TWO_DIGITS[t % 60]! + '.' +
    String(1e7 + frac).slice(1) + '00Z';
}

function systemTimeText(buf: Buffer, off: number): string {
  const p2 = (n: number) => String(n).padStart(2, '0');
  const y = buf.readUInt16LE(off);
  const mo = buf.readUInt16LE(off + 2);
  const d = buf.readUInt16LE(off + 6);
  const h = buf.readUInt16LE(off + 8);
  const mi = buf.readUInt16LE(off + 10);
  const s = buf.readUInt16LE(off + 12);
  const ms = buf.readUInt16LE(off + 14);
  return `${String(y).padStart(4, '0')}-${p2(mo)}-${p2(d)}T${p2(h)}:${p2(mi)}:${p2(s)}.${String(ms).padStart(3, '0')}Z`;
}

function sidText(buf: Buffer, off: number, size: number): string {
  if (size < 8) return '';
  const rev = buf[off]!;
  const count = Math.min(buf[off + 1]!, (size - 8) >> 2);
  const auth = buf.readUIntBE(off + 2, 6);
  let s = `S-${rev}-${auth}`;
  for (let i = 0; i < count; i++) s += '-' + buf.readUInt32LE(off + 8 + 4 * i);
  return s;
}

function realText(v: number): string {
  return Number.isFinite(v) ? String(v) : String(v);
}

/** One scalar value as text; `size` is the descriptor's byte size (trusted, already bounds-checked). */
export function scalarText(buf: Buffer, type: number, off: number, size: number): string {
  switch (type) {
    case VT.String: return utf16(buf, off, size);
    case VT.AnsiString: {
      let end = off + size;
      while (end > off && buf[end - 1] === 0) end--;
      return buf.toString('latin1', off, end);
    }
    case VT.Int8: return size >= 1 ? String(buf.readInt8(off)) : '';
    case VT.UInt8: return size >= 1 ? String(buf[off]) : '';
    case VT.Int16: return size >= 2 ? String(buf.readInt16LE(off)) : '';
    case VT.UInt16: return size >= 2 ? String(buf.readUInt16LE(off)) : '';
    case VT.Int32: return size >= 4 ? String(buf.readInt32LE(off)) : '';
    case VT.UInt32: return size >= 4 ? String(buf.readUInt32LE(off)) : '';
    case VT.Int64: return size >= 8 ? buf.readBigInt64LE(off).toString() : '';
    case VT.UInt64: return size >= 8 ? buf.readBigUInt64LE(off).toString() : '';
    case VT.Real32: return size >= 4 ? realText(buf.readFloatLE(off)) : '';
    case VT.Real64: return size >= 8 ? realText(buf.readDoubleLE(off)) : '';
    case VT.Bool: return size >= 1 ? (buf.readUIntLE(off, Math.min(size, 4)) !== 0 ? 'true' : 'false') : '';
    case VT.Binary: return hexUpper(buf, off, size);
    case VT.Guid: return size >= 16 ? guidText(buf, off) : '';
    case VT.SizeT: return size >= 4 ? sizeTText(buf, off, size) : '';
    case VT.FileTime: return size >= 8 ? fileTimeText(buf, off) : '';
    case VT.SystemTime: return size >= 16 ? systemTimeText(buf, off) : '';
    case VT.Sid: return sidText(buf, off, size);
    case VT.HexInt32: return size >= 4 ? '0x' + hexLowerLE(buf, off, 4) : '';
    case VT.HexInt64: return size >= 8 ? '0x' + hexLowerLE(buf, off, 8) : '';
    case VT.EvtXml: return utf16(buf, off, size);
    default: return hexUpper(buf, off, size);
  }
}

/**
 * A substitution value as text: null for the Null type, string[] for arrays, else a string.
 * BinXml (0x21) is not handled here (the caller renders it as nested XML).
 */
export function valueText(buf: Buffer, type: number, off: number, size: number): DataValue {
  if (type === VT.Null) return null;
  if ((type & VT.ArrayFlag) === 0) return scalarText(buf, type, off, size);
  const base = type & 0x7f;
  const items: string[] = [];
  if (base === VT.String) {
    // NUL-separated UTF-16 strings; a trailing NUL ends the last item, it does not start a new one.
    let start = off;
    const end = off + (size & ~1);
    for (let p = off; p < end; p += 2) {
      if (buf[p] === 0 && buf[p + 1] === 0) {
        items.push(wellFormed(buf.toString('utf16le', start, p)));
        start = p + 2;
      }
    }
    if (start < end) items.push(wellFormed(buf.toString('utf16le', start, end)));
    return items;
  }
  if (base === VT.AnsiString) {
    let start = off;
    for (let p = off; p < off + size; p++) {
      if (buf[p] === 0) {
        items.push(buf.toString('latin1', start, p));
        start = p + 1;
      }
    }
    if (start < off + size) items.push(buf.toString('latin1', start, off + size));
    return items;
  }
  const width = fixedSize(base, size);
  if (width === 0) return [hexUpper(buf, off, size)];
  for (let p = off; p + width <= off + size; p += width) items.push(scalarText(buf, base, p, width));
  return items;
}
