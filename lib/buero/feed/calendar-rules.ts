import { BueroCode } from '../../error-codes';
import { SyncError } from '../../errors';
import type { KnownRecord } from '../../state/cursor';
import type { ChangeKind, ChangeTarget } from '../change';
import { calendarTargets, ownerOf, participantsOf, removedTargets, toKnownTargets } from './targets';
import type { Source } from './ack-ledger';
import { type BackfillTally, newChange, type RuleContext } from './context';
import { CAL, type Effect, identify, type Row } from './tables';

/**
 * What a calendar row (tblCalendar) becomes: an appointment or a task for the mailboxes of
 * its owner and participants who are synced users; a Wiedervorlage (follow-up) is never
 * synced (docs/behaviours.md). A row that changed its kind, or lost a participant, deletes
 * the copies that must go.
 */
export class CalendarRules {
  constructor(private readonly ctx: RuleContext) {}

  /** A changed row (or, with `backfill`, an existing one counted or emitted by the backfill). */
  row(row: Row, count: () => void, backfill?: BackfillTally): void {
    const { ctx } = this;
    let idl: { id: number; lsn: bigint };
    try {
      idl = identify(CAL, row);
    } catch (err) {
      ctx.fail(err);
      return;
    }
    const { id, lsn } = idl;
    const record = `${CAL} ${id}`;
    const sources = backfill ? [] : [{ table: CAL, lsn }];
    const prev = ctx.known.of(CAL).get(id);
    let kind: ChangeKind | 'followUp';
    let targets: ChangeTarget[];
    try {
      kind = this.kindOf(row, record);
      targets = calendarTargets(ownerOf(row, ctx.settings.fields, record), participantsOf(row, ctx.settings.fields, record), ctx.users.byNr);
    } catch (err) {
      ctx.fail(err);
      return;
    }
    if (backfill) {
      if (this.enabled(kind) && targets.length > 0) backfill.add(kind, targets, () => this.emit(id, lsn, kind as ChangeKind, row, targets, prev, sources, true));
      return;
    }
    // Sent before as another kind (a Termin became an Aufgabe or a Wiedervorlage): the
    // old item goes, a new one of the new kind may follow.
    const prevKind = prev?.kind as ChangeKind | undefined;
    if (prev?.targets && prev.targets.length > 0 && prevKind && prevKind !== kind && (kind === 'followUp' || this.enabled(kind))) {
      const removed = removedTargets(prev.targets, [], ctx.users.byNr, undefined);
      if (removed.length > 0) {
        ctx.outbox.emit(newChange(ctx.settings, 'delete', prevKind, CAL, id, lsn, { targets: [], removed }), sources, [{ table: CAL, id, put: { lsn, kind: null, targets: null } }]);
        count();
      }
      this.emit(id, lsn, kind, row, targets, undefined, sources, false, count);
      return;
    }
    this.emit(id, lsn, kind, row, targets, prev, sources, false, count);
  }

  /** A row büro+ no longer has: its copies are deleted wherever they were sent. */
  deleted(id: number, prev: KnownRecord, count: () => void): void {
    const { ctx } = this;
    const kind = prev.kind as ChangeKind | null | undefined;
    const removed = removedTargets(prev.targets, [], ctx.users.byNr, undefined);
    if (!kind || removed.length === 0) {
      // Never sent (existed before the baseline, or had no synced user): nothing to delete.
      ctx.outbox.settle(CAL, id, [], [{ table: CAL, id, drop: true }]);
      return;
    }
    ctx.outbox.emit(newChange(ctx.settings, 'delete', kind, CAL, id, prev.lsn, { targets: [], removed }), [], [{ table: CAL, id, drop: true }]);
    count();
  }

  private emit(
    id: number,
    lsn: bigint,
    kind: ChangeKind | 'followUp',
    row: Row,
    targets: ChangeTarget[],
    prev: KnownRecord | undefined,
    sources: Source[],
    backfill: boolean,
    count?: () => void,
  ): void {
    const { ctx } = this;
    if (kind === 'followUp' || !this.enabled(kind)) {
      // A Wiedervorlage is never synced; a kind switched off is left alone.
      ctx.outbox.settle(CAL, id, sources, [{ table: CAL, id, put: { lsn, kind: prev?.kind ?? null, targets: prev?.targets ?? null } }]);
      return;
    }
    const removed = backfill ? [] : removedTargets(prev?.targets, targets, ctx.users.byNr, undefined);
    const effects: Effect[] = [{ table: CAL, id, put: { lsn, kind, targets: toKnownTargets(targets) } }];
    if (targets.length === 0 && removed.length === 0) {
      ctx.outbox.settle(CAL, id, sources, [{ table: CAL, id, put: { lsn, kind, targets: prev?.targets ?? [] } }]);
      return;
    }
    ctx.outbox.emit(newChange(ctx.settings, prev && !prev.unconfirmed ? 'update' : 'create', kind, CAL, id, lsn, { record: row, targets, removed }), sources, effects);
    count?.();
  }

  private kindOf(row: Row, record: string): ChangeKind | 'followUp' {
    const f = this.ctx.settings.fields;
    const v = row[f.calendar.kind];
    const s = typeof v === 'string' ? v.trim() : v;
    if (s === f.calendarKinds.appointment) return 'appointment';
    if (s === f.calendarKinds.task) return 'task';
    if (s === f.calendarKinds.followUp) return 'followUp';
    throw new SyncError(
      BueroCode.malformedRow,
      `${record}: ${f.calendar.kind} is ${JSON.stringify(v)}, not one of "${f.calendarKinds.appointment}", "${f.calendarKinds.task}", "${f.calendarKinds.followUp}" (settings büro+ connection → field names → calendarKinds).`,
      { record, field: f.calendar.kind },
    );
  }

  private enabled(kind: ChangeKind | 'followUp'): kind is ChangeKind {
    const sync = this.ctx.settings.sync;
    return (kind === 'appointment' && sync.appointments) || (kind === 'task' && sync.tasks) || kind === 'contact';
  }
}
