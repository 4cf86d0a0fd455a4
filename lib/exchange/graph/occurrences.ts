import type { ExchangeError } from '../errors';
import type { Appointment } from '../model';
import { removeDeletedOccurrences, type DeletedOccurrence } from '../occurrences';
import type { ItemRef, ItemResult } from '../transport';
import { startOfDay } from '../../time';
import { GraphClient } from './client';
import { responseError } from './errors';
import type { GraphFolders } from './folders';
import { readRefs } from './find';

type Json = Record<string, unknown>;
const DAY = 86_400_000;

/** A series just written through Graph: its zone decides which day each deleted date is. */
export interface GraphSeries {
  index: number;
  item: Appointment;
  deleted: DeletedOccurrence[];
}

/**
 * Deletes the given occurrences of series just written (the shared clean-up in
 * ../occurrences.ts), with Graph's own requests: for each date, the instance that starts on it
 * (GET /events/{id}/instances in a one-day window in the series' zone), then DELETE of that
 * instance; then the masters' etags are read again.
 */
export function removeOccurrences(client: GraphClient, folders: GraphFolders, mailbox: string, keys: string[], results: (ItemResult | undefined)[],
  series: GraphSeries[]): Promise<void> {
  return removeDeletedOccurrences(results, keys, series, {
    deleteOccurrences: (todo, masters) => deleteByDate(client, mailbox, todo, masters),
    readRefs: (masters, masterKeys) => readRefs(client, folders, mailbox, 'appointment', masters, masterKeys),
  });
}

/**
 * Per series, whether all its deleted dates have no instance any more: true, or Graph's answer
 * to the look-up or the DELETE that failed (its Retry-After holds back the rewrite).
 */
async function deleteByDate(client: GraphClient, mailbox: string, todo: GraphSeries[], masters: ItemRef[]): Promise<(true | ExchangeError)[]> {
  const done: (true | ExchangeError)[] = todo.map(() => true);
  const lookups: { owner: number; from: number; to: number }[] = [];
  todo.forEach((s, owner) => {
    for (const { date } of s.deleted) {
      const from = startOfDay(date, s.item.timeZone).getTime();
      lookups.push({ owner, from, to: from + DAY });
    }
  });
  const user = GraphClient.user(mailbox);
  const found = await client.batch(mailbox, lookups.map((l) => ({
    method: 'GET' as const,
    url: `${user}/events/${encodeURIComponent(masters[l.owner].itemId)}/instances?startDateTime=${new Date(l.from).toISOString()}&endDateTime=${new Date(l.to).toISOString()}&$select=id,start`,
  })));
  const deletes: { owner: number; id: string }[] = [];
  found.forEach((res, i) => {
    const l = lookups[i];
    const error = responseError(res, undefined, mailbox);
    if (error) {
      done[l.owner] = error;
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
      const error = res.status === 404 ? undefined : responseError(res, undefined, mailbox);
      if (error) done[deletes[i].owner] = error;
    });
  }
  return done;
}
