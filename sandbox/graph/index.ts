/**
 * Microsoft Graph simulator: the subset of Graph v1.0 the writer and the change reader use —
 * calendar events (with instances of series), calendarView and To Do delta queries (delta.ts),
 * contacts and contact folders, Microsoft To Do lists and tasks, JSON
 * $batch (at most 20 requests), $filter on singleValueExtendedProperties, $expand, paging with
 * @odata.nextLink, Graph's error bodies `{ error: { code, message } }`, 429 with Retry-After,
 * Exchange Online's 4 concurrent requests per mailbox, and app-only tokens from the AAD
 * simulator checked for audience and `roles`. It shares the MailboxStore with the EWS
 * simulator: an item written through one API is the same item through the other.
 * Laid out like the EWS simulator: this file holds the servers, the faults, the counters, $batch
 * and the concurrency limit; auth.ts who is calling, routes.ts which request is which,
 * operations.ts what each does, items.ts Graph JSON ↔ store fields, odata.ts the wire format.
 *
 * Sources: Microsoft Graph v1.0 reference (event, contact, contactFolder, todoTaskList,
 * todoTask, "Combine multiple requests in one HTTP call using JSON batching", "Microsoft Graph
 * throttling guidance", "Outlook service limits": 4 concurrent requests per app and mailbox).
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { MailboxStore, type StoredItem } from '../store';
import { createTestPki } from '../tls';
import { close, listen } from '../net';
import { Authenticator, rejectToken } from './auth';
import { linkedResourcesOf, readDateTimeTimeZone, toGraphId } from './items';
import { graphError, randomRequestId, type Json, type Reply } from './odata';
import { runRequest, type RouteContext } from './routes';

export { GRAPH_AUDIENCE } from './auth';
/** Read by tests that compare instants and look at a task's linkedResources. */
export { readDateTimeTimeZone, linkedResourcesOf };

export interface GraphFaults {
  /** Added to every HTTP request (ms). */
  latencyMs: number;
  /** Added per request inside a $batch, or once for a single request (ms; like EWS's per item). */
  perItemLatencyMs: number;
  /** The next n (sub-)requests are answered 429 with Retry-After. */
  throttleNext: number;
  /** 0..1: chance a (sub-)request is answered 429. */
  throttleRate: number;
  /** Retry-After of a 429 (seconds; Graph sends whole seconds). */
  retryAfterSeconds: number;
  /** The next n HTTP requests are answered 503 with Retry-After. */
  unavailableNext: number;
  /**
   * The next n DELETEs of an occurrence of a series (a request of its own or a $batch step)
   * are answered 503 with Retry-After (retryAfterSeconds), as Exchange Online does when busy.
   */
  occurrenceDeleteUnavailableNext: number;
  /** Concurrent requests per app and mailbox (Exchange Online: 4); beyond: 429 MailboxConcurrency. */
  maxConcurrentPerMailbox: number;
  /** Every connection is destroyed. */
  unreachable: boolean;
  /** The next n requests are refused with 401 although the token is valid (revoked, as after a consent change). */
  rejectTokenNext: number;
  /** Largest page whatever $top asks (server-driven paging: the client must follow @odata.nextLink). */
  maxPageSize: number;
}

export const DEFAULT_GRAPH_FAULTS: GraphFaults = {
  latencyMs: 0, perItemLatencyMs: 0, throttleNext: 0, throttleRate: 0, retryAfterSeconds: 1, unavailableNext: 0, occurrenceDeleteUnavailableNext: 0, maxConcurrentPerMailbox: 4, unreachable: false, maxPageSize: 1000, rejectTokenNext: 0,
};

export interface GraphStats {
  /** HTTP requests (a $batch counts once). */
  requests: number;
  /** Requests inside $batch calls. */
  batchedRequests: number;
  batches: number;
  /** Method + route pattern → count (sub-requests included). */
  byRoute: Record<string, number>;
  throttled: number;
  concurrencyExceeded: number;
  unavailable: number;
  rejectedAuth: number;
  /** Requests whose body or $select broke Graph's v1.0 metadata (answered 400). */
  schemaInvalid: number;
  /** Most requests in flight at once for one mailbox. */
  maxInFlightPerMailbox: number;
}

export interface GraphSimulatorOptions {
  store?: MailboxStore;
  mailboxes?: string[];
  /** Verifies Bearer tokens issued by the AAD simulator. */
  aadPublicKeyPem: string;
  faults?: Partial<GraphFaults>;
  /** Page size of collections without $top (Graph: 10). */
  pageSize?: number;
  /** The mailbox owners' zone, for To Do dates (default Europe/Berlin). */
  mailboxTimeZone?: string;
  port?: number;
  httpsPort?: number;
  random?: () => number;
  clock?: () => number;
}

export interface GraphSimulator {
  /** http://127.0.0.1:<port>/v1.0 */
  url: string;
  /** https://127.0.0.1:<port>/v1.0 (certificate by caPem). */
  httpsUrl: string;
  caPem: string;
  caFile: string;
  store: MailboxStore;
  faults: GraphFaults;
  stats(): GraphStats;
  /** Every HTTP request as it came in (a $batch once): when, what, and the status it got. */
  requestLog: { receivedAt: number; method: string; path: string; status: number; steps?: number }[];
  /**
   * Every request the simulator ran, a $batch step as its own entry: when it was run (for a
   * step: when its $batch was taken up), method, path and the status it got.
   */
  operationLog: { at: number; method: string; path: string; status: number }[];
  /** Clears the counters and the request log (not the mailboxes). */
  resetStats(): void;
  /**
   * Every request refused for breaking Graph's v1.0 metadata (metadata.ts), as `METHOD route:
   * message`; kept across resetStats, so a suite can assert at its end that none was sent.
   */
  schemaViolations: string[];
  /** Graph's id of a stored item (EWS and Graph ids differ, as in Exchange Online). */
  graphIdOf(item: StoredItem): string;
  /** Every delta link and next link handed out so far is answered 410 SyncStateNotFound from now on. */
  expireDeltaTokens(): void;
  close(): Promise<void>;
}

export async function startGraphSimulator(opts: GraphSimulatorOptions): Promise<GraphSimulator> {
  const pki = await createTestPki();
  const store = opts.store ?? new MailboxStore();
  for (const m of opts.mailboxes ?? []) store.addMailbox(m);
  const random = opts.random ?? Math.random;
  const clock = opts.clock ?? Date.now;
  const auth = new Authenticator(opts.aadPublicKeyPem, clock);
  const pageSize = opts.pageSize ?? 10;
  const inFlight = new Map<string, number>();
  const empty = (): GraphStats => ({
    requests: 0, batchedRequests: 0, batches: 0, byRoute: {}, throttled: 0, concurrencyExceeded: 0, unavailable: 0, rejectedAuth: 0, schemaInvalid: 0, maxInFlightPerMailbox: 0,
  });
  let counters = empty();
  let deltaEpoch = 0;

  const sim: GraphSimulator = {
    url: '', httpsUrl: '', caPem: pki.caPem, caFile: pki.caFile, store,
    faults: { ...DEFAULT_GRAPH_FAULTS, ...opts.faults },
    stats: () => structuredClone(counters),
    requestLog: [],
    operationLog: [],
    schemaViolations: [],
    resetStats: () => {
      counters = empty();
      sim.requestLog.length = 0;
      sim.operationLog.length = 0;
    },
    graphIdOf: (item) => toGraphId(item.itemId),
    expireDeltaTokens: () => { deltaEpoch++; },
    close: async () => undefined,
  };

  const throttled = () => {
    counters.throttled++;
    return graphError(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', { 'Retry-After': String(sim.faults.retryAfterSeconds) });
  };
  const routes: RouteContext = {
    store,
    mailboxZone: opts.mailboxTimeZone ?? 'Europe/Berlin',
    clock,
    paging: () => ({ pageSize, maxPageSize: sim.faults.maxPageSize, baseUrl: sim.httpsUrl }),
    throttle: () => {
      const f = sim.faults;
      if (f.throttleNext > 0 || (f.throttleRate > 0 && random() < f.throttleRate)) {
        if (f.throttleNext > 0) f.throttleNext--;
        return throttled();
      }
      return undefined;
    },
    occurrenceDelete: () => {
      const f = sim.faults;
      if (f.occurrenceDeleteUnavailableNext <= 0) return undefined;
      f.occurrenceDeleteUnavailableNext--;
      counters.unavailable++;
      return graphError(503, 'serviceNotAvailable', 'The service is temporarily unavailable.', { 'Retry-After': String(f.retryAfterSeconds) });
    },
    count: (route) => { counters.byRoute[route] = (counters.byRoute[route] ?? 0) + 1; },
    schemaInvalid: (request) => {
      counters.schemaInvalid++;
      sim.schemaViolations.push(request);
    },
    deltaEpoch: () => deltaEpoch,
  };

  // ---- HTTP ----------------------------------------------------------------------------------

  const mailboxOfUrl = (u: string) => decodeURIComponent(/\/users\/([^/?]+)/.exec(u)?.[1] ?? '').toLowerCase();

  async function handle(req: http.IncomingMessage, body: string, entry?: { steps?: number }): Promise<Reply> {
    counters.requests++;
    const f = sim.faults;
    if (f.unavailableNext > 0) {
      f.unavailableNext--;
      counters.unavailable++;
      return graphError(503, 'serviceNotAvailable', 'The service is temporarily unavailable.', { 'Retry-After': String(f.retryAfterSeconds) });
    }
    if (f.rejectTokenNext > 0) {
      f.rejectTokenNext--;
      counters.rejectedAuth++;
      return rejectToken('Access token has expired or is not yet valid.');
    }
    const who = auth.authenticate(req.headers.authorization);
    if (who.kind === 'reject') {
      counters.rejectedAuth++;
      return who.reply;
    }
    const path = (req.url ?? '/').replace(/^\/v1\.0/, '');
    let parsed: unknown;
    try {
      parsed = body ? JSON.parse(body) : undefined;
    } catch {
      return graphError(400, 'BadRequest', 'Unable to read JSON request payload.');
    }
    const isBatch = req.method === 'POST' && path.split('?')[0] === '/$batch';
    const requests = isBatch ? ((parsed as { requests?: Json[] })?.requests ?? []) : [];
    if (isBatch && (requests.length === 0 || requests.length > 20)) {
      return graphError(400, 'BadRequest', 'Number of batch request steps exceeds the maximum value of 20.');
    }
    const mailboxes = new Set(isBatch ? requests.map((r) => mailboxOfUrl(String(r.url ?? ''))) : [mailboxOfUrl(path)]);
    mailboxes.delete('');
    // Exchange Online: at most 4 concurrent requests per app and mailbox.
    for (const m of mailboxes) {
      if ((inFlight.get(m) ?? 0) >= f.maxConcurrentPerMailbox) {
        counters.concurrencyExceeded++;
        return throttled();
      }
    }
    for (const m of mailboxes) {
      const n = (inFlight.get(m) ?? 0) + 1;
      inFlight.set(m, n);
      counters.maxInFlightPerMailbox = Math.max(counters.maxInFlightPerMailbox, n);
    }
    try {
      // The work takes time (latency), so concurrent callers really overlap, as with Exchange.
      const delayMs = f.latencyMs + f.perItemLatencyMs * (isBatch ? requests.length : 1);
      await new Promise((r) => (delayMs > 0 ? setTimeout(r, delayMs) : setImmediate(r)));
      const run = (method: string, url: string, input: unknown) => {
        const at = clock();
        const reply = runRequest(method, url, input, who.roles, routes);
        sim.operationLog.push({ at, method, path: url.split('?')[0]!, status: reply.status });
        return reply;
      };
      if (!isBatch) return run(req.method ?? 'GET', path, parsed);
      counters.batches++;
      if (entry) entry.steps = requests.length;
      const responses = requests.map((r) => {
        counters.batchedRequests++;
        const reply = run(String(r.method ?? 'GET').toUpperCase(), String(r.url ?? ''), r.body);
        return { id: String(r.id ?? ''), status: reply.status, headers: { 'Content-Type': 'application/json', ...(reply.headers ?? {}) }, body: reply.body ?? null };
      });
      // Graph returns batch responses in any order; the client matches them by id.
      return { status: 200, body: { responses: responses.reverse() } };
    } finally {
      for (const m of mailboxes) inFlight.set(m, (inFlight.get(m) ?? 1) - 1);
    }
  }

  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (sim.faults.unreachable) {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (reply: Reply) => {
        const text = reply.body === undefined ? '' : JSON.stringify(reply.body);
        res.writeHead(reply.status, {
          ...(text ? { 'Content-Type': 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8' } : {}),
          'Content-Length': Buffer.byteLength(text), 'request-id': randomRequestId(), ...(reply.headers ?? {}),
        });
        res.end(text);
      };
      if (!(req.url ?? '').startsWith('/v1.0/')) {
        send(graphError(404, 'BadRequest', 'Invalid version.'));
        return;
      }
      const entry: GraphSimulator['requestLog'][number] = { receivedAt: clock(), method: req.method ?? 'GET', path: (req.url ?? '').split('?')[0]!.replace(/^\/v1\.0/, ''), status: 0 };
      sim.requestLog.push(entry);
      const answer = (reply: Reply) => {
        entry.status = reply.status;
        send(reply);
      };
      handle(req, Buffer.concat(chunks).toString('utf8'), entry).then(answer, (err: unknown) => {
        answer(graphError(500, 'generalException', `Simulator error: ${String(err)}`));
      });
    });
  };

  const httpServer = http.createServer(handler);
  const httpsServer = https.createServer({ cert: pki.certPem, key: pki.keyPem }, handler);
  await listen(httpServer, opts.port ?? 0);
  await listen(httpsServer, opts.httpsPort ?? 0);
  sim.url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/v1.0`;
  sim.httpsUrl = `https://127.0.0.1:${(httpsServer.address() as AddressInfo).port}/v1.0`;
  sim.close = async () => {
    await Promise.all([close(httpServer), close(httpsServer)]);
  };
  return sim;
}


