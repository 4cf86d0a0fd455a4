/**
 * The EWS operations the simulator answers: CreateItem, UpdateItem, DeleteItem, GetItem,
 * FindItem, GetFolder, FindFolder, CreateFolder, SyncFolderItems. Batch operations answer one
 * response message per item, in request order, each Success or Error.
 * Source: EWS reference, "EWS operations in Exchange" and each operation's page.
 */
import { randomBytes } from 'node:crypto';
import { ItemKind, MailboxStore, StoredFolder, StoredItem } from '../store';
import {
  DEFAULT_FOLDER, ELEMENT_KIND, ItemInputError, ItemSchemas, KIND_ELEMENT, NOT_IN_FIND, Shape, WriteContext,
  applyChange, fieldOfUri, itemView, parseOccurrenceId, readNewItem, readShape, seriesOf, settle, textOf, writeItem,
} from './items';
import { deleteOccurrence } from './exceptions';
import { Occurrence } from './recurrence';
import { RestrictionError, Subject, matches, sortBy } from './restriction';
import { EwsError, errorMessage, operationResponse, successMessage } from './soap';
import { parseEwsDateTime } from './timezones';
import { XElem, child, childText, children, el, esc } from './xml';

export interface OperationContext {
  store: MailboxStore;
  schema: ItemSchemas;
  /** The mailbox requests act in: the impersonated one, or the account's own (if it has one). */
  mailbox?: string;
  /** Under impersonation only the impersonated mailbox is reachable. */
  impersonating: boolean;
  /** IANA zone from the TimeZoneContext header (unzoned times are read in it). */
  zone: string;
  /** The TimeZoneContext's Id (Windows id) or 'UTC'. */
  zoneId: string;
  /** Injected per-item ErrorServerBusy (faults.serverBusyAs = 'item'), or undefined. */
  itemFault(): EwsError | undefined;
  clock(): number;
  /** The generation of SyncStates: states of an older one are refused (ErrorInvalidSyncStateData). */
  syncEpoch?: number;
}

export interface OperationResult {
  body: string;
  /** Items (or folders) the request touched: for per-item latency and the request log. */
  items: number;
}

export const OPERATIONS = ['CreateItem', 'UpdateItem', 'DeleteItem', 'GetItem', 'FindItem', 'GetFolder', 'FindFolder', 'CreateFolder', 'SyncFolderItems'];

/** Exchange's EWSFindCountLimit default: FindItem/FindFolder return at most 1000 per page. */
const FIND_COUNT_LIMIT = 1000;

class OperationError extends Error {
  constructor(readonly error: EwsError) {
    super(error.code);
  }
}
const fail = (code: string, message?: string): never => {
  throw new OperationError({ code, message });
};

export function runOperation(req: XElem, ctx: OperationContext): OperationResult {
  switch (req.name) {
    case 'CreateItem': return createItem(req, ctx);
    case 'UpdateItem': return updateItem(req, ctx);
    case 'DeleteItem': return deleteItem(req, ctx);
    case 'GetItem': return getItem(req, ctx);
    case 'FindItem': return findItem(req, ctx);
    case 'GetFolder': return getFolder(req, ctx);
    case 'FindFolder': return findFolder(req, ctx);
    case 'CreateFolder': return createFolder(req, ctx);
    case 'SyncFolderItems': return syncFolderItems(req, ctx);
    default: throw new Error(`unsupported operation ${req.name}`);
  }
}

/** Runs `work` for one item of a batch: an injected fault or an error becomes that item's Error message. */
function perItem(op: string, ctx: OperationContext, trailer: string, work: () => string): string {
  const busy = ctx.itemFault();
  if (busy) return errorMessage(op, busy, trailer);
  try {
    return successMessage(op, work());
  } catch (err) {
    if (err instanceof OperationError) return errorMessage(op, err.error, trailer);
    if (err instanceof ItemInputError || err instanceof RestrictionError) return errorMessage(op, { code: err.code, message: err.message }, trailer);
    throw err;
  }
}

// ---- resolving ids -----------------------------------------------------------------------

function mailboxAllowed(ctx: OperationContext, mailbox: string): boolean {
  return !ctx.impersonating || mailbox.toLowerCase() === ctx.mailbox?.toLowerCase();
}

export function resolveFolder(ctx: OperationContext, e: XElem | undefined): StoredFolder {
  if (!e) return fail('ErrorInvalidRequest', 'A folder id is required.');
  if (e.name === 'DistinguishedFolderId') {
    const explicit = childText(child(e, 'Mailbox'), 'EmailAddress');
    const mailbox = explicit ?? ctx.mailbox;
    if (!mailbox) return fail('ErrorMissingEmailAddress');
    if (!ctx.store.hasMailbox(mailbox)) {
      throw new OperationError({ code: 'ErrorNonExistentMailbox', values: { SmtpAddress: mailbox } });
    }
    if (!mailboxAllowed(ctx, mailbox)) return fail('ErrorAccessDenied');
    return ctx.store.distinguishedFolder(mailbox, e.attrs.Id ?? '') ?? fail('ErrorFolderNotFound');
  }
  const id = e.attrs.Id ?? '';
  const mailbox = ctx.store.mailboxOfId(id);
  if (mailbox === undefined || !ctx.store.isFolderId(id)) return fail('ErrorInvalidIdMalformed');
  if (!mailbox || !mailboxAllowed(ctx, mailbox)) return fail('ErrorFolderNotFound');
  return ctx.store.folder(mailbox, id) ?? fail('ErrorFolderNotFound');
}

interface ResolvedItem {
  item: StoredItem;
  occurrence?: Occurrence;
}

function findStoredItem(ctx: OperationContext, id: string): StoredItem {
  const mailbox = ctx.store.mailboxOfId(id);
  if (mailbox === undefined || ctx.store.isFolderId(id)) return fail('ErrorInvalidIdMalformed');
  if (!mailbox || !mailboxAllowed(ctx, mailbox)) return fail('ErrorItemNotFound');
  return ctx.store.item(mailbox, id) ?? fail('ErrorItemNotFound');
}

function occurrenceAt(master: StoredItem, originalStart: number): Occurrence {
  const o = seriesOf(master, { until: originalStart }).find((x) => x.start === originalStart);
  if (!o || o.deleted) return fail('ErrorItemNotFound');
  return o;
}

export function resolveItem(ctx: OperationContext, e: XElem): ResolvedItem {
  const a = e.attrs;
  if (e.name === 'OccurrenceItemId') {
    const master = findStoredItem(ctx, a.RecurringMasterId ?? '');
    const index = Number(a.InstanceIndex);
    if (master.kind !== 'appointment' || master.fields.Recurrence === undefined) {
      return fail('ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange');
    }
    const o = seriesOf(master, { limit: index }).find((x) => x.index === index);
    if (!o) return fail('ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange');
    if (o.deleted) return fail('ErrorCalendarOccurrenceIsDeletedFromRecurrence');
    return { item: master, occurrence: o };
  }
  if (e.name === 'RecurringMasterItemId') {
    const occ = parseOccurrenceId(a.OccurrenceId ?? '');
    if (!occ) return fail('ErrorInvalidIdMalformed');
    return { item: findStoredItem(ctx, occ.masterId) };
  }
  const occ = parseOccurrenceId(a.Id ?? '');
  if (occ) {
    const master = findStoredItem(ctx, occ.masterId);
    return { item: master, occurrence: occurrenceAt(master, occ.originalStart) };
  }
  return { item: findStoredItem(ctx, a.Id ?? '') };
}

const writeContext = (ctx: OperationContext): WriteContext => ({ schema: ctx.schema, zone: ctx.zone, zoneId: ctx.zoneId });

/** `<t:CalendarItem><t:ItemId …/></t:CalendarItem>`: what Create/UpdateItem answer per item. */
const idOnly = (item: StoredItem) => el(`t:${KIND_ELEMENT[item.kind]}`, null, el('t:ItemId', { Id: item.itemId, ChangeKey: item.changeKey }));

// ---- CreateItem --------------------------------------------------------------------------

function createItem(req: XElem, ctx: OperationContext): OperationResult {
  const target = child(req, 'SavedItemFolderId')?.children[0];
  const items = child(req, 'Items')?.children ?? [];
  const messages = items.map((e) => perItem('CreateItem', ctx, '<m:Items/>', () => {
    const kind = ELEMENT_KIND[e.name];
    if (!kind) return fail('ErrorInvalidRequest', `The simulator stores CalendarItem, Task and Contact items, not ${e.name}.`);
    if (kind === 'appointment' && req.attrs.SendMeetingInvitations === undefined) return fail('ErrorSendMeetingInvitationsRequired');
    const folder = target ? resolveFolder(ctx, target) : defaultFolder(ctx, kind);
    const { fields, ext } = readNewItem(kind, e, writeContext(ctx));
    settle(kind, fields, ctx.clock());
    if (kind === 'appointment' && fields.UID === undefined) fields.UID = newUid();
    // Without StartTimeZone Exchange takes the request's TimeZoneContext.
    if (kind === 'appointment' && fields.StartTimeZone === undefined) fields.StartTimeZone = { $: { Id: ctx.zoneId } };
    const item = ctx.store.createItem(folder.mailbox, folder.folderId, kind, fields, ext);
    return el('m:Items', null, idOnly(item));
  }));
  return { body: operationResponse('CreateItem', messages), items: items.length };
}

function defaultFolder(ctx: OperationContext, kind: ItemKind): StoredFolder {
  return resolveFolder(ctx, { ns: '', name: 'DistinguishedFolderId', attrs: { Id: DEFAULT_FOLDER[kind] }, children: [], text: '' });
}

/** An iCalendar UID shaped like Exchange's (a Global Object Id in hex). */
function newUid(): string {
  const hex = randomBytes(16).toString('hex').toUpperCase();
  return `040000008200E00074C5B7101A82E00800000000${hex}`;
}

// ---- UpdateItem --------------------------------------------------------------------------

function updateItem(req: XElem, ctx: OperationContext): OperationResult {
  const changes = children(child(req, 'ItemChanges'), 'ItemChange');
  const overwrite = req.attrs.ConflictResolution === 'AlwaysOverwrite';
  const messages = changes.map((change) => perItem('UpdateItem', ctx, '<m:Items/>', () => {
    const idElem = change.children.find((c) => /ItemId$/.test(c.name))!;
    const { item, occurrence } = resolveItem(ctx, idElem);
    if (occurrence || idElem.name === 'OccurrenceItemId') {
      return fail('ErrorInvalidOperation', 'The simulator does not modify single occurrences (exceptions); change the series or delete the occurrence.');
    }
    if (item.kind === 'appointment' && req.attrs.SendMeetingInvitationsOrCancellations === undefined) {
      return fail('ErrorSendMeetingInvitationsOrCancellationsRequired');
    }
    const changeKey = idElem.attrs.ChangeKey;
    if (changeKey !== undefined && changeKey !== item.changeKey && !overwrite) return fail('ErrorIrresolvableConflict');
    // Apply to a copy first: a bad change leaves the item as it was.
    const draft = { fields: structuredClone(item.fields), extendedProperties: structuredClone(item.extendedProperties) };
    for (const c of child(change, 'Updates')?.children ?? []) applyChange(item.kind, draft, c, writeContext(ctx));
    settle(item.kind, draft.fields, ctx.clock());
    ctx.store.updateItem(item, (i) => {
      i.fields = draft.fields;
      i.extendedProperties = draft.extendedProperties;
    });
    return el('m:Items', null, idOnly(item)) + '<m:ConflictResults><t:Count>0</t:Count></m:ConflictResults>';
  }));
  return { body: operationResponse('UpdateItem', messages), items: changes.length };
}

// ---- DeleteItem --------------------------------------------------------------------------

function deleteItem(req: XElem, ctx: OperationContext): OperationResult {
  const ids = child(req, 'ItemIds')?.children ?? [];
  const messages = ids.map((idElem) => perItem('DeleteItem', ctx, '', () => {
    const { item, occurrence } = resolveItem(ctx, idElem);
    if (item.kind === 'appointment' && req.attrs.SendMeetingCancellations === undefined) return fail('ErrorSendMeetingCancellationsRequired');
    if (item.kind === 'task' && req.attrs.AffectedTaskOccurrences === undefined) return fail('ErrorAffectedTaskOccurrencesRequired');
    if (occurrence) {
      // Deleting one occurrence records it in the master's DeletedOccurrences.
      deleteOccurrence(ctx.store, item, occurrence.start);
      return '';
    }
    if (req.attrs.DeleteType === 'MoveToDeletedItems') {
      const bin = ctx.store.distinguishedFolder(item.mailbox, 'deleteditems')!;
      if (item.folderId !== bin.folderId) {
        ctx.store.moveItem(item, bin.folderId);
        return '';
      }
    }
    ctx.store.deleteItem(item);
    return '';
  }));
  return { body: operationResponse('DeleteItem', messages), items: ids.length };
}

// ---- GetItem -------------------------------------------------------------------------------

function getItem(req: XElem, ctx: OperationContext): OperationResult {
  const shape = readShape(child(req, 'ItemShape'));
  const ids = child(req, 'ItemIds')?.children ?? [];
  const messages = ids.map((idElem) => perItem('GetItem', ctx, '<m:Items/>', () => {
    const { item, occurrence } = resolveItem(ctx, idElem);
    return el('m:Items', null, writeItem(ctx.store, ctx.schema, item, shape, occurrence));
  }));
  return { body: operationResponse('GetItem', messages), items: ids.length };
}

// ---- FindItem ------------------------------------------------------------------------------

function subjectOf(ctx: OperationContext, item: StoredItem, occ?: Occurrence): Subject {
  // The view is built only when a restriction reads a property (most look at extended properties only).
  let view: Record<string, unknown> | undefined;
  return {
    get view() {
      return (view ??= itemView(ctx.store, item, occ));
    },
    extendedProperties: item.extendedProperties,
    typeOf: (n) => ctx.schema[item.kind].types.get(n),
  };
}

function checkFindShape(shape: Shape): void {
  for (const a of shape.additional) {
    if (a.name === 'FieldURI' && NOT_IN_FIND.has(fieldOfUri(a).name)) {
      fail('ErrorInvalidPropertyRequest', `The property ${a.attrs.FieldURI} can't be used in FindItem requests.`);
    }
  }
}

function findItem(req: XElem, ctx: OperationContext): OperationResult {
  const shape = readShape(child(req, 'ItemShape'), true);
  const folders = child(req, 'ParentFolderIds')?.children ?? [];
  let touched = 0;
  const messages = folders.map((folderElem) => {
    try {
      checkFindShape(shape);
      const folder = resolveFolder(ctx, folderElem);
      const traversal = req.attrs.Traversal ?? 'Shallow';
      let rows: { item: StoredItem; occ?: Occurrence }[] = traversal === 'Shallow'
        ? ctx.store.items(folder.mailbox).filter((i) => i.folderId === folder.folderId).map((item) => ({ item }))
        : [];
      const calendarView = child(req, 'CalendarView');
      const restriction = child(req, 'Restriction')?.children[0];
      if (calendarView) {
        const from = parseEwsDateTime(calendarView.attrs.StartDate ?? '', ctx.zone) ?? 0;
        const to = parseEwsDateTime(calendarView.attrs.EndDate ?? '', ctx.zone) ?? 0;
        rows = rows.flatMap(({ item }): { item: StoredItem; occ?: Occurrence }[] => {
          if (item.kind !== 'appointment') return [];
          if (item.fields.Recurrence !== undefined) {
            return seriesOf(item, { until: to }).filter((o) => !o.deleted && (o.moved ?? o).start < to && (o.moved ?? o).end > from).map((occ) => ({ item, occ }));
          }
          const s = parseEwsDateTime(textOf(item.fields.Start) ?? '') ?? 0;
          const e = parseEwsDateTime(textOf(item.fields.End) ?? '') ?? s;
          return s < to && (e > from || (s === e && s >= from)) ? [{ item }] : [];
        });
        rows.sort((a, b) => Date.parse(String(itemView(ctx.store, a.item, a.occ).Start)) - Date.parse(String(itemView(ctx.store, b.item, b.occ).Start)));
      }
      if (restriction) rows = rows.filter((r) => matches(restriction, subjectOf(ctx, r.item, r.occ)));
      rows = sortBy(rows, child(req, 'SortOrder'), (r) => subjectOf(ctx, r.item, r.occ));
      const total = rows.length;
      let attrs: Record<string, string>;
      let page: typeof rows;
      const indexed = child(req, 'IndexedPageItemView');
      const fractional = child(req, 'FractionalPageItemView');
      if (calendarView) {
        const max = Math.min(Number(calendarView.attrs.MaxEntriesReturned ?? FIND_COUNT_LIMIT), FIND_COUNT_LIMIT);
        page = rows.slice(0, max);
        attrs = { TotalItemsInView: String(total), IncludesLastItemInRange: String(page.length === total) };
      } else if (fractional) {
        const num = Number(fractional.attrs.Numerator ?? 0);
        const den = Math.max(1, Number(fractional.attrs.Denominator ?? 1));
        const start = Math.min(total, Math.floor((num * total) / den));
        const max = Math.min(Number(fractional.attrs.MaxEntriesReturned ?? FIND_COUNT_LIMIT), FIND_COUNT_LIMIT);
        page = rows.slice(start, start + max);
        attrs = { NumeratorOffset: String(start + page.length), AbsoluteDenominator: String(total), TotalItemsInView: String(total), IncludesLastItemInRange: String(start + page.length >= total) };
      } else {
        const offset = Number(indexed?.attrs.Offset ?? 0);
        const max = Math.min(Number(indexed?.attrs.MaxEntriesReturned ?? FIND_COUNT_LIMIT), FIND_COUNT_LIMIT);
        const fromEnd = indexed?.attrs.BasePoint === 'End';
        const start = fromEnd ? Math.max(0, total - offset - max) : offset;
        const end = fromEnd ? total - offset : offset + max;
        page = rows.slice(start, Math.max(start, end));
        attrs = { IndexedPagingOffset: String(fromEnd ? start : Math.min(total, start + page.length)), TotalItemsInView: String(total), IncludesLastItemInRange: String((fromEnd ? start <= 0 : start + page.length >= total)) };
      }
      touched += page.length;
      const itemsXml = page.map((r) => writeItem(ctx.store, ctx.schema, r.item, shape, r.occ)).join('');
      return successMessage('FindItem', el('m:RootFolder', attrs, el('t:Items', null, itemsXml)));
    } catch (err) {
      if (err instanceof OperationError) return errorMessage('FindItem', err.error);
      if (err instanceof RestrictionError || err instanceof ItemInputError) return errorMessage('FindItem', { code: err.code, message: err.message });
      throw err;
    }
  });
  return { body: operationResponse('FindItem', messages), items: Math.max(touched, 1) };
}

// ---- folders -------------------------------------------------------------------------------

const FOLDER_ELEMENT: Record<string, string> = { 'IPF.Appointment': 'CalendarFolder', 'IPF.Contact': 'ContactsFolder', 'IPF.Task': 'TasksFolder' };
const ELEMENT_FOLDER_CLASS: Record<string, string> = { CalendarFolder: 'IPF.Appointment', ContactsFolder: 'IPF.Contact', TasksFolder: 'IPF.Task', Folder: 'IPF.Note', SearchFolder: 'IPF.Note' };

function folderXml(ctx: OperationContext, f: StoredFolder, shape: XElem | undefined): string {
  const base = childText(shape, 'BaseShape') ?? 'Default';
  const wanted = new Set((child(shape, 'AdditionalProperties')?.children ?? []).filter((a) => a.name === 'FieldURI').map((a) => fieldOfUri(a).name));
  const all = base === 'AllProperties';
  const def = base !== 'IdOnly';
  const tag = FOLDER_ELEMENT[f.folderClass] ?? 'Folder';
  const count = ctx.store.items(f.mailbox).filter((i) => i.folderId === f.folderId).length;
  const childCount = ctx.store.folders(f.mailbox).filter((x) => x.parentFolderId === f.folderId).length;
  const parent = ctx.store.folder(f.mailbox, f.parentFolderId);
  let inner = el('t:FolderId', { Id: f.folderId, ChangeKey: f.changeKey });
  if ((all || wanted.has('ParentFolderId')) && parent) inner += el('t:ParentFolderId', { Id: parent.folderId, ChangeKey: parent.changeKey });
  if ((all || wanted.has('FolderClass')) && f.folderClass) inner += el('t:FolderClass', null, esc(f.folderClass));
  if (def || wanted.has('DisplayName')) inner += el('t:DisplayName', null, esc(f.displayName));
  if (def || wanted.has('TotalCount')) inner += el('t:TotalCount', null, String(count));
  if (def || wanted.has('ChildFolderCount')) inner += el('t:ChildFolderCount', null, String(childCount));
  if (all || wanted.has('EffectiveRights')) {
    inner += '<t:EffectiveRights><t:CreateAssociated>true</t:CreateAssociated><t:CreateContents>true</t:CreateContents><t:CreateHierarchy>true</t:CreateHierarchy><t:Delete>true</t:Delete><t:Modify>true</t:Modify><t:Read>true</t:Read><t:ViewPrivateItems>true</t:ViewPrivateItems></t:EffectiveRights>';
  }
  if (tag === 'Folder' && (def || wanted.has('UnreadCount'))) inner += '<t:UnreadCount>0</t:UnreadCount>';
  return el(`t:${tag}`, null, inner);
}

function getFolder(req: XElem, ctx: OperationContext): OperationResult {
  const shape = child(req, 'FolderShape');
  const ids = child(req, 'FolderIds')?.children ?? [];
  const messages = ids.map((idElem) => perItem('GetFolder', ctx, '<m:Folders/>', () =>
    el('m:Folders', null, folderXml(ctx, resolveFolder(ctx, idElem), shape))));
  return { body: operationResponse('GetFolder', messages), items: ids.length };
}

function findFolder(req: XElem, ctx: OperationContext): OperationResult {
  const shape = child(req, 'FolderShape');
  const parents = child(req, 'ParentFolderIds')?.children ?? [];
  const messages = parents.map((p) => perItem('FindFolder', ctx, '', () => {
    const parent = resolveFolder(ctx, p);
    const all = ctx.store.folders(parent.mailbox);
    const under = (id: string, deep: boolean): StoredFolder[] => all.filter((f) => f.parentFolderId === id)
      .flatMap((f) => (deep ? [f, ...under(f.folderId, true)] : [f]));
    let found = under(parent.folderId, req.attrs.Traversal === 'Deep');
    const restriction = child(req, 'Restriction')?.children[0];
    if (restriction) {
      found = found.filter((f) => matches(restriction, {
        view: { DisplayName: f.displayName, FolderClass: f.folderClass, TotalCount: String(ctx.store.items(f.mailbox).filter((i) => i.folderId === f.folderId).length) },
        extendedProperties: [], typeOf: (n) => (n === 'TotalCount' ? 'xs:int' : 'xs:string'),
      }));
    }
    const view = child(req, 'IndexedPageFolderView');
    const offset = Number(view?.attrs.Offset ?? 0);
    const max = Math.min(Number(view?.attrs.MaxEntriesReturned ?? FIND_COUNT_LIMIT), FIND_COUNT_LIMIT);
    const page = found.slice(offset, offset + max);
    return el('m:RootFolder', {
      IndexedPagingOffset: String(offset + page.length), TotalItemsInView: String(found.length),
      IncludesLastItemInRange: String(offset + page.length >= found.length),
    }, el('t:Folders', null, page.map((f) => folderXml(ctx, f, shape)).join('')));
  }));
  return { body: operationResponse('FindFolder', messages), items: parents.length };
}

function createFolder(req: XElem, ctx: OperationContext): OperationResult {
  const parentElem = child(req, 'ParentFolderId')?.children[0];
  const folders = child(req, 'Folders')?.children ?? [];
  const messages = folders.map((f) => perItem('CreateFolder', ctx, '<m:Folders/>', () => {
    const parent = resolveFolder(ctx, parentElem);
    const name = childText(f, 'DisplayName') ?? '';
    if (!name) return fail('ErrorInvalidRequest', 'A folder needs a DisplayName.');
    const siblings = ctx.store.folders(parent.mailbox).filter((x) => x.parentFolderId === parent.folderId);
    if (siblings.some((x) => x.displayName.toLowerCase() === name.toLowerCase())) return fail('ErrorFolderExists');
    const folderClass = childText(f, 'FolderClass') ?? ELEMENT_FOLDER_CLASS[f.name] ?? 'IPF.Note';
    const created = ctx.store.createFolder(parent.mailbox, parent.folderId, name, folderClass);
    return el('m:Folders', null, el(`t:${FOLDER_ELEMENT[folderClass] ?? 'Folder'}`, null, el('t:FolderId', { Id: created.folderId, ChangeKey: created.changeKey })));
  }));
  return { body: operationResponse('CreateFolder', messages), items: folders.length };
}

// ---- SyncFolderItems -----------------------------------------------------------------------

function syncState(folderId: string, seq: number, epoch: number): string {
  return Buffer.from(JSON.stringify({ v: 1, f: folderId, s: seq, e: epoch })).toString('base64');
}
function readSyncState(state: string | undefined, folderId: string, epoch: number): number {
  if (!state) return 0;
  try {
    const s = JSON.parse(Buffer.from(state, 'base64').toString('utf8')) as { v: number; f: string; s: number; e?: number };
    if (s.v === 1 && s.f === folderId && Number.isInteger(s.s) && s.s >= 0 && (s.e ?? 0) === epoch) return s.s;
  } catch {
    // fall through
  }
  return fail('ErrorInvalidSyncStateData');
}

function syncFolderItems(req: XElem, ctx: OperationContext): OperationResult {
  let touched = 0;
  const message = perItem('SyncFolderItems', ctx, '', () => {
    const folder = resolveFolder(ctx, child(req, 'SyncFolderId')?.children[0]);
    const since = readSyncState(childText(req, 'SyncState'), folder.folderId, ctx.syncEpoch ?? 0);
    const max = Number(childText(req, 'MaxChangesReturned') ?? 512);
    const ignore = new Set(children(child(req, 'Ignore'), 'ItemId').map((i) => i.attrs.Id));
    const shape = readShape(child(req, 'ItemShape'), true);
    // Net change per item since the state: created → Create, gone → Delete, else Update.
    const byItem = new Map<string, { first: string; last: string; seq: number }>();
    for (const c of ctx.store.changesSince(folder.mailbox, folder.folderId, since)) {
      const prev = byItem.get(c.itemId);
      byItem.set(c.itemId, { first: prev?.first ?? c.type, last: c.type, seq: c.seq });
    }
    const ordered = [...byItem.entries()].sort((a, b) => a[1].seq - b[1].seq);
    let out = '';
    let count = 0;
    let lastSeq = since;
    let complete = true;
    for (const [itemId, ch] of ordered) {
      if (count >= max) {
        complete = false;
        break;
      }
      lastSeq = ch.seq;
      if (ignore.has(itemId)) continue;
      const item = ctx.store.item(folder.mailbox, itemId);
      const present = !!item && item.folderId === folder.folderId && ch.last !== 'delete';
      if (ch.first === 'create' && !present) continue;
      count++;
      if (!present) {
        out += el('t:Delete', null, el('t:ItemId', { Id: itemId }));
      } else {
        out += el(ch.first === 'create' ? 't:Create' : 't:Update', null, writeItem(ctx.store, ctx.schema, item!, shape));
      }
    }
    if (complete) lastSeq = Math.max(lastSeq, ctx.store.currentSeq(folder.mailbox));
    touched = count;
    return el('m:SyncState', null, syncState(folder.folderId, lastSeq, ctx.syncEpoch ?? 0))
      + el('m:IncludesLastItemInRange', null, String(complete))
      + el('m:Changes', null, out);
  });
  return { body: operationResponse('SyncFolderItems', [message]), items: Math.max(touched, 1) };
}
