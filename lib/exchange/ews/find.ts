import * as ews from 'ews-javascript-api';
import type { ItemKind } from '../model';
import type { FindResult, ItemRef, ItemResult } from '../transport';
import { itemError } from './errors';
import { xmlText } from './escape';
import type { Folders } from './folders';
import { keyPropertyDefinition } from './items';

/**
 * Finds items by the writer key in their extended property (FindItem with a restriction on
 * it), many keys in one request. Used after a crash for keys whose create may or may not have
 * reached Exchange, and when an id of another transport must be re-found.
 */
export async function findByKey(service: ews.ExchangeService, folders: Folders, mailbox: string, kind: ItemKind, keys: string[]): Promise<FindResult[]> {
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
  return keys.map((k) => ({ ok: true, ref: byKey.get(k) ?? null }));
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
