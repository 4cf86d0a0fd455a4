import type { ExchangeErrorCode } from '../error-codes';
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
  /** Always one of ExchangeCode (lib/error-codes.ts). */
  declare readonly code: ExchangeErrorCode;
  readonly scope: ErrorScope;
  readonly backOffMs?: number;
  readonly httpStatus?: number;
  readonly serverCode?: string;
  readonly ambiguous: boolean;

  constructor(code: ExchangeErrorCode, message: string, details: ExchangeErrorDetails = {}) {
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
