// Timestamps as sources really write them → epoch milliseconds (UTC), and back to ISO 8601.
//
// Accepted: ISO 8601 with `T` or a space, with or without seconds, any number of fraction digits (7 from
// Windows), with `Z`, `UTC`/`GMT` or a numeric offset (`+05:00`, `+0500`), or without a zone; epoch numbers
// (seconds, milliseconds, microseconds, nanoseconds) and Windows FILETIME (100 ns since 1601), as numbers or
// digit strings. Sub-millisecond digits are kept as the fractional part of the millisecond value.

/** How a parsed time is to be read. */
export interface TimeReading {
  /**
   * Zone for wall-clock times: applied to times written without a zone, and — when `relabel` is set — to times
   * labelled `Z`/`UTC` (an export that wrote local time with a `Z`). Explicit numeric offsets are always honoured.
   */
  zone?: TimeZone;
  /** This time is a record time that may carry a wrong `Z` label (see `zone`). */
  relabel?: boolean;
}

/** A resolved time zone: a fixed offset or an IANA zone read through Intl. */
export interface TimeZone {
  readonly name: string;
  /** Offset (ms, local − UTC) in force at the UTC instant `utcMs`. */
  offsetAt(utcMs: number): number;
}

const ISO_RE =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/i;

const FILETIME_EPOCH_DIFF_MS = 11644473600000;

/** Epoch ms of a number by its magnitude: s, ms, µs, FILETIME (100 ns since 1601) or ns. */
export function epochNumberToMs(n: number): number | undefined {
  if (!Number.isFinite(n) || n < 0) return undefined;
  if (n < 1e11) return n * 1000; // seconds (up to year 5138)
  if (n < 1e14) return n; // milliseconds
  if (n < 1e16) return n / 1000; // microseconds
  if (n < 5e17) return n / 1e4 - FILETIME_EPOCH_DIFF_MS; // FILETIME: 1.2e17 ≈ 1981 … 5e17 ≈ 3185
  return n / 1e6; // nanoseconds
}

/** Parses a timestamp; undefined when it is not one. */
export function parseTime(value: unknown, reading: TimeReading = {}): number | undefined {
  if (typeof value === 'number') return epochNumberToMs(value);
  if (typeof value === 'bigint') return epochNumberToMs(Number(value));
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  if (s.length === 0) return undefined;
  const fast = parseIsoFast(s, reading);
  if (fast !== undefined) return fast;
  const c0 = s.charCodeAt(0);
  if (c0 >= 48 && c0 <= 57 && /^\d+(?:\.\d+)?$/.test(s)) {
    // Digit strings of 4 characters would be years; a bare year is not a timestamp we want.
    if (s.length >= 9) return epochNumberToMs(Number(s));
    return undefined;
  }
  const m = ISO_RE.exec(s);
  if (!m) return undefined;
  const year = +m[1]!;
  const month = +m[2]!;
  const day = +m[3]!;
  const hour = m[4] === undefined ? 0 : +m[4];
  const minute = m[5] === undefined ? 0 : +m[5];
  const second = m[6] === undefined ? 0 : +m[6];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  let frac = 0;
  const f = m[7];
  if (f !== undefined) frac = Number('0.' + f) * 1000;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second) + frac;
  if (Number.isNaN(wall)) return undefined;
  const zone = m[8];
  if (zone === undefined) return reading.zone ? wallToUtc(wall, reading.zone) : wall;
  const z = zone.toUpperCase();
  if (z === 'Z' || z === 'UTC' || z === 'GMT') {
    return reading.relabel && reading.zone ? wallToUtc(wall, reading.zone) : wall;
  }
  const sign = z.charCodeAt(0) === 45 ? -1 : 1;
  const digits = z.slice(1).replace(':', '');
  const offMin = +digits.slice(0, 2) * 60 + (digits.length > 2 ? +digits.slice(2, 4) : 0);
  return wall - sign * offMin * 60000;
}

const d2 = (s: string, i: number): number => (s.charCodeAt(i) - 48) * 10 + (s.charCodeAt(i + 1) - 48);

/**
 * The common shapes without a regex: `yyyy-MM-ddTHH:mm:ss[.f…][Z]` (T or space). Undefined when the text is
 * anything else (the general parser then decides).
 */
function parseIsoFast(s: string, reading: TimeReading): number | undefined {
  const n = s.length;
  if (n < 19 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return undefined;
  const sep = s.charCodeAt(10);
  if (sep !== 84 && sep !== 32) return undefined;
  for (const i of DIGIT_POS) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  let i = 19;
  let frac = 0;
  if (i < n && s.charCodeAt(i) === 46) {
    i++;
    let scale = 100;
    const start = i;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      frac += (c - 48) * scale;
      scale /= 10;
      i++;
    }
    if (i === start) return undefined;
  }
  let zoned = false;
  if (i < n) {
    if (i === n - 1 && s.charCodeAt(i) === 90) zoned = true;
    else return undefined;
  }
  const month = d2(s, 5);
  const day = d2(s, 8);
  const hour = d2(s, 11);
  const minute = d2(s, 14);
  const second = d2(s, 17);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  const year = d2(s, 0) * 100 + d2(s, 2);
  const wall = Date.UTC(year, month - 1, day, hour, minute, second) + frac;
  if (reading.zone && (!zoned || reading.relabel)) return wallToUtc(wall, reading.zone);
  return wall;
}

const DIGIT_POS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];

/** Local wall time (as if UTC) in `zone` → UTC instant; the usual two-step guess handles DST edges. */
export function wallToUtc(wallMs: number, zone: TimeZone): number {
  const guess = wallMs - zone.offsetAt(wallMs);
  return wallMs - zone.offsetAt(guess);
}

// Formatting runs for every event (twice): the date-and-minute prefix is cached, the rest is concatenated.
let prefixMinute = NaN;
let prefixText = '';
const MAX_FAST_MS = 253402300800000; // year 10000: toISOString's 4-digit-year range

/** ISO 8601 UTC with milliseconds, plus up to 4 more digits when the value carries sub-millisecond precision. */
export function formatIso(ms: number): string {
  let whole = Math.floor(ms);
  let extra = '';
  const sub = ms - whole;
  if (sub !== 0) {
    const digits = Math.round(sub * 10000);
    if (digits === 10000) whole++;
    else if (digits !== 0) extra = digits.toString().padStart(4, '0').replace(/0+$/, '');
  }
  if (!(whole >= 0 && whole < MAX_FAST_MS)) {
    const iso = new Date(whole).toISOString();
    return extra ? iso.slice(0, -1) + extra + 'Z' : iso;
  }
  const minute = Math.floor(whole / 60000);
  if (minute !== prefixMinute) {
    prefixText = new Date(minute * 60000).toISOString().slice(0, 17);
    prefixMinute = minute;
  }
  const rem = whole - minute * 60000;
  const sec = Math.floor(rem / 1000);
  const milli = rem - sec * 1000;
  return (
    prefixText + (sec < 10 ? '0' : '') + sec + '.' + (milli < 10 ? '00' : milli < 100 ? '0' : '') + milli + extra + 'Z'
  );
}

const OFFSET_RE = /^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$/i;

/**
 * Resolves a zone name: an IANA name ("America/New_York", checked through Intl), "UTC", or a fixed offset
 * ("+05:00", "-0500", "UTC-5"). Throws a clear error for anything else.
 */
export function resolveTimeZone(name: string): TimeZone {
  const trimmed = name.trim();
  if (/^(?:utc|gmt|z)$/i.test(trimmed)) return { name: 'UTC', offsetAt: () => 0 };
  const fixed = OFFSET_RE.exec(trimmed);
  if (fixed) {
    const hours = +fixed[2]!;
    const minutes = fixed[3] === undefined ? 0 : +fixed[3];
    if (hours > 14 || minutes > 59) throw new Error(`invalid time zone offset "${name}"`);
    const off = (fixed[1] === '-' ? -1 : 1) * (hours * 60 + minutes) * 60000;
    return { name: trimmed, offsetAt: () => off };
  }
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: trimmed,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new Error(`unknown time zone "${name}" (use an IANA name such as "America/New_York", or an offset such as "-05:00")`);
  }
  // Offsets change at most a few times a year and always on the quarter hour: cache per quarter hour.
  const cache = new Map<number, number>();
  const offsetAt = (utcMs: number): number => {
    const bucket = Math.floor(utcMs / 900000);
    const hit = cache.get(bucket);
    if (hit !== undefined) return hit;
    const at = bucket * 900000;
    let y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
    for (const p of fmt.formatToParts(new Date(at))) {
      switch (p.type) {
        case 'year': y = +p.value; break;
        case 'month': mo = +p.value; break;
        case 'day': d = +p.value; break;
        case 'hour': h = +p.value; break;
        case 'minute': mi = +p.value; break;
        case 'second': se = +p.value; break;
      }
    }
    const off = Date.UTC(y, mo - 1, d, h, mi, se) - at;
    if (cache.size > 10000) cache.clear();
    cache.set(bucket, off);
    return off;
  };
  return { name: trimmed, offsetAt };
}

const HOUR_MS = 3600000;
/** How far from a whole number of hours a difference may be and still count as a clock-zone mistake. */
const HOUR_TOLERANCE_MS = 2 * 60000;

/** What a ClockCheck found for one input. */
export interface ClockSkew {
  /** Record time − Sysmon UtcTime, in whole hours (non-zero). */
  hours: number;
  /** Sysmon events compared. */
  compared: number;
  /** Of those, how many disagree by exactly `hours` (± 2 minutes). */
  agreeing: number;
  /**
   * The `--timezone` value that corrects it ("-05:00": the zone the export's clock wrote); none beyond ±14 h, which
   * no zone explains. Not a time offset:
   * `--time-offset` shifts Sysmon UtcTime too, so the two clocks would still disagree.
   */
  suggestedTimezone?: string;
  /** One line for the hunt summary. */
  message: string;
}

/** What a `ClockCheck` has counted, as plain data: events compared, and per whole-hour skew the events showing it. */
export interface ClockTally {
  count: number;
  byHours: Array<[number, number]>;
}

/**
 * Per input: compares record times (TimeCreated / @timestamp as the export wrote them) with Sysmon UtcTime.
 * When most Sysmon events disagree by the same whole number of hours, the export probably wrote local time
 * labelled as UTC (the OTRF clock caveat), and the summary should warn. Skews that are not whole hours (Sysmon
 * logs network events late) or that only a minority shows (cached events) are not reported.
 */
export class ClockCheck {
  private readonly byHours = new Map<number, number>();
  private count = 0;

  constructor(readonly input = '') {}

  /** Adds one Sysmon event's pair of times (epoch ms). */
  add(recordTimeMs: number, utcTimeMs: number): void {
    if (!Number.isFinite(recordTimeMs) || !Number.isFinite(utcTimeMs)) return;
    this.count++;
    const diff = recordTimeMs - utcTimeMs;
    const hours = Math.round(diff / HOUR_MS);
    if (Math.abs(diff - hours * HOUR_MS) > HOUR_TOLERANCE_MS) return;
    this.byHours.set(hours, (this.byHours.get(hours) ?? 0) + 1);
  }

  /**
   * Adds a normalized event when it is a Sysmon event with both times: `event.created` (the record time, as
   * corrected by the normalize options) and `winlog.event_data.UtcTime` (read as UTC, plus `timeOffsetMs`).
   */
  observe(doc: Record<string, unknown>, timeOffsetMs = 0): void {
    const winlog = doc.winlog as Record<string, unknown> | undefined;
    const data = winlog?.event_data as Record<string, unknown> | undefined;
    const utc = data?.UtcTime;
    if (utc === undefined) return;
    const created = (doc.event as Record<string, unknown> | undefined)?.created;
    const rec = parseTime(created);
    const u = parseTime(utc);
    if (rec === undefined || u === undefined) return;
    this.add(rec, u + timeOffsetMs);
  }

  /** Events compared so far. */
  get compared(): number {
    return this.count;
  }

  /** What it has counted, as plain data (to cross threads, or to join the checks of several pieces of an input). */
  tally(): ClockTally {
    return { count: this.count, byHours: [...this.byHours] };
  }

  absorb(t: ClockTally): void {
    this.count += t.count;
    for (const [h, c] of t.byHours) this.byHours.set(h, (this.byHours.get(h) ?? 0) + c);
  }

  /** The skew to warn about, or undefined when record times and UtcTime agree (or too few disagree alike). */
  result(): ClockSkew | undefined {
    let best = 0;
    let bestCount = 0;
    for (const [h, c] of this.byHours) if (c > bestCount) [best, bestCount] = [h, c];
    if (best === 0 || bestCount * 2 <= this.count) return undefined;
    const ahead = best > 0 ? 'ahead of' : 'behind';
    // Record times 5 h behind UtcTime were written at UTC−5; "=" so that a negative value parses as the option's value.
    const zone = Math.abs(best) <= 14 ? `${best < 0 ? '-' : '+'}${String(Math.abs(best)).padStart(2, '0')}:00` : undefined;
    const fix = zone
      ? `the export probably wrote local time labelled as UTC (correct it with --timezone=${zone}, or the IANA name of that zone)`
      : 'no time zone is that far off: check the clock of the machine that wrote the records';
    const where = this.input ? `${this.input}: ` : '';
    return {
      hours: best,
      compared: this.count,
      agreeing: bestCount,
      suggestedTimezone: zone,
      message:
        `${where}record times are ${Math.abs(best)} h ${ahead} Sysmon UtcTime in ${bestCount} of ${this.count} Sysmon events; ` +
        fix,
    };
  }
}
