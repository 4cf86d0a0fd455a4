import type { ItemKind } from '../model';
import { GraphClient } from './client';
import { responseError } from './errors';

/**
 * Where each kind lives in Graph: events in the default calendar, contacts in the default
 * Contacts folder or a named contact folder under it, tasks in the default To Do list ("Tasks",
 * the mailbox's Tasks folder) or a named list. A named folder or list is created when missing
 * and looked up once per mailbox (one lookup even when many batches ask at once).
 */
export class GraphFolders {
  private readonly contactFolders = new Map<string, Promise<string>>();
  private readonly taskLists = new Map<string, Promise<string>>();

  constructor(private readonly client: GraphClient, readonly contactsFolder = '', readonly taskList = '') {}

  /** The collection URL items of this kind are created in (and searched in). */
  async collection(mailbox: string, kind: ItemKind): Promise<string> {
    const user = GraphClient.user(mailbox);
    if (kind === 'appointment') return `${user}/calendar/events`;
    if (kind === 'contact') {
      const name = this.contactsFolder.trim();
      if (!name) return `${user}/contacts`;
      const id = await once(this.contactFolders, mailbox, () => this.findOrCreate(mailbox, `${user}/contactFolders`, name));
      return `${user}/contactFolders/${encodeURIComponent(id)}/contacts`;
    }
    const id = await once(this.taskLists, mailbox, () => this.taskListId(mailbox));
    return `${user}/todo/lists/${encodeURIComponent(id)}/tasks`;
  }

  /** URL of one item. Events and contacts are addressable directly; a task only within its list. */
  async itemUrl(mailbox: string, kind: ItemKind, itemId: string): Promise<string> {
    const user = GraphClient.user(mailbox);
    const id = encodeURIComponent(itemId);
    if (kind === 'appointment') return `${user}/events/${id}`;
    if (kind === 'contact') return `${user}/contacts/${id}`;
    return `${await this.collection(mailbox, kind)}/${id}`;
  }

  /** After an error that says the folder or list is gone, look it up again next time. */
  forget(mailbox: string): void {
    this.contactFolders.delete(mailbox.toLowerCase());
    this.taskLists.delete(mailbox.toLowerCase());
  }

  private async taskListId(mailbox: string): Promise<string> {
    const user = GraphClient.user(mailbox);
    const name = this.taskList.trim();
    if (name) return this.findOrCreate(mailbox, `${user}/todo/lists`, name);
    const lists = await this.client.getAll(mailbox, `${user}/todo/lists`);
    const found = lists.find((l) => l.wellknownListName === 'defaultList');
    if (!found) throw responseError({ status: 404, headers: {}, body: { error: { code: 'ErrorItemNotFound', message: 'The mailbox has no default To Do list' } } }, undefined, mailbox)!;
    return String(found.id);
  }

  private async findOrCreate(mailbox: string, url: string, name: string): Promise<string> {
    const literal = name.replace(/'/g, "''");
    const find = async () => (await this.client.getAll(mailbox, `${url}?$filter=${encodeURIComponent(`displayName eq '${literal}'`)}`))
      .find((f) => f.displayName === name);
    const existing = await find();
    if (existing) return String(existing.id);
    const res = await this.client.request(mailbox, { method: 'POST', url, body: { displayName: name } });
    if (res.status === 409) {
      // Created at the same moment by another writer: use that one.
      const again = await find();
      if (again) return String(again.id);
    }
    const err = responseError(res, undefined, mailbox);
    if (err) throw err;
    return String((res.body as { id: string }).id);
  }
}

function once(cache: Map<string, Promise<string>>, mailbox: string, lookup: () => Promise<string>): Promise<string> {
  const key = mailbox.toLowerCase();
  let pending = cache.get(key);
  if (!pending) {
    pending = lookup();
    cache.set(key, pending);
    pending.catch(() => cache.delete(key));
  }
  return pending;
}
