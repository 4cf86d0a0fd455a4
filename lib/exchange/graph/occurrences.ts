import type { Appointment } from '../model';
import type { ItemResult } from '../transport';
import { startOfDay } from '../../time';
import { GraphClient } from './client';
import { responseError } from './errors';
import type { GraphFolders } from './folders';
import { readRefs } from './find';

type Json = Record<string, unknown>;
const DAY = 86_400_000;

/**
 * Deletes the given occurrences of series just written: for each date, the instance that
 * starts on it (GET /events/{id}/instances in a one-day window in the series' zone), then
 * DELETE of that instance; then the master's etag is read again (deleting an occurrence
 * changes the master). A series whose occurrences could not all be deleted is reported as
 * incomplete: the writer writes its recurrence again later.
 */
export async function removeOccurrences(client: GraphClient, folders: GraphFolders, mailbox: string, keys: string[], results: (ItemResult | undefined)[],
  series: { index: number; item: Appointment; dates: string[] }[]): Promise<void> {
  const todo = series.filter((s) => s.dates.length > 0 && results[s.index]?.ok);
  if (todo.length === 0) return;
  const masterOf = (i: number) => (results[i] as Extract<ItemResult, { ok: true }>).ref;
  const done = todo.map(() => true);
  try {
    const lookups: { owner: number; from: number; to: number }[] = [];
    todo.forEach((s, owner) => {
      for (const date of s.dates) {
        const from = startOfDay(date, s.item.timeZone).getTime();
        lookups.push({ owner, from, to: from + DAY });
      }
    });
    const user = GraphClient.user(mailbox);
    const found = await client.batch(mailbox, lookups.map((l) => ({
      method: 'GET' as const,
      url: `${user}/events/${encodeURIComponent(masterOf(todo[l.owner].index).itemId)}/instances?startDateTime=${new Date(l.from).toISOString()}&endDateTime=${new Date(l.to).toISOString()}&$select=id,start`,
    })));
    const deletes: { owner: number; id: string }[] = [];
    found.forEach((res, i) => {
      const l = lookups[i];
      if (responseError(res)) {
        done[l.owner] = false;
        return;
      }
      const instance = ((res.body as { value?: Json[] }).value ?? []).find((v) => {
        const start = v.start as { dateTime: string; timeZone: string };
        const t = Date.parse(`${start.dateTime.slice(0, 19)}Z`);
        return t >= l.from && t < l.to;
      });
      // No instance that day: deleted already.
      if (instance) deletes.push({ owner: l.owner, id: String(instance.id) });
    });
    if (deletes.length) {
      const answers = await client.batch(mailbox, deletes.map((d) => ({ method: 'DELETE' as const, url: `${user}/events/${encodeURIComponent(d.id)}` })));
      answers.forEach((res, i) => {
        if (res.status !== 404 && responseError(res)) done[deletes[i].owner] = false;
      });
    }
  } catch {
    done.fill(false);
  }
  try {
    const fresh = await readRefs(client, folders, mailbox, 'appointment', todo.map((s) => masterOf(s.index)), todo.map((s) => keys[s.index]));
    todo.forEach((s, i) => {
      const f = fresh[i];
      if (f.ok) results[s.index] = { ok: true, ref: f.ref };
    });
  } catch {
    // The old etag stays; Graph does not check it (no If-Match is sent).
  }
  todo.forEach((s, i) => {
    const r = results[s.index];
    if (!done[i] && r?.ok) results[s.index] = { ...r, incomplete: ['recurrence'] };
  });
}
