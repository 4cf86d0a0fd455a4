import type { ExchangeConnection } from '../connection/exchange-connection';
import { ExchangeError } from '../errors';
import type { Appointment, ItemKind } from '../model';
import { deletedOccurrences } from '../occurrences';
import type { ItemResult, UpdateRequest } from '../transport';
import { settleWritten, type SentItem } from './create';
import { withCoupledFields } from './items';
import { itemProps } from './soap-items';
import { soapRequest } from './soap-post';
import { itemChangeXml, updateItemXml } from './soap-requests';

/**
 * Updates items in one UpdateItem request (SOAP text), each with only the fields that changed,
 * against the ChangeKey we last saw (AutoResolve: a concurrent change in Outlook to other fields
 * is kept; a real clash comes back as ErrorIrresolvableConflict and the writer re-reads and retries).
 */
export async function updateItems(connection: ExchangeConnection, mailbox: string, kind: ItemKind, requests: UpdateRequest[]): Promise<ItemResult[]> {
  const results: (ItemResult | undefined)[] = requests.map(() => undefined);
  const sent: SentItem[] = [];
  const changes: string[] = [];
  requests.forEach((r, index) => {
    try {
      const fields = withCoupledFields(kind, r.item, r.fields);
      const recurrence = kind === 'appointment' && fields.includes('recurrence') ? (r.item as Appointment).recurrence : undefined;
      // Writing the pattern resets the series, so every deleted occurrence is deleted again.
      const deleted = recurrence ? deletedOccurrences(recurrence, r.key) : [];
      changes.push(itemChangeXml(kind, r.ref.itemId, r.ref.changeKey, itemProps(kind, r.key, r.item, fields)));
      sent.push({ index, deleted, itemId: r.ref.itemId });
    } catch (err) {
      if (err instanceof ExchangeError) results[index] = { ok: false, error: err };
      else throw err;
    }
  });
  if (sent.length > 0) {
    // The item texts are handed over, not kept in this frame while the request runs (soap-post.ts: why).
    const answers = await soapRequest(connection, mailbox, kind, updateItemXml(kind, changes.splice(0)));
    await settleWritten(connection, mailbox, requests, results, sent, answers);
  }
  return results as ItemResult[];
}
