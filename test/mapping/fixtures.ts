// Builders for büro+ changes as the change source emits them (lib/buero/change.ts): a test
// states only the fields it is about.
import type { BueroChange, ChangeTarget } from '../../lib/buero/change';

export const anna: ChangeTarget = { mailbox: 'anna.meier@firma.de', user: { nr: 7, login: 'anna', mailbox: 'anna.meier@firma.de' }, role: 'owner' };
export const bernd: ChangeTarget = { mailbox: 'bernd.kurz@firma.de', user: { nr: 9, login: 'bernd', mailbox: 'bernd.kurz@firma.de' }, role: 'participant' };
export const contactsBox: ChangeTarget = { mailbox: 'kontakte@firma.de', role: 'contacts' };

export function calendarChange(record: Record<string, unknown>, over: Partial<BueroChange> = {}): BueroChange {
  return {
    op: 'update',
    kind: 'appointment',
    table: 'tblCalendar',
    id: 4711,
    lsn: '918273',
    mandant: 1,
    record: { fldKurzInfo: 'Kundentermin', fldBeginn: '2026-05-04T10:00:00', fldEnde: '2026-05-04T11:00:00', ...record },
    targets: [anna],
    removed: [],
    ...over,
  };
}

export function taskChange(record: Record<string, unknown>, over: Partial<BueroChange> = {}): BueroChange {
  return calendarChange({ fldBeginn: undefined, fldEnde: undefined, ...record }, { kind: 'task', id: 815, ...over });
}

export function personChange(
  record: Record<string, unknown>,
  parts: Pick<BueroChange, 'address' | 'postalAddress'> = {},
  over: Partial<BueroChange> = {},
): BueroChange {
  return {
    op: 'create',
    kind: 'contact',
    table: 'tblContactPeople',
    id: 300,
    lsn: '1200',
    mandant: 1,
    record: { fldAdrNr: '10001', fldAnsNr: 1, fldAspNr: 1, ...record },
    address: { fldAdrNr: '10001', fldNa1: 'Müller GmbH', fldEMail1: 'info@mueller.de' },
    postalAddress: { fldAdrNr: '10001', fldAnsNr: 1, fldNa1: 'Müller GmbH', fldStr: 'Hauptstraße 5', fldPLZ: '80331', fldOrt: 'München', fldLand: 'DE', fldTel: '+49 89 123456' },
    targets: [contactsBox],
    removed: [],
    ...parts,
    ...over,
  };
}

export function companyChange(record: Record<string, unknown>, over: Partial<BueroChange> = {}): BueroChange {
  return {
    op: 'create',
    kind: 'contact',
    table: 'tblAddresses',
    id: 10001,
    lsn: '1300',
    mandant: 1,
    record: { fldAdrNr: '10001', fldNa1: 'Schmidt & Söhne KG', fldEMail1: 'info@schmidt-soehne.de', ...record },
    targets: [contactsBox],
    removed: [],
    ...over,
  };
}
