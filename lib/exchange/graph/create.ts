import { ExchangeCode } from '../../error-codes';
import { ExchangeError } from '../errors';
import type { Appointment, ItemKind } from '../model';
import { deletedOccurrences, type DeletedOccurrence } from '../occurrences';
import type { CreateRequest, ItemResult } from '../transport';
import type { GraphClient } from './client';
import { responseError } from './errors';
import { refOf } from './find';
import type { GraphFolders } from './folders';
import { newGraphItem } from './items';
import { removeOccurrences } from './occurrences';

/**
 * Creates items, one $batch step each (20 per call): events in the calendar (no attendees, so
 * no invitations), contacts in their folder, tasks in their To Do list. A new series then
 * loses its deleted occurrences.
 */
export async function createItems(client: GraphClient, folders: GraphFolders, mailbox: string, kind: ItemKind, requests: CreateRequest[]): Promise<ItemResult[]> {
  const results: (ItemResult | undefined)[] = requests.map(() => undefined);
  const sent: { index: number; body: object; deleted: DeletedOccurrence[] }[] = [];
  requests.forEach((r, index) => {
    try {
      const recurrence = kind === 'appointment' ? (r.item as Appointment).recurrence : undefined;
      const deleted = recurrence ? deletedOccurrences(recurrence, r.key) : [];
      sent.push({ index, body: newGraphItem(kind, r.key, r.item), deleted });
    } catch (err) {
      if (err instanceof ExchangeError) results[index] = { ok: false, error: err };
      else throw err;
    }
  });
  if (sent.length > 0) {
    const url = await folders.collection(mailbox, kind);
    const responses = await client.batch(mailbox, sent.map((s) => ({ method: 'POST' as const, url, body: s.body })));
    sent.forEach((s, i) => {
      let error = responseError(responses[i], requests[s.index].key, mailbox);
      if (error?.code === ExchangeCode.itemNotFound) {
        // Nothing to find on a create: the folder or To Do list is gone (deleted by the user).
        error = new ExchangeError(ExchangeCode.folder, `${requests[s.index].key}: the folder or To Do list for new items was not found; it is looked up again`, {
          record: requests[s.index].key, scope: 'mailbox', retryable: true, httpStatus: error.httpStatus, serverCode: error.serverCode,
        });
      }
      results[s.index] = error ? { ok: false, error } : { ok: true, ref: refOf(responses[i].body) };
    });
    await removeOccurrences(client, folders, mailbox, requests.map((r) => r.key), results,
      sent.map((s) => ({ index: s.index, item: requests[s.index].item as Appointment, deleted: s.deleted })));
  }
  return results as ItemResult[];
}
