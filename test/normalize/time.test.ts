import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClockCheck, formatIso, parseTime, resolveTimeZone } from '../../src/normalize/time.js';
import { normalize, type NormalizeOptions } from '../../src/normalize/index.js';

const T = Date.UTC(2020, 11, 19, 12, 0, 22, 232);

describe('parseTime', () => {
  it('reads ISO 8601 with Z, 7 fraction digits, offsets, and a space instead of T', () => {
    assert.equal(parseTime('2020-12-19T12:00:22.232Z'), T);
    assert.equal(parseTime('2020-12-19T12:00:22.2320000Z'), T);
    assert.equal(parseTime('2020-12-19T12:00:22.2325000Z'), T + 0.5);
    assert.equal(parseTime('2020-12-19 12:00:22.232'), T, 'Sysmon UtcTime: yyyy-MM-dd HH:mm:ss.SSS, no zone = UTC');
    assert.equal(parseTime('2020-12-19T07:00:22.232-05:00'), T);
    assert.equal(parseTime('2020-12-19T17:30:22.232+0530'), T);
    assert.equal(parseTime('2020-12-19T12:00:22.232 UTC'), T);
    assert.equal(parseTime('2020-12-19T12:00:22,232Z'), T);
    assert.equal(parseTime('2020-12-19 12:00'), Date.UTC(2020, 11, 19, 12, 0));
  });

  it('reads epoch seconds, milliseconds, microseconds, nanoseconds and FILETIME', () => {
    assert.equal(parseTime(1608379222), Date.UTC(2020, 11, 19, 12, 0, 22));
    assert.equal(parseTime(1608379222.232), T);
    assert.equal(parseTime(T), T);
    assert.equal(parseTime(T * 1000), T);
    assert.equal(parseTime(T * 1e6), T);
    assert.equal(parseTime(String(T)), T);
    // FILETIME: 100 ns intervals since 1601-01-01.
    const filetime = (T + 11644473600000) * 1e4;
    assert.equal(parseTime(filetime), T);
  });

  it('rejects what is not a timestamp', () => {
    for (const v of ['', 'yesterday', '2020-13-01T00:00:00Z', '2020-12-19T25:00:00Z', '12', null, undefined, {}, -5, NaN]) {
      assert.equal(parseTime(v), undefined, String(v));
    }
  });

  it('applies a zone to zone-less times, and to Z times only when they are record times that may be mislabelled', () => {
    const ny = resolveTimeZone('America/New_York');
    assert.equal(parseTime('2020-12-19 07:00:22.232', { zone: ny }), T, 'EST is UTC-5 in December');
    assert.equal(parseTime('2020-07-19 08:00:22.232', { zone: ny }), Date.UTC(2020, 6, 19, 12, 0, 22, 232), 'EDT is UTC-4');
    assert.equal(parseTime('2020-12-19T07:00:22.232Z', { zone: ny }), Date.UTC(2020, 11, 19, 7, 0, 22, 232), 'Z honoured');
    assert.equal(parseTime('2020-12-19T07:00:22.232Z', { zone: ny, relabel: true }), T, 'Z reinterpreted');
    assert.equal(parseTime('2020-12-19T07:00:22.232-05:00', { zone: resolveTimeZone('+03:00'), relabel: true }), T, 'offsets always honoured');
    assert.equal(parseTime(T, { zone: ny, relabel: true }), T, 'epoch numbers are absolute');
  });
});

describe('resolveTimeZone', () => {
  it('accepts IANA names, UTC and fixed offsets, and rejects the rest with a clear message', () => {
    assert.equal(resolveTimeZone('UTC').offsetAt(T), 0);
    assert.equal(resolveTimeZone('-05:00').offsetAt(T), -5 * 3600000);
    assert.equal(resolveTimeZone('UTC+5:30').offsetAt(T), 5.5 * 3600000);
    assert.equal(resolveTimeZone('Europe/Paris').offsetAt(T), 3600000);
    assert.throws(() => resolveTimeZone('Mars/Olympus'), /unknown time zone "Mars\/Olympus"/);
    assert.throws(() => resolveTimeZone('+25:00'), /invalid time zone offset/);
  });
});

describe('formatIso', () => {
  it('writes milliseconds, and sub-millisecond digits only when present', () => {
    assert.equal(formatIso(T), '2020-12-19T12:00:22.232Z');
    assert.equal(formatIso(T + 0.5), '2020-12-19T12:00:22.2325Z');
    assert.equal(formatIso(T + 0.25), '2020-12-19T12:00:22.23225Z');
  });
});

describe('ClockCheck', () => {
  it('reports record times that disagree with Sysmon UtcTime by the same whole number of hours', () => {
    const c = new ClockCheck('a.json');
    for (let i = 0; i < 10; i++) c.add(T - 5 * 3600000 + i * 1000 + 15, T + i * 1000);
    const r = c.result();
    assert.ok(r);
    assert.equal(r.hours, -5);
    assert.equal(r.compared, 10);
    assert.equal(r.agreeing, 10);
    assert.equal(r.suggestedTimezone, '-05:00');
    assert.match(r.message, /^a\.json: record times are 5 h behind Sysmon UtcTime in 10 of 10/);
  });

  it('suggests the --timezone=±hh:00 form (with "=", so a negative value parses), never --time-offset', () => {
    const behind = new ClockCheck();
    const ahead = new ClockCheck();
    const far = new ClockCheck();
    for (let i = 0; i < 4; i++) {
      behind.add(T - 5 * 3600000 + i, T + i);
      ahead.add(T + 3 * 3600000 + i, T + i);
      far.add(T + 30 * 3600000 + i, T + i);
    }
    assert.equal(behind.result()?.suggestedTimezone, '-05:00');
    assert.match(behind.result()!.message, /--timezone=-05:00\b/);
    assert.equal(ahead.result()?.suggestedTimezone, '+03:00');
    assert.match(ahead.result()!.message, /--timezone=\+03:00\b/);
    // 30 h: no zone explains it, so no zone is suggested.
    assert.equal(far.result()?.suggestedTimezone, undefined);
    assert.doesNotMatch(far.result()!.message, /--timezone/);
    for (const c of [behind, ahead, far]) assert.doesNotMatch(c.result()!.message, /--time-offset/);
  });

  it('the suggested --timezone silences the warning on a flat export; --time-offset cannot (it shifts UtcTime too)', () => {
    // An OTRF-style export: TimeCreated is local time (UTC-5) labelled "Z"; Sysmon UtcTime is the real UTC.
    const docs = Array.from({ length: 5 }, (_, i) => ({
      Channel: 'Microsoft-Windows-Sysmon/Operational',
      SourceName: 'Microsoft-Windows-Sysmon',
      Hostname: 'WKS6.example.local',
      EventID: 13,
      TimeCreated: `2020-12-19T07:00:2${i}.250Z`,
      EventType: 'SetValue',
      UtcTime: `2020-12-19 12:00:2${i}.232`,
      ProcessGuid: '{67e11d8c-77f6-5fd2-6714-000000000700}',
      ProcessId: '2724',
      Image: 'C:\\Windows\\System32\\svchost.exe',
      TargetObject: 'HKLM\\SOFTWARE\\x',
      Details: 'DWORD (0x00000001)',
    }));
    const check = (options: NormalizeOptions) => {
      const c = new ClockCheck('export.json');
      for (const doc of docs) {
        const r = normalize({ kind: 'document', doc, origin: { file: 'export.json' } }, options);
        assert.ok(r.ok, r.ok ? '' : r.reason);
        c.observe(r.event.doc, options.timeOffsetMs);
      }
      return c.result();
    };
    const skew = check({});
    assert.ok(skew);
    const suggested = /--timezone=(\S+?)[,)]/.exec(skew.message)?.[1];
    assert.equal(suggested, '-05:00');
    assert.equal(check({ timezone: suggested }), undefined, 'the suggested fix works');
    assert.equal(check({ timezone: 'America/New_York' }), undefined, 'and so does the IANA name');
    assert.equal(check({ timeOffsetMs: 5 * 3600000 })?.hours, -5, 'a time offset moves both clocks: the skew stays');
  });

  it('stays quiet for agreeing clocks, late Sysmon network events and a minority of cached events', () => {
    const c = new ClockCheck();
    for (let i = 0; i < 10; i++) c.add(T + i, T + i);
    c.add(T + 21000, T); // Sysmon 3 written 21 s late: not whole hours
    c.add(T + 4 * 86400000, T); // an old cached event: whole hours, but a minority
    assert.equal(c.result(), undefined);
    assert.equal(c.compared, 12);
    assert.equal(new ClockCheck().result(), undefined, 'nothing compared');
  });

  it('observes normalized documents (event.created vs winlog.event_data.UtcTime)', () => {
    const c = new ClockCheck();
    c.observe({ event: { created: '2020-12-19T07:00:22.247Z' }, winlog: { event_data: { UtcTime: '2020-12-19 12:00:22.232' } } });
    c.observe({ event: { created: '2020-12-19T07:00:22.247Z' } }); // not Sysmon: ignored
    assert.equal(c.compared, 1);
    assert.equal(c.result()?.hours, -5);
  });
});

describe('formatIso against Date#toISOString', () => {
  it('agrees on whole milliseconds across minutes, days, leap years and the 1970 edge', () => {
    let x = 0x2545f491;
    const next = () => ((x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const samples = [0, 59999, 60000, 951782400000 - 1, 951782400000, 253402300799999, -1, -86400001];
    for (let i = 0; i < 2000; i++) samples.push(Math.floor(next() * 4102444800000));
    for (const ms of samples) assert.equal(formatIso(ms), new Date(ms).toISOString(), String(ms));
  });
});
