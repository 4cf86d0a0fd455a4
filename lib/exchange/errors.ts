import { SyncError } from '../errors';

/**
 * What the writer must do about a failed Exchange call, whatever the transport (EWS, Graph):
 * - `item`: only this item failed; the others in its batch are fine.
 * - `mailbox`: the whole mailbox cannot be written now (throttled, impersonation refused,
 *   mailbox missing or moving); other mailboxes go on.
 * - `endpoint`: Exchange as a whole is unreachable (DNS, TLS, HTTP 503, broken connection,
 *   authentication); everything waits.
 */
export type ErrorScope = 'item' | 'mailbox' | 'endpoint';

/** The writer's error codes; the transports map their own codes onto these. */
export const ExchangeCode = {
  /** Exchange asked us to slow down (EWS ErrorServerBusy, Graph 429); honour backOffMs. */
  serverBusy: 'exchange.server-busy',
  /** HTTP 503, a broken connection, a timeout: try again with exponential backoff. */
  unavailable: 'exchange.unavailable',
  dns: 'exchange.dns',
  tls: 'exchange.tls',
  /** Credentials refused (HTTP 401, or an AADSTS error from Entra ID). */
  auth: 'exchange.auth',
  /** The account may not act for this mailbox (ErrorImpersonateUserDenied and friends). */
  impersonation: 'exchange.impersonation',
  /** The mailbox does not exist or is not available (ErrorNonExistentMailbox, moving). */
  mailbox: 'exchange.mailbox',
  /** The item changed since we last saw it (ErrorIrresolvableConflict): re-read and retry. */
  conflict: 'exchange.conflict',
  /** The item is gone (deleted in Outlook). */
  itemNotFound: 'exchange.item-not-found',
  /** Exchange rejected this item's content; trying again will not help. */
  itemRejected: 'exchange.item-rejected',
  /** Exchange rejected the whole request (schema, version); a bug or a setting. */
  requestRejected: 'exchange.request-rejected',
  /** A folder the writer needs could not be found or created. */
  folder: 'exchange.folder',
  /** A connection setting is missing or wrong. */
  config: 'exchange.config',
} as const;

export interface ExchangeErrorDetails {
  record?: string;
  field?: string;
  retryable?: boolean;
  cause?: unknown;
  scope?: ErrorScope;
  /** Exchange's own wait hint (EWS BackOffMilliseconds, Graph Retry-After). */
  backOffMs?: number;
  httpStatus?: number;
  /** The transport's own code, e.g. `ErrorServerBusy`, `AADSTS7000215`, `ECONNRESET`. */
  serverCode?: string;
  /**
   * The request may have been carried out although no answer came (the connection broke after
   * it was sent, a timeout): a create must be looked up before it is sent again.
   */
  ambiguous?: boolean;
  /** The environment variable a setting names and that is not set. */
  variable?: string;
}

/** A SyncError that also tells the writer how far the failure reaches and how long to wait. */
export class ExchangeError extends SyncError {
  readonly scope: ErrorScope;
  readonly backOffMs?: number;
  readonly httpStatus?: number;
  readonly serverCode?: string;
  readonly ambiguous: boolean;

  constructor(code: string, message: string, details: ExchangeErrorDetails = {}) {
    super(code, message, details);
    this.name = 'ExchangeError';
    this.scope = details.scope ?? 'item';
    this.backOffMs = details.backOffMs;
    this.httpStatus = details.httpStatus;
    this.serverCode = details.serverCode;
    this.ambiguous = details.ambiguous ?? false;
  }

  /** The same error, now naming the record (writer key) it is about. */
  forRecord(record: string): ExchangeError {
    return new ExchangeError(this.code, this.message, {
      record,
      field: this.field,
      retryable: this.retryable,
      cause: this.cause,
      scope: this.scope,
      backOffMs: this.backOffMs,
      httpStatus: this.httpStatus,
      serverCode: this.serverCode,
      ambiguous: this.ambiguous,
      variable: this.variable,
    });
  }
}

export function isExchangeError(e: unknown): e is ExchangeError {
  return e instanceof ExchangeError;
}
