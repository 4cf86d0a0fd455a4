/**
 * What the engine reports besides data: the events the sync log (`buero-sync-log`) writes.
 * The change source and the writer send them on their second output ("events") as
 * `{ topic: 'buero-sync/event', payload: SyncEvent }`; errors of single records go to
 * `done(err)` (Catch nodes) instead, and the log sink reads those from the Catch message.
 */
export type SyncEvent =
  | {
      type: 'connection';
      /** Which side: büro+ or Exchange. */
      system: 'buero' | 'exchange';
      ok: boolean;
      /** URL or host; never a credential. */
      endpoint: string;
      mailbox?: string;
      /** Plain-words reason when ok is false. */
      reason?: string;
      /** The error code (lib/error-codes.ts) when ok is false: the log's plain words come from it. */
      code?: string;
      time: string;
    }
  | {
      type: 'outage';
      system: 'buero' | 'exchange';
      phase: 'begin' | 'end';
      endpoint: string;
      mailbox?: string;
      reason?: string;
      /** The error code on 'begin' (lib/error-codes.ts): the log's plain words come from it. */
      code?: string;
      /**
       * On 'end': when the outage began (ISO), for the duration in the log line. The log sink
       * fills it from the 'begin' event it saw when the sender leaves it out.
       */
      since?: string;
      time: string;
    }
  | {
      type: 'transfer';
      action: 'created' | 'updated' | 'unchanged' | 'deleted' | 'recreated' | 'skipped';
      kind: 'appointment' | 'task' | 'contact';
      mailbox: string;
      key: string;
      version?: string;
      itemId?: string;
      durationMs?: number;
      time: string;
    }
  | {
      type: 'error';
      code: string;
      /** The record the error is about (büro+ table and id, or writer key). */
      record?: string;
      field?: string;
      reason: string;
      /** The Node-RED node that reported it, e.g. `"Exchange writer" (buero-exchange-writer)`. */
      source?: string;
      time: string;
    }
  | {
      type: 'info';
      /** e.g. baseline recorded, backfill counts, user added to / removed from the sync. */
      code: string;
      /**
       * The values of the line: the log renders it from them in its own language
       * (lib/log/catalogue.ts). The engine's own info events carry only `code` and `params`.
       */
      params?: InfoParams;
      /**
       * Free text, for a line the catalogue has no code for: a node's status text, a warning of
       * the mapper, an event from a flow of one's own.
       */
      text?: string;
      /** The Node-RED node it is about (status lines from a Status node). */
      source?: string;
      /** Log level; default 'info' (a red node status is logged as 'warn'). */
      level?: 'info' | 'warn';
      time: string;
    };

export type InfoParams = Record<string, string | number>;

export const EVENT_TOPIC = 'buero-sync/event';
