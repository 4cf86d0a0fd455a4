import assert from 'node:assert/strict';
import { MappingCode } from '../../lib/error-codes';
import type { Recurrence } from '../../lib/exchange/model';
import { SyncError } from '../../lib/errors';
import { MapContext } from '../../lib/mapping/record';
import { lastOccurrence, occursOn, toRecurrence, type SeriesStart } from '../../lib/mapping/recurrence';

const ZONE = 'Europe/Berlin';
const FIELDS = { rule: 'fldSerie', exceptions: 'fldSerieAusn' };

function start(date: string, hour = 10, isAllDay = false): SeriesStart {
  return { date, time: { hour, minute: 0, second: 0 }, isAllDay };
}

function read(rule: string, s: SeriesStart, exceptions?: string) {
  const ctx = new MapContext('tblCalendar 4711');
  const recurrence = toRecurrence(rule, exceptions, s, ZONE, ctx, FIELDS);
  return { recurrence, warnings: ctx.warnings };
}

describe('mapping/recurrence: RFC 5545 rules become Exchange series', function () {
  // [rule, first occurrence, expected recurrence (without startDate)]
  const forms: Array<[string, SeriesStart, Omit<Recurrence, 'startDate'>]> = [
    ['FREQ=DAILY', start('2026-05-04'), { pattern: 'daily', interval: 1 }],
    ['FREQ=DAILY;INTERVAL=3;COUNT=10', start('2026-05-04'), { pattern: 'daily', interval: 3, count: 10 }],
    ['FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR', start('2026-05-04'),
      { pattern: 'weekly', interval: 1, days: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'], firstDayOfWeek: 'monday' }],
    ['FREQ=WEEKLY', start('2026-05-04'), { pattern: 'weekly', interval: 1, days: ['monday'], firstDayOfWeek: 'monday' }],
    ['FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE,FR;UNTIL=20261231', start('2026-05-04'),
      { pattern: 'weekly', interval: 2, days: ['monday', 'wednesday', 'friday'], firstDayOfWeek: 'monday', until: '2026-12-31' }],
    ['FREQ=WEEKLY;BYDAY=WE,MO;WKST=SU', start('2026-05-04'),
      { pattern: 'weekly', interval: 1, days: ['monday', 'wednesday'], firstDayOfWeek: 'sunday' }],
    ['RRULE:FREQ=WEEKLY;COUNT=5', start('2026-05-04'), { pattern: 'weekly', interval: 1, days: ['monday'], firstDayOfWeek: 'monday', count: 5 }],
    ['FREQ=MONTHLY', start('2026-05-04'), { pattern: 'absoluteMonthly', interval: 1, dayOfMonth: 4 }],
    ['FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=15', start('2026-05-15'), { pattern: 'absoluteMonthly', interval: 2, dayOfMonth: 15 }],
    ['FREQ=MONTHLY;BYDAY=1MO', start('2026-05-04'), { pattern: 'relativeMonthly', interval: 1, days: ['monday'], index: 'first' }],
    ['FREQ=MONTHLY;BYDAY=+2TU;COUNT=6', start('2026-05-12'), { pattern: 'relativeMonthly', interval: 1, days: ['tuesday'], index: 'second', count: 6 }],
    ['FREQ=MONTHLY;BYDAY=-1FR', start('2026-05-29'), { pattern: 'relativeMonthly', interval: 1, days: ['friday'], index: 'last' }],
    ['FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1', start('2026-05-29'),
      { pattern: 'relativeMonthly', interval: 1, days: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'], index: 'last' }],
    ['FREQ=YEARLY', start('2026-05-04'), { pattern: 'absoluteYearly', interval: 1, month: 5, dayOfMonth: 4 }],
    ['FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24', start('2026-12-24', 0, true), { pattern: 'absoluteYearly', interval: 1, month: 12, dayOfMonth: 24 }],
    ['FREQ=YEARLY;BYMONTH=11;BYDAY=4TH', start('2026-11-26'), { pattern: 'relativeYearly', interval: 1, month: 11, days: ['thursday'], index: 'fourth' }],
    ['FREQ=YEARLY;INTERVAL=4;UNTIL=20401231T235959Z', start('2028-02-28'),
      { pattern: 'absoluteYearly', interval: 4, month: 2, dayOfMonth: 28, until: '2040-12-31' }],
    ['freq=weekly;byday=mo', start('2026-05-04'), { pattern: 'weekly', interval: 1, days: ['monday'], firstDayOfWeek: 'monday' }],
  ];
  for (const [rule, s, expected] of forms) {
    it(`${rule} from ${s.date}`, function () {
      const { recurrence, warnings } = read(rule, s);
      assert.deepEqual(recurrence, { ...expected, startDate: s.date });
      assert.deepEqual(warnings, []);
    });
  }

  describe('UNTIL is the date of the last possible occurrence in the zone', function () {
    const cases: Array<[string, SeriesStart, string]> = [
      ['20260510', start('2026-05-04'), '2026-05-10'],
      // 07:59:59Z is 09:59:59 in Berlin: before the 10:00 occurrence of that day.
      ['20260510T075959Z', start('2026-05-04'), '2026-05-09'],
      ['20260510T080000Z', start('2026-05-04'), '2026-05-10'],
      // 22:30Z on the 10th is 00:30 on the 11th in Berlin: before that day's 10:00 occurrence.
      ['20260510T223000Z', start('2026-05-04'), '2026-05-10'],
      ['20260511T083000Z', start('2026-05-04'), '2026-05-11'],
      ['20260510T100000', start('2026-05-04'), '2026-05-10'],
      ['20260510T095959', start('2026-05-04'), '2026-05-09'],
      ['20260510T000000Z', start('2026-05-04', 0, true), '2026-05-10'],
    ];
    for (const [until, s, date] of cases) {
      it(`UNTIL=${until} (series at ${s.isAllDay ? 'all day' : `${s.time.hour}:00`}) → ${date}`, function () {
        assert.equal(read(`FREQ=DAILY;UNTIL=${until}`, s).recurrence.until, date);
      });
    }
  });

  describe('exception dates become deleted occurrences', function () {
    const cases: Array<[string, string, string | undefined, string[] | undefined]> = [
      ['dates with ;', 'FREQ=DAILY', '2026-05-08;2026-05-06', ['2026-05-06', '2026-05-08']],
      ['compact and with time', 'FREQ=DAILY', '20260506,2026-05-07T10:00:00', ['2026-05-06', '2026-05-07']],
      ['UTC time read in the zone', 'FREQ=DAILY', '20260506T230000Z', ['2026-05-07']],
      ['EXDATE lines inside fldSerie', 'RRULE:FREQ=DAILY\nEXDATE;TZID=Europe/Berlin:20260506T100000,20260507T100000', undefined, ['2026-05-06', '2026-05-07']],
      ['duplicates once', 'FREQ=DAILY', '2026-05-06;2026-05-06', ['2026-05-06']],
      ['none', 'FREQ=DAILY', '', undefined],
    ];
    for (const [name, rule, exceptions, deleted] of cases) {
      it(name, function () {
        const { recurrence, warnings } = read(rule, start('2026-05-04'), exceptions);
        assert.deepEqual(recurrence.deletedOccurrences, deleted);
        assert.deepEqual(warnings, []);
      });
    }
  });

  describe('doubtful series are mapped with a warning naming the record and field', function () {
    const cases: Array<[string, string, SeriesStart, string | undefined, string, string]> = [
      ['start not on a day of the rule', 'FREQ=WEEKLY;BYDAY=TU', start('2026-05-04'), undefined, MappingCode.seriesStartMismatch, 'fldSerie'],
      ['day 31 (Outlook uses the last day in short months)', 'FREQ=MONTHLY', start('2026-05-31'), undefined, MappingCode.seriesShortMonths, 'fldSerie'],
      ['exception on no date of the series', 'FREQ=WEEKLY', start('2026-05-04'), '2026-05-05', MappingCode.seriesExceptionIgnored, 'fldSerieAusn'],
      ['exception after the last occurrence', 'FREQ=DAILY;COUNT=3', start('2026-05-04'), '2026-05-07', MappingCode.seriesExceptionIgnored, 'fldSerieAusn'],
      ['exception in an off week of a two-weekly series', 'FREQ=WEEKLY;INTERVAL=2', start('2026-05-04'), '2026-05-11', MappingCode.seriesExceptionIgnored, 'fldSerieAusn'],
    ];
    for (const [name, rule, s, exceptions, code, field] of cases) {
      it(name, function () {
        const { warnings } = read(rule, s, exceptions);
        assert.equal(warnings.length, 1, warnings.map((w) => w.message).join('; '));
        assert.equal(warnings[0].code, code);
        assert.equal(warnings[0].field, field);
        assert.equal(warnings[0].record, 'tblCalendar 4711');
        assert.match(warnings[0].message, /^tblCalendar 4711, fldSerie/);
      });
    }
  });

  describe('a rule Exchange cannot hold is an error naming the record and the rule', function () {
    const cases: Array<[string, string, string?]> = [
      ['FREQ=HOURLY', MappingCode.seriesUnsupported],
      ['FREQ=MINUTELY;INTERVAL=15', MappingCode.seriesUnsupported],
      ['FREQ=DAILY;BYHOUR=9,17', MappingCode.seriesUnsupported],
      ['FREQ=YEARLY;BYWEEKNO=20', MappingCode.seriesUnsupported],
      ['FREQ=YEARLY;BYYEARDAY=100', MappingCode.seriesUnsupported],
      ['FREQ=MONTHLY;BYDAY=1MO,3MO', MappingCode.seriesUnsupported],
      ['FREQ=MONTHLY;BYDAY=5MO', MappingCode.seriesUnsupported],
      ['FREQ=MONTHLY;BYDAY=-2FR', MappingCode.seriesUnsupported],
      ['FREQ=MONTHLY;BYDAY=MO', MappingCode.seriesUnsupported],
      ['FREQ=MONTHLY;BYMONTHDAY=-1', MappingCode.seriesUnsupported],
      ['FREQ=MONTHLY;BYMONTHDAY=1,15', MappingCode.seriesUnsupported],
      ['FREQ=MONTHLY;BYMONTH=1,7', MappingCode.seriesUnsupported],
      ['FREQ=YEARLY;BYMONTH=1,7', MappingCode.seriesUnsupported],
      ['FREQ=YEARLY;BYDAY=1MO', MappingCode.seriesUnsupported],
      ['FREQ=DAILY;INTERVAL=2;BYDAY=MO,FR', MappingCode.seriesUnsupported],
      ['FREQ=WEEKLY;BYMONTH=3', MappingCode.seriesUnsupported],
      ['RRULE:FREQ=DAILY\nRDATE:20260601', MappingCode.seriesUnsupported],
      ['RRULE:FREQ=DAILY\nRRULE:FREQ=WEEKLY', MappingCode.seriesUnsupported],
      ['FREQ=DAILY;COUNT=3;UNTIL=20260601', MappingCode.seriesInvalid],
      ['FREQ=DAILY;INTERVAL=0', MappingCode.seriesInvalid],
      ['FREQ=DAILY;COUNT=-1', MappingCode.seriesInvalid],
      ['FREQ=DAILY;UNTIL=20260401', MappingCode.seriesInvalid],
      ['FREQ=DAILY;UNTIL=morgen', MappingCode.seriesInvalid],
      ['INTERVAL=2', MappingCode.seriesInvalid],
      ['FREQ=WEEKLY;BYDAY=XX', MappingCode.seriesInvalid],
      ['FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30', MappingCode.seriesInvalid],
      ['FREQ=DAILY;FOO=1', MappingCode.seriesInvalid],
      ['jeden Montag', MappingCode.seriesInvalid],
      ['FREQ=DAILY', MappingCode.seriesInvalid, '2026-13-01'],
    ];
    for (const [rule, code, exceptions] of cases) {
      it(`${JSON.stringify(rule)}${exceptions ? ` with exception ${exceptions}` : ''} → ${code}`, function () {
        assert.throws(
          () => read(rule, start('2026-05-04'), exceptions),
          (err: unknown) => {
            assert.ok(err instanceof SyncError);
            assert.equal(err.code, code);
            assert.equal(err.record, 'tblCalendar 4711');
            assert.equal(err.field, exceptions ? 'fldSerieAusn' : 'fldSerie');
            assert.match(err.message, /^tblCalendar 4711, fldSerie/);
            if (!exceptions) assert.ok(err.message.includes(JSON.stringify(rule).slice(1, 20)), err.message);
            return true;
          },
        );
      });
    }
  });

  it('knows the dates of a series (the basis of the exception checks)', function () {
    const twoWeekly: Recurrence = { pattern: 'weekly', interval: 2, days: ['monday', 'thursday'], firstDayOfWeek: 'monday', startDate: '2026-05-04' };
    assert.deepEqual(
      ['2026-05-04', '2026-05-07', '2026-05-11', '2026-05-14', '2026-05-18', '2026-05-21'].map((d) => occursOn(twoWeekly, d)),
      [true, true, false, false, true, true],
    );
    const lastFriday: Recurrence = { pattern: 'relativeMonthly', interval: 1, days: ['friday'], index: 'last', startDate: '2026-05-29', count: 3 };
    assert.equal(lastOccurrence(lastFriday), '2026-07-31');
    assert.equal(lastOccurrence({ pattern: 'daily', interval: 1, startDate: '2026-05-04' }), undefined);
  });
});
