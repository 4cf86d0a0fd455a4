import type { InfoParams } from '../../log/events';
import type { CursorStore } from '../../state/cursor';
import type { SyncUser } from '../change';
import type { FieldMap } from '../fields';
import { diffUsers, syncedUsers } from './users';
import type { Row } from './tables';

export interface SyncedUsersOptions {
  store: CursorStore;
  fields: FieldMap;
  mandant: number;
  clock: () => Date;
  info(code: string, params: InfoParams, time: string): void;
}

/**
 * The büro+ users synced as of the last poll (start Mandant = this Mandant and a mailbox).
 * Read live at every poll; users added, removed or moved to another mailbox are reported.
 */
export class SyncedUsers {
  list: SyncUser[] = [];
  byNr = new Map<number, SyncUser>();

  constructor(private readonly o: SyncedUsersOptions) {}

  update(rows: Row[]): void {
    const now = syncedUsers(rows, this.o.fields, this.o.mandant);
    const before = this.o.store.users<SyncUser[]>();
    const time = this.o.clock().toISOString();
    if (before === undefined) {
      this.o.info('users-synced', { count: now.length, users: now.map((u) => `${u.login || u.nr} (${u.mailbox})`).join(', ') }, time);
    } else {
      const d = diffUsers(before, now);
      for (const u of d.added) this.o.info('user-added', { user: u.login || String(u.nr), mailbox: u.mailbox }, time);
      for (const u of d.removed) this.o.info('user-removed', { user: u.login || String(u.nr), mailbox: u.mailbox }, time);
      for (const m of d.moved) {
        this.o.info('user-mailbox-changed', { user: m.after.login || String(m.after.nr), mailbox: m.after.mailbox, before: m.before.mailbox }, time);
      }
    }
    if (before === undefined || JSON.stringify(before) !== JSON.stringify(now)) this.o.store.setUsers(now, this.o.clock());
    this.list = now;
    this.byNr = new Map(now.map((u) => [u.nr, u]));
  }
}
