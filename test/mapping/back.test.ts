import assert from 'node:assert/strict';
import { resolveFieldMap } from '../../lib/buero/fields';
import { MappingCode } from '../../lib/error-codes';
import type { SyncError } from '../../lib/errors';
import type { Appointment, Task } from '../../lib/exchange/model';
import { mapChange, resolveSettings } from '../../lib/mapping';
import { appointmentToBuero, mergeSeriesExceptions, taskToBuero, type BackSettings } from '../../lib/mapping/back';
import { addDays } from '../../lib/time';
import { Random } from '../../sandbox/data/random';
import { calendarChange } from './fixtures';

const ref = { mailbox: 'anna.meier@firma.de', itemId: 'AAMkItem1' };
const berlin: BackSettings = { fields: resolveFieldMap(undefined), timeZone: 'Europe/Berlin' };

function appointment(over: Partial<Appointment> = {}): Appointment {
  return {
    subject: 'Kundentermin',
    body: { format: 'html', content: '<p>Notizen aus Outlook</p>' },
    start: '2026-05-04T10:00:00+02:00',
    end: '2026-05-04T11:00:00+02:00',
    timeZone: 'Europe/Berlin',
    isAllDay: false,
    location: 'Raum 2',
    reminderMinutes: 15,
    categories: ['büro+'],
    ...over,
  };
}

function thrown(fn: () => unknown): SyncError {
  try {
    fn();
  } catch (err) {
    return err as SyncError;
  }
  throw new Error('expected an error');
}

describe('mapping/back: Outlook items become büro+ values (the way back)', function () {
  it('an appointment: subject, begin and end in the Mandant zone, all-day, location, reminder; never the info or memo text, attendees or categories', function () {
    const { values, warnings } = appointmentToBuero(appointment(), berlin, ref);
    assert.deepEqual(values, {
      fldKurzInfo: 'Kundentermin',
      fldBeginn: '2026-05-04T10:00:00',
      fldEnde: '2026-05-04T11:00:00',
      fldGanzTg: false,
      fldOrt: 'Raum 2',
      fldErinnMin: 15,
    });
    assert.deepEqual(warnings, []);
  });

  describe('times, exactly on the DST days', function () {
    // [name, start, end, isAllDay, item zone, fldBeginn, fldEnde]
    const cases: Array<[string, string, string, boolean, string, string, string]> = [
      ['winter, given in UTC', '2026-01-15T08:00:00Z', '2026-01-15T08:30:00Z', false, 'UTC', '2026-01-15T09:00:00', '2026-01-15T09:30:00'],
      ['spring: 01:30 before the gap, 03:30 after it', '2026-03-29T01:30:00+01:00', '2026-03-29T03:30:00+02:00', false, 'Europe/Berlin', '2026-03-29T01:30:00', '2026-03-29T03:30:00'],
      ['spring: 03:00 summer time is the instant the clocks jump to', '2026-03-29T01:00:00Z', '2026-03-29T02:00:00Z', false, 'Europe/Berlin', '2026-03-29T03:00:00', '2026-03-29T04:00:00'],
      ['fall: 02:30 summer time (the first pass)', '2026-10-25T02:30:00+02:00', '2026-10-25T03:30:00+01:00', false, 'Europe/Berlin', '2026-10-25T02:30:00', '2026-10-25T03:30:00'],
      ['midnight to midnight, not all-day', '2026-05-04T00:00:00+02:00', '2026-05-05T00:00:00+02:00', false, 'Europe/Berlin', '2026-05-04T00:00:00', '2026-05-05T00:00:00'],
      ['zero length', '2026-05-04T10:00:00+02:00', '2026-05-04T10:00:00+02:00', false, 'Europe/Berlin', '2026-05-04T10:00:00', '2026-05-04T10:00:00'],
      ['all-day, one day', '2026-05-04T00:00:00+02:00', '2026-05-05T00:00:00+02:00', true, 'Europe/Berlin', '2026-05-04T00:00:00', '2026-05-04T00:00:00'],
      ['all-day on the spring change (23 h)', '2026-03-29T00:00:00+01:00', '2026-03-30T00:00:00+02:00', true, 'Europe/Berlin', '2026-03-29T00:00:00', '2026-03-29T00:00:00'],
      ['all-day on the fall change (25 h)', '2026-10-25T00:00:00+02:00', '2026-10-26T00:00:00+01:00', true, 'Europe/Berlin', '2026-10-25T00:00:00', '2026-10-25T00:00:00'],
      ['all-day, four days across the spring change', '2026-03-27T00:00:00+01:00', '2026-03-31T00:00:00+02:00', true, 'Europe/Berlin', '2026-03-27T00:00:00', '2026-03-30T00:00:00'],
      ['all-day at the year end', '2026-12-31T00:00:00+01:00', '2027-01-01T00:00:00+01:00', true, 'Europe/Berlin', '2026-12-31T00:00:00', '2026-12-31T00:00:00'],
      ['all-day made in New York: its days, not Berlin’s', '2026-05-04T00:00:00-04:00', '2026-05-06T00:00:00-04:00', true, 'America/New_York', '2026-05-04T00:00:00', '2026-05-05T00:00:00'],
      ['all-day with a zone Outlook names in Windows words: the Mandant zone', '2026-05-04T00:00:00+02:00', '2026-05-05T00:00:00+02:00', true, 'W. Europe Standard Time', '2026-05-04T00:00:00', '2026-05-04T00:00:00'],
      ['all-day whose end is no midnight: the day it ends on', '2026-05-04T00:00:00+02:00', '2026-05-04T23:59:00+02:00', true, 'Europe/Berlin', '2026-05-04T00:00:00', '2026-05-04T00:00:00'],
    ];
    for (const [name, start, end, isAllDay, timeZone, begin, last] of cases) {
      it(`${name}: ${begin} – ${last}`, function () {
        const { values, warnings } = appointmentToBuero(appointment({ start, end, isAllDay, timeZone }), berlin, ref, { only: ['start'] });
        assert.deepEqual(values, { fldBeginn: begin, fldEnde: last, fldGanzTg: isAllDay });
        assert.deepEqual(warnings, []);
      });
    }

    it('fall: a time in the second pass of the repeated hour is written as its wall time with MAPPING_TIME_REPEATED', function () {
      const { values, warnings } = appointmentToBuero(appointment({ start: '2026-10-25T02:30:00+01:00', end: '2026-10-25T03:00:00+01:00' }), berlin, ref);
      assert.deepEqual([values.fldBeginn, values.fldEnde], ['2026-10-25T02:30:00', '2026-10-25T03:00:00']);
      assert.equal(warnings.length, 1);
      assert.equal(warnings[0].code, MappingCode.timeRepeated);
      assert.equal(warnings[0].field, 'fldBeginn');
      assert.match(warnings[0].message, /^anna\.meier@firma\.de, Outlook item AAMkItem1, fldBeginn: 2026-10-25T02:30:00\+01:00 is 02:30 in the second pass .* reads as the first pass/);
    });

    it('fall: 02:30 summer time to 02:15 winter time runs backwards in local times: an error naming fldEnde, never a refused write', function () {
      const e = thrown(() => appointmentToBuero(appointment({ start: '2026-10-25T00:30:00Z', end: '2026-10-25T01:15:00Z' }), berlin, { ...ref, record: 'tblCalendar 4711' }));
      assert.equal(e.code, MappingCode.endBeforeStart);
      assert.equal(e.field, 'fldEnde');
      assert.equal(e.record, 'tblCalendar 4711');
      assert.match(e.message, /^anna\.meier@firma\.de, Outlook item AAMkItem1 \(tblCalendar 4711\), fldEnde: .* before the start 2026-10-25T02:30:00 \(the clocks went back/);
    });
  });

  it('an end before the start, an invalid time or reminder: errors naming mailbox, item and büro+ field', function () {
    const cases: Array<[Partial<Appointment>, string, string]> = [
      [{ end: '2026-05-04T09:00:00+02:00' }, MappingCode.endBeforeStart, 'fldEnde'],
      [{ start: 'morgen' }, MappingCode.fieldInvalid, 'fldBeginn'],
      [{ reminderMinutes: -5 }, MappingCode.fieldInvalid, 'fldErinnMin'],
      [{ recurrence: { pattern: 'daily', interval: 1, startDate: '2026-05-04', deletedOccurrences: ['05/06/2026'] } }, MappingCode.fieldInvalid, 'fldSerieAusn'],
    ];
    for (const [over, code, field] of cases) {
      const e = thrown(() => appointmentToBuero(appointment(over), berlin, ref));
      assert.deepEqual([e.code, e.field, e.record], [code, field, 'Outlook item AAMkItem1'], JSON.stringify(over));
      assert.ok(e.message.startsWith(`anna.meier@firma.de, Outlook item AAMkItem1, ${field}: `), e.message);
    }
  });

  it('empty texts empty the field; buero-map’s placeholder subject is an empty subject; no reminder is null', function () {
    const { values } = appointmentToBuero(appointment({ subject: '(ohne Betreff)', location: ' ', reminderMinutes: null }), { ...berlin, placeholderSubject: '(ohne Betreff)' }, ref);
    assert.deepEqual([values.fldKurzInfo, values.fldOrt, values.fldErinnMin], [null, null, null]);
    assert.equal(appointmentToBuero(appointment({ subject: '', location: undefined }), berlin, ref).values.fldKurzInfo, null);
    assert.equal(appointmentToBuero(appointment({ reminderMinutes: 0 }), berlin, ref).values.fldErinnMin, 0);
  });

  it('only the fields asked for; the times always together (begin, end, all-day)', function () {
    assert.deepEqual(appointmentToBuero(appointment(), berlin, ref, { only: ['location'] }).values, { fldOrt: 'Raum 2' });
    assert.deepEqual(Object.keys(appointmentToBuero(appointment(), berlin, ref, { only: ['end', 'reminderMinutes'] }).values), ['fldBeginn', 'fldEnde', 'fldGanzTg', 'fldErinnMin']);
    assert.deepEqual(appointmentToBuero(appointment(), berlin, ref, { only: [] }).values, {});
  });

  it('the connection’s field names are used', function () {
    const fields = resolveFieldMap({ calendar: { subject: 'fldBetreff', location: 'fldRaum' } });
    assert.deepEqual(Object.keys(appointmentToBuero(appointment(), { ...berlin, fields }, ref).values), ['fldBetreff', 'fldBeginn', 'fldEnde', 'fldGanzTg', 'fldRaum', 'fldErinnMin']);
  });

  it('a series: occurrences deleted in Outlook are added to büro+’s exception dates, sorted, each once', function () {
    const item = appointment({ recurrence: { pattern: 'weekly', interval: 1, days: ['friday'], startDate: '2026-04-03', deletedOccurrences: ['2026-04-10', '2026-04-03'] } });
    const values = (current: unknown) => appointmentToBuero(item, berlin, ref, { only: ['deletedOccurrences'], current: { fldSerieAusn: current } }).values;
    assert.deepEqual(values('2026-04-03;2026-04-17'), { fldSerieAusn: '2026-04-03;2026-04-10;2026-04-17' });
    assert.deepEqual(values(null), { fldSerieAusn: '2026-04-03;2026-04-10' });
    assert.deepEqual(appointmentToBuero(appointment(), berlin, ref, { only: ['deletedOccurrences'] }).values, {}, 'no deleted occurrence: nothing written');
    assert.equal(mergeSeriesExceptions('20260417, 2026-04-03T09:00:00;unklar', ['2026-04-10']), 'unklar;2026-04-03;2026-04-10;2026-04-17');
    assert.equal(mergeSeriesExceptions('', []), null);
  });

  it('a task: subject, start and due dates, done; büro+’s time of day is kept when a date moves', function () {
    const task: Task = { subject: 'Angebot nachfassen', body: { format: 'text', content: 'x' }, startDate: '2026-03-29', dueDate: '2026-10-25', timeZone: 'Europe/Berlin', complete: true, importance: 'high', reminder: null };
    assert.deepEqual(taskToBuero(task, berlin, ref).values, { fldKurzInfo: 'Angebot nachfassen', fldBeginn: '2026-03-29T00:00:00', fldEnde: '2026-10-25T00:00:00', fldErledigt: true });
    const current = { fldBeginn: '2026-03-20T08:30:00', fldEnde: '2026-10-20T17:00:00' };
    assert.deepEqual(taskToBuero(task, berlin, ref, { only: ['dueDate'], current }).values, { fldBeginn: '2026-03-29T08:30:00', fldEnde: '2026-10-25T17:00:00' });
    assert.deepEqual(taskToBuero({ ...task, startDate: undefined, dueDate: undefined, complete: false }, berlin, ref, { only: ['startDate', 'complete'] }).values, { fldBeginn: null, fldEnde: null, fldErledigt: false });
    const e = thrown(() => taskToBuero({ ...task, dueDate: '2026-03-28' }, berlin, ref));
    assert.deepEqual([e.code, e.field], [MappingCode.endBeforeStart, 'fldEnde']);
  });

  describe('the exact inverse of lane 1 (lib/mapping): büro+ row → neutral item → büro+ values, the same', function () {
    const settings = resolveSettings({ reminderDefault: null });
    const rnd = new Random(15);
    const pad = (n: number) => String(n).padStart(2, '0');
    const WORDS = ['Termin', 'Müller', '&', 'Söhne', 'Übergabe', 'Café', '☕', '<Angebot>', 'Größe', 'Q3', 'Straße', '"Team"'];
    const text = (n: number) => Array.from({ length: n }, () => rnd.pick(WORDS)).join(' ');
    // 2026 with extra weight on both DST days; never a time in the spring gap (it does not exist, so lane 1 moves it).
    const day = () => (rnd.chance(0.3) ? rnd.pick(['2026-03-29', '2026-10-25', '2026-03-28', '2026-10-24']) : addDays('2026-01-01', rnd.int(0, 364)));
    const time = (date: string) => {
      for (;;) {
        const [h, m] = [rnd.chance(0.15) ? 0 : rnd.chance(0.2) ? 2 : rnd.int(0, 23), rnd.pick([0, 15, 30, 45, rnd.int(0, 59)])];
        if (!(date === '2026-03-29' && h === 2)) return `${date}T${pad(h)}:${pad(m)}:00`;
      }
    };

    function bueroRow(): Record<string, unknown> {
      const allDay = rnd.chance(0.3);
      const first = day();
      let begin: string;
      let end: string;
      if (allDay) {
        begin = `${first}T00:00:00`;
        end = `${addDays(first, rnd.int(0, 4))}T00:00:00`;
      } else {
        begin = time(first);
        const later = time(addDays(first, rnd.chance(0.8) ? 0 : rnd.int(1, 2)));
        [begin, end] = later < begin ? [later, begin] : [begin, later];
      }
      const row: Record<string, unknown> = {
        fldKurzInfo: text(rnd.int(1, 6)),
        fldBeginn: begin,
        fldEnde: end,
        fldGanzTg: allDay,
        fldOrt: rnd.chance(0.4) ? null : text(rnd.int(1, 3)),
        fldErinnMin: rnd.chance(0.3) ? null : rnd.pick([0, 5, 15, 60, 1440, rnd.int(1, 10080)]),
        fldInfo: rnd.chance(0.5) ? 'Info bleibt in büro+' : null,
      };
      if (rnd.chance(0.25)) {
        row.fldSerie = 'FREQ=DAILY';
        const start = begin.slice(0, 10);
        row.fldSerieAusn = [...new Set([rnd.int(1, 9), rnd.int(1, 9)])].sort((a, b) => a - b).map((n) => addDays(start, n)).join(';');
      }
      return row;
    }

    it('appointments: 400 random rows, DST days, all-day, midnight, reminders, series exceptions', async function () {
      for (let i = 0; i < 400; i++) {
        const row = bueroRow();
        const { messages } = await mapChange(calendarChange(row), settings);
        const item = messages[0].item as Appointment;
        const { values, warnings } = appointmentToBuero(item, berlin, ref, { current: row });
        const expected: Record<string, unknown> = {
          fldKurzInfo: row.fldKurzInfo, fldBeginn: row.fldBeginn, fldEnde: row.fldEnde, fldGanzTg: row.fldGanzTg, fldOrt: row.fldOrt, fldErinnMin: row.fldErinnMin,
        };
        if (row.fldSerie) expected.fldSerieAusn = row.fldSerieAusn;
        assert.deepEqual(values, expected, `row ${i}: ${JSON.stringify(row)} → ${JSON.stringify(item)}`);
        assert.deepEqual(warnings, [], `row ${i}`);
      }
    });

    it('tasks: 200 random rows, with and without dates, times of day kept, done or not', async function () {
      for (let i = 0; i < 200; i++) {
        const first = day();
        const begin = rnd.chance(0.2) ? null : rnd.chance(0.5) ? `${first}T00:00:00` : time(first);
        const end = rnd.chance(0.2) ? null : `${addDays(begin ? begin.slice(0, 10) : first, rnd.int(0, 20))}T${rnd.chance(0.5) ? '00:00:00' : time(first).slice(11)}`;
        const row = { fldKurzInfo: text(rnd.int(1, 5)), fldBeginn: begin, fldEnde: end, fldErledigt: rnd.chance(0.5), fldInfo: 'bleibt' };
        const { messages } = await mapChange(calendarChange(row, { kind: 'task' }), settings);
        const item = messages[0].item as Task;
        const { values } = taskToBuero(item, berlin, ref, { current: row });
        assert.deepEqual(values, { fldKurzInfo: row.fldKurzInfo, fldBeginn: begin, fldEnde: end, fldErledigt: row.fldErledigt }, `task ${i}: ${JSON.stringify(row)}`);
      }
    });

    it('the generator reaches the hard cases (so the property covers them)', function () {
      const seen = new Set<string>();
      for (let i = 0; i < 400; i++) {
        const row = bueroRow();
        const b = String(row.fldBeginn);
        if (row.fldGanzTg && (b.startsWith('2026-03-29') || b.startsWith('2026-10-25'))) seen.add('all-day on a DST day');
        if (!row.fldGanzTg && b.startsWith('2026-10-25T02')) seen.add('in the repeated hour');
        if (!row.fldGanzTg && b.endsWith('T00:00:00')) seen.add('midnight');
        if (row.fldErinnMin === null) seen.add('no reminder');
        if (row.fldSerie) seen.add('series');
      }
      assert.deepEqual([...seen].sort(), ['all-day on a DST day', 'in the repeated hour', 'midnight', 'no reminder', 'series']);
    });
  });
});
