import type { ItemKind } from '../model';
import type { DeleteRequest, DeleteResult } from '../transport';
import type { GraphClient } from './client';
import { responseError } from './errors';
import type { GraphFolders } from './folders';

/** Deletes items, one $batch step each. Graph moves them to Deleted Items; no cancellations (there are no attendees). */
export async function deleteItems(client: GraphClient, folders: GraphFolders, mailbox: string, kind: ItemKind, requests: DeleteRequest[]): Promise<DeleteResult[]> {
  const urls = await Promise.all(requests.map((r) => folders.itemUrl(mailbox, kind, r.ref.itemId)));
  const responses = await client.batch(mailbox, urls.map((url) => ({ method: 'DELETE' as const, url })));
  return responses.map((res, i) => {
    const error = responseError(res, requests[i].key, mailbox);
    return error ? { ok: false, error } : { ok: true };
  });
}
