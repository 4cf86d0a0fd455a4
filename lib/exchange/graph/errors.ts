import { retryAfterMs } from '../../net/retry';
import { ExchangeCode, type ExchangeErrorCode } from '../../error-codes';
import { ExchangeError, type ErrorScope } from '../errors';

/**
 * Graph answers (HTTP status + `{ error: { code, message } }`) as ExchangeErrors: a code the
 * writer acts on, how far the failure reaches, and Graph's own wait hint (Retry-After).
 * Sources: Microsoft Graph "Error responses and resource types", "Microsoft Graph throttling
 * guidance" (429/503 with Retry-After), Outlook mail/calendar error codes (ErrorItemNotFound,
 * ErrorInvalidUser, ErrorAccessDenied, MailboxNotEnabledForRESTAPI).
 */
export interface GraphResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export function graphErrorOf(body: unknown): { code: string; message: string } {
  const e = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  return { code: typeof e?.code === 'string' ? e.code : '', message: typeof e?.message === 'string' ? e.message : '' };
}

interface Rule {
  code: ExchangeErrorCode;
  scope: ErrorScope;
  retryable: boolean;
  text: string;
}

const ACCESS_DENIED: Rule = {
  code: ExchangeCode.impersonation, scope: 'mailbox', retryable: true,
  text: 'The app may not write to this mailbox: grant Calendars.ReadWrite, Contacts.ReadWrite and Tasks.ReadWrite.All with admin consent, and include the mailbox in the application access policy (RBAC for Applications)',
};
const NO_MAILBOX: Rule = { code: ExchangeCode.mailbox, scope: 'mailbox', retryable: true, text: 'There is no Exchange Online mailbox with this address' };

/** Graph error codes that decide more than the status does. */
const BY_CODE: Record<string, Rule> = {
  ErrorAccessDenied: ACCESS_DENIED,
  Authorization_RequestDenied: ACCESS_DENIED,
  ErrorInvalidUser: NO_MAILBOX,
  MailboxNotEnabledForRESTAPI: NO_MAILBOX,
  ResourceNotFound: { code: ExchangeCode.itemNotFound, scope: 'item', retryable: false, text: 'The item no longer exists in Exchange' },
  ErrorItemNotFound: { code: ExchangeCode.itemNotFound, scope: 'item', retryable: false, text: 'The item no longer exists in Exchange' },
  ErrorFolderExists: { code: ExchangeCode.folder, scope: 'item', retryable: true, text: 'The folder exists already' },
  ErrorMailboxMoveInProgress: { code: ExchangeCode.mailbox, scope: 'mailbox', retryable: true, text: 'The mailbox is being moved' },
  ErrorMailboxStoreUnavailable: { code: ExchangeCode.mailbox, scope: 'mailbox', retryable: true, text: 'The mailbox is not available right now' },
};

function ruleOf(status: number, code: string): Rule {
  if (status === 429) return { code: ExchangeCode.serverBusy, scope: 'mailbox', retryable: true, text: 'Exchange Online is throttling this mailbox and asks to wait' };
  if (BY_CODE[code]) return BY_CODE[code];
  if (status === 401) return { code: ExchangeCode.auth, scope: 'endpoint', retryable: true, text: 'Microsoft Graph refused the token' };
  if (status === 403) return ACCESS_DENIED;
  if (status === 404) return { code: ExchangeCode.itemNotFound, scope: 'item', retryable: false, text: 'The item no longer exists in Exchange' };
  if (status === 409 || status === 412) return { code: ExchangeCode.conflict, scope: 'item', retryable: true, text: 'The item was changed in Exchange at the same time' };
  if (status === 503 || status === 502 || status === 504) return { code: ExchangeCode.unavailable, scope: 'item', retryable: true, text: 'Microsoft Graph is not available right now' };
  if (status >= 500) return { code: ExchangeCode.unavailable, scope: 'item', retryable: true, text: 'Microsoft Graph had a passing problem' };
  return { code: ExchangeCode.itemRejected, scope: 'item', retryable: false, text: 'Microsoft Graph rejected the item' };
}

/** The error of one Graph answer (a whole request or one step of a $batch), or undefined on success. */
export function responseError(res: GraphResponse, record?: string, mailbox?: string): ExchangeError | undefined {
  if (res.status >= 200 && res.status < 300) return undefined;
  const { code, message } = graphErrorOf(res.body);
  const rule = ruleOf(res.status, code);
  const where = rule.scope === 'mailbox' && mailbox ? ` (${mailbox})` : '';
  const detail = [code, message].filter(Boolean).join(': ');
  return new ExchangeError(rule.code, `${record ? `${record}: ` : ''}${rule.text}${where}${detail ? ` — ${detail}` : ` (HTTP ${res.status})`}`, {
    record, scope: rule.scope, retryable: rule.retryable, httpStatus: res.status, serverCode: code || `HTTP ${res.status}`,
    backOffMs: retryAfterMs(res.headers),
  });
}
