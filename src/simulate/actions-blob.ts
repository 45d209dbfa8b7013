// The TaskCache `Actions` REG_BINARY value as the Task Scheduler service writes it (version 3 layout:
// u16 version, BSTR context, then action records; see shared reference taskcache.md §2).

export interface ExecAction {
  command: string;
  arguments?: string;
  workingDirectory?: string;
}

const EXEC_MAGIC = 0x6666;

function bstr(text: string): Buffer {
  const body = Buffer.from(text, 'utf16le');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(body.length, 0);
  return Buffer.concat([len, body]);
}

/** Encodes exec actions under a principal context ("Author" for schtasks, "LocalSystem" for atexec). */
export function encodeActions(context: string, actions: readonly ExecAction[]): Buffer {
  const parts: Buffer[] = [];
  const version = Buffer.alloc(2);
  version.writeUInt16LE(3, 0);
  parts.push(version, bstr(context));
  for (const action of actions) {
    const magic = Buffer.alloc(2);
    magic.writeUInt16LE(EXEC_MAGIC, 0);
    parts.push(magic, bstr(''), bstr(action.command), bstr(action.arguments ?? ''), bstr(action.workingDirectory ?? ''), Buffer.alloc(2));
  }
  return Buffer.concat(parts);
}

/** Decodes what encodeActions writes (exec actions only); used by tests and the README example. */
export function decodeActions(blob: Buffer): { version: number; context: string; actions: ExecAction[] } {
  let off = 0;
  const u16 = () => {
    if (off + 2 > blob.length) throw new Error(`Actions truncated at offset ${off}`);
    const v = blob.readUInt16LE(off);
    off += 2;
    return v;
  };
  const str = () => {
    if (off + 4 > blob.length) throw new Error(`Actions truncated at offset ${off}`);
    const n = blob.readUInt32LE(off);
    off += 4;
    if (off + n > blob.length || n % 2 !== 0) throw new Error(`bad string length ${n} at offset ${off - 4}`);
    const s = blob.toString('utf16le', off, off + n);
    off += n;
    return s;
  };
  const version = u16();
  const context = str();
  const actions: ExecAction[] = [];
  while (off + 2 <= blob.length) {
    const magic = u16();
    if (magic !== EXEC_MAGIC) throw new Error(`unknown action magic 0x${magic.toString(16)} at offset ${off - 2}`);
    str(); // id
    const command = str();
    const args = str();
    const workingDirectory = str();
    if (version >= 3) u16(); // flags
    actions.push({ command, arguments: args, workingDirectory });
  }
  return { version, context, actions };
}
