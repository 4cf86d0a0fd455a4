import type { Appointment, Recurrence, Task, Weekday } from '../model';
import { KEY_PROPERTY_ID, LINKED_APPLICATION } from '../graph/items';
import { occurrenceDates } from '../occurrences';
import { addDays, zonedToInstant } from '../../time';
import { allDaySpan, dateOf, ianaZoneOf, instantText, normalRecurrence, type ReadItem } from './neutral';

/**
 * Microsoft Graph JSON (event, todoTask) → the neutral model, for the way back. Graph answers
 * without a `Prefer: outlook.timezone` header in UTC; an all-day event's times are midnight
 * as a wall clock ("floating"), so its days are read from the text. The deleted and moved
 * occurrences of a series come from its instances in the window (Graph lists no deleted
 * occurrences): a date of the pattern without an instance is a deleted one.
 * Sources: Graph v1.0 event (start, end, originalStartTimeZone, isAllDay, type, seriesMasterId,
 * originalStart, recurrence), dateTimeTimeZone, todoTask, linkedResource.
 */
type Json = Record<string, unknown>;

interface DateTimeTimeZone {
  dateTime?: string;
  timeZone?: string;
}

const WALL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/;

/** The instant of a dateTimeTimeZone (UTC, or a wall clock in an IANA or Windows zone). */
export function instantOf(v: unknown, fallbackZone: string): number | undefined {
  const d = v as DateTimeTimeZone | null | undefined;
  const m = typeof d?.dateTime === 'string' ? WALL.exec(d.dateTime) : null;
  if (!m) return undefined;
  const local = { year: +m[1], month: +m[2], day: +m[3], hour: +m[4], minute: +m[5], second: +(m[6] ?? 0) };
  const zone = !d?.timeZone || /^(UTC|Etc\/UTC|GMT)$/i.test(d.timeZone) ? 'UTC' : ianaZoneOf(d.timeZone, fallbackZone);
  return zonedToInstant(local, zone).getTime();
}

/** The day of a date value: a wall-clock midnight is a date as written; another time is read in `zone`. */
function dayOf(v: unknown, zone: string): string | undefined {
  const d = v as DateTimeTimeZone | null | undefined;
  const m = typeof d?.dateTime === 'string' ? WALL.exec(d.dateTime) : null;
  if (!m) return undefined;
  if (+m[4] === 0 && +m[5] === 0 && +(m[6] ?? 0) === 0) return `${m[1]}-${m[2]}-${m[3]}`;
  return dateOf(instantOf(v, zone)!, zone);
}

/** The writer key in the expanded extended property of an event. */
export function eventKeyOf(e: Json): string | undefined {
  const props = (e.singleValueExtendedProperties as Json[] | undefined) ?? [];
  const p = props.find((x) => String(x.id ?? '').toLowerCase() === KEY_PROPERTY_ID.toLowerCase());
  return p === undefined ? undefined : String(p.value ?? '');
}

/** The writer key in our linkedResource of a To Do task (lane 1 writes it there). */
export function taskKeyOf(t: Json): string | undefined {
  const ours = ((t.linkedResources as Json[] | undefined) ?? []).find((r) => r.applicationName === LINKED_APPLICATION);
  return ours ? String(ours.externalId ?? '') : undefined;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

/** The zone an event is kept in. */
export function eventZone(e: Json, zone: string): string {
  return ianaZoneOf(typeof e.originalStartTimeZone === 'string' ? e.originalStartTimeZone : undefined, zone);
}

/** An event (single or series master). `zone`: the reader's zone, in which instants are written. */
export function toNeutralEvent(e: Json, zone: string): ReadItem {
  const itemZone = eventZone(e, zone);
  const isAllDay = e.isAllDay === true;
  let span: { start: string; end: string };
  if (isAllDay) {
    const first = dayOf(e.start, itemZone) ?? '1970-01-01';
    const after = dayOf(e.end, itemZone);
    span = allDaySpan(first, after && after > first ? after : addDays(first, 1), zone);
  } else {
    const start = instantOf(e.start, itemZone) ?? 0;
    span = { start: instantText(start, zone), end: instantText(instantOf(e.end, itemZone) ?? start, zone) };
  }
  const item: Appointment = {
    subject: typeof e.subject === 'string' ? e.subject : '',
    start: span.start,
    end: span.end,
    timeZone: itemZone,
    isAllDay,
    location: String((e.location as Json | undefined)?.displayName ?? ''),
    reminderMinutes: e.isReminderOn ? Number(e.reminderMinutesBeforeStart ?? 0) : null,
    categories: strings(e.categories),
  };
  const recurrence = e.recurrence ? patternOf(e.recurrence as Json) : undefined;
  if (recurrence) item.recurrence = recurrence;
  return {
    item,
    key: eventKeyOf(e),
    isOrganizer: e.isOrganizer !== false,
    createdAt: typeof e.createdDateTime === 'string' ? new Date(e.createdDateTime).toISOString() : undefined,
  };
}

/** Graph's patternedRecurrence → the neutral series (without deleted occurrences). */
function patternOf(r: Json): Recurrence | undefined {
  const p = (r.pattern ?? {}) as Json;
  const range = (r.range ?? {}) as Json;
  const type = String(p.type ?? '');
  if (!['daily', 'weekly', 'absoluteMonthly', 'relativeMonthly', 'absoluteYearly', 'relativeYearly'].includes(type)) return undefined;
  const out: Recurrence = { pattern: type as Recurrence['pattern'], interval: Number(p.interval ?? 1) || 1, startDate: String(range.startDate ?? '') };
  const days = strings(p.daysOfWeek) as Weekday[];
  if (days.length) out.days = days;
  if (p.firstDayOfWeek) out.firstDayOfWeek = String(p.firstDayOfWeek) as Weekday;
  if (Number(p.dayOfMonth)) out.dayOfMonth = Number(p.dayOfMonth);
  if (Number(p.month)) out.month = Number(p.month);
  if (p.index) out.index = String(p.index) as Recurrence['index'];
  if (range.type === 'numbered' && Number(range.numberOfOccurrences)) out.count = Number(range.numberOfOccurrences);
  if (range.type === 'endDate' && typeof range.endDate === 'string') out.until = range.endDate;
  return normalRecurrence(out);
}

/**
 * A series' deleted and moved occurrences from its instances in `window` (ISO instants). The
 * first and last day of the window are left out (an occurrence there may start outside it).
 */
export function occurrencesOf(recurrence: Recurrence, instances: Json[], window: { start: string; end: string }, zone: string):
  { deleted: string[]; modified: string[]; seen: { start: string; end: string } } {
  const seen = { start: addDays(dateOf(Date.parse(window.start), zone), 1), end: addDays(dateOf(Date.parse(window.end) - 1, zone), -1) };
  const original = (i: Json) => dateOf(typeof i.originalStart === 'string' ? Date.parse(i.originalStart) : instantOf(i.start, zone) ?? 0, zone);
  const present = new Set(instances.map(original));
  const deleted: string[] = [];
  for (const date of occurrenceDates(recurrence, seen.end)) {
    if (date >= seen.start && !present.has(date)) deleted.push(date);
  }
  const modified = [...new Set(instances.filter((i) => i.type === 'exception').map(original))].sort();
  return { deleted, modified, seen };
}

/** A To Do task; dates are days (To Do keeps no times). */
export function toNeutralTodo(t: Json, zone: string): ReadItem {
  const complete = t.status === 'completed';
  const reminderAt = t.isReminderOn ? instantOf(t.reminderDateTime, zone) : undefined;
  const item: Task = {
    subject: typeof t.title === 'string' ? t.title : '',
    timeZone: zone,
    complete,
    percentComplete: complete ? 100 : 0,
    importance: t.importance === 'high' || t.importance === 'low' ? t.importance : 'normal',
    reminder: reminderAt === undefined ? null : instantText(reminderAt, zone),
    categories: strings(t.categories),
  };
  const startDate = dayOf(t.startDateTime, zone);
  const dueDate = dayOf(t.dueDateTime, zone);
  if (startDate) item.startDate = startDate;
  if (dueDate) item.dueDate = dueDate;
  return { item, key: taskKeyOf(t), createdAt: typeof t.createdDateTime === 'string' ? new Date(t.createdDateTime).toISOString() : undefined };
}
