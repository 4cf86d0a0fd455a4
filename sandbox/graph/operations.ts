/**
 * The Graph operations the simulator answers, each on one mailbox: create, get, update
 * (PATCH) and delete of events, contacts and To Do tasks; lists of them with $filter on a
 * singleValueExtendedProperty and paging; the instances of a series and the deletion of one
 * occurrence; contact folders and To Do lists (list by displayName, create); linkedResources
 * of a task. routes.ts decides which one a request is.
 * Source: Microsoft Graph v1.0 reference, each resource's operations.
 */
import { randomUUID } from 'node:crypto';
import type { ItemKind, MailboxStore, StoredFolder, StoredItem } from '../store';
import { occurrenceId, seriesOf } from '../ews/items';
import { deleteOccurrence } from '../ews/exceptions';
import {
  applyContact, applyEvent, applyTask, eventJson, itemView, linkedResourcesOf, matchesProperty, setLinkedResources, toGraphId, toStoreId,
} from './items';
import { GraphInputError, graphError, notFound, page, type Json, type Paging, type Reply } from './odata';

export interface OperationContext {
  store: MailboxStore;
  /** The mailbox of the request's URL (`users/{id}`), known to exist. */
  mailbox: string;
  /** The mailbox owners' zone, for To Do dates. */
  mailboxZone: string;
  paging: Paging;
  clock(): number;
  /** The generation of delta tokens: tokens of an older one are expired (410). */
  deltaEpoch?: number;
  /** An injected answer to the DELETE of a series occurrence (faults), or undefined. */
  occurrenceDelete?(): Reply | undefined;
}

/** GET /calendar: the default calendar. */
export function getCalendar(ctx: OperationContext): Reply {
  const cal = ctx.store.distinguishedFolder(ctx.mailbox, 'calendar')!;
  return { status: 200, body: { id: toGraphId(cal.folderId), name: 'Calendar', canEdit: true } };
}

export function createItem(kind: ItemKind, folder: StoredFolder, body: Json, ctx: OperationContext): Reply {
  const draft = { fields: {} as Record<string, unknown>, extendedProperties: [] as StoredItem['extendedProperties'] };
  if (kind === 'appointment') {
    if (!body?.start || !body?.end) return graphError(400, 'ErrorInvalidRequest', 'start and end are required.');
    applyEvent(draft, body);
    if (Date.parse(String(draft.fields.End)) < Date.parse(String(draft.fields.Start))) {
      return graphError(400, 'ErrorInvalidRequest', 'The end time must be after the start time.');
    }
  } else if (kind === 'contact') applyContact(draft, body);
  else {
    if (!body?.title) return graphError(400, 'invalidRequest', 'title is required.');
    applyTask(draft, body, ctx.clock());
  }
  const item = ctx.store.createItem(ctx.mailbox, folder.folderId, kind, draft.fields, draft.extendedProperties);
  return { status: 201, body: itemView(kind, item, new URLSearchParams(), ctx) };
}

/** GET, PATCH or DELETE of one item (in `folder` when the URL names one). */
export function itemOperation(kind: ItemKind, method: string, id: string, body: Json, q: URLSearchParams, ctx: OperationContext, folder?: StoredFolder): Reply {
  const { store } = ctx;
  const item = store.item(ctx.mailbox, toStoreId(id));
  if (!item || item.kind !== kind || (folder && item.folderId !== folder.folderId)) return notFound();
  if (method === 'GET') return { status: 200, body: itemView(kind, item, q, ctx) };
  if (method === 'DELETE') {
    store.deleteItem(item);
    return { status: 204 };
  }
  if (method === 'PATCH') {
    const draft = { fields: structuredClone(item.fields), extendedProperties: structuredClone(item.extendedProperties) };
    if (kind === 'appointment') applyEvent(draft, body ?? {});
    else if (kind === 'contact') applyContact(draft, body ?? {});
    else applyTask(draft, body ?? {}, ctx.clock());
    store.updateItem(item, (i) => {
      i.fields = draft.fields;
      i.extendedProperties = draft.extendedProperties;
    });
    return { status: 200, body: itemView(kind, item, new URLSearchParams(), ctx) };
  }
  return graphError(405, 'ErrorInvalidRequest', `${method} is not allowed here.`);
}

/**
 * GET or DELETE of one occurrence of a series: GET shows it (an exception when moved), DELETE
 * records it as deleted on the series (as Exchange does). A deleted occurrence is not found.
 */
export function occurrenceOperation(method: string, occ: { masterId: string; originalStart: number }, ctx: OperationContext, folder?: StoredFolder): Reply {
  const master = ctx.store.item(ctx.mailbox, occ.masterId);
  if (!master || (folder && master.folderId !== folder.folderId)) return notFound();
  const o = seriesOf(master, { until: occ.originalStart }).find((x) => x.start === occ.originalStart);
  if (!o || o.deleted) return notFound();
  if (method === 'GET') return { status: 200, body: occurrenceJson(master, o) };
  if (method === 'DELETE') {
    deleteOccurrence(ctx.store, master, occ.originalStart);
    return { status: 204 };
  }
  return graphError(400, 'ErrorInvalidRequest', 'The sandbox supports only GET and DELETE on an occurrence.');
}

/** One occurrence of a series as an event of its own (type occurrence, or exception when moved). */
export function occurrenceJson(master: StoredItem, o: { start: number; end: number; moved?: { start: number; end: number } }): Json {
  const times = o.moved ?? o;
  return eventJson(master, toGraphId(occurrenceId(master.itemId, o.start)), { start: times.start, end: times.end, originalStart: o.start, moved: !!o.moved });
}

/** GET of a collection of items, with `$filter=singleValueExtendedProperties/any(…)` (events and contacts). */
export function listItems(kind: ItemKind, folders: StoredFolder[], q: URLSearchParams, rawUrl: string, ctx: OperationContext): Reply {
  const ids = new Set(folders.map((f) => f.folderId));
  let items = ctx.store.items(ctx.mailbox, kind).filter((i) => ids.has(i.folderId));
  const filter = q.get('$filter');
  if (filter) {
    // singleValueExtendedProperties/Any(ep: ep/id eq '…' and ep/value eq '…')
    const m = /^singleValueExtendedProperties\/any\((\w+):\s*\1\/id eq '((?:[^']|'')*)' and \1\/value eq '((?:[^']|'')*)'\)$/i.exec(filter.trim());
    if (!m || kind === 'task') throw new GraphInputError(400, 'ErrorInvalidUrlQueryFilter', `The sandbox does not support the filter ${filter}`);
    const pid = m[2]!.replace(/''/g, "'");
    const value = m[3]!.replace(/''/g, "'");
    items = items.filter((i) => i.extendedProperties.some((p) => matchesProperty(p, pid) && p.value === value));
  }
  return page(items.map((i) => itemView(kind, i, q, ctx)), q, rawUrl, ctx.paging);
}

/** GET /events/{id}/instances: the occurrences of a series in the window the query names. */
export function instances(id: string, q: URLSearchParams, rawUrl: string, ctx: OperationContext): Reply {
  const master = ctx.store.item(ctx.mailbox, toStoreId(id));
  if (!master || master.kind !== 'appointment') return notFound();
  const from = Date.parse(q.get('startDateTime') ?? '');
  const to = Date.parse(q.get('endDateTime') ?? '');
  if (Number.isNaN(from) || Number.isNaN(to)) {
    return graphError(400, 'ErrorInvalidParameter', "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.");
  }
  const occ = master.fields.Recurrence ? seriesOf(master, { until: to }).filter((o) => !o.deleted && (o.moved ?? o).end > from && (o.moved ?? o).start < to) : [];
  const value = occ.map((o) => occurrenceJson(master, o));
  return page(value, q, rawUrl, ctx.paging);
}

/** POST …/tasks/{id}/linkedResources: one more linkedResource on a task (201 with it). */
export function addLinkedResource(folder: StoredFolder, id: string, body: Json, ctx: OperationContext): Reply {
  const item = ctx.store.item(ctx.mailbox, toStoreId(id));
  if (!item || item.kind !== 'task' || item.folderId !== folder.folderId) return notFound();
  if (!body?.applicationName || !body?.displayName) return graphError(400, 'invalidRequest', 'applicationName and displayName are required.');
  const added: Json = { id: randomUUID(), webUrl: null, externalId: null, ...body };
  ctx.store.updateItem(item, (i) => setLinkedResources(i, [...linkedResourcesOf(i), added]));
  return { status: 201, body: added };
}

// ---- contact folders and To Do lists ---------------------------------------------------------

const contactsFolder = (ctx: OperationContext) => ctx.store.distinguishedFolder(ctx.mailbox, 'contacts')!;
const tasksFolder = (ctx: OperationContext) => ctx.store.distinguishedFolder(ctx.mailbox, 'tasks')!;

/** GET /contactFolders: the folders below the default contacts folder (`$filter=displayName eq '…'`). */
export function listContactFolders(q: URLSearchParams, rawUrl: string, ctx: OperationContext): Reply {
  const contacts = contactsFolder(ctx);
  const folders = ctx.store.folders(ctx.mailbox).filter((f) => f.parentFolderId === contacts.folderId && f.folderClass === 'IPF.Contact');
  return page(folders.filter(nameFilter(q)).map((f) => ({ id: toGraphId(f.folderId), displayName: f.displayName, parentFolderId: toGraphId(contacts.folderId) })), q, rawUrl, ctx.paging);
}

export function createContactFolder(body: Json, ctx: OperationContext): Reply {
  const contacts = contactsFolder(ctx);
  const name = String(body?.displayName ?? '').trim();
  if (!name) return graphError(400, 'ErrorInvalidRequest', 'displayName is required.');
  if (ctx.store.folders(ctx.mailbox).some((f) => f.parentFolderId === contacts.folderId && f.displayName === name)) {
    return graphError(409, 'ErrorFolderExists', 'A folder with the specified name already exists.');
  }
  const f = ctx.store.createFolder(ctx.mailbox, contacts.folderId, name, 'IPF.Contact');
  return { status: 201, body: { id: toGraphId(f.folderId), displayName: f.displayName, parentFolderId: toGraphId(contacts.folderId) } };
}

/** A To Do list: every task folder of the mailbox; the default Tasks folder is the `defaultList`. */
function taskListJson(f: StoredFolder, ctx: OperationContext): Json {
  return {
    id: toGraphId(f.folderId), displayName: f.displayName, isOwner: true, isShared: false,
    wellknownListName: f.folderId === tasksFolder(ctx).folderId ? 'defaultList' : 'none',
  };
}

export function listTaskLists(q: URLSearchParams, rawUrl: string, ctx: OperationContext): Reply {
  const lists = ctx.store.folders(ctx.mailbox).filter((f) => f.folderClass === 'IPF.Task');
  return page(lists.filter(nameFilter(q)).map((f) => taskListJson(f, ctx)), q, rawUrl, ctx.paging);
}

export function createTaskList(body: Json, ctx: OperationContext): Reply {
  const name = String(body?.displayName ?? '').trim();
  if (!name) return graphError(400, 'invalidRequest', 'displayName is required.');
  return { status: 201, body: taskListJson(ctx.store.createFolder(ctx.mailbox, tasksFolder(ctx).parentFolderId, name, 'IPF.Task'), ctx) };
}

/** `$filter=displayName eq '…'`, the one filter on folders and lists the writer uses. */
function nameFilter(q: URLSearchParams): (f: StoredFolder) => boolean {
  const filter = q.get('$filter');
  if (!filter) return () => true;
  const m = /^displayName eq '((?:[^']|'')*)'$/.exec(filter.trim());
  if (!m) throw new GraphInputError(400, 'ErrorInvalidUrlQueryFilter', `The sandbox does not support the filter ${filter}`);
  const name = m[1]!.replace(/''/g, "'");
  return (f) => f.displayName === name;
}
