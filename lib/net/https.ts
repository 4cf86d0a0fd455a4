import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { releaseBytes } from './release-bytes';

/**
 * The one HTTP client for JSON and form requests: büro+ (GraphQL, OAuth), Microsoft Graph and
 * Entra ID's token requests (MSAL). TLS is always verified; a custom CA (an internal CA, a
 * company's own) is trusted besides Node's built-in roots, never instead of the check. Every
 * request has a timeout. A failure is Node's own error (its `code` intact, ETIMEDOUT for the
 * timeout): each caller says in its own words what it means.
 */
export interface HttpsClientOptions {
  /** PEM text of CA certificates to trust besides Node's built-in roots. */
  ca?: string;
  /** Per request: no answer within this time fails with ETIMEDOUT (default 30 s). */
  timeoutMs?: number;
  /** Connections open at once per host (default: no limit). */
  maxSockets?: number;
}

export interface HttpsRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface HttpsAnswer {
  status: number;
  /** Header names in lower case; a repeated header joined with ", ". */
  headers: Record<string, string>;
  text: string;
}

export interface JsonAnswer extends HttpsAnswer {
  /** The JSON of the answer; the text itself when it is no JSON (a proxy's HTML page); undefined when empty. */
  body: unknown;
}

export class HttpsClient {
  readonly timeoutMs: number;
  private readonly httpsAgent: https.Agent;
  private readonly httpAgent: http.Agent;

  constructor(opts: HttpsClientOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    // One secure context for all connections: the ~150 built-in roots are parsed once, not per socket.
    const secureContext = opts.ca?.trim() ? tls.createSecureContext({ ca: [...tls.rootCertificates, opts.ca] }) : undefined;
    // Idle keep-alive sockets are dropped after 4 s, before a server's usual 5 s keep-alive
    // timeout closes them under a request.
    const pool = { keepAlive: true, timeout: 4000, maxSockets: opts.maxSockets };
    this.httpsAgent = new https.Agent({ ...pool, secureContext, rejectUnauthorized: true });
    // Plain http:// only for a local test server.
    this.httpAgent = new http.Agent(pool);
  }

  request(url: string, init: HttpsRequest = {}): Promise<HttpsAnswer> {
    const target = new URL(url);
    const secure = target.protocol !== 'http:';
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    // Sent as bytes outside the JS heap: the text of a large batch would otherwise live as long
    // as the request and be promoted into the old generation (bench/README.md, memory).
    const payload = init.body === undefined ? undefined : Buffer.from(init.body, 'utf8');
    if (payload) headers['content-length'] = String(payload.length);
    const method = init.method ?? 'GET';
    return new Promise<HttpsAnswer>((resolve, reject) => {
      const req = (secure ? https : http).request(
        target,
        { method, headers, agent: secure ? this.httpsAgent : this.httpAgent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            // A success read to the end: the server has read the whole request.
            if (payload && status >= 200 && status < 300) releaseBytes(payload);
            resolve({ status, headers: flatHeaders(res.headers), text: Buffer.concat(chunks).toString('utf8') });
          });
        },
      );
      req.setTimeout(this.timeoutMs, () => req.destroy(Object.assign(new Error(`no answer within ${this.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  /** `json` (when given) sent as the JSON body; the answer read as JSON. */
  async requestJson(url: string, init: { method?: string; headers?: Record<string, string>; json?: unknown } = {}): Promise<JsonAnswer> {
    const headers: Record<string, string> = { accept: 'application/json', ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers };
    const answer = await this.request(url, { method: init.method, headers, body: init.json === undefined ? undefined : JSON.stringify(init.json) });
    return { ...answer, body: parseJsonText(answer.text) };
  }

  close(): void {
    this.httpsAgent.destroy();
    this.httpAgent.destroy();
  }
}

/** JSON text as a value; text that is no JSON stays text; '' is undefined. */
export function parseJsonText(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function flatHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}
