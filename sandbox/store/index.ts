/**
 * Mailbox storage shared by the sandbox's Exchange simulators (EWS now, Microsoft Graph later):
 * each mailbox is a separate store of folders and items. Items are plain neutral records that a
 * test or the inspection page can read directly:
 *
 * - `fields`: EWS element names → value. A simple element is its text (`Subject: 'Besuch'`,
 *   `IsAllDayEvent: 'false'`, `Start: '2026-03-29T08:00:00Z'`); a structured one is an object
 *   with its attributes under `$`, its text under `_` and its child elements by name (an array
 *   when repeated): `Body: { $: { BodyType: 'HTML' }, _: '<p>…</p>' }`,
 *   `Categories: { String: ['A', 'B'] }`, `Recurrence: { WeeklyRecurrence: {…}, EndDateRecurrence: {…} }`.
 * - `extendedProperties`: MAPI extended properties, identified by property set and name/id/tag.
 *
 * The store assigns ids and change keys; every write gives the item a new ChangeKey and is
 * recorded in the mailbox's change log (what SyncFolderItems reports).
 */
import { randomBytes } from 'node:crypto';

export type ItemKind = 'appointment' | 'task' | 'contact';

export interface StoredExtendedProperty {
  /** GUID of the property set, upper case; set for PublicStrings etc. as well (their GUID). */
  propertySetId?: string;
  /** The distinguished set name when the client used one (PublicStrings, Common, …). */
  distinguishedPropertySetId?: string;
  name?: string;
  /** Numeric property id (PropertyId) in a property set. */
  propertyId?: number;
  /** Property tag (`0x…`) for untyped-set properties. */
  tag?: string;
  type: string;
  /** Value as EWS carries it (text); for multi-valued types the first value. */
  value: string;
  /** All values, for multi-valued types (`StringArray`, …). */
  values?: string[];
}

export interface StoredItem {
  itemId: string;
  changeKey: string;
  mailbox: string;
  folderId: string;
  kind: ItemKind;
  fields: Record<string, unknown>;
  extendedProperties: StoredExtendedProperty[];
  created: number;
  modified: number;
}

export interface StoredFolder {
  folderId: string;
  changeKey: string;
  mailbox: string;
  /** Empty for the mailbox root. */
  parentFolderId: string;
  /** EWS DistinguishedFolderId (`calendar`, `tasks`, …) of a well-known folder. */
  distinguishedId?: string;
  displayName: string;
  /** IPF.Appointment, IPF.Task, IPF.Contact, IPF.Note, … */
  folderClass: string;
  created: number;
}

export interface ChangeRecord {
  seq: number;
  itemId: string;
  folderId: string;
  type: 'create' | 'update' | 'delete';
}

interface Mailbox {
  smtp: string;
  index: number;
  folders: Map<string, StoredFolder>;
  items: Map<string, StoredItem>;
  changes: ChangeRecord[];
  seq: number;
}

/** Well-known folders every mailbox has: [distinguished id, parent, display name, folder class]. */
const WELL_KNOWN: [string, string, string, string][] = [
  ['root', '', '', ''],
  ['msgfolderroot', 'root', 'Top of Information Store', 'IPF.Note'],
  ['inbox', 'msgfolderroot', 'Inbox', 'IPF.Note'],
  ['calendar', 'msgfolderroot', 'Calendar', 'IPF.Appointment'],
  ['tasks', 'msgfolderroot', 'Tasks', 'IPF.Task'],
  ['contacts', 'msgfolderroot', 'Contacts', 'IPF.Contact'],
  ['deleteditems', 'msgfolderroot', 'Deleted Items', 'IPF.Note'],
  ['drafts', 'msgfolderroot', 'Drafts', 'IPF.Note'],
  ['sentitems', 'msgfolderroot', 'Sent Items', 'IPF.Note'],
  ['outbox', 'msgfolderroot', 'Outbox', 'IPF.Note'],
  ['notes', 'msgfolderroot', 'Notes', 'IPF.StickyNote'],
  ['journal', 'msgfolderroot', 'Journal', 'IPF.Journal'],
  ['junkemail', 'msgfolderroot', 'Junk Email', 'IPF.Note'],
];

const ITEM_MAGIC = Buffer.from('AAMkEWSi', 'latin1');
const FOLDER_MAGIC = Buffer.from('AAMkEWSf', 'latin1');

export class MailboxStore {
  private readonly boxes = new Map<string, Mailbox>();
  private readonly clock: () => number;
  private version = 0;

  constructor(options: { clock?: () => number } = {}) {
    this.clock = options.clock ?? Date.now;
  }

  // ---- mailboxes ---------------------------------------------------------------------

  /** Creates the mailbox with its well-known folders (idempotent; SMTP compare ignores case). */
  addMailbox(smtp: string): void {
    const key = smtp.toLowerCase();
    if (this.boxes.has(key)) return;
    const box: Mailbox = { smtp, index: this.boxes.size + 1, folders: new Map(), items: new Map(), changes: [], seq: 0 };
    this.boxes.set(key, box);
    const byDistinguished = new Map<string, string>();
    for (const [id, parent, name, cls] of WELL_KNOWN) {
      const folderId = this.newId(FOLDER_MAGIC, box.index);
      byDistinguished.set(id, folderId);
      box.folders.set(folderId, {
        folderId, changeKey: this.newChangeKey(), mailbox: smtp, parentFolderId: parent ? byDistinguished.get(parent)! : '',
        distinguishedId: id, displayName: name, folderClass: cls, created: this.clock(),
      });
    }
  }

  hasMailbox(smtp: string): boolean {
    return this.boxes.has(smtp.toLowerCase());
  }

  /** SMTP addresses as they were added. */
  mailboxes(): string[] {
    return [...this.boxes.values()].map((b) => b.smtp);
  }

  // ---- folders -----------------------------------------------------------------------

  folders(mailbox: string): StoredFolder[] {
    return [...this.box(mailbox).folders.values()];
  }

  folder(mailbox: string, folderId: string): StoredFolder | undefined {
    return this.boxes.get(mailbox.toLowerCase())?.folders.get(folderId);
  }

  distinguishedFolder(mailbox: string, distinguishedId: string): StoredFolder | undefined {
    const box = this.boxes.get(mailbox.toLowerCase());
    if (!box) return undefined;
    for (const f of box.folders.values()) if (f.distinguishedId === distinguishedId) return f;
    return undefined;
  }

  createFolder(mailbox: string, parentFolderId: string, displayName: string, folderClass: string): StoredFolder {
    const box = this.box(mailbox);
    const folder: StoredFolder = {
      folderId: this.newId(FOLDER_MAGIC, box.index), changeKey: this.newChangeKey(), mailbox: box.smtp, parentFolderId,
      displayName, folderClass, created: this.clock(),
    };
    box.folders.set(folder.folderId, folder);
    return folder;
  }

  // ---- items -------------------------------------------------------------------------

  /** Live items of a mailbox (optionally of one kind), oldest first. */
  items(mailbox: string, kind?: ItemKind): StoredItem[] {
    const box = this.boxes.get(mailbox.toLowerCase());
    if (!box) return [];
    const all = [...box.items.values()];
    return kind ? all.filter((i) => i.kind === kind) : all;
  }

  item(mailbox: string, itemId: string): StoredItem | undefined {
    return this.boxes.get(mailbox.toLowerCase())?.items.get(itemId);
  }

  /** Finds an item by id in whichever mailbox holds it (for inspection). */
  findItem(itemId: string): StoredItem | undefined {
    for (const box of this.boxes.values()) {
      const item = box.items.get(itemId);
      if (item) return item;
    }
    return undefined;
  }

  createItem(mailbox: string, folderId: string, kind: ItemKind, fields: Record<string, unknown>,
    extendedProperties: StoredExtendedProperty[] = []): StoredItem {
    const box = this.box(mailbox);
    const now = this.clock();
    const item: StoredItem = {
      itemId: this.newId(ITEM_MAGIC, box.index), changeKey: this.newChangeKey(), mailbox: box.smtp, folderId, kind,
      fields, extendedProperties, created: now, modified: now,
    };
    box.items.set(item.itemId, item);
    this.log(box, item.itemId, folderId, 'create');
    return item;
  }

  /** Applies `change` to the item, then gives it a new ChangeKey and records the update. */
  updateItem(item: StoredItem, change: (item: StoredItem) => void): StoredItem {
    const box = this.box(item.mailbox);
    change(item);
    item.changeKey = this.newChangeKey();
    item.modified = this.clock();
    this.log(box, item.itemId, item.folderId, 'update');
    return item;
  }

  deleteItem(item: StoredItem): void {
    const box = this.box(item.mailbox);
    if (!box.items.delete(item.itemId)) return;
    this.log(box, item.itemId, item.folderId, 'delete');
  }

  moveItem(item: StoredItem, folderId: string): void {
    const box = this.box(item.mailbox);
    if (item.folderId === folderId) return;
    this.log(box, item.itemId, item.folderId, 'delete');
    item.folderId = folderId;
    item.changeKey = this.newChangeKey();
    item.modified = this.clock();
    this.log(box, item.itemId, folderId, 'create');
  }

  // ---- change log (SyncFolderItems) ---------------------------------------------------

  /** Sequence number of the mailbox's latest change (0 when none yet). */
  currentSeq(mailbox: string): number {
    return this.box(mailbox).seq;
  }

  /** Changes to items of one folder after `seq`, oldest first. */
  changesSince(mailbox: string, folderId: string, seq: number): ChangeRecord[] {
    const changes = this.box(mailbox).changes;
    // The log is ordered by seq: binary search the start.
    let lo = 0;
    let hi = changes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (changes[mid]!.seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return changes.slice(lo).filter((c) => c.folderId === folderId);
  }

  // ---- ids -----------------------------------------------------------------------------

  /**
   * Which mailbox (by store index) an id was issued for, or undefined if the id is not one of
   * ours at all (a malformed id, as Exchange says ErrorInvalidIdMalformed).
   */
  mailboxOfId(id: string): string | undefined {
    let raw: Buffer;
    try {
      raw = Buffer.from(id, 'base64');
    } catch {
      return undefined;
    }
    if (raw.length !== ITEM_MAGIC.length + 2 + 16) return undefined;
    const magic = raw.subarray(0, ITEM_MAGIC.length);
    if (!magic.equals(ITEM_MAGIC) && !magic.equals(FOLDER_MAGIC)) return undefined;
    const index = raw.readUInt16BE(ITEM_MAGIC.length);
    for (const box of this.boxes.values()) if (box.index === index) return box.smtp;
    return '';
  }

  isFolderId(id: string): boolean {
    try {
      return Buffer.from(id, 'base64').subarray(0, FOLDER_MAGIC.length).equals(FOLDER_MAGIC);
    } catch {
      return false;
    }
  }

  private newId(magic: Buffer, mailboxIndex: number): string {
    const index = Buffer.alloc(2);
    index.writeUInt16BE(mailboxIndex);
    return Buffer.concat([magic, index, randomBytes(16)]).toString('base64');
  }

  /** Opaque and new on every write, like Exchange's ChangeKey. */
  newChangeKey(): string {
    const v = Buffer.alloc(4);
    v.writeUInt32BE(++this.version);
    return Buffer.concat([Buffer.from('CQAAABYA', 'latin1'), v, randomBytes(8)]).toString('base64');
  }

  private log(box: Mailbox, itemId: string, folderId: string, type: ChangeRecord['type']): void {
    box.changes.push({ seq: ++box.seq, itemId, folderId, type });
  }

  private box(mailbox: string): Mailbox {
    const box = this.boxes.get(mailbox.toLowerCase());
    if (!box) throw new Error(`no mailbox ${mailbox}`);
    return box;
  }
}
