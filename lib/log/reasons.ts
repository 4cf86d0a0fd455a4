/**
 * Plain words for why a connection failed. Libraries report causes as codes (ECONNREFUSED,
 * AADSTS7000215, ErrorImpersonateUserDenied); the log puts a sentence a support person
 * understands in front and keeps the original text in parentheses for the expert.
 */
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

export function reasonKey(raw: string): ReasonKey | undefined {
  return RULES.find(([re]) => re.test(raw))?.[1];
}

/** `plain words (original text)`, or the original text when no rule knows it. */
export function plainReason(raw: string | undefined, language: Language): string {
  const texts = catalogues[language];
  const text = (raw ?? '').trim();
  if (!text) return texts.noReason;
  const key = reasonKey(text);
  return key ? `${texts.reasons[key]} (${text})` : text;
}
