import { BueroCode } from '../error-codes';
import { SyncError } from '../errors';
import { HttpsClient } from '../net/https';

/**
 * The one HTTP path to büro+ (GraphQL and OAuth), over the product's HTTPS client: TLS is
 * always verified; a custom CA (büro+ servers often use a certificate of the company's own CA)
 * is added to Node's built-in roots. Failures become büro+ errors.
 */
export interface HttpOptions {
  /** PEM text of extra CA certificates to trust. */
  ca?: string;
  /** Per-request timeout in ms (default 30 s). */
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export class HttpTransport {
  private readonly client: HttpsClient;

  constructor(opts: HttpOptions = {}) {
    this.client = new HttpsClient({ ca: opts.ca, timeoutMs: opts.timeoutMs });
  }

  async request(
    url: string,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ): Promise<HttpResponse> {
    const target = new URL(url);
    if (target.protocol !== 'https:' && target.protocol !== 'http:') {
      throw new SyncError(BueroCode.config, `Unsupported URL scheme in ${target.origin}: use https:// (or http:// for a local test server).`);
    }
    try {
      const answer = await this.client.request(url, init);
      return { status: answer.status, headers: answer.headers, body: answer.text };
    } catch (err) {
      throw unreachable(target, err as Error);
    }
  }

  close(): void {
    this.client.close();
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
      BueroCode.tls,
      `The certificate of ${target.host} is not trusted (${code}). Set the CA certificate of the büro+ connection to the CA that signed it.`,
      { cause: err },
    );
  }
  return new SyncError(BueroCode.unreachable, `büro+ at ${target.host} cannot be reached: ${err.message}`, {
    retryable: true,
    cause: err,
  });
}
