// gzip of any input (multi-member streams included, as `cat a.gz b.gz` makes).
import { createGunzip } from 'node:zlib';
import { throughTransform, type ByteStream } from '../bytes.js';

export function gunzip(input: ByteStream): AsyncGenerator<Uint8Array> {
  return throughTransform(input, createGunzip());
}
