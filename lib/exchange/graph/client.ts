import { HttpsClient } from '../../net/https';
import { GRAPH_SCOPE, type ExchangeConnection } from '../connection/exchange-connection';
import { describeNetworkError } from '../connection/network-errors';
import { ExchangeCode } from '../../error-codes';
import { ExchangeError } from '../errors';
import { responseError, type GraphResponse } from './errors';

/**
 * Every Microsoft Graph request goes through GraphClient: the connection's CA, an app-only
 * token for https://graph.microsoft.com/.default (renewed once on 401), at most 4 requests in
 * flight per mailbox (Exchange Online's MailboxConcurrency limit for an app; more only earn
 * 429s), JSON $batch in steps of 20 (Graph's limit), paging through @odata.nextLink, and one
 * mapping of whole-request failures to ExchangeErrors (429/503 carry Retry-After).
 * Sources: Microsoft Graph "JSON batching", "Throttling guidance", "Outlook service limits".
 */
export interface GraphRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Relative to the Graph base URL: `/users/{mailbox}/events`. */
  url: string;
  body?: unknown;
}

export const MAX_BATCH = 20;
export const MAX_PER_MAILBOX = 4;

/** A counting semaphore: at most `limit` holders at once, the others wait in order. */
class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

export class GraphClient {
  readonly baseUrl: string;
  private readonly http: HttpsClient;
  private readonly gates = new Map<string, Gate>();
  /** HTTP requests sent (a $batch counts once); for tests and the benchmark. */
  requests = 0;

  constructor(private readonly connection: ExchangeConnection, private readonly perMailbox = MAX_PER_MAILBOX) {
    this.baseUrl = connection.graphUrl;
    this.http = new HttpsClient({ ca: connection.ca, timeoutMs: connection.requestTimeoutMs, maxSockets: 32 });
  }

  /** The path of a mailbox: `/users/anna.meier%40firma.de`. */
  static user(mailbox: string): string {
    return `/users/${encodeURIComponent(mailbox.trim())}`;
  }

  /** One request; a failure of the whole request (network, auth, throttled, 503) is thrown, any other answer returned. */
  async request(mailbox: string, req: GraphRequest): Promise<GraphResponse> {
    const res = await this.gate(mailbox).run(() => this.send(req.method, this.absolute(req.url), req.body));
    this.throwIfWhole(res, mailbox);
    return res;
  }

  /** Many requests as JSON $batch calls of up to 20 steps; one answer per request, in input order. */
  async batch(mailbox: string, requests: GraphRequest[]): Promise<GraphResponse[]> {
    if (requests.length === 1) return [await this.request(mailbox, requests[0])];
    const out: GraphResponse[] = [];
    for (let i = 0; i < requests.length; i += MAX_BATCH) {
      const chunk = requests.slice(i, i + MAX_BATCH);
      const body = { requests: chunk.map((r, n) => ({
        id: String(n + 1), method: r.method, url: r.url,
        ...(r.body !== undefined ? { body: r.body, headers: { 'Content-Type': 'application/json' } } : {}),
      })) };
      const res = await this.gate(mailbox).run(() => this.send('POST', `${this.baseUrl}/$batch`, body));
      this.throwIfWhole(res, mailbox);
      if (res.status !== 200) {
        throw responseError(res, undefined, mailbox) ?? new ExchangeError(ExchangeCode.requestRejected, `Graph $batch answered HTTP ${res.status}`);
      }
      // Steps come back in any order: match them by id.
      const byId = new Map<string, GraphResponse>();
      for (const r of ((res.body as { responses?: { id: string; status: number; headers?: Record<string, string>; body?: unknown }[] })?.responses ?? [])) {
        byId.set(String(r.id), { status: r.status, headers: lower(r.headers ?? {}), body: r.body });
      }
      chunk.forEach((_, n) => out.push(byId.get(String(n + 1)) ?? {
        status: 500, headers: {}, body: { error: { code: 'missingResponse', message: 'Graph returned no answer for this step' } },
      }));
    }
    return out;
  }

  /** Every item of a collection, following @odata.nextLink. */
  async getAll(mailbox: string, url: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let next: string | undefined = this.absolute(url);
    for (let pages = 0; next && pages < 1000; pages++) {
      const target: string = next;
      const res = await this.gate(mailbox).run(() => this.send('GET', target, undefined));
      this.throwIfWhole(res, mailbox);
      const err = responseError(res, undefined, mailbox);
      if (err) throw err;
      const body = res.body as { value?: Record<string, unknown>[]; '@odata.nextLink'?: string };
      items.push(...(body.value ?? []));
      next = body['@odata.nextLink'];
    }
    return items;
  }

  close(): void {
    this.http.close();
  }

  private gate(mailbox: string): Gate {
    const key = mailbox.trim().toLowerCase();
    let g = this.gates.get(key);
    if (!g) {
      g = new Gate(this.perMailbox);
      this.gates.set(key, g);
    }
    return g;
  }

  private absolute(url: string): string {
    return /^https?:\/\//i.test(url) ? url : `${this.baseUrl}${url}`;
  }

  /** Throttling, unavailability and refused tokens concern the whole request: thrown, for the writer to wait. */
  private throwIfWhole(res: GraphResponse, mailbox: string): void {
    if (res.status === 429) throw responseError(res, undefined, mailbox)!;
    if (res.status === 503 || res.status === 502 || res.status === 504) {
      const e = responseError(res, undefined, mailbox)!;
      throw new ExchangeError(ExchangeCode.unavailable, `Microsoft Graph at ${new URL(this.baseUrl).host} is not available (HTTP ${res.status}).`, {
        scope: 'endpoint', retryable: true, httpStatus: res.status, backOffMs: e.backOffMs, serverCode: e.serverCode,
      });
    }
    if (res.status === 401) {
      const e = responseError(res, undefined, mailbox)!;
      throw new ExchangeError(ExchangeCode.auth, `Microsoft Graph refused the token: ${e.message.replace(/^.*? — /, '')}`, {
        scope: 'endpoint', retryable: true, httpStatus: 401, serverCode: e.serverCode,
      });
    }
  }

  private async send(method: string, url: string, body: unknown): Promise<GraphResponse> {
    const tokens = this.connection.tokenSource(GRAPH_SCOPE);
    let token = await tokens.get();
    let res = await this.wire(method, url, body, token);
    if (res.status === 401) {
      // Revoked or expired early: renew once and try again.
      token = await tokens.get(token);
      res = await this.wire(method, url, body, token);
    }
    return res;
  }

  private async wire(method: string, url: string, body: unknown, token: string): Promise<GraphResponse> {
    this.requests++;
    try {
      const answer = await this.http.requestJson(url, { method, headers: { authorization: `Bearer ${token}` }, json: body });
      return { status: answer.status, headers: answer.headers, body: answer.body };
    } catch (err) {
      throw describeNetworkError(err, url) ?? new ExchangeError(ExchangeCode.unavailable, `Microsoft Graph request failed: ${String((err as Error)?.message ?? err)}`, {
        scope: 'endpoint', retryable: true, ambiguous: true, cause: err,
      });
    }
  }
}

function lower(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), String(v)]));
}
