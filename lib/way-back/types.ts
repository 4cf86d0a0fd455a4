/**
 * The way back's contract (Outlook → büro+, docs/behaviours.md B14): the settings, the message
 * between the change source and the writer, the writer's results and the monitoring view.
 * The nodes use only what lib/way-back/index.ts exports.
 */
import type { AckToken } from '../ack-token';
import type { SyncError } from '../errors';
import type { ChangeKind, OutlookChange } from '../exchange/changes';
import type { SyncEvent } from '../log/events';

/** The way back's settings (environment variables in brackets; lib/way-back/settings.ts reads them). */
export interface WayBackSettings {
  /** SYNC_TWO_WAY (default true): false → the change source reads nothing, the writer takes nothing. */
  twoWay: boolean;
  /** SYNC_EXCHANGE_POLL_SECONDS (default 60). */
  pollSeconds: number;
  /** SYNC_OUTLOOK_NEW: items made in Outlook become büro+ entries — `all` (default), `category`, `off`. */
  outlookNew: 'all' | 'category' | 'off';
  /** SYNC_OUTLOOK_CATEGORY (default `büro+`): the category `outlookNew: 'category'` asks for. */
  outlookCategory: string;
  /** SYNC_OUTLOOK_DELETES: `delete` (default) or `ignore`. */
  outlookDeletes: 'delete' | 'ignore';
  /** SYNC_CONFLICT: which side wins a field changed on both sides — `buero` (default) or `outlook`. */
  conflict: 'buero' | 'outlook';
  /** SYNC_TIMEZONE: the Mandant's IANA zone. */
  timeZone: string;
}

/** A synced mailbox of the way back: the mailbox and its büro+ user (as `buero-changes` stores them). */
export interface SyncedMailbox {
  mailbox: string;
  user: { nr: number; login?: string };
}

/**
 * The message `OutlookChangeSource` emits (the `buero-outlook-changes` node sends it as is):
 * `payload` one change, `ack` the token the writer acknowledges once the change is in büro+ or
 * refused with a logged reason (lib/ack-token.ts, the same protocol as `buero-changes`).
 */
export interface WayBackMessage {
  topic: 'buero-outlook-change';
  payload: WayBackChange;
  ack: AckToken;
}

export interface WayBackChange extends OutlookChange {
  /** ms since the epoch: when the way back was set up for this mailbox and folder (items made before are never taken). */
  baselineAt?: number;
}

/** Why a change was not taken back (each is one log line, except `echo` and `unchanged`). */
export type SkipReason =
  /** What the product itself wrote to Exchange (its ChangeKey / field hashes in the id map). */
  | 'echo'
  /** No two-way field changed (e.g. only the body or a category). */
  | 'unchanged'
  /** The copy in a participant's mailbox, not the owner's. */
  | 'participant'
  /** An invitation the user received from someone else. */
  | 'invitation'
  /** Made in Outlook before the way back was set up. */
  | 'before-baseline'
  /** A new item and SYNC_OUTLOOK_NEW is `off`, or `category` and the item lacks it. */
  | 'new-not-taken'
  /** Deleted in Outlook: SYNC_OUTLOOK_DELETES=ignore, ended, a task, or no büro+ entry. */
  | 'delete-not-taken'
  /** A series: a moved occurrence, a changed pattern, a series made in Outlook. */
  | 'series-not-taken'
  /** The conflict rule kept büro+'s values for every changed field. */
  | 'conflict-buero'
  /** The deletion guard holds the mailbox. */
  | 'paused'
  /** The büro+ entry no longer exists (lane 1 deletes the Outlook copy). */
  | 'gone'
  /** SYNC_TWO_WAY=false. */
  | 'two-way-off'
  /** The item belongs to no büro+ entry the way back can write (e.g. a contact, another Mandant's key). */
  | 'not-ours';

/** One field changed on both sides since the last sync. */
export interface Conflict {
  /** büro+ field name. */
  field: string;
  winner: 'buero' | 'outlook';
  bueroValue: unknown;
  outlookValue: unknown;
}

/** What `WayBackWriter.take` did with one change. */
export type TakeResult =
  | { outcome: 'written'; record: string; fields: string[]; conflicts: Conflict[]; lsn: string }
  | { outcome: 'created'; record: string; lsn: string; recovered?: boolean }
  | { outcome: 'deleted'; record: string }
  | { outcome: 'skipped'; reason: SkipReason; record?: string; conflicts?: Conflict[] }
  /**
   * Not written; `error` names mailbox, item and büro+ field (log and Catch). `retryable`
   * (büro+ unreachable, 5xx after the writer's own tries): do not acknowledge — the change
   * source reads the change again; otherwise acknowledge (the refusal is logged, nothing lost).
   */
  | { outcome: 'refused'; error: SyncError; retryable: boolean; record?: string };

/** A take's result and the sync-log events it produced (transfer, info, error). */
export interface Taken {
  result: TakeResult;
  events: SyncEvent[];
  /** Acknowledge the change's token (false only for a retryable refusal). */
  ack: boolean;
}

/** Monitoring: one mailbox folder of the change source. */
export interface FolderStatus {
  mailbox: string;
  kind: ChangeKind;
  /** `reading`, `waiting` for acknowledgements, `idle`, `paused` by the deletion guard, `error` (last read failed). */
  state: 'idle' | 'reading' | 'waiting' | 'paused' | 'error';
  /** Changes emitted and not yet acknowledged. */
  unacknowledged: number;
  lastPollAt?: string;
  /** The last read's failure (an error code and text) or the guard's reason. */
  reason?: string;
  code?: string;
}

export interface SourceStatus {
  /** `off` when SYNC_TWO_WAY=false. */
  state: 'off' | 'ok' | 'paused' | 'error';
  folders: FolderStatus[];
  /** Changes emitted since the start. */
  emitted: number;
  /** Short text for the node status (English; the node translates by `state`). */
  text: string;
}

/** What one `pollNow()` did. */
export interface PollReport {
  /** Changes emitted. */
  emitted: number;
  /** Exchange requests sent. */
  requests: number;
  /** Cursors committed (every change of the read acknowledged). */
  committed: number;
  /** Mailbox folders the deletion guard paused in this poll. */
  paused: string[];
  errors: SyncError[];
}
