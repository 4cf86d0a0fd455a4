import type { KnownRecord } from '../../state/cursor';
import type { ChangeOp, ChangeTarget } from '../change';
import { addTrigger, adrKey, ContactTriggers, type PlannedContact, planContacts } from './contacts';
import { ID_FIELD, LSN_FIELD } from '../fields';
import { toInt, toLsn } from '../graphql';
import { contactTargets, removedTargets, toKnownTargets } from './targets';
import { newChange, type RuleContext } from './context';
import type { AddressRows, FeedReader, ReadPass } from './reader';
import { ADR, ASP, type Effect, identify, POS, refField, type Row, type Table } from './tables';

/**
 * What changed rows of the three contact tables (addresses, postal addresses, contact
 * people) become: the contacts they affect, joined from the rows as büro+ has them now (see
 * lib/buero/contacts.ts), for every synced user's mailbox or the listed ones.
 */
export class ContactRules {
  constructor(
    private readonly ctx: RuleContext,
    private readonly reader: FeedReader,
  ) {}

  /** One poll's changed and deleted contact rows. */
  async apply(passes: Map<Table, ReadPass>, gone: Map<Table, Map<number, KnownRecord>>, count: () => void): Promise<void> {
    const { ctx } = this;
    const f = ctx.settings.fields;
    const t = new ContactTriggers();
    const rowEffects: { table: Table; id: number; lsn: bigint; ref: string | null }[] = [];
    for (const table of [ADR, POS, ASP] as const) {
      for (const row of passes.get(table)?.rows ?? []) {
        let idl: { id: number; lsn: bigint };
        try {
          idl = identify(table, row);
        } catch (err) {
          ctx.fail(err);
          continue;
        }
        addTrigger(t, table, row, f, idl.lsn);
        rowEffects.push({ table, id: idl.id, lsn: idl.lsn, ref: adrKey(row[refField(f, table) as string]) ?? null });
      }
    }
    // Deletions: a postal address or a contact person gone changes the contacts of its
    // address. Rows that need no message are forgotten only after the join below succeeded
    // (a failed poll finds them again).
    const forget: [Table, number][] = [];
    for (const [id, k] of gone.get(POS) ?? []) {
      if (k.ref) t.lostPostal.add(k.ref);
      forget.push([POS, id]);
    }
    for (const [table, rows] of [[ASP, gone.get(ASP)], [ADR, gone.get(ADR)]] as const) {
      for (const [id, k] of rows ?? []) {
        if (table === ASP && k.ref) t.lostPerson.add(k.ref);
        const removed = removedTargets(k.targets, [], ctx.users.byNr, ctx.settings.contactMailboxes);
        if (removed.length > 0) {
          ctx.outbox.emit(newChange(ctx.settings, 'delete', 'contact', table, id, k.lsn, { targets: [], removed }), [], [{ table, id, drop: true }]);
          count();
        } else forget.push([table, id]);
      }
    }
    // A raw value for address numbers known only from deleted rows (stored as text).
    for (const k of [...t.lostPostal, ...t.lostPerson]) t.note(k, k);

    const keys = t.addressNumbers;
    if (keys.length > 0) {
      const now = await this.reader.readAddresses(keys, t.raw);
      const targets = contactTargets(ctx.users.list, ctx.settings.contactMailboxes);
      for (const key of keys) {
        const rows = now.get(key) as AddressRows;
        const addressId = rows.address ? toInt(rows.address[ID_FIELD]) : undefined;
        const companyPrev = addressId !== undefined ? ctx.known.of(ADR).get(addressId) : undefined;
        for (const plan of planContacts(key, rows, t, f, Boolean(companyPrev?.targets && companyPrev.targets.length > 0))) {
          try {
            this.emit(plan, targets, count);
          } catch (err) {
            ctx.fail(err);
          }
        }
      }
    }
    for (const [table, id] of forget) ctx.outbox.settle(table, id, [], [{ table, id, drop: true }]);
    // The rows themselves are now known (ids for deletions, address numbers for joins).
    for (const e of rowEffects) {
      const prev = ctx.known.of(e.table).get(e.id);
      ctx.outbox.settle(e.table, e.id, [{ table: e.table, lsn: e.lsn }], [{ table: e.table, id: e.id, put: { lsn: e.lsn, ref: e.ref, targets: prev?.targets ?? null } }]);
    }
  }

  /** One planned contact: emitted, deleted (a company contact gone) or settled without a message. */
  emit(plan: PlannedContact, targets: ChangeTarget[], count: () => void, backfill = false): void {
    const { ctx } = this;
    const row = plan.kind === 'person' ? (plan.person as Row) : (plan.address as Row);
    const table: Table = plan.kind === 'person' ? ASP : ADR;
    const { id, lsn: ownLsn } = identify(table, row);
    // The contact's version is the newest of its parts: a changed address is a new version.
    let lsn = ownLsn;
    for (const part of [plan.address, plan.postalAddress]) {
      const l = part ? toLsn(part[LSN_FIELD]) : undefined;
      if (l !== undefined && l > lsn) lsn = l;
    }
    const prev = ctx.known.of(table).get(id);
    const ref = adrKey(row[refField(ctx.settings.fields, table) as string]) ?? null;
    if (plan.kind === 'companyGone') {
      const removed = removedTargets(prev?.targets, [], ctx.users.byNr, ctx.settings.contactMailboxes);
      const effects: Effect[] = [{ table, id, put: { lsn: ownLsn, ref, targets: null } }];
      if (removed.length === 0) ctx.outbox.settle(table, id, plan.sources, effects);
      else {
        ctx.outbox.emit(newChange(ctx.settings, 'delete', 'contact', ADR, id, lsn, { targets: [], removed }), plan.sources, effects);
        count();
      }
      return;
    }
    const removed = backfill ? [] : removedTargets(prev?.targets, targets, ctx.users.byNr, ctx.settings.contactMailboxes);
    const effects: Effect[] = [{ table, id, put: { lsn: ownLsn, ref, targets: toKnownTargets(targets) } }];
    if (targets.length === 0 && removed.length === 0) {
      ctx.outbox.settle(table, id, plan.sources, [{ table, id, put: { lsn: ownLsn, ref, targets: prev?.targets ?? [] } }]);
      return;
    }
    const op: ChangeOp = prev && !prev.unconfirmed ? 'update' : 'create';
    const change = newChange(ctx.settings, op, 'contact', table, id, lsn, {
      record: row,
      address: plan.address,
      postalAddress: plan.postalAddress,
      targets,
      removed,
    });
    ctx.outbox.emit(change, plan.sources, effects);
    count();
  }
}
