import assert from 'node:assert/strict';
import {
  addDays,
  formatInstant,
  isTimeZone,
  localOf,
  offsetAt,
  parseBueroDateTime,
  startOfDay,
  zonedToInstant,
  type LocalDateTime,
} from '../../lib/time';

function local(text: string): LocalDateTime {
  const parsed = parseBueroDateTime(text);
  assert.ok(parsed && !('instant' in parsed), `${text} parses as a local time`);
  return parsed.local;
}

describe('mapping/time: büro+ local times become exact instants in the Mandant zone', function () {
  // [zone, local wall time, expected instant (UTC), expected ISO with offset]
  const cases: Array<[string, string, string, string, string]> = [
    ['winter time', 'Europe/Berlin', '2026-01-15T09:00:00', '2026-01-15T08:00:00.000Z', '2026-01-15T09:00:00+01:00'],
    ['summer time', 'Europe/Berlin', '2026-07-01T09:00:00', '2026-07-01T07:00:00.000Z', '2026-07-01T09:00:00+02:00'],
    ['just before the spring gap', 'Europe/Berlin', '2026-03-29T01:59:59', '2026-03-29T00:59:59.000Z', '2026-03-29T01:59:59+01:00'],
    ['spring gap 02:30 moves forward by the gap', 'Europe/Berlin', '2026-03-29T02:30:00', '2026-03-29T01:30:00.000Z', '2026-03-29T03:30:00+02:00'],
    ['spring gap start 02:00 → 03:00', 'Europe/Berlin', '2026-03-29T02:00:00', '2026-03-29T01:00:00.000Z', '2026-03-29T03:00:00+02:00'],
    ['spring gap end 02:59:59 → 03:59:59', 'Europe/Berlin', '2026-03-29T02:59:59', '2026-03-29T01:59:59.000Z', '2026-03-29T03:59:59+02:00'],
    ['after the spring gap', 'Europe/Berlin', '2026-03-29T03:00:00', '2026-03-29T01:00:00.000Z', '2026-03-29T03:00:00+02:00'],
    ['fall overlap 02:30 takes the first (summer time)', 'Europe/Berlin', '2026-10-25T02:30:00', '2026-10-25T00:30:00.000Z', '2026-10-25T02:30:00+02:00'],
    ['fall overlap 02:00 takes the first', 'Europe/Berlin', '2026-10-25T02:00:00', '2026-10-25T00:00:00.000Z', '2026-10-25T02:00:00+02:00'],
    ['after the fall overlap', 'Europe/Berlin', '2026-10-25T03:00:00', '2026-10-25T02:00:00.000Z', '2026-10-25T03:00:00+01:00'],
    ['New York spring gap', 'America/New_York', '2026-03-08T02:30:00', '2026-03-08T07:30:00.000Z', '2026-03-08T03:30:00-04:00'],
    ['New York fall overlap takes the first', 'America/New_York', '2026-11-01T01:30:00', '2026-11-01T05:30:00.000Z', '2026-11-01T01:30:00-04:00'],
    ['half-hour gap (Lord Howe)', 'Australia/Lord_Howe', '2026-10-04T02:15:00', '2026-10-03T15:45:00.000Z', '2026-10-04T02:45:00+11:00'],
    ['UTC', 'UTC', '2026-03-29T02:30:00', '2026-03-29T02:30:00.000Z', '2026-03-29T02:30:00+00:00'],
    ['Kolkata (+05:30, no DST)', 'Asia/Kolkata', '2026-03-29T02:30:00', '2026-03-28T21:00:00.000Z', '2026-03-29T02:30:00+05:30'],
  ];
  for (const [name, zone, wall, utc, iso] of cases) {
    it(`${name}: ${wall} ${zone} → ${iso}`, function () {
      const instant = zonedToInstant(local(wall), zone);
      assert.equal(instant.toISOString(), utc);
      assert.equal(formatInstant(instant, zone), iso);
    });
  }

  describe('midnight of a day in the zone (all-day boundaries)', function () {
    const days: Array<[string, string, string]> = [
      ['2026-03-29', 'Europe/Berlin', '2026-03-29T00:00:00+01:00'],
      ['2026-03-30', 'Europe/Berlin', '2026-03-30T00:00:00+02:00'],
      ['2026-10-25', 'Europe/Berlin', '2026-10-25T00:00:00+02:00'],
      ['2026-10-26', 'Europe/Berlin', '2026-10-26T00:00:00+01:00'],
      ['2026-12-31', 'America/New_York', '2026-12-31T00:00:00-05:00'],
    ];
    for (const [date, zone, iso] of days) {
      it(`${date} ${zone} starts at ${iso}`, function () {
        assert.equal(formatInstant(startOfDay(date, zone), zone), iso);
      });
    }
    it('a day across the spring change lasts 23 hours, across the fall change 25', function () {
      const len = (d: string) => (startOfDay(addDays(d, 1), 'Europe/Berlin').getTime() - startOfDay(d, 'Europe/Berlin').getTime()) / 3600000;
      assert.equal(len('2026-03-29'), 23);
      assert.equal(len('2026-10-25'), 25);
      assert.equal(len('2026-05-04'), 24);
    });
  });

  describe('reading büro+ date-time texts', function () {
    const valid: Array<[unknown, string]> = [
      ['2026-05-04T10:00:00', '2026-05-04T10:00:00+02:00'],
      ['2026-05-04 10:00:00', '2026-05-04T10:00:00+02:00'],
      ['2026-05-04T10:00', '2026-05-04T10:00:00+02:00'],
      ['2026-05-04T10:00:00.000', '2026-05-04T10:00:00+02:00'],
      ['2026-05-04', '2026-05-04T00:00:00+02:00'],
      ['2026-02-28T23:59:59', '2026-02-28T23:59:59+01:00'],
      ['2028-02-29T12:00:00', '2028-02-29T12:00:00+01:00'],
      // With an offset the value is an exact instant already, whatever the zone.
      ['2026-05-04T10:00:00Z', '2026-05-04T12:00:00+02:00'],
      ['2026-05-04T10:00:00+01:00', '2026-05-04T11:00:00+02:00'],
      ['  2026-05-04T10:00:00  ', '2026-05-04T10:00:00+02:00'],
    ];
    for (const [text, iso] of valid) {
      it(`${JSON.stringify(text)} → ${iso}`, function () {
        const parsed = parseBueroDateTime(text);
        assert.ok(parsed);
        const instant = 'instant' in parsed ? parsed.instant : zonedToInstant(parsed.local, 'Europe/Berlin');
        assert.equal(formatInstant(instant, 'Europe/Berlin'), iso);
      });
    }
    const invalid: unknown[] = [
      '2026-02-30T10:00:00', '2026-02-29T10:00:00', '2026-13-01T10:00:00', '2026-05-04T24:00:00', '2026-05-04T10:60:00',
      '04.05.2026 10:00', 'gestern', '', '2026-5-4', 20260504, null, undefined, {}, '2026-05-04T10:00:00+25:00',
    ];
    for (const text of invalid) {
      it(`${JSON.stringify(text) ?? 'undefined'} is no date-time`, function () {
        assert.equal(parseBueroDateTime(text), undefined);
      });
    }
  });

  it('wall times and offsets stay exact on every minute around clock changes, also once days are remembered', function () {
    // localOf and offsetAt remember a day's offset when it does not change within the day; a day
    // with a change is computed exactly each time. Compare against Intl for every 15 minutes.
    const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Adelaide', 'Asia/Kolkata', 'Pacific/Chatham'];
    const days = ['2026-03-28', '2026-03-29', '2026-03-30', '2026-10-24', '2026-10-25', '2026-10-26', '2026-11-01', '2026-03-08', '2026-04-05', '2026-10-04'];
    for (let pass = 0; pass < 2; pass++) {
      for (const zone of zones) {
        const intl = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
        for (const day of days) {
          for (let m = -12 * 60; m < 36 * 60; m += 15) {
            const at = new Date(Date.parse(`${day}T00:00:00Z`) + m * 60_000);
            const p: Record<string, string> = {};
            for (const part of intl.formatToParts(at)) p[part.type] = part.value;
            const l = localOf(at, zone);
            const wall = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second);
            const expected = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
            assert.equal(wall, expected, `${zone} ${at.toISOString()} pass ${pass}: wall time`);
            assert.equal(offsetAt(at, zone), expected - at.getTime(), `${zone} ${at.toISOString()} pass ${pass}: offset`);
          }
        }
      }
    }
  });

  it('knows IANA zones and rejects others', function () {
    assert.equal(isTimeZone('Europe/Berlin'), true);
    assert.equal(isTimeZone('America/New_York'), true);
    assert.equal(isTimeZone('Europe/Bärlin'), false);
    assert.equal(isTimeZone('MEZ'), false);
    assert.equal(isTimeZone(''), false);
  });

  it('does not depend on the process time zone', function () {
    // The suite runs under TZ=UTC and TZ=America/New_York; the results above must be equal.
    assert.ok(process.env.TZ === undefined || typeof process.env.TZ === 'string');
    const instant = zonedToInstant(local('2026-03-29T02:30:00'), 'Europe/Berlin');
    assert.equal(instant.getTime(), Date.UTC(2026, 2, 29, 1, 30));
  });
});
