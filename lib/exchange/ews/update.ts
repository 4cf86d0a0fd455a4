import * as ews from 'ews-javascript-api';
import { ExchangeError } from '../errors';
import type { Appointment, ItemKind } from '../model';
import { deletedOccurrences } from '../occurrences';
import type { ItemResult, UpdateRequest } from '../transport';
import { settleWritten, type SentItem } from './create';
import { attachId, toEwsItem, withCoupledFields } from './items';

/**
 * Updates items in one UpdateItem request, each with only the fields that changed, against the
 * ChangeKey we last saw (AutoResolve: a concurrent change in Outlook to other fields is kept;
 * a real clash comes back as ErrorIrresolvableConflict and the writer re-reads and retries).
 */
export async function updateItems(service: ews.ExchangeService, mailbox: string, kind: ItemKind, requests: UpdateRequest[]): Promise<ItemResult[]> {
  const results: (ItemResult | undefined)[] = requests.map(() => undefined);
  const sent: SentItem[] = [];
  requests.forEach((r, index) => {
    try {
      const fields = withCoupledFields(kind, r.item, r.fields);
      const recurrence = kind === 'appointment' && fields.includes('recurrence') ? (r.item as Appointment).recurrence : undefined;
      // Writing the pattern resets the series, so every deleted occurrence is deleted again.
      const deleted = recurrence ? deletedOccurrences(recurrence, r.key) : [];
      const item = toEwsItem(service, kind, r.key, r.item, fields);
      attachId(item, r.ref.itemId, r.ref.changeKey);
      sent.push({ index, item, deleted });
    } catch (err) {
      if (err instanceof ExchangeError) results[index] = { ok: false, error: err };
      else throw err;
    }
  });
  if (sent.length > 0) {
    const responses = await service.UpdateItems(sent.map((s) => s.item), null as unknown as ews.FolderId,
      ews.ConflictResolutionMode.AutoResolve, ews.MessageDisposition.SaveOnly,
      kind === 'appointment' ? ews.SendInvitationsOrCancellationsMode.SendToNone : (null as unknown as ews.SendInvitationsOrCancellationsMode));
    await settleWritten(service, mailbox, requests, results, sent, responses);
  }
  return results as ItemResult[];
}
