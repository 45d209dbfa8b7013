// Decoder of the TaskCache `Tasks\{GUID}\Actions` REG_BINARY value (layout: shared reference taskcache.md §2).
// Input comes from telemetry (Elastic Defend `registry.data.bytes`), so every read is bounds-checked and garbage
// yields a partial result with `parseError`, never an exception.

import type { TaskAction, TaskActionType } from './types.js';

export type { TaskAction, TaskActionType } from './types.js';

export interface DecodedActions {
  version: number;
  /** `<Actions Context="…">`: the principal id the actions run under ("Author", "LocalSystem", …). */
  context?: string;
  actions: TaskAction[];
  /** Set when the value could not be read to its end; `actions` holds what was read before. */
  parseError?: string;
}

const MAGIC: Record<number, TaskActionType> = {
  0x6666: 'exec',
  0x7777: 'com_handler',
  0x8888: 'send_email',
  0x9999: 'show_message',
};

/** The Task Scheduler 2.0 API limits a task to 32 actions. */
const MAX_ACTIONS = 32;
/** Bounded list sizes inside SendEmail (attachments, headers). */
const MAX_LIST = 256;

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}
  get left(): number {
    return this.buf.length - this.pos;
  }
  u16(): number {
    if (this.left < 2) throw new Error(`truncated u16 at offset ${this.pos}`);
    const v = this.buf[this.pos]! | (this.buf[this.pos + 1]! << 8);
    this.pos += 2;
    return v;
  }
  u32(): number {
    if (this.left < 4) throw new Error(`truncated u32 at offset ${this.pos}`);
    const b = this.buf;
    const p = this.pos;
    const v = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16)) + b[p + 3]! * 0x1000000;
    this.pos += 4;
    return v;
  }
  /** BSTR: u32 byte length + UTF-16LE, no terminator. */
  bstr(): string {
    const at = this.pos;
    const len = this.u32();
    if (len > this.left) throw new Error(`string length ${len} at offset ${at} exceeds the ${this.left} bytes left`);
    if (len % 2 !== 0) throw new Error(`odd UTF-16 string length ${len} at offset ${at}`);
    const s = utf16le(this.buf, this.pos, len);
    this.pos += len;
    return s;
  }
  bytes(n: number): Uint8Array {
    if (n > this.left) throw new Error(`truncated: ${n} bytes needed at offset ${this.pos}`);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
}

function utf16le(buf: Uint8Array, start: number, len: number): string {
  // Strip trailing NULs some writers include; keep everything else verbatim (escaping is the sinks' job).
  let s = Buffer.from(buf.buffer, buf.byteOffset + start, len).toString('utf16le');
  while (s.endsWith('\u0000')) s = s.slice(0, -1);
  return s;
}

function hex(b: Uint8Array, from: number, to: number, reverse: boolean): string {
  let out = '';
  if (reverse) for (let i = to - 1; i >= from; i--) out += b[i]!.toString(16).padStart(2, '0');
  else for (let i = from; i < to; i++) out += b[i]!.toString(16).padStart(2, '0');
  return out;
}

/** GUID binary layout: Data1 u32 LE, Data2/Data3 u16 LE, Data4 8 bytes as-is. */
export function formatGuid(b: Uint8Array): string {
  return `{${hex(b, 0, 4, true)}-${hex(b, 4, 6, true)}-${hex(b, 6, 8, true)}-${hex(b, 8, 10, false)}-${hex(b, 10, 16, false)}}`.toUpperCase();
}

function readAction(r: Reader, type: TaskActionType, version: number): TaskAction {
  const action: TaskAction = { type };
  const id = r.bstr();
  if (id) action.id = id;
  switch (type) {
    case 'exec': {
      action.command = r.bstr();
      action.arguments = r.bstr();
      action.working_directory = r.bstr();
      // Version 3 appends u16 flags; version 2 writers (GhostTask for Server 2016) omit them.
      if (version >= 3 && r.left >= 2) action.flags = r.u16();
      break;
    }
    case 'com_handler': {
      action.class_id = formatGuid(r.bytes(16));
      action.data = r.bstr();
      break;
    }
    case 'send_email': {
      action.to = r.bstr();
      r.bstr(); // cc
      r.bstr(); // bcc
      r.bstr(); // reply-to
      action.server = r.bstr();
      action.subject = r.bstr();
      action.body = r.bstr();
      const attachments = r.u32();
      if (attachments > MAX_LIST) throw new Error(`implausible attachment count ${attachments}`);
      for (let i = 0; i < attachments; i++) r.bstr();
      const headers = r.u32();
      if (headers > MAX_LIST) throw new Error(`implausible header count ${headers}`);
      for (let i = 0; i < headers; i++) {
        r.bstr();
        r.bstr();
      }
      break;
    }
    case 'show_message': {
      action.caption = r.bstr();
      action.message = r.bstr();
      break;
    }
  }
  return action;
}

/** Decodes an `Actions` value. Never throws. */
export function decodeTaskActions(bytes: Uint8Array): DecodedActions {
  const r = new Reader(bytes);
  if (bytes.length < 6) {
    return { version: bytes.length >= 2 ? r.u16() : 0, actions: [], parseError: `value too short (${bytes.length} bytes)` };
  }
  const version = r.u16();
  const result: DecodedActions = { version, actions: [] };
  try {
    // Tolerate writers that put no context after the version: the next u16 is then an action magic.
    const peek = bytes[2]! | (bytes[3]! << 8);
    if (!(peek in MAGIC)) {
      result.context = r.bstr();
    }
    while (r.left >= 2) {
      if (result.actions.length >= MAX_ACTIONS) throw new Error(`more than ${MAX_ACTIONS} actions`);
      const at = r.pos;
      const magic = r.u16();
      const type = MAGIC[magic];
      if (!type) throw new Error(`unknown action magic 0x${magic.toString(16).padStart(4, '0')} at offset ${at}`);
      result.actions.push(readAction(r, type, version));
    }
    if (r.left !== 0) throw new Error(`${r.left} trailing byte(s)`);
  } catch (err) {
    result.parseError = (err as Error).message;
  }
  return result;
}

/** Decodes base64 (`registry.data.bytes`) first; undefined when the text is not base64 at all. */
export function decodeTaskActionsBase64(b64: string): DecodedActions | undefined {
  const t = b64.trim();
  if (t === '' || !/^[A-Za-z0-9+/=_-]+$/.test(t)) return undefined;
  return decodeTaskActions(new Uint8Array(Buffer.from(t, 'base64')));
}
