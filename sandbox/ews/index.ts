/**
 * Exchange Web Services simulator: SOAP 1.1 at /EWS/Exchange.asmx over HTTP and HTTPS on
 * 127.0.0.1, answering like Exchange 2016 so that ews-javascript-api (and exchangelib) work
 * against it unchanged. Every request is checked against Microsoft's schema; faults (latency,
 * ErrorServerBusy, 503, dropped connections, concurrency limit, outage) are injectable at run
 * time; /inspect shows the mailboxes to people and as JSON to tests.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { AddressInfo } from 'node:net';
import { MailboxStore } from '../store';
import { createTestPki } from '../tls';
import { Authenticator, Caller, EwsAccount } from './auth';
import { handleInspect } from './inspect';
import { itemSchemas } from './items';
import { OPERATIONS, runOperation } from './operations';
import { compiledSchema, parseSoapRequest, schemaFile } from './schema';
import { EwsError, envelope, fault } from './soap';
import { ianaZone } from './timezones';
import { child, childText, esc } from './xml';
import { close, listen } from '../net';

export { MailboxStore } from '../store';
export type { StoredItem, StoredFolder, StoredExtendedProperty, ItemKind } from '../store';
export type { EwsAccount } from './auth';

export interface EwsFaults {
  /** Added to every request (ms). */
  latencyMs: number;
  /** Added per item of a batch (ms). */
  perItemLatencyMs: number;
  /** 0..1: chance a request (or, with serverBusyAs 'item', each item) gets ErrorServerBusy. */
  serverBusyRate: number;
  serverBusyAs: 'fault' | 'item';
  /** BackOffMilliseconds in the ErrorServerBusy details. */
  serverBusyBackOffMs: number;
  /** 0..1: chance of HTTP 503 Service Unavailable. */
  http503Rate: number;
  /** 0..1: chance the socket is destroyed without an answer. */
  dropConnectionRate: number;
  /** Concurrent requests per account; beyond it ErrorExceededConnectionCount (EWSMaxConcurrency, default 27). */
  maxConcurrency: number;
  /** Simulated outage: every connection is destroyed. */
  unreachable: boolean;
}

export interface EwsSimulatorOptions {
  /** SMTP addresses that exist. */
  mailboxes?: string[];
  /** On-premises Basic/NTLM accounts. */
  accounts?: EwsAccount[];
  /** Verifies Bearer tokens issued by the AAD simulator. */
  aadPublicKeyPem?: string;
  /** Shared storage (a Graph simulator will share it). */
  store?: MailboxStore;
  faults?: Partial<EwsFaults>;
  /** Validate every request against the EWS schema (default true). */
  validateSchema?: boolean;
  /** Fixed ports for the command line launcher (default 0: a free port). */
  port?: number;
  httpsPort?: number;
  /** Randomness for fault rates (default Math.random); clock for timestamps and token expiry. */
  random?: () => number;
  clock?: () => number;
  /** Sees every request and response body (debugging). */
  trace?: (direction: 'request' | 'response', body: string) => void;
}

export interface RequestLogEntry {
  /** When the answer went out. */
  time: number;
  /** When the request came in (a request already on its way when another was answered is not sent after it). */
  receivedAt: number;
  operation: string;
  mailbox?: string;
  items: number;
  status: number;
  error?: string;
}

export interface EwsStats {
  requests: number;
  schemaInvalid: number;
  missingAnchorMailbox: number;
  byOperation: Record<string, number>;
  serverBusy: number;
  rejectedAuth: number;
  requestsByMailbox: Record<string, { time: number; operation: string }[]>;
  exceededConnectionCount: number;
  http503: number;
  droppedConnections: number;
}

export interface EwsSimulator {
  /** http://127.0.0.1:<port>/EWS/Exchange.asmx */
  url: string;
  /** https://127.0.0.1:<port2>/EWS/Exchange.asmx, certificate signed by caPem. */
  httpsUrl: string;
  caPem: string;
  caFile: string;
  /** HTML page for people; JSON API under `${inspectUrl}/api/…`. */
  inspectUrl: string;
  store: MailboxStore;
  /** Mutable at run time. */
  faults: EwsFaults;
  stats(): EwsStats;
  requestLog: RequestLogEntry[];
  addMailbox(smtp: string): void;
  /** Clears the request log and counters (not the mailboxes). */
  resetStats(): void;
  /** Closes idle keep-alive connections, as IIS does after its idle timeout (NTLM must log on again). */
  closeIdleConnections(): void;
  /** Every SyncState handed out so far is refused from now on (ErrorInvalidSyncStateData), as after a mailbox move. */
  expireSyncStates(): void;
  close(): Promise<void>;
}

export const DEFAULT_FAULTS: EwsFaults = {
  latencyMs: 0, perItemLatencyMs: 0, serverBusyRate: 0, serverBusyAs: 'fault', serverBusyBackOffMs: 30_000,
  http503Rate: 0, dropConnectionRate: 0, maxConcurrency: 27, unreachable: false,
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startEwsSimulator(opts: EwsSimulatorOptions = {}): Promise<EwsSimulator> {
  const [pki, schema] = await Promise.all([createTestPki(), itemSchemas(), compiledSchema()]);
  const store = opts.store ?? new MailboxStore();
  for (const m of opts.mailboxes ?? []) store.addMailbox(m);
  const random = opts.random ?? Math.random;
  // Draws only for an active fault, so a seeded sequence maps onto the faults a test switched on.
  const chance = (rate: number) => rate > 0 && random() < rate;
  const clock = opts.clock ?? Date.now;
  const validate = opts.validateSchema ?? true;
  const auth = new Authenticator(opts.accounts ?? [], opts.aadPublicKeyPem, clock);
  const inFlight = new Map<string, number>();

  const emptyStats = (): EwsStats => ({
    requests: 0, schemaInvalid: 0, missingAnchorMailbox: 0, byOperation: {}, serverBusy: 0, rejectedAuth: 0,
    requestsByMailbox: {}, exceededConnectionCount: 0, http503: 0, droppedConnections: 0,
  });
  let counters = emptyStats();
  let syncEpoch = 0;

  const sim: EwsSimulator = {
    url: '', httpsUrl: '', caPem: pki.caPem, caFile: pki.caFile, inspectUrl: '', store,
    faults: { ...DEFAULT_FAULTS, ...opts.faults },
    stats: () => structuredClone(counters),
    requestLog: [],
    addMailbox: (smtp) => store.addMailbox(smtp),
    resetStats: () => {
      counters = emptyStats();
      sim.requestLog.length = 0;
    },
    closeIdleConnections: () => undefined,
    expireSyncStates: () => { syncEpoch++; },
    close: async () => undefined,
  };

  const logEntry = (entry: Omit<RequestLogEntry, 'time' | 'receivedAt'>, receivedAt = clock()) => {
    const time = clock();
    sim.requestLog.push({ time, receivedAt, ...entry });
    if (entry.mailbox) (counters.requestsByMailbox[entry.mailbox.toLowerCase()] ??= []).push({ time, operation: entry.operation });
  };

  const send = (res: http.ServerResponse, status: number, body: string, headers: Record<string, string | string[]> = {}) => {
    opts.trace?.('response', body);
    res.writeHead(status, {
      'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'request-id': randomUUID(),
      'X-FEServer': 'EXCH01', 'X-BEServer': 'EXCH01', 'X-Powered-By': 'ASP.NET', ...headers,
    });
    res.end(body);
  };

  async function ews(req: http.IncomingMessage, res: http.ServerResponse, body: string, receivedAt: number): Promise<void> {
    const log = (entry: Omit<RequestLogEntry, 'time' | 'receivedAt'>) => logEntry(entry, receivedAt);
    counters.requests++;
    opts.trace?.('request', body);
    const f = sim.faults;
    if (chance(f.http503Rate)) {
      counters.http503++;
      log({ operation: '', items: 0, status: 503, error: 'injected 503' });
      const html = '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN"><HTML><HEAD><TITLE>Service Unavailable</TITLE></HEAD><BODY><h2>Service Unavailable</h2><hr><p>HTTP Error 503. The service is unavailable.</p></BODY></HTML>';
      res.writeHead(503, { 'Content-Type': 'text/html; charset=us-ascii', 'Content-Length': Buffer.byteLength(html) });
      res.end(html);
      return;
    }

    const who = auth.authenticate(req);
    if (who.kind === 'challenge') {
      send(res, 401, '', who.headers);
      return;
    }
    if (who.kind === 'reject') {
      counters.rejectedAuth++;
      log({ operation: '', items: 0, status: 401, error: who.reason });
      send(res, 401, '', who.headers);
      return;
    }
    if (req.method !== 'POST') {
      send(res, 200, '', { 'Content-Type': 'text/html; charset=utf-8' });
      return;
    }

    const parsed = await parseSoapRequest(body, validate);
    if (!parsed.ok) {
      counters.schemaInvalid++;
      const v = parsed.violation;
      log({ operation: '', items: 0, status: 500, error: `ErrorSchemaValidation: ${v.message}` });
      send(res, 500, fault({
        code: 'ErrorSchemaValidation', message: `The request failed schema validation: ${v.message}`,
        xml: `<t:LineNumber>${v.line}</t:LineNumber><t:LinePosition>${v.column}</t:LinePosition><t:Violation>${esc(v.message)}</t:Violation>`,
      }));
      return;
    }
    const request = parsed.soap.body!;
    const operation = request.name;
    counters.byOperation[operation] = (counters.byOperation[operation] ?? 0) + 1;
    const header = (name: string) => parsed.soap.header.find((h) => h.name === name);
    const faultWith = (error: EwsError & { xml?: string }, mailbox?: string) => {
      log({ operation, mailbox, items: 0, status: 500, error: error.code });
      send(res, 500, fault(error));
    };

    // Whose mailbox: ExchangeImpersonation header, else the caller's own.
    const impersonation = header('ExchangeImpersonation');
    const sid = child(impersonation, 'ConnectingSID');
    const impersonated = childText(sid, 'PrimarySmtpAddress') ?? childText(sid, 'SmtpAddress') ?? childText(sid, 'PrincipalName');
    const caller: Caller = who.caller;
    if (caller.appOnly && !impersonation) return faultWith({ code: 'ErrorInvalidExchangeImpersonationHeaderData' });
    if (impersonation && !caller.mayImpersonate) return faultWith({ code: 'ErrorImpersonateUserDenied' }, impersonated);
    if (impersonation && (!impersonated || !store.hasMailbox(impersonated))) {
      return faultWith({ code: 'ErrorNonExistentMailbox', values: { SmtpAddress: impersonated ?? childText(sid, 'SID') ?? '' } }, impersonated);
    }
    // Exchange routes impersonated requests by X-AnchorMailbox; without it they may land on the wrong server.
    if (impersonation && !req.headers['x-anchormailbox']) counters.missingAnchorMailbox++;
    const mailbox = impersonated ?? caller.ownMailbox;

    if (!OPERATIONS.includes(operation)) {
      return faultWith({ code: 'ErrorInvalidRequest', message: `The request is valid but the simulator does not implement ${operation}.` }, mailbox);
    }

    // EWSMaxConcurrency: a service account has its own budget, separate from the impersonated
    // users' (Microsoft Learn, "EWS throttling in Exchange", since Exchange 2010 SP2 RU4).
    const running = inFlight.get(caller.account) ?? 0;
    if (running >= f.maxConcurrency) {
      counters.exceededConnectionCount++;
      return faultWith({
        code: 'ErrorExceededConnectionCount',
        values: {
          Policy: 'MaxConcurrency', MaxConcurrencyLimit: String(f.maxConcurrency),
          ErrorMessage: `This operation exceeds the throttling budget for policy part 'MaxConcurrency', policy value '${f.maxConcurrency}', Budget type: 'Ews'. Suggested backoff time 0 ms.`,
        },
      }, mailbox);
    }
    inFlight.set(caller.account, running + 1);
    try {
      const busy = (): EwsError => {
        counters.serverBusy++;
        return { code: 'ErrorServerBusy', values: { BackOffMilliseconds: String(f.serverBusyBackOffMs) } };
      };
      if (f.serverBusyAs === 'fault' && chance(f.serverBusyRate)) return faultWith(busy(), mailbox);
      if (f.latencyMs > 0) await sleep(f.latencyMs);
      const zoneId = child(header('TimeZoneContext'), 'TimeZoneDefinition')?.attrs.Id ?? 'UTC';
      const zone = ianaZone(zoneId) ?? 'UTC';
      const result = runOperation(request, {
        store, schema, mailbox, impersonating: !!impersonation, zone, zoneId, clock, syncEpoch,
        itemFault: () => (f.serverBusyAs === 'item' && chance(f.serverBusyRate) ? busy() : undefined),
      });
      if (f.perItemLatencyMs > 0) await sleep(f.perItemLatencyMs * result.items);
      const firstError = /<m:ResponseCode>(Error\w+)<\/m:ResponseCode>/.exec(result.body)?.[1];
      log({ operation, mailbox, items: result.items, status: 200, error: firstError });
      send(res, 200, envelope(result.body));
    } finally {
      inFlight.set(caller.account, (inFlight.get(caller.account) ?? 1) - 1);
    }
  }

  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const lower = path.toLowerCase();
    if (lower === '/ews/exchange.asmx') {
      const f = sim.faults;
      if (f.unreachable || chance(f.dropConnectionRate)) {
        counters.droppedConnections++;
        logEntry({ operation: '', items: 0, status: 0, error: f.unreachable ? 'unreachable' : 'connection dropped' });
        req.socket.destroy();
        return;
      }
      const receivedAt = clock();
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        ews(req, res, Buffer.concat(chunks).toString('utf8'), receivedAt).catch((err: unknown) => {
          logEntry({ operation: '', items: 0, status: 500, error: String(err) }, receivedAt);
          if (!res.headersSent) send(res, 500, fault({ code: 'ErrorInternalServerError', message: `Simulator error: ${String(err)}` }));
        });
      });
      return;
    }
    const files: Record<string, 'messages.xsd' | 'types.xsd' | 'services.wsdl'> = {
      '/ews/services.wsdl': 'services.wsdl', '/ews/messages.xsd': 'messages.xsd', '/ews/types.xsd': 'types.xsd',
    };
    if (req.method === 'GET' && files[lower]) {
      res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8' });
      createReadStream(schemaFile(files[lower])).pipe(res);
      return;
    }
    if (lower === '/inspect' || lower.startsWith('/inspect/')) {
      handleInspect(req, res, sim);
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('Not found');
  };

  const httpServer = http.createServer(handler);
  const httpsServer = https.createServer({ cert: pki.certPem, key: pki.keyPem }, handler);
  // Keep-alive like IIS: NTLM authenticates the connection.
  httpServer.keepAliveTimeout = httpsServer.keepAliveTimeout = 120_000;
  await listen(httpServer, opts.port ?? 0);
  await listen(httpsServer, opts.httpsPort ?? 0);
  const port = (httpServer.address() as AddressInfo).port;
  sim.url = `http://127.0.0.1:${port}/EWS/Exchange.asmx`;
  sim.httpsUrl = `https://127.0.0.1:${(httpsServer.address() as AddressInfo).port}/EWS/Exchange.asmx`;
  sim.inspectUrl = `http://127.0.0.1:${port}/inspect`;
  sim.closeIdleConnections = () => {
    httpServer.closeIdleConnections();
    httpsServer.closeIdleConnections();
  };
  sim.close = async () => {
    await Promise.all([close(httpServer), close(httpsServer)]);
  };
  return sim;
}


