import { BueroCode } from '../../error-codes';
import type { KnownTarget } from '../../state/cursor';
import type { ChangeTarget, SyncUser } from '../change';
import { SyncError } from '../../errors';
import type { FieldMap } from '../fields';
import { toInt } from '../graphql';

/**
 * Who receives a record. Appointments and tasks: the owner's mailbox and each synced
 * participant's. Contacts: every synced user's mailbox, or the listed mailboxes. The product
 * only ever writes into mailboxes that are synced now: a user who leaves the sync keeps
 * what is in their mailbox, untouched.
 */

/** Participant user numbers of a calendar entry (`fldTeilnehmer`, `;`-separated). */
export function participantsOf(row: Record<string, unknown>, fields: FieldMap, record: string): number[] {
  const field = fields.calendar.participants;
  const raw = row[field];
  if (raw === null || raw === undefined || raw === '') return [];
  if (typeof raw === 'number' && Number.isSafeInteger(raw)) return [raw];
  if (typeof raw !== 'string') {
    throw new SyncError(BueroCode.malformedRow, `${record}: ${field} is not a list of user numbers (${JSON.stringify(raw)}).`, { record, field });
  }
  const out: number[] = [];
  for (const part of raw.split(';')) {
    const p = part.trim();
    if (p === '') continue;
    const n = toInt(p);
    if (n === undefined) {
      throw new SyncError(BueroCode.malformedRow, `${record}: ${field} holds "${p}", which is not a user number (expected e.g. "1;5;7").`, {
        record,
        field,
      });
    }
    out.push(n);
  }
  return out;
}

export function ownerOf(row: Record<string, unknown>, fields: FieldMap, record: string): number | undefined {
  const field = fields.calendar.owner;
  const raw = row[field];
  if (raw === null || raw === undefined || raw === '') return undefined;
  const n = toInt(raw);
  if (n === undefined) {
    throw new SyncError(BueroCode.malformedRow, `${record}: ${field} holds ${JSON.stringify(raw)}, which is not a user number.`, { record, field });
  }
  return n;
}

/** The owner first, then each participant once; only synced users. */
export function calendarTargets(owner: number | undefined, participants: number[], users: Map<number, SyncUser>): ChangeTarget[] {
  const out: ChangeTarget[] = [];
  const seen = new Set<number>();
  if (owner !== undefined && users.has(owner)) {
    const user = users.get(owner) as SyncUser;
    out.push({ mailbox: user.mailbox, user, role: 'owner' });
    seen.add(owner);
  }
  for (const nr of participants) {
    if (seen.has(nr)) continue;
    seen.add(nr);
    const user = users.get(nr);
    if (user) out.push({ mailbox: user.mailbox, user, role: 'participant' });
  }
  return out;
}

export function contactTargets(users: SyncUser[], listed: string[] | undefined): ChangeTarget[] {
  if (listed && listed.length > 0) return listed.map((mailbox) => ({ mailbox, role: 'contacts' as const }));
  return users.map((user) => ({ mailbox: user.mailbox, user, role: 'contacts' as const }));
}

function targetKey(t: { user?: number; mailbox: string }): string {
  return t.user !== undefined ? `u${t.user}` : `m${t.mailbox.toLowerCase()}`;
}

export function toKnownTargets(targets: ChangeTarget[]): KnownTarget[] {
  return targets.map((t) => (t.user ? { mailbox: t.mailbox, user: t.user.nr, role: t.role } : { mailbox: t.mailbox, role: t.role }));
}

/**
 * Mailboxes that held a copy and must lose it: those of the previous targets not among the
 * current ones (by user number, or by address for a listed mailbox) and still synced.
 */
export function removedTargets(
  previous: KnownTarget[] | null | undefined,
  current: ChangeTarget[],
  users: Map<number, SyncUser>,
  listed: string[] | undefined,
): ChangeTarget[] {
  if (!previous || previous.length === 0) return [];
  const keep = new Set(current.map((t) => targetKey({ user: t.user?.nr, mailbox: t.mailbox })));
  const listedNow = new Set((listed ?? []).map((m) => m.toLowerCase()));
  const out: ChangeTarget[] = [];
  for (const p of previous) {
    if (keep.has(targetKey(p))) continue;
    if (p.user !== undefined) {
      const user = users.get(p.user);
      if (!user) continue;
      // The copy lives where it was written; the user record may name a new mailbox since.
      out.push({ mailbox: p.mailbox, user: { ...user, mailbox: p.mailbox }, role: p.role });
    } else if (listedNow.has(p.mailbox.toLowerCase())) {
      out.push({ mailbox: p.mailbox, role: p.role });
    }
  }
  return out;
}
