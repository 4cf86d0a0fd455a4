import assert from 'node:assert/strict';
import { changedFields, contentHash, fieldHashes, mergeHashes } from '../../lib/exchange/content';
import { stripNonXmlChars, xmlText } from '../../lib/exchange/ews/escape';
import { occurrenceDates, occurrenceIndex } from '../../lib/exchange/occurrences';
import { dateInZone, zonedToInstant } from '../../lib/time';
import type { Recurrence } from '../../lib/exchange/model';
import { appointment } from './support';

describe('writer building blocks (pure functions)', function () {
  describe('XML escaping for ews-javascript-api', function () {
    const table: [string, string][] = [
      ['</t:Subject><t:Bogus/>', '&lt;/t:Subject&gt;&lt;t:Bogus/&gt;'],
      ['a <&> "b"', 'a &lt;&amp;&gt; &quot;b&quot;'],
      ["it's", 'it&apos;s'],
      ['Zeile 1\r\nZeile 2\tTab', 'Zeile 1&#13;\nZeile 2\tTab'],
      ['bell\u0007 nul\u0000 esc\u001b', 'bell nul esc'],
      ['lone \ud800 surrogate, emoji 😀 kept', 'lone  surrogate, emoji 😀 kept'],
      ['\ufffe\uffff noncharacters', ' noncharacters'],
      ['Grüße, Straße', 'Grüße, Straße'],
    ];
    for (const [input, output] of table) {
      it(`${JSON.stringify(input)} → ${JSON.stringify(output)}`, function () {
        assert.equal(xmlText(input), output);
      });
    }
    it('removes only what XML 1.0 cannot carry', function () {
      assert.equal(stripNonXmlChars('a\u0001b\u0008c\u000bd\u000ce\u001ff'), 'abcdef');
    });
  });

  describe('content hashes', function () {
    it('equal content gives equal hashes, whatever the key order; changes name the fields', function () {
      const a = appointment();
      const reordered = Object.fromEntries(Object.entries(a).reverse());
      assert.equal(contentHash('appointment', fieldHashes(a)), contentHash('appointment', fieldHashes(reordered)));
      assert.notEqual(contentHash('appointment', fieldHashes(a)), contentHash('task', fieldHashes(a)));
      const b = { ...a, subject: 'anders', location: undefined, categories: ['x'] };
      assert.deepEqual(changedFields(fieldHashes(a), fieldHashes(b)), ['categories', 'location', 'subject']);
    });
    it('after an update, kept fields keep the hash of what Exchange holds', function () {
      const before = fieldHashes(appointment());
      const after = fieldHashes(appointment({ subject: 'neu', body: { format: 'text', content: 'neu' } }));
      const merged = mergeHashes(before, after, ['subject']);
      assert.equal(merged.subject, after.subject);
      assert.equal(merged.body, before.body);
    });
  });

  describe('time zones', function () {
    const table: [string, string, string][] = [
      ['2026-03-29', '00:00', '2026-03-28T23:00:00.000Z'],
      ['2026-03-29', '02:30', '2026-03-29T01:30:00.000Z'], // in the spring gap: moved forward
      ['2026-03-29', '03:00', '2026-03-29T01:00:00.000Z'],
      ['2026-10-25', '02:30', '2026-10-25T00:30:00.000Z'], // ambiguous: the first (summer time)
      ['2026-10-25', '03:00', '2026-10-25T02:00:00.000Z'],
      ['2026-10-26', '00:00', '2026-10-25T23:00:00.000Z'],
    ];
    for (const [date, time, utc] of table) {
      it(`${date} ${time} Europe/Berlin is ${utc}`, function () {
        const [year, month, day] = date.split('-').map(Number);
        const [hour, minute] = time.split(':').map(Number);
        assert.equal(zonedToInstant({ year, month, day, hour, minute, second: 0 }, 'Europe/Berlin').toISOString(), utc);
      });
    }
    it('the date of an instant in a zone', function () {
      assert.equal(dateInZone(new Date('2026-03-28T23:30:00Z'), 'Europe/Berlin'), '2026-03-29');
      assert.equal(dateInZone(new Date('2026-03-28T23:30:00Z'), 'America/New_York'), '2026-03-28');
    });
  });

  describe('occurrences (InstanceIndex of deleted occurrences)', function () {
    const table: [string, Recurrence, string[]][] = [
      ['daily every 3 days, 4 times', { pattern: 'daily', interval: 3, startDate: '2026-03-28', count: 4 }, ['2026-03-28', '2026-03-31', '2026-04-03', '2026-04-06']],
      ['weekly Mon+Wed every 2 weeks from a Wednesday', { pattern: 'weekly', interval: 2, days: ['monday', 'wednesday'], startDate: '2026-03-04', count: 5 },
        ['2026-03-04', '2026-03-16', '2026-03-18', '2026-03-30', '2026-04-01']],
      ['weekly, weeks starting Sunday', { pattern: 'weekly', interval: 2, days: ['sunday', 'monday'], firstDayOfWeek: 'sunday', startDate: '2026-03-01', count: 4 },
        ['2026-03-01', '2026-03-02', '2026-03-15', '2026-03-16']],
      ['monthly on the 31st', { pattern: 'absoluteMonthly', interval: 1, dayOfMonth: 31, startDate: '2026-01-31', until: '2026-04-30' },
        ['2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30']],
      ['last Friday of the month', { pattern: 'relativeMonthly', interval: 1, days: ['friday'], index: 'last', startDate: '2026-01-01', count: 3 },
        ['2026-01-30', '2026-02-27', '2026-03-27']],
      ['first weekday of the month', { pattern: 'relativeMonthly', interval: 1, days: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'], index: 'first', startDate: '2026-02-01', count: 3 },
        ['2026-02-02', '2026-03-02', '2026-04-01']],
      ['every 2 years on 29 February', { pattern: 'absoluteYearly', interval: 2, month: 2, dayOfMonth: 29, startDate: '2024-02-29', count: 3 },
        ['2024-02-29', '2026-02-28', '2028-02-29']],
      ['second Tuesday of March', { pattern: 'relativeYearly', interval: 1, month: 3, days: ['tuesday'], index: 'second', startDate: '2026-01-01', count: 2 },
        ['2026-03-10', '2027-03-09']],
    ];
    for (const [what, r, dates] of table) {
      it(what, function () {
        assert.deepEqual([...occurrenceDates(r, '2100-01-01')], dates);
        dates.forEach((d, i) => assert.equal(occurrenceIndex(r, d), i + 1));
        assert.equal(occurrenceIndex(r, '2026-03-03'), dates.includes('2026-03-03') ? dates.indexOf('2026-03-03') + 1 : undefined);
      });
    }
  });
});
