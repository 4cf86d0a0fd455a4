import http from 'node:http';
import https from 'node:https';
import * as ews from 'ews-javascript-api';
import { XhrApi } from '@ewsjs/xhr';
import { createType1Message, createType3Message, decodeType2Message } from '@ewsjs/ntlm-client';
import { retryAfterMs } from '../../net/retry';
import type { ExchangeConnection } from '../connection/exchange-connection';
import { ExchangeError } from '../errors';
import { toExchangeError, type HttpFailure } from './errors';
import { xmlText } from './escape';

/**
 * Every EWS request goes through `ewsCall`: a fresh ExchangeService for the call (impersonating
 * the mailbox, with X-AnchorMailbox, which ews-javascript-api does not send by itself), an HTTP
 * layer that trusts the connection's CA, renews an OAuth token once on 401, and records what
 * went wrong on the wire, and one mapping of whatever the library throws to an ExchangeError.
 */

type XhrOptions = { url: string; type?: string; headers?: Record<string, string>; data?: unknown };
type XhrResult = Awaited<ReturnType<XhrApi['xhr']>>;
interface WireError {
  status?: number;
  responseText?: string;
  headers?: Record<string, string | string[] | undefined>;
  message?: string;
  code?: string;
  cause?: unknown;
}

/** The HTTP layer ews-javascript-api calls (its IXHRApi), one per EWS call. */
export class ExchangeHttp {
  readonly apiName = 'buero-sync';
  failure?: HttpFailure;

  constructor(private readonly connection: ExchangeConnection) {}

  async xhr(options: XhrOptions, progress?: unknown): Promise<XhrResult> {
    for (let attempt = 0; ; attempt++) {
      const auth = this.connection.auth;
      const ntlm = auth.kind === 'ntlm' ? new NtlmHandshake(auth.user, auth.password, this.connection, ntlmConnections(this.connection)) : undefined;
      try {
        const result = await this.transport(ntlm).xhr(options as Parameters<XhrApi['xhr']>[0], progress as Parameters<XhrApi['xhr']>[1]);
        ntlm?.finished(true);
        forgetSentBody(options);
        return result;
      } catch (thrown) {
        const wire = thrown as WireError;
        const status = typeof wire?.status === 'number' ? wire.status : undefined;
        // An answer other than 401 leaves the connection authenticated (a SOAP fault, too).
        ntlm?.finished(status !== undefined && status !== 401);
        if (ntlm?.reused && status === 401 && attempt === 0) {
          // The kept connection was replaced (the server closed it) or lost its logon: the
          // request was refused unread, so log on anew and send it again. A broken connection
          // is not retried here: the request may have been carried out (the writer checks).
          continue;
        }
        if (status === 401 && attempt === 0 && auth.kind === 'oauth') {
          // The token may have been revoked or expired early: renew once and try again.
          const rejected = String(options.headers?.Authorization ?? '').replace(/^Bearer /, '');
          try {
            const token = await auth.tokens.get(rejected);
            options.headers = { ...options.headers, Authorization: `Bearer ${token}` };
            continue;
          } catch (err) {
            this.failure = { status, message: 'token renewal failed', tokenError: err as ExchangeError };
            throw harmless(wire, status);
          }
        }
        this.failure = describeWireError(wire, status);
        // ews-javascript-api parses a 500 as a SOAP fault and throws outside its promise when
        // the body is not XML (a proxy's error page): hand it only real SOAP faults.
        if (status === 500 && /<(\w+:)?Envelope[\s>]/.test(wire.responseText ?? '')) throw thrown;
        throw harmless(wire, status === 500 ? 0 : status);
      }
    }
  }

  xhrStream(): Promise<XhrResult> {
    return Promise.reject(new Error('streaming notifications are not used'));
  }

  disconnect(): void {
    // Nothing kept open between calls.
  }

  private transport(ntlm: NtlmHandshake | undefined): XhrApi {
    const c = this.connection;
    const agentOptions = { ca: c.ca, keepAlive: false };
    const xhr = new XhrApi({ timeout: c.requestTimeoutMs, httpsAgent: new https.Agent(agentOptions) });
    if (ntlm) xhr.setAuthProvider(ntlm);
    return xhr;
  }
}

/**
 * After a successful answer ews-javascript-api parses the request it sent back into a DOM and
 * an object tree, only to pass it to its debug log (SimpleServiceRequestBase, even with the log
 * off): for a CreateItem of 50 items the largest single source of garbage in the writer
 * (bench/README.md). The request object is the one handed to `xhr`; once sent, its body is
 * replaced by an empty element, so that parse costs nothing.
 */
function forgetSentBody(options: XhrOptions): void {
  if (typeof options.data === 'string') options.data = '<Sent/>';
}

/** An object ews-javascript-api's error path digests without parsing a body. */
function harmless(wire: WireError, status: number | undefined): object {
  const headers = (wire?.headers ?? {}) as Record<string, string>;
  return {
    status: status ?? 0,
    message: wire?.message ?? `HTTP ${status ?? 0}`,
    headers,
    responseText: '',
    getResponseHeader: (name: string) => headers[name] ?? headers[name.toLowerCase()] ?? null,
    getAllResponseHeaders: () => '',
  };
}

function describeWireError(wire: WireError, status: number | undefined): HttpFailure {
  return {
    status,
    message: wire?.message ?? '',
    bodyStart: (wire?.responseText ?? '').slice(0, 500),
    retryAfterMs: retryAfterMs(wire?.headers ?? {}),
    error: status ? undefined : wire,
  };
}

/**
 * Connections NTLM has authenticated, idle, for one Exchange connection. NTLM authenticates
 * the TCP connection, not the request: a request on a kept connection needs no handshake
 * (saves the 401 round trip per request). Each agent holds one socket; an agent is used by one
 * request at a time. Idle ones are dropped after a minute (servers close them anyway).
 */
class NtlmConnections {
  private idle: { agent: http.Agent; since: number }[] = [];

  constructor(private readonly max = 32, private readonly idleMs = 60_000) {}

  take(): http.Agent | undefined {
    const now = Date.now();
    for (const stale of this.idle.filter((i) => now - i.since > this.idleMs)) stale.agent.destroy();
    this.idle = this.idle.filter((i) => now - i.since <= this.idleMs);
    return this.idle.pop()?.agent;
  }

  give(agent: http.Agent): void {
    if (this.idle.length >= this.max) agent.destroy();
    else this.idle.push({ agent, since: Date.now() });
  }

  close(): void {
    for (const i of this.idle) i.agent.destroy();
    this.idle = [];
  }
}

const kept = new WeakMap<ExchangeConnection, NtlmConnections>();

function ntlmConnections(connection: ExchangeConnection): NtlmConnections {
  let pool = kept.get(connection);
  if (!pool) kept.set(connection, (pool = new NtlmConnections()));
  return pool;
}

/** Drops the authenticated connections kept for this Exchange connection (the writer stops). */
export function closeNtlmConnections(connection: ExchangeConnection): void {
  kept.get(connection)?.close();
}

/**
 * NTLM for @ewsjs/xhr: the same handshake as its NtlmProvider, but over an agent that trusts
 * the connection's CA (the library's agent does not take one) and keeps the handshake and the
 * request on one connection, as NTLM requires (it authenticates the connection). Afterwards
 * the connection is kept for the next request (NtlmConnections).
 */
class NtlmHandshake {
  readonly providerName = 'ntlm';
  readonly client = null as never;
  /** The request went over a kept connection, without a handshake. */
  reused = false;
  private readonly user: string;
  private readonly domain: string;
  private agent?: http.Agent;

  constructor(user: string, private readonly password: string, private readonly connection: ExchangeConnection, private readonly pool: NtlmConnections) {
    const slash = user.indexOf('\\');
    this.domain = slash > 0 ? user.slice(0, slash).toUpperCase() : '';
    this.user = slash > 0 ? user.slice(slash + 1) : user;
  }

  /** The request is over: keep its connection if it is still authenticated, else drop it. */
  finished(keep: boolean): void {
    if (!this.agent) return;
    if (keep) this.pool.give(this.agent);
    else this.agent.destroy();
    this.agent = undefined;
  }

  async preCall(options: { url?: string; headers?: Record<string, string>; httpAgent?: unknown; httpsAgent?: unknown }) {
    const url = new URL(String(options.url));
    const secure = url.protocol === 'https:';
    const headers = { ...(options.headers ?? {}) };
    delete headers.authorization;
    delete headers.Authorization;
    delete headers.connection;
    headers.Connection = 'keep-alive';
    const reusable = this.pool.take();
    if (reusable) {
      this.agent = reusable;
      this.reused = true;
      return { ...options, headers, httpAgent: secure ? undefined : reusable, httpsAgent: secure ? reusable : undefined };
    }
    const agent = secure
      ? new https.Agent({ keepAlive: true, maxSockets: 1, ca: this.connection.ca })
      : new http.Agent({ keepAlive: true, maxSockets: 1 });
    this.agent = agent;
    const challenge = await new Promise<string>((resolve, reject) => {
      const req = (secure ? https : http).request(url, {
        method: 'GET',
        agent,
        timeout: this.connection.requestTimeoutMs,
        headers: {
          Authorization: createType1Message('.', this.domain),
          Connection: 'keep-alive',
          ...(options.headers?.['X-AnchorMailbox'] ? { 'X-AnchorMailbox': options.headers['X-AnchorMailbox'] } : {}),
        },
      }, (res) => {
        res.resume();
        res.on('end', () => {
          const header = res.headers['www-authenticate'];
          const value = (Array.isArray(header) ? header : [header ?? '']).find((h) => /^NTLM /i.test(h));
          if (value) resolve(value);
          else reject(Object.assign(new Error(`NTLM: the server offered no NTLM challenge (HTTP ${res.statusCode})`), { status: res.statusCode ?? 401 }));
        });
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('NTLM handshake timed out'), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.end();
    });
    headers.Authorization = createType3Message(decodeType2Message(challenge), this.user, this.password, '.', this.domain);
    return { ...options, headers, httpAgent: secure ? undefined : agent, httpsAgent: secure ? agent : undefined };
  }
}

/** Credentials that add nothing: NTLM authenticates in the HTTP layer above. */
class HandshakeCredentials extends ews.ExchangeCredentials {
  override PrepareWebRequest(): void {
    // The NTLM handshake sets the Authorization header.
  }
}

/** A configured ExchangeService acting for `mailbox`. */
export async function createService(connection: ExchangeConnection, mailbox: string, httpLayer: ExchangeHttp): Promise<ews.ExchangeService> {
  const version = ews.ExchangeVersion[connection.version as keyof typeof ews.ExchangeVersion] as ews.ExchangeVersion;
  const service = connection.timeZone
    ? new ews.ExchangeService(version, ews.TimeZoneInfo.FindSystemTimeZoneById(connection.timeZone))
    : new ews.ExchangeService(version);
  service.Url = new ews.Uri(connection.ewsUrl);
  service.XHRApi = httpLayer as unknown as ews.ExchangeService['XHRApi'];
  const auth = connection.auth;
  if (auth.kind === 'oauth') service.Credentials = new ews.OAuthCredentials(await auth.tokens.get());
  else if (auth.kind === 'basic') service.Credentials = new ews.WebCredentials(auth.user, auth.password);
  else service.Credentials = new HandshakeCredentials();
  // Impersonation: the administrative identity acts as the mailbox owner (ExchangeImpersonation).
  service.ImpersonatedUserId = new ews.ImpersonatedUserId(ews.ConnectingIdType.SmtpAddress, xmlText(mailbox));
  // Exchange routes impersonated requests by this header (Microsoft: "Impersonation and EWS in
  // Exchange", X-AnchorMailbox); without it requests may land on the wrong server.
  service.HttpHeaders.Add('X-AnchorMailbox', mailbox);
  return service;
}

/** Runs one EWS operation for a mailbox; anything thrown comes out as an ExchangeError. */
export async function ewsCall<T>(connection: ExchangeConnection, mailbox: string, operation: (service: ews.ExchangeService) => Promise<T>): Promise<T> {
  const httpLayer = new ExchangeHttp(connection);
  try {
    const service = await createService(connection, mailbox, httpLayer);
    return await operation(service);
  } catch (thrown) {
    throw toExchangeError(thrown, httpLayer.failure, connection.endpoint, mailbox);
  }
}
