// A corpus of faulty büro+ changes, as data: the mapper tests check each one, and the
// reliability suite can feed the same records through a whole flow. Each entry says whether
// the record is unusable ('error': done(err), Catch nodes) or repaired ('warning': mapped,
// fault reported on the events output), and which code, record and field the report names.
import { MappingCode } from '../../lib/error-codes';
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
  { name: 'start missing', change: calendarChange({ fldBeginn: undefined }), expect: error(MappingCode.fieldMissing, CAL, 'fldBeginn') },
  { name: 'start empty', change: calendarChange({ fldBeginn: '' }), expect: error(MappingCode.fieldMissing, CAL, 'fldBeginn') },
  { name: 'start null', change: calendarChange({ fldBeginn: null }), expect: error(MappingCode.fieldMissing, CAL, 'fldBeginn') },
  { name: 'end missing', change: calendarChange({ fldEnde: undefined }), expect: error(MappingCode.fieldMissing, CAL, 'fldEnde') },
  { name: 'start is words', change: calendarChange({ fldBeginn: 'morgen früh' }), expect: error(MappingCode.fieldInvalid, CAL, 'fldBeginn') },
  { name: 'start on 30 February', change: calendarChange({ fldBeginn: '2026-02-30T10:00:00' }), expect: error(MappingCode.fieldInvalid, CAL, 'fldBeginn') },
  { name: 'start at 24:00', change: calendarChange({ fldBeginn: '2026-05-04T24:00:00' }), expect: error(MappingCode.fieldInvalid, CAL, 'fldBeginn') },
  { name: 'end in German notation', change: calendarChange({ fldEnde: '04.05.2026 11:00' }), expect: error(MappingCode.fieldInvalid, CAL, 'fldEnde') },
  { name: 'start as a number', change: calendarChange({ fldBeginn: 20260504 }), expect: error(MappingCode.fieldInvalid, CAL, 'fldBeginn') },
  { name: 'end before start', change: calendarChange({ fldEnde: '2026-05-04T09:59:59' }), expect: error(MappingCode.endBeforeStart, CAL, 'fldEnde') },
  {
    name: 'all-day: last day before first day',
    change: calendarChange({ fldGanzTg: true, fldBeginn: '2026-05-04T00:00:00', fldEnde: '2026-05-03T00:00:00' }),
    expect: error(MappingCode.endBeforeStart, CAL, 'fldEnde'),
  },
  { name: 'all-day flag unreadable', change: calendarChange({ fldGanzTg: 'vielleicht' }), expect: error(MappingCode.fieldInvalid, CAL, 'fldGanzTg') },
  { name: 'subject is an object', change: calendarChange({ fldKurzInfo: { text: 'x' } }), expect: error(MappingCode.fieldInvalid, CAL, 'fldKurzInfo') },
  // Tasks.
  { name: 'task due before start', change: taskChange({ fldBeginn: '2026-05-04', fldEnde: '2026-05-01' }), expect: error(MappingCode.endBeforeStart, TASK, 'fldEnde') },
  { name: 'task start unreadable', change: taskChange({ fldBeginn: 'KW 19' }), expect: error(MappingCode.fieldInvalid, TASK, 'fldBeginn') },
  { name: 'task done flag unreadable', change: taskChange({ fldErledigt: 'teilweise' }), expect: error(MappingCode.fieldInvalid, TASK, 'fldErledigt') },
  // Series.
  { name: 'series every hour', change: calendarChange({ fldSerie: 'FREQ=HOURLY' }), expect: error(MappingCode.seriesUnsupported, CAL, 'fldSerie') },
  { name: 'series on two positions a month', change: calendarChange({ fldSerie: 'FREQ=MONTHLY;BYDAY=1MO,3MO' }), expect: error(MappingCode.seriesUnsupported, CAL, 'fldSerie') },
  { name: 'series in words', change: calendarChange({ fldSerie: 'jeden Montag' }), expect: error(MappingCode.seriesInvalid, CAL, 'fldSerie') },
  { name: 'series with COUNT and UNTIL', change: calendarChange({ fldSerie: 'FREQ=DAILY;COUNT=5;UNTIL=20260601' }), expect: error(MappingCode.seriesInvalid, CAL, 'fldSerie') },
  { name: 'series ending before it starts', change: calendarChange({ fldSerie: 'FREQ=DAILY;UNTIL=20260401' }), expect: error(MappingCode.seriesInvalid, CAL, 'fldSerie') },
  { name: 'series exception in words', change: calendarChange({ fldSerie: 'FREQ=DAILY', fldSerieAusn: 'Ostermontag' }), expect: error(MappingCode.seriesInvalid, CAL, 'fldSerieAusn') },
  // Contacts.
  { name: 'contact person without any name', change: personChange({}, { address: {}, postalAddress: undefined }), expect: error(MappingCode.contactNoName, PERSON, 'fldNNa') },
  { name: 'company without name or e-mail', change: companyChange({ fldNa1: '', fldEMail1: null }), expect: error(MappingCode.contactNoName, COMPANY, 'fldNa1') },
  // The change message itself.
  { name: 'payload is a text', change: 'tblCalendar 4711', expect: error(MappingCode.changeInvalid, 'unknown record', 'payload') },
  { name: 'unknown kind (Wiedervorlage)', change: calendarChange({}, { kind: 'followup' as never }), expect: error(MappingCode.changeInvalid, CAL, 'payload.kind') },
  { name: 'kind from the wrong table', change: calendarChange({}, { table: 'tblAddresses' }), expect: error(MappingCode.changeInvalid, 'tblAddresses 4711', 'payload.table') },
  { name: 'unknown operation', change: calendarChange({}, { op: 'merge' as never }), expect: error(MappingCode.changeInvalid, CAL, 'payload.op') },
  { name: 'record id missing', change: calendarChange({}, { id: undefined as never }), expect: error(MappingCode.changeInvalid, 'tblCalendar ?', 'payload.id') },
  { name: 'update without record fields', change: calendarChange({}, { record: undefined }), expect: error(MappingCode.changeInvalid, CAL, 'payload.record') },
  { name: 'target without mailbox', change: calendarChange({}, { targets: [{ ...anna, mailbox: '' }] }), expect: error(MappingCode.changeInvalid, CAL, 'payload.targets[0].mailbox') },
  // Repaired, reported as warnings.
  { name: 'empty subject', change: calendarChange({ fldKurzInfo: '' }), expect: warning(MappingCode.subjectEmpty, CAL, 'fldKurzInfo') },
  { name: 'subject of spaces only', change: calendarChange({ fldKurzInfo: '   ' }), expect: warning(MappingCode.subjectEmpty, CAL, 'fldKurzInfo') },
  { name: 'task without subject', change: taskChange({ fldKurzInfo: null }), expect: warning(MappingCode.subjectEmpty, TASK, 'fldKurzInfo') },
  { name: 'subject of 300 characters', change: calendarChange({ fldKurzInfo: 'Ä'.repeat(300) }), expect: warning(MappingCode.subjectCut, CAL, 'fldKurzInfo') },
  { name: 'subject with a bell character', change: calendarChange({ fldKurzInfo: 'Termin\u0007' }), expect: warning(MappingCode.controlCharsRemoved, CAL, 'fldKurzInfo') },
  { name: 'subject with a line break', change: calendarChange({ fldKurzInfo: 'Termin\r\nMüller' }), expect: warning(MappingCode.controlCharsRemoved, CAL, 'fldKurzInfo') },
  { name: 'location with NUL', change: calendarChange({ fldOrt: 'Raum\u00002' }), expect: warning(MappingCode.controlCharsRemoved, CAL, 'fldOrt') },
  { name: 'info text with escape character', change: calendarChange({ fldInfo: 'Text\u001b[0m' }), expect: warning(MappingCode.controlCharsRemoved, CAL, 'fldInfo') },
  { name: 'e-mail without @', change: personChange({ fldNNa: 'Berg', fldEMail1: 'max.mustermann' }), expect: warning(MappingCode.emailDropped, PERSON, 'fldEMail1') },
  { name: 'e-mail without domain dot', change: personChange({ fldNNa: 'Berg', fldEMail2: 'a@b' }), expect: warning(MappingCode.emailDropped, PERSON, 'fldEMail2') },
  { name: 'e-mail with a space', change: personChange({ fldNNa: 'Berg', fldEMail3: 'max muster@firma.de' }), expect: warning(MappingCode.emailDropped, PERSON, 'fldEMail3') },
  { name: 'two e-mails in one field', change: companyChange({ fldEMail1: 'a@firma.de; b@firma.de' }), expect: warning(MappingCode.emailDropped, COMPANY, 'fldEMail1') },
  { name: 'surname with a tab', change: personChange({ fldNNa: 'Berg\tmann' }), expect: warning(MappingCode.controlCharsRemoved, PERSON, 'fldNNa') },
  { name: 'negative reminder', change: calendarChange({ fldErinnMin: -15 }), expect: warning(MappingCode.valueIgnored, CAL, 'fldErinnMin') },
  { name: 'unknown task priority', change: taskChange({ fldPrio: 'sofort!' }), expect: warning(MappingCode.valueIgnored, TASK, 'fldPrio') },
  { name: 'series starting off its rule', change: calendarChange({ fldSerie: 'FREQ=WEEKLY;BYDAY=FR' }), expect: warning(MappingCode.seriesStartMismatch, CAL, 'fldSerie') },
  {
    name: 'series exception on no date of the series',
    change: calendarChange({ fldSerie: 'FREQ=WEEKLY', fldSerieAusn: '2026-05-05' }),
    expect: warning(MappingCode.seriesExceptionIgnored, CAL, 'fldSerieAusn'),
  },
];
