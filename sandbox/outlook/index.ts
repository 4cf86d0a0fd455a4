/**
 * A person working in Outlook, for the way back: creates, changes and deletes appointments and
 * tasks in a mailbox of the shared store the way Outlook does, so both simulators report it
 * (EWS SyncFolderItems, Graph delta). Every change gives the item a new ChangeKey; a new item
 * carries no writer key; an invitation comes from someone else (the mailbox does not organize
 * it); Delete moves an item to Deleted Items; one occurrence of a series is deleted or moved
 * on its master (an exception). Used by tests and by the mailbox page of `npm start`.
 */
import { randomBytes } from 'node:crypto';
import type { MailboxStore, StoredItem } from '../store';
import { deleteOccurrence, moveOccurrence } from '../ews/exceptions';
import { itemZone, seriesOf } from '../ews/items';
import { formatUtc, wallClock, zonedToInstant } from '../ews/timezones';
import { zoneField } from '../graph/items';

export type OutlookWeekday = 'sunday' | 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday';

export interface OutlookSeries {
  pattern: 'daily' | 'weekly';
  interval?: number;
  /** Weekly: the days (default: the start's weekday). */
  days?: OutlookWeekday[];
  /** Outlook's default week start is Sunday. */
  firstDayOfWeek?: OutlookWeekday;
  count?: number;
  /** Last date `YYYY-MM-DD`. */
  until?: string;
}

export interface OutlookAppointment {
  subject: string;
  /** ISO instants; all-day: midnight in `timeZone` to the midnight after the last day. */
  start: string;
  end: string;
  /** IANA zone (default: the Outlook's zone). */
  timeZone?: string;
  isAllDay?: boolean;
  location?: string;
  /** null: no reminder (default 15, as Outlook). */
  reminderMinutes?: number | null;
  categories?: string[];
  recurrence?: OutlookSeries;
}

export interface OutlookTask {
  subject: string;
  /** `YYYY-MM-DD`. */
  startDate?: string;
  dueDate?: string;
  complete?: boolean;
  categories?: string[];
}

type Fields = Record<string, unknown>;
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const WEEK: OutlookWeekday[] = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const ymd = (t: number, zone: string) => {
  const [y, m, d] = wallClock(t, zone);
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
};

export class Outlook {
  /** `zone`: the zone the people work in (their Outlook's). */
  constructor(readonly store: MailboxStore, readonly zone = 'Europe/Berlin') {}

  /** A new appointment the user makes in their calendar (no writer key). */
  createAppointment(mailbox: string, a: OutlookAppointment): StoredItem {
    const calendar = this.store.distinguishedFolder(mailbox, 'calendar')!;
    const fields: Fields = { UID: uid() };
    this.applyAppointment(fields, a);
    return this.store.createItem(mailbox, calendar.folderId, 'appointment', fields);
  }

  /** A meeting someone else organizes arrives in the mailbox's calendar (not yet answered). */
  receiveInvitation(mailbox: string, organizer: string, a: OutlookAppointment): StoredItem {
    const calendar = this.store.distinguishedFolder(mailbox, 'calendar')!;
    const fields: Fields = {
      UID: uid(), IsMeeting: 'true', IsOrganizer: 'false', MyResponseType: 'NoResponseReceived', IsResponseRequested: 'true',
      Organizer: { Mailbox: { Name: organizer, EmailAddress: organizer, RoutingType: 'SMTP', MailboxType: 'Mailbox' } },
    };
    this.applyAppointment(fields, a);
    return this.store.createItem(mailbox, calendar.folderId, 'appointment', fields);
  }

  /** The user changes an appointment (the whole series, for a series). */
  editAppointment(item: StoredItem, change: Partial<OutlookAppointment>): StoredItem {
    return this.store.updateItem(item, (i) => this.applyAppointment(i.fields, change));
  }

  /** Delete in Outlook: the item goes to Deleted Items (it leaves the calendar or the task list). */
  deleteItem(item: StoredItem): void {
    const bin = this.store.distinguishedFolder(item.mailbox, 'deleteditems')!;
    this.store.moveItem(item, bin.folderId);
  }

  /** The user deletes the occurrence of a series on `date` (`YYYY-MM-DD` in the series' zone). */
  deleteOccurrence(master: StoredItem, date: string): StoredItem {
    deleteOccurrence(this.store, master, this.occurrenceOn(master, date));
    return master;
  }

  /** The user moves the occurrence of `date` to new times (ISO instants): an exception. */
  moveOccurrence(master: StoredItem, date: string, start: string, end: string): StoredItem {
    moveOccurrence(this.store, master, this.occurrenceOn(master, date), Date.parse(start), Date.parse(end));
    return master;
  }

  createTask(mailbox: string, t: OutlookTask): StoredItem {
    const tasks = this.store.distinguishedFolder(mailbox, 'tasks')!;
    const fields: Fields = { Status: 'NotStarted', PercentComplete: '0' };
    this.applyTask(fields, t);
    return this.store.createItem(mailbox, tasks.folderId, 'task', fields);
  }

  editTask(item: StoredItem, change: Partial<OutlookTask>): StoredItem {
    return this.store.updateItem(item, (i) => this.applyTask(i.fields, change));
  }

  /** The user ticks a task off. */
  completeTask(item: StoredItem): StoredItem {
    return this.editTask(item, { complete: true });
  }

  /** An item of the mailbox by its subject (the newest), for a person clicking through the sandbox. */
  find(mailbox: string, subject: string): StoredItem | undefined {
    return this.store.items(mailbox).filter((i) => i.fields.Subject === subject).pop();
  }

  private occurrenceOn(master: StoredItem, date: string): number {
    const zone = itemZone(master.fields);
    const [y, m, d] = date.split('-').map(Number);
    const until = zonedToInstant(y!, m!, d! + 1, 0, 0, 0, zone);
    const o = seriesOf(master, { until }).find((x) => !x.deleted && ymd(x.start, zone) === date);
    if (!o) throw new Error(`the series "${String(master.fields.Subject)}" has no occurrence on ${date}`);
    return o.start;
  }

  private applyAppointment(f: Fields, a: Partial<OutlookAppointment>): void {
    const zone = a.timeZone ?? (f.StartTimeZone ? itemZone(f) : this.zone);
    if (a.subject !== undefined) f.Subject = a.subject;
    if (a.start !== undefined) f.Start = formatUtc(Date.parse(a.start));
    if (a.end !== undefined) f.End = formatUtc(Date.parse(a.end));
    if (a.timeZone !== undefined || !f.StartTimeZone) {
      f.StartTimeZone = zoneField(zone);
      f.EndTimeZone = zoneField(zone);
    }
    if (a.isAllDay !== undefined || f.IsAllDayEvent === undefined) f.IsAllDayEvent = a.isAllDay ? 'true' : 'false';
    if (a.location !== undefined) {
      if (a.location) f.Location = a.location;
      else delete f.Location;
    }
    if (a.reminderMinutes !== undefined || f.ReminderIsSet === undefined) {
      const minutes = a.reminderMinutes === undefined ? 15 : a.reminderMinutes;
      f.ReminderIsSet = minutes === null ? 'false' : 'true';
      if (minutes !== null) f.ReminderMinutesBeforeStart = String(minutes);
    }
    if (a.categories !== undefined) {
      if (a.categories.length) f.Categories = { String: a.categories };
      else delete f.Categories;
    }
    if (a.recurrence !== undefined) {
      const r = a.recurrence;
      const start = Date.parse(String(f.Start));
      const first = ymd(start, zone);
      const days = (r.days ?? [WEEK[new Date(Date.parse(`${first}T00:00:00Z`)).getUTCDay()]!]).map(cap).join(' ');
      const pattern = r.pattern === 'daily'
        ? { DailyRecurrence: { Interval: String(r.interval ?? 1) } }
        : { WeeklyRecurrence: { Interval: String(r.interval ?? 1), DaysOfWeek: days, FirstDayOfWeek: cap(r.firstDayOfWeek ?? 'sunday') } };
      const range = r.count ? { NumberedRecurrence: { StartDate: first, NumberOfOccurrences: String(r.count) } }
        : r.until ? { EndDateRecurrence: { StartDate: first, EndDate: r.until } } : { NoEndRecurrence: { StartDate: first } };
      f.Recurrence = { ...pattern, ...range };
      // A new pattern drops the occurrences deleted or moved before.
      delete f.DeletedOccurrences;
      delete f.ModifiedOccurrences;
    }
  }

  private applyTask(f: Fields, t: Partial<OutlookTask>): void {
    // Outlook keeps a task's dates as midnight of the day in the user's zone.
    const day = (date: string) => {
      const [y, m, d] = date.split('-').map(Number);
      return formatUtc(zonedToInstant(y!, m!, d!, 0, 0, 0, this.zone));
    };
    if (t.subject !== undefined) f.Subject = t.subject;
    if (t.startDate !== undefined) f.StartDate = day(t.startDate);
    if (t.dueDate !== undefined) f.DueDate = day(t.dueDate);
    if (t.complete !== undefined) {
      f.Status = t.complete ? 'Completed' : 'NotStarted';
      f.PercentComplete = t.complete ? '100' : '0';
      if (t.complete) f.CompleteDate = formatUtc(Date.now());
      else delete f.CompleteDate;
    }
    if (t.categories !== undefined) {
      if (t.categories.length) f.Categories = { String: t.categories };
      else delete f.Categories;
    }
  }
}

/** An iCalendar UID shaped like Exchange's (a Global Object Id in hex). */
function uid(): string {
  return `040000008200E00074C5B7101A82E00800000000${randomBytes(16).toString('hex').toUpperCase()}`;
}
