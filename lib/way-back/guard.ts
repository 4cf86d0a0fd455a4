/**
 * The deletion guard of the way back (docs/behaviours.md B14): when one read would delete more
 * than a fifth of a mailbox's synced items, and at least ten, something other than a user is
 * at work (a mailbox emptied, a folder moved, a broken client). The way back holds that mailbox
 * folder — nothing of the read is passed on, its cursor stays — until an administrator resumes
 * it; then the held deletions go through.
 */
import type { ChangeKind } from '../exchange/changes';

/** Share of a mailbox's synced items one read may delete. */
export const GUARD_SHARE = 0.2;
/** Fewer deletions than this never trip the guard. */
export const GUARD_MIN_DELETES = 10;

export interface GuardVerdict {
  hold: boolean;
  deletes: number;
  synced: number;
}

export class DeletionGuard {
  /** mailbox\tkind → why it is held (text for status and log). */
  private readonly held = new Map<string, string>();
  /** Resumed by the administrator: the next read goes through whatever it deletes. */
  private readonly resumed = new Set<string>();

  /** True once after `resume`: the poll that follows passes whatever it deletes. */
  takeResume(mailbox: string, kind: ChangeKind): boolean {
    return this.resumed.delete(folderId(mailbox, kind));
  }

  /** Whether a poll that deletes `deletes` of `synced` items may pass. */
  judge(deletes: number, synced: number): GuardVerdict {
    const hold = deletes >= GUARD_MIN_DELETES && deletes > GUARD_SHARE * synced;
    return { hold, deletes, synced };
  }

  hold(mailbox: string, kind: ChangeKind, reason: string): void {
    this.held.set(folderId(mailbox, kind), reason);
  }

  /** The reason a mailbox folder is held, or undefined. */
  reason(mailbox: string, kind: ChangeKind): string | undefined {
    return this.held.get(folderId(mailbox, kind));
  }

  /** Resumes a held mailbox (all its kinds, or one). True when something was held. */
  resume(mailbox: string, kind?: ChangeKind): boolean {
    let any = false;
    for (const k of kind ? [kind] : (['appointment', 'task'] as ChangeKind[])) {
      const id = folderId(mailbox, k);
      if (this.held.delete(id)) {
        this.resumed.add(id);
        any = true;
      }
    }
    return any;
  }
}

function folderId(mailbox: string, kind: ChangeKind): string {
  return `${mailbox.trim().toLowerCase()}\t${kind}`;
}
