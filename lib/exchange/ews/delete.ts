import type { ExchangeConnection } from '../connection/exchange-connection';
import { ExchangeCode } from '../../error-codes';
import { ExchangeError } from '../errors';
import type { ItemKind } from '../model';
import type { DeleteRequest, DeleteResult } from '../transport';
import { messageError, soapRequest } from './soap-post';
import { deleteItemXml } from './soap-requests';

/**
 * Deletes items, and single occurrences of series (DeleteItem as SOAP text). Soft delete: the
 * item leaves the user's folders (not into Deleted Items, where a synced record would only
 * confuse) but stays recoverable by an administrator. No cancellations are sent.
 */
export async function deleteItems(connection: ExchangeConnection, mailbox: string, kind: ItemKind, requests: DeleteRequest[]): Promise<DeleteResult[]> {
  if (requests.length === 0) return [];
  const answers = await soapRequest(connection, mailbox, kind, deleteItemXml(kind, requests.map((r) => ({ itemId: r.ref.itemId }))));
  if (answers.length !== requests.length) {
    throw new ExchangeError(ExchangeCode.requestRejected, `EWS answered ${answers.length} items for ${requests.length} deleted`, { ambiguous: true });
  }
  return requests.map((r, i) => {
    const error = messageError(answers[i], r.key, mailbox);
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
export async function deleteOccurrences(connection: ExchangeConnection, mailbox: string, series: { masterId: string; indexes: number[] }[]): Promise<(boolean | ExchangeError)[]> {
  const targets: { masterId: string; index: number }[] = [];
  const owner: number[] = [];
  series.forEach((s, i) => {
    for (const index of s.indexes) {
      targets.push({ masterId: s.masterId, index });
      owner.push(i);
    }
  });
  const done: (boolean | ExchangeError)[] = series.map(() => true);
  if (targets.length === 0) return done;
  const answers = await soapRequest(connection, mailbox, 'appointment', deleteItemXml('appointment', targets));
  answers.forEach((answer, i) => {
    if (!answer.ok && !ALREADY_GONE.includes(answer.code) && owner[i] !== undefined) {
      done[owner[i]] = messageError(answer, `occurrence ${targets[i].masterId}`, mailbox) ?? false;
    }
  });
  return done;
}
