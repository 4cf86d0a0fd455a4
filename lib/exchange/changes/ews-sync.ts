import * as ews from 'ews-javascript-api';
import type { Clock } from '../../net/retry';
import { ExchangeCode } from '../../error-codes';
import type { ExchangeConnection } from '../connection/exchange-connection';
import { ewsCodeOf, itemError } from '../ews/errors';
import { ewsCall } from '../ews/service';
import { ewsIdFromRestId } from '../item-ids';
import { decodeCursor, encodeCursor, type EwsCursor } from './cursor';
import { APPOINTMENT_PROPERTIES, TASK_PROPERTIES, toNeutralAppointment, toNeutralTask } from './ews-items';
import type { ChangeKind, ChangeReader, ExchangeChange, ReadRequest, ReadResult } from './reader';
import { WaitHints } from '../wait-hints';

/**
 * The change reader over EWS: SyncFolderItems on the calendar or the Tasks folder, IdOnly and
 * at most 512 changes a call (Exchange's limit), then GetItem in small batches for the
 * properties the way back needs. The calendar's sync reports series masters, never single
 * occurrences; GetItem gives a master's deleted and modified occurrences. An idle poll is one
 * SyncFolderItems request.
 * Source: EWS reference, SyncFolderItems (SyncState, MaxChangesReturned 1–512,
 * IncludesLastItemInRange), GetItem, "Mailbox synchronization and EWS in Exchange".
 */
export const MAX_SYNC_CHANGES = 512;

/** SyncState no longer usable: start over (EWS ResponseCode values). */
const EXPIRED = new Set(['ErrorInvalidSyncStateData', 'ErrorSyncFolderNotFound']);

export interface EwsChangeReaderOptions {
  /** The Mandant's zone (SYNC_TIMEZONE): instants are written with its offset, task dates read in it. */
  timeZone: string;
  clock?: Clock;
  /** Exchange's waits, shared with lane 1's writer on the same endpoint (lib/exchange/wait-hints.ts); default: the reader's own. */
  waitHints?: WaitHints;
  /** Items per GetItem request (default 50: a series master with its occurrences is large). */
  batchSize?: number;
  /** Changes per SyncFolderItems request (1–512, default 512). */
  maxChanges?: number;
}

export class EwsChangeReader implements ChangeReader {
  readonly transport = 'ews' as const;
  private readonly hints: WaitHints;

  constructor(private readonly connection: ExchangeConnection, private readonly options: EwsChangeReaderOptions) {
    this.hints = options.waitHints ?? new WaitHints(options.clock);
  }

  read(request: ReadRequest): Promise<ReadResult> {
    return this.hints.run(request.mailbox, () => this.readOnce(request));
  }

  private async readOnce(req: ReadRequest): Promise<ReadResult> {
    const mailbox = req.mailbox.trim().toLowerCase();
    let state = '';
    if (req.cursor !== undefined && !req.startOver) {
      const c = decodeCursor<EwsCursor>(req.cursor, 'ews', req.kind);
      if ('invalid' in c) return { status: 'expired', reason: c.invalid, requests: 0 };
      state = c.state;
    }
    const baseline = req.cursor === undefined && !req.startOver;
    const max = Math.min(MAX_SYNC_CHANGES, Math.max(1, this.options.maxChanges ?? MAX_SYNC_CHANGES));
    const folder = new ews.FolderId(req.kind === 'appointment' ? ews.WellKnownFolderName.Calendar : ews.WellKnownFolderName.Tasks);
    let requests = 0;
    return ewsCall(this.connection, mailbox, async (service): Promise<ReadResult> => {
      const changes: ExchangeChange[] = [];
      if (req.startOver) {
        const gone = await this.gone(service, mailbox, req.kind, folder, req.startOver.known);
        requests += gone.requests;
        changes.push(...gone.changes);
      }
      for (;;) {
        let page: ews.ChangeCollection<ews.ItemChange>;
        try {
          this.hints.check(mailbox);
          requests++;
          page = await service.SyncFolderItems(folder, new ews.PropertySet(ews.BasePropertySet.IdOnly), null as unknown as ews.ItemId[], max,
            ews.SyncFolderItemsScope.NormalItems, (state || null) as string);
        } catch (err) {
          const code = ewsCodeOf(err);
          if (code && EXPIRED.has(code)) return { status: 'expired', reason: `Exchange no longer knows the stored position (${code})`, requests };
          throw err;
        }
        state = page.SyncState;
        const cursor = encodeCursor({ v: 1, transport: 'ews', kind: req.kind, state });
        // The baseline only needs the position after the last change: no item is read.
        if (baseline && page.MoreChangesAvailable) continue;
        if (baseline) return { status: 'changes', changes: [], cursor, more: false, baseline: true, requests };
        const read = await this.readItems(service, mailbox, req.kind, page.GetEnumerator());
        requests += read.requests;
        changes.push(...read.changes);
        return { status: 'changes', changes, cursor, more: page.MoreChangesAvailable, baseline: false, requests };
      }
    });
  }

  /** The items behind one SyncFolderItems answer, in its order. */
  private async readItems(service: ews.ExchangeService, mailbox: string, kind: ChangeKind, page: ews.ItemChange[]): Promise<{ changes: ExchangeChange[]; requests: number }> {
    const slots: (ExchangeChange | undefined)[] = [];
    const toRead: { slot: number; id: ews.ItemId; type: ews.ChangeType }[] = [];
    for (const c of page) {
      if (c.ChangeType === ews.ChangeType.Delete) {
        slots.push({ kind, op: 'deleted', mailbox, transport: 'ews', itemId: c.ItemId.UniqueId });
      } else if (c.ChangeType === ews.ChangeType.Create || c.ChangeType === ews.ChangeType.Update) {
        toRead.push({ slot: slots.length, id: new ews.ItemId(c.ItemId.UniqueId), type: c.ChangeType });
        slots.push(undefined);
      }
      // ReadFlagChange: nothing the way back takes.
    }
    let requests = 0;
    const size = Math.max(1, this.options.batchSize ?? 50);
    const properties = kind === 'appointment' ? APPOINTMENT_PROPERTIES : TASK_PROPERTIES;
    for (let i = 0; i < toRead.length; i += size) {
      const chunk = toRead.slice(i, i + size);
      // A wait the writer met meanwhile holds the rest of the read too.
      this.hints.check(mailbox);
      requests++;
      const got = await service.BindToItems(chunk.map((c) => c.id), properties);
      chunk.forEach((c, n) => {
        const response = got.Responses[n];
        const error = response ? itemError(response, c.id.UniqueId, mailbox) : undefined;
        // Deleted since the sync answered: its Delete comes with the next sync.
        if (error?.code === ExchangeCode.itemNotFound) return;
        if (error?.retryable) throw error;
        const base = { kind, mailbox, transport: 'ews' as const, itemId: c.id.UniqueId };
        if (error || !response) {
          slots[c.slot] = { ...base, op: c.type === ews.ChangeType.Create ? 'created' : 'updated', error };
          return;
        }
        const item = response.Item;
        const read = kind === 'appointment' ? toNeutralAppointment(item as ews.Appointment, this.options.timeZone) : toNeutralTask(item as ews.Task, this.options.timeZone);
        slots[c.slot] = {
          ...base, op: read.key ? 'updated' : 'created', changeKey: item.Id.ChangeKey, key: read.key, item: read.item,
          isOrganizer: read.isOrganizer, createdAt: read.createdAt, modifiedOccurrences: read.modifiedOccurrences,
        };
      });
    }
    return { changes: slots.filter((s): s is ExchangeChange => s !== undefined), requests };
  }

  /**
   * Of the items the id map knows, those no longer in the folder: deleted. An item Outlook
   * deleted still exists in Deleted Items, so its folder decides.
   */
  private async gone(service: ews.ExchangeService, mailbox: string, kind: ChangeKind, folder: ews.FolderId, known: string[]): Promise<{ changes: ExchangeChange[]; requests: number }> {
    const ids = [...new Set(known.map(ewsIdFromRestId))];
    const changes: ExchangeChange[] = [];
    if (ids.length === 0) return { changes, requests: 0 };
    const folderId = (await ews.Folder.Bind(service, folder, new ews.PropertySet(ews.BasePropertySet.IdOnly))).Id.UniqueId;
    let requests = 1;
    const size = Math.max(1, this.options.batchSize ?? 50);
    for (let i = 0; i < ids.length; i += size) {
      const chunk = ids.slice(i, i + size);
      this.hints.check(mailbox);
      requests++;
      const got = await service.BindToItems(chunk.map((id) => new ews.ItemId(id)), new ews.PropertySet(ews.BasePropertySet.IdOnly, [ews.ItemSchema.ParentFolderId]));
      chunk.forEach((itemId, n) => {
        const error = got.Responses[n] ? itemError(got.Responses[n], itemId, mailbox) : undefined;
        if (error?.retryable) throw error;
        const elsewhere = !error && got.Responses[n]?.Item?.ParentFolderId?.UniqueId !== folderId;
        if (error?.code === ExchangeCode.itemNotFound || elsewhere) changes.push({ kind, op: 'deleted', mailbox, transport: 'ews', itemId });
      });
    }
    return { changes, requests };
  }
}
