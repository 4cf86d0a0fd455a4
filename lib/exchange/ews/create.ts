import * as ews from 'ews-javascript-api';
import { ExchangeError } from '../errors';
import type { Appointment, ItemKind } from '../model';
import type { CreateRequest, ItemResult } from '../transport';
import { deleteOccurrences } from './delete';
import { itemError } from './errors';
import { readRefs } from './find';
import type { Folders } from './folders';
import { deletedOccurrenceIndexes, toEwsItem } from './items';

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
      const deleted = recurrence ? deletedOccurrenceIndexes(recurrence, r.key) : [];
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
  deleted: number[];
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
  await removeOccurrences(service, mailbox, requests.map((r) => r.key), results, sent.map((s) => ({ index: s.index, deleted: s.deleted })));
}

/**
 * Deletes the given occurrences of series just written, then re-reads their ChangeKeys.
 * A series whose occurrences could not all be deleted is reported as incomplete: the writer
 * writes its recurrence again later.
 */
export async function removeOccurrences(service: ews.ExchangeService, mailbox: string, keys: string[], results: (ItemResult | undefined)[],
  series: { index: number; deleted: number[] }[]): Promise<void> {
  const todo = series.filter((s) => s.deleted.length > 0 && results[s.index]?.ok);
  if (todo.length === 0) return;
  const refOf = (i: number) => (results[i] as Extract<ItemResult, { ok: true }>).ref;
  let done: boolean[];
  try {
    done = await deleteOccurrences(service, todo.map((s) => ({ masterId: refOf(s.index).itemId, indexes: s.deleted })));
  } catch {
    done = todo.map(() => false);
  }
  try {
    const fresh = await readRefs(service, todo.map((s) => refOf(s.index)), todo.map((s) => keys[s.index]), mailbox);
    todo.forEach((s, i) => {
      const f = fresh[i];
      if (f.ok) results[s.index] = { ok: true, ref: f.ref };
    });
  } catch {
    // The old ChangeKey stays; a later update re-reads it on conflict.
  }
  todo.forEach((s, i) => {
    const r = results[s.index];
    if (!done[i] && r?.ok) results[s.index] = { ...r, incomplete: ['recurrence'] };
  });
}
