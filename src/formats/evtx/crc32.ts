// CRC-32 (IEEE, as zlib): native zlib.crc32 when Node has it (>= 20.15), else a table.
import * as zlib from 'node:zlib';

type Crc32 = (data: Uint8Array) => number;

let table: Uint32Array | undefined;

function tableCrc32(data: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const native = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** CRC-32 of the bytes (unsigned). */
export const crc32: Crc32 = native ? (data) => native(data) >>> 0 : tableCrc32;

/** CRC-32 over several byte ranges in order, as if concatenated. */
export function crc32Parts(parts: Uint8Array[]): number {
  if (native) {
    let value = 0;
    for (const p of parts) value = native(p, value);
    return value >>> 0;
  }
  return tableCrc32(Buffer.concat(parts));
}
