import assert from 'node:assert/strict';
import { MappingCode } from '../../lib/error-codes';
import type { Appointment, Contact, Task } from '../../lib/exchange/model';
import { SyncError } from '../../lib/errors';
import { checkOverrides, mapChange, resolveSettings, type FieldOverride } from '../../lib/mapping';
import type { BueroChange } from '../../lib/buero/change';
import { calendarChange, personChange, taskChange } from './fixtures';
import { evaluateJsonata } from './jsonata';

async function mapWith(change: BueroChange, overrides: Array<Partial<FieldOverride>>, extra = {}) {
  const settings = resolveSettings({ overrides: overrides as FieldOverride[], evaluate: evaluateJsonata, ...extra });
  const { messages, warnings } = await mapChange(change, settings);
  return { item: messages[0]?.item, warnings };
}

describe('mapping/overrides: JSONata expressions over the büro+ record set any target field', function () {
  // [name, change, overrides, field to check, expected value]
  const cases: Array<[string, BueroChange, Array<Partial<FieldOverride>>, string, unknown]> = [
    ['subject from several fields', calendarChange({ fldKurzInfo: 'Termin', fldAdrNr: '10001' }),
      [{ field: 'subject', expression: 'fldKurzInfo & " – Kunde " & fldAdrNr' }], 'subject', 'Termin – Kunde 10001'],
    ['location with a büro+ field the mapper does not know', calendarChange({ fldOrt: 'Haus A', fldRaum: '2.14' }),
      [{ kind: 'appointment', field: 'location', expression: 'fldOrt & ", Raum " & fldRaum' }], 'location', 'Haus A, Raum 2.14'],
    ['$change and $item are bound', calendarChange({}),
      [{ field: 'subject', expression: '$item.subject & " #" & $change.id & " (" & $change.op & ")"' }], 'subject', 'Kundentermin #4711 (update)'],
    ['a text for the body is converted like a büro+ text', calendarChange({}),
      [{ field: 'body', expression: '"Bitte <Unterlagen> mitbringen"' }], 'body', { format: 'html', content: '<div>Bitte &lt;Unterlagen&gt; mitbringen</div>' }],
    ['a body object is taken as it is', calendarChange({}),
      [{ field: 'body', expression: '{"format": "html", "content": "<p><b>fett</b></p>"}' }], 'body', { format: 'html', content: '<p><b>fett</b></p>' }],
    ['a local start time is read in the Mandant zone (DST rules apply)', calendarChange({ fldBeginn: '2026-03-29T01:00:00', fldEnde: '2026-03-29T05:00:00' }),
      [{ field: 'start', expression: '"2026-03-29T02:30:00"' }], 'start', '2026-03-29T03:30:00+02:00'],
    ['free/busy from a büro+ flag', calendarChange({ fldPrivat: true }),
      [{ field: 'freeBusy', expression: 'fldPrivat ? "oof" : "busy"' }], 'freeBusy', 'oof'],
    ['sensitivity', calendarChange({ fldPrivat: true }),
      [{ field: 'sensitivity', expression: 'fldPrivat ? "private" : "normal"' }], 'sensitivity', 'private'],
    ['categories as a list', calendarChange({ fldArtText: 'Vertrieb' }),
      [{ field: 'categories', expression: '["büro+", fldArtText]' }], 'categories', ['büro+', 'Vertrieb']],
    ['reminder minutes from a number', calendarChange({}), [{ field: 'reminderMinutes', expression: '5 * 3' }], 'reminderMinutes', 15],
    ['nothing matched: the mapped value stays', calendarChange({ fldOrt: 'Büro' }),
      [{ field: 'location', expression: 'fldGibtEsNicht' }], 'location', 'Büro'],
    ['null clears the field', calendarChange({ fldOrt: 'Büro' }), [{ field: 'location', expression: 'null' }], 'location', undefined],
    ['a later row sees the earlier result in $item', calendarChange({}),
      [{ field: 'subject', expression: '"A"' }, { field: 'subject', expression: '$item.subject & "B"' }], 'subject', 'AB'],
    ['a row for another kind does not apply', calendarChange({ fldOrt: 'Büro' }),
      [{ kind: 'task', field: 'subject', expression: '"nur Aufgaben"' }, { kind: 'contact', field: 'categories', expression: '[]' }], 'subject', 'Kundentermin'],
    ['task importance from a büro+ scheme of its own', taskChange({ fldPrio: 9 }),
      [{ kind: 'task', field: 'importance', expression: 'fldPrio > 5 ? "high" : "normal"' }], 'importance', 'high'],
    ['task due date from a date-time', taskChange({}), [{ field: 'dueDate', expression: '"2026-06-01T15:00:00"' }], 'dueDate', '2026-06-01'],
    ['contact city from $postalAddress', personChange({ fldNNa: 'Berg' }),
      [{ kind: 'contact', field: 'businessAddress.city', expression: '$uppercase($postalAddress.fldOrt)' }], 'businessAddress', {
        street: 'Hauptstraße 5', postalCode: '80331', city: 'MÜNCHEN', countryOrRegion: 'DE' }],
    ['contact company from $address', personChange({ fldNNa: 'Berg' }, { postalAddress: undefined }),
      [{ kind: 'contact', field: 'companyName', expression: '$address.fldNa1 & " (Kunde " & $address.fldAdrNr & ")"' }], 'companyName', 'Müller GmbH (Kunde 10001)'],
    ['display name follows overridden names', personChange({ fldVNa: 'Petra', fldNNa: 'Schulz' }),
      [{ field: 'givenName', expression: '"Dr. " & fldVNa' }], 'displayName', 'Dr. Petra Schulz'],
    ['an explicit display name stays', personChange({ fldVNa: 'Petra', fldNNa: 'Schulz' }),
      [{ field: 'displayName', expression: 'fldNNa & ", " & fldVNa' }], 'displayName', 'Schulz, Petra'],
  ];
  for (const [name, change, overrides, field, expected] of cases) {
    it(name, async function () {
      const { item, warnings } = await mapWith(change, overrides);
      assert.deepEqual((item as unknown as Record<string, unknown>)[field], expected);
      assert.deepEqual(warnings, []);
    });
  }

  it('the usual repairs apply to overridden values, naming the override', async function () {
    const { item, warnings } = await mapWith(calendarChange({}), [{ field: 'subject', expression: '""' }]);
    assert.equal((item as Appointment).subject, '(ohne Betreff)');
    assert.deepEqual(warnings.map((w) => [w.code, w.field]), [[MappingCode.subjectEmpty, 'override subject']]);
  });

  describe('a failing override is an error naming the record and the target field', function () {
    const cases: Array<[string, BueroChange, Partial<FieldOverride>, string, string]> = [
      ['wrong type', calendarChange({}), { field: 'reminderMinutes', expression: '"bald"' }, MappingCode.overrideInvalid, 'override reminderMinutes'],
      ['not one of the choices', calendarChange({}), { field: 'freeBusy', expression: '"vielleicht"' }, MappingCode.overrideInvalid, 'override freeBusy'],
      ['no date-time', calendarChange({}), { field: 'end', expression: '"morgen"' }, MappingCode.overrideInvalid, 'override end'],
      ['end moved before start', calendarChange({}), { field: 'end', expression: '"2026-05-04T09:00:00"' }, MappingCode.endBeforeStart, 'override end'],
      ['due date moved before start', taskChange({ fldBeginn: '2026-05-04' }), { field: 'dueDate', expression: '"2026-05-01"' }, MappingCode.endBeforeStart, 'override dueDate'],
      ['expression fails at run time', calendarChange({}), { field: 'subject', expression: '$number("abc") + $foo()' }, MappingCode.overrideFailed, 'override subject'],
      ['contact left without any name', personChange({ fldNNa: 'Berg' }, { address: {}, postalAddress: undefined }), { field: 'surname', expression: 'null' }, MappingCode.contactNoName, 'override surname'],
    ];
    for (const [name, change, override, code, field] of cases) {
      it(name, async function () {
        await assert.rejects(mapWith(change, [override]), (err: unknown) => {
          assert.ok(err instanceof SyncError, String(err));
          assert.equal(err.code, code);
          assert.equal(err.field, code === MappingCode.contactNoName ? 'fldNNa' : field);
          assert.equal(err.record, `${change.table} ${change.id}`);
          assert.ok(err.message.startsWith(`${change.table} ${change.id}, `), err.message);
          return true;
        });
      });
    }
  });

  describe('the override table is checked when the node starts', function () {
    const bad: Array<[string, unknown, RegExp]> = [
      ['unknown field', [{ kind: 'appointment', field: 'farbe', expression: '"rot"' }], /"farbe" is no field of a appointment/],
      ['field of another kind', [{ kind: 'task', field: 'location', expression: '"x"' }], /"location" is no field of a task/],
      ['unknown kind', [{ kind: 'termin', field: 'subject', expression: '"x"' }], /kind "termin"/],
      ['empty expression', [{ field: 'subject', expression: ' ' }], /expression for "subject" is empty/],
      ['no list', 'subject=x', /must be a list/],
    ];
    for (const [name, rows, message] of bad) {
      it(name, function () {
        assert.throws(() => checkOverrides(rows), (err: unknown) => err instanceof SyncError && err.code === MappingCode.configInvalid && message.test(err.message));
      });
    }
    it('a row without kind applies to all items', function () {
      assert.deepEqual(checkOverrides([{ field: 'subject', expression: '"x"' }]), [{ kind: 'all', field: 'subject', expression: '"x"' }]);
    });
    it('overrides without an expression engine are a settings error', async function () {
      const settings = resolveSettings({ overrides: [{ kind: 'all', field: 'subject', expression: '"x"' }] });
      await assert.rejects(mapChange(calendarChange({}), settings), (err: unknown) => err instanceof SyncError && err.code === MappingCode.configInvalid);
    });
  });

  it('task and contact results keep their types', async function () {
    const task = (await mapWith(taskChange({}), [{ field: 'complete', expression: 'true' }, { field: 'percentComplete', expression: '100' }])).item as Task;
    assert.equal(task.complete, true);
    assert.equal(task.percentComplete, 100);
    const contact = (await mapWith(personChange({ fldNNa: 'Berg' }), [{ field: 'emailAddresses', expression: '"a@firma.de; b@firma.de"' }])).item as Contact;
    assert.deepEqual(contact.emailAddresses, ['a@firma.de', 'b@firma.de']);
  });
});
