import * as ews from 'ews-javascript-api';
import { ExchangeCode } from '../../error-codes';
import { idFor, type ForeignId } from '../item-ids';
import type { ItemKind } from '../model';
import type { FindResult, ItemRef, ItemResult } from '../transport';
import { itemError } from './errors';
import { xmlText } from './escape';
import type { Folders } from './folders';
import { attachId, keyPropertyDefinition } from './items';

/**
 * Finds items by the writer key in their extended property (FindItem with a restriction on
 * it), many keys in one request. Used after a crash for keys whose create may or may not have
 * reached Exchange, and when an id of another transport must be re-found. A To Do task Graph
 * wrote carries no such property (Graph cannot write one on a task): it is looked at by the id
 * Graph stored (`foreign`).
 */
export async function findByKey(service: ews.ExchangeService, folders: Folders, mailbox: string, kind: ItemKind, keys: string[], foreign: (ForeignId | undefined)[] = []): Promise<FindResult[]> {
  const folderId = await folders.folderFor(service, mailbox, kind);
  const filters = keys.map((k) => new ews.SearchFilter.IsEqualTo(keyPropertyDefinition, xmlText(k)));
  const filter = filters.length === 1 ? filters[0] : new ews.SearchFilter.SearchFilterCollection(ews.LogicalOperator.Or, filters);
  // Room for a duplicate or two per key; the first one found wins.
  const view = new ews.ItemView(Math.min(1000, keys.length * 2 + 10));
  view.PropertySet = new ews.PropertySet(ews.BasePropertySet.IdOnly, [keyPropertyDefinition]);
  const found = await service.FindItems(folderId, filter, view);
  const byKey = new Map<string, ItemRef>();
  for (const item of found.Items) {
    const key = keyOf(item);
    if (key !== undefined && !byKey.has(key)) byKey.set(key, { itemId: item.Id.UniqueId, changeKey: item.Id.ChangeKey });
  }
  const results: FindResult[] = keys.map((k) => ({ ok: true, ref: byKey.get(k) ?? null }));
  if (kind === 'task') await adoptTasksById(service, mailbox, keys, foreign, results);
  return results;
}

/**
 * Tasks not found by key whose id another transport stored: bind that id; a task without the
 * key property gets it (so the key finds it from now on), one carrying another key is not
 * ours. Not there (deleted, or the id unknown here): not found.
 */
async function adoptTasksById(service: ews.ExchangeService, mailbox: string, keys: string[], foreign: (ForeignId | undefined)[], results: FindResult[]): Promise<void> {
  const candidates = keys.flatMap((key, i) => {
    const found = results[i];
    const id = found.ok && !found.ref && foreign[i] ? idFor('ews', foreign[i]!) : undefined;
    return id ? [{ i, key, id }] : [];
  });
  if (candidates.length === 0) return;
  const bound = await service.BindToItems(candidates.map((c) => new ews.ItemId(c.id)),
    new ews.PropertySet(ews.BasePropertySet.IdOnly, [keyPropertyDefinition]));
  const unmarked: { i: number; key: string; item: ews.Item }[] = [];
  candidates.forEach((c, n) => {
    const response = bound.Responses[n];
    const error = response && itemError(response, c.key, mailbox);
    if (error?.code === ExchangeCode.itemNotFound) return;
    if (error) {
      results[c.i] = { ok: false, error };
      return;
    }
    const key = keyOf(response.Item);
    const ref = { itemId: response.Item.Id.UniqueId, changeKey: response.Item.Id.ChangeKey };
    if (key === undefined) {
      const item = new ews.Task(service);
      attachId(item, ref.itemId, ref.changeKey);
      item.SetExtendedProperty(keyPropertyDefinition, xmlText(c.key));
      unmarked.push({ i: c.i, key: c.key, item });
    } else if (key === c.key) {
      results[c.i] = { ok: true, ref };
    }
  });
  if (unmarked.length === 0) return;
  const updated = await service.UpdateItems(unmarked.map((u) => u.item), null as unknown as ews.FolderId,
    ews.ConflictResolutionMode.AutoResolve, ews.MessageDisposition.SaveOnly, null as unknown as ews.SendInvitationsOrCancellationsMode);
  unmarked.forEach((u, n) => {
    const error = itemError(updated.Responses[n], u.key, mailbox);
    results[u.i] = error ? { ok: false, error } : { ok: true, ref: { itemId: u.item.Id.UniqueId, changeKey: u.item.Id.ChangeKey } };
  });
}

/** The writer key an item carries (read back unescaped by the XML parser). */
export function keyOf(item: ews.Item): string | undefined {
  for (const p of item.ExtendedProperties.GetEnumerator()) {
    const def = p.PropertyDefinition;
    if (def.Name === keyPropertyDefinition.Name && def.MapiType === keyPropertyDefinition.MapiType) return String(p.Value);
  }
  return undefined;
}

/** Re-reads ItemId and ChangeKey (after ErrorIrresolvableConflict or occurrence deletions). */
export async function readRefs(service: ews.ExchangeService, refs: ItemRef[], keys: string[], mailbox: string): Promise<ItemResult[]> {
  const responses = await service.BindToItems(refs.map((r) => new ews.ItemId(r.itemId)), new ews.PropertySet(ews.BasePropertySet.IdOnly));
  return refs.map((_, i) => {
    const response = responses.Responses[i];
    const error = response && itemError(response, keys[i], mailbox);
    if (error) return { ok: false, error };
    const id = response.Item.Id;
    return { ok: true, ref: { itemId: id.UniqueId, changeKey: id.ChangeKey } };
  });
}
