import * as ews from 'ews-javascript-api';
import type { ExchangeError } from '../errors';
import type { ItemKind } from '../model';
import type { DeleteRequest, DeleteResult } from '../transport';
import { ewsCodeOf, itemError } from './errors';

/**
 * Deletes items, and single occurrences of series. Soft delete: the item leaves the user's
 * folders (not into Deleted Items, where a synced record would only confuse) but stays
 * recoverable by an administrator. No cancellations are sent.
 */
export async function deleteItems(service: ews.ExchangeService, mailbox: string, kind: ItemKind, requests: DeleteRequest[]): Promise<DeleteResult[]> {
  const ids = requests.map((r) => new ews.ItemId(r.ref.itemId));
  const responses = await service.DeleteItems(ids, ews.DeleteMode.SoftDelete, ews.SendCancellationsMode.SendToNone,
    kind === 'task' ? ews.AffectedTaskOccurrence.AllOccurrences : (null as unknown as ews.AffectedTaskOccurrence));
  return requests.map((r, i) => {
    const error = itemError(responses.Responses[i], r.key, mailbox);
    return error ? { ok: false, error } : { ok: true };
  });
}

/** Occurrences already gone count as deleted. */
const ALREADY_GONE = ['ErrorCalendarOccurrenceIsDeletedFromRecurrence', 'ErrorItemNotFound'];

/**
 * Deletes occurrences of series by position (OccurrenceItemId: master id + InstanceIndex).
 * Returns, per series, true when all its occurrences are gone, else Exchange's answer (an
 * ErrorServerBusy carries BackOffMilliseconds, which holds back the rewrite).
 */
export async function deleteOccurrences(service: ews.ExchangeService, mailbox: string, series: { masterId: string; indexes: number[] }[]): Promise<(boolean | ExchangeError)[]> {
  const ids: ews.ItemId[] = [];
  const owner: number[] = [];
  series.forEach((s, i) => {
    for (const index of s.indexes) {
      ids.push(new ews.AppointmentOccurrenceId(s.masterId, index));
      owner.push(i);
    }
  });
  const done: (boolean | ExchangeError)[] = series.map(() => true);
  if (ids.length === 0) return done;
  const responses = await service.DeleteItems(ids, ews.DeleteMode.SoftDelete, ews.SendCancellationsMode.SendToNone,
    null as unknown as ews.AffectedTaskOccurrence);
  responses.Responses.forEach((response, i) => {
    if (response.Result === ews.ServiceResult.Error && !ALREADY_GONE.includes(ewsCodeOf(response) ?? '')) {
      done[owner[i]] = itemError(response, `occurrence ${ids[i].UniqueId}`, mailbox) ?? false;
    }
  });
  return done;
}
