// Fixed EVTX layout: file header, chunk header and record header offsets (see docs: evtx-format.md §2–4).
export const FILE_HEADER_SIZE = 4096;
export const CHUNK_SIZE = 65536;
export const CHUNK_HEADER_SIZE = 512;
export const RECORD_HEADER_SIZE = 24;
export const RECORD_SIGNATURE = 0x00002a2a;

export const FILE_SIGNATURE = Buffer.from('ElfFile\0', 'latin1');
export const CHUNK_SIGNATURE = Buffer.from('ElfChnk\0', 'latin1');

export const FileHeader = {
  firstChunk: 8,
  lastChunk: 16,
  nextRecordId: 24,
  headerSize: 32,
  minorVersion: 36,
  majorVersion: 38,
  blockSize: 40,
  chunkCount: 42,
  flags: 120,
  checksum: 124,
} as const;

export const ChunkHeader = {
  firstRecordNumber: 8,
  lastRecordNumber: 16,
  firstRecordId: 24,
  lastRecordId: 32,
  headerSize: 40,
  lastRecordOffset: 44,
  freeSpaceOffset: 48,
  dataChecksum: 52,
  flags: 120,
  checksum: 124,
  stringTable: 128,
  templateTable: 384,
} as const;

export const FLAG_DIRTY = 0x1;
export const FLAG_FULL = 0x2;
export const FLAG_NO_CRC32 = 0x4;
