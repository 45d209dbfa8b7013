// Time arguments as people type them: durations ("30s", "-5h", "1h30m", "250ms") and time bounds
// (ISO 8601; without a zone it is read as UTC, the zone every normalized event is in).

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;

/** Milliseconds of a duration such as "30s", "-5h", "1h30m"; throws a clear error otherwise. "0" is allowed. */
export function parseDuration(text: string, what = 'duration'): number {
  const t = text.trim();
  const sign = t.startsWith('-') ? -1 : 1;
  const body = t.replace(/^[+-]/, '');
  if (body === '0') return 0;
  let total = 0;
  let at = 0;
  PART.lastIndex = 0;
  for (let m = PART.exec(body); m; m = PART.exec(body)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    at = PART.lastIndex;
  }
  if (body === '' || at !== body.length) {
    throw new Error(`invalid ${what} "${text}" (use a number with a unit: 250ms, 30s, 5m, 2h, 1d, or combined like 1h30m)`);
  }
  return sign * total;
}

const ZONED = /(Z|[+-]\d{2}:?\d{2})$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$/;

/** Epoch ms of an ISO 8601 date or date-time; a zone-less value is UTC. Throws a clear error otherwise. */
export function parseTimeBound(text: string, what = 'time'): number {
  const t = text.trim();
  let ms = Number.NaN;
  if (ISO_DATE.test(t)) ms = Date.parse(t.length === 10 ? `${t}T00:00:00Z` : `${t.replace(' ', 'T')}Z`);
  else if (ZONED.test(t)) ms = Date.parse(t.replace(' ', 'T'));
  if (Number.isNaN(ms)) throw new Error(`invalid ${what} "${text}" (use ISO 8601, e.g. 2020-12-19 or 2020-12-19T12:00:00Z)`);
  return ms;
}
