import { ExchangeCode } from '../../error-codes';
import { ExchangeError } from '../errors';

/**
 * Network failures in words an administrator can act on: the name does not resolve (DNS), the
 * certificate is not trusted (TLS), or the server does not answer. Node's error codes are
 * found on the error, its `cause` (axios, MSAL wrap them) or in its message.
 */
const DNS = ['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME'];
const TLS = ['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_SIGNATURE_FAILURE', 'CERT_REVOKED', 'ERR_SSL_WRONG_VERSION_NUMBER', 'EPROTO'];
const DOWN = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ECONNABORTED', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH',
  'EHOSTDOWN', 'ENETDOWN', 'ERR_SOCKET_CONNECTION_TIMEOUT', 'UND_ERR_SOCKET', 'ERR_STREAM_PREMATURE_CLOSE'];
const ALL = [...DNS, ...TLS, ...DOWN];
const NOT_SENT = ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN'];

export function networkErrorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const o = e as { code?: unknown; message?: unknown; errorMessage?: unknown; cause?: unknown };
    if (typeof o.code === 'string' && ALL.includes(o.code)) return o.code;
    const text = [o.message, o.errorMessage].filter((t) => typeof t === 'string').join(' ');
    const found = ALL.find((c) => text.includes(c));
    if (found) return found;
    if (/socket hang up/i.test(text)) return 'ECONNRESET';
    e = o.cause;
  }
  return undefined;
}

export function describeNetworkError(err: unknown, endpoint: string): ExchangeError | undefined {
  const code = networkErrorCode(err);
  if (!code) return undefined;
  const host = hostOf(endpoint);
  if (DNS.includes(code)) {
    return new ExchangeError(ExchangeCode.dns, `The host name ${host} cannot be resolved (DNS, ${code}).`, {
      scope: 'endpoint', retryable: true, serverCode: code, cause: err,
    });
  }
  if (TLS.includes(code)) {
    return new ExchangeError(ExchangeCode.tls,
      `The TLS certificate of ${host} is not trusted (${code}). If the server uses an internal CA, set its certificate (PEM) in the connection.`,
      { scope: 'endpoint', retryable: true, serverCode: code, cause: err });
  }
  return new ExchangeError(ExchangeCode.unavailable, `${host} does not answer (${code}).`, {
    scope: 'endpoint', retryable: true, serverCode: code, cause: err,
    // Refused or unreachable: nothing was sent. Reset or timed out: it may have been carried out.
    ambiguous: !NOT_SENT.includes(code),
  });
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
