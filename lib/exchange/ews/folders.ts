import * as ews from 'ews-javascript-api';
import type { ExchangeConnection } from '../connection/exchange-connection';
import type { ItemKind } from '../model';
import { ewsCodeOf } from './errors';
import { xmlText } from './escape';
import { ewsCall } from './service';
import type { FolderRef } from './soap-requests';

const DISTINGUISHED: Record<ItemKind, string> = { appointment: 'calendar', task: 'tasks', contact: 'contacts' };

/**
 * Where each kind lives: appointments in the calendar, tasks in Tasks, contacts in Contacts or
 * in a named subfolder of it, which is created when it is missing. The subfolder's id is
 * looked up once per mailbox (one lookup even when many batches ask at once).
 */
export class Folders {
  private readonly contactFolders = new Map<string, Promise<string>>();

  /** `contactsFolder`: display name of the subfolder of Contacts, or empty for Contacts itself. */
  constructor(readonly contactsFolder = '') {}

  /** The folder for ews-javascript-api's requests (reads). */
  async folderFor(service: ews.ExchangeService, mailbox: string, kind: ItemKind): Promise<ews.FolderId> {
    if (kind === 'appointment') return new ews.FolderId(ews.WellKnownFolderName.Calendar);
    if (kind === 'task') return new ews.FolderId(ews.WellKnownFolderName.Tasks);
    const name = this.contactsFolder.trim();
    if (!name) return new ews.FolderId(ews.WellKnownFolderName.Contacts);
    return new ews.FolderId(await this.contactFolderId(service, mailbox, name));
  }

  /** The folder for the SOAP requests of soap-requests.ts (a lookup through the library only for a subfolder not yet known). */
  async folderRef(connection: ExchangeConnection, mailbox: string, kind: ItemKind): Promise<FolderRef> {
    const name = this.contactsFolder.trim();
    if (kind !== 'contact' || !name) return { distinguished: DISTINGUISHED[kind] };
    const known = this.contactFolders.get(mailbox.toLowerCase());
    const id = known ? await known : await ewsCall(connection, mailbox, (s) => this.contactFolderId(s, mailbox, name));
    return { id };
  }

  /** After an error that says the folder is gone (deleted by the user), look it up again next time. */
  forget(mailbox: string): void {
    this.contactFolders.delete(mailbox.toLowerCase());
  }

  private contactFolderId(service: ews.ExchangeService, mailbox: string, name: string): Promise<string> {
    const key = mailbox.toLowerCase();
    let pending = this.contactFolders.get(key);
    if (!pending) {
      pending = this.findOrCreate(service, name);
      this.contactFolders.set(key, pending);
      pending.catch(() => this.contactFolders.delete(key));
    }
    return pending;
  }

  private async findOrCreate(service: ews.ExchangeService, name: string): Promise<string> {
    const found = await this.find(service, name);
    if (found) return found;
    const folder = new ews.ContactsFolder(service);
    folder.DisplayName = xmlText(name);
    try {
      await folder.Save(ews.WellKnownFolderName.Contacts);
      return folder.Id.UniqueId;
    } catch (err) {
      // Created at the same moment by another writer: use that one.
      if (ewsCodeOf(err) === 'ErrorFolderExists') {
        const again = await this.find(service, name);
        if (again) return again;
      }
      throw err;
    }
  }

  private async find(service: ews.ExchangeService, name: string): Promise<string | undefined> {
    const view = new ews.FolderView(10);
    view.PropertySet = new ews.PropertySet(ews.BasePropertySet.IdOnly, [ews.FolderSchema.DisplayName]);
    const result = await service.FindFolders(ews.WellKnownFolderName.Contacts,
      new ews.SearchFilter.IsEqualTo(ews.FolderSchema.DisplayName, xmlText(name)), view);
    const folder = result.Folders.find((f) => f.DisplayName === name) ?? result.Folders[0];
    return folder ? folder.Id.UniqueId : undefined;
  }
}
