import type { ExchangeError } from '../errors';
import type { Appointment, Task } from '../model';

/**
 * Reading what users changed in Outlook, for the way back to büro+: the contract both change
 * readers (EWS SyncFolderItems, Graph delta) fulfil, one mailbox folder at a time.
 *
 * A read starts at the cursor the caller committed last and returns the changes since, the
 * cursor after them and whether more are waiting. The caller commits that cursor only once
 * every change of the read was acknowledged (in büro+, or refused with a logged reason): a
 * crash re-reads the same changes, never skips one. Without a cursor the first read only
 * records where the folder stands (the baseline): items made before the way back was set up
 * are never taken.
 */
export type ChangeKind = 'appointment' | 'task';
export type ChangeOp = 'created' | 'updated' | 'deleted';
export type ChangeTransport = 'ews' | 'graph';

/**
 * One item changed in Outlook, as the reader sees it (the message between the change source and
 * the büro+ writer adds the büro+ user: `OutlookChange`).
 *
 * `op`: `deleted` when the item left the folder (deleted in Outlook); otherwise `updated` when
 * it carries a writer key (it is the copy of a büro+ entry) and `created` when it carries none
 * (made in Outlook, or a task written through EWS seen through Graph: look the item id up in
 * the id map before taking it as new, see `entryOfItem`). A read may return an item again that
 * an earlier read returned (a start over, the overlap of a new Graph window): its ChangeKey
 * says whether anything changed since.
 */
export interface ExchangeChange {
  kind: ChangeKind;
  op: ChangeOp;
  /** Lower case SMTP address. */
  mailbox: string;
  transport: ChangeTransport;
  /** The item's id in the transport's spelling (lib/exchange/item-ids.ts), as lane 1 stores it. */
  itemId: string;
  /** EWS ChangeKey or Graph @odata.etag (as lane 1 stores it); absent for deleted. */
  changeKey?: string;
  /** The writer key the item carries (lib/exchange/key.ts); absent for deleted and for items without one. */
  key?: string;
  /**
   * The item, for created and updated; never its body (info texts go one way), attendees or
   * attachments. Instants are written with the offset of the reader's zone (as lane 1's mapper
   * writes them, so field hashes compare); `timeZone` is the item's own zone.
   */
  item?: Appointment | Task;
  /** Appointments: false for an invitation someone else sent (a participant's copy). */
  isOrganizer?: boolean;
  /** ISO instant the item was created in Exchange. */
  createdAt?: string;
  /** Series: original dates (`YYYY-MM-DD`, the series' zone) of occurrences moved or changed in Outlook. */
  modifiedOccurrences?: string[];
  /**
   * Series read through Graph: `item.recurrence.deletedOccurrences` and `modifiedOccurrences`
   * are known only between these dates (inclusive, the Graph calendar window); outside them
   * nothing is said. Absent: the whole series (EWS).
   */
  occurrenceWindow?: { start: string; end: string };
  /** The item could not be read (not retryable): the change is reported, without the item. */
  error?: ExchangeError;
}

/** The message `buero-outlook-changes` emits (`msg.payload`): a change and the synced büro+ user of the mailbox. */
export interface OutlookChange extends ExchangeChange {
  user: { nr: number; login?: string };
}

/** The Graph calendar window a delta round covers (ISO instants, start inclusive, end exclusive). */
export interface ChangeWindow {
  start: string;
  end: string;
}

export interface ReadRequest {
  mailbox: string;
  kind: ChangeKind;
  /** The cursor committed last; undefined the first time (a baseline, no changes). */
  cursor?: string;
  /**
   * Start over after an expired cursor: a full round. Every item in the folder (Graph calendar:
   * in the window) comes back as a change, to be matched against the id map by key and
   * ChangeKey; of `known` (the item ids the id map holds for this mailbox and kind, any
   * spelling) those that no longer exist come back as deleted. Later pages of the round go on
   * with the cursor as usual.
   */
  startOver?: { known: string[] };
}

export type ReadResult =
  | {
      status: 'changes';
      changes: ExchangeChange[];
      /** Commit once every change above is acknowledged. */
      cursor: string;
      /** More changes are waiting: read again at once with `cursor` (after committing it). */
      more: boolean;
      /** This read recorded the baseline (no changes). */
      baseline: boolean;
      /** Graph calendar: the window the cursor covers. */
      window?: ChangeWindow;
      /** HTTP requests this read sent (a $batch counts once). */
      requests: number;
    }
  | {
      /**
       * The cursor is no longer valid (EWS ErrorInvalidSyncStateData, Graph 410
       * SyncStateNotFound): nothing was read. Read again with `startOver`.
       */
      status: 'expired';
      reason: string;
      requests: number;
    };

/**
 * A change reader for one Exchange connection. Reads of different mailboxes may run at once;
 * reads of one mailbox and folder run one after the other (the caller's cursor orders them).
 * A failure of the whole read (network, throttled, authentication) throws an ExchangeError;
 * after one with a wait hint (Retry-After, BackOffMilliseconds) no request goes to that
 * mailbox (or, for the whole endpoint, to any) before the wait is over: a read in that time
 * throws EXCHANGE_SERVER_BUSY at once with the time left in `backOffMs` (a WaitRefusal). Given
 * the endpoint's shared hints (lib/exchange/wait-hints.ts), the waits lane 1's writer met count too.
 */
export interface ChangeReader {
  readonly transport: ChangeTransport;
  read(request: ReadRequest): Promise<ReadResult>;
  close?(): Promise<void>;
}
