import type { ItemKind } from '../model';
import { xmlText } from './escape';
import { ITEM_ELEMENT, SCHEMA_ORDER, isKeyProp, itemProps, keyPropXml, type Prop } from './soap-items';

/**
 * The writer's EWS requests as SOAP text (messages.xsd): CreateItem, UpdateItem, DeleteItem
 * (items, and occurrences by OccurrenceItemId), in the envelope ews-javascript-api writes
 * (RequestServerVersion, TimeZoneContext for tasks, ExchangeImpersonation by SMTP address).
 */

const NS = 'xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
  + ' xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"';

export interface Envelope {
  /** RequestServerVersion, e.g. Exchange2016. */
  version: string;
  /** The impersonated mailbox's SMTP address. */
  mailbox: string;
  /** ` Name="…" Id="…"` of the zone for TimeZoneContext (tasks: Exchange reads their dates in it). */
  timeZone?: string;
}

export function envelope(e: Envelope, body: string): string {
  const zone = e.timeZone ? `<t:TimeZoneContext><t:TimeZoneDefinition${e.timeZone}/></t:TimeZoneContext>` : '';
  return `<?xml version="1.0" encoding="utf-8"?><soap:Envelope ${NS}><soap:Header><t:RequestServerVersion Version="${xmlText(e.version)}"/>${zone}`
    + `<t:ExchangeImpersonation><t:ConnectingSID><t:SmtpAddress>${xmlText(e.mailbox)}</t:SmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>`
    + `</soap:Header><soap:Body>${body}</soap:Body></soap:Envelope>`;
}

/** Where a create saves: a distinguished folder (calendar, tasks, contacts) or a folder id. */
export type FolderRef = { distinguished: string } | { id: string };

const DICTIONARIES = new Set(['EmailAddresses', 'PhoneNumbers', 'PhysicalAddresses']);

/**
 * A new item for a key, its properties in the schema's order and a dictionary's entries in one
 * element. The XML of its other properties is made once per item object, with the key's
 * property put in its place for each mailbox: the rows of one change for many mailboxes share
 * their item (writer/window.ts), and building a contact's thirty elements for each of 22
 * mailboxes was most of what a contact sync over EWS allocated (docs/architecture.md, "Memory").
 */
export function newItemXmlFor(kind: ItemKind, key: string, item: object): string {
  let parts = madeItems.get(item);
  if (!parts) {
    parts = newItemParts(kind, itemProps(kind, key, item).filter((p) => !isKeyProp(p)));
    madeItems.set(item, parts);
  }
  return parts[0] + keyPropXml(key) + parts[1];
}

const madeItems = new WeakMap<object, [string, string]>();

/** The item element split where the key's extended property goes (the first ExtendedProperty). */
function newItemParts(kind: ItemKind, props: Prop[]): [string, string] {
  const order = SCHEMA_ORDER[kind];
  const rank = (p: Prop) => order.indexOf(p.name);
  const keyRank = order.indexOf('ExtendedProperty');
  const sorted = props.filter((p) => p.value !== undefined).sort((a, b) => rank(a) - rank(b));
  const split = sorted.findIndex((p) => rank(p) >= keyRank);
  const at = split < 0 ? sorted.length : split;
  const element = ITEM_ELEMENT[kind];
  return [`<t:${element}>${elements(sorted.slice(0, at))}`, `${elements(sorted.slice(at))}</t:${element}>`];
}

/** Sorted properties as XML, a dictionary's entries in one element. */
function elements(sorted: Prop[]): string {
  let xml = '';
  for (let i = 0; i < sorted.length;) {
    const p = sorted[i];
    if (!DICTIONARIES.has(p.name)) {
      xml += p.value;
      i++;
      continue;
    }
    let entries = '';
    let j = i;
    if (p.entry) {
      // A physical address: its parts (in the entry's own order) in one Entry.
      let parts = '';
      for (; j < sorted.length && sorted[j].name === p.name && sorted[j].entry === p.entry; j++) parts += sorted[j].value;
      entries = `<t:Entry Key="${p.entry}">${parts}</t:Entry>`;
    } else {
      for (; j < sorted.length && sorted[j].name === p.name; j++) entries += sorted[j].value;
    }
    xml += `<t:${p.name}>${entries}</t:${p.name}>`;
    i = j;
  }
  return xml;
}

export function createItemXml(kind: ItemKind, folder: FolderRef, items: string[]): string {
  const invitations = kind === 'appointment' ? ' SendMeetingInvitations="SendToNone"' : '';
  const target = 'id' in folder ? `<t:FolderId Id="${xmlText(folder.id)}"/>` : `<t:DistinguishedFolderId Id="${folder.distinguished}"/>`;
  return `<m:CreateItem MessageDisposition="SaveOnly"${invitations}><m:SavedItemFolderId>${target}</m:SavedItemFolderId>`
    + `<m:Items>${items.join('')}</m:Items></m:CreateItem>`;
}

/** One item's changes: SetItemField for a value, DeleteItemField for a cleared field. */
export function itemChangeXml(kind: ItemKind, itemId: string, changeKey: string | undefined, props: Prop[]): string {
  const element = ITEM_ELEMENT[kind];
  let updates = '';
  for (const p of props) {
    if (p.value === undefined) {
      updates += `<t:DeleteItemField>${p.uri}</t:DeleteItemField>`;
      continue;
    }
    let value = p.value;
    if (p.entry) value = `<t:${p.name}><t:Entry Key="${p.entry}">${value}</t:Entry></t:${p.name}>`;
    else if (DICTIONARIES.has(p.name)) value = `<t:${p.name}>${value}</t:${p.name}>`;
    updates += `<t:SetItemField>${p.uri}<t:${element}>${value}</t:${element}></t:SetItemField>`;
  }
  const ck = changeKey ? ` ChangeKey="${xmlText(changeKey)}"` : '';
  return `<t:ItemChange><t:ItemId Id="${xmlText(itemId)}"${ck}/><t:Updates>${updates}</t:Updates></t:ItemChange>`;
}

export function updateItemXml(kind: ItemKind, changes: string[]): string {
  const invitations = kind === 'appointment' ? ' SendMeetingInvitationsOrCancellations="SendToNone"' : '';
  return `<m:UpdateItem MessageDisposition="SaveOnly" ConflictResolution="AutoResolve"${invitations}>`
    + `<m:ItemChanges>${changes.join('')}</m:ItemChanges></m:UpdateItem>`;
}

/** An item to delete: by id, or an occurrence of a series by its master and 1-based position. */
export type DeleteTarget = { itemId: string } | { masterId: string; index: number };

export function deleteItemXml(kind: ItemKind, targets: DeleteTarget[]): string {
  const tasks = kind === 'task' ? ' AffectedTaskOccurrences="AllOccurrences"' : '';
  const ids = targets.map((t) => ('itemId' in t
    ? `<t:ItemId Id="${xmlText(t.itemId)}"/>`
    : `<t:OccurrenceItemId RecurringMasterId="${xmlText(t.masterId)}" InstanceIndex="${t.index}"/>`)).join('');
  return `<m:DeleteItem DeleteType="SoftDelete"${tasks} SendMeetingCancellations="SendToNone"><m:ItemIds>${ids}</m:ItemIds></m:DeleteItem>`;
}
