import * as ews from 'ews-javascript-api';
import { ExchangeError } from '../errors';
import type { Appointment, ItemKind } from '../model';
import { deletedOccurrences, removeDeletedOccurrences, type DeletedOccurrence } from '../occurrences';
import type { CreateRequest, ItemResult } from '../transport';
import { deleteOccurrences } from './delete';
import { itemError, toExchangeError } from './errors';
import { readRefs } from './find';
import type { Folders } from './folders';
import { toEwsItem } from './items';

/**
 * Creates items in one CreateItem request: appointments in the calendar without sending
 * invitations (SendToNone), tasks in Tasks, contacts in their folder. A new series then loses
 * its deleted occurrences in one more request, and its ChangeKey is read again (deleting an
 * occurrence changes the master).
 */
export async function createItems(service: ews.ExchangeService, folders: Folders, mailbox: string, kind: ItemKind, requests: CreateRequest[]): Promise<ItemResult[]> {
  const results: (ItemResult | undefined)[] = requests.map(() => undefined);
  const sent: SentItem[] = [];
  requests.forEach((r, index) => {
    try {
      const recurrence = kind === 'appointment' ? (r.item as Appointment).recurrence : undefined;
      const deleted = recurrence ? deletedOccurrences(recurrence, r.key) : [];
      sent.push({ index, item: toEwsItem(service, kind, r.key, r.item), deleted });
    } catch (err) {
      // This item cannot be expressed in EWS; the others still go.
      if (err instanceof ExchangeError) results[index] = { ok: false, error: err };
      else throw err;
    }
  });
  if (sent.length > 0) {
    const folderId = await folders.folderFor(service, mailbox, kind);
    const responses = await service.CreateItems(sent.map((s) => s.item), folderId, ews.MessageDisposition.SaveOnly,
      kind === 'appointment' ? ews.SendInvitationsMode.SendToNone : (null as unknown as ews.SendInvitationsMode));
    await settleWritten(service, mailbox, requests, results, sent, responses);
  }
  return results as ItemResult[];
}

/** An item sent in a CreateItem or UpdateItem request, with the series occurrences to delete. */
export interface SentItem {
  index: number;
  item: ews.Item;
  deleted: DeletedOccurrence[];
}

/**
 * Reads the per-item responses of a CreateItem or UpdateItem request into the results (in input
 * order), then removes the deleted occurrences of the series among them.
 */
export async function settleWritten(service: ews.ExchangeService, mailbox: string, requests: { key: string }[], results: (ItemResult | undefined)[],
  sent: SentItem[], responses: ews.ServiceResponseCollection<ews.ServiceResponse>): Promise<void> {
  sent.forEach((s, i) => {
    const error = itemError(responses.Responses[i], requests[s.index].key, mailbox);
    results[s.index] = error
      ? { ok: false, error }
      : { ok: true, ref: { itemId: s.item.Id.UniqueId, changeKey: s.item.Id.ChangeKey } };
  });
  // EWS's part of the clean-up: DeleteItem by OccurrenceItemId (master + InstanceIndex), GetItem for the ChangeKeys.
  await removeDeletedOccurrences(results, requests.map((r) => r.key), sent, {
    // A fault for the whole request (ErrorServerBusy) keeps its BackOffMilliseconds for the rewrite.
    deleteOccurrences: (series, masters) =>
      deleteOccurrences(service, mailbox, series.map((s, i) => ({ masterId: masters[i].itemId, indexes: s.deleted.map((d) => d.index) })))
        .catch((thrown: unknown) => { throw toExchangeError(thrown, undefined, service.Url?.ToString() ?? '', mailbox); }),
    readRefs: (masters, keys) => readRefs(service, masters, keys, mailbox),
  });
}
