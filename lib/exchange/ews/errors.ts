import * as ews from 'ews-javascript-api';
import { ExchangeCode, type ExchangeErrorCode } from '../../error-codes';
import { toError } from '../../errors';
import { ExchangeError, type ErrorScope } from '../errors';
import { describeNetworkError, hostOf } from '../connection/network-errors';

/**
 * ews-javascript-api rejects with objects that are not Errors (SoapFaultDetails,
 * ServiceResponseException, the raw XHR answer) and reports batch results per item as
 * ServiceResponse objects. Both become ExchangeErrors here: a code the writer acts on, how far
 * the failure reaches, and EWS's own wait hint (ErrorServerBusy's BackOffMilliseconds).
 */

/** What the HTTP layer saw when a request failed (see service.ts). */
export interface HttpFailure {
  status?: number;
  message: string;
  bodyStart?: string;
  retryAfterMs?: number;
  /** The network error, when no HTTP answer came. */
  error?: unknown;
  /** Renewing the OAuth token after a 401 failed. */
  tokenError?: ExchangeError;
}

interface Rule {
  code: ExchangeErrorCode;
  scope: ErrorScope;
  retryable: boolean;
  text: string;
}

const busy: Rule = { code: ExchangeCode.serverBusy, scope: 'mailbox', retryable: true, text: 'Exchange is busy (throttled) and asks to wait' };
const transient: Rule = { code: ExchangeCode.unavailable, scope: 'item', retryable: true, text: 'Exchange had a passing problem' };
const mailboxDown: Rule = { code: ExchangeCode.mailbox, scope: 'mailbox', retryable: true, text: 'The mailbox is not available right now' };
const rejected: Rule = { code: ExchangeCode.itemRejected, scope: 'item', retryable: false, text: 'Exchange rejected the item' };
const badRequest: Rule = { code: ExchangeCode.requestRejected, scope: 'item', retryable: false, text: 'Exchange rejected the request' };

/** EWS response codes (Microsoft: "ResponseCode" in the EWS reference) and what they mean for the writer. */
const RULES: Record<string, Rule> = {
  ErrorServerBusy: busy,
  ErrorTooManyObjectsOpened: busy,
  ErrorExceededConnectionCount: busy,
  ErrorExceededSubscriptionCount: busy,
  ErrorIrresolvableConflict: { code: ExchangeCode.conflict, scope: 'item', retryable: true, text: 'The item was changed in Exchange at the same time' },
  ErrorStaleObject: { code: ExchangeCode.conflict, scope: 'item', retryable: true, text: 'The item was changed in Exchange at the same time' },
  ErrorItemNotFound: { code: ExchangeCode.itemNotFound, scope: 'item', retryable: false, text: 'The item no longer exists in Exchange' },
  ErrorInvalidIdMalformed: { code: ExchangeCode.itemNotFound, scope: 'item', retryable: false, text: 'The stored item id is not valid in this mailbox' },
  ErrorImpersonateUserDenied: {
    code: ExchangeCode.impersonation, scope: 'mailbox', retryable: true,
    text: 'The account may not impersonate this mailbox: grant it the ApplicationImpersonation role (on-premises) or full_access_as_app (Exchange Online)',
  },
  ErrorImpersonationDenied: {
    code: ExchangeCode.impersonation, scope: 'mailbox', retryable: true,
    text: 'The account may not impersonate this mailbox: grant it the ApplicationImpersonation role',
  },
  ErrorImpersonationFailed: { code: ExchangeCode.impersonation, scope: 'mailbox', retryable: true, text: 'Impersonating this mailbox failed' },
  ErrorAccessDenied: { code: ExchangeCode.impersonation, scope: 'mailbox', retryable: true, text: 'Access to the mailbox was denied' },
  ErrorNonExistentMailbox: { code: ExchangeCode.mailbox, scope: 'mailbox', retryable: true, text: 'There is no mailbox with this SMTP address' },
  ErrorInvalidSmtpAddress: { code: ExchangeCode.mailbox, scope: 'mailbox', retryable: true, text: 'The SMTP address of the mailbox is not valid' },
  ErrorMailboxMoveInProgress: mailboxDown,
  ErrorMailboxStoreUnavailable: mailboxDown,
  ErrorMailboxFailover: mailboxDown,
  ErrorInternalServerTransientError: transient,
  ErrorTimeoutExpired: transient,
  ErrorConnectionFailed: transient,
  ErrorBatchProcessingStopped: { ...transient, text: 'Exchange stopped the batch before this item' },
  ErrorInternalServerError: transient,
  ErrorSchemaValidation: badRequest,
  ErrorInvalidRequest: badRequest,
  ErrorInvalidServerVersion: { ...badRequest, code: ExchangeCode.config, text: 'The Exchange version setting is not supported by the server' },
  ErrorFolderExists: { code: ExchangeCode.folder, scope: 'item', retryable: true, text: 'The folder exists already' },
  ErrorFolderNotFound: { code: ExchangeCode.folder, scope: 'mailbox', retryable: true, text: 'A folder the writer needs was not found' },
};

/** The EWS response code name (`ErrorServerBusy`) of a ServiceResponse, SoapFaultDetails or exception. */
export function ewsCodeOf(thing: unknown): string | undefined {
  const o = thing as Record<string, unknown> | undefined;
  if (!o || typeof o !== 'object') return undefined;
  const candidates = [o.ErrorCode, o.responseCode, o.errorCode, (o.Response as Record<string, unknown> | undefined)?.ErrorCode];
  for (const c of candidates) {
    if (typeof c === 'number' && c !== ews.ServiceError.NoError) {
      const name = ews.ServiceError[c];
      if (name) return name;
    }
    if (typeof c === 'string' && /^Error/.test(c)) return c;
  }
  const text = [o.message, o.Message, o.faultString, o.FaultString].find((v) => typeof v === 'string') as string | undefined;
  return text ? /\b(Error[A-Z][A-Za-z]+)\b/.exec(text)?.[1] : undefined;
}

/** BackOffMilliseconds from a response's or fault's error details (MessageXml). */
export function backOffOf(thing: unknown): number | undefined {
  const o = thing as Record<string, unknown> | undefined;
  if (!o || typeof o !== 'object') return undefined;
  for (const details of [o.ErrorDetails, o.errorDetails, (o.Response as Record<string, unknown> | undefined)?.ErrorDetails]) {
    const value = readDetail(details, 'BackOffMilliseconds');
    if (value !== undefined && /^\d+$/.test(value)) return Number(value);
  }
  return undefined;
}

function readDetail(details: unknown, name: string): string | undefined {
  if (!details || typeof details !== 'object') return undefined;
  const d = details as { tryGetValue?: (k: string, out: { outValue: unknown }) => boolean; get?: (k: string) => unknown };
  if (typeof d.tryGetValue === 'function') {
    const out = { outValue: undefined as unknown };
    if (d.tryGetValue(name, out) && out.outValue !== undefined) return String(out.outValue);
  }
  const plain = (details as Record<string, unknown>)[name];
  return plain === undefined ? undefined : String(plain);
}

/**
 * The one classification of an EWS answer, whoever read it (ews-javascript-api's objects or the
 * SOAP reader of soap-post.ts): ResponseCode, MessageText and BackOffMilliseconds → ExchangeError.
 */
export function classify(ewsCode: string, detail: string | undefined, extra: { record?: string; backOffMs?: number; cause?: unknown; mailbox?: string }): ExchangeError {
  const rule = RULES[ewsCode] ?? { ...rejected, text: 'Exchange refused' };
  const where = rule.scope === 'mailbox' && extra.mailbox ? ` (${extra.mailbox})` : '';
  const said = detail && !detail.includes(ewsCode) ? `: ${detail}` : '';
  return new ExchangeError(rule.code, `${rule.text}${where} [${ewsCode}${said}]`, {
    record: extra.record,
    scope: rule.scope,
    retryable: rule.retryable,
    backOffMs: extra.backOffMs,
    serverCode: ewsCode,
    cause: extra.cause,
  });
}

/** One item's result in a batch response, or undefined when it succeeded. */
export function itemError(response: ews.ServiceResponse, key: string, mailbox: string): ExchangeError | undefined {
  if (response.Result !== ews.ServiceResult.Error) return undefined;
  const code = ews.ServiceError[response.ErrorCode] ?? 'ErrorUnknown';
  return classify(code, response.ErrorMessage, { record: key, backOffMs: backOffOf(response), cause: response, mailbox });
}

/** Whatever an EWS call threw, as an ExchangeError. */
export function toExchangeError(thrown: unknown, failure: HttpFailure | undefined, endpoint: string, mailbox?: string): ExchangeError {
  if (thrown instanceof ExchangeError) return thrown;
  if (failure?.tokenError) return failure.tokenError;
  const host = hostOf(endpoint);
  const status = failure?.status;
  if (failure && status && status !== 500) {
    if (status === 401) {
      return new ExchangeError(ExchangeCode.auth, `Exchange at ${host} refused the credentials (HTTP 401). Check the account and password, or the app's permission.`, {
        scope: 'endpoint', retryable: true, httpStatus: 401, cause: thrown,
      });
    }
    if (status === 403) {
      return new ExchangeError(ExchangeCode.auth, `Exchange at ${host} forbids access (HTTP 403): EWS may be switched off for this account or app.`, {
        scope: 'endpoint', retryable: true, httpStatus: 403, cause: thrown,
      });
    }
    if (status === 404) {
      return new ExchangeError(ExchangeCode.config, `There is no EWS at ${endpoint} (HTTP 404). Check the host or the EWS URL.`, {
        scope: 'endpoint', retryable: true, httpStatus: 404, cause: thrown,
      });
    }
    if (status === 429) {
      return new ExchangeError(ExchangeCode.serverBusy, `Exchange at ${host} asks to slow down (HTTP 429).`, {
        scope: 'endpoint', retryable: true, httpStatus: 429, backOffMs: failure.retryAfterMs, cause: thrown,
      });
    }
    return new ExchangeError(ExchangeCode.unavailable, `Exchange at ${host} is not available (HTTP ${status}).`, {
      scope: 'endpoint', retryable: true, httpStatus: status, backOffMs: failure.retryAfterMs, cause: thrown,
    });
  }
  if (failure && !status) {
    const net = describeNetworkError(failure.error ?? thrown, endpoint);
    if (net) return net;
    return new ExchangeError(ExchangeCode.unavailable, `Exchange at ${host} did not answer (${failure.message || 'connection failed'}).`, {
      scope: 'endpoint', retryable: true, cause: thrown, ambiguous: true,
    });
  }
  // A SOAP fault (HTTP 500) or an error in one response of a single-item call.
  const code = ewsCodeOf(thrown);
  if (code) {
    const detail = (thrown as { message?: string; faultString?: string }).message || (thrown as { faultString?: string }).faultString;
    const err = classify(code, detail, { backOffMs: backOffOf(thrown), cause: thrown, mailbox });
    // A fault for the whole request about throttling or the mailbox: the writer waits for the mailbox.
    return err;
  }
  if (status === 500) {
    return new ExchangeError(ExchangeCode.unavailable, `Exchange at ${host} failed (HTTP 500).`, {
      scope: 'endpoint', retryable: true, httpStatus: 500, cause: thrown, ambiguous: true,
    });
  }
  return new ExchangeError(ExchangeCode.requestRejected, `EWS request failed: ${toError(thrown).message}`, {
    scope: 'item', retryable: false, cause: thrown, ambiguous: true,
  });
}
