/**
 * Plain words for why a connection failed. Libraries report causes as codes (ECONNREFUSED,
 * AADSTS7000215, ErrorImpersonateUserDenied); the log puts a sentence a support person
 * understands in front and keeps the original text in parentheses for the expert. When the
 * event carries our own error code, the code decides: the text may only narrow it down.
 */
import { BueroCode, ExchangeCode } from '../error-codes';
import { catalogues, type Language, type ReasonKey } from './catalogue';

/** First match wins: the specific codes come before the generic HTTP statuses. */
const RULES: ReadonlyArray<[RegExp, ReasonKey]> = [
  // Microsoft identity platform error codes:
  // https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes
  [/AADSTS7000215|AADSTS7000222|\binvalid_client\b/, 'secret'],
  [/AADSTS700016|\bunauthorized_client\b/, 'app'],
  [/AADSTS90002\b|AADSTS900023\b/, 'tenant'],
  // EWS response codes (ResponseCodeType in the EWS schema).
  [/ErrorImpersonateUserDenied|ErrorAccessDenied|\bHTTP 403\b|\(403\)|\b403 Forbidden\b|\bstatus(?: code)? 403\b/i, 'denied'],
  [/ErrorNonExistentMailbox|ErrorMailboxStoreUnavailable/, 'mailbox'],
  [/ErrorServerBusy|\b429\b|Too Many Requests/i, 'busy'],
  // Node.js system and TLS errors (https://nodejs.org/api/errors.html).
  [/ECONNREFUSED/, 'refused'],
  [/ENOTFOUND|EAI_AGAIN/, 'dns'],
  [/ETIMEDOUT|ESOCKETTIMEDOUT|UND_ERR_CONNECT_TIMEOUT|\btimed? ?out\b|\btimeout\b/i, 'timeout'],
  [/ECONNRESET|EPIPE|socket hang up|UND_ERR_SOCKET/i, 'reset'],
  [/EHOSTUNREACH|ENETUNREACH|ENETDOWN/, 'unreachable'],
  [/CERT_|UNABLE_TO_VERIFY|SELF_SIGNED|self[- ]signed certificate|ERR_TLS_CERT|certificate has expired/i, 'tls'],
  [/\b401\b|Unauthorized|invalid_grant/i, 'signIn'],
  [/\b50[234]\b|Service Unavailable|Bad Gateway|Gateway Time-?out/i, 'unavailable'],
];

/**
 * What an error code says about the cause: the reasons its text may narrow it down to, and
 * the reason when the text names none of them (none: the text stands alone). A code not
 * listed leaves the text to decide.
 */
const BY_CODE: Readonly<Record<string, { narrow: readonly ReasonKey[]; otherwise?: ReasonKey }>> = {
  [ExchangeCode.serverBusy]: { narrow: [], otherwise: 'busy' },
  [ExchangeCode.unavailable]: { narrow: ['refused', 'timeout', 'reset', 'unreachable', 'unavailable'], otherwise: 'unavailable' },
  [ExchangeCode.dns]: { narrow: [], otherwise: 'dns' },
  [ExchangeCode.tls]: { narrow: [], otherwise: 'tls' },
  // Entra ID's and Exchange's own texts already say which credential is wrong.
  [ExchangeCode.auth]: { narrow: ['secret', 'app', 'tenant', 'signIn', 'denied'] },
  [ExchangeCode.impersonation]: { narrow: [], otherwise: 'denied' },
  // Also a mailbox being moved or failing over: "does not exist" only when the text says so.
  [ExchangeCode.mailbox]: { narrow: ['mailbox'] },
  [BueroCode.unreachable]: { narrow: ['refused', 'dns', 'timeout', 'reset', 'unreachable', 'tls'], otherwise: 'unreachable' },
  [BueroCode.unavailable]: { narrow: ['timeout', 'reset', 'busy', 'unavailable'], otherwise: 'unavailable' },
  [BueroCode.tls]: { narrow: [], otherwise: 'tls' },
  [BueroCode.auth]: { narrow: [], otherwise: 'signIn' },
  [BueroCode.forbidden]: { narrow: [], otherwise: 'denied' },
};

export function reasonKey(raw: string, code?: string): ReasonKey | undefined {
  const byCode = code === undefined ? undefined : BY_CODE[code];
  if (!byCode) return RULES.find(([re]) => re.test(raw))?.[1];
  return RULES.find(([re, key]) => byCode.narrow.includes(key) && re.test(raw))?.[1] ?? byCode.otherwise;
}

/** `plain words (original text)`, or the original text when neither code nor text names a cause. */
export function plainReason(raw: string | undefined, language: Language, code?: string): string {
  const texts = catalogues[language];
  const text = (raw ?? '').trim();
  if (!text) return texts.noReason;
  const key = reasonKey(text, code);
  return key ? `${texts.reasons[key]} (${text})` : text;
}
