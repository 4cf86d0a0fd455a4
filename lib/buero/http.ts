import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { SyncError } from '../errors';

/**
 * The one HTTP path to büro+ (GraphQL and OAuth): TLS is always verified; a custom CA
 * (büro+ servers often use a certificate of the company's own CA) is added to Node's
 * built-in roots, never replaces the check.
 */
export interface HttpOptions {
  /** PEM text of extra CA certificates to trust. */
  ca?: string;
  /** Per-request timeout in ms (default 30 s). */
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export class HttpTransport {
  private readonly httpsAgent: https.Agent;
  private readonly httpAgent: http.Agent;
  private readonly timeoutMs: number;

  constructor(opts: HttpOptions = {}) {
    const ca = opts.ca && opts.ca.trim() ? [...tls.rootCertificates, opts.ca] : undefined;
    // Idle keep-alive sockets are dropped after 4 s, before a server's usual 5 s keep-alive
    // timeout closes them under a request.
    this.httpsAgent = new https.Agent({ keepAlive: true, timeout: 4000, ca, rejectUnauthorized: true });
    this.httpAgent = new http.Agent({ keepAlive: true, timeout: 4000 });
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  request(
    url: string,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ): Promise<HttpResponse> {
    const target = new URL(url);
    const isHttps = target.protocol === 'https:';
    if (!isHttps && target.protocol !== 'http:') {
      return Promise.reject(new SyncError('BUERO_CONFIG', `Unsupported URL scheme in ${target.origin}: use https:// (or http:// for a local test server).`));
    }
    const lib = isHttps ? https : http;
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
    return new Promise<HttpResponse>((resolve, reject) => {
      const req = lib.request(
        target,
        { method: init.method ?? 'GET', headers, agent: isHttps ? this.httpsAgent : this.httpAgent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', (err) => reject(unreachable(target, err)));
        },
      );
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', (err) => reject(unreachable(target, err)));
      if (init.body !== undefined) req.write(init.body);
      req.end();
    });
  }

  close(): void {
    this.httpsAgent.destroy();
    this.httpAgent.destroy();
  }
}

/** A kept-alive connection the server closed just as it was reused: safe to send a read again. */
export function isStaleConnection(err: unknown): boolean {
  const cause = err instanceof SyncError ? (err.cause as NodeJS.ErrnoException | undefined) : undefined;
  return Boolean(cause && (cause.code === 'ECONNRESET' || cause.code === 'EPIPE' || /socket hang up/.test(cause.message)));
}

function unreachable(target: URL, err: Error): SyncError {
  const code = (err as NodeJS.ErrnoException).code;
  // Certificate problems do not heal by retrying; say what to change.
  if (code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) {
    return new SyncError(
      'BUERO_TLS',
      `The certificate of ${target.host} is not trusted (${code}). Set the CA certificate of the büro+ connection to the CA that signed it.`,
      { cause: err },
    );
  }
  return new SyncError('BUERO_UNREACHABLE', `büro+ at ${target.host} cannot be reached: ${err.message}`, {
    retryable: true,
    cause: err,
  });
}
