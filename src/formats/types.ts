// The boundary between input formats and normalization: what every reader produces.
// EVTX and event XML yield `windows` items (a structured Windows event, never XML text);
// JSON inputs yield `document` items (ECS documents or flat exports, decided by normalization).

/** Where an item came from, for alerts and error messages. */
export interface Origin {
  /** Path of the file as given by the user ("-" for stdin). */
  file: string;
  /** Member path inside a zip archive, when the file is one. */
  member?: string;
  /** EVTX EventRecordID. */
  record?: number;
  /** 1-based line number in a text input (JSON lines, XML). */
  line?: number;
  /** Byte offset in the (decompressed) input, where a line number is not meaningful (EVTX chunks). */
  offset?: number;
  /** 0-based position of the document in a JSON array, or of the hit in an Elasticsearch `_search` response. */
  index?: number;
}

/** A value of EventData/<Data>: text as Windows renders it; arrays stay arrays; absent substitutions are null. */
export type DataValue = string | string[] | null;

/** An XML element kept as a tree (UserData, ProcessingErrorData and other provider-defined payloads). */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated character data directly inside the element ('' when none). */
  text: string;
}

/** The <System> block, with values as Windows renders them. */
export interface WinSystem {
  provider: string;
  providerGuid?: string;
  eventSourceName?: string;
  eventId: number;
  qualifiers?: number;
  version?: number;
  level?: number;
  task?: number;
  opcode?: number;
  /** As rendered: "0x8020000000000000". */
  keywords?: string;
  /** TimeCreated/@SystemTime as written, ISO 8601 UTC, up to 7 fraction digits: "2020-12-19T12:00:22.2320000Z". */
  timeCreated: string;
  recordId?: number;
  activityId?: string;
  relatedActivityId?: string;
  processId?: number;
  threadId?: number;
  channel: string;
  computer: string;
  /** Security/@UserID (a SID). */
  userId?: string;
}

/** RenderingInfo of forwarded events (WEF "RenderedText"). */
export interface WinRendering {
  culture?: string;
  message?: string;
  level?: string;
  task?: string;
  opcode?: string;
  channel?: string;
  provider?: string;
  keywords?: string[];
}

/** One Windows event as read from EVTX or event XML. */
export interface WinEvent {
  system: WinSystem;
  /** <Data Name="X"> → X; unnamed <Data> → param1..paramN (as winlogbeat); <Binary> → "Binary" (hex). */
  eventData?: Record<string, DataValue>;
  /** The single provider-defined child of <UserData>, kept as a tree. */
  userData?: XmlElement;
  /** <ProcessingErrorData> when the publisher's data did not match its manifest. */
  processingError?: XmlElement;
  rendering?: WinRendering;
}

export type InputItem =
  | { kind: 'windows'; event: WinEvent; origin: Origin }
  /** A JSON object: an ECS document (Elastic Defend, Winlogbeat, Agent) or a flat export (NXLog, OTRF). */
  | {
      kind: 'document';
      doc: Record<string, unknown>;
      origin: Origin;
      /** The document's text when it was one whole NDJSON line: a sort can hold that instead of the parsed form. */
      line?: string;
    }
  /**
   * Something that could not be read: reported with its place, counted, and the rest goes on.
   * 'note' is informational, not a fault (e.g. an archive member that is not an input, such as `__MACOSX/._*`).
   */
  | { kind: 'problem'; severity: ProblemSeverity; message: string; origin: Origin };

/**
 * An NDJSON line a line filter asked to hold undecoded (`JsonLineFilter.scan`): its holder decodes it later, if
 * at all, with `readHeldLine`. Only readers given such a filter yield these.
 */
export interface HeldLine {
  kind: 'held';
  /**
   * The line's text; with `bytes`, those bytes read as latin1 (a character per byte: ASCII as it is, each byte of a
   * multi-byte UTF-8 sequence a character of its own), so that it is never decoded unless it is read back.
   */
  text: string;
  /** Where the line's UTF-8 bytes are, when the reader has them: in a chunk it may reuse (a holder copies them at once). */
  bytes?: ByteSpan;
  origin: Origin;
  /** The line filter's tag for it (non-zero: which of the filter's holdable stages it fits). */
  tag: number;
}

/** Bytes `buffer[start, end)` (a span, not a view: a view is an object that costs more to make). */
export interface ByteSpan {
  buffer: Buffer;
  start: number;
  end: number;
}

/** What a reader yields: items, and held lines when its line filter holds some. */
export type ReadItem = InputItem | HeldLine;

export type ProblemSeverity = 'note' | 'warning' | 'error';

export type InputFormat = 'evtx' | 'xml' | 'json';
