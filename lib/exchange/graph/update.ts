import { ExchangeError } from '../errors';
import type { Appointment, ItemKind } from '../model';
import { deletedOccurrences, type DeletedOccurrence } from '../occurrences';
import type { ItemResult, UpdateRequest } from '../transport';
import type { GraphClient } from './client';
import { responseError } from './errors';
import { refOf } from './find';
import type { GraphFolders } from './folders';
import { toGraphItem, withCoupledFields } from './items';
import { removeOccurrences } from './occurrences';

/**
 * Updates items with PATCH, each with only the fields that changed (a change made in Outlook
 * to other fields stays). No If-Match: the writer writes only its own fields, and Graph's
 * PATCH touches no others.
 */
export async function updateItems(client: GraphClient, folders: GraphFolders, mailbox: string, kind: ItemKind, requests: UpdateRequest[]): Promise<ItemResult[]> {
  const results: (ItemResult | undefined)[] = requests.map(() => undefined);
  const sent: { index: number; url: string; body: object; deleted: DeletedOccurrence[] }[] = [];
  for (const [index, r] of requests.entries()) {
    try {
      const fields = withCoupledFields(kind, r.item, r.fields);
      const recurrence = kind === 'appointment' && fields.includes('recurrence') ? (r.item as Appointment).recurrence : undefined;
      // A new pattern resets the series, so every deleted occurrence is deleted again.
      const deleted = recurrence ? deletedOccurrences(recurrence, r.key) : [];
      sent.push({ index, url: await folders.itemUrl(mailbox, kind, r.ref.itemId), body: toGraphItem(kind, r.key, r.item, fields), deleted });
    } catch (err) {
      if (err instanceof ExchangeError) results[index] = { ok: false, error: err };
      else throw err;
    }
  }
  if (sent.length > 0) {
    const responses = await client.batch(mailbox, sent.map((s) => ({ method: 'PATCH' as const, url: s.url, body: s.body })));
    sent.forEach((s, i) => {
      const error = responseError(responses[i], requests[s.index].key, mailbox);
      results[s.index] = error ? { ok: false, error } : { ok: true, ref: refOf(responses[i].body) };
    });
    await removeOccurrences(client, folders, mailbox, requests.map((r) => r.key), results,
      sent.map((s) => ({ index: s.index, item: requests[s.index].item as Appointment, deleted: s.deleted })));
  }
  return results as ItemResult[];
}
