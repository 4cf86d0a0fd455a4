import assert from 'node:assert/strict';
import { WriterCode } from '../../lib/error-codes';
import { validateWriterInput, validateWriterMessage } from '../../lib/exchange/validate';
import { appointment, contact, remove, task, upsert } from './support';

type Case = [string, unknown, string];

// The writer's contract (model.ts): a bad message is rejected with the key and the field named.
describe('writer message validation', function () {
  it('accepts the documented shapes and normalises the version', function () {
    for (const m of [upsert('a', appointment()), upsert('t', task()), upsert('c', contact()), remove('d')]) {
      assert.deepEqual(validateWriterMessage(m), m);
    }
    const m = validateWriterMessage({ ...upsert('v', task()), version: 918273 });
    assert.equal(m.version, '918273');
    const series = appointment({ recurrence: { pattern: 'relativeYearly', interval: 1, days: ['monday'], index: 'last', month: 5,
      startDate: '2026-05-25', until: '2030-12-31', deletedOccurrences: ['2027-05-31'], firstDayOfWeek: 'monday' } });
    assert.ok(validateWriterMessage(upsert('s', series)));
  });

  const cases: Case[] = [
    ['no key', { ...upsert('k', task()), key: undefined }, 'key'],
    ['unknown action', { ...upsert('k', task()), action: 'insert' }, 'action'],
    ['unknown kind', { ...upsert('k', task()), kind: 'note' }, 'kind'],
    ['mailbox not an address', { ...upsert('k', task()), mailbox: 'anna' }, 'mailbox'],
    ['upsert without item', { ...upsert('k', task()), item: undefined }, 'item'],
    ['keep names no field', upsert('k', appointment(), { keep: ['bodyy'] }), 'keep[0]'],
    ['start without offset', upsert('k', appointment({ start: '2026-03-30T09:00:00' })), 'item.start'],
    ['end before start', upsert('k', appointment({ end: '2026-03-30T08:00:00+02:00' })), 'item.end'],
    ['unknown zone', upsert('k', appointment({ timeZone: 'Berlin' })), 'item.timeZone'],
    ['all-day not at midnight', upsert('k', appointment({ isAllDay: true })), 'item.start'],
    ['reminder not a number', upsert('k', appointment({ reminderMinutes: '15' as never })), 'item.reminderMinutes'],
    ['body without format', upsert('k', appointment({ body: { content: 'x' } as never })), 'item.body.format'],
    ['weekly without days', upsert('k', appointment({ recurrence: { pattern: 'weekly', interval: 1, startDate: '2026-03-30' } })), 'item.recurrence.days'],
    ['until and count', upsert('k', appointment({ recurrence: { pattern: 'daily', interval: 1, startDate: '2026-03-30', until: '2026-04-30', count: 3 } })), 'item.recurrence.count'],
    ['deleted occurrence not a date', upsert('k', appointment({ recurrence: { pattern: 'daily', interval: 1, startDate: '2026-03-30', deletedOccurrences: ['31.03.2026'] } })), 'item.recurrence.deletedOccurrences[0]'],
    ['unknown field', upsert('k', { ...appointment(), subjekt: 'x' } as never), 'item.subjekt'],
    ['task due before start', upsert('k', task({ startDate: '2026-04-03', dueDate: '2026-04-02' })), 'item.dueDate'],
    ['task date impossible', upsert('k', task({ dueDate: '2026-02-30' })), 'item.dueDate'],
    ['percent over 100', upsert('k', task({ percentComplete: 120 })), 'item.percentComplete'],
    ['contact without display name', upsert('k', contact({ displayName: '' })), 'item.displayName'],
    ['four e-mail addresses', upsert('k', contact({ emailAddresses: ['a@b.de', 'c@d.de', 'e@f.de', 'g@h.de'] })), 'item.emailAddresses'],
    ['e-mail not an address', upsert('k', contact({ emailAddresses: ['anna meier'] })), 'item.emailAddresses[0]'],
    ['address field unknown', upsert('k', contact({ businessAddress: { street: 'x', zip: '1' } as never })), 'item.businessAddress.zip'],
  ];
  for (const [what, message, field] of cases) {
    it(`rejects ${what}, naming ${field}`, function () {
      assert.throws(() => validateWriterMessage(message), (err: Error & { code?: string; field?: string; record?: string }) => {
        assert.equal(err.code, WriterCode.messageInvalid);
        assert.equal(err.field, field);
        assert.equal(err.record, field === 'key' ? '(message without key)' : 'k');
        assert.ok(err.message.includes(field), err.message);
        return true;
      });
    });
  }

  describe('one message for several mailboxes (targets)', function () {
    const fanOut = (targets: unknown, extra: object = {}) => {
      const { mailbox: _m, key: _k, ...rest } = upsert('k', contact());
      return { ...rest, targets, ...extra };
    };

    it('becomes one message per mailbox, each with its key, sharing the item', function () {
      const out = validateWriterInput(fanOut([{ mailbox: 'anna.meier@firma.de', key: 'k:7' }, { mailbox: ' bernd.kurz@firma.de ', key: 'k:9' }]));
      assert.deepEqual(out.map((m) => [m.action, m.kind, m.mailbox, m.key, m.version]), [
        ['upsert', 'contact', 'anna.meier@firma.de', 'k:7', '1'],
        ['upsert', 'contact', 'bernd.kurz@firma.de', 'k:9', '1'],
      ]);
      assert.equal(out[0].item, out[1].item);
      assert.deepEqual(validateWriterInput(upsert('k', task())), [upsert('k', task())], 'a message for one mailbox as before');
    });

    const cases: Case[] = [
      ['an empty list', fanOut([]), 'targets'],
      ['targets with mailbox and key', fanOut([{ mailbox: 'anna.meier@firma.de', key: 'k' }], { mailbox: 'anna.meier@firma.de', key: 'k' }), 'targets'],
      ['a target that is no address', fanOut([{ mailbox: 'anna.meier@firma.de', key: 'k' }, { mailbox: 'bernd', key: 'k' }]), 'targets[1].mailbox'],
      ['a target without key', fanOut([{ mailbox: 'anna.meier@firma.de', key: 'k' }, { mailbox: 'bernd.kurz@firma.de' }]), 'targets[1].key'],
      ['a target with other fields', fanOut([{ mailbox: 'anna.meier@firma.de', key: 'k', user: 7 }]), 'targets[0].user'],
      ['a bad item, named once', fanOut([{ mailbox: 'anna.meier@firma.de', key: 'k' }], { item: contact({ displayName: '' }) }), 'item.displayName'],
    ];
    for (const [what, message, field] of cases) {
      it(`rejects ${what}, naming ${field}`, function () {
        assert.throws(() => validateWriterInput(message), (err: Error & { code?: string; field?: string }) => {
          assert.equal(err.code, WriterCode.messageInvalid);
          assert.equal(err.field, field);
          assert.ok(err.message.includes(field), err.message);
          return true;
        });
      });
    }
  });
});
