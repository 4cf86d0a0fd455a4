import { ExchangeCode } from '../../error-codes';
import { idFor, type ForeignId } from '../item-ids';
import type { ItemKind } from '../model';
import type { FindResult, ItemRef, ItemResult } from '../transport';
import type { GraphClient } from './client';
import { responseError } from './errors';
import type { GraphFolders } from './folders';
import { KEY_PROPERTY_ID, LINKED_APPLICATION, linkedResourceOf } from './items';

type Json = Record<string, unknown>;

export function refOf(body: unknown): ItemRef {
  const b = body as Json;
  return { itemId: String(b.id), changeKey: typeof b['@odata.etag'] === 'string' ? b['@odata.etag'] : undefined };
}

/** OData string literal: a quote is doubled. */
const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** The writer key a To Do task carries in our linkedResource, or undefined. */
function taskKeyOf(task: Json): string | undefined {
  const ours = ((task.linkedResources as Json[] | undefined) ?? []).find((r) => r.applicationName === LINKED_APPLICATION);
  return ours ? String(ours.externalId ?? '') : undefined;
}

/**
 * Finds items by the writer key. Events and contacts: $filter on the extended property (the
 * same one EWS writes, so an item written through EWS is found here), one step per key in a
 * $batch. Tasks: the key is a linkedResource, which Graph cannot filter on: the list is read
 * page by page with `$expand=linkedResources` and matched here; a task EWS wrote has no
 * linkedResource, so it is looked at by the id EWS stored (`foreign`).
 */
export async function findByKey(client: GraphClient, folders: GraphFolders, mailbox: string, kind: ItemKind, keys: string[], foreign: (ForeignId | undefined)[] = []): Promise<FindResult[]> {
  const collection = await folders.collection(mailbox, kind);
  if (kind === 'task') {
    const tasks = await client.getAll(mailbox, `${collection}?$expand=linkedResources&$top=100`);
    const byKey = new Map<string, ItemRef>();
    for (const t of tasks) {
      const key = taskKeyOf(t);
      if (key && !byKey.has(key)) byKey.set(key, refOf(t));
    }
    const results: FindResult[] = keys.map((k) => ({ ok: true, ref: byKey.get(k) ?? null }));
    await adoptTasksById(client, collection, mailbox, keys, foreign, results);
    return results;
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

/**
 * Tasks not found by key whose id another transport stored: read that id in the list; a task
 * without our linkedResource gets one (so the key finds it from now on), a task carrying
 * another key is not ours. Not there (deleted, or in another list): not found.
 */
async function adoptTasksById(client: GraphClient, collection: string, mailbox: string, keys: string[], foreign: (ForeignId | undefined)[], results: FindResult[]): Promise<void> {
  const candidates = keys.flatMap((key, i) => {
    const id = results[i].ok && !(results[i] as { ref: ItemRef | null }).ref && foreign[i] ? idFor('graph', foreign[i]!) : undefined;
    return id ? [{ i, key, url: `${collection}/${encodeURIComponent(id)}` }] : [];
  });
  if (candidates.length === 0) return;
  const read = await client.batch(mailbox, candidates.map((c) => ({ method: 'GET' as const, url: `${c.url}?$select=id&$expand=linkedResources` })));
  const unmarked: (typeof candidates[number] & { ref: ItemRef })[] = [];
  candidates.forEach((c, n) => {
    const error = responseError(read[n], c.key, mailbox);
    // A malformed id (400) is as good as a missing one here.
    if (error?.code === ExchangeCode.itemNotFound || read[n].status === 400) return;
    const key = error ? undefined : taskKeyOf(read[n].body as Json);
    if (error) results[c.i] = { ok: false, error };
    else if (key === undefined) unmarked.push({ ...c, ref: refOf(read[n].body) });
    else if (key === c.key) results[c.i] = { ok: true, ref: refOf(read[n].body) };
  });
  if (unmarked.length === 0) return;
  // The etag read above is not used for writing (Graph updates send no If-Match).
  const marked = await client.batch(mailbox, unmarked.map((c) => ({ method: 'POST' as const, url: `${c.url}/linkedResources`, body: linkedResourceOf(c.key) })));
  unmarked.forEach((c, n) => {
    const error = responseError(marked[n], c.key, mailbox);
    results[c.i] = error ? { ok: false, error } : { ok: true, ref: c.ref };
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
