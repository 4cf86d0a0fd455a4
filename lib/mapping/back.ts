/**
 * The way back: a neutral Outlook item (lib/exchange/model.ts) → the büro+ values of its
 * two-way fields, named by the büro+ connection's field map. The exact inverse of
 * appointment.ts and task.ts for these fields: a büro+ row mapped there and back here gives the
 * same values (test/mapping/back.test.ts proves it, DST days included).
 *
 * Appointments: subject, start, end, all-day, location, reminder, and occurrences deleted from a
 * series (added to the exception dates). Tasks: subject, start and due date, done. Never the
 * info or memo text (docs/behaviours.md: info texts go one way), attendees or attachments.
 *
 * Times: büro+ holds local `YYYY-MM-DDTHH:mm:ss` in the Mandant's zone. An Outlook time is an
 * instant, so its wall time always exists; in the hour the clocks go back a wall time exists
 * twice, and büro+'s (like lane 1's) reading is the first: a time in the second pass is written
 * as its wall time with the warning MAPPING_TIME_REPEATED. All-day: the first and the last day,
 * both at 00:00:00 (Outlook's end is exclusive), the days read in the item's own zone.
 */
import type { FieldMap } from '../buero/fields';
import type { BueroValues } from '../buero/writer/model';
import { MappingCode } from '../error-codes';
import { SyncError } from '../errors';
import type { Appointment, Task } from '../exchange/model';
import { show } from './record';
import { dateInZone, formatDate, isTimeZone, localOf, parseBueroDateTime, parseDate, zonedToInstant } from '../time';

export interface BackSettings {
  /** The büro+ connection's field names. */
  fields: FieldMap;
  /** The Mandant's IANA zone (SYNC_TIMEZONE). */
  timeZone: string;
  /** buero-map's placeholder for an empty subject: it comes back as an empty subject. */
  placeholderSubject?: string;
}

/** The Outlook item the values come from, for messages. */
export interface BackItemRef {
  mailbox: string;
  itemId: string;
  /** The büro+ record when there is one, e.g. `tblCalendar 4711`. */
  record?: string;
}

export type AppointmentBackField = 'subject' | 'start' | 'end' | 'isAllDay' | 'location' | 'reminderMinutes' | 'deletedOccurrences';
export const APPOINTMENT_BACK_FIELDS: readonly AppointmentBackField[] = ['subject', 'start', 'end', 'isAllDay', 'location', 'reminderMinutes', 'deletedOccurrences'];

export type TaskBackField = 'subject' | 'startDate' | 'dueDate' | 'complete';
export const TASK_BACK_FIELDS: readonly TaskBackField[] = ['subject', 'startDate', 'dueDate', 'complete'];

export interface BackOptions<F extends string> {
  /**
   * The item fields to take (default all). Times go together: any of start, end, all-day (or a
   * task's start and due date) writes begin, end and all-day, so büro+ never sees an end before
   * a start half-way.
   */
  only?: readonly F[];
  /** The büro+ row as it is now: its exception dates are kept, a task's time of day too. */
  current?: Record<string, unknown>;
}

export interface BackResult {
  values: BueroValues;
  /** Repaired or noteworthy values (MAPPING_TIME_REPEATED), each naming mailbox, item and field. */
  warnings: SyncError[];
}

class Back {
  readonly warnings: SyncError[] = [];
  constructor(readonly ref: BackItemRef) {}

  private text(field: string, text: string): string {
    const record = this.ref.record ? ` (${this.ref.record})` : '';
    return `${this.ref.mailbox}, Outlook item ${this.ref.itemId}${record}, ${field}: ${text}`;
  }

  error(code: string, field: string, text: string): SyncError {
    return new SyncError(code, this.text(field, text), { record: this.ref.record ?? `Outlook item ${this.ref.itemId}`, field });
  }

  warn(code: string, field: string, text: string): void {
    this.warnings.push(new SyncError(code, this.text(field, text), { record: this.ref.record ?? `Outlook item ${this.ref.itemId}`, field }));
  }
}

export function appointmentToBuero(item: Appointment, settings: BackSettings, ref: BackItemRef, options: BackOptions<AppointmentBackField> = {}): BackResult {
  const f = settings.fields.calendar;
  const want = new Set(options.only ?? APPOINTMENT_BACK_FIELDS);
  const back = new Back(ref);
  const values: BueroValues = {};
  if (want.has('subject')) values[f.subject] = subject(item.subject, settings);
  if (want.has('start') || want.has('end') || want.has('isAllDay')) Object.assign(values, appointmentTimes(item, settings, back));
  if (want.has('location')) values[f.location] = line(item.location);
  if (want.has('reminderMinutes')) {
    const minutes = item.reminderMinutes;
    if (minutes !== null && !(Number.isSafeInteger(minutes) && minutes >= 0)) {
      throw back.error(MappingCode.fieldInvalid, f.reminderMinutes, `the reminder ${show(minutes)} is no number of minutes.`);
    }
    values[f.reminderMinutes] = minutes;
  }
  const deleted = item.recurrence?.deletedOccurrences ?? [];
  if (want.has('deletedOccurrences') && deleted.length > 0) {
    for (const date of deleted) {
      if (!parseDate(date)) throw back.error(MappingCode.fieldInvalid, f.seriesExceptions, `the deleted occurrence ${show(date)} is no date (YYYY-MM-DD).`);
    }
    values[f.seriesExceptions] = mergeSeriesExceptions(options.current?.[f.seriesExceptions], deleted);
  }
  return { values, warnings: back.warnings };
}

export function taskToBuero(item: Task, settings: BackSettings, ref: BackItemRef, options: BackOptions<TaskBackField> = {}): BackResult {
  const f = settings.fields.calendar;
  const want = new Set(options.only ?? TASK_BACK_FIELDS);
  const back = new Back(ref);
  const values: BueroValues = {};
  if (want.has('subject')) values[f.subject] = subject(item.subject, settings);
  if (want.has('startDate') || want.has('dueDate')) {
    for (const [date, field] of [[item.startDate, f.begin], [item.dueDate, f.end]] as const) {
      if (date !== undefined && !parseDate(date)) throw back.error(MappingCode.fieldInvalid, field, `${show(date)} is no date (YYYY-MM-DD).`);
    }
    if (item.startDate && item.dueDate && item.dueDate < item.startDate) {
      throw back.error(MappingCode.endBeforeStart, f.end, `the due date ${item.dueDate} lies before the start date ${item.startDate}.`);
    }
    values[f.begin] = item.startDate ? `${item.startDate}T${timeOfDay(options.current?.[f.begin])}` : null;
    values[f.end] = item.dueDate ? `${item.dueDate}T${timeOfDay(options.current?.[f.end])}` : null;
  }
  if (want.has('complete')) values[f.done] = item.complete === true;
  return { values, warnings: back.warnings };
}

/**
 * büro+'s exception dates (`YYYY-MM-DD;…`) with dates added: sorted, each once; what büro+ has
 * that is no date stays as it was. Null when there are none.
 */
export function mergeSeriesExceptions(current: unknown, added: readonly string[]): string | null {
  const dates = new Set<string>();
  const other: string[] = [];
  const text = typeof current === 'string' ? current : '';
  for (const raw of text.split(/[;,\s]+/).map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\d{4})-?(\d{2})-?(\d{2})(?:[T ].*)?$/.exec(raw);
    const date = m ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
    if (date && parseDate(date)) dates.add(date);
    else other.push(raw);
  }
  for (const date of added) dates.add(date);
  const all = [...other, ...[...dates].sort()];
  return all.length > 0 ? all.join(';') : null;
}

/** An instant as büro+'s local date-time in the zone; `repeated` when that wall time reads as another instant (the second pass of a repeated hour). */
export function bueroDateTime(instant: Date, zone: string): { value: string; repeated: boolean } {
  const l = localOf(instant, zone);
  const p = (n: number) => String(n).padStart(2, '0');
  const value = `${formatDate(l)}T${p(l.hour)}:${p(l.minute)}:${p(l.second)}`;
  const whole = Math.floor(instant.getTime() / 1000) * 1000;
  return { value, repeated: zonedToInstant(l, zone).getTime() !== whole };
}

function appointmentTimes(item: Appointment, settings: BackSettings, back: Back): BueroValues {
  const f = settings.fields.calendar;
  const start = new Date(Date.parse(item.start));
  const end = new Date(Date.parse(item.end));
  if (Number.isNaN(start.getTime())) throw back.error(MappingCode.fieldInvalid, f.begin, `the start ${show(item.start)} is no date-time.`);
  if (Number.isNaN(end.getTime())) throw back.error(MappingCode.fieldInvalid, f.end, `the end ${show(item.end)} is no date-time.`);
  if (end.getTime() < start.getTime()) throw back.error(MappingCode.endBeforeStart, f.end, `the end ${item.end} lies before the start ${item.start}.`);

  if (item.isAllDay) {
    // Outlook's all-day days are midnights in the item's own zone; the end is the midnight after the last day.
    const zone = isTimeZone(item.timeZone) ? item.timeZone : settings.timeZone;
    const first = dateInZone(start, zone);
    const lastDay = dateInZone(new Date(end.getTime() - 1), zone);
    const last = lastDay < first ? first : lastDay;
    return { [f.begin]: `${first}T00:00:00`, [f.end]: `${last}T00:00:00`, [f.allDay]: true };
  }
  const zone = settings.timeZone;
  const out: BueroValues = {};
  for (const [instant, field, given] of [[start, f.begin, item.start], [end, f.end, item.end]] as const) {
    const { value, repeated } = bueroDateTime(instant, zone);
    out[field] = value;
    if (repeated) {
      back.warn(
        MappingCode.timeRepeated,
        field,
        `${given} is ${value.slice(11, 16)} in the second pass of the hour the clocks go back in ${zone}; büro+ holds ${value}, which reads as the first pass (an hour earlier).`,
      );
    }
  }
  if ((out[f.end] as string) < (out[f.begin] as string)) {
    // 02:30 summer time to 02:15 winter time on the fall-back night: 45 minutes, but büro+'s local times would run backwards.
    throw back.error(
      MappingCode.endBeforeStart,
      f.end,
      `the end ${item.end} is ${out[f.end]} in ${zone}, before the start ${out[f.begin]} (the clocks went back in between); büro+ cannot hold this in local times: move the start or the end in Outlook.`,
    );
  }
  out[f.allDay] = false;
  return out;
}

function subject(value: string | undefined, settings: BackSettings): string | null {
  if (value === undefined || value.trim() === '') return null;
  if (settings.placeholderSubject !== undefined && value === settings.placeholderSubject) return null;
  return value;
}

function line(value: string | undefined): string | null {
  return value === undefined || value.trim() === '' ? null : value;
}

/** The time of day of büro+'s current value (a task keeps it when its date moves); midnight without one. */
function timeOfDay(current: unknown): string {
  const dt = parseBueroDateTime(current);
  if (!dt || 'instant' in dt) return '00:00:00';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(dt.local.hour)}:${p(dt.local.minute)}:${p(dt.local.second)}`;
}
