import type { SyncUser } from '../change';
import type { FieldMap } from '../fields';
import { toInt } from '../graphql';

/**
 * Which büro+ users are synced (docs/behaviours.md B11): a user whose start Mandant ("Vorgaben für
 * Programmstart") is this Mandant and who has an Exchange mailbox in the user record. Read
 * on every poll, so a change to a user takes effect at the next poll, no restart.
 */
export function usersQuery(fields: FieldMap, alias = 'users'): string {
  const f = fields.users;
  return `${alias}: tblUsers { rowsRead { ${[...new Set([f.nr, f.login, f.mailbox, f.startMandant])].join(' ')} } }`;
}

export function syncedUsers(rows: Record<string, unknown>[], fields: FieldMap, mandant: number): SyncUser[] {
  const f = fields.users;
  const out: SyncUser[] = [];
  for (const row of rows) {
    const nr = toInt(row[f.nr]);
    const start = toInt(row[f.startMandant]);
    const mailbox = typeof row[f.mailbox] === 'string' ? (row[f.mailbox] as string).trim() : '';
    if (nr === undefined || start !== mandant || mailbox === '') continue;
    out.push({ nr, login: typeof row[f.login] === 'string' ? (row[f.login] as string) : String(row[f.login] ?? ''), mailbox });
  }
  return out.sort((a, b) => a.nr - b.nr);
}

export interface UserDiff {
  added: SyncUser[];
  removed: SyncUser[];
  /** Same user number, another mailbox. */
  moved: { before: SyncUser; after: SyncUser }[];
}

export function diffUsers(before: SyncUser[], after: SyncUser[]): UserDiff {
  const old = new Map(before.map((u) => [u.nr, u]));
  const now = new Map(after.map((u) => [u.nr, u]));
  return {
    added: after.filter((u) => !old.has(u.nr)),
    removed: before.filter((u) => !now.has(u.nr)),
    moved: after
      .filter((u) => old.has(u.nr) && old.get(u.nr)!.mailbox.toLowerCase() !== u.mailbox.toLowerCase())
      .map((u) => ({ before: old.get(u.nr)!, after: u })),
  };
}
