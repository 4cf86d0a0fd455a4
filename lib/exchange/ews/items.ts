import * as ews from 'ews-javascript-api';
import type { Appointment, ItemKind } from '../model';
import { KEY_PROPERTY } from '../key';

/**
 * What the writes and the reads through ews-javascript-api share: the key's extended property,
 * the fields EWS couples in an update, an item id without a GetItem. The writes themselves are
 * SOAP text (soap-items.ts, soap-requests.ts).
 */

/** The writer key's extended property: PS_PUBLIC_STRINGS {00020329-0000-0000-C000-000000000046}, name BueroSyncKey, String. */
export const keyPropertyDefinition = new ews.ExtendedPropertyDefinition(
  ews.DefaultExtendedPropertySet.PublicStrings, KEY_PROPERTY.name, ews.MapiPropertyType.String);

/** Fields an update must write together with a changed one (EWS couples them). */
export function withCoupledFields(kind: ItemKind, item: object, fields: string[]): string[] {
  const out = new Set(fields);
  if (kind === 'appointment') {
    const a = item as Appointment;
    if (out.has('timeZone')) {
      out.add('start');
      out.add('end');
    }
    // A series is anchored in its start and zone: re-write the pattern when they move.
    if (a.recurrence && (out.has('start') || out.has('end') || out.has('timeZone') || out.has('isAllDay'))) out.add('recurrence');
  }
  if (kind === 'task') {
    if (out.has('timeZone')) {
      out.add('startDate');
      out.add('dueDate');
    }
    if (out.has('complete') || out.has('percentComplete')) {
      out.add('complete');
      out.add('percentComplete');
    }
  }
  return [...out];
}

/**
 * Makes a freshly built item an existing one (for UpdateItem) without a GetItem round trip:
 * the id and ChangeKey from the id map go straight into its property bag. ews-javascript-api
 * offers no public way; its own Bind does the same after reading the item.
 */
export function attachId(item: ews.Item, itemId: string, changeKey?: string): void {
  const bag = (item as unknown as { PropertyBag: { Properties: { set(k: unknown, v: unknown): void } } }).PropertyBag;
  const id = new ews.ItemId(itemId);
  if (changeKey) id.ChangeKey = changeKey;
  bag.Properties.set(ews.ItemSchema.Id, id);
}
