import assert from 'node:assert/strict';
import { MappingCode } from '../../lib/error-codes';
import type { Appointment, WriterMessage } from '../../lib/exchange/model';
import { mapChange, resolveSettings, type SettingsInput } from '../../lib/mapping';
import { anna, bernd, calendarChange } from './fixtures';

async function appointment(record: Record<string, unknown>, settings: SettingsInput = {}) {
  const { messages, warnings } = await mapChange(calendarChange(record), resolveSettings(settings));
  assert.equal(messages.length, 1);
  return { item: messages[0].item as Appointment, message: messages[0], warnings };
}

describe('mapping/appointment: büro+ Termine become Exchange appointments', function () {
  it('maps subject, body, location, reminder, category, free/busy and the zone', async function () {
    const { item, message, warnings } = await appointment({
      fldKurzInfo: 'Kundentermin Müller',
      fldInfo: String.raw`{\rtf1\ansi\ansicpg1252 Unterlagen f\'fcr \b Herrn M\'fcller\b0\par}`,
      fldOrt: 'Besprechungsraum 2',
      fldErinnMin: 15,
    });
    assert.deepEqual(item, {
      subject: 'Kundentermin Müller',
      body: { format: 'html', content: '<div>Unterlagen für <b>Herrn Müller</b></div>' },
      start: '2026-05-04T10:00:00+02:00',
      end: '2026-05-04T11:00:00+02:00',
      timeZone: 'Europe/Berlin',
      isAllDay: false,
      location: 'Besprechungsraum 2',
      reminderMinutes: 15,
      categories: ['büro+'],
      freeBusy: 'busy',
    });
    assert.deepEqual(
      { ...message, item: undefined },
      { action: 'upsert', kind: 'appointment', targets: [{ mailbox: 'anna.meier@firma.de', key: 'buero:1:tblCalendar:4711:7' }], version: '918273', item: undefined },
    );
    assert.deepEqual(warnings, []);
  });

  describe('times in the Mandant zone, DST days included', function () {
    // [name, fldBeginn, fldEnde, fldGanzTg, zone, expected start, expected end]
    const cases: Array<[string, string, string, unknown, string, string, string]> = [
      ['winter', '2026-01-15T09:00:00', '2026-01-15T09:30:00', false, 'Europe/Berlin', '2026-01-15T09:00:00+01:00', '2026-01-15T09:30:00+01:00'],
      ['spring gap 02:30 → 03:30 summer time', '2026-03-29T02:30:00', '2026-03-29T04:00:00', false, 'Europe/Berlin', '2026-03-29T03:30:00+02:00', '2026-03-29T04:00:00+02:00'],
      ['across the spring change', '2026-03-29T01:00:00', '2026-03-29T04:00:00', false, 'Europe/Berlin', '2026-03-29T01:00:00+01:00', '2026-03-29T04:00:00+02:00'],
      ['fall overlap 02:30 → first (+02:00)', '2026-10-25T02:30:00', '2026-10-25T03:30:00', false, 'Europe/Berlin', '2026-10-25T02:30:00+02:00', '2026-10-25T03:30:00+01:00'],
      ['zero length', '2026-05-04T10:00:00', '2026-05-04T10:00:00', false, 'Europe/Berlin', '2026-05-04T10:00:00+02:00', '2026-05-04T10:00:00+02:00'],
      ['other Mandant zone', '2026-03-08T02:30:00', '2026-03-08T04:00:00', false, 'America/New_York', '2026-03-08T03:30:00-04:00', '2026-03-08T04:00:00-04:00'],
      ['all-day, one day', '2026-05-04T00:00:00', '2026-05-04T00:00:00', true, 'Europe/Berlin', '2026-05-04T00:00:00+02:00', '2026-05-05T00:00:00+02:00'],
      ['all-day on the spring change (23 h)', '2026-03-29T00:00:00', '2026-03-29T00:00:00', true, 'Europe/Berlin', '2026-03-29T00:00:00+01:00', '2026-03-30T00:00:00+02:00'],
      ['all-day on the fall change (25 h)', '2026-10-25T00:00:00', '2026-10-25T00:00:00', true, 'Europe/Berlin', '2026-10-25T00:00:00+02:00', '2026-10-26T00:00:00+01:00'],
      ['all-day, several days across the spring change', '2026-03-27T00:00:00', '2026-03-30T00:00:00', 'true', 'Europe/Berlin', '2026-03-27T00:00:00+01:00', '2026-03-31T00:00:00+02:00'],
      ['all-day, several days across the fall change', '2026-10-24', '2026-10-26', 1, 'Europe/Berlin', '2026-10-24T00:00:00+02:00', '2026-10-27T00:00:00+01:00'],
      ['all-day with stray times: the dates count', '2026-05-04T08:00:00', '2026-05-05T17:00:00', 'J', 'Europe/Berlin', '2026-05-04T00:00:00+02:00', '2026-05-06T00:00:00+02:00'],
      ['all-day at the year end', '2026-12-31T00:00:00', '2026-12-31T00:00:00', true, 'America/New_York', '2026-12-31T00:00:00-05:00', '2027-01-01T00:00:00-05:00'],
    ];
    for (const [name, begin, end, allDay, zone, start, expectedEnd] of cases) {
      it(`${name}: ${begin} – ${end}${allDay ? ' (all-day)' : ''}`, async function () {
        const { item } = await appointment({ fldBeginn: begin, fldEnde: end, fldGanzTg: allDay }, { timeZone: zone });
        assert.equal(item.start, start);
        assert.equal(item.end, expectedEnd);
        assert.equal(item.isAllDay, Boolean(allDay));
        assert.equal(item.timeZone, zone);
      });
    }
  });

  describe('reminder', function () {
    const cases: Array<[string, unknown, number | null, number | null]> = [
      ['büro+ minutes', 30, null, 30],
      ['minutes as text', '45', null, 45],
      ['zero is a reminder at the start', 0, 15, 0],
      ['none in büro+, none by default', null, null, null],
      ['none in büro+, the default applies', null, 15, 15],
    ];
    for (const [name, value, fallback, expected] of cases) {
      it(name, async function () {
        const { item, warnings } = await appointment({ fldErinnMin: value }, { reminderDefault: fallback });
        assert.equal(item.reminderMinutes, expected);
        assert.deepEqual(warnings, []);
      });
    }
    it('a negative or broken value takes the default and says so', async function () {
      for (const value of [-5, 'bald']) {
        const { item, warnings } = await appointment({ fldErinnMin: value }, { reminderDefault: 10 });
        assert.equal(item.reminderMinutes, 10);
        assert.deepEqual(warnings.map((w) => [w.code, w.field]), [[MappingCode.valueIgnored, 'fldErinnMin']]);
      }
    });
  });

  describe('body as HTML or plain text, Info then Memo', function () {
    const info = String.raw`{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Arial;}}\f0 Gr\'fc\'dfe\par\b Wichtig\b0\par}`;
    const cases: Array<[string, 'html' | 'text', Record<string, unknown>, string]> = [
      ['RTF info as HTML', 'html', { fldInfo: info }, '<div>Grüße</div><div><b>Wichtig</b></div>'],
      ['RTF info as text', 'text', { fldInfo: info }, 'Grüße\nWichtig'],
      ['info and memo as HTML', 'html', { fldInfo: 'Zeile <1>', fldMemo: 'Memo & mehr' }, '<div>Zeile &lt;1&gt;</div><hr><div>Memo &amp; mehr</div>'],
      ['info and memo as text', 'text', { fldInfo: 'Zeile 1', fldMemo: 'Memo' }, 'Zeile 1\n\nMemo'],
      ['HTML info as text', 'text', { fldInfo: '<p>Hallo <b>Welt</b></p>' }, 'Hallo Welt'],
      ['no texts: an empty body, so an update clears it', 'html', {}, ''],
    ];
    for (const [name, format, record, content] of cases) {
      it(name, async function () {
        const { item } = await appointment(record, { bodyFormat: format });
        assert.deepEqual(item.body, { format, content });
      });
    }
  });

  it('"Informationen nicht hinterlegen" puts the body into keep of the upsert (for every mailbox)', async function () {
    const settings = resolveSettings({ keepInfo: true });
    const { messages } = await mapChange(calendarChange({ fldInfo: 'Text' }, { targets: [anna, bernd] }), settings);
    assert.deepEqual(messages.map((m) => [m.keep, m.targets.length]), [[['body'], 2]]);
    assert.equal((messages[0].item as Appointment).body?.content, '<div>Text</div>', 'the first create still carries the text');
    const off = await mapChange(calendarChange({ fldInfo: 'Text' }), resolveSettings({ keepInfo: false }));
    assert.equal(off.messages[0].keep, undefined);
  });

  it('a change read while catching up (more follows) tells the writer so, for every mailbox and for removals', async function () {
    const { messages } = await mapChange(calendarChange({}, { targets: [anna], removed: [bernd], more: true }), resolveSettings({}));
    assert.deepEqual(messages.map((m) => [m.action, m.more]), [['upsert', true], ['delete', true]]);
    const alone = await mapChange(calendarChange({}, { targets: [anna] }), resolveSettings({}));
    assert.equal(alone.messages[0].more, undefined, 'a change without more: the writer sends after its flush delay');
  });

  it('category: default büro+, a custom one, or none', async function () {
    assert.deepEqual((await appointment({}, { category: 'Vertrieb' })).item.categories, ['Vertrieb']);
    assert.deepEqual((await appointment({}, { category: '' })).item.categories, []);
  });

  it('reads other field names when büro+ names them differently', async function () {
    const { item } = await appointment(
      { fldKurzInfo: undefined, fldBetreff: 'Anderer Name', fldOrt: 'falsch', fldRaum: 'Raum 7' },
      { fields: { calendar: { subject: 'fldBetreff', location: 'fldRaum' } } },
    );
    assert.equal(item.subject, 'Anderer Name');
    assert.equal(item.location, 'Raum 7');
  });

  it('the field names the büro+ connection sends along win over the mapper setting', async function () {
    const change = calendarChange(
      { fldKurzInfo: 'alt', fldBetreff: 'Vom Connection-Knoten', fldBeginn: undefined, fldStart: '2026-05-04T08:00:00', fldEnde: '2026-05-04T09:00:00' },
      { fields: { calendar: { subject: 'fldBetreff', begin: 'fldStart' }, contactPeople: { firstName: 'fldVorname' } } },
    );
    const { messages } = await mapChange(change, resolveSettings({ fields: { calendar: { subject: 'fldAnders' } } }));
    const item = messages[0].item as Appointment;
    assert.equal(item.subject, 'Vom Connection-Knoten');
    assert.equal(item.start, '2026-05-04T08:00:00+02:00');
  });

  it('a missing start names the connection\'s field name', async function () {
    const change = calendarChange({ fldBeginn: undefined }, { fields: { calendar: { begin: 'fldStart' } } });
    await assert.rejects(mapChange(change, resolveSettings({})), /tblCalendar 4711, fldStart: the date-time is missing/);
  });

  describe('one message per mailbox', function () {
    const cases: Array<[string, Parameters<typeof calendarChange>[1], Array<Pick<WriterMessage, 'action' | 'mailbox' | 'key'>>]> = [
      ['owner and participant', { targets: [anna, bernd] }, [
        { action: 'upsert', mailbox: 'anna.meier@firma.de', key: 'buero:1:tblCalendar:4711:7' },
        { action: 'upsert', mailbox: 'bernd.kurz@firma.de', key: 'buero:1:tblCalendar:4711:9' },
      ]],
      ['participant removed', { targets: [anna], removed: [bernd] }, [
        { action: 'upsert', mailbox: 'anna.meier@firma.de', key: 'buero:1:tblCalendar:4711:7' },
        { action: 'delete', mailbox: 'bernd.kurz@firma.de', key: 'buero:1:tblCalendar:4711:9' },
      ]],
      ['record deleted', { op: 'delete', record: undefined, targets: [], removed: [anna, bernd] }, [
        { action: 'delete', mailbox: 'anna.meier@firma.de', key: 'buero:1:tblCalendar:4711:7' },
        { action: 'delete', mailbox: 'bernd.kurz@firma.de', key: 'buero:1:tblCalendar:4711:9' },
      ]],
      ['the same mailbox twice (owner and participant)', { targets: [anna, { ...anna, role: 'participant' }] }, [
        { action: 'upsert', mailbox: 'anna.meier@firma.de', key: 'buero:1:tblCalendar:4711:7' },
      ]],
      ['no mailbox at all', { targets: [], removed: [] }, []],
    ];
    for (const [name, over, expected] of cases) {
      it(name, async function () {
        const { messages } = await mapChange(calendarChange({}, over), resolveSettings({ keepInfo: true }));
        assert.deepEqual(messages.flatMap((m) => m.targets.map((t) => ({ action: m.action, mailbox: t.mailbox, key: t.key }))), expected);
        assert.ok(messages.filter((m) => m.action === 'upsert').length <= 1 && messages.filter((m) => m.action === 'delete').length <= 1,
          'one message per action, for all its mailboxes');
        for (const m of messages) {
          assert.equal(m.version, '918273');
          assert.equal(m.kind, 'appointment');
          if (m.action === 'delete') {
            assert.equal(m.item, undefined);
            assert.equal(m.keep, undefined);
          }
        }
      });
    }
    it('owner and participant: one message, the item once, each mailbox with its own key', async function () {
      const { messages } = await mapChange(calendarChange({}, { targets: [anna, bernd] }), resolveSettings({}));
      assert.equal(messages.length, 1);
      assert.deepEqual(messages[0].targets, [
        { mailbox: 'anna.meier@firma.de', key: 'buero:1:tblCalendar:4711:7' },
        { mailbox: 'bernd.kurz@firma.de', key: 'buero:1:tblCalendar:4711:9' },
      ]);
      assert.equal((messages[0].item as Appointment).subject, 'Kundentermin');
    });
  });

  it('a series goes with the appointment, its start date in the zone', async function () {
    const { item } = await appointment({
      fldBeginn: '2026-10-25T02:30:00',
      fldEnde: '2026-10-25T03:30:00',
      fldSerie: 'FREQ=WEEKLY;BYDAY=SU;COUNT=4',
      fldSerieAusn: '2026-11-08',
    });
    assert.deepEqual(item.recurrence, {
      pattern: 'weekly', interval: 1, days: ['sunday'], firstDayOfWeek: 'monday', count: 4, startDate: '2026-10-25', deletedOccurrences: ['2026-11-08'],
    });
  });
});
