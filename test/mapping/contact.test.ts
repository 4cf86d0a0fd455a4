import assert from 'node:assert/strict';
import { MappingCode } from '../../lib/error-codes';
import type { Contact } from '../../lib/exchange/model';
import { mapChange, resolveSettings, type SettingsInput } from '../../lib/mapping';
import type { BueroChange } from '../../lib/buero/change';
import { companyChange, contactsBox, personChange } from './fixtures';
import { evaluateJsonata } from './jsonata';

async function contact(change: BueroChange, settings: SettingsInput = {}) {
  const { messages, warnings } = await mapChange(change, resolveSettings(settings));
  assert.equal(messages.length, 1);
  assert.equal(messages[0].kind, 'contact');
  return { item: messages[0].item as Contact, message: messages[0], warnings };
}

describe('mapping/contact: Ansprechpartner and Adressen become Exchange contacts', function () {
  it('a contact person, filled from the person, the postal address and the address', async function () {
    const { item, message, warnings } = await contact(
      personChange({
        fldAnr: 'Frau',
        fldVNa: 'Petra',
        fldNNa: 'Schulz',
        fldAbt: 'Einkauf',
        fldPos: 'Leiterin Einkauf',
        fldEMail1: 'p.schulz@mueller.de',
        fldEMail2: 'petra.schulz@web.de',
        fldTel1: '+49 89 123456-12',
        fldMobilTel: '+49 170 1234567',
        fldFax: '+49 89 123456-99',
        fldInfo: String.raw`{\rtf1\ansi\ansicpg1252 Bevorzugt Anrufe vormittags, \'fcber Zentrale\par}`,
      }),
    );
    assert.deepEqual(item, {
      displayName: 'Petra Schulz',
      categories: ['büro+'],
      title: 'Frau',
      givenName: 'Petra',
      surname: 'Schulz',
      companyName: 'Müller GmbH',
      department: 'Einkauf',
      jobTitle: 'Leiterin Einkauf',
      businessPhone: '+49 89 123456-12',
      mobilePhone: '+49 170 1234567',
      businessFax: '+49 89 123456-99',
      emailAddresses: ['p.schulz@mueller.de', 'petra.schulz@web.de'],
      notes: { format: 'html', content: '<div>Bevorzugt Anrufe vormittags, über Zentrale</div>' },
      businessAddress: { street: 'Hauptstraße 5', postalCode: '80331', city: 'München', countryOrRegion: 'DE' },
    });
    assert.deepEqual(
      { action: message.action, targets: message.targets, version: message.version, keep: message.keep },
      { action: 'upsert', targets: [{ mailbox: 'kontakte@firma.de', key: 'buero:1:tblContactPeople:300:kontakte@firma.de' }], version: '1200', keep: undefined },
    );
    assert.deepEqual(warnings, []);
  });

  const cases: Array<[string, BueroChange, Partial<Contact>]> = [
    ['without a postal address: company from the address, no postal address, phone from nowhere',
      personChange({ fldVNa: 'Jan', fldNNa: 'Berg' }, { postalAddress: undefined }),
      { displayName: 'Jan Berg', companyName: 'Müller GmbH', businessAddress: undefined, businessPhone: undefined }],
    ['phone and department fall back to the postal address',
      personChange({ fldNNa: 'Berg' }, { postalAddress: { fldNa1: 'Müller GmbH Werk 2', fldAbt: 'Versand', fldTel: '+49 89 99', fldOrt: 'Dachau' } }),
      { displayName: 'Berg', companyName: 'Müller GmbH Werk 2', department: 'Versand', businessPhone: '+49 89 99', businessAddress: { city: 'Dachau' } }],
    ['a person without names is listed under the company',
      personChange({ fldAbt: 'Zentrale' }),
      { displayName: 'Müller GmbH', givenName: undefined, surname: undefined, department: 'Zentrale' }],
    ['a person with only an e-mail address is listed under it',
      personChange({ fldEMail1: 'anonym@example.com' }, { postalAddress: undefined, address: {} }),
      { displayName: 'anonym@example.com', companyName: undefined }],
    ['an address without contact people becomes a company contact',
      companyChange({ fldTel: '+49 30 5555' }),
      { displayName: 'Schmidt & Söhne KG', companyName: 'Schmidt & Söhne KG', emailAddresses: ['info@schmidt-soehne.de'], businessPhone: '+49 30 5555', givenName: undefined }],
    ['a company contact takes name and postal address from its Anschrift',
      companyChange({}, { postalAddress: { fldNa1: 'Schmidt & Söhne', fldStr: 'Am Markt 1', fldPLZ: '10115', fldOrt: 'Berlin', fldTel: '+49 30 1', fldEMail1: 'post@schmidt-soehne.de' } }),
      { displayName: 'Schmidt & Söhne', businessPhone: '+49 30 1', emailAddresses: ['info@schmidt-soehne.de', 'post@schmidt-soehne.de'],
        businessAddress: { street: 'Am Markt 1', postalCode: '10115', city: 'Berlin' } }],
    ['notes as plain text', personChange({ fldNNa: 'Berg', fldMemo: 'Memo\r\nzwei' }), { notes: { format: 'html', content: '<div>Memo</div><div>zwei</div>' } }],
  ];
  for (const [name, change, expected] of cases) {
    it(name, async function () {
      const { item, warnings } = await contact(change);
      for (const [key, value] of Object.entries(expected)) assert.deepEqual(item[key as keyof Contact], value, key);
      assert.deepEqual(warnings, []);
    });
  }

  it('company contacts switched off: an address without contact people gives no contact', async function () {
    const settings = resolveSettings({ companyContacts: false });
    assert.deepEqual((await mapChange(companyChange({}), settings)).messages, []);
    // A delete still goes out, so nothing is left behind in Exchange.
    const gone = await mapChange(companyChange({}, { op: 'delete', record: undefined, targets: [], removed: [contactsBox] }), settings);
    assert.deepEqual(gone.messages.map((m) => m.action), ['delete']);
    // Contact people are not affected.
    assert.equal((await mapChange(personChange({ fldNNa: 'Berg' }), settings)).messages.length, 1);
  });

  it('invalid e-mail addresses are dropped and named; at most three are kept', async function () {
    const { item, warnings } = await contact(
      personChange({ fldNNa: 'Berg', fldEMail1: 'berg(at)firma.de', fldEMail2: 'berg@firma.de', fldEMail3: 'BERG@firma.de ' }),
    );
    assert.deepEqual(item.emailAddresses, ['berg@firma.de']);
    assert.deepEqual(warnings.map((w) => [w.code, w.field, w.record]), [[MappingCode.emailDropped, 'fldEMail1', 'tblContactPeople 300']]);

    const four = await contact(
      companyChange({ fldEMail1: 'a@firma.de' }, { postalAddress: { fldEMail1: 'b@firma.de' } }),
      { overrides: [{ kind: 'contact', field: 'emailAddresses', expression: '[$item.emailAddresses, "c@firma.de", "d@firma.de"]' }], evaluate: evaluateJsonata },
    );
    assert.deepEqual(four.item.emailAddresses, ['a@firma.de', 'b@firma.de', 'c@firma.de']);
    assert.deepEqual(four.warnings.map((w) => [w.code, w.field]), [[MappingCode.emailDropped, 'override emailAddresses']]);
  });

  it('keep never applies to contacts', async function () {
    const { message } = await contact(personChange({ fldNNa: 'Berg' }), { keepInfo: true });
    assert.equal(message.keep, undefined);
  });
});
