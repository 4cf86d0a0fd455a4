/**
 * The writer's public types: its options, its figures for the status, and the outcome it
 * reports per change. No state lives here; the other files of the writer and its callers
 * share these shapes.
 */
import type { SyncError } from '../../errors';
import type { SyncEvent } from '../../log/events';
import type { StateDb } from '../../state/db';
import type { BackoffPolicy, Clock } from '../../net/retry';
import type { WriterMessage } from '../model';
import type { Transport } from '../transport';
import type { WaitHints } from '../wait-hints';

export type WriteActionTaken = 'created' | 'updated' | 'unchanged' | 'deleted' | 'recreated' | 'skipped';

export type WriteOutcome =
  | {
      ok: true;
      /** Queue id of the change, the one `enqueue` returned. */
      changeId: number;
      message: WriterMessage;
      action: WriteActionTaken;
      itemId?: string;
      durationMs: number;
    }
  | { ok: false; changeId: number; message: WriterMessage; error: SyncError; durationMs: number };

export interface WriterStats {
  queued: number;
  /** Of those, held in memory (the rest wait in SQLite only; see memoryWindow). */
  inMemory: number;
  inFlight: number;
  /** Exchange as a whole is unreachable right now. */
  outage: boolean;
  lastError?: { code: string; message: string; at: number };
  /** Exchange as a whole, for monitoring. */
  endpoint: PartHealth;
  /** Each mailbox called since the start (normalised address), for monitoring. */
  mailboxes: MailboxStats[];
}

/** How a part (the Exchange endpoint, one mailbox) is doing; times in ms since the epoch. */
export interface PartHealth {
  /** Calls failed in a row. */
  failures: number;
  /** When a call last came back. */
  lastSuccessAt?: number;
  /** Since when its calls failed (unset once one came back). */
  failingSince?: number;
  /** Nothing is sent before this time (the back-off); unset when nothing waits. */
  retryAt?: number;
  /** The last failure. */
  error?: { code: string; message: string };
}

export interface MailboxStats extends PartHealth {
  mailbox: string;
}

export interface WriterOptions {
  transport: Transport;
  db: StateDb;
  /** Who owns the queue rows: the writer node's id. */
  owner: string;
  clock?: Clock;
  random?: () => number;
  /** Items per request (default 50). */
  batchSize?: number;
  /**
   * Queued changes held in memory at most (default 2,000). A longer backlog (a first sync of
   * thousands of contacts into every mailbox) waits in SQLite only and is read in, oldest
   * first, as the changes in memory are written: memory stays flat however long the queue.
   * Small on purpose: a change held in memory for seconds outlives V8's young generation, and
   * what is promoted sets the process's peak (bench/README.md, memory).
   */
  memoryWindow?: number;
  /** How long a batch waits to fill up (default 200 ms). */
  flushDelayMs?: number;
  /**
   * While the change source catches up (its changes say `more`: the next page follows at
   * once), a batch not yet full waits for the rest up to this long (default 10,000 ms: a page
   * may take seconds on a busy host) after the last such change; changes without `more` (a
   * lone change, the last page) go after the flush delay as always (docs/architecture.md).
   */
  burstHoldMs?: number;
  /** Concurrent requests overall (default 8; EWS allows 27 per account). */
  maxConcurrent?: number;
  /** Concurrent requests per mailbox (default 8). */
  maxConcurrentPerMailbox?: number;
  /** An update finds the item deleted in Outlook: create it again, or leave it deleted. */
  onItemNotFound?: 'recreate' | 'skip';
  backoff?: BackoffPolicy;
  /**
   * Exchange's waits per mailbox and endpoint, shared with the way back's reader on the same
   * endpoint (lib/exchange/wait-hints.ts `waitHintsOf`); default: the writer's own.
   */
  waitHints?: WaitHints;
  /** One call per change when it is done (written, unchanged, skipped or failed for good). */
  onOutcome?: (outcome: WriteOutcome) => void;
  /** Connection and outage events, one per change of state. */
  onEvent?: (event: SyncEvent) => void;
  /** Something the status shows changed (queue length, error). */
  onChange?: () => void;
}
