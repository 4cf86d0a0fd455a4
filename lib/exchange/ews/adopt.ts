import * as ews from 'ews-javascript-api';
import { ewsIdFromRestId } from '../item-ids';
import type { ItemKind } from '../model';
import type { AdoptRequest, ItemResult } from '../transport';
import { itemError } from './errors';
import { xmlText } from './escape';
import { attachId, keyPropertyDefinition } from './items';

const ITEM: Record<ItemKind, new (service: ews.ExchangeService) => ews.Item> = {
  appointment: ews.Appointment, task: ews.Task, contact: ews.Contact,
};

/**
 * Writes the writer key into items made in Outlook, in one UpdateItem request: only the
 * extended property, without a ChangeKey (a change the user made meanwhile stays, nothing
 * conflicts), and for appointments without sending anything to attendees.
 */
export async function adoptItems(service: ews.ExchangeService, mailbox: string, kind: ItemKind, requests: AdoptRequest[]): Promise<ItemResult[]> {
  if (requests.length === 0) return [];
  const items = requests.map((r) => {
    const item = new ITEM[kind](service);
    attachId(item, ewsIdFromRestId(r.itemId));
    item.SetExtendedProperty(keyPropertyDefinition, xmlText(r.key));
    return item;
  });
  const responses = await service.UpdateItems(items, null as unknown as ews.FolderId, ews.ConflictResolutionMode.AutoResolve, ews.MessageDisposition.SaveOnly,
    kind === 'appointment' ? ews.SendInvitationsOrCancellationsMode.SendToNone : (null as unknown as ews.SendInvitationsOrCancellationsMode));
  return requests.map((r, i): ItemResult => {
    const error = itemError(responses.Responses[i], r.key, mailbox);
    return error ? { ok: false, error } : { ok: true, ref: { itemId: items[i].Id.UniqueId, changeKey: items[i].Id.ChangeKey } };
  });
}
