import { restIdFromEwsId } from '../item-ids';
import type { ItemKind } from '../model';
import type { AdoptRequest, ItemResult } from '../transport';
import type { GraphClient } from './client';
import { responseError } from './errors';
import { refOf } from './find';
import type { GraphFolders } from './folders';
import { KEY_PROPERTY_ID, linkedResourceOf } from './items';

/**
 * Writes the writer key into items made in Outlook: events and contacts get the extended
 * property (PATCH, the answer carries the new etag); a To Do task gets our linkedResource, as
 * lane 1 writes it (a task carries no extended properties in Graph), and its etag is read
 * again after. One $batch step per item; no If-Match (only the key is written).
 */
export async function adoptItems(client: GraphClient, folders: GraphFolders, mailbox: string, kind: ItemKind, requests: AdoptRequest[]): Promise<ItemResult[]> {
  if (requests.length === 0) return [];
  const urls = await Promise.all(requests.map((r) => folders.itemUrl(mailbox, kind, restIdFromEwsId(r.itemId))));
  if (kind !== 'task') {
    const answers = await client.batch(mailbox, requests.map((r, i) => ({
      method: 'PATCH' as const, url: urls[i], body: { singleValueExtendedProperties: [{ id: KEY_PROPERTY_ID, value: r.key }] },
    })));
    return answers.map((res, i): ItemResult => {
      const error = responseError(res, requests[i].key, mailbox);
      return error ? { ok: false, error } : { ok: true, ref: refOf(res.body) };
    });
  }
  const results: (ItemResult | undefined)[] = requests.map(() => undefined);
  const marked = await client.batch(mailbox, requests.map((r, i) => ({ method: 'POST' as const, url: `${urls[i]}/linkedResources`, body: linkedResourceOf(r.key) })));
  const done: number[] = [];
  marked.forEach((res, i) => {
    const error = responseError(res, requests[i].key, mailbox);
    if (error) results[i] = { ok: false, error };
    else done.push(i);
  });
  if (done.length > 0) {
    // Adding a linkedResource changes the task: its etag now.
    const read = await client.batch(mailbox, done.map((i) => ({ method: 'GET' as const, url: `${urls[i]}?$select=id` })));
    read.forEach((res, n) => {
      const i = done[n];
      const error = responseError(res, requests[i].key, mailbox);
      results[i] = error ? { ok: false, error } : { ok: true, ref: refOf(res.body) };
    });
  }
  return results as ItemResult[];
}
