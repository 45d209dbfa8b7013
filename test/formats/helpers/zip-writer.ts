// A tiny zip writer for test fixtures: stored or deflated members, optional data descriptors, zip64 records,
// bytes prepended (as self-extractors have) and deliberate damage (wrong CRC).
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipMember {
  name: string;
  data: Uint8Array | string;
  /** 0 stored, 8 deflate (default); any other number is written as-is with stored data. */
  method?: number;
  /** Write the CRC this way instead of the real one. */
  crc?: number;
  encrypted?: boolean;
}

export interface ZipOptions {
  /** Sizes and offsets in zip64 extra fields, with zip64 end records. */
  zip64?: boolean;
  /** Sizes in a data descriptor after the data (local header sizes zero), as streaming writers do. */
  dataDescriptor?: boolean;
  prefix?: Uint8Array;
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}
function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}
function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

export function writeZip(members: ZipMember[], options: ZipOptions = {}): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  const push = (b: Buffer): void => {
    parts.push(b);
    offset += b.length;
  };
  if (options.prefix) push(Buffer.from(options.prefix));
  const base = offset;
  for (const m of members) {
    const raw = typeof m.data === 'string' ? Buffer.from(m.data, 'utf8') : Buffer.from(m.data);
    const method = m.method ?? 8;
    const data = method === 8 ? deflateRawSync(raw) : raw;
    const crc = m.crc ?? crc32(raw);
    const name = Buffer.from(m.name, 'utf8');
    const flags = 0x800 | (options.dataDescriptor ? 0x8 : 0) | (m.encrypted ? 1 : 0);
    const z64 = options.zip64 === true;
    const localOffset = offset - base;
    const localExtra = z64 ? Buffer.concat([u16(1), u16(16), u64(raw.length), u64(data.length)]) : Buffer.alloc(0);
    const sizeField = (n: number): Buffer => (z64 ? u32(0xffffffff) : options.dataDescriptor ? u32(0) : u32(n));
    push(
      Buffer.concat([
        u32(0x04034b50), u16(45), u16(flags), u16(method), u16(0), u16(0x21),
        u32(options.dataDescriptor ? 0 : crc), sizeField(data.length), sizeField(raw.length),
        u16(name.length), u16(localExtra.length), name, localExtra,
      ]),
    );
    push(data);
    if (options.dataDescriptor) push(Buffer.concat([u32(0x08074b50), u32(crc), u32(data.length), u32(raw.length)]));
    const cdExtra = z64 ? Buffer.concat([u16(1), u16(24), u64(raw.length), u64(data.length), u64(localOffset)]) : Buffer.alloc(0);
    central.push(
      Buffer.concat([
        u32(0x02014b50), u16(0x031e), u16(45), u16(flags), u16(method), u16(0), u16(0x21), u32(crc),
        z64 ? u32(0xffffffff) : u32(data.length), z64 ? u32(0xffffffff) : u32(raw.length),
        u16(name.length), u16(cdExtra.length), u16(0), u16(0), u16(0), u32(0),
        z64 ? u32(0xffffffff) : u32(localOffset), name, cdExtra,
      ]),
    );
  }
  const cd = Buffer.concat(central);
  const cdOffset = offset - base;
  push(cd);
  if (options.zip64) {
    const eocd64Offset = offset - base;
    push(Buffer.concat([u32(0x06064b50), u64(44), u16(45), u16(45), u32(0), u32(0), u64(members.length), u64(members.length), u64(cd.length), u64(cdOffset)]));
    push(Buffer.concat([u32(0x07064b50), u32(0), u64(eocd64Offset), u32(1)]));
  }
  const count = options.zip64 ? 0xffff : members.length;
  push(Buffer.concat([u32(0x06054b50), u16(0), u16(0), u16(count), u16(count), u32(options.zip64 ? 0xffffffff : cd.length), u32(options.zip64 ? 0xffffffff : cdOffset), u16(0)]));
  return Buffer.concat(parts);
}
