// A corpus of faulty büro+ changes, as data: the mapper tests check each one, and the
// reliability suite can feed the same records through a whole flow. Each entry says whether
// the record is unusable ('error': done(err), Catch nodes) or repaired ('warning': mapped,
// fault reported on the events output), and which code, record and field the report names.
import type { SettingsInput } from '../../lib/mapping';
import { anna, calendarChange, companyChange, personChange, taskChange } from './fixtures';

export interface BadRecord {
  name: string;
  /** msg.payload as it reaches buero-map. */
  change: unknown;
  settings?: SettingsInput;
  expect: { outcome: 'error' | 'warning'; code: string; record: string; field: string };
}

const error = (code: string, record: string, field: string) => ({ outcome: 'error' as const, code, record, field });
const warning = (code: string, record: string, field: string) => ({ outcome: 'warning' as const, code, record, field });
const CAL = 'tblCalendar 4711';
const TASK = 'tblCalendar 815';
const PERSON = 'tblContactPeople 300';
const COMPANY = 'tblAddresses 10001';

export const badRecords: BadRecord[] = [
  // Start and end of appointments.
  { name: 'start missing', change: calendarChange({ fldBeginn: undefined }), expect: error('field-missing', CAL, 'fldBeginn') },
  { name: 'start empty', change: calendarChange({ fldBeginn: '' }), expect: error('field-missing', CAL, 'fldBeginn') },
  { name: 'start null', change: calendarChange({ fldBeginn: null }), expect: error('field-missing', CAL, 'fldBeginn') },
  { name: 'end missing', change: calendarChange({ fldEnde: undefined }), expect: error('field-missing', CAL, 'fldEnde') },
  { name: 'start is words', change: calendarChange({ fldBeginn: 'morgen früh' }), expect: error('field-invalid', CAL, 'fldBeginn') },
  { name: 'start on 30 February', change: calendarChange({ fldBeginn: '2026-02-30T10:00:00' }), expect: error('field-invalid', CAL, 'fldBeginn') },
  { name: 'start at 24:00', change: calendarChange({ fldBeginn: '2026-05-04T24:00:00' }), expect: error('field-invalid', CAL, 'fldBeginn') },
  { name: 'end in German notation', change: calendarChange({ fldEnde: '04.05.2026 11:00' }), expect: error('field-invalid', CAL, 'fldEnde') },
  { name: 'start as a number', change: calendarChange({ fldBeginn: 20260504 }), expect: error('field-invalid', CAL, 'fldBeginn') },
  { name: 'end before start', change: calendarChange({ fldEnde: '2026-05-04T09:59:59' }), expect: error('end-before-start', CAL, 'fldEnde') },
  {
    name: 'all-day: last day before first day',
    change: calendarChange({ fldGanzTg: true, fldBeginn: '2026-05-04T00:00:00', fldEnde: '2026-05-03T00:00:00' }),
    expect: error('end-before-start', CAL, 'fldEnde'),
  },
  { name: 'all-day flag unreadable', change: calendarChange({ fldGanzTg: 'vielleicht' }), expect: error('field-invalid', CAL, 'fldGanzTg') },
  { name: 'subject is an object', change: calendarChange({ fldKurzInfo: { text: 'x' } }), expect: error('field-invalid', CAL, 'fldKurzInfo') },
  // Tasks.
  { name: 'task due before start', change: taskChange({ fldBeginn: '2026-05-04', fldEnde: '2026-05-01' }), expect: error('end-before-start', TASK, 'fldEnde') },
  { name: 'task start unreadable', change: taskChange({ fldBeginn: 'KW 19' }), expect: error('field-invalid', TASK, 'fldBeginn') },
  { name: 'task done flag unreadable', change: taskChange({ fldErledigt: 'teilweise' }), expect: error('field-invalid', TASK, 'fldErledigt') },
  // Series.
  { name: 'series every hour', change: calendarChange({ fldSerie: 'FREQ=HOURLY' }), expect: error('series-unsupported', CAL, 'fldSerie') },
  { name: 'series on two positions a month', change: calendarChange({ fldSerie: 'FREQ=MONTHLY;BYDAY=1MO,3MO' }), expect: error('series-unsupported', CAL, 'fldSerie') },
  { name: 'series in words', change: calendarChange({ fldSerie: 'jeden Montag' }), expect: error('series-invalid', CAL, 'fldSerie') },
  { name: 'series with COUNT and UNTIL', change: calendarChange({ fldSerie: 'FREQ=DAILY;COUNT=5;UNTIL=20260601' }), expect: error('series-invalid', CAL, 'fldSerie') },
  { name: 'series ending before it starts', change: calendarChange({ fldSerie: 'FREQ=DAILY;UNTIL=20260401' }), expect: error('series-invalid', CAL, 'fldSerie') },
  { name: 'series exception in words', change: calendarChange({ fldSerie: 'FREQ=DAILY', fldSerieAusn: 'Ostermontag' }), expect: error('series-invalid', CAL, 'fldSerieAusn') },
  // Contacts.
  { name: 'contact person without any name', change: personChange({}, { address: {}, postalAddress: undefined }), expect: error('contact-no-name', PERSON, 'fldNNa') },
  { name: 'company without name or e-mail', change: companyChange({ fldNa1: '', fldEMail1: null }), expect: error('contact-no-name', COMPANY, 'fldNa1') },
  // The change message itself.
  { name: 'payload is a text', change: 'tblCalendar 4711', expect: error('bad-change', 'unknown record', 'payload') },
  { name: 'unknown kind (Wiedervorlage)', change: calendarChange({}, { kind: 'followup' as never }), expect: error('bad-change', CAL, 'payload.kind') },
  { name: 'kind from the wrong table', change: calendarChange({}, { table: 'tblAddresses' }), expect: error('bad-change', 'tblAddresses 4711', 'payload.table') },
  { name: 'unknown operation', change: calendarChange({}, { op: 'merge' as never }), expect: error('bad-change', CAL, 'payload.op') },
  { name: 'record id missing', change: calendarChange({}, { id: undefined as never }), expect: error('bad-change', 'tblCalendar ?', 'payload.id') },
  { name: 'update without record fields', change: calendarChange({}, { record: undefined }), expect: error('bad-change', CAL, 'payload.record') },
  { name: 'target without mailbox', change: calendarChange({}, { targets: [{ ...anna, mailbox: '' }] }), expect: error('bad-change', CAL, 'payload.targets[0].mailbox') },
  // Repaired, reported as warnings.
  { name: 'empty subject', change: calendarChange({ fldKurzInfo: '' }), expect: warning('subject-empty', CAL, 'fldKurzInfo') },
  { name: 'subject of spaces only', change: calendarChange({ fldKurzInfo: '   ' }), expect: warning('subject-empty', CAL, 'fldKurzInfo') },
  { name: 'task without subject', change: taskChange({ fldKurzInfo: null }), expect: warning('subject-empty', TASK, 'fldKurzInfo') },
  { name: 'subject of 300 characters', change: calendarChange({ fldKurzInfo: 'Ä'.repeat(300) }), expect: warning('subject-cut', CAL, 'fldKurzInfo') },
  { name: 'subject with a bell character', change: calendarChange({ fldKurzInfo: 'Termin\u0007' }), expect: warning('control-chars-removed', CAL, 'fldKurzInfo') },
  { name: 'subject with a line break', change: calendarChange({ fldKurzInfo: 'Termin\r\nMüller' }), expect: warning('control-chars-removed', CAL, 'fldKurzInfo') },
  { name: 'location with NUL', change: calendarChange({ fldOrt: 'Raum\u00002' }), expect: warning('control-chars-removed', CAL, 'fldOrt') },
  { name: 'info text with escape character', change: calendarChange({ fldInfo: 'Text\u001b[0m' }), expect: warning('control-chars-removed', CAL, 'fldInfo') },
  { name: 'e-mail without @', change: personChange({ fldNNa: 'Berg', fldEMail1: 'max.mustermann' }), expect: warning('email-dropped', PERSON, 'fldEMail1') },
  { name: 'e-mail without domain dot', change: personChange({ fldNNa: 'Berg', fldEMail2: 'a@b' }), expect: warning('email-dropped', PERSON, 'fldEMail2') },
  { name: 'e-mail with a space', change: personChange({ fldNNa: 'Berg', fldEMail3: 'max muster@firma.de' }), expect: warning('email-dropped', PERSON, 'fldEMail3') },
  { name: 'two e-mails in one field', change: companyChange({ fldEMail1: 'a@firma.de; b@firma.de' }), expect: warning('email-dropped', COMPANY, 'fldEMail1') },
  { name: 'surname with a tab', change: personChange({ fldNNa: 'Berg\tmann' }), expect: warning('control-chars-removed', PERSON, 'fldNNa') },
  { name: 'negative reminder', change: calendarChange({ fldErinnMin: -15 }), expect: warning('value-ignored', CAL, 'fldErinnMin') },
  { name: 'unknown task priority', change: taskChange({ fldPrio: 'sofort!' }), expect: warning('value-ignored', TASK, 'fldPrio') },
  { name: 'series starting off its rule', change: calendarChange({ fldSerie: 'FREQ=WEEKLY;BYDAY=FR' }), expect: warning('series-start-mismatch', CAL, 'fldSerie') },
  {
    name: 'series exception on no date of the series',
    change: calendarChange({ fldSerie: 'FREQ=WEEKLY', fldSerieAusn: '2026-05-05' }),
    expect: warning('series-exception-ignored', CAL, 'fldSerieAusn'),
  },
];
