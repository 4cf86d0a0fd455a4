import type { ChangeKind, ChangeTarget } from '../change';
import { adrKey, ContactTriggers, planContacts } from './contacts';
import { contactTargets } from './targets';
import type { CalendarRules } from './calendar-rules';
import type { ContactRules } from './contact-rules';
import type { BackfillTally, RuleContext } from './context';
import type { AddressRows, FeedReader } from './reader';
import { ADR, ASP, CAL, POS } from './tables';

export interface BackfillResult {
  dryRun: boolean;
  /** Per mailbox: how many items of each kind would be (or were) written. */
  perMailbox: Record<string, Record<ChangeKind, number>>;
  /** Per kind: how many changes were (or would be) emitted. */
  changes: Record<ChangeKind, number>;
}

/** Counts (dry run) or emits (real run) the backfill, per mailbox and kind. */
export class BackfillCounter implements BackfillTally {
  private readonly perMailbox: Record<string, Record<ChangeKind, number>> = {};
  private readonly changes: Record<ChangeKind, number> = { appointment: 0, task: 0, contact: 0 };
  constructor(private readonly dryRun: boolean) {}

  add(kind: ChangeKind, targets: ChangeTarget[], emit: () => void): void {
    this.changes[kind] += 1;
    for (const t of targets) {
      const c = (this.perMailbox[t.mailbox] ??= { appointment: 0, task: 0, contact: 0 });
      c[kind] += 1;
    }
    if (!this.dryRun) emit();
  }

  result(): BackfillResult {
    return { dryRun: this.dryRun, perMailbox: this.perMailbox, changes: this.changes };
  }
}

/**
 * Every existing record of the synced kinds, once (beyond the built-in sync, which only sends
 * changes after set-up; docs/behaviours.md), through the same rules as a change. Backfilled
 * changes hold no cursor: they are acknowledged like any other, but do not move it.
 */
export async function backfillAll(
  ctx: RuleContext,
  reader: FeedReader,
  rules: { calendar: CalendarRules; contacts: ContactRules },
  counter: BackfillCounter,
): Promise<void> {
  const { sync, fields: f } = ctx.settings;
  if (sync.appointments || sync.tasks) {
    for (const row of await reader.readAll(CAL)) rules.calendar.row(row, () => undefined, counter);
    ctx.outbox.flush();
  }
  if (!sync.contacts) return;
  const byKey = new Map<string, AddressRows>();
  const slot = (k: string) => {
    let s = byKey.get(k);
    if (!s) byKey.set(k, (s = { postals: [], persons: [] }));
    return s;
  };
  for (const row of await reader.readAll(ADR)) {
    const k = adrKey(row[f.addresses.addressNr]);
    if (k !== undefined) slot(k).address = row;
  }
  for (const row of await reader.readAll(POS)) {
    const k = adrKey(row[f.postalAddresses.addressNr]);
    if (k !== undefined) slot(k).postals.push(row);
  }
  for (const row of await reader.readAll(ASP)) {
    const k = adrKey(row[f.contactPeople.addressNr]);
    if (k !== undefined) slot(k).persons.push(row);
  }
  const targets = contactTargets(ctx.users.list, ctx.settings.contactMailboxes);
  const everything = new ContactTriggers();
  for (const [k, rows] of byKey) {
    // Every person and every address without people counts as changed.
    everything.lostPostal.add(k);
    everything.lostPerson.add(k);
    for (const plan of planContacts(k, rows, everything, f, false)) {
      if (plan.kind === 'companyGone' || targets.length === 0) continue;
      counter.add('contact', targets, () => {
        try {
          rules.contacts.emit({ ...plan, sources: [] }, targets, () => undefined, true);
        } catch (err) {
          ctx.fail(err);
        }
      });
    }
  }
}
