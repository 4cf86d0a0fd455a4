/**
 * "Outlook" on the mailbox page of the sandbox: a person edits, creates and deletes an
 * appointment in a mailbox as a user would in Outlook (through `Outlook`, so both simulators
 * report it as Exchange does), then watches the way back bring it into büro+.
 *
 *   GET  /inspect/outlook/edit?mailbox=…&id=…   a form for one appointment
 *   POST /inspect/outlook/create                form fields → a new appointment (no writer key)
 *   POST /inspect/outlook/edit                  form fields → the appointment changed
 *   POST /inspect/outlook/delete                the appointment moves to Deleted Items
 *
 * Times in the forms are wall-clock times in the Outlook's zone. Every POST answers 303 back
 * to the mailbox page; a bad form answers 400 with the reason.
 */
import type http from 'node:http';
import type { MailboxStore, StoredItem } from '../store';
import { itemZone, textOf } from '../ews/items';
import { parseEwsDateTime, wallClock, zonedToInstant } from '../ews/timezones';
import { esc } from '../ews/xml';
import { Outlook, type OutlookAppointment } from './index';

const pad = (n: number) => String(n).padStart(2, '0');

/** `YYYY-MM-DDTHH:mm` of an instant in a zone (the value of a datetime-local input). */
function localInput(instant: number, zone: string): string {
  const [y, mo, d, h, mi] = wallClock(instant, zone);
  return `${y}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}`;
}

function parseLocal(value: string, what: string): [number, number, number, number, number] {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?$/.exec(value.trim());
  if (!m) throw new Error(`${what}: "${value}" is no date and time (YYYY-MM-DDTHH:mm)`);
  return [+m[1]!, +m[2]!, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0)];
}

/** The form's fields as an Outlook change. All-day: the first and the last day, as Outlook shows them. */
export function appointmentFromForm(form: URLSearchParams, zone: string): OutlookAppointment {
  const subject = (form.get('subject') ?? '').trim();
  const isAllDay = form.get('allDay') === 'on' || form.get('allDay') === 'true';
  const [sy, smo, sd, sh, smi] = parseLocal(form.get('start') ?? '', 'start');
  const [ey, emo, ed, eh, emi] = parseLocal(form.get('end') ?? '', 'end');
  const start = isAllDay ? zonedToInstant(sy, smo, sd, 0, 0, 0, zone) : zonedToInstant(sy, smo, sd, sh, smi, 0, zone);
  // All-day: Outlook ends at midnight after the last day.
  const end = isAllDay ? zonedToInstant(ey, emo, ed + 1, 0, 0, 0, zone) : zonedToInstant(ey, emo, ed, eh, emi, 0, zone);
  if (end <= start) throw new Error('the end must be after the start');
  const reminder = (form.get('reminder') ?? '').trim();
  if (reminder !== '' && !/^\d+$/.test(reminder)) throw new Error(`reminder: "${reminder}" is no number of minutes`);
  return {
    subject,
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    isAllDay,
    location: (form.get('location') ?? '').trim(),
    reminderMinutes: reminder === '' ? null : Number(reminder),
  };
}

/** The appointments of a mailbox's calendar (not those moved to Deleted Items). */
export function calendarItems(store: MailboxStore, mailbox: string): StoredItem[] {
  const calendar = store.distinguishedFolder(mailbox, 'calendar');
  return store.items(mailbox, 'appointment').filter((i) => i.folderId === calendar?.folderId);
}

/** The buttons of one calendar row on the mailbox page. */
export function rowActions(item: StoredItem): string {
  const q = `mailbox=${encodeURIComponent(item.mailbox)}&id=${encodeURIComponent(item.itemId)}`;
  return `<a href="/inspect/outlook/edit?${q}">edit</a> `
    + `<form method="post" action="/inspect/outlook/delete" class="inline" onsubmit="return confirm('Delete this appointment in Outlook?')">`
    + `<input type="hidden" name="mailbox" value="${esc(item.mailbox)}"><input type="hidden" name="id" value="${esc(item.itemId)}">`
    + '<button type="submit">delete</button></form>';
}

/** The fields of the appointment form (empty for a new one). */
function fields(zone: string, item?: StoredItem): string {
  const f = item?.fields ?? {};
  const allDay = textOf(f.IsAllDayEvent) === 'true';
  const now = Math.ceil(Date.now() / 3600_000) * 3600_000;
  const start = parseEwsDateTime(textOf(f.Start) ?? '') ?? now + 3600_000;
  let end = parseEwsDateTime(textOf(f.End) ?? '') ?? now + 7200_000;
  // All-day: the form shows the last day, not the midnight after it.
  if (allDay) end -= 1000;
  const reminder = textOf(f.ReminderIsSet) === 'false' ? '' : (textOf(f.ReminderMinutesBeforeStart) ?? (item ? '' : '15'));
  return `<label>Subject <input name="subject" size="40" value="${esc(textOf(f.Subject) ?? '')}"></label> `
    + `<label>Start <input type="datetime-local" name="start" required value="${localInput(start, zone)}"></label> `
    + `<label>End <input type="datetime-local" name="end" required value="${localInput(end, zone)}"></label> `
    + `<label><input type="checkbox" name="allDay"${allDay ? ' checked' : ''}> all day</label> `
    + `<label>Location <input name="location" value="${esc(textOf(f.Location) ?? '')}"></label> `
    + `<label>Reminder <input name="reminder" size="4" value="${esc(reminder)}"> min</label>`;
}

/** The "new appointment in Outlook" form of a mailbox. */
export function createForm(mailbox: string, zone: string): string {
  return `<details><summary>New appointment in Outlook</summary><form method="post" action="/inspect/outlook/create">`
    + `<input type="hidden" name="mailbox" value="${esc(mailbox)}">${fields(zone)} <button type="submit">create</button></form></details>`;
}

function editPage(item: StoredItem): string {
  const zone = item.fields.StartTimeZone ? itemZone(item.fields) : 'Europe/Berlin';
  const series = item.fields.Recurrence !== undefined ? '<p>This is a series: the change applies to the whole series.</p>' : '';
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Edit in Outlook</title>
<style>body{font-family:system-ui,sans-serif;margin:1.5rem}label{display:block;margin:.4rem 0}</style></head><body>
<h1>Edit in Outlook: ${esc(item.mailbox)}</h1><p>Times in ${esc(zone)}.</p>${series}
<form method="post" action="/inspect/outlook/edit"><input type="hidden" name="mailbox" value="${esc(item.mailbox)}">
<input type="hidden" name="id" value="${esc(item.itemId)}">${fields(zone, item)}<p><button type="submit">save</button> <a href="/inspect">cancel</a></p></form>
</body></html>`;
}

function answer(res: http.ServerResponse, status: number, text: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(text);
}

function back(res: http.ServerResponse, mailbox: string): void {
  res.writeHead(303, { Location: `/inspect#${encodeURIComponent(mailbox)}` });
  res.end();
}

/** Handles /inspect/outlook/…; false when the path is not one of them. */
export function handleOutlookPage(req: http.IncomingMessage, res: http.ServerResponse, store: MailboxStore, path: string, zone = 'Europe/Berlin'): boolean {
  if (!path.startsWith('/inspect/outlook/')) return false;
  const action = path.slice('/inspect/outlook/'.length);
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const itemOf = (form: URLSearchParams) => {
    const item = store.item(form.get('mailbox') ?? '', form.get('id') ?? '');
    if (!item) throw new Error(`no item ${form.get('id')} in ${form.get('mailbox')}`);
    return item;
  };
  if (req.method === 'GET' && action === 'edit') {
    try {
      answer(res, 200, editPage(itemOf(url.searchParams)), 'text/html; charset=utf-8');
    } catch (err) {
      answer(res, 404, String((err as Error).message));
    }
    return true;
  }
  if (req.method !== 'POST' || !['create', 'edit', 'delete'].includes(action)) {
    answer(res, 404, 'not found');
    return true;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const outlook = new Outlook(store, zone);
    try {
      const mailbox = form.get('mailbox') ?? '';
      if (action === 'create') {
        if (!store.hasMailbox(mailbox)) throw new Error(`no mailbox ${mailbox}`);
        outlook.createAppointment(mailbox, appointmentFromForm(form, zone));
      } else if (action === 'edit') {
        const item = itemOf(form);
        outlook.editAppointment(item, appointmentFromForm(form, item.fields.StartTimeZone ? itemZone(item.fields) : zone));
      } else {
        outlook.deleteItem(itemOf(form));
      }
      back(res, mailbox);
    } catch (err) {
      answer(res, 400, String((err as Error).message));
    }
  });
  return true;
}
