import { TimeZoneMappingData } from 'ews-javascript-api/js/tzmapping';
import type { Appointment, Recurrence, Task, Weekday } from '../model';
import { dateInZone, formatInstant, isTimeZone, startOfDay } from '../../time';

/**
 * What both change readers share when they turn an Exchange item into the neutral model:
 * zones, instants, and series in the shape lane 1's mapper gives them, so an item the product
 * wrote and nobody touched reads back with the same field hashes (no echo).
 */

/** An item as a reader took it from Exchange, before it becomes a change. */
export interface ReadItem {
  item: Appointment | Task;
  key?: string;
  isOrganizer?: boolean;
  createdAt?: string;
  modifiedOccurrences?: string[];
}

/**
 * The IANA zone of an Exchange zone (a Windows id such as `W. Europe Standard Time`, or an
 * IANA name), preferring `preferred` when it belongs to the same Windows zone (Vienna stays
 * Vienna). Unknown: `preferred`. Source of the mapping: CLDR windowsZones, as ews-javascript-api
 * ships it.
 */
export function ianaZoneOf(exchangeZone: string | undefined, preferred: string): string {
  const id = exchangeZone?.trim();
  if (!id) return preferred;
  if (/^(UTC|Etc\/UTC|Etc\/GMT|tzone:\/\/Microsoft\/Utc)$/i.test(id)) return ['UTC', 'Etc/UTC'].includes(preferred) ? preferred : 'UTC';
  const entry = (TimeZoneMappingData as Record<string, unknown>)[id];
  if (Array.isArray(entry) && Array.isArray(entry[0])) {
    const zones = entry[0] as string[];
    return zones.includes(preferred) ? preferred : zones.find(isTimeZone) ?? preferred;
  }
  return isTimeZone(id) ? id : preferred;
}

/** An instant as lane 1's mapper writes one: ISO 8601 with the zone's offset. */
export function instantText(ms: number, zone: string): string {
  return formatInstant(new Date(ms), zone);
}

/** An all-day item's first day and the day after its last, as instants at midnight in `zone`. */
export function allDaySpan(firstDay: string, dayAfter: string, zone: string): { start: string; end: string } {
  return { start: formatInstant(startOfDay(firstDay, zone), zone), end: formatInstant(startOfDay(dayAfter, zone), zone) };
}

/** The calendar date of an instant in a zone. */
export function dateOf(ms: number, zone: string): string {
  return dateInZone(new Date(ms), zone);
}

const WEEK: Weekday[] = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/** Weekdays Monday first, as lane 1's mapper lists them. */
export function mondayFirst(days: Weekday[]): Weekday[] {
  return [...new Set(days)].sort((a, b) => ((WEEK.indexOf(a) + 6) % 7) - ((WEEK.indexOf(b) + 6) % 7));
}

export function weekdayName(day: number): Weekday {
  return WEEK[day];
}

/**
 * A series in lane 1's shape: a monthly series every 12·n months is yearly every n years
 * (EWS has no yearly interval, so lane 1 writes it monthly), weekly patterns keep their first
 * day, the others name none; deleted dates sorted, none listed when there are none.
 */
export function normalRecurrence(r: Recurrence): Recurrence {
  const out: Recurrence = { pattern: r.pattern, interval: Math.max(1, r.interval), startDate: r.startDate };
  const month = Number(r.startDate.slice(5, 7));
  if ((r.pattern === 'absoluteMonthly' || r.pattern === 'relativeMonthly') && out.interval % 12 === 0) {
    out.pattern = r.pattern === 'absoluteMonthly' ? 'absoluteYearly' : 'relativeYearly';
    out.interval /= 12;
    out.month = month;
  }
  if (out.pattern === 'weekly') {
    out.days = mondayFirst(r.days ?? []);
    out.firstDayOfWeek = r.firstDayOfWeek ?? 'sunday';
  }
  if (out.pattern === 'relativeMonthly' || out.pattern === 'relativeYearly') {
    out.days = mondayFirst(r.days ?? []);
    out.index = r.index ?? 'first';
  }
  if (out.pattern === 'absoluteMonthly' || out.pattern === 'absoluteYearly') out.dayOfMonth = r.dayOfMonth;
  if (out.pattern === 'absoluteYearly' || out.pattern === 'relativeYearly') out.month = out.month ?? r.month;
  if (r.count) out.count = r.count;
  else if (r.until) out.until = r.until;
  const deleted = [...new Set(r.deletedOccurrences ?? [])].sort();
  if (deleted.length) out.deletedOccurrences = deleted;
  return out;
}
