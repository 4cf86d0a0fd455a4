import type { ItemKind } from '../model';
import type { FindResult, ItemRef, ItemResult } from '../transport';
import type { GraphClient } from './client';
import { responseError } from './errors';
import type { GraphFolders } from './folders';
import { KEY_PROPERTY_ID, LINKED_APPLICATION } from './items';

type Json = Record<string, unknown>;

export function refOf(body: unknown): ItemRef {
  const b = body as Json;
  return { itemId: String(b.id), changeKey: typeof b['@odata.etag'] === 'string' ? b['@odata.etag'] : undefined };
}

/** OData string literal: a quote is doubled. */
const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * Finds items by the writer key. Events and contacts: $filter on the extended property (the
 * same one EWS writes, so an item written through EWS is found here), one step per key in a
 * $batch. Tasks: the key is a linkedResource, which Graph cannot filter on: the list is read
 * page by page with `$expand=linkedResources` and matched here.
 */
export async function findByKey(client: GraphClient, folders: GraphFolders, mailbox: string, kind: ItemKind, keys: string[]): Promise<FindResult[]> {
  const collection = await folders.collection(mailbox, kind);
  if (kind === 'task') {
    const tasks = await client.getAll(mailbox, `${collection}?$expand=linkedResources&$top=100`);
    const byKey = new Map<string, ItemRef>();
    for (const t of tasks) {
      for (const r of (t.linkedResources as Json[] | undefined) ?? []) {
        const key = r.applicationName === LINKED_APPLICATION ? String(r.externalId ?? '') : '';
        if (key && !byKey.has(key)) byKey.set(key, refOf(t));
      }
    }
    return keys.map((k) => ({ ok: true, ref: byKey.get(k) ?? null }));
  }
  const filter = (key: string) => `singleValueExtendedProperties/Any(ep: ep/id eq ${literal(KEY_PROPERTY_ID)} and ep/value eq ${literal(key)})`;
  const responses = await client.batch(mailbox, keys.map((key) => ({
    method: 'GET' as const,
    url: `${collection}?$filter=${encodeURIComponent(filter(key))}&$select=id&$top=5`,
  })));
  return responses.map((res, i): FindResult => {
    const error = responseError(res, keys[i], mailbox);
    if (error) return { ok: false, error };
    // The first one found wins (a duplicate made by hand stays untouched).
    const first = ((res.body as { value?: Json[] }).value ?? [])[0];
    return { ok: true, ref: first ? refOf(first) : null };
  });
}

/** Re-reads the current etag of items. */
export async function readRefs(client: GraphClient, folders: GraphFolders, mailbox: string, kind: ItemKind, refs: ItemRef[], keys?: string[]): Promise<ItemResult[]> {
  const urls = await Promise.all(refs.map((r) => folders.itemUrl(mailbox, kind, r.itemId)));
  const responses = await client.batch(mailbox, urls.map((url) => ({ method: 'GET' as const, url: `${url}?$select=id` })));
  return responses.map((res, i): ItemResult => {
    const error = responseError(res, keys?.[i], mailbox);
    return error ? { ok: false, error } : { ok: true, ref: refOf(res.body) };
  });
}
