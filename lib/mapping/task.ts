/**
 * büro+ calendar entry of kind Aufgabe (tblCalendar) → neutral task. Tasks are dates in
 * the Mandant's zone: fldBeginn gives the start date, fldEnde the due date.
 */
import { MappingCode } from '../error-codes';
import type { Task } from '../exchange/model';
import { reminderMinutes } from './appointment';
import { cleanBody, cleanSubject } from './clean';
import { readBoolean, readDateTime, readText, show, type BueroRecord, type MapContext } from './record';
import type { MapSettings } from './settings';
import { composeBody } from './text';
import { dateOf, formatInstant, instantOf } from '../time';

/** büro+ priority values (fldPrio) as Exchange importance; other schemes: use an override. */
const IMPORTANCE: Record<string, Task['importance']> = {
  '1': 'high', hoch: 'high', high: 'high', wichtig: 'high',
  '': 'normal', '0': 'normal', '2': 'normal', normal: 'normal', mittel: 'normal',
  '3': 'low', niedrig: 'low', low: 'low', gering: 'low',
};

export function toExchangeTask(record: BueroRecord, ctx: MapContext, settings: MapSettings): Task {
  const f = settings.fields.calendar;
  const zone = settings.timeZone;
  const startValue = readDateTime(ctx, record, f.start, false);
  const dueValue = readDateTime(ctx, record, f.end, false);
  const startDate = startValue && dateOf(startValue, zone);
  const dueDate = dueValue && dateOf(dueValue, zone);
  if (startDate && dueDate && dueDate < startDate) {
    throw ctx.error(MappingCode.endBeforeStart, f.end, `the due date ${dueDate} lies before the start date ${startDate}.`);
  }
  ctx.from('startDate', f.start);
  ctx.from('dueDate', f.end);

  const complete = readBoolean(ctx, record, f.done) ?? false;
  const priority = (readText(ctx, record, f.priority) ?? '').trim().toLowerCase();
  let importance = IMPORTANCE[priority];
  if (!importance) {
    ctx.warn(MappingCode.valueIgnored, f.priority, `the priority ${show(record[f.priority])} is unknown; "normal" is used.`, 'importance');
    importance = 'normal';
  }

  // The reminder fires the given minutes before the start (or, without a start, the due date).
  const minutes = reminderMinutes(ctx, record, f.reminderMinutes, settings.reminderDefault, 'reminder');
  const anchor = startValue ?? dueValue;
  const reminder =
    minutes === null || !anchor ? null : formatInstant(new Date(instantOf(anchor, zone).getTime() - minutes * 60000), zone);

  if (readText(ctx, record, f.series) !== undefined) {
    ctx.warn(MappingCode.taskSeriesIgnored, f.series, 'a recurring task is synced as a single task (Exchange tasks are written without series).');
  }

  const task: Task = {
    subject: readText(ctx, record, f.subject) ?? '',
    body: composeBody([readText(ctx, record, f.info), readText(ctx, record, f.memo)], settings.bodyFormat),
    timeZone: zone,
    complete,
    percentComplete: complete ? 100 : 0,
    importance,
    reminder,
    categories: settings.category.trim() === '' ? [] : [settings.category.trim()],
  };
  if (startDate) task.startDate = startDate;
  if (dueDate) task.dueDate = dueDate;
  ctx.from('subject', f.subject);
  ctx.from('body', f.info);
  return task;
}

export function finishTask(t: Task, ctx: MapContext, settings: MapSettings): Task {
  t.subject = cleanSubject(ctx, 'subject', t.subject, settings.placeholderSubject);
  t.body = cleanBody(ctx, 'body', t.body);
  if (t.startDate && t.dueDate && t.dueDate < t.startDate) {
    throw ctx.error(MappingCode.endBeforeStart, ctx.fieldFor('dueDate'), `the due date ${t.dueDate} lies before the start date ${t.startDate}.`);
  }
  return t;
}
