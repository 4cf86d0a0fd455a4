import * as ews from 'ews-javascript-api';
import type { Appointment, Recurrence, Task, Weekday } from '../model';
import { keyOf } from '../ews/find';
import { keyPropertyDefinition } from '../ews/items';
import { allDaySpan, dateOf, ianaZoneOf, instantText, mondayFirst, normalRecurrence, weekdayName, type ReadItem } from './neutral';
import { addDays } from '../../time';

/**
 * EWS items (as ews-javascript-api reads them) → the neutral model, for the way back. Times
 * come from the library as exact instants (TotalMilliSeconds), never through the process
 * zone: a date is read in the item's zone. Series are masters: EWS returns their deleted and
 * modified occurrences with the master.
 */

/** What GetItem reads of a calendar item: never its body. */
export const APPOINTMENT_PROPERTIES = new ews.PropertySet(ews.BasePropertySet.IdOnly, [
  ews.ItemSchema.Subject, ews.ItemSchema.DateTimeCreated, ews.ItemSchema.Categories, ews.ItemSchema.IsReminderSet,
  ews.ItemSchema.ReminderMinutesBeforeStart, ews.AppointmentSchema.Start, ews.AppointmentSchema.End,
  ews.AppointmentSchema.StartTimeZone, ews.AppointmentSchema.IsAllDayEvent, ews.AppointmentSchema.Location,
  ews.AppointmentSchema.AppointmentType, ews.AppointmentSchema.IsMeeting, ews.AppointmentSchema.MyResponseType, ews.AppointmentSchema.Recurrence,
  ews.AppointmentSchema.DeletedOccurrences, ews.AppointmentSchema.ModifiedOccurrences, keyPropertyDefinition,
]);

export const TASK_PROPERTIES = new ews.PropertySet(ews.BasePropertySet.IdOnly, [
  ews.ItemSchema.Subject, ews.ItemSchema.DateTimeCreated, ews.ItemSchema.Categories, ews.ItemSchema.Importance,
  ews.ItemSchema.IsReminderSet, ews.ItemSchema.ReminderDueBy, ews.TaskSchema.StartDate, ews.TaskSchema.DueDate,
  ews.TaskSchema.Status, ews.TaskSchema.PercentComplete, keyPropertyDefinition,
]);

const ms = (d: ews.DateTime | null | undefined): number | undefined => (d ? d.TotalMilliSeconds : undefined);

/** A property the response did not carry reads as undefined (the library throws for some). */
function get<T>(read: () => T): T | undefined {
  try {
    const v = read();
    return v === null ? undefined : v;
  } catch {
    return undefined;
  }
}

function categories(item: ews.Item): string[] {
  return get(() => item.Categories.GetEnumerator()) ?? [];
}

/** `zone`: the reader's zone (the Mandant's), in which instants are written. */
export function toNeutralAppointment(a: ews.Appointment, zone: string): ReadItem {
  const itemZone = ianaZoneOf(get(() => a.StartTimeZone)?.Id, zone);
  const start = ms(get(() => a.Start)) ?? 0;
  const end = ms(get(() => a.End)) ?? start;
  const isAllDay = get(() => a.IsAllDayEvent) ?? false;
  // All-day items are midnight to midnight in their own zone.
  const span = isAllDay
    ? allDaySpan(dateOf(start, itemZone), end > start ? dateOf(end, itemZone) : addDays(dateOf(start, itemZone), 1), zone)
    : { start: instantText(start, zone), end: instantText(end, zone) };
  const item: Appointment = {
    subject: get(() => a.Subject) ?? '',
    start: span.start,
    end: span.end,
    timeZone: itemZone,
    isAllDay,
    location: get(() => a.Location) ?? '',
    reminderMinutes: get(() => a.IsReminderSet) ? get(() => a.ReminderMinutesBeforeStart) ?? 0 : null,
    categories: categories(a),
  };
  const out: ReadItem = { item, key: keyOf(a), createdAt: createdAt(a) };
  // An appointment without attendees is the mailbox's own; of a meeting, only the organizer's copy is.
  const response = get(() => a.MyResponseType);
  out.isOrganizer = get(() => a.IsMeeting) !== true || response === undefined || response === ews.MeetingResponseType.Organizer;
  const recurrence = get(() => a.Recurrence);
  if (recurrence) {
    item.recurrence = toNeutralRecurrence(recurrence, a, itemZone);
    const modified = get(() => a.ModifiedOccurrences?.GetEnumerator()) ?? [];
    out.modifiedOccurrences = [...new Set(modified.map((o) => dateOf(ms(o.OriginalStart) ?? 0, itemZone)))].sort();
  }
  return out;
}

const DAY: Record<number, Weekday[]> = {
  [ews.DayOfTheWeek.Day]: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'],
  [ews.DayOfTheWeek.Weekday]: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
  [ews.DayOfTheWeek.WeekendDay]: ['saturday', 'sunday'],
};
const days = (d: ews.DayOfTheWeek): Weekday[] => DAY[d] ?? [weekdayName(d)];
const INDEX: Recurrence['index'][] = ['first', 'second', 'third', 'fourth', 'last'];

function toNeutralRecurrence(p: ews.Recurrence, a: ews.Appointment, zone: string): Recurrence {
  const R = ews.Recurrence;
  // The library reads the range's dates as calendar dates (no zone): formatted as they were sent.
  const date = (d: ews.DateTime) => d.Format('YYYY-MM-DD');
  const interval = get(() => (p as unknown as { Interval: number }).Interval) ?? 1;
  let r: Recurrence;
  if (p instanceof R.DailyPattern) r = { pattern: 'daily', interval, startDate: '' };
  else if (p instanceof R.WeeklyPattern) {
    r = { pattern: 'weekly', interval, startDate: '', days: mondayFirst(p.DaysOfTheWeek.GetEnumerator().flatMap(days)) };
    const first = get(() => p.FirstDayOfWeek);
    r.firstDayOfWeek = first === undefined ? 'sunday' : weekdayName(first);
  } else if (p instanceof R.MonthlyPattern) r = { pattern: 'absoluteMonthly', interval, startDate: '', dayOfMonth: p.DayOfMonth };
  else if (p instanceof R.RelativeMonthlyPattern) {
    r = { pattern: 'relativeMonthly', interval, startDate: '', days: days(p.DayOfTheWeek), index: INDEX[p.DayOfTheWeekIndex] };
  } else if (p instanceof R.YearlyPattern) r = { pattern: 'absoluteYearly', interval: 1, startDate: '', month: p.Month, dayOfMonth: p.DayOfMonth };
  else if (p instanceof R.RelativeYearlyPattern) {
    r = { pattern: 'relativeYearly', interval: 1, startDate: '', month: p.Month, days: days(p.DayOfTheWeek), index: INDEX[p.DayOfTheWeekIndex] };
  } else {
    // Regeneration patterns exist for tasks only; an appointment has none of them.
    r = { pattern: 'daily', interval, startDate: '' };
  }
  r.startDate = get(() => date(p.StartDate)) ?? dateOf(ms(get(() => a.Start)) ?? 0, zone);
  const count = get(() => p.NumberOfOccurrences);
  const until = get(() => p.EndDate);
  if (count) r.count = count;
  else if (until) r.until = date(until);
  const deleted = get(() => a.DeletedOccurrences?.GetEnumerator()) ?? [];
  r.deletedOccurrences = deleted.map((d) => dateOf(ms(d.OriginalStart) ?? 0, zone));
  return normalRecurrence(r);
}

export function toNeutralTask(t: ews.Task, zone: string): ReadItem {
  const day = (d: ews.DateTime | undefined) => (d ? dateOf(d.TotalMilliSeconds, zone) : undefined);
  const status = get(() => t.Status);
  const complete = status === ews.TaskStatus.Completed;
  const importance = get(() => t.Importance);
  const reminderAt = get(() => t.IsReminderSet) ? ms(get(() => t.ReminderDueBy)) : undefined;
  const item: Task = {
    subject: get(() => t.Subject) ?? '',
    timeZone: zone,
    complete,
    percentComplete: complete ? 100 : get(() => t.PercentComplete) ?? 0,
    importance: importance === ews.Importance.High ? 'high' : importance === ews.Importance.Low ? 'low' : 'normal',
    reminder: reminderAt === undefined ? null : instantText(reminderAt, zone),
    categories: categories(t),
  };
  const startDate = day(get(() => t.StartDate));
  const dueDate = day(get(() => t.DueDate));
  if (startDate) item.startDate = startDate;
  if (dueDate) item.dueDate = dueDate;
  return { item, key: keyOf(t), createdAt: createdAt(t) };
}

function createdAt(item: ews.Item): string | undefined {
  const t = ms(get(() => item.DateTimeCreated));
  return t === undefined ? undefined : new Date(t).toISOString();
}
