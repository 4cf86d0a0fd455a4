import * as ews from 'ews-javascript-api';
import type { ItemKind } from '../model';
import { ewsCodeOf } from './errors';
import { xmlText } from './escape';

/**
 * Where each kind lives: appointments in the calendar, tasks in Tasks, contacts in Contacts or
 * in a named subfolder of it, which is created when it is missing. The subfolder's id is
 * looked up once per mailbox (one lookup even when many batches ask at once).
 */
export class Folders {
  private readonly contactFolders = new Map<string, Promise<ews.FolderId>>();

  /** `contactsFolder`: display name of the subfolder of Contacts, or empty for Contacts itself. */
  constructor(readonly contactsFolder = '') {}

  async folderFor(service: ews.ExchangeService, mailbox: string, kind: ItemKind): Promise<ews.FolderId> {
    if (kind === 'appointment') return new ews.FolderId(ews.WellKnownFolderName.Calendar);
    if (kind === 'task') return new ews.FolderId(ews.WellKnownFolderName.Tasks);
    const name = this.contactsFolder.trim();
    if (!name) return new ews.FolderId(ews.WellKnownFolderName.Contacts);
    const key = mailbox.toLowerCase();
    let pending = this.contactFolders.get(key);
    if (!pending) {
      pending = this.findOrCreate(service, name);
      this.contactFolders.set(key, pending);
      pending.catch(() => this.contactFolders.delete(key));
    }
    return pending;
  }

  /** After an error that says the folder is gone (deleted by the user), look it up again next time. */
  forget(mailbox: string): void {
    this.contactFolders.delete(mailbox.toLowerCase());
  }

  private async findOrCreate(service: ews.ExchangeService, name: string): Promise<ews.FolderId> {
    const found = await this.find(service, name);
    if (found) return found;
    const folder = new ews.ContactsFolder(service);
    folder.DisplayName = xmlText(name);
    try {
      await folder.Save(ews.WellKnownFolderName.Contacts);
      return new ews.FolderId(folder.Id.UniqueId);
    } catch (err) {
      // Created at the same moment by another writer: use that one.
      if (ewsCodeOf(err) === 'ErrorFolderExists') {
        const again = await this.find(service, name);
        if (again) return again;
      }
      throw err;
    }
  }

  private async find(service: ews.ExchangeService, name: string): Promise<ews.FolderId | undefined> {
    const view = new ews.FolderView(10);
    view.PropertySet = new ews.PropertySet(ews.BasePropertySet.IdOnly, [ews.FolderSchema.DisplayName]);
    const result = await service.FindFolders(ews.WellKnownFolderName.Contacts,
      new ews.SearchFilter.IsEqualTo(ews.FolderSchema.DisplayName, xmlText(name)), view);
    const folder = result.Folders.find((f) => f.DisplayName === name) ?? result.Folders[0];
    return folder ? new ews.FolderId(folder.Id.UniqueId) : undefined;
  }
}
