/**
 * büro+ calendar entry (tblCalendar, kind Termin) → neutral appointment.
 */
import { MappingCode } from '../error-codes';
import type { Appointment } from '../exchange/model';
import { cleanBody, cleanLine, cleanSubject } from './clean';
import { readBoolean, readDateTime, readInteger, readText, show, type BueroRecord, type MapContext } from './record';
import { toRecurrence } from './recurrence';
import type { MapSettings } from './settings';
import { composeBody } from './text';
import { addDays, dateOf, formatInstant, instantOf, localOf, startOfDay } from '../time';

export function toExchangeAppointment(record: BueroRecord, ctx: MapContext, settings: MapSettings): Appointment {
  const f = settings.fields.calendar;
  const zone = settings.timeZone;
  const isAllDay = readBoolean(ctx, record, f.allDay) ?? false;
  const startValue = readDateTime(ctx, record, f.start, true);
  const endValue = readDateTime(ctx, record, f.end, true);
  ctx.from('start', f.start);
  ctx.from('end', f.end);

  let start: Date;
  let end: Date;
  if (isAllDay) {
    // fldBeginn / fldEnde hold the first and the last day (included). Exchange wants midnight
    // to midnight with an exclusive end, else a one-day entry spans two days in Outlook.
    const firstDay = dateOf(startValue, zone);
    const lastDay = dateOf(endValue, zone);
    if (lastDay < firstDay) {
      throw ctx.error(MappingCode.endBeforeStart, f.end, `the last day ${lastDay} lies before the first day ${firstDay}.`);
    }
    start = startOfDay(firstDay, zone);
    end = startOfDay(addDays(lastDay, 1), zone);
  } else {
    start = instantOf(startValue, zone);
    end = instantOf(endValue, zone);
    if (end.getTime() < start.getTime()) {
      throw ctx.error(
        MappingCode.endBeforeStart,
        f.end,
        `the end ${show(record[f.end])} lies before the start ${show(record[f.start])}.`,
      );
    }
  }

  const appointment: Appointment = {
    subject: readText(ctx, record, f.subject) ?? '',
    body: composeBody([readText(ctx, record, f.info), readText(ctx, record, f.memo)], settings.bodyFormat),
    start: formatInstant(start, zone),
    end: formatInstant(end, zone),
    timeZone: zone,
    isAllDay,
    location: readText(ctx, record, f.location) ?? '',
    reminderMinutes: reminderMinutes(ctx, record, f.reminderMinutes, settings.reminderDefault),
    categories: settings.category.trim() === '' ? [] : [settings.category.trim()],
    freeBusy: settings.freeBusy,
  };
  ctx.from('subject', f.subject);
  ctx.from('body', f.info);
  ctx.from('location', f.location);

  const rule = readText(ctx, record, f.series);
  if (rule !== undefined) {
    const local = 'instant' in startValue ? localOf(startValue.instant, zone) : startValue.local;
    appointment.recurrence = toRecurrence(
      rule,
      readText(ctx, record, f.seriesExceptions),
      { date: dateOf(startValue, zone), time: isAllDay ? { hour: 0, minute: 0, second: 0 } : local, isAllDay },
      zone,
      ctx,
      { rule: f.series, exceptions: f.seriesExceptions },
    );
  }
  return appointment;
}

/** Reminder minutes: büro+ value, else the default; a negative or broken value is a warning. */
export function reminderMinutes(
  ctx: MapContext,
  record: BueroRecord,
  field: string,
  fallback: number | null,
  target = 'reminderMinutes',
): number | null {
  const value = readInteger(record, field);
  if (value === undefined) return fallback;
  if (value === 'invalid' || value < 0) {
    ctx.warn(MappingCode.valueIgnored, field, `${show(record[field])} is no number of minutes; the default reminder is used.`, target);
    return fallback;
  }
  return value;
}

/** After the overrides: clean texts, check the times again (an override may have moved them). */
export function finishAppointment(a: Appointment, ctx: MapContext, settings: MapSettings): Appointment {
  a.subject = cleanSubject(ctx, 'subject', a.subject, settings.placeholderSubject);
  a.body = cleanBody(ctx, 'body', a.body);
  a.location = cleanLine(ctx, 'location', a.location);
  if (Date.parse(a.end) < Date.parse(a.start)) {
    throw ctx.error(MappingCode.endBeforeStart, ctx.fieldFor('end'), `the end ${a.end} lies before the start ${a.start}.`);
  }
  return a;
}
